//! freshet: a client-side cache runtime. A memory tier and a localStorage tier, kept consistent
//! with the server by invalidation headers, behind a `fetch`-shaped API for browser frontends.
//!
//! [`core`] is pure Rust and tested natively; [`web`] and [`bindings`] are the thin browser
//! glue and the `#[wasm_bindgen]` surface.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing,
        clippy::unreachable
    )
)]
#![warn(missing_docs)]

pub mod core;
pub mod error;
pub mod server;
pub mod store;

// The glue compiles natively too (so clippy and rustdoc see it); it only runs in a browser.
pub mod bindings;
pub mod web;

pub use error::{Error, Result};

// Size (SPEC §10): talc is a smaller and faster wasm allocator than the default dlmalloc. The
// module is single-threaded (no atomics), which its cell requires.
#[cfg(all(
    target_arch = "wasm32",
    not(target_feature = "atomics"),
    not(feature = "heap-count")
))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

// The wasm32 memory figure of `npm run bench` counts what lives on this same allocator.
#[cfg(feature = "heap-count")]
pub mod heap_count;
#[cfg(all(
    target_arch = "wasm32",
    not(target_feature = "atomics"),
    feature = "heap-count"
))]
#[global_allocator]
static ALLOCATOR: heap_count::Counting<talc::wasm::WasmDynamicTalc> =
    heap_count::Counting(talc::wasm::new_wasm_dynamic_allocator());
