//! Scopes and versions of the storage tier: which records are visible, sweeping other
//! versions' and unindexed records, switching and clearing a scope.

use super::lazy::RawIndex;
use super::{codec, escape, usable, FlushReport, Storage, StorageTier, MAX_SEGMENTS};
use crate::core::text::{concat, push_decimal};
use crate::core::Millis;

impl<S: Storage> StorageTier<S> {
    pub(super) fn sweep_other_versions(&mut self) {
        let namespace = concat(&[&escape(&self.config.namespace), ":"]);
        let marker = concat(&[&namespace, "version"]);
        let Some(storage) = self.storage.as_mut() else {
            return;
        };
        let version = self.config.version.clone();
        match storage.get_item(&marker) {
            Ok(Some(v)) if v == version => return,
            Ok(_) => {}
            Err(e) => return self.fail(e),
        }
        let current = concat(&[&namespace, &escape(&version), ":"]);
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

    /// Reads the current scope's overrides, and nothing else: every other line a record's
    /// head could be checked against is either the head itself (a write rewrites its record)
    /// or a removal (the record was removed first). The index and journal are read when
    /// something needs every entry (see `lazy`). Over-age and future-dated lines are dropped.
    pub(super) fn load_scope(&mut self, now: Millis) {
        self.prefix = concat(&[
            &escape(&self.config.namespace),
            ":",
            &escape(&self.config.version),
            ":",
            &escape(&self.config.scope),
            ":",
        ]);
        self.index.clear();
        self.raw = RawIndex::default();
        self.loaded = self.storage.is_none();
        self.removed.clear();
        self.overrides.clear();
        self.overrides_changed = false;
        self.opened_at = now;
        self.pending.clear();
        self.invalidated.clear();
        self.segments = 0;
        self.lagging.clear();
        self.lag_flushes = 0;
        self.bytes = 0;
        let overrides_key = self.overrides_key();
        let Some(storage) = self.storage.as_ref() else {
            return;
        };
        let text = match storage.get_item(&overrides_key) {
            Ok(text) => text,
            Err(e) => return self.fail(e),
        };
        let lines = text.as_deref().and_then(codec::decode_overrides);
        for (key, entry) in lines.unwrap_or_default() {
            self.overrides.insert(key.as_str().into(), 0);
            self.bytes += entry.size;
            self.index.insert(key, entry);
        }
        let unusable: Vec<String> = self
            .index
            .iter()
            .filter(|(_, e)| !usable(&e.meta, now))
            .map(|(k, _)| k.clone())
            .collect();
        for key in unusable {
            self.remove(&key);
        }
    }

    pub(super) fn index_key(&self) -> String {
        concat(&[&self.prefix, "index"])
    }

    pub(super) fn segment_key(&self, n: u32) -> String {
        let mut key = self.segment_key_prefix();
        push_decimal(&mut key, n.into(), 0);
        key
    }

    pub(super) fn overrides_key(&self) -> String {
        concat(&[&self.prefix, "o"])
    }

    /// Journal segment `n` is stored under this prefix followed by `n`.
    pub(super) fn segment_key_prefix(&self) -> String {
        concat(&[&self.prefix, "j:"])
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
        let records = concat(&[&self.prefix, "e:"]);
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
        self.overrides.clear();
        self.overrides_changed = false;
        self.bytes = 0;
        self.remove_unindexed();
        self.remove_segments();
        let index_key = self.index_key();
        let overrides_key = self.overrides_key();
        let result = self
            .with_storage(|s| s.remove_item(&index_key))
            .and_then(|()| self.with_storage(|s| s.remove_item(&overrides_key)));
        if let Err(e) = result {
            self.fail(e);
        }
    }
}
