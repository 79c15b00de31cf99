//! A counting wrapper around a global allocator, for the memory figures of `npm run bench`
//! (SPEC §10: bookkeeping bytes per entry). Built only with the `heap-count` feature, which the
//! package never enables: in the wasm32 measurement it wraps the allocator the package ships
//! (talc), so that the figure is that of the real wasm32 layout and allocator.

use std::alloc::{GlobalAlloc, Layout};
use std::sync::atomic::{AtomicIsize, Ordering};

/// Wraps `A`, counting what is live through it.
pub struct Counting<A>(pub A);

static REQUESTED: AtomicIsize = AtomicIsize::new(0);
static CHUNKS: AtomicIsize = AtomicIsize::new(0);
static BLOCKS: AtomicIsize = AtomicIsize::new(0);

/// What is live on the heap, as counted by [`Counting`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HeapCount {
    /// Bytes the program asked for (the sizes of the live layouts).
    pub requested: isize,
    /// Bytes talc spends on them: each block with its one-word tail tag, rounded up to talc's
    /// chunk unit of four words (its layout, from talc 5's `base/chunk.rs`; blocks with a larger
    /// alignment are counted as requested).
    pub in_chunks: isize,
    /// Live blocks.
    pub blocks: isize,
}

impl HeapCount {
    /// What is live now.
    pub fn now() -> HeapCount {
        HeapCount {
            requested: REQUESTED.load(Ordering::Relaxed),
            in_chunks: CHUNKS.load(Ordering::Relaxed),
            blocks: BLOCKS.load(Ordering::Relaxed),
        }
    }

    /// The growth from `earlier` to `self`.
    pub fn since(self, earlier: HeapCount) -> HeapCount {
        HeapCount {
            requested: self.requested - earlier.requested,
            in_chunks: self.in_chunks - earlier.in_chunks,
            blocks: self.blocks - earlier.blocks,
        }
    }
}

/// Talc's footprint of a block of `layout` (see [`HeapCount::in_chunks`]).
fn chunk_size(size: usize, align: usize) -> isize {
    let word = size_of::<usize>();
    let unit = 4 * word;
    let bytes = if align <= unit {
        size.saturating_add(word + unit - 1) & !(unit - 1)
    } else {
        size
    };
    isize::try_from(bytes).unwrap_or(isize::MAX)
}

fn count(layout: Layout, sign: isize) {
    let size = isize::try_from(layout.size()).unwrap_or(isize::MAX);
    REQUESTED.fetch_add(sign * size, Ordering::Relaxed);
    CHUNKS.fetch_add(
        sign * chunk_size(layout.size(), layout.align()),
        Ordering::Relaxed,
    );
    BLOCKS.fetch_add(sign, Ordering::Relaxed);
}

// SAFETY: every call is passed on to `A` unchanged; only counters are updated besides.
unsafe impl<A: GlobalAlloc> GlobalAlloc for Counting<A> {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let ptr = unsafe { self.0.alloc(layout) };
        if !ptr.is_null() {
            count(layout, 1);
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        count(layout, -1);
        unsafe { self.0.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let new = unsafe { self.0.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            count(layout, -1);
            if let Ok(grown) = Layout::from_size_align(new_size, layout.align()) {
                count(grown, 1);
            }
        }
        new
    }
}
