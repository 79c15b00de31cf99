//! SPEC §10 memory figure: bytes of bookkeeping per entry beyond its value and key (target
//! ≤ 256). Counts every byte the core cache allocates (a counting global allocator) while 10k
//! entries arrive the way a page reads them, untagged and tagged (a route tag plus one from the
//! response), and prints the figures. The value is a `u32`, the size of the `JsValue` handle the
//! runtime stores. Run by `npm run bench` (`cargo bench --bench memory`); not a test.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};

use freshet::core::cache::{Arrival, Cache, CacheConfig};
use freshet::core::page_type::PageTypeId;
use freshet::core::routes::RouteRule;

/// The system allocator, counting live bytes.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);
static ALLOCATIONS: AtomicIsize = AtomicIsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        ALLOCATIONS.fetch_sub(1, Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(
            new_size as isize - layout.size() as isize,
            Ordering::Relaxed,
        );
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const ENTRIES: usize = 10_000;
const BUDGET: f64 = 256.0;

fn config() -> CacheConfig {
    let mut config = CacheConfig::default();
    let rule = RouteRule::new(
        "/studio/api/scenes/:id",
        Some(PageTypeId::WRITING),
        &["scene:{id}"],
    );
    if let Ok(rule) = rule {
        config.routes.push(rule);
    }
    config
}

/// Bookkeeping bytes and live allocations per entry once `n` entries are in, beyond key bytes
/// and the value.
fn bookkeeping_per_entry(n: usize, tagged: bool) -> (f64, f64) {
    let keys: Vec<String> = (0..n)
        .map(|i| format!("/studio/api/scenes/s{}c{}x{}", i / 15, i / 3 % 5, i % 3))
        .collect();
    let tags: Vec<Vec<String>> = (0..n)
        .map(|i| match tagged {
            true => vec![format!("chapter:c{}", i / 3)],
            false => Vec::new(),
        })
        .collect();
    let key_bytes: usize = keys.iter().map(String::len).sum();
    let before = LIVE.load(Ordering::Relaxed);
    let allocations_before = ALLOCATIONS.load(Ordering::Relaxed);
    let mut cache: Cache<u32> = Cache::new(if tagged {
        config()
    } else {
        CacheConfig::default()
    });
    for (i, (key, tags)) in keys.iter().zip(tags).enumerate() {
        let now = i as u64;
        let ticket = cache.begin_fetch(key, now);
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
    let after = LIVE.load(Ordering::Relaxed);
    let allocations = (ALLOCATIONS.load(Ordering::Relaxed) - allocations_before) as f64;
    if cache.memory().len() != n {
        eprintln!(
            "only {} of {n} entries kept; the figure is wrong",
            cache.memory().len()
        );
    }
    let bytes = (after - before) as f64 - key_bytes as f64 - (n * size_of::<u32>()) as f64;
    drop(cache);
    (bytes / n as f64, allocations / n as f64)
}

fn main() {
    println!(
        "Entry<u32>: {} bytes inline; memory bookkeeping per entry over {ENTRIES} entries \
         (beyond key and value; target <= {BUDGET}):",
        size_of::<freshet::core::entry::Entry<u32>>()
    );
    for (label, tagged) in [("untagged", false), ("two tags each", true)] {
        let (per_entry, allocations) = bookkeeping_per_entry(ENTRIES, tagged);
        let verdict = if per_entry <= BUDGET { "ok" } else { "MISS" };
        // An allocator adds a word or two per block; the count shows how much that could be.
        println!(
            "  {label:<14} {per_entry:>6.0} bytes  {verdict}  ({allocations:.1} heap blocks per entry)"
        );
    }
}
