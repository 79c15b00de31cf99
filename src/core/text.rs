//! Substring search for the few short needles the crate looks for (`"://"`, `"json"`). std's
//! `str::find(&str)` brings its two-way searcher, about 2 KB of wasm (SPEC §10), for strings
//! that are here a URL or a header value long.

/// Byte offset of the first `needle` in `hay` (`Some(0)` for an empty needle, as `str::find`).
///
/// ```
/// use freshet::core::text::find;
/// assert_eq!(find("https://a.example/x", "://"), Some(5));
/// assert_eq!(find("text/plain", "json"), None);
/// ```
pub fn find(hay: &str, needle: &str) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    // A match of valid UTF-8 starts on a char boundary, so the offset can slice `hay`.
    hay.as_bytes()
        .windows(needle.len())
        .position(|w| w == needle.as_bytes())
}

/// `hay` split around its first `needle`, as `str::split_once`.
///
/// ```
/// use freshet::core::text::split_once;
/// assert_eq!(split_once("https://a/b", "://"), Some(("https", "a/b")));
/// assert_eq!(split_once("/a/b", "://"), None);
/// ```
pub fn split_once<'a>(hay: &'a str, needle: &str) -> Option<(&'a str, &'a str)> {
    let at = find(hay, needle)?;
    Some((hay.get(..at)?, hay.get(at + needle.len()..)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agrees_with_std() {
        let hays = [
            "",
            "a",
            "://",
            "x://y://z",
            "ab://",
            "é://ü",
            "application/json",
            "jso",
        ];
        let needles = ["", "://", "json", "é", "ü", "a", "z"];
        for hay in hays {
            for needle in needles {
                assert_eq!(find(hay, needle), hay.find(needle), "{hay:?} {needle:?}");
                assert_eq!(
                    split_once(hay, needle),
                    hay.split_once(needle),
                    "{hay:?} {needle:?}"
                );
            }
        }
    }
}
