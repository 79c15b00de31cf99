use super::*;

const NEEDED: fn(&str) -> KeyStatus = |_| KeyStatus::Needed;

fn governor(concurrency: usize, per_minute: usize) -> Governor {
    Governor::new(PrefetchConfig {
        concurrency,
        per_minute,
        ..PrefetchConfig::default()
    })
}

fn offer(g: &mut Governor, key: &str, now: Millis) -> Offer {
    g.offer(key, 0, KeyStatus::Needed, &Network::default(), now)
}

fn drain(g: &mut Governor, now: Millis) -> Vec<String> {
    std::iter::from_fn(|| g.next(now, NEEDED))
        .map(|(k, _)| k.into())
        .collect()
}

#[test]
fn at_most_concurrency_requests_are_open() {
    let mut g = governor(2, 100);
    for i in 0..50 {
        assert_eq!(offer(&mut g, &format!("/k/{i}"), 0), Offer::Queued);
    }
    assert_eq!(drain(&mut g, 0), vec!["/k/0", "/k/1"]);
    assert_eq!(g.open(), 2);
    assert_eq!(g.next(0, NEEDED), None);
    g.finish("/k/0", true);
    assert_eq!(drain(&mut g, 1), vec!["/k/2"]);
    let mut started = 3;
    while g.open() > 0 {
        assert!(g.open() <= 2);
        let open: Vec<String> = (0..50)
            .map(|i| format!("/k/{i}"))
            .filter(|k| g.marks(k))
            .collect();
        for k in open {
            g.finish(&k, true);
        }
        started += drain(&mut g, 2).len();
    }
    assert_eq!(started, 50);
    assert_eq!(g.stats().issued, 50);
    assert_eq!(g.stats().completed, 50);
}

#[test]
fn fresh_and_in_flight_entries_are_skipped() {
    let mut g = governor(2, 30);
    let net = Network::default();
    assert_eq!(
        g.offer("/a", 0, KeyStatus::Fresh, &net, 0),
        Offer::Skipped(SkipReason::Fresh)
    );
    assert_eq!(
        g.offer("/a", 0, KeyStatus::InFlight, &net, 0),
        Offer::Skipped(SkipReason::InFlight)
    );
    // Queued once, and open once: a second offer is a duplicate either way.
    assert_eq!(offer(&mut g, "/b", 0), Offer::Queued);
    assert_eq!(offer(&mut g, "/b", 0), Offer::Skipped(SkipReason::InFlight));
    assert_eq!(drain(&mut g, 0), vec!["/b"]);
    assert_eq!(offer(&mut g, "/b", 0), Offer::Skipped(SkipReason::InFlight));
    assert_eq!(g.stats().skipped(SkipReason::Fresh), 1);
    assert_eq!(g.stats().skipped(SkipReason::InFlight), 3);
}

#[test]
fn keys_that_became_fresh_while_queued_are_skipped_when_their_turn_comes() {
    let mut g = governor(1, 30);
    offer(&mut g, "/a", 0);
    offer(&mut g, "/b", 0);
    offer(&mut g, "/c", 0);
    assert_eq!(drain(&mut g, 0), vec!["/a"]);
    g.finish("/a", true);
    // The app read /b meanwhile.
    let started = g.next(1, |k| {
        if k == "/b" {
            KeyStatus::Fresh
        } else {
            KeyStatus::Needed
        }
    });
    assert_eq!(started, Some(("/c".into(), 0)));
    assert_eq!(g.stats().skipped(SkipReason::Fresh), 1);
    assert_eq!(g.stats().issued, 2);
}

#[test]
fn the_budget_counts_starts_and_queued_keys_over_a_sliding_minute() {
    let mut g = governor(10, 3);
    for k in ["/a", "/b", "/c"] {
        assert_eq!(offer(&mut g, k, 0), Offer::Queued);
    }
    // Three queued reserve the whole budget.
    assert_eq!(offer(&mut g, "/d", 0), Offer::Skipped(SkipReason::Budget));
    assert_eq!(drain(&mut g, 0).len(), 3);
    for k in ["/a", "/b", "/c"] {
        g.finish(k, true);
    }
    assert_eq!(
        offer(&mut g, "/d", 59_999),
        Offer::Skipped(SkipReason::Budget)
    );
    // A minute after the starts, the budget is back.
    assert_eq!(offer(&mut g, "/d", 60_000), Offer::Queued);
    assert_eq!(g.stats().skipped(SkipReason::Budget), 2);
}

#[test]
fn save_data_and_2g_stop_every_prefetch() {
    let mut g = governor(2, 30);
    let save = Network {
        save_data: true,
        effective_type: Some("4g".into()),
    };
    let slow = |t: &str| Network {
        save_data: false,
        effective_type: Some(t.into()),
    };
    assert_eq!(
        g.offer("/a", 0, KeyStatus::Needed, &save, 0),
        Offer::Skipped(SkipReason::SaveData)
    );
    assert_eq!(
        g.offer("/a", 0, KeyStatus::Needed, &slow("2g"), 0),
        Offer::Skipped(SkipReason::SlowConnection)
    );
    assert_eq!(
        g.offer("/a", 0, KeyStatus::Needed, &slow("slow-2g"), 0),
        Offer::Skipped(SkipReason::SlowConnection)
    );
    assert_eq!(
        g.offer("/a", 0, KeyStatus::Needed, &slow("3g"), 0),
        Offer::Queued
    );
    assert_eq!(g.stats().skipped(SkipReason::SaveData), 1);
    assert_eq!(g.stats().skipped(SkipReason::SlowConnection), 2);
}

#[test]
fn an_owner_limit_caps_its_own_requests_but_not_the_others() {
    let mut g = governor(3, 100);
    g.limit_owner(7, 1);
    let net = Network::default();
    for k in ["/b1", "/b2", "/b3"] {
        g.offer(k, 7, KeyStatus::Needed, &net, 0);
    }
    g.offer("/h", 0, KeyStatus::Needed, &net, 0);
    // One of the batch, then the other owner's key jumps ahead of the batch's waiting ones.
    assert_eq!(drain(&mut g, 0), vec!["/b1", "/h"]);
    assert_eq!(g.pending(7), 3);
    assert_eq!(g.finish("/b1", false), Some(7));
    assert_eq!(drain(&mut g, 0), vec!["/b2"]);
    assert_eq!(g.stats().failed, 1);
}

#[test]
fn cancelling_an_owner_drops_its_queued_keys_only() {
    let mut g = governor(1, 100);
    let net = Network::default();
    g.offer("/a", 1, KeyStatus::Needed, &net, 0);
    g.offer("/b", 1, KeyStatus::Needed, &net, 0);
    g.offer("/c", 2, KeyStatus::Needed, &net, 0);
    assert_eq!(drain(&mut g, 0), vec!["/a"]);
    assert_eq!(g.cancel(1), 1);
    assert_eq!(g.pending(1), 1, "the open request runs to its end");
    g.finish("/a", true);
    assert_eq!(drain(&mut g, 0), vec!["/c"]);
    assert_eq!(g.stats().skipped(SkipReason::Cancelled), 1);
    g.offer("/d", 2, KeyStatus::Needed, &net, 0);
    g.clear_queue();
    assert_eq!(g.queued(), 0);
    assert_eq!(g.stats().skipped(SkipReason::Cancelled), 2);
}

#[test]
fn a_read_joining_an_open_prefetch_uses_it_once_and_removes_the_mark() {
    let mut g = governor(2, 30);
    offer(&mut g, "/a", 0);
    drain(&mut g, 0);
    assert!(g.marks("/a"));
    g.adopt("/a");
    g.adopt("/a");
    assert!(!g.marks("/a"));
    assert_eq!(g.stats().used, 1);
    assert_eq!(g.finish("/a", true), Some(0));
    assert_eq!(g.finish("/a", true), None, "finishing twice is harmless");
    assert!(!g.marks("/a"));
}
