//! Body fingerprints: a response whose body hashes the same as the stored one keeps the stored
//! value object, so apps comparing by identity do not re-render.

use std::hash::Hasher;

use rustc_hash::FxHasher;

/// A 64-bit hash of a body (not cryptographic: a collision only costs a missed update of a
/// value whose length and hash both match).
///
/// ```
/// use freshet::core::fingerprint::fingerprint;
/// assert_eq!(fingerprint("{\"a\":1}"), fingerprint("{\"a\":1}"));
/// assert_ne!(fingerprint("{\"a\":1}"), fingerprint("{\"a\":2}"));
/// ```
pub fn fingerprint(body: &str) -> u64 {
    let mut hasher = FxHasher::default();
    hasher.write(body.as_bytes());
    hasher.finish() ^ (body.len() as u64).rotate_left(32)
}
