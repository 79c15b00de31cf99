//! App records: opaque strings an adapter (the TanStack Query persister) keeps in the storage
//! tier beside the cache's entries, so they share its scopes, byte budget, quota handling and
//! `clear()`.
//!
//! A record named `n` is the tier entry `~n`. Request keys are paths (`/…`) or absolute URLs,
//! so no request key starts with `~` and the two kinds never meet: the cache never restores a
//! record into memory and header invalidations (which name request keys, tags and page types)
//! leave records alone.

use super::codec::Meta;
use super::tier::StorageTier;
use super::Storage;
use crate::core::fingerprint::fingerprint;
use crate::core::Millis;

/// First character of every record's tier key.
pub const RECORD_MARK: char = '~';
/// Page type name of records: not a configurable page type, so records are evicted among the
/// least valuable entries when space runs out.
pub const RECORD_PAGE_TYPE: &str = "~record";

/// The tier key of record `name`.
fn tier_key(name: &str) -> String {
    let mut key = String::with_capacity(name.len() + 1);
    key.push(RECORD_MARK);
    key.push_str(name);
    key
}

/// Whether a tier key belongs to a record (and not to a cached request).
pub fn is_record_key(key: &str) -> bool {
    key.starts_with(RECORD_MARK)
}

impl<S: Storage> StorageTier<S> {
    /// Persists `text` as record `name` for `max_age` ms from `now` (written at the next flush).
    /// False when it cannot be kept: storage is off, the name holds a tab or newline, or the
    /// record exceeds the entry budget (an older version of it is then removed).
    pub fn put_record(&mut self, name: &str, text: &str, max_age: Millis, now: Millis) -> bool {
        if !self.is_persistent() {
            return false;
        }
        let expires_at = now.saturating_add(max_age);
        let meta = Meta {
            page_type: RECORD_PAGE_TYPE.to_owned(),
            tags: Vec::new(),
            received_at: now,
            server_time: now,
            stale_at: expires_at,
            expires_at,
            fingerprint: fingerprint(text),
            json: false,
            etag: None,
            last_modified: None,
        };
        self.put(&tier_key(name), meta, text, now)
    }

    /// The text of record `name`, unless it is missing, expired or corrupt (then it is removed).
    pub fn load_record(&mut self, name: &str, now: Millis) -> Option<String> {
        // A record's lifetime is its own, not a page type's.
        self.load(&tier_key(name), now, |_| Millis::MAX)
            .map(|record| record.body)
    }

    /// Removes record `name` at the next flush.
    pub fn remove_record(&mut self, name: &str) {
        self.remove(&tier_key(name));
    }

    /// Names of the records starting with `prefix`, sorted (no record is read).
    pub fn record_names(&mut self, prefix: &str) -> Vec<String> {
        let mut names: Vec<String> = self
            .keys_where(|key, _| {
                key.strip_prefix(RECORD_MARK)
                    .is_some_and(|name| name.starts_with(prefix))
            })
            .into_iter()
            .map(|mut key| {
                key.remove(0);
                key
            })
            .collect();
        crate::core::sort::sort(&mut names);
        names
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::tier::TierConfig;
    use crate::store::MemoryStorage;

    const HOUR: Millis = 3_600_000;

    fn open(storage: MemoryStorage, scope: &str, now: Millis) -> StorageTier<MemoryStorage> {
        let config = TierConfig {
            scope: scope.into(),
            ..TierConfig::default()
        };
        StorageTier::open(Some(storage), config, now)
    }

    /// The store after a flush, to reopen as a reload would.
    fn reload(mut tier: StorageTier<MemoryStorage>, now: Millis) -> MemoryStorage {
        tier.flush(now);
        tier.storage().cloned().unwrap_or_default()
    }

    #[test]
    fn a_record_survives_a_reload_until_it_expires() {
        let mut tier = open(MemoryStorage::new(), "anon", 1_000);
        assert!(tier.put_record("tq:q:[\"a\"]", "{\"x\":1}", HOUR, 1_000));
        assert_eq!(
            tier.load_record("tq:q:[\"a\"]", 1_001).as_deref(),
            Some("{\"x\":1}")
        );
        let storage = reload(tier, 1_002);
        let mut tier = open(storage.clone(), "anon", 2_000);
        assert_eq!(
            tier.load_record("tq:q:[\"a\"]", 2_000).as_deref(),
            Some("{\"x\":1}")
        );
        let mut tier = open(storage, "anon", 1_000 + HOUR);
        assert_eq!(tier.load_record("tq:q:[\"a\"]", 1_000 + HOUR), None);
        assert!(
            tier.record_names("").is_empty(),
            "an expired record is removed"
        );
    }

    #[test]
    fn names_list_records_only_by_prefix() {
        let mut tier = open(MemoryStorage::new(), "anon", 0);
        assert!(tier.put_record("tq:q:1", "a", HOUR, 0));
        assert!(tier.put_record("tq:q:2", "b", HOUR, 0));
        assert!(tier.put_record("tq:client", "c", HOUR, 0));
        assert!(tier.put_record("other", "d", HOUR, 0));
        // A cached request's entry is not a record.
        let meta = Meta {
            page_type: "reading".into(),
            tags: Vec::new(),
            received_at: 0,
            server_time: 0,
            stale_at: HOUR,
            expires_at: HOUR,
            fingerprint: fingerprint("e"),
            json: false,
            etag: None,
            last_modified: None,
        };
        assert!(tier.put("/tq:q:3", meta, "e", 0));
        assert_eq!(tier.record_names("tq:q:"), ["tq:q:1", "tq:q:2"]);
        assert_eq!(tier.record_names("").len(), 4);
        tier.remove_record("tq:q:1");
        assert_eq!(tier.record_names("tq:q:"), ["tq:q:2"]);
        assert_eq!(tier.load_record("tq:q:1", 1), None);
    }

    #[test]
    fn records_belong_to_their_scope() {
        let mut tier = open(MemoryStorage::new(), "alice", 0);
        assert!(tier.put_record("tq:client", "alice's", HOUR, 0));
        let storage = reload(tier, 1);
        let mut bob = open(storage.clone(), "bob", 2);
        assert_eq!(bob.load_record("tq:client", 2), None);
        assert!(bob.record_names("").is_empty());
        let mut alice = open(storage, "alice", 3);
        assert_eq!(
            alice.load_record("tq:client", 3).as_deref(),
            Some("alice's")
        );
    }

    #[test]
    fn records_that_cannot_be_kept_are_refused() {
        let mut memory_only: StorageTier<MemoryStorage> =
            StorageTier::open(None, TierConfig::default(), 0);
        assert!(!memory_only.put_record("a", "b", HOUR, 0));
        let config = TierConfig {
            entry_budget: 200,
            ..TierConfig::default()
        };
        let mut tier = StorageTier::open(Some(MemoryStorage::new()), config, 0);
        assert!(tier.put_record("big", "small", HOUR, 0));
        assert!(!tier.put_record("big", &"x".repeat(300), HOUR, 0));
        assert_eq!(
            tier.load_record("big", 1),
            None,
            "the older version is gone too"
        );
        assert!(!tier.put_record("tab\tname", "b", HOUR, 0));
    }

    #[test]
    fn a_full_store_evicts_older_records_to_keep_the_newest() {
        // Room for about three records: the fourth write makes the tier evict.
        let mut tier = open(MemoryStorage::with_quota(900), "anon", 0);
        for i in 0..6 {
            tier.put_record(&format!("r{i}"), &"v".repeat(150), HOUR, i);
            tier.flush(i);
        }
        let kept = tier.record_names("r");
        assert!(!kept.is_empty() && kept.len() < 6, "kept {kept:?}");
        assert!(
            kept.contains(&"r5".to_owned()),
            "the newest record is kept: {kept:?}"
        );
    }
}
