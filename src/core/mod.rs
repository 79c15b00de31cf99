//! The pure core: no browser, no clock. Time comes in as [`Millis`], storage behind traits,
//! so that everything here runs and is tested natively.

pub mod cache;
pub mod entry;
pub mod fingerprint;
pub mod group_mark;
pub mod interner;
pub mod invalidation;
pub mod iso8601;
pub mod key;
pub mod memory;
pub mod metrics;
pub mod optimistic;
pub mod page_type;
pub mod prefetch;
pub mod protocol;
pub mod response;
pub mod routes;
pub mod sort;
pub mod tag_index;
pub mod text;

/// A `HashMap` hashed with Fx rather than std's SipHash: faster on our short keys (the app's
/// own URLs, tags and ids), and one hasher for every map keeps the wasm small (SPEC §10).
pub type FastMap<K, V> =
    std::collections::HashMap<K, V, std::hash::BuildHasherDefault<rustc_hash::FxHasher>>;

/// The set form of [`FastMap`].
pub type FastSet<T> =
    std::collections::HashSet<T, std::hash::BuildHasherDefault<rustc_hash::FxHasher>>;

/// Strings to a `u32`: key counters, ids and places, and sets of strings (the `u32` unused).
/// One type for all of them, so that the wasm holds one hash map instantiation rather than
/// one per element type (SPEC §10). Keys are `Rc` so that a key string can be shared with
/// another structure instead of copied.
pub type StrSet = FastMap<std::rc::Rc<str>, u32>;

/// Milliseconds: durations, and times since the Unix epoch on the client's clock.
pub type Millis = u64;
