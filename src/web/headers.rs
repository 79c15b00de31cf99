//! Reading the caching headers of a response (the meaning is in [`crate::core::response`]).

use web_sys::Headers;

use crate::core::response::{parse_cache_control, split_tags, CacheControl};
use crate::core::Millis;

use super::clock::parse_date;

/// One header's value; `None` when absent or unreadable.
pub fn header(headers: &Headers, name: &str) -> Option<String> {
    headers.get(name).ok().flatten()
}

/// Tags from `X-Cache-Tags`, `Cache-Tag` (comma-separated) and `Surrogate-Key` (space-separated).
pub fn tags(headers: &Headers) -> Vec<String> {
    let mut tags = Vec::new();
    for (name, separator) in [
        ("x-cache-tags", ','),
        ("cache-tag", ','),
        ("surrogate-key", ' '),
    ] {
        if let Some(value) = header(headers, name) {
            tags.extend(split_tags(&value, separator));
        }
    }
    tags
}

/// The response's `Cache-Control`.
pub fn cache_control(headers: &Headers) -> CacheControl {
    header(headers, "cache-control")
        .map(|v| parse_cache_control(&v))
        .unwrap_or_default()
}

/// The response's `Date`, if present and parseable.
pub fn date(headers: &Headers) -> Option<Millis> {
    header(headers, "date").and_then(|v| parse_date(&v))
}

/// Whether the body is JSON by its `Content-Type` (absent counts as JSON, the common API case).
pub fn is_json(headers: &Headers) -> bool {
    header(headers, "content-type")
        .is_none_or(|t| crate::core::text::find(&t.to_ascii_lowercase(), "json").is_some())
}
