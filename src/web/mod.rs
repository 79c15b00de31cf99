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

/// `parts` in one string. Not `[..].concat()` or `format!`: those bring a kilobyte of generic
/// joining code, or `core::fmt`, into the module.
#[inline(never)]
pub fn concat(parts: &[&str]) -> String {
    let mut text = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for part in parts {
        text.push_str(part);
    }
    text
}
