//! The wall clock, read here and nowhere in the core.

use crate::core::Millis;

/// Milliseconds since the Unix epoch (`Date.now()`); 0 if the clock reads negative or NaN.
pub fn now() -> Millis {
    // `as` saturates: NaN and negatives become 0, which only makes entries look older.
    js_sys::Date::now() as Millis
}

/// Parses an HTTP date (`Date`, `Last-Modified`) or an ISO 8601 time; `None` if unparseable.
pub fn parse_date(text: &str) -> Option<Millis> {
    let ms = js_sys::Date::parse(text);
    (ms.is_finite() && ms >= 0.0).then_some(ms as Millis)
}
