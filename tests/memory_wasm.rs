//! SPEC §10 memory figure as it ships: the scenario of benches/memory/scenario.rs built for
//! wasm32 (4-byte pointers and `usize`) on the package's allocator (talc), counted by the
//! `heap-count` wrapper around it. It prints, never asserts: run by `npm run bench`
//! (scripts/memory.sh), in Node.
#![cfg(all(target_arch = "wasm32", feature = "heap-count"))]

#[path = "../benches/memory/scenario.rs"]
mod scenario;

use freshet::heap_count::HeapCount;
use scenario::{bookkeeping_per_entry, verdict, BUDGET, ENTRIES};
use wasm_bindgen_test::*;

#[wasm_bindgen_test]
fn memory_per_entry_in_wasm32() {
    console_log!(
        "wasm32 (what ships: 4-byte pointers, talc): Entry<u32> {} bytes inline; bookkeeping \
         per entry over {ENTRIES} entries, beyond key and value (target <= {BUDGET}):",
        size_of::<freshet::core::entry::Entry<u32>>()
    );
    for (label, tagged) in [("untagged", false), ("two tags each", true)] {
        let per = bookkeeping_per_entry(ENTRIES, tagged, HeapCount::now);
        console_log!(
            "  {label:<14} {:>6.0} bytes requested  {}; {:>6.0} bytes in talc's blocks  {}  \
             ({:.1} heap blocks per entry)",
            per.requested,
            verdict(per.requested),
            per.in_chunks,
            verdict(per.in_chunks),
            per.blocks
        );
    }
}
