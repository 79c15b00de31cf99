//! SPEC §10 memory figure, native x86_64: bytes of bookkeeping per entry beyond its value and
//! key (target ≤ 256), counted by a counting global allocator over the scenario of
//! `memory/scenario.rs`. The package runs in wasm32, where pointers and `usize` are half as
//! wide: tests/memory_wasm.rs prints the figure that ships. Both are run by `npm run bench`
//! (scripts/bench.sh); not a test. Native only: in wasm32 the crate's own allocator is global.
#![cfg_attr(target_arch = "wasm32", allow(unused))]

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
use std::alloc::System;

#[allow(dead_code)]
#[path = "../src/heap_count.rs"]
mod heap_count;
#[allow(dead_code)]
#[path = "memory/scenario.rs"]
mod scenario;

use heap_count::{Counting, HeapCount};
use scenario::{bookkeeping_per_entry, verdict, BUDGET, ENTRIES};

#[cfg(not(target_arch = "wasm32"))]
#[global_allocator]
static ALLOCATOR: Counting<System> = Counting(System);

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    println!(
        "native x86_64 (8-byte pointers; not what ships): Entry<u32> {} bytes inline; \
         bookkeeping per entry over {ENTRIES} entries, beyond key and value (target <= {BUDGET}):",
        size_of::<freshet::core::entry::Entry<u32>>()
    );
    for (label, tagged) in [("untagged", false), ("two tags each", true)] {
        let per = bookkeeping_per_entry(ENTRIES, tagged, HeapCount::now);
        // An allocator adds a word or two per block; the count shows how much that could be.
        println!(
            "  {label:<14} {:>6.0} bytes  {}  ({:.1} heap blocks per entry)",
            per.requested,
            verdict(per.requested),
            per.blocks
        );
    }
}
