//! The storage tier against an in-memory store and a faulty one (quota, SecurityError, wipes).

use std::cell::RefCell;
use std::rc::Rc;

use super::codec::{encode_record, Meta, Record};
use super::tier::{StorageTier, TierConfig, Times, MAX_QUOTA_RETRIES};
use super::{MemoryStorage, Storage, StoreError};
use crate::core::Millis;

/// The store behind the tier, shared with the test, with faults switched on at will.
#[derive(Default)]
struct State {
    items: MemoryStorage,
    deny: bool,
    quota_always: bool,
    gets: Vec<String>,
    sets: Vec<String>,
    native_writes: usize,
}

#[derive(Clone, Default)]
struct Shared(Rc<RefCell<State>>);

impl Shared {
    fn with_quota(quota: usize) -> Self {
        let s = Shared::default();
        s.0.borrow_mut().items.quota = Some(quota);
        s
    }
    fn raw(&self, key: &str) -> Option<String> {
        self.0.borrow().items.get_item(key).unwrap()
    }
    fn put_raw(&self, key: &str, value: &str) {
        self.0.borrow_mut().items.set_item(key, value).unwrap();
    }
    fn keys(&self) -> Vec<String> {
        self.0.borrow().items.keys().unwrap()
    }
    fn take_sets(&self) -> Vec<String> {
        std::mem::take(&mut self.0.borrow_mut().sets)
    }
}

impl Storage for Shared {
    fn get_item(&self, key: &str) -> Result<Option<String>, StoreError> {
        let mut s = self.0.borrow_mut();
        if s.deny {
            return Err(StoreError::Security);
        }
        s.gets.push(key.to_owned());
        s.items.get_item(key)
    }
    fn set_item(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
        let mut s = self.0.borrow_mut();
        if s.deny {
            return Err(StoreError::Security);
        }
        s.sets.push(key.to_owned());
        if s.quota_always {
            return Err(StoreError::Quota);
        }
        s.items.set_item(key, value)
    }
    /// Writes the head and the caller's own copy of the body (a `String` here), as localStorage
    /// does with the response's JS string.
    fn set_record(
        &mut self,
        key: &str,
        text: &str,
        head_len: usize,
        native: Option<&dyn std::any::Any>,
    ) -> Result<(), StoreError> {
        match (
            native.and_then(|n| n.downcast_ref::<String>()),
            text.get(..head_len),
        ) {
            (Some(body), Some(head)) => {
                self.0.borrow_mut().native_writes += 1;
                self.set_item(key, &format!("{head}{body}"))
            }
            _ => self.set_item(key, text),
        }
    }
    fn remove_item(&mut self, key: &str) -> Result<(), StoreError> {
        let mut s = self.0.borrow_mut();
        if s.deny {
            return Err(StoreError::Security);
        }
        s.items.remove_item(key)
    }
    fn keys(&self) -> Result<Vec<String>, StoreError> {
        let s = self.0.borrow();
        if s.deny {
            return Err(StoreError::Security);
        }
        s.items.keys()
    }
}

const HOUR: Millis = 3_600_000;
const T0: Millis = 1_700_000_000_000;

fn meta(page_type: &str, at: Millis) -> Meta {
    Meta {
        page_type: page_type.into(),
        tags: vec!["story:1".into()],
        received_at: at,
        server_time: at,
        stale_at: at + 1_000,
        expires_at: at + HOUR / 2,
        fingerprint: crate::core::fingerprint::fingerprint(page_type),
        json: true,
        etag: Some("\"e1\"".into()),
        last_modified: None,
    }
}

/// The times a 304 at T0 + 9 confirms: fresh for 1 ms more, kept for the hour.
fn refreshed_at_t0_plus_9() -> Times {
    Times {
        received_at: T0 + 9,
        server_time: T0 + 9,
        stale_at: T0 + 10,
        expires_at: T0 + HOUR,
    }
}

fn any_age(_: &str) -> Millis {
    HOUR
}

fn open(store: &Shared, config: TierConfig, now: Millis) -> StorageTier<Shared> {
    StorageTier::open(Some(store.clone()), config, now)
}

fn scoped(scope: &str) -> TierConfig {
    TierConfig {
        scope: scope.into(),
        ..TierConfig::default()
    }
}

#[test]
fn a_persisted_entry_survives_a_reopen_and_opening_reads_only_the_overrides() {
    let store = Shared::default();
    let mut tier = open(&store, TierConfig::default(), T0);
    for i in 0..50 {
        assert!(tier.put(&format!("/a/{i}"), meta("reading", T0), "{\"x\":1}", T0));
    }
    let report = tier.flush(T0);
    assert_eq!(report.written, 50);
    store.0.borrow_mut().gets.clear();
    let mut tier = open(&store, TierConfig::default(), T0 + 10);
    assert_eq!(
        store.0.borrow().gets,
        ["freshet:version", "freshet:1:anon:o"]
    );
    // A first read trusts the record's own head; the index and journal stay unread.
    store.0.borrow_mut().gets.clear();
    let record = tier.load("/a/7", T0 + 10, any_age).unwrap();
    assert_eq!(record.body, "{\"x\":1}");
    assert_eq!(record.meta, meta("reading", T0));
    assert_eq!(store.0.borrow().gets, ["freshet:1:anon:e:/a/7"]);
    assert_eq!(tier.meta("/a/7").unwrap().etag.as_deref(), Some("\"e1\""));
    assert_eq!(tier.load("/nothing", T0 + 10, any_age), None);
    assert_eq!(store.0.borrow().gets.len(), 2, "a miss reads no index");
    // The whole index and journal are read when something needs every entry.
    assert_eq!(tier.len(), 50);
    assert_eq!(
        store.0.borrow().gets[2..],
        [
            "freshet:1:anon:index",
            "freshet:1:anon:j:0",
            "freshet:1:anon:j:1"
        ]
    );
}

#[test]
fn a_flush_writes_only_what_changed_and_a_touch_rewrites_no_record() {
    let store = Shared::default();
    let mut tier = open(&store, TierConfig::default(), T0);
    tier.put("/a", meta("reading", T0), "a", T0);
    tier.put("/b", meta("reading", T0), "b", T0);
    tier.flush(T0);
    store.take_sets();
    tier.put("/a", meta("reading", T0 + 5), "a2", T0 + 5);
    tier.put("/a", meta("reading", T0 + 6), "a3", T0 + 6);
    tier.flush(T0 + 6);
    // Same page type and tags: the record alone (it carries its meta); no index line.
    assert_eq!(store.take_sets(), ["freshet:1:anon:e:/a"]);
    // The saved line of /a is older than its record: the record's meta wins on first read.
    let mut reopened = open(&store, TierConfig::default(), T0 + 7);
    assert_eq!(reopened.meta("/a").unwrap().received_at, T0);
    let a = reopened.load("/a", T0 + 7, any_age).unwrap();
    assert_eq!((a.body.as_str(), a.meta.received_at), ("a3", T0 + 6));
    assert_eq!(reopened.meta("/a").unwrap().received_at, T0 + 6);
    let times = refreshed_at_t0_plus_9();
    tier.touch("/b", times);
    tier.flush(T0 + 9);
    // One segment: /b's new times, and /a's lagging line along with it; /b's line is now
    // newer than its record's head, so it joins the overrides.
    assert_eq!(
        store.take_sets(),
        ["freshet:1:anon:j:1", "freshet:1:anon:o"]
    );
    assert_eq!(tier.flush(T0 + 9), Default::default());
    assert!(store.take_sets().is_empty());
    let mut reopened = open(&store, TierConfig::default(), T0 + 20);
    assert_eq!(reopened.meta("/b").unwrap().expires_at, T0 + HOUR);
    assert_eq!(reopened.meta("/a").unwrap().received_at, T0 + 6);
    assert_eq!(reopened.load("/a", T0 + 20, any_age).unwrap().body, "a3");
    assert_eq!(reopened.load("/b", T0 + 20, any_age).unwrap().body, "b");
}

#[test]
fn lagging_lines_are_journaled_after_many_flushes_with_any_segment_or_when_hidden() {
    let store = Shared::default();
    let mut tier = open(&store, TierConfig::default(), T0);
    tier.put("/a", meta("reading", T0), "a", T0);
    tier.put("/b", meta("reading", T0), "b", T0);
    tier.flush(T0);
    store.take_sets();
    // The first flush wrote journal segment 0; each rewrite after it leaves /a's line lagging.
    for n in 1..u64::from(super::tier::MAX_LAG) {
        tier.put("/a", meta("reading", T0 + n), "a", T0 + n);
        tier.flush(T0 + n);
        assert_eq!(store.take_sets(), ["freshet:1:anon:e:/a"], "{n}");
    }
    // At the bound, the lagging line gets a small segment of its own (never the whole index).
    tier.put("/a", meta("reading", T0 + 500), "a", T0 + 500);
    tier.flush(T0 + 500);
    assert_eq!(
        store.take_sets(),
        ["freshet:1:anon:e:/a", "freshet:1:anon:j:1"]
    );
    assert!(store.raw("freshet:1:anon:index").is_none());
    let mut reopened = open(&store, TierConfig::default(), T0 + 501);
    assert_eq!(reopened.meta("/a").unwrap().received_at, T0 + 500);
    // A segment written for another entry carries the lagging lines along.
    tier.put("/a", meta("reading", T0 + 510), "a", T0 + 510);
    tier.flush(T0 + 510);
    tier.put("/c", meta("reading", T0 + 520), "c", T0 + 520);
    tier.flush(T0 + 520);
    assert_eq!(
        store.take_sets(),
        [
            "freshet:1:anon:e:/a",
            "freshet:1:anon:e:/c",
            "freshet:1:anon:j:2"
        ]
    );
    let mut reopened = open(&store, TierConfig::default(), T0 + 521);
    assert_eq!(reopened.meta("/a").unwrap().received_at, T0 + 510);
    // Hidden page: lagging lines are journaled at once; with none lagging nothing is written.
    tier.put("/b", meta("reading", T0 + 600), "b2", T0 + 600);
    tier.flush_hidden(T0 + 600);
    assert_eq!(
        store.take_sets(),
        ["freshet:1:anon:e:/b", "freshet:1:anon:j:3"]
    );
    tier.flush_hidden(T0 + 601);
    assert!(store.take_sets().is_empty());
    let mut reopened = open(&store, TierConfig::default(), T0 + 601);
    assert_eq!(reopened.meta("/b").unwrap().received_at, T0 + 600);
}

#[test]
fn a_record_older_than_its_index_line_or_retagged_is_refused() {
    let store = Shared::default();
    let mut tier = open(&store, TierConfig::default(), T0);
    tier.put("/a", meta("reading", T0 + 5), "new", T0 + 5);
    tier.put("/t", meta("reading", T0 + 5), "t", T0 + 5);
    tier.flush(T0 + 5);
    // An older record under /a (left by another tab, say), with another body.
    let mut old = meta("reading", T0);
    old.fingerprint ^= 1;
    let text = encode_record(&Record {
        key: "/a".into(),
        meta: old,
        body: "old".into(),
    })
    .unwrap();
    store.put_raw("freshet:1:anon:e:/a", &text);
    // A newer record under /t whose tags differ from its line: not a plain rewrite.
    let mut retagged = meta("reading", T0 + 9);
    retagged.tags = vec!["other".into()];
    retagged.fingerprint ^= 1;
    let text = encode_record(&Record {
        key: "/t".into(),
        meta: retagged,
        body: "t2".into(),
    })
    .unwrap();
    store.put_raw("freshet:1:anon:e:/t", &text);
    // Opening reads no line of /a or /t: a first read would trust each record's own head (a
    // whole record of this scope, checked for age). Once the index is read, its lines rule.
    let mut reopened = open(&store, TierConfig::default(), T0 + 10);
    assert_eq!(reopened.len(), 2);
    assert!(reopened.load("/a", T0 + 10, any_age).is_none());
    assert!(reopened.load("/t", T0 + 10, any_age).is_none());
    assert!(reopened.meta("/a").is_none() && reopened.meta("/t").is_none());
}

#[test]
fn the_journal_folds_into_the_index_and_stays_consistent() {
    let store = Shared::default();
    let mut tier = open(&store, TierConfig::default(), T0);
    for round in 0..200u64 {
        tier.put(
            &format!("/k/{}", round % 37),
            meta("community", T0 + round),
            &round.to_string(),
            T0 + round,
        );
        if round % 3 == 0 {
            tier.remove(&format!("/k/{}", (round + 5) % 37));
        }
        tier.flush(T0 + round);
    }
    let segments = store.keys().iter().filter(|k| k.contains(":j:")).count();
    assert!(segments as u32 <= super::tier::MAX_SEGMENTS, "{segments}");
    assert!(
        store.raw("freshet:1:anon:index").is_some(),
        "folded at least once"
    );
    let mut reopened = open(&store, TierConfig::default(), T0 + 300);
    assert_eq!(reopened.len(), tier.len());
    for i in 0..37 {
        let key = format!("/k/{i}");
        // Saved lines may lag their records (rewrites write the record alone); the first read
        // brings the line up to date from the record.
        if tier.meta(&key).is_some() {
            assert!(reopened.load(&key, T0 + 300, any_age).is_some());
        }
        assert_eq!(reopened.meta(&key), tier.meta(&key), "{key}");
        if tier.meta(&key).is_some() {}
    }
}

#[test]
fn a_version_change_discards_old_records_and_spares_foreign_keys() {
    let store = Shared::default();
    store.put_raw("other-lib:settings", "{\"theme\":\"dark\"}");
    store.put_raw("freshetx:1:anon:index", "not ours");
    let mut tier = open(&store, TierConfig::default(), T0);
    tier.put("/a", meta("reading", T0), "a", T0);
    tier.flush(T0);
    let v2 = TierConfig {
        version: "2".into(),
        ..TierConfig::default()
    };
    let mut tier = open(&store, v2, T0);
    assert!(tier.is_empty());
    assert_eq!(
        store.keys(),
        [
            "freshet:version",
            "freshetx:1:anon:index",
            "other-lib:settings"
        ]
    );
    assert_eq!(store.raw("freshet:version").as_deref(), Some("2"));
}

#[test]
fn scopes_never_see_each_other_and_clear_wipes_only_its_own() {
    let store = Shared::default();
    store.put_raw("other-lib:x", "1");
    let mut tier = open(&store, scoped("alice"), T0);
    tier.put("/me", meta("writing", T0), "alice's", T0);
    tier.set_scope("bob", T0);
    assert!(tier.meta("/me").is_none());
    assert!(tier.load("/me", T0, any_age).is_none());
    tier.put("/me", meta("writing", T0), "bob's", T0);
    tier.flush(T0);
    tier.set_scope("alice", T0);
    assert_eq!(tier.load("/me", T0, any_age).unwrap().body, "alice's");
    tier.clear();
    assert!(tier.is_empty());
    assert!(store
        .keys()
        .iter()
        .all(|k| !k.starts_with("freshet:1:alice:")));
    let mut bob = open(&store, scoped("bob"), T0);
    assert_eq!(bob.load("/me", T0, any_age).unwrap().body, "bob's");
    assert_eq!(store.raw("other-lib:x").as_deref(), Some("1"));
    // A scope cannot forge another's prefix.
    let mut forged = open(&store, scoped("bob:e:/me"), T0);
    assert!(forged.is_empty());
}

#[test]
fn security_errors_mean_memory_only_reported_once_and_never_a_panic() {
    let store = Shared::default();
    store.0.borrow_mut().deny = true;
    let mut tier = open(&store, TierConfig::default(), T0);
    assert!(!tier.is_persistent());
    assert_eq!(tier.take_report(), Some(StoreError::Security));
    assert_eq!(tier.take_report(), None);
    assert!(tier.put("/a", meta("reading", T0), "a", T0));
    assert_eq!(tier.flush(T0).written, 0);
    assert_eq!(tier.meta("/a").unwrap().etag.as_deref(), Some("\"e1\""));
    // Denied later, mid-session.
    let store = Shared::default();
    let mut tier = open(&store, TierConfig::default(), T0);
    tier.put("/a", meta("reading", T0), "a", T0);
    tier.flush(T0);
    store.0.borrow_mut().deny = true;
    let mut tier2 = open(&store, TierConfig::default(), T0);
    assert_eq!(tier2.failure(), Some(&StoreError::Security));
    assert!(tier.load("/zzz", T0, any_age).is_none());
    tier.put("/b", meta("reading", T0), "b", T0);
    tier.flush(T0);
    assert_eq!(tier.take_report(), Some(StoreError::Security));
    assert_eq!(tier2.flush(T0), Default::default());
}

#[test]
fn no_storage_at_all_is_memory_only_without_a_failure() {
    let mut tier: StorageTier<MemoryStorage> = StorageTier::open(None, TierConfig::default(), T0);
    assert!(!tier.is_persistent());
    assert_eq!(tier.take_report(), None);
    tier.put("/a", meta("reading", T0), "a", T0);
    assert_eq!(tier.flush(T0).written, 0);
}

#[test]
fn a_full_store_evicts_own_entries_least_valuable_first_and_never_foreign_keys() {
    let store = Shared::with_quota(3_000);
    store.put_raw("other-lib:big", &"x".repeat(1_000));
    let mut tier = open(&store, TierConfig::default(), T0);
    let body = "y".repeat(300);
    tier.put("/draft", meta("writing", T0), &body, T0);
    tier.put("/novel", meta("reading", T0 + 1), &body, T0 + 1);
    tier.put("/feed-old", meta("community", T0), &body, T0);
    tier.put("/browse", meta("browse", T0 + 2), &body, T0 + 2);
    tier.put("/feed-new", meta("community", T0 + 3), &body, T0 + 3);
    let first = tier.flush(T0 + 3);
    assert!(first.dropped.is_empty(), "{first:?}");
    tier.mark_invalidated("/novel");
    tier.put("/new", meta("reading", T0 + 4), &body, T0 + 4);
    let report = tier.flush(T0 + 4);
    assert!(report.dropped.is_empty(), "{report:?}");
    assert_eq!(
        report.evicted.first().map(String::as_str),
        Some("/novel"),
        "{report:?}"
    );
    assert!(!report.evicted.contains(&"/draft".to_owned()));
    assert_eq!(store.raw("other-lib:big").map(|v| v.len()), Some(1_000));
    assert!(tier.load("/new", T0 + 5, any_age).is_some());
    for key in &report.evicted {
        assert!(tier.meta(key).is_none());
        assert!(store.raw(&format!("freshet:1:anon:e:{key}")).is_none());
    }
    let mut reopened = open(&store, TierConfig::default(), T0 + 5);
    assert!(reopened.load("/new", T0 + 5, any_age).is_some());
    assert!(reopened.load("/draft", T0 + 5, any_age).is_some());
}

#[test]
fn quota_on_every_write_is_retried_a_bounded_number_of_times_then_memory_only() {
    let store = Shared::default();
    let mut tier = open(&store, TierConfig::default(), T0);
    for i in 0..10 {
        tier.put(&format!("/old/{i}"), meta("browse", T0), "old", T0);
    }
    tier.flush(T0);
    store.take_sets();
    store.0.borrow_mut().quota_always = true;
    tier.put("/a", meta("reading", T0), "a", T0);
    let report = tier.flush(T0);
    assert_eq!(report.dropped, ["/a"]);
    let sets = store.take_sets();
    let attempts = sets.iter().filter(|k| k.ends_with(":e:/a")).count();
    assert!(
        (2..=MAX_QUOTA_RETRIES as usize + 1).contains(&attempts),
        "{attempts}"
    );
    assert!(tier.meta("/a").is_none());
    // The tier is still usable once the store has room again.
    store.0.borrow_mut().quota_always = false;
    tier.put("/b", meta("reading", T0), "b", T0);
    assert_eq!(tier.flush(T0).written, 1);
}

#[test]
fn values_over_the_budget_stay_memory_only_and_remove_the_older_record() {
    let store = Shared::default();
    let config = TierConfig {
        budget: 4_000,
        entry_budget: 1_000,
        ..TierConfig::default()
    };
    let mut tier = open(&store, config.clone(), T0);
    assert!(tier.put("/a", meta("reading", T0), "small", T0));
    tier.flush(T0);
    assert!(!tier.put("/a", meta("reading", T0 + 1), &"z".repeat(2_000), T0 + 1));
    tier.flush(T0 + 1);
    assert!(
        store.raw("freshet:1:anon:e:/a").is_none(),
        "never show the older value"
    );
    for i in 0..20 {
        assert!(tier.put(
            &format!("/k{i}"),
            meta("browse", T0 + i),
            &"w".repeat(500),
            T0 + i
        ));
        assert!(tier.bytes() <= 4_000);
    }
    let report = tier.flush(T0 + 30);
    assert!(!report.evicted.is_empty());
    assert!(tier.meta("/k19").is_some() && tier.meta("/k0").is_none());
    let mut whole = open(
        &store,
        TierConfig {
            budget: 500,
            ..config
        },
        T0,
    );
    assert!(!whole.put("/big", meta("reading", T0), &"q".repeat(600), T0));
}

#[test]
fn bad_records_are_deleted_and_read_as_misses() {
    let store = Shared::default();
    let mut tier = open(&store, TierConfig::default(), T0);
    let keys = [
        "/corrupt", "/foreign", "/version", "/future", "/moved", "/ok",
    ];
    for key in keys {
        tier.put(key, meta("reading", T0), "{\"v\":1}", T0);
    }
    tier.flush(T0);
    let future = Record {
        key: "/future".into(),
        meta: meta("reading", T0 + 10 * HOUR),
        body: "{}".into(),
    };
    let mut future_text = encode_record(&future).unwrap();
    future_text = future_text.replace(
        &format!("{:x}", meta("reading", T0 + 10 * HOUR).fingerprint),
        &format!("{:x}", meta("reading", T0).fingerprint),
    );
    let moved = store.raw("freshet:1:anon:e:/ok").unwrap();
    let ok_version = store.raw("freshet:1:anon:e:/version").unwrap();
    for (key, text) in [
        ("/corrupt", "{\"v\":".to_owned()),
        (
            "/foreign",
            "{\"state\":{\"data\":1},\"timestamp\":5}".to_owned(),
        ),
        ("/version", ok_version.replacen("freshet:1", "freshet:0", 1)),
        ("/future", future_text),
        ("/moved", moved),
    ] {
        store.put_raw(&format!("freshet:1:anon:e:{key}"), &text);
    }
    let mut tier = open(&store, TierConfig::default(), T0 + 5);
    for key in &keys[..5] {
        assert!(tier.load(key, T0 + 5, any_age).is_none(), "{key}");
        assert!(tier.meta(key).is_none());
    }
    assert!(tier.load("/ok", T0 + 5, any_age).is_some());
    tier.flush(T0 + 5);
    for key in &keys[..5] {
        assert!(
            store.raw(&format!("freshet:1:anon:e:{key}")).is_none(),
            "{key}"
        );
    }
}

#[test]
fn over_age_and_future_dated_index_lines_are_dropped_at_open() {
    let store = Shared::default();
    let mut tier = open(&store, TierConfig::default(), T0);
    tier.put("/old", meta("reading", T0), "o", T0);
    tier.put("/future", meta("reading", T0 + 5 * HOUR), "f", T0);
    tier.put("/long", meta("reading", T0 + HOUR), "l", T0);
    tier.flush(T0);
    let mut later = open(&store, TierConfig::default(), T0 + HOUR);
    assert!(later.meta("/old").is_none() && later.meta("/future").is_none());
    // A lifetime longer than the page type allows is over-age too.
    assert!(later.load("/long", T0 + HOUR, |_| 1_000).is_none());
    later.flush(T0 + HOUR);
    assert_eq!(
        store.keys(),
        [
            "freshet:1:anon:j:0",
            "freshet:1:anon:j:1",
            "freshet:version"
        ]
    );
}

#[test]
fn storage_wiped_between_reads_is_a_miss_and_the_tier_recovers() {
    let store = Shared::default();
    let mut tier = open(&store, TierConfig::default(), T0);
    tier.put("/a", meta("reading", T0), "a", T0);
    tier.put("/b", meta("reading", T0), "b", T0);
    tier.flush(T0);
    assert!(tier.load("/a", T0, any_age).is_some());
    for key in store.keys() {
        store.0.borrow_mut().items.remove_item(&key).unwrap();
    }
    assert!(tier.load("/b", T0, any_age).is_none());
    tier.put("/c", meta("reading", T0), "c", T0);
    tier.flush(T0);
    let mut reopened = open(&store, TierConfig::default(), T0);
    assert!(reopened.load("/c", T0, any_age).is_some());
    assert!(reopened.meta("/b").is_none());
    // An index lost alone: its records are swept, never served unchecked.
    for key in store
        .keys()
        .iter()
        .filter(|k| k.contains(":j:") || k.ends_with(":index"))
    {
        store.0.borrow_mut().items.remove_item(key).unwrap();
    }
    let mut reopened = open(&store, TierConfig::default(), T0);
    assert!(reopened.is_empty());
    assert!(store.keys().iter().all(|k| !k.contains(":e:")));
}

#[test]
fn a_less_valuable_entry_never_evicts_more_valuable_ones() {
    let store = Shared::with_quota(1_500);
    let mut tier = open(&store, TierConfig::default(), T0);
    tier.put("/draft1", meta("writing", T0), &"d".repeat(300), T0);
    tier.put("/draft2", meta("writing", T0), &"d".repeat(300), T0);
    assert!(tier.flush(T0).dropped.is_empty());
    tier.put("/catalog", meta("browse", T0 + 1), &"c".repeat(900), T0 + 1);
    let report = tier.flush(T0 + 1);
    assert_eq!(report.dropped, ["/catalog"]);
    assert!(report.evicted.is_empty());
    assert!(tier.load("/draft1", T0 + 2, any_age).is_some());
    assert!(tier.load("/draft2", T0 + 2, any_age).is_some());
}

#[test]
fn a_304_is_served_after_a_reload_from_the_overrides_alone() {
    let store = Shared::default();
    let mut tier = open(&store, TierConfig::default(), T0);
    tier.put("/a", meta("reading", T0), "a", T0);
    tier.put("/b", meta("reading", T0), "b", T0);
    tier.flush(T0);
    // A 304 at T0 + 9: new times for /a, its record (and head) left as they were.
    let times = refreshed_at_t0_plus_9();
    tier.touch("/a", times);
    tier.flush(T0 + 9);
    assert!(store.raw("freshet:1:anon:o").is_some());
    // Past the head's expiry (T0 + HOUR / 2), within the confirmed one.
    let later = T0 + HOUR / 2 + 5;
    store.0.borrow_mut().gets.clear();
    let mut reopened = open(&store, TierConfig::default(), later);
    let a = reopened.load("/a", later, any_age).unwrap();
    assert_eq!((a.body.as_str(), a.meta.expires_at), ("a", T0 + HOUR));
    assert!(
        reopened.load("/b", later, any_age).is_none(),
        "its head expired"
    );
    assert_eq!(
        store.0.borrow().gets,
        [
            "freshet:version",
            "freshet:1:anon:o",
            "freshet:1:anon:e:/a",
            "freshet:1:anon:e:/b"
        ]
    );
    // Rewriting the record makes its head current again: the overrides empty out.
    tier.put("/a", meta("reading", T0 + 20), "a2", T0 + 20);
    tier.flush(T0 + 20);
    assert!(store.raw("freshet:1:anon:o").is_none());
    let mut reopened = open(&store, TierConfig::default(), T0 + 21);
    let a = reopened.load("/a", T0 + 21, any_age).unwrap();
    assert_eq!((a.body.as_str(), a.meta.received_at), ("a2", T0 + 20));
}

#[test]
fn overrides_past_their_bound_rewrite_their_records_heads() {
    let store = Shared::default();
    let mut tier = open(&store, TierConfig::default(), T0);
    let n = super::tier::MAX_OVERRIDES + 1;
    for i in 0..n {
        tier.put(&format!("/k/{i}"), meta("reading", T0), &format!("{i}"), T0);
    }
    tier.flush(T0);
    let times = refreshed_at_t0_plus_9();
    for i in 0..n - 1 {
        tier.touch(&format!("/k/{i}"), times);
    }
    tier.flush(T0 + 9);
    assert!(store.raw("freshet:1:anon:o").is_some(), "under the bound");
    tier.touch(&format!("/k/{}", n - 1), times);
    store.take_sets();
    tier.flush(T0 + 10);
    let sets = store.take_sets();
    assert_eq!(sets.iter().filter(|k| k.contains(":e:")).count(), n);
    assert!(store.raw("freshet:1:anon:o").is_none());
    // Every record now carries its confirmed times in its own head, body unchanged.
    let later = T0 + HOUR / 2 + 5;
    let mut reopened = open(&store, TierConfig::default(), later);
    for i in 0..n {
        let record = reopened.load(&format!("/k/{i}"), later, any_age).unwrap();
        assert_eq!(record.body, i.to_string());
        assert_eq!(record.meta.expires_at, T0 + HOUR);
    }
    assert_eq!(reopened.len(), n);
}

#[test]
fn a_record_never_written_is_a_miss_that_writes_nothing() {
    let store = Shared::default();
    let mut tier = open(&store, TierConfig::default(), T0);
    tier.put("/a", meta("reading", T0), "a", T0);
    tier.flush(T0);
    let mut reopened = open(&store, TierConfig::default(), T0 + 1);
    store.take_sets();
    assert!(reopened.load("/nothing", T0 + 1, any_age).is_none());
    assert_eq!(reopened.flush(T0 + 1), Default::default());
    assert!(store.take_sets().is_empty());
    // Removed entries have no record: a reload misses them without reading the journal.
    reopened.remove("/a");
    reopened.flush(T0 + 2);
    let mut again = open(&store, TierConfig::default(), T0 + 3);
    assert!(again.load("/a", T0 + 3, any_age).is_none());
    assert!(again.is_empty());
}

#[test]
fn a_native_body_is_written_after_the_head_and_reads_back_as_the_record() {
    use super::tier::NativeBody;
    let store = Shared::default();
    let mut tier = open(&store, TierConfig::default(), T0);
    let body = "{\"a\":\n\"h\u{e9}llo\"}";
    let native = NativeBody(Rc::new(body.to_owned()));
    assert!(tier.put_native("/n", meta("reading", T0), body, Some(native), T0));
    // Before the flush the pending record is read; after it, the stored one: the same.
    assert_eq!(tier.load("/n", T0, any_age).unwrap().body, body);
    tier.flush(T0);
    assert_eq!(store.0.borrow().native_writes, 1);
    let stored = store.raw("freshet:1:anon:e:/n").unwrap();
    let expected = encode_record(&Record {
        key: "/n".into(),
        meta: meta("reading", T0),
        body: body.into(),
    })
    .unwrap();
    assert_eq!(stored, expected);
    let mut reopened = open(&store, TierConfig::default(), T0 + 1);
    assert_eq!(reopened.load("/n", T0 + 1, any_age).unwrap().body, body);
}

#[test]
fn a_record_decides_its_own_first_read_only_while_nothing_overrides_it() {
    let store = Shared::default();
    let mut tier = open(&store, TierConfig::default(), T0);
    for key in ["/a", "/b", "/c"] {
        assert!(tier.put(key, meta("reading", T0), "{}", T0));
    }
    assert!(!tier.reads_own_head("/a"), "its write is pending");
    tier.flush(T0);
    let mut tier = open(&store, TierConfig::default(), T0 + 10);
    assert!(tier.reads_own_head("/a") && tier.reads_own_head("/never-stored"));
    // A 304 makes the line newer than the record's head: the line decides from then on.
    tier.load("/b", T0 + 10, any_age);
    tier.touch("/b", refreshed_at_t0_plus_9());
    assert!(!tier.reads_own_head("/b"));
    tier.remove("/c");
    assert!(!tier.reads_own_head("/c"), "removed");
    assert!(tier.reads_own_head("/a"));
    tier.flush(T0 + 10);
    let mut tier = open(&store, TierConfig::default(), T0 + 20);
    assert!(
        !tier.reads_own_head("/b"),
        "its override line is read at open"
    );
    assert!(tier.reads_own_head("/a"));
    // Once the saved index is read, it decides every key.
    assert_eq!(tier.len(), 2);
    assert!(!tier.reads_own_head("/a") && !tier.reads_own_head("/never-stored"));
    let mut none = StorageTier::<Shared>::open(None, TierConfig::default(), T0);
    assert!(!none.reads_own_head("/a"), "nothing is persisted");
}
