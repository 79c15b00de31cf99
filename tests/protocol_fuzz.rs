//! Byte-level property test ("fuzz") of the invalidation header parser, the ISO 8601 parser and
//! the matcher: arbitrary bytes and adversarial token soups never panic, plans keep their
//! invariants, and parsing time grows linearly with the input.
//!
//! Cases per property: `FRESHET_FUZZ_CASES` (default 500, so `scripts/test.sh` stays quick).
//! The recorded run: `FRESHET_FUZZ_CASES=1000000 cargo test --release --test protocol_fuzz`.
#![cfg(not(target_arch = "wasm32"))]

use std::time::Instant;

use freshet::core::cache::{Arrival, Cache, CacheConfig};
use freshet::core::entry::InvalidationSource;
use freshet::core::invalidation::{Fence, Target};
use freshet::core::iso8601::{format_millis, parse_millis};
use freshet::core::page_type::PageTypes;
use freshet::core::protocol::{parse, ParseOptions, Plan, RawHeaders, MAX_HEADER_BYTES, MAX_KEYS};
use proptest::prelude::*;
use proptest::test_runner::Config;

fn cases() -> u32 {
    std::env::var("FRESHET_FUZZ_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(500)
}

/// A header value as `Headers.get` hands it over: bytes read as Latin-1 (or as lossy UTF-8).
fn text(bytes: &[u8], latin1: bool) -> String {
    if latin1 {
        bytes.iter().map(|&b| char::from(b)).collect()
    } else {
        String::from_utf8_lossy(bytes).into_owned()
    }
}

/// Token soups that reach every branch: separators, patterns, paths, stars, control bytes,
/// page type names, timestamps and long runs.
fn soup() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just(",".to_owned()),
        Just(", ".to_owned()),
        Just(" ".to_owned()),
        Just("\t".to_owned()),
        Just("*".to_owned()),
        Just(":*".to_owned()),
        Just("/".to_owned()),
        Just("\u{0}".to_owned()),
        Just("\u{7f}".to_owned()),
        Just("\"cache\"".to_owned()),
        Just("writing".to_owned()),
        Just("reading".to_owned()),
        Just("story:42".to_owned()),
        Just("2025-11-02T12:34:56.789Z".to_owned()),
        Just("+01:00".to_owned()),
        "[a-z0-9:/.?=-]{0,12}",
        (1usize..400).prop_map(|n| "x".repeat(n)),
        any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(piece, 0..40).prop_map(|p| p.concat())
}

fn check(plan: &Plan) {
    assert!(plan.targets.len() <= MAX_KEYS + 256);
    if plan.targets.contains(&Target::All) {
        assert_eq!(plan.targets.len(), 1);
    }
    if plan.widened {
        assert!(plan
            .targets
            .iter()
            .all(|t| matches!(t, Target::All | Target::PageType(_))));
    }
}

/// Applies a plan to a small cache, through the index and the fence log.
fn apply(plan: Plan) {
    let mut cache: Cache<u8> = Cache::new(CacheConfig::default());
    for (i, key) in ["/a", "/story/42", "/x?y=1"].iter().enumerate() {
        let ticket = cache.begin_fetch(key, 0);
        let arrival = Arrival {
            tags: vec!["story:42".into(), format!("t:{i}")],
            server_time: Some(1_762_086_896_000),
            ..Arrival::default()
        };
        let _ = cache.complete_fetch(&ticket, arrival, 1, || Ok::<_, ()>(0));
        cache.observe(key);
    }
    let pending = cache.begin_fetch("/story/42", 2);
    cache.apply_fence(
        Fence {
            targets: plan.targets,
            not_after: plan.not_after,
        },
        InvalidationSource::Header("fuzz".into()),
        3,
        None,
    );
    let _ = cache.complete_fetch(&pending, Arrival::default(), 4, || Ok::<_, ()>(1));
}

proptest! {
    #![proptest_config(Config { cases: cases(), failure_persistence: None, ..Config::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(
        a in prop::collection::vec(any::<u8>(), 0..300),
        b in prop::collection::vec(any::<u8>(), 0..300),
        c in prop::collection::vec(any::<u8>(), 0..60),
        latin1 in any::<bool>(),
        star in any::<bool>(),
    ) {
        let (a, b, c) = (text(&a, latin1), text(&b, latin1), text(&c, latin1));
        let raw = RawHeaders { page_types: Some(&a), keys: Some(&b), timestamp: Some(&c), clear_site_data: Some(&a) };
        let plan = parse(&raw, &PageTypes::default(), ParseOptions { allow_star: star });
        check(&plan);
        let _ = parse_millis(&c);
        apply(plan);
    }

    #[test]
    fn token_soups_keep_the_invariants(a in soup(), b in soup(), c in soup(), star in any::<bool>()) {
        let raw = RawHeaders { page_types: Some(&a), keys: Some(&b), timestamp: Some(&c), clear_site_data: Some(&c) };
        let plan = parse(&raw, &PageTypes::default(), ParseOptions { allow_star: star });
        check(&plan);
        apply(plan);
    }

    #[test]
    fn timestamps_round_trip(ms in 0u64..253_402_300_800_000) {
        prop_assert_eq!(parse_millis(&format_millis(ms)), Some(ms));
    }
}

/// Best of several timings of parsing `keys`, in nanoseconds per call.
fn time(keys: &str) -> f64 {
    let raw = RawHeaders {
        page_types: Some("writing,reading"),
        keys: Some(keys),
        ..RawHeaders::default()
    };
    let types = PageTypes::default();
    let reps = (40_000 / keys.len().max(1)).max(3);
    (0..5)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..reps {
                std::hint::black_box(parse(
                    std::hint::black_box(&raw),
                    &types,
                    ParseOptions::default(),
                ));
            }
            start.elapsed().as_nanos() as f64 / reps as f64
        })
        .fold(f64::INFINITY, f64::min)
}

#[test]
fn parse_time_grows_linearly() {
    type Shape = (&'static str, fn(usize) -> String);
    let shapes: [Shape; 5] = [
        ("short tokens", |n| {
            let mut s = String::new();
            let mut i = 0;
            while s.len() < n {
                s.push_str(&format!("t:{},", i % 400));
                i += 1;
            }
            s
        }),
        ("duplicates", |n| "scene:a, ".repeat(n / 9)),
        ("empties", |n| ",".repeat(n)),
        ("control", |n| "a\u{1},".repeat(n / 4)),
        ("one long token", |n| "x".repeat(n)),
    ];
    for (name, make) in shapes {
        let small = make(1_024);
        let large = make(MAX_HEADER_BYTES - 16);
        let huge = make(1 << 20);
        let (t_small, t_large, t_huge) = (time(&small), time(&large), time(&huge));
        let growth = t_large / t_small;
        let size_growth = large.len() as f64 / small.len() as f64;
        eprintln!(
            "{name}: {} B {t_small:.0} ns, {} B {t_large:.0} ns (x{growth:.1} for x{size_growth:.1} bytes), {} B {t_huge:.0} ns",
            small.len(), large.len(), huge.len()
        );
        // Linear with room for caches and a busy machine; quadratic would be x16 more.
        assert!(
            growth < size_growth * 4.0,
            "{name}: x{growth:.1} for x{size_growth:.1} bytes"
        );
        let huge_growth = huge.len() as f64 / large.len() as f64;
        assert!(
            t_huge / t_large < huge_growth * 4.0,
            "{name}: over-size input took {t_huge:.0} ns"
        );
    }
}
