//! Substring search for the few short needles the crate looks for (`"://"`, `"json"`), and
//! number writing. std's `str::find(&str)` brings its two-way searcher, about 2 KB of wasm
//! (SPEC §10), for strings that are here a URL or a header value long; `format!` brings
//! `core::fmt`'s machinery to every call site that writes a number.

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

/// `parts` one after the other in a new string: `[a, b].concat()` without its generic code.
///
/// ```
/// assert_eq!(freshet::core::text::concat(&["a", ":", "b"]), "a:b");
/// ```
#[inline(never)]
pub fn concat(parts: &[&str]) -> String {
    let mut out = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for part in parts {
        out.push_str(part);
    }
    out
}

/// Appends `n` in decimal, zero-padded to at least `width` digits (what `{n:0width$}` writes).
///
/// ```
/// let mut out = String::from("t=");
/// freshet::core::text::push_decimal(&mut out, 42, 3);
/// assert_eq!(out, "t=042");
/// ```
pub fn push_decimal(out: &mut String, n: u64, width: usize) {
    push_radix(out, n, 10, width);
}

/// Appends `n` in lowercase hexadecimal (what `{n:x}` writes).
///
/// ```
/// let mut out = String::new();
/// freshet::core::text::push_hex(&mut out, 0xab01);
/// assert_eq!(out, "ab01");
/// ```
pub fn push_hex(out: &mut String, n: u64) {
    push_radix(out, n, 16, 0);
}

fn push_radix(out: &mut String, mut n: u64, radix: u64, width: usize) {
    // Least significant digit first; a u64 has at most 20 decimal digits.
    let mut digits = [b'0'; 20];
    let mut len = 0;
    while let Some(slot) = digits.get_mut(len) {
        let digit = usize::try_from(n % radix).unwrap_or(0);
        *slot = b"0123456789abcdef".get(digit).copied().unwrap_or(b'0');
        len += 1;
        n /= radix;
        if n == 0 {
            break;
        }
    }
    for _ in len..width {
        out.push('0');
    }
    for &digit in digits.get(..len).unwrap_or_default().iter().rev() {
        out.push(char::from(digit));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_as_format_writes_them() {
        for n in [
            0,
            1,
            9,
            10,
            99,
            100,
            12_345,
            u64::from(u32::MAX),
            u64::MAX - 1,
            u64::MAX,
        ] {
            for width in [0, 1, 2, 3, 4, 25] {
                let mut out = String::new();
                push_decimal(&mut out, n, width);
                assert_eq!(out, format!("{n:0width$}"));
            }
            let mut out = String::new();
            push_hex(&mut out, n);
            assert_eq!(out, format!("{n:x}"));
        }
    }

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
