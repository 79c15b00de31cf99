//! Request keys: one normalized string per GET request, so that two spellings of the same
//! request share one cache entry.

use std::borrow::Cow;
use std::fmt;

/// Why a URL could not be turned into a request key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyError {
    /// The URL is empty.
    Empty,
    /// The URL is relative without a leading `/` (`api/x`), or uses a scheme other than http(s);
    /// the browser glue resolves these against the page URL first.
    NotAbsolute,
    /// The URL contains a control character or whitespace.
    ControlCharacter,
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyError::Empty => f.write_str("empty URL"),
            KeyError::NotAbsolute => {
                f.write_str("URL must start with '/' or 'http(s)://' once resolved")
            }
            KeyError::ControlCharacter => f.write_str("URL contains a control character"),
        }
    }
}

impl std::error::Error for KeyError {}

/// Normalizes a GET URL into its request key.
///
/// Same-origin URLs are keyed by path and query; other origins keep their origin in front.
/// The query is sorted by parameter name (stable, so repeated names keep their order), empty
/// pairs and the fragment are dropped, scheme and host are lower-cased, default ports removed.
///
/// `page_origin` is the origin of the page (`https://app.example`), or empty when unknown.
///
/// ```
/// use freshet::core::key::normalize_key;
/// let k = normalize_key("/studio/api/scenes/abc?b=2&a=1#top", "").unwrap();
/// assert_eq!(k, "/studio/api/scenes/abc?a=1&b=2");
/// let same = normalize_key("HTTP://App.Example:80/x?a=1", "http://app.example").unwrap();
/// assert_eq!(same, "/x?a=1");
/// let other = normalize_key("https://cdn.example/x", "http://app.example").unwrap();
/// assert_eq!(other, "https://cdn.example/x");
/// ```
pub fn normalize_key<'a>(url: &'a str, page_origin: &str) -> Result<Cow<'a, str>, KeyError> {
    if url.is_empty() {
        return Err(KeyError::Empty);
    }
    if url.bytes().any(|b| b <= b' ' || b == 0x7f) {
        return Err(KeyError::ControlCharacter);
    }
    // Fast path: a plain same-origin path with nothing to sort or strip.
    if url.starts_with('/') && !url.starts_with("//") && !url.contains(['?', '#']) {
        return Ok(Cow::Borrowed(url));
    }
    let (origin, rest) = split_origin(url)?;
    let rest = rest.split('#').next().unwrap_or("");
    let (path, query) = match rest.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (rest, None),
    };
    let path = if path.is_empty() { "/" } else { path };

    let mut key = String::with_capacity(url.len());
    if let Some(origin) = origin.as_deref() {
        if origin != page_origin.to_ascii_lowercase() {
            key.push_str(origin);
        }
    }
    key.push_str(path);
    if let Some(query) = query {
        push_sorted_query(&mut key, query);
    }
    Ok(Cow::Owned(key))
}

/// Splits `scheme://host[:port]` (normalized) from the rest, or `None` for a path-absolute URL.
fn split_origin(url: &str) -> Result<(Option<String>, &str), KeyError> {
    if url.starts_with('/') && !url.starts_with("//") {
        return Ok((None, url));
    }
    let (scheme, after) = super::text::split_once(url, "://").ok_or(KeyError::NotAbsolute)?;
    let scheme = scheme.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "http" => ":80",
        "https" => ":443",
        _ => return Err(KeyError::NotAbsolute),
    };
    let end = after.find(['/', '?', '#']).unwrap_or(after.len());
    // Checked slicing: the panicking forms bring std's slice-error formatting into the wasm.
    let (authority, rest) = after.split_at_checked(end).unwrap_or((after, ""));
    // Credentials are never part of a key.
    let host = authority.rsplit('@').next().unwrap_or(authority);
    if host.is_empty() {
        return Err(KeyError::NotAbsolute);
    }
    let mut host = host.to_ascii_lowercase();
    if host.ends_with(default_port) {
        host.truncate(host.len() - default_port.len());
    }
    Ok((
        Some(crate::core::text::concat(&[&scheme, "://", &host])),
        rest,
    ))
}

fn push_sorted_query(key: &mut String, query: &str) {
    let mut pairs: Vec<&str> = query.split('&').filter(|p| !p.is_empty()).collect();
    if pairs.is_empty() {
        return;
    }
    crate::core::sort::sort_stable_by(&mut pairs, |a, b| param_name(a) < param_name(b));
    key.push('?');
    for (i, pair) in pairs.iter().enumerate() {
        if i > 0 {
            key.push('&');
        }
        key.push_str(pair);
    }
}

fn param_name(pair: &str) -> &str {
    pair.split('=').next().unwrap_or(pair)
}

/// The path of a request key (without origin and query), used by route rules and path-prefix
/// invalidations.
///
/// ```
/// use freshet::core::key::key_path;
/// assert_eq!(key_path("/a/b?x=1"), "/a/b");
/// assert_eq!(key_path("https://cdn.example/a?x=1"), "/a");
/// ```
pub fn key_path(key: &str) -> &str {
    let without_query = key.split('?').next().unwrap_or(key);
    match super::text::split_once(without_query, "://") {
        Some((_, after)) => after.find('/').and_then(|i| after.get(i..)).unwrap_or("/"),
        None => without_query,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(url: &str) -> Result<String, KeyError> {
        normalize_key(url, "http://127.0.0.1:8787").map(Cow::into_owned)
    }

    #[test]
    fn query_order_does_not_matter() {
        assert_eq!(norm("/s?b=2&a=1"), norm("/s?a=1&b=2"));
        assert_eq!(norm("/s?b=2&a=1").unwrap(), "/s?a=1&b=2");
    }

    #[test]
    fn repeated_parameters_keep_their_order() {
        assert_eq!(norm("/s?t=b&a=1&t=a").unwrap(), "/s?a=1&t=b&t=a");
    }

    #[test]
    fn empty_query_pairs_and_fragment_are_dropped() {
        assert_eq!(norm("/s?&&a=1&#frag").unwrap(), "/s?a=1");
        assert_eq!(norm("/s?").unwrap(), "/s");
        assert_eq!(norm("/s#x").unwrap(), "/s");
    }

    #[test]
    fn same_origin_is_keyed_by_path() {
        assert_eq!(norm("http://127.0.0.1:8787/s?a=1").unwrap(), "/s?a=1");
        assert_eq!(norm("HTTP://127.0.0.1:8787").unwrap(), "/");
    }

    #[test]
    fn other_origins_keep_the_origin() {
        assert_eq!(
            norm("https://API.example.com:443/v1?z=1&y=2").unwrap(),
            "https://api.example.com/v1?y=2&z=1"
        );
        assert_eq!(
            norm("http://u:p@api.example.com:8080/v1").unwrap(),
            "http://api.example.com:8080/v1"
        );
    }

    #[test]
    fn bad_urls_are_errors_not_panics() {
        assert_eq!(norm(""), Err(KeyError::Empty));
        assert_eq!(norm("api/x"), Err(KeyError::NotAbsolute));
        assert_eq!(norm("//cdn/x"), Err(KeyError::NotAbsolute));
        assert_eq!(norm("ftp://x/y"), Err(KeyError::NotAbsolute));
        assert_eq!(norm("http:///y"), Err(KeyError::NotAbsolute));
        assert_eq!(norm("/a b"), Err(KeyError::ControlCharacter));
        assert_eq!(norm("/a\u{7f}"), Err(KeyError::ControlCharacter));
    }

    #[test]
    fn plain_paths_are_borrowed() {
        assert!(matches!(
            normalize_key("/a/b", ""),
            Ok(Cow::Borrowed("/a/b"))
        ));
    }

    #[test]
    fn key_path_strips_origin_and_query() {
        assert_eq!(key_path("/a?x"), "/a");
        assert_eq!(key_path("http://h:1/p/q?x"), "/p/q");
        assert_eq!(key_path("http://h"), "/");
    }
}
