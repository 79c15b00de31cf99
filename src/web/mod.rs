//! Browser glue, one browser API per file. Thin: decisions live in [`crate::core`].

pub mod broadcast;
pub mod clock;
pub mod fetch;
pub mod headers;
pub mod listener;
pub mod local_storage;
pub mod memo;
pub mod prefetch;
pub mod runtime;
pub mod timer;
