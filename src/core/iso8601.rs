//! ISO 8601 times in pure Rust: `X-Cache-Invalidate-Timestamp` is parsed here (the core reads no
//! clock and calls no JS `Date`), and the server helper writes it with [`format_millis`].

use super::text::push_decimal;
use super::Millis;

const MS_PER_DAY: i64 = 86_400_000;

/// Parses `YYYY-MM-DDTHH:MM[:SS[.fraction]](Z|±HH:MM|±HHMM)` or a bare `YYYY-MM-DD` (midnight
/// UTC) into milliseconds since the Unix epoch. A time without a zone is refused (its meaning
/// would depend on the client's zone), as is anything before 1970 or out of range.
///
/// ```
/// use freshet::core::iso8601::parse_millis;
/// assert_eq!(parse_millis("1970-01-01T00:00:01.5Z"), Some(1_500));
/// assert_eq!(parse_millis("2025-11-02T13:34:56.789+01:00"), parse_millis("2025-11-02T12:34:56.789Z"));
/// assert_eq!(parse_millis("2025-11-02T12:34:56"), None);
/// ```
pub fn parse_millis(text: &str) -> Option<Millis> {
    let s = text.trim_matches([' ', '\t']).as_bytes();
    let year = digits(s, 0, 4)?;
    expect(s, 4, b'-')?;
    let month = digits(s, 5, 2)?;
    expect(s, 7, b'-')?;
    let day = digits(s, 8, 2)?;
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    let date_ms = days_from_civil(year, month, day).checked_mul(MS_PER_DAY)?;
    if s.len() == 10 {
        return Millis::try_from(date_ms).ok();
    }
    if !matches!(s.get(10), Some(b'T' | b't' | b' ')) {
        return None;
    }
    let hour = digits(s, 11, 2)?;
    expect(s, 13, b':')?;
    let minute = digits(s, 14, 2)?;
    let mut at = 16;
    let mut second = 0;
    let mut millis = 0;
    if s.get(at) == Some(&b':') {
        second = digits(s, at + 1, 2)?;
        at += 3;
        if matches!(s.get(at), Some(b'.' | b',')) {
            at += 1;
            let start = at;
            while s.get(at).is_some_and(u8::is_ascii_digit) {
                // Only the first three digits count; the rest are below a millisecond.
                if at - start < 3 {
                    millis = millis * 10 + i64::from(s.get(at).copied().unwrap_or(b'0') - b'0');
                }
                at += 1;
            }
            let n = at - start;
            if n == 0 {
                return None;
            }
            for _ in n..3 {
                millis *= 10;
            }
        }
    }
    // A leap second (":60") is read as the last millisecond of its minute.
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let (second, millis) = if second == 60 {
        (59, 999)
    } else {
        (second, millis)
    };
    let offset_min = zone(s.get(at..)?)?;
    let ms = date_ms + ((hour * 60 + minute - offset_min) * 60 + second) * 1_000 + millis;
    Millis::try_from(ms).ok()
}

/// Writes `ms` since the epoch as `YYYY-MM-DDTHH:MM:SS.mmmZ`, like JS `toISOString`.
///
/// ```
/// use freshet::core::iso8601::format_millis;
/// assert_eq!(format_millis(1_762_086_896_789), "2025-11-02T12:34:56.789Z");
/// ```
pub fn format_millis(ms: Millis) -> String {
    let ms = i64::try_from(ms).unwrap_or(i64::MAX);
    let days = ms.div_euclid(MS_PER_DAY);
    let rest = ms.rem_euclid(MS_PER_DAY);
    let (y, m, d) = civil_from_days(days);
    let mut out = String::with_capacity(24);
    // Every part is non-negative: `ms` is, and so are the days since 1970 and the rest.
    let parts = [
        (y, 4, '-'),
        (m, 2, '-'),
        (d, 2, 'T'),
        (rest / 3_600_000, 2, ':'),
        (rest / 60_000 % 60, 2, ':'),
        (rest / 1_000 % 60, 2, '.'),
        (rest % 1_000, 3, 'Z'),
    ];
    for (value, width, then) in parts {
        push_decimal(&mut out, u64::try_from(value).unwrap_or(0), width);
        out.push(then);
    }
    out
}

/// The zone designator at the end: offset east of UTC in minutes; `None` if absent or malformed.
fn zone(s: &[u8]) -> Option<i64> {
    match s {
        [b'Z' | b'z'] => Some(0),
        [sign @ (b'+' | b'-'), rest @ ..] => {
            let (h, m) = match rest.len() {
                5 if rest.get(2) == Some(&b':') => (digits(rest, 0, 2)?, digits(rest, 3, 2)?),
                4 => (digits(rest, 0, 2)?, digits(rest, 2, 2)?),
                2 => (digits(rest, 0, 2)?, 0),
                _ => return None,
            };
            if h > 23 || m > 59 {
                return None;
            }
            let offset = h * 60 + m;
            Some(if *sign == b'-' { -offset } else { offset })
        }
        _ => None,
    }
}

fn digits(s: &[u8], at: usize, n: usize) -> Option<i64> {
    let run = s.get(at..at.checked_add(n)?)?;
    run.iter().try_fold(0i64, |acc, b| {
        b.is_ascii_digit().then(|| acc * 10 + i64::from(b - b'0'))
    })
}

fn expect(s: &[u8], at: usize, byte: u8) -> Option<()> {
    (s.get(at) == Some(&byte)).then_some(())
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_instants() {
        assert_eq!(parse_millis("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_millis("2025-11-02T12:34:56.789Z"),
            Some(1_762_086_896_789)
        );
        assert_eq!(
            parse_millis("2024-02-29T00:00:00Z"),
            Some(1_709_164_800_000)
        );
        assert_eq!(parse_millis("2024-02-29"), Some(1_709_164_800_000));
        assert_eq!(parse_millis("2025-11-02t12:34z"), Some(1_762_086_840_000));
        assert_eq!(
            parse_millis("2025-11-02T12:34:56.7891234Z"),
            Some(1_762_086_896_789)
        );
        assert_eq!(
            parse_millis("2025-11-02T07:34:56.789-0500"),
            Some(1_762_086_896_789)
        );
        assert_eq!(
            parse_millis("2025-12-31T23:59:60Z"),
            parse_millis("2025-12-31T23:59:59.999Z")
        );
    }

    #[test]
    fn malformed_is_none() {
        for bad in [
            "",
            "now",
            "2025-11-02T12:34:56",
            "2025-13-01T00:00:00Z",
            "2025-02-29T00:00:00Z",
            "2025-11-02T24:00:00Z",
            "2025-11-02T12:34:56.Z",
            "2025-11-02T12:34:56Zjunk",
            "1969-12-31T23:59:59Z",
            "Sun, 02 Nov 2025 12:34:56 GMT",
            "２０２５-11-02",
            "2025-11-02T12:34:56+25:00",
        ] {
            assert_eq!(parse_millis(bad), None, "{bad}");
        }
    }

    #[test]
    fn format_round_trips() {
        for ms in [0, 1, 951_782_400_000, 1_709_164_800_000, 1_762_086_896_789] {
            assert_eq!(parse_millis(&format_millis(ms)), Some(ms));
        }
        assert_eq!(format_millis(0), "1970-01-01T00:00:00.000Z");
    }
}
