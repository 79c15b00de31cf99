use super::*;
use crate::core::page_type::PageTypeId;

fn plan(page_types: Option<&str>, keys: Option<&str>) -> Plan {
    let raw = RawHeaders {
        page_types,
        keys,
        ..RawHeaders::default()
    };
    parse(&raw, &PageTypes::default(), ParseOptions::default())
}

fn tag(t: &str) -> Target {
    Target::Tag(t.into())
}

#[test]
fn values_are_split_trimmed_deduplicated_and_empties_dropped() {
    let p = plan(None, Some(" scene:a ,,\tscene:b, scene:a,  ,"));
    assert_eq!(p.targets, [tag("scene:a"), tag("scene:b")]);
    assert_eq!(p.rejected, 0);
}

#[test]
fn repeated_fields_joined_by_comma_space() {
    let p = plan(Some("writing, reading, writing"), Some("a:1, b:2"));
    assert_eq!(
        p.targets,
        [
            Target::PageType(PageTypeId::WRITING),
            Target::PageType(PageTypeId::READING),
            tag("a:1"),
            tag("b:2")
        ]
    );
}

#[test]
fn patterns_only_where_the_spec_says() {
    let p = plan(
        None,
        Some("story:42:*, scene:*, /studio/api/, st*ry, *x, story*, :*"),
    );
    assert_eq!(
        p.targets,
        [
            Target::TagPrefix("story:42:".into()),
            Target::TagPrefix("scene:".into()),
            Target::PathPrefix("/studio/api/".into()),
            tag("st*ry"),
            tag("*x"),
            tag("story*"),
        ]
    );
    assert_eq!(p.rejected, 1, "an empty `:*` pattern is refused");
}

#[test]
fn bare_star_only_when_enabled() {
    let p = plan(None, Some("*, scene:a"));
    assert_eq!(p.targets, [tag("scene:a")]);
    assert_eq!(p.rejected, 1);
    let raw = RawHeaders {
        keys: Some("scene:a, *"),
        ..RawHeaders::default()
    };
    let p = parse(
        &raw,
        &PageTypes::default(),
        ParseOptions { allow_star: true },
    );
    assert_eq!(p.targets, [Target::All]);
}

#[test]
fn unknown_page_types_are_counted_and_ignored() {
    let p = plan(Some("writing, nonsense, WRITING"), None);
    assert_eq!(p.targets, [Target::PageType(PageTypeId::WRITING)]);
    assert_eq!(p.unknown_page_types, 2);
}

#[test]
fn control_characters_reject_that_token_only() {
    let p = plan(Some("writ\u{7}ing, reading"), Some("scene:\u{0}a, scene:b"));
    assert_eq!(
        p.targets,
        [Target::PageType(PageTypeId::READING), tag("scene:b")]
    );
    assert_eq!(p.rejected, 2);
}

#[test]
fn over_a_limit_widens_to_the_page_types() {
    let many: Vec<String> = (0..=MAX_KEYS).map(|i| format!("scene:{i}")).collect();
    let p = plan(Some("writing"), Some(&many.join(",")));
    assert!(p.widened);
    assert_eq!(p.targets, [Target::PageType(PageTypeId::WRITING)]);
    let exactly: Vec<String> = (0..MAX_KEYS).map(|i| format!("scene:{i}")).collect();
    let p = plan(None, Some(&exactly.join(",")));
    assert!(!p.widened);
    assert_eq!(p.targets.len(), MAX_KEYS);
    let long = format!("scene:{}", "x".repeat(MAX_KEY_BYTES));
    assert_eq!(
        plan(Some("reading"), Some(&long)).targets,
        [Target::PageType(PageTypeId::READING)]
    );
}

#[test]
fn over_a_limit_without_page_types_widens_to_everything() {
    let long = format!("scene:{}", "x".repeat(MAX_KEY_BYTES));
    assert_eq!(plan(None, Some(&long)).targets, [Target::All]);
    let huge = "a,".repeat(MAX_HEADER_BYTES);
    assert_eq!(plan(None, Some(&huge)).targets, [Target::All]);
    assert_eq!(plan(Some(&huge), None).targets, [Target::All]);
    assert_eq!(plan(Some("nonsense"), Some(&long)).targets, [Target::All]);
}

#[test]
fn timestamp_missing_or_bad_means_now() {
    let with = |t: Option<&str>| {
        let raw = RawHeaders {
            keys: Some("a:1"),
            timestamp: t,
            ..RawHeaders::default()
        };
        parse(&raw, &PageTypes::default(), ParseOptions::default()).not_after
    };
    assert_eq!(with(None), None);
    assert_eq!(with(Some("yesterday")), None);
    assert_eq!(with(Some("1970-01-01T00:00:01Z")), Some(1_000));
}

#[test]
fn clear_site_data_wipes_on_cache_storage_or_star() {
    let wipe = |v: &str| {
        let raw = RawHeaders {
            clear_site_data: Some(v),
            ..RawHeaders::default()
        };
        parse(&raw, &PageTypes::default(), ParseOptions::default()).wipe
    };
    assert!(wipe("\"cache\""));
    assert!(wipe("\"cookies\", \"storage\""));
    assert!(wipe("\"*\""));
    assert!(wipe("CACHE"));
    assert!(!wipe("\"cookies\""));
    assert!(!wipe(""));
}

#[test]
fn nothing_asked_is_an_empty_plan() {
    assert!(plan(None, None).is_empty());
    assert!(plan(Some(""), Some(" , ")).is_empty());
    assert!(!RawHeaders::default().any());
}
