//! The memory tier: entries by request key, bounded by count and approximate bytes.
//!
//! Reads stamp a use (its time and order in one `u64`); when an insert takes the tier over a
//! bound, unobserved entries are evicted least recently used first, down to a low-water mark
//! (1/16 under the bound) so that a full tier does not pay an eviction scan on every insert.

use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::rc::Rc;

use rustc_hash::FxHasher;

use super::entry::{stamp_time, use_stamp, Entry};
use super::Millis;

type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// Why an entry left a tier; metrics count removals by cause.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RemovalCause {
    /// Over the entry or byte bound.
    Size,
    /// Unobserved for `gcTime`.
    Idle,
    /// Past its storage lifetime.
    Expired,
    /// Removed by the app (or a wipe).
    Explicit,
    /// Replaced by a newer entry under the same key.
    Replaced,
}

/// Bounds of the memory tier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Most entries kept.
    pub max_entries: usize,
    /// Most approximate bytes (keys and values) kept.
    pub max_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_entries: 10_000,
            max_bytes: 32 << 20,
        }
    }
}

/// A removed entry (its key as the tier held it) and why it went.
pub type Removed<V> = (Rc<str>, Entry<V>, RemovalCause);

/// The memory tier.
#[derive(Debug)]
pub struct MemoryTier<V> {
    /// Entries are boxed: a map slot is then 24 bytes instead of the entry's ~140, and a hash
    /// map keeps up to half its slots empty (SPEC §10 counts bookkeeping bytes per entry).
    /// Keys are shared (`Rc`) with the cache's tag index rather than copied there.
    map: FastMap<Rc<str>, Box<Entry<V>>>,
    bytes: usize,
    /// The latest use stamp handed out.
    stamp: u64,
    limits: Limits,
}

impl<V> MemoryTier<V> {
    /// An empty tier with these bounds.
    pub fn new(limits: Limits) -> Self {
        MemoryTier {
            map: FastMap::default(),
            bytes: 0,
            stamp: 0,
            limits,
        }
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether the tier is empty.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Approximate bytes held.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// The entry for `key`, marked as used at `now`.
    pub fn get(&mut self, key: &str, now: Millis) -> Option<&mut Entry<V>> {
        let entry = &mut **self.map.get_mut(key)?;
        self.stamp = use_stamp(now, self.stamp);
        entry.last_used = self.stamp;
        Some(entry)
    }

    /// The entry for `key`, without changing its recency (for metrics, the overlay, checks).
    pub fn peek(&self, key: &str) -> Option<&Entry<V>> {
        self.map.get(key).map(|e| &**e)
    }

    /// The key as the tier holds it (to share rather than copy) and its entry.
    pub fn peek_shared(&self, key: &str) -> Option<(&Rc<str>, &Entry<V>)> {
        self.map.get_key_value(key).map(|(k, e)| (k, &**e))
    }

    /// The entry for `key` to change in place, without changing its recency. The caller must
    /// not change its size; use [`MemoryTier::insert`] for that.
    pub fn peek_mut(&mut self, key: &str) -> Option<&mut Entry<V>> {
        self.map.get_mut(key).map(|e| &mut **e)
    }

    /// Every entry, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Entry<V>)> {
        self.map.iter().map(|(k, e)| (&**k, &**e))
    }

    /// Every entry to change in place (sizes must not change).
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&str, &mut Entry<V>)> {
        self.map.iter_mut().map(|(k, e)| (&**k, &mut **e))
    }

    /// Stores `entry` (its `size` already set) as used at `now`, and evicts what the bounds
    /// require; `observed` keys are never evicted. Returns what left the tier, the replaced
    /// entry included. An entry larger than the whole byte bound is not kept.
    pub fn insert(
        &mut self,
        key: &str,
        mut entry: Entry<V>,
        now: Millis,
        observed: &dyn Fn(&str) -> bool,
    ) -> Vec<Removed<V>> {
        let mut removed = Vec::new();
        let size = entry.size as usize;
        if size > self.limits.max_bytes {
            if let Some(old) = self.remove(key) {
                removed.push((old.0, old.1, RemovalCause::Replaced));
            }
            removed.push((Rc::from(key), entry, RemovalCause::Size));
            return removed;
        }
        self.stamp = use_stamp(now, self.stamp);
        entry.last_used = self.stamp;
        if let Some(slot) = self.map.get_mut(key) {
            // Replaced in place: the map keeps its key and slot, so setting a key already held
            // costs no rehash and no reallocation.
            let old = std::mem::replace(&mut **slot, entry);
            self.bytes = self.bytes.saturating_sub(old.size as usize) + size;
            removed.push((Rc::from(key), old, RemovalCause::Replaced));
        } else {
            self.bytes += size;
            self.map.insert(Rc::from(key), Box::new(entry));
        }
        if self.map.len() > self.limits.max_entries || self.bytes > self.limits.max_bytes {
            self.evict_to_low_water(observed, &mut removed);
        }
        removed
    }

    /// Removes `key`, if present.
    pub fn remove(&mut self, key: &str) -> Option<(Rc<str>, Entry<V>)> {
        let (k, e) = self.map.remove_entry(key)?;
        self.bytes = self.bytes.saturating_sub(e.size as usize);
        Some((k, *e))
    }

    /// Removes every entry.
    pub fn clear(&mut self) -> Vec<Removed<V>> {
        self.bytes = 0;
        self.map
            .drain()
            .map(|(k, e)| (k, *e, RemovalCause::Explicit))
            .collect()
    }

    /// Removes expired entries, and unobserved ones unused for `gc_time`.
    pub fn collect_garbage(
        &mut self,
        now: Millis,
        gc_time: Millis,
        observed: &dyn Fn(&str) -> bool,
    ) -> Vec<Removed<V>> {
        let doomed: Vec<(Rc<str>, RemovalCause)> = self
            .map
            .iter()
            .filter_map(|(k, e)| {
                if now >= e.expires_at {
                    Some((k.clone(), RemovalCause::Expired))
                } else if now.saturating_sub(stamp_time(e.last_used)) >= gc_time && !observed(k) {
                    Some((k.clone(), RemovalCause::Idle))
                } else {
                    None
                }
            })
            .collect();
        doomed
            .into_iter()
            .filter_map(|(k, cause)| self.remove(&k).map(|(k, e)| (k, e, cause)))
            .collect()
    }

    fn evict_to_low_water(
        &mut self,
        observed: &dyn Fn(&str) -> bool,
        removed: &mut Vec<Removed<V>>,
    ) {
        let entry_goal = low_water(self.limits.max_entries);
        let byte_goal = low_water(self.limits.max_bytes);
        let mut candidates: Vec<(u64, Rc<str>)> = self
            .map
            .iter()
            .filter(|(k, _)| !observed(k))
            .map(|(k, e)| (e.last_used, k.clone()))
            .collect();
        crate::core::sort::sort_by(&mut candidates, |a, b| a.0 < b.0);
        for (_, key) in candidates {
            if self.map.len() <= entry_goal && self.bytes <= byte_goal {
                break;
            }
            if let Some((k, e)) = self.remove(&key) {
                removed.push((k, e, RemovalCause::Size));
            }
        }
    }
}

/// The level eviction goes down to once a bound is passed.
pub fn low_water(bound: usize) -> usize {
    bound - bound / 16
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::entry::{ChangeCause, Provenance};
    use crate::core::page_type::{Lifetimes, PageTypeId};

    fn entry(v: u32, size: u32) -> Entry<u32> {
        let p = Provenance {
            received_at: 0,
            server_time: 0,
            max_age_cap: None,
        };
        let mut e = Entry::new(
            v,
            PageTypeId::BROWSE,
            &Lifetimes::new(10, 1_000),
            &p,
            ChangeCause::Fetched,
        );
        e.size = size;
        e
    }

    fn none(_: &str) -> bool {
        false
    }

    #[test]
    fn evicts_least_recently_used_down_to_low_water() {
        let mut m = MemoryTier::new(Limits {
            max_entries: 16,
            max_bytes: 1 << 20,
        });
        for i in 0..16 {
            m.insert(&format!("k{i}"), entry(i, 1), 0, &none);
        }
        m.get("k0", 1);
        let removed = m.insert("k16", entry(16, 1), 2, &none);
        let gone: Vec<&str> = removed.iter().map(|(k, _, _)| &**k).collect();
        assert_eq!(gone, ["k1", "k2"]);
        assert_eq!(m.len(), 15);
        assert!(m.peek("k0").is_some());
    }

    #[test]
    fn observed_entries_are_never_evicted() {
        let mut m = MemoryTier::new(Limits {
            max_entries: 2,
            max_bytes: 1 << 20,
        });
        let observed = |k: &str| k == "a";
        m.insert("a", entry(1, 1), 0, &observed);
        m.insert("b", entry(2, 1), 0, &observed);
        m.insert("c", entry(3, 1), 0, &observed);
        assert!(m.peek("a").is_some());
        assert!(m.peek("b").is_none());
    }

    #[test]
    fn byte_bound_and_oversized_values() {
        let mut m = MemoryTier::new(Limits {
            max_entries: 100,
            max_bytes: 100,
        });
        m.insert("a", entry(1, 60), 0, &none);
        let removed = m.insert("b", entry(2, 60), 0, &none);
        assert_eq!(removed.len(), 1);
        assert_eq!(m.bytes(), 60);
        let removed = m.insert("huge", entry(3, 101), 0, &none);
        assert_eq!(removed.last().map(|r| r.2), Some(RemovalCause::Size));
        assert!(m.peek("huge").is_none());
    }

    #[test]
    fn replacing_keeps_byte_count_right() {
        let mut m = MemoryTier::new(Limits::default());
        m.insert("a", entry(1, 10), 0, &none);
        let removed = m.insert("a", entry(2, 30), 0, &none);
        assert_eq!(removed[0].2, RemovalCause::Replaced);
        assert_eq!(m.bytes(), 30);
        m.remove("a");
        assert_eq!(m.bytes(), 0);
    }

    #[test]
    fn garbage_collection_spares_observed_and_recent() {
        let mut m = MemoryTier::new(Limits::default());
        m.insert("old", entry(1, 1), 0, &none);
        m.insert("seen", entry(2, 1), 0, &none);
        m.insert("new", entry(3, 1), 90, &none);
        let removed = m.collect_garbage(100, 50, &|k| k == "seen");
        assert_eq!(removed.len(), 1);
        assert_eq!((&*removed[0].0, removed[0].2), ("old", RemovalCause::Idle));
        let removed = m.collect_garbage(1_000, 50, &|k| k == "seen");
        assert!(removed.iter().all(|r| r.2 == RemovalCause::Expired));
        assert!(m.is_empty());
    }
}
