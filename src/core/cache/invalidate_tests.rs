use super::super::{Arrival, Cache, CacheConfig, Completion, DiscardReason, ReadPlan};
use crate::core::entry::{EntryState, InvalidationSource};
use crate::core::invalidation::{Fence, Target};
use crate::core::page_type::PageTypeId;
use crate::core::routes::RouteRule;
use crate::core::Millis;

fn cache() -> Cache<&'static str> {
    let mut config = CacheConfig::default();
    config.routes.push(
        RouteRule::new(
            "/scenes/:id",
            Some(PageTypeId::WRITING),
            &["scene:{id}", "story:42:scenes"],
        )
        .unwrap(),
    );
    Cache::new(config)
}

fn arrival(server_time: Option<Millis>) -> Arrival {
    Arrival {
        server_time,
        fingerprint: 1,
        ..Arrival::default()
    }
}

fn store(c: &mut Cache<&'static str>, key: &str, server_time: Millis) {
    let t = c.begin_fetch(key, 0);
    let done = c.complete_fetch(&t, arrival(Some(server_time)), 1, || Ok::<_, ()>("v"));
    assert_eq!(done, Ok(Completion::Stored { changed: true }));
}

fn state(c: &Cache<&'static str>, key: &str) -> EntryState {
    c.inspect(key).unwrap().state(2)
}

fn header() -> InvalidationSource {
    InvalidationSource::Header("test".into())
}

#[test]
fn tags_prefixes_and_paths_invalidate_through_the_index() {
    let mut c = cache();
    store(&mut c, "/scenes/a", 0);
    store(&mut c, "/scenes/b", 0);
    store(&mut c, "/other", 0);
    c.invalidate(Target::Tag("scene:a".into()), header(), 2);
    assert_eq!(state(&c, "/scenes/a"), EntryState::Invalidated);
    assert_eq!(state(&c, "/scenes/b"), EntryState::Stale);
    c.invalidate(Target::TagPrefix("story:42:".into()), header(), 2);
    assert_eq!(state(&c, "/scenes/b"), EntryState::Invalidated);
    assert_eq!(state(&c, "/other"), EntryState::Fresh);
    c.invalidate(Target::PathPrefix("/oth".into()), header(), 2);
    assert_eq!(state(&c, "/other"), EntryState::Invalidated);
    assert!(c.tag_index_mirrors_memory());
    assert_eq!(c.memory().len(), 3);
}

#[test]
fn entries_newer_than_the_change_are_kept() {
    let mut c = cache();
    store(&mut c, "/scenes/old", 1_000);
    store(&mut c, "/scenes/new", 3_000);
    let fence = Fence {
        targets: vec![Target::PageType(PageTypeId::WRITING)],
        not_after: Some(2_000),
    };
    c.apply_fence(fence, header(), 2, None);
    assert_eq!(state(&c, "/scenes/old"), EntryState::Invalidated);
    assert_ne!(state(&c, "/scenes/new"), EntryState::Invalidated);
}

#[test]
fn only_observed_named_keys_are_returned_and_spare_is_left_alone() {
    let mut c = cache();
    store(&mut c, "/scenes/a", 0);
    store(&mut c, "/scenes/b", 0);
    c.observe("/scenes/a");
    c.observe("/scenes/b");
    let fence = Fence::of(Target::PageType(PageTypeId::WRITING));
    let refetch = c.apply_fence(fence, header(), 2, Some("/scenes/b"));
    assert_eq!(refetch, ["/scenes/a"]);
    assert_ne!(state(&c, "/scenes/b"), EntryState::Invalidated);
}

#[test]
fn a_get_in_flight_is_fenced_by_a_tag_unless_its_data_is_newer() {
    let mut c = cache();
    let slow = c.begin_fetch("/scenes/a", 0);
    let fence = Fence {
        targets: vec![Target::Tag("scene:a".into())],
        not_after: Some(5_000),
    };
    c.apply_fence(fence.clone(), header(), 1, None);
    let done = c.complete_fetch(&slow, arrival(Some(4_000)), 2, || Ok::<_, ()>("old"));
    assert_eq!(
        done,
        Ok(Completion::Discarded(DiscardReason::InvalidatedInFlight))
    );
    // A request that started before the change but whose data the server made after it is kept.
    let late = c.begin_fetch("/scenes/a", 3);
    c.apply_fence(fence, header(), 4, None);
    let done = c.complete_fetch(&late, arrival(Some(6_000)), 5, || Ok::<_, ()>("new"));
    assert_eq!(done, Ok(Completion::Stored { changed: true }));
}

#[test]
fn the_index_follows_replacement_removal_gc_and_clear() {
    let mut c = cache();
    store(&mut c, "/scenes/a", 0);
    c.set(
        "/scenes/a",
        "set",
        Some(PageTypeId::READING),
        vec!["x:1".into()],
        1,
        1,
    );
    assert!(c
        .invalidate(Target::Tag("scene:a".into()), header(), 2)
        .is_empty());
    assert!(c.tag_index_mirrors_memory());
    assert_eq!(c.memory().len(), 1);
    c.invalidate(Target::Tag("x:1".into()), header(), 2);
    assert!(matches!(c.plan_read("/scenes/a", 3), ReadPlan::Fetch));
    c.remove("/scenes/a");
    assert!(c.tag_index_mirrors_memory());
    assert_eq!(c.memory().len(), 0);
    store(&mut c, "/scenes/b", 0);
    c.collect_garbage(u64::MAX / 2);
    assert!(c.tag_index_mirrors_memory());
    assert_eq!(c.memory().len(), 0);
    store(&mut c, "/scenes/c", 0);
    c.clear();
    assert!(c.tag_index_mirrors_memory());
    assert_eq!(c.memory().len(), 0);
}

#[test]
fn entries_share_their_tag_strings_with_the_index() {
    let mut c = cache();
    store(&mut c, "/scenes/a", 0);
    store(&mut c, "/scenes/b", 0);
    let story = |c: &Cache<&'static str>, key: &str| {
        let tags = &c.inspect(key).unwrap().tags;
        tags.iter()
            .find(|t| &***t == "story:42:scenes")
            .cloned()
            .unwrap()
    };
    assert!(std::rc::Rc::ptr_eq(
        &story(&c, "/scenes/a"),
        &story(&c, "/scenes/b")
    ));
    assert!(c.tag_index_mirrors_memory());
    c.invalidate(Target::Key("/scenes/b".into()), header(), 2);
    assert_eq!(state(&c, "/scenes/b"), EntryState::Invalidated);
    assert_eq!(state(&c, "/scenes/a"), EntryState::Stale);
}
