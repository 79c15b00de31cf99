//! What the storage tier needs from the cache: putting a persisted entry back into memory with
//! its original times, and confirming an entry by a `304 Not Modified` without a body.

use super::{Arrival, Cache, Completion, Ticket};
use crate::core::entry::{ChangeCause, Entry, Provenance};
use crate::core::page_type::PageTypeId;
use crate::core::Millis;

/// A persisted entry, as the storage tier hands it back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restored {
    /// Page type.
    pub page_type: PageTypeId,
    /// Tags.
    pub tags: Vec<String>,
    /// Client time the data arrived (or was last confirmed).
    pub received_at: Millis,
    /// When the server produced it.
    pub server_time: Millis,
    /// Fresh until.
    pub stale_at: Millis,
    /// Never served from.
    pub expires_at: Millis,
    /// Hash of the body.
    pub fingerprint: u64,
    /// Body size in bytes.
    pub body_size: u32,
}

impl<V> Cache<V> {
    /// Puts a persisted entry into memory with its original times (cause `Restored`), unless
    /// memory already holds the key or a request for it is in flight (both are newer). Returns
    /// whether it was restored; the entry is then served by its state like any other.
    ///
    /// ```
    /// use freshet::core::cache::{Cache, CacheConfig, ReadPlan, Restored};
    /// use freshet::core::page_type::PageTypeId;
    /// let mut cache: Cache<&str> = Cache::new(CacheConfig::default());
    /// let r = Restored { page_type: PageTypeId::READING, tags: vec![], received_at: 0,
    ///     server_time: 0, stale_at: 100, expires_at: 1_000, fingerprint: 1, body_size: 4 };
    /// assert!(cache.restore("/a", "body", r, 50));
    /// assert!(matches!(cache.plan_read("/a", 60), ReadPlan::Serve { revalidate: false, .. }));
    /// ```
    pub fn restore(&mut self, key: &str, value: V, restored: Restored, now: Millis) -> bool {
        if self.memory.peek(key).is_some() || self.in_flight.contains_key(key) {
            return false;
        }
        let (page_type, tags) = self.classify(key, Some(restored.page_type), restored.tags);
        let lifetimes = self.config.page_types.lifetimes(page_type).clone();
        let provenance = Provenance {
            received_at: restored.received_at,
            server_time: restored.server_time,
            max_age_cap: None,
        };
        let mut entry = Entry::new(
            value,
            page_type,
            &lifetimes,
            &provenance,
            ChangeCause::Restored,
        );
        entry.stale_at = restored.stale_at;
        entry.expires_at = restored.expires_at;
        entry.tags = tags;
        entry.fingerprint = restored.fingerprint;
        entry.size = super::entry_size(key, restored.body_size);
        self.insert(key, entry, now);
        true
    }

    /// Records a `304 Not Modified` for `ticket`: the held entry is confirmed (new times, same
    /// value, cause `Revalidated`) unless something newer overtook the request. `None` when
    /// memory no longer holds the entry: the caller must fetch it again without validators.
    pub fn confirm_not_modified(
        &mut self,
        ticket: &Ticket,
        arrival: Arrival,
        now: Millis,
    ) -> Option<Completion> {
        self.end_flight(ticket);
        let key = &*ticket.key;
        let Some(entry) = self.memory.peek(key) else {
            self.prune_fences();
            return None;
        };
        let (page_type, tags) = (entry.page_type, entry.tags.clone());
        let (verdict, provenance) = self.judge_arrival(ticket, page_type, &tags, &arrival, now);
        if let Some(reason) = verdict {
            return Some(Completion::Discarded(reason));
        }
        let lifetimes = self.config.page_types.lifetimes(page_type).clone();
        let entry = self.memory.peek_mut(key)?;
        entry.confirm(&lifetimes, &provenance, ChangeCause::Revalidated);
        entry.source_seq = ticket.seq;
        Some(Completion::Stored { changed: false })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::cache::{CacheConfig, DiscardReason, ReadPlan};
    use crate::core::entry::InvalidationSource;
    use crate::core::invalidation::Target;

    fn restored(stale_at: Millis, expires_at: Millis) -> Restored {
        Restored {
            page_type: PageTypeId::READING,
            tags: vec!["story:1".into()],
            received_at: 1_000,
            server_time: 900,
            stale_at,
            expires_at,
            fingerprint: 7,
            body_size: 10,
        }
    }

    #[test]
    fn restored_entries_keep_their_times_and_are_served_by_state() {
        let mut cache: Cache<&str> = Cache::new(CacheConfig::default());
        assert!(cache.restore("/fresh", "f", restored(5_000, 9_000), 2_000));
        assert!(cache.restore("/stale", "s", restored(1_500, 9_000), 2_000));
        assert!(cache.restore("/gone", "g", restored(1_500, 1_800), 2_000));
        let e = cache.inspect("/stale").unwrap();
        assert_eq!(
            (e.received_at, e.server_time, e.expires_at),
            (1_000, 900, 9_000)
        );
        assert_eq!(e.cause, ChangeCause::Restored);
        assert!(matches!(
            cache.plan_read("/fresh", 3_000),
            ReadPlan::Serve {
                revalidate: false,
                ..
            }
        ));
        assert!(matches!(
            cache.plan_read("/stale", 3_000),
            ReadPlan::Serve {
                revalidate: true,
                ..
            }
        ));
        assert!(matches!(cache.plan_read("/gone", 3_000), ReadPlan::Fetch));
        assert!(!cache.restore("/fresh", "other", restored(5_000, 9_000), 3_000));
        let _t = cache.begin_fetch("/new", 3_000);
        assert!(!cache.restore("/new", "n", restored(5_000, 9_000), 3_000));
    }

    #[test]
    fn a_304_confirms_the_held_entry_unless_overtaken() {
        let mut cache: Cache<&str> = Cache::new(CacheConfig::default());
        cache.restore("/a", "a", restored(1_500, 9_000), 2_000);
        let ticket = cache.begin_fetch("/a", 3_000);
        let arrival = Arrival {
            server_time: Some(3_100),
            ..Arrival::default()
        };
        let done = cache.confirm_not_modified(&ticket, arrival.clone(), 3_200);
        assert_eq!(done, Some(Completion::Stored { changed: false }));
        let e = cache.inspect("/a").unwrap();
        assert_eq!(
            (e.received_at, e.server_time, *e.value()),
            (3_200, 3_100, "a")
        );
        assert_eq!(e.cause, ChangeCause::Revalidated);
        let ticket = cache.begin_fetch("/a", 4_000);
        cache.invalidate(Target::Key("/a".into()), InvalidationSource::Api, 4_001);
        let done = cache.confirm_not_modified(&ticket, arrival.clone(), 4_002);
        assert_eq!(
            done,
            Some(Completion::Discarded(DiscardReason::InvalidatedInFlight))
        );
        let ticket = cache.begin_fetch("/missing", 4_000);
        assert_eq!(cache.confirm_not_modified(&ticket, arrival, 4_002), None);
        assert!(!cache.is_in_flight("/missing"));
    }
}
