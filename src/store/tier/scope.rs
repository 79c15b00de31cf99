//! Scopes and versions of the storage tier: which records are visible, sweeping other
//! versions' and unindexed records, switching and clearing a scope.

use super::lazy::RawIndex;
use super::{codec, escape, usable, FlushReport, JournalLine, Storage, StorageTier, MAX_SEGMENTS};
use crate::core::Millis;

impl<S: Storage> StorageTier<S> {
    pub(super) fn sweep_other_versions(&mut self) {
        let marker = format!("{}:version", escape(&self.config.namespace));
        let Some(storage) = self.storage.as_mut() else {
            return;
        };
        let version = self.config.version.clone();
        match storage.get_item(&marker) {
            Ok(Some(v)) if v == version => return,
            Ok(_) => {}
            Err(e) => return self.fail(e),
        }
        let namespace = format!("{}:", escape(&self.config.namespace));
        let current = format!("{namespace}{}:", escape(&version));
        let result = storage.keys().and_then(|keys| {
            for key in keys {
                if key.starts_with(&namespace) && !key.starts_with(&current) && key != marker {
                    storage.remove_item(&key)?;
                }
            }
            storage.set_item(&marker, &version)
        });
        if let Err(e) = result {
            self.fail(e);
        }
    }

    /// Reads the current scope's index and journal; drops over-age and future-dated lines
    /// (the index's own lines when they are first used: opening only splits them by key).
    pub(super) fn load_scope(&mut self, now: Millis) {
        self.prefix = format!(
            "{}:{}:{}:",
            escape(&self.config.namespace),
            escape(&self.config.version),
            escape(&self.config.scope)
        );
        self.index.clear();
        self.raw = RawIndex::default();
        self.opened_at = now;
        self.pending.clear();
        self.invalidated.clear();
        self.segments = 0;
        self.lagging.clear();
        self.lag_flushes = 0;
        self.bytes = 0;
        let index_key = self.index_key();
        let segment_prefix = self.segment_key_prefix();
        let Some(storage) = self.storage.as_ref() else {
            return;
        };
        // Segments are numbered from 0; the first missing one ends the journal.
        let read = storage.get_index(&index_key, &segment_prefix, MAX_SEGMENTS.saturating_mul(2));
        let (index_text, segments) = match read {
            Ok(texts) => texts,
            Err(e) => return self.fail(e),
        };
        let raw = index_text.and_then(RawIndex::parse);
        let trusted = raw.is_some();
        self.raw = raw.unwrap_or_default();
        self.segments = u32::try_from(segments.len()).unwrap_or(u32::MAX);
        for lines in segments.iter().filter_map(|s| codec::decode_journal(s)) {
            for line in lines {
                match line {
                    JournalLine::Upsert(k, e) => {
                        self.raw.forget(&k);
                        self.index.insert(k, e);
                    }
                    JournalLine::Remove(k) => {
                        self.raw.forget(&k);
                        self.index.remove(&k);
                    }
                };
            }
        }
        self.bytes = self.raw.bytes() + self.index.values().map(|e| e.size).sum::<usize>();
        let unusable: Vec<String> = self
            .index
            .iter()
            .filter(|(_, e)| !usable(&e.meta, now))
            .map(|(k, _)| k.clone())
            .collect();
        for key in unusable {
            self.remove(&key);
        }
        if !trusted {
            // Without an index, records of this scope cannot be trusted or found again: sweep.
            self.remove_unindexed();
        }
    }

    pub(super) fn index_key(&self) -> String {
        format!("{}index", self.prefix)
    }

    pub(super) fn segment_key(&self, n: u32) -> String {
        format!("{}j:{n}", self.prefix)
    }

    /// Journal segment `n` is stored under this prefix followed by `n`.
    fn segment_key_prefix(&self) -> String {
        format!("{}j:", self.prefix)
    }

    /// Removes every journal segment of the scope that a later open could read: all present
    /// ones numbered below `2 × MAX_SEGMENTS` (the most `load_scope` reads), also past a gap
    /// left by another tab. Probed by number: enumerating localStorage's keys costs O(n²) in
    /// Chromium (`key(i)` walks the map), about 4 ms for 1k keys, at every fold.
    pub(super) fn remove_segments(&mut self) {
        let keys: Vec<String> = (0..MAX_SEGMENTS.saturating_mul(2))
            .map(|n| self.segment_key(n))
            .collect();
        let result = self.with_storage(|storage| {
            for key in &keys {
                if storage.get_item(key)?.is_some() {
                    storage.remove_item(key)?;
                }
            }
            Ok(())
        });
        if let Err(e) = result {
            self.fail(e);
        }
        self.segments = 0;
    }

    pub(super) fn remove_unindexed(&mut self) {
        self.decode_all();
        let records = format!("{}e:", self.prefix);
        let Some(storage) = self.storage.as_mut() else {
            return;
        };
        let index = &self.index;
        let result = storage.keys().and_then(|keys| {
            for key in keys {
                if key
                    .strip_prefix(&records)
                    .is_some_and(|k| !index.contains_key(k))
                {
                    storage.remove_item(&key)?;
                }
            }
            Ok(())
        });
        if let Err(e) = result {
            self.fail(e);
        }
    }

    /// Switches to another scope: flushes this one, then reads the other's index.
    pub fn set_scope(&mut self, scope: &str, now: Millis) -> FlushReport {
        let report = self.flush(now);
        self.config.scope = scope.to_owned();
        self.load_scope(now);
        report
    }

    /// Removes every record of the current scope, its index and journal (only this scope,
    /// only this namespace).
    pub fn clear(&mut self) {
        self.decode_all();
        let keys: Vec<String> = self.index.keys().cloned().collect();
        for key in keys {
            let record_key = self.record_key(&key);
            let _ = self.with_storage(|s| s.remove_item(&record_key));
        }
        self.index.clear();
        self.pending.clear();
        self.invalidated.clear();
        self.lagging.clear();
        self.lag_flushes = 0;
        self.bytes = 0;
        self.remove_unindexed();
        self.remove_segments();
        let index_key = self.index_key();
        if let Err(e) = self.with_storage(|s| s.remove_item(&index_key)) {
            self.fail(e);
        }
    }
}
