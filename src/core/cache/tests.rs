use super::*;
use crate::core::entry::InvalidationSource;
use crate::core::page_type::Lifetimes;
use crate::core::routes::RouteRule;

type Body = &'static str;

fn cache() -> Cache<Body> {
    let mut config = CacheConfig::default();
    config
        .page_types
        .configure("reading", Lifetimes::new(1_000, 10_000))
        .unwrap();
    config
        .routes
        .push(RouteRule::new("/scenes/:id", Some(PageTypeId::WRITING), &["scene:{id}"]).unwrap());
    config
        .routes
        .push(RouteRule::new("/novels/:id", Some(PageTypeId::READING), &["story:{id}"]).unwrap());
    Cache::new(config)
}

fn arrival(body: &str) -> Arrival {
    Arrival {
        fingerprint: crate::core::fingerprint::fingerprint(body),
        body_size: body.len() as u32,
        ..Arrival::default()
    }
}

fn fetch(c: &mut Cache<Body>, key: &str, body: Body, start: Millis, end: Millis) -> Completion {
    let t = c.begin_fetch(key, start);
    c.complete_fetch(&t, arrival(body), end, || Ok::<_, ()>(body))
        .unwrap()
}

fn served(plan: ReadPlan<'_, Body>) -> Option<(Body, bool)> {
    match plan {
        ReadPlan::Serve {
            value, revalidate, ..
        } => Some((*value, revalidate)),
        _ => None,
    }
}

#[test]
fn fresh_entries_are_served_without_revalidation() {
    let mut c = cache();
    fetch(&mut c, "/novels/1", "v1", 0, 10);
    assert_eq!(served(c.plan_read("/novels/1", 500)), Some(("v1", false)));
}

#[test]
fn stale_entries_are_served_and_revalidated_outside_the_deduping_window() {
    let mut c = cache();
    fetch(&mut c, "/novels/1", "v1", 0, 10);
    // Stale at 1_010, but within the 2 s deduping window: no new request yet.
    assert_eq!(served(c.plan_read("/novels/1", 1_500)), Some(("v1", false)));
    assert_eq!(served(c.plan_read("/novels/1", 2_500)), Some(("v1", true)));
    c.begin_fetch("/novels/1", 2_500);
    assert_eq!(
        served(c.plan_read("/novels/1", 2_600)),
        Some(("v1", false)),
        "no second request while one is in flight"
    );
}

#[test]
fn writing_pages_are_always_revalidated_after_the_window() {
    let mut c = cache();
    fetch(&mut c, "/scenes/a", "s", 0, 0);
    assert_eq!(served(c.plan_read("/scenes/a", 1)), Some(("s", false)));
    assert_eq!(served(c.plan_read("/scenes/a", 2_000)), Some(("s", true)));
    assert_eq!(
        c.inspect("/scenes/a").unwrap().page_type,
        PageTypeId::WRITING
    );
    assert_eq!(&*c.inspect("/scenes/a").unwrap().tags[0], "scene:a");
}

#[test]
fn expired_entries_are_never_served() {
    let mut c = cache();
    fetch(&mut c, "/novels/1", "v1", 0, 0);
    assert!(matches!(c.plan_read("/novels/1", 10_000), ReadPlan::Fetch));
    assert_eq!(c.peek("/novels/1", 10_000), None);
}

#[test]
fn invalidated_entries_wait_for_the_refetch() {
    let mut c = cache();
    fetch(&mut c, "/novels/1", "v1", 0, 0);
    c.observe("/novels/1");
    let refetch = c.invalidate(Target::Key("/novels/1".into()), InvalidationSource::Api, 5);
    assert_eq!(refetch, ["/novels/1"]);
    assert!(matches!(c.plan_read("/novels/1", 6), ReadPlan::Fetch));
    assert_eq!(c.peek("/novels/1", 6), None);
    assert_eq!(
        c.inspect("/novels/1").unwrap().state(6),
        EntryState::Invalidated
    );
    fetch(&mut c, "/novels/1", "v2", 7, 8);
    assert_eq!(served(c.plan_read("/novels/1", 9)), Some(("v2", false)));
}

#[test]
fn invalidated_entries_can_be_served_where_the_page_type_allows() {
    let mut c = cache();
    let mut lifetimes = Lifetimes::new(1_000, 10_000);
    lifetimes.serve_stale_when_invalidated = true;
    let id = c.config.page_types.configure("feed", lifetimes).unwrap();
    let t = c.begin_fetch("/feed", 0);
    c.complete_fetch(
        &t,
        Arrival {
            page_type: Some(id),
            ..arrival("f")
        },
        0,
        || Ok::<_, ()>("f"),
    )
    .unwrap();
    c.invalidate(Target::Key("/feed".into()), InvalidationSource::Api, 1);
    assert_eq!(served(c.plan_read("/feed", 2)), Some(("f", true)));
    assert_eq!(c.peek("/feed", 2), Some(&"f"));
}

#[test]
fn unobserved_invalidated_keys_are_not_refetched_at_once() {
    let mut c = cache();
    fetch(&mut c, "/novels/1", "v1", 0, 0);
    assert!(c
        .invalidate(Target::All, InvalidationSource::Api, 1)
        .is_empty());
}

#[test]
fn concurrent_reads_join_one_request() {
    let mut c = cache();
    assert!(matches!(c.plan_read("/x", 0), ReadPlan::Fetch));
    c.begin_fetch("/x", 0);
    assert!(matches!(c.plan_read("/x", 1), ReadPlan::Join));
}

#[test]
fn a_get_started_before_an_invalidation_is_discarded() {
    let mut c = cache();
    fetch(&mut c, "/scenes/a", "old", 0, 0);
    let slow = c.begin_fetch("/scenes/a", 10);
    c.invalidate(
        Target::Key("/scenes/a".into()),
        InvalidationSource::Mutation,
        20,
    );
    let done = c
        .complete_fetch(&slow, arrival("stale read"), 30, || {
            Ok::<_, ()>("stale read")
        })
        .unwrap();
    assert_eq!(
        done,
        Completion::Discarded(DiscardReason::InvalidatedInFlight)
    );
    assert_eq!(
        c.inspect("/scenes/a").unwrap().state(30),
        EntryState::Invalidated
    );
    assert_eq!(
        fetch(&mut c, "/scenes/a", "saved", 31, 40),
        Completion::Stored { changed: true }
    );
}

#[test]
fn a_get_started_before_a_set_is_discarded() {
    let mut c = cache();
    let slow = c.begin_fetch("/x", 0);
    c.set("/x", "mine", None, vec![], 4, 5);
    let done = c
        .complete_fetch(&slow, arrival("server"), 6, || Ok::<_, ()>("server"))
        .unwrap();
    assert_eq!(done, Completion::Discarded(DiscardReason::Superseded));
    assert_eq!(c.peek("/x", 7), Some(&"mine"));
}

#[test]
fn a_superseded_get_ending_leaves_the_newer_one_in_flight() {
    let mut c = cache();
    let older = c.begin_fetch("/x", 0);
    let newer = c.begin_fetch("/x", 1);
    c.fail_fetch(&older);
    assert!(c.is_in_flight("/x"));
    assert!(matches!(c.plan_read("/x", 2), ReadPlan::Join));
    c.fail_fetch(&newer);
    assert!(!c.is_in_flight("/x"));
}

#[test]
fn an_older_get_resolving_last_is_dropped() {
    let mut c = cache();
    let older = c.begin_fetch("/x", 0);
    let newer = c.begin_fetch("/x", 1);
    c.complete_fetch(&newer, arrival("new"), 2, || Ok::<_, ()>("new"))
        .unwrap();
    let done = c
        .complete_fetch(&older, arrival("old"), 3, || Ok::<_, ()>("old"))
        .unwrap();
    assert_eq!(done, Completion::Discarded(DiscardReason::Superseded));
    assert_eq!(c.peek("/x", 4), Some(&"new"));
}

#[test]
fn a_superseded_get_keeps_its_fence_while_other_requests_end() {
    let mut c = cache();
    fetch(&mut c, "/x", "v0", 0, 0);
    let older = c.begin_fetch("/x", 1);
    c.invalidate(Target::Key("/x".into()), InvalidationSource::Api, 2);
    let newer = c.begin_fetch("/x", 3);
    fetch(&mut c, "/other", "o", 4, 5);
    let done = c
        .complete_fetch(&older, arrival("old"), 6, || Ok::<_, ()>("old"))
        .unwrap();
    assert_eq!(
        done,
        Completion::Discarded(DiscardReason::InvalidatedInFlight)
    );
    c.fail_fetch(&newer);
    assert!(!c.is_in_flight("/x"));
}

#[test]
fn clear_discards_everything_in_flight() {
    let mut c = cache();
    let t = c.begin_fetch("/x", 0);
    c.clear();
    assert!(!c.is_in_flight("/x"));
    let done = c
        .complete_fetch(&t, arrival("v"), 1, || Ok::<_, ()>("v"))
        .unwrap();
    assert_eq!(done, Completion::Discarded(DiscardReason::Superseded));
    assert!(c.memory().is_empty());
}

#[test]
fn an_identical_body_keeps_the_value_and_skips_decoding() {
    let mut c = cache();
    fetch(&mut c, "/x", "same", 0, 0);
    let version = c.inspect("/x").unwrap().version;
    let t = c.begin_fetch("/x", 3_000);
    let done = c.complete_fetch(&t, arrival("same"), 3_001, || -> Result<Body, ()> {
        panic!("decoded an unchanged body")
    });
    assert_eq!(done, Ok(Completion::Stored { changed: false }));
    let entry = c.inspect("/x").unwrap();
    assert_eq!((entry.version, entry.received_at), (version, 3_001));
    assert_eq!(entry.cause, ChangeCause::Revalidated);
    assert_eq!(
        fetch(&mut c, "/x", "different", 4_000, 4_001),
        Completion::Stored { changed: true }
    );
    assert_eq!(c.inspect("/x").unwrap().version, version + 1);
}

#[test]
fn a_decode_error_stores_nothing_and_ends_the_flight() {
    let mut c = cache();
    let t = c.begin_fetch("/x", 0);
    assert_eq!(
        c.complete_fetch(&t, arrival("{"), 1, || Err("bad json")),
        Err("bad json")
    );
    assert!(!c.is_in_flight("/x"));
    assert!(c.inspect("/x").is_none());
}

#[test]
fn tags_merge_routes_calls_and_headers() {
    let mut c = cache();
    let t = c.begin_fetch("/scenes/a", 0);
    let a = Arrival {
        tags: vec!["story:1".into(), "scene:a".into(), "chapter:2".into()],
        ..arrival("s")
    };
    c.complete_fetch(&t, a, 1, || Ok::<_, ()>("s")).unwrap();
    let tags: Vec<&str> = c
        .inspect("/scenes/a")
        .unwrap()
        .tags
        .iter()
        .map(|t| &**t)
        .collect();
    assert_eq!(tags, ["chapter:2", "scene:a", "story:1"]);
}

#[test]
fn focus_revalidates_observed_non_fresh_keys_throttled() {
    let mut c = cache();
    fetch(&mut c, "/novels/1", "n", 0, 0);
    fetch(&mut c, "/scenes/a", "s", 0, 0);
    fetch(&mut c, "/scenes/b", "s", 0, 0);
    c.observe("/novels/1");
    c.observe("/scenes/a");
    c.observe("/missing");
    assert_eq!(
        c.keys_to_revalidate_on_focus(100),
        ["/missing", "/scenes/a"]
    );
    assert!(c.keys_to_revalidate_on_focus(200).is_empty(), "throttled");
    c.unobserve("/scenes/a", 300);
    assert_eq!(
        c.keys_to_revalidate_on_focus(6_000),
        ["/missing", "/novels/1"]
    );
}

#[test]
fn gc_spares_observed_entries() {
    let mut c = cache();
    fetch(&mut c, "/scenes/a", "s", 0, 0);
    fetch(&mut c, "/scenes/b", "s", 0, 0);
    c.observe("/scenes/a");
    let gone = c.collect_garbage(5 * 60_000);
    assert_eq!(gone.len(), 1);
    assert_eq!(&*gone[0].0, "/scenes/b");
}

#[test]
fn peek_counts_as_use_but_inspect_does_not() {
    let mut c = cache();
    fetch(&mut c, "/a", "a", 0, 0);
    let before = c.inspect("/a").unwrap().last_used;
    c.inspect("/a");
    assert_eq!(c.inspect("/a").unwrap().last_used, before);
    c.peek("/a", 1);
    assert!(c.inspect("/a").unwrap().last_used > before);
}

#[test]
fn replacing_an_entry_keeps_the_tag_index_right() {
    let mut c = cache();
    let keys = |c: &mut Cache<Body>, tag: &str, now| {
        c.invalidate(Target::Tag(tag.into()), InvalidationSource::Api, now);
        let mut invalidated: Vec<&str> = ["/scenes/a", "/novels/1"]
            .into_iter()
            .filter(|k| c.inspect(k).is_some_and(|e| e.invalidated.is_some()))
            .collect();
        invalidated.sort_unstable();
        invalidated
    };
    c.set("/scenes/a", "v1", None, vec!["x".into()], 2, 0);
    // Same tags: replaced in place.
    c.set("/scenes/a", "v2", None, vec!["x".into()], 2, 1);
    assert!(c.tag_index_mirrors_memory());
    assert_eq!(c.memory().len(), 1);
    assert_eq!(keys(&mut c, "x", 2), ["/scenes/a"]);
    // Other tags: the old ones no longer name it, the new ones do.
    c.set("/scenes/a", "v3", None, vec!["y".into()], 2, 3);
    assert_eq!(keys(&mut c, "x", 4), Vec::<&str>::new());
    assert_eq!(keys(&mut c, "scene:a", 5), ["/scenes/a"]);
    c.set("/scenes/a", "v4", None, vec!["y".into()], 2, 6);
    assert_eq!(keys(&mut c, "y", 7), ["/scenes/a"]);
    c.set("/novels/1", "n", None, Vec::new(), 1, 8);
    assert!(c.tag_index_mirrors_memory());
    assert_eq!(c.memory().len(), 2);
    // Sizes are replaced, not added: key + body + overhead of each entry once.
    let expected = entry_size("/scenes/a", 2) + entry_size("/novels/1", 1);
    assert_eq!(c.memory().bytes(), expected as usize);
}
