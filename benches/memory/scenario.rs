//! The scenario behind the SPEC §10 memory figure, shared by the native bench
//! (benches/memory.rs) and the wasm32 one (tests/memory_wasm.rs): 10k entries arrive the way a
//! page reads them, untagged or tagged (a route tag plus one from the response), and what the
//! cache core holds for them is counted. The value is a `u32`, the size of the `JsValue` handle
//! the runtime stores.

use freshet::core::cache::{Arrival, Cache, CacheConfig};
use freshet::core::page_type::PageTypeId;
use freshet::core::routes::RouteRule;

use super::HeapCount;

/// Entries per run.
pub const ENTRIES: usize = 10_000;
/// SPEC §10's bound on bookkeeping bytes per entry.
pub const BUDGET: f64 = 256.0;

/// Bookkeeping per entry, beyond key bytes and the value.
pub struct PerEntry {
    /// Bytes the cache asked the allocator for.
    pub requested: f64,
    /// Bytes those blocks take in talc (meaningful in the wasm32 build).
    pub in_chunks: f64,
    /// Live heap blocks.
    pub blocks: f64,
}

fn config(tagged: bool) -> CacheConfig {
    let mut config = CacheConfig::default();
    if tagged {
        let rule = RouteRule::new(
            "/studio/api/scenes/:id",
            Some(PageTypeId::WRITING),
            &["scene:{id}"],
        );
        if let Ok(rule) = rule {
            config.routes.push(rule);
        }
    }
    config
}

/// Bookkeeping per entry once `n` entries are in, counted by `probe` (what is live now).
/// Each response's key and tags are made inside the loop, as a response brings them: what the
/// cache keeps of them is counted and the rest is freed again, so the figure is neither
/// lowered by freeing inputs made before the count started nor raised by inputs kept after.
pub fn bookkeeping_per_entry(n: usize, tagged: bool, probe: impl Fn() -> HeapCount) -> PerEntry {
    let before = probe();
    let mut cache: Cache<u32> = Cache::new(config(tagged));
    let mut key_bytes = 0;
    for i in 0..n {
        let key = format!("/studio/api/scenes/s{}c{}x{}", i / 15, i / 3 % 5, i % 3);
        key_bytes += key.len();
        let tags = match tagged {
            true => vec![format!("chapter:c{}", i / 3)],
            false => Vec::new(),
        };
        let now = i as u64;
        let ticket = cache.begin_fetch(&key, now);
        let arrival = Arrival {
            tags,
            server_time: Some(now),
            fingerprint: i as u64,
            body_size: 2_048,
            ..Arrival::default()
        };
        let stored = cache.complete_fetch(&ticket, arrival, now + 1, || Ok::<_, ()>(i as u32));
        if stored.is_err() {
            eprintln!("an entry was not stored; the figure is wrong");
        }
    }
    let grown = probe().since(before);
    if cache.memory().len() != n {
        eprintln!(
            "only {} of {n} entries kept; the figure is wrong",
            cache.memory().len()
        );
    }
    let beyond = (key_bytes + n * size_of::<u32>()) as f64;
    drop(cache);
    let n = n as f64;
    PerEntry {
        requested: (grown.requested as f64 - beyond) / n,
        in_chunks: (grown.in_chunks as f64 - beyond) / n,
        blocks: grown.blocks as f64 / n,
    }
}

/// The verdict on `bytes` of bookkeeping per entry: within [`BUDGET`] or not.
pub fn verdict(bytes: f64) -> &'static str {
    if bytes <= BUDGET {
        "ok"
    } else {
        "MISS"
    }
}
