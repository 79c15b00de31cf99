//! What a response's caching headers mean for the entry: `Cache-Control` and the tag headers.

use super::Millis;

/// The parts of `Cache-Control` the cache obeys.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheControl {
    /// `no-store`: never cached, in any tier.
    pub no_store: bool,
    /// `private`: persisted only under the user's scope.
    pub private: bool,
    /// `max-age` in ms: caps the entry's lifetime.
    pub max_age: Option<Millis>,
}

/// Parses a `Cache-Control` value; unknown directives and bad numbers are ignored.
///
/// ```
/// use freshet::core::response::parse_cache_control;
/// let cc = parse_cache_control("private, max-age=60");
/// assert!(cc.private && !cc.no_store);
/// assert_eq!(cc.max_age, Some(60_000));
/// ```
pub fn parse_cache_control(value: &str) -> CacheControl {
    let mut cc = CacheControl::default();
    for directive in value.split(',') {
        let (name, arg) = match directive.split_once('=') {
            Some((n, a)) => (n.trim(), Some(a.trim().trim_matches('"'))),
            None => (directive.trim(), None),
        };
        match name.to_ascii_lowercase().as_str() {
            "no-store" => cc.no_store = true,
            "private" => cc.private = true,
            "max-age" => {
                if let Some(secs) = arg.and_then(|a| a.parse::<u64>().ok()) {
                    cc.max_age = Some(secs.saturating_mul(1_000));
                }
            }
            _ => {}
        }
    }
    cc
}

/// Splits a tag header on `separator`: trimmed, empties and control characters dropped,
/// deduplicated, in order of first appearance.
///
/// ```
/// use freshet::core::response::split_tags;
/// assert_eq!(split_tags(" story:42, chapter:9,,story:42 ", ','), ["story:42", "chapter:9"]);
/// assert_eq!(split_tags("a b", ' '), ["a", "b"]);
/// ```
pub fn split_tags(value: &str, separator: char) -> Vec<String> {
    let mut tags: Vec<String> = Vec::new();
    for tag in value.split(separator).map(str::trim) {
        if tag.is_empty() || tag.chars().any(char::is_control) || tags.iter().any(|t| t == tag) {
            continue;
        }
        tags.push(tag.to_owned());
    }
    tags
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_control_directives() {
        assert!(parse_cache_control("No-Store").no_store);
        assert_eq!(parse_cache_control("max-age=abc").max_age, None);
        assert_eq!(parse_cache_control("max-age=\"5\"").max_age, Some(5_000));
        assert_eq!(parse_cache_control(""), CacheControl::default());
        assert_eq!(
            parse_cache_control("max-age=99999999999999999999").max_age,
            None
        );
    }

    #[test]
    fn tags_reject_control_characters() {
        assert_eq!(split_tags("a\u{1}b,c", ','), ["c"]);
    }
}
