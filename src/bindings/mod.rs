//! The `#[wasm_bindgen]` surface: converts JS arguments, calls the runtime, converts results
//! and errors. No logic of its own.

mod cache;
mod metrics;
mod options;
mod prefetch;
mod records;
mod types;

pub use cache::FreshetCache;
