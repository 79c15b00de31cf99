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
