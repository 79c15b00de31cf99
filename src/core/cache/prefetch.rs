//! Prefetch through the cache: the governor (`core::prefetch`) decides, and the cache tells it
//! the state of each key, so a prefetch never starts for an entry that is fresh or in flight.
//! The request itself goes through `begin_fetch` / `complete_fetch` like any read's (same
//! dedup and fences); its response stores the entry with the "prefetched" mark, which the app's
//! first read clears and counts as used (`plan_read`, `peek`).

use super::{Cache, FastMap, MemoryTier};
use crate::core::entry::EntryState;
use crate::core::prefetch::{Governor, KeyStatus, Network, Offer, Owner};
use crate::core::Millis;

impl<V> Cache<V> {
    /// The state of `key` as prefetching sees it: fresh (or arrived within the deduping
    /// interval), in flight, or needed.
    pub fn prefetch_status(&self, key: &str, now: Millis) -> KeyStatus {
        status(
            &self.memory,
            &self.in_flight,
            self.config.deduping_interval,
            key,
            now,
        )
    }

    /// Queues a prefetch of `key` for `owner` unless the governor refuses it.
    pub fn offer_prefetch(
        &mut self,
        key: &str,
        owner: Owner,
        network: &Network,
        now: Millis,
    ) -> Offer {
        let status = self.prefetch_status(key, now);
        self.prefetch.offer(key, owner, status, network, now)
    }

    /// The next queued prefetch that may start now; the caller starts it with `begin_fetch`
    /// (marking its arrival as a prefetch) and reports its end with [`Cache::finish_prefetch`].
    pub fn next_prefetch(&mut self, now: Millis) -> Option<(Box<str>, Owner)> {
        let (memory, in_flight) = (&self.memory, &self.in_flight);
        let deduping = self.config.deduping_interval;
        self.prefetch
            .next(now, |key| status(memory, in_flight, deduping, key, now))
    }

    /// Records the end of the prefetch of `key`; returns its owner.
    pub fn finish_prefetch(&mut self, key: &str, stored: bool) -> Option<Owner> {
        self.prefetch.finish(key, stored)
    }

    /// The prefetch governor, for its counters and queue.
    pub fn prefetch(&self) -> &Governor {
        &self.prefetch
    }

    /// The prefetch governor, to cancel owners or count skips.
    pub fn prefetch_mut(&mut self) -> &mut Governor {
        &mut self.prefetch
    }
}

fn status<V, T>(
    memory: &MemoryTier<V>,
    in_flight: &FastMap<std::rc::Rc<str>, T>,
    deduping_interval: Millis,
    key: &str,
    now: Millis,
) -> KeyStatus {
    if in_flight.contains_key(key) {
        return KeyStatus::InFlight;
    }
    let Some(entry) = memory.peek(key) else {
        return KeyStatus::Needed;
    };
    match entry.state(now) {
        EntryState::Fresh => KeyStatus::Fresh,
        // Just arrived: a read would not revalidate it either.
        EntryState::Stale if now.saturating_sub(entry.received_at) < deduping_interval => {
            KeyStatus::Fresh
        }
        EntryState::Stale | EntryState::Invalidated | EntryState::Expired => KeyStatus::Needed,
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Arrival, CacheConfig, Completion, ReadPlan};
    use super::*;
    use crate::core::entry::InvalidationSource;
    use crate::core::invalidation::Target;
    use crate::core::prefetch::SkipReason;

    type Body = &'static str;

    fn arrival(body: &str, prefetch: bool) -> Arrival {
        Arrival {
            fingerprint: crate::core::fingerprint::fingerprint(body),
            body_size: body.len() as u32,
            prefetch,
            ..Arrival::default()
        }
    }

    /// Runs the prefetch queue like the runtime does: start, then complete each at `now`.
    fn prefetch_all(c: &mut Cache<Body>, now: Millis) -> Vec<String> {
        let mut done = Vec::new();
        while let Some((key, _)) = c.next_prefetch(now) {
            let ticket = c.begin_fetch(&key, now);
            let stored = c.complete_fetch(&ticket, arrival("p", true), now, || Ok::<_, ()>("p"));
            c.finish_prefetch(&key, matches!(stored, Ok(Completion::Stored { .. })));
            done.push(key.into());
        }
        done
    }

    fn net() -> Network {
        Network::default()
    }

    #[test]
    fn a_prefetched_entry_is_counted_used_on_its_first_read_only() {
        let mut c: Cache<Body> = Cache::new(CacheConfig::default());
        assert_eq!(c.offer_prefetch("/a", 0, &net(), 0), Offer::Queued);
        assert_eq!(prefetch_all(&mut c, 0), vec!["/a"]);
        assert!(c.inspect("/a").unwrap().prefetched);
        assert!(matches!(
            c.plan_read("/a", 10),
            ReadPlan::Serve {
                revalidate: false,
                ..
            }
        ));
        assert!(matches!(c.plan_read("/a", 20), ReadPlan::Serve { .. }));
        assert!(!c.inspect("/a").unwrap().prefetched);
        assert_eq!(c.prefetch().stats().used, 1);
        assert_eq!(c.prefetch().stats().issued, 1);
        assert_eq!(c.prefetch().stats().completed, 1);
    }

    #[test]
    fn peek_counts_a_use_too_but_inspect_does_not() {
        let mut c: Cache<Body> = Cache::new(CacheConfig::default());
        c.offer_prefetch("/a", 0, &net(), 0);
        prefetch_all(&mut c, 0);
        c.inspect("/a");
        assert_eq!(c.prefetch().stats().used, 0);
        assert_eq!(c.peek("/a", 5), Some(&"p"));
        assert_eq!(c.peek("/a", 6), Some(&"p"));
        assert_eq!(c.prefetch().stats().used, 1);
    }

    #[test]
    fn fresh_entries_and_requests_in_flight_are_never_prefetched() {
        let mut c: Cache<Body> = Cache::new(CacheConfig::default());
        let t = c.begin_fetch("/a", 0);
        assert_eq!(
            c.offer_prefetch("/a", 0, &net(), 0),
            Offer::Skipped(SkipReason::InFlight)
        );
        c.complete_fetch(&t, arrival("v", false), 5, || Ok::<_, ()>("v"))
            .unwrap();
        assert_eq!(
            c.offer_prefetch("/a", 0, &net(), 10),
            Offer::Skipped(SkipReason::Fresh)
        );
        // Browse entries are fresh for 60 s; past that they are worth prefetching again.
        assert_eq!(c.offer_prefetch("/a", 0, &net(), 61_000), Offer::Queued);
    }

    #[test]
    fn stale_data_that_just_arrived_is_not_prefetched_again() {
        let mut config = CacheConfig::default();
        config
            .page_types
            .configure("browse", crate::core::page_type::Lifetimes::new(0, 60_000))
            .unwrap();
        let mut c: Cache<Body> = Cache::new(config);
        c.offer_prefetch("/a", 0, &net(), 0);
        prefetch_all(&mut c, 0);
        assert_eq!(
            c.offer_prefetch("/a", 0, &net(), 1_000),
            Offer::Skipped(SkipReason::Fresh)
        );
        assert_eq!(c.offer_prefetch("/a", 0, &net(), 2_000), Offer::Queued);
    }

    #[test]
    fn invalidated_entries_are_prefetched() {
        let mut c: Cache<Body> = Cache::new(CacheConfig::default());
        c.offer_prefetch("/a", 0, &net(), 0);
        prefetch_all(&mut c, 0);
        c.invalidate(Target::Key("/a".into()), InvalidationSource::Api, 10);
        assert_eq!(c.offer_prefetch("/a", 0, &net(), 20), Offer::Queued);
    }

    #[test]
    fn a_read_that_joins_a_prefetch_in_flight_uses_it_and_leaves_no_mark() {
        let mut c: Cache<Body> = Cache::new(CacheConfig::default());
        c.offer_prefetch("/a", 0, &net(), 0);
        let (key, _) = c.next_prefetch(0).unwrap();
        let ticket = c.begin_fetch(&key, 0);
        assert!(matches!(c.plan_read("/a", 1), ReadPlan::Join));
        assert!(matches!(c.plan_read("/a", 2), ReadPlan::Join));
        c.complete_fetch(&ticket, arrival("p", true), 5, || Ok::<_, ()>("p"))
            .unwrap();
        c.finish_prefetch("/a", true);
        assert!(!c.inspect("/a").unwrap().prefetched);
        c.plan_read("/a", 6);
        assert_eq!(c.prefetch().stats().used, 1);
    }

    #[test]
    fn a_key_read_by_the_app_while_queued_is_skipped_when_its_turn_comes() {
        let mut c: Cache<Body> = Cache::new(CacheConfig::default());
        c.offer_prefetch("/a", 0, &net(), 0);
        let t = c.begin_fetch("/a", 1);
        assert_eq!(c.next_prefetch(1), None);
        assert_eq!(c.prefetch().stats().skipped(SkipReason::InFlight), 1);
        c.complete_fetch(&t, arrival("v", false), 2, || Ok::<_, ()>("v"))
            .unwrap();
        assert!(!c.inspect("/a").unwrap().prefetched);
    }

    #[test]
    fn clear_drops_the_prefetch_queue() {
        let mut c: Cache<Body> = Cache::new(CacheConfig::default());
        c.offer_prefetch("/a", 0, &net(), 0);
        c.clear();
        assert_eq!(c.prefetch().queued(), 0);
        assert_eq!(c.next_prefetch(0), None);
        assert_eq!(c.prefetch().stats().skipped(SkipReason::Cancelled), 1);
    }
}
