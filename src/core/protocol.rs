//! The invalidation headers of SPEC §3, read into a [`Plan`]: what to invalidate, from when,
//! and whether to wipe the scope. Pure and total: any bytes give a plan, in linear time.

use crate::core::StrSet;

use super::invalidation::Target;
use super::iso8601::parse_millis;
use super::page_type::PageTypes;
use super::Millis;

/// Most keys (tags, patterns, paths) one response may name.
pub const MAX_KEYS: usize = 512;
/// Longest key, in bytes.
pub const MAX_KEY_BYTES: usize = 256;
/// Longest header value, in bytes.
pub const MAX_HEADER_BYTES: usize = 16 * 1024;

/// The raw values of the invalidation headers of one response (repeated fields already joined
/// with `, `, as `Headers.get` does); `None` when absent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RawHeaders<'a> {
    /// `X-Cache-Invalidate`: page types.
    pub page_types: Option<&'a str>,
    /// `X-Cache-Invalidate-Keys`: tags, `:*` patterns, `/path` prefixes.
    pub keys: Option<&'a str>,
    /// `X-Cache-Invalidate-Timestamp`: when the change was made (ISO 8601).
    pub timestamp: Option<&'a str>,
    /// `Clear-Site-Data`.
    pub clear_site_data: Option<&'a str>,
}

impl RawHeaders<'_> {
    /// Whether any of the headers is present.
    pub fn any(&self) -> bool {
        self.page_types.is_some() || self.keys.is_some() || self.clear_site_data.is_some()
    }
}

/// What a response asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// What to invalidate, deduplicated; `[All]` alone when everything is named.
    pub targets: Vec<Target>,
    /// Entries whose data the server produced after this are kept; `None` means now (everything
    /// named is invalidated).
    pub not_after: Option<Millis>,
    /// `Clear-Site-Data` asked to wipe the scope.
    pub wipe: bool,
    /// A limit was passed, so the plan was widened to page types or everything.
    pub widened: bool,
    /// Page types the cache does not know (ignored).
    pub unknown_page_types: usize,
    /// Tokens refused: control characters, `*` when not enabled, an empty `:*` pattern.
    pub rejected: usize,
}

impl Plan {
    /// Whether the plan does nothing.
    pub fn is_empty(&self) -> bool {
        self.targets.is_empty() && !self.wipe
    }
}

/// Settings of the parser.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ParseOptions {
    /// Accept a bare `*` in `X-Cache-Invalidate-Keys` as "everything".
    pub allow_star: bool,
}

/// Reads the headers of one response.
///
/// ```
/// use freshet::core::invalidation::Target;
/// use freshet::core::page_type::{PageTypeId, PageTypes};
/// use freshet::core::protocol::{parse, ParseOptions, RawHeaders};
/// let raw = RawHeaders {
///     page_types: Some("writing, nope"),
///     keys: Some("scene:abc, story:42:*, /studio/api/, scene:abc"),
///     timestamp: Some("2025-11-02T12:34:56.789Z"),
///     clear_site_data: None,
/// };
/// let plan = parse(&raw, &PageTypes::default(), ParseOptions::default());
/// assert_eq!(plan.targets, [
///     Target::PageType(PageTypeId::WRITING),
///     Target::Tag("scene:abc".into()),
///     Target::TagPrefix("story:42:".into()),
///     Target::PathPrefix("/studio/api/".into()),
/// ]);
/// assert_eq!(plan.unknown_page_types, 1);
/// assert_eq!(plan.not_after, Some(1_762_086_896_789));
/// ```
pub fn parse(raw: &RawHeaders<'_>, page_types: &PageTypes, options: ParseOptions) -> Plan {
    let mut plan = Plan {
        not_after: raw
            .timestamp
            .filter(|t| t.len() <= MAX_HEADER_BYTES)
            .and_then(parse_millis),
        wipe: raw.clear_site_data.is_some_and(wipes),
        ..Plan::default()
    };
    // Only page types are pushed through here (a few at most): a scan dedupes them.
    let push = |plan: &mut Plan, target: Target| {
        if !plan.targets.contains(&target) {
            plan.targets.push(target);
        }
    };
    let mut everything = false;
    if let Some(value) = raw.page_types {
        if value.len() > MAX_HEADER_BYTES {
            plan.widened = true;
            everything = true;
        } else {
            for token in tokens(value) {
                match token {
                    Token::Bad => plan.rejected += 1,
                    Token::Good(name) => match page_types.lookup(name) {
                        Some(id) => push(&mut plan, Target::PageType(id)),
                        None => plan.unknown_page_types += 1,
                    },
                }
            }
        }
    }
    let page_type_targets = plan.targets.len();
    if let Some(value) = raw.keys {
        let fits = value.len() <= MAX_HEADER_BYTES && read_keys(value, &mut plan, options);
        if !fits {
            // Over a limit: never narrower than asked. The named page types stand in for the
            // keys; with none, everything is invalidated.
            plan.widened = true;
            plan.targets.truncate(page_type_targets);
            everything |= page_type_targets == 0;
        }
    }
    if everything || plan.targets.contains(&Target::All) {
        plan.targets = vec![Target::All];
    }
    plan
}

/// Reads the keys header into `plan`; `false` when a limit is passed.
fn read_keys(value: &str, plan: &mut Plan, options: ParseOptions) -> bool {
    let mut seen = StrSet::default();
    for token in tokens(value) {
        let token = match token {
            Token::Bad => {
                plan.rejected += 1;
                continue;
            }
            Token::Good(t) => t,
        };
        if token.len() > MAX_KEY_BYTES {
            return false;
        }
        if seen.contains_key(token) {
            continue;
        }
        seen.insert(token.into(), 0);
        if seen.len() > MAX_KEYS {
            return false;
        }
        match key_target(token, options.allow_star) {
            Some(target) => plan.targets.push(target),
            None => plan.rejected += 1,
        }
    }
    true
}

/// What one key of `X-Cache-Invalidate-Keys` names: `/path` → a path prefix, `x:*` → a tag
/// prefix, `*` → everything (only when allowed), anything else → that tag. `None` when refused.
///
/// ```
/// use freshet::core::invalidation::Target;
/// use freshet::core::protocol::key_target;
/// assert_eq!(key_target("story:42:*", false), Some(Target::TagPrefix("story:42:".into())));
/// assert_eq!(key_target("*", false), None);
/// ```
pub fn key_target(token: &str, allow_star: bool) -> Option<Target> {
    if token == "*" {
        allow_star.then_some(Target::All)
    } else if token.starts_with('/') {
        Some(Target::PathPrefix(token.into()))
    } else if let Some(prefix) = token.strip_suffix('*').filter(|p| p.ends_with(':')) {
        (prefix.len() >= 2).then(|| Target::TagPrefix(prefix.into()))
    } else {
        Some(Target::Tag(token.into()))
    }
}

enum Token<'a> {
    Good(&'a str),
    Bad,
}

/// The comma-separated tokens of a value: trimmed of spaces and tabs, empties skipped, and
/// tokens with a control character marked bad (refused alone, the others still count).
fn tokens(value: &str) -> impl Iterator<Item = Token<'_>> {
    value.split(',').filter_map(|t| {
        let t = t.trim_matches([' ', '\t']);
        if t.is_empty() {
            None
        } else if t.chars().any(char::is_control) {
            Some(Token::Bad)
        } else {
            Some(Token::Good(t))
        }
    })
}

/// Whether a `Clear-Site-Data` value names `"cache"`, `"storage"` or `"*"` (quotes optional,
/// case-insensitive). An oversized value wipes: never narrower than asked.
pub fn wipes(value: &str) -> bool {
    value.len() > MAX_HEADER_BYTES
        || tokens(value).any(|t| match t {
            Token::Good(t) => {
                let t = t.trim_matches('"');
                ["cache", "storage", "*"]
                    .iter()
                    .any(|w| t.eq_ignore_ascii_case(w))
            }
            Token::Bad => false,
        })
}

#[cfg(test)]
mod tests;
