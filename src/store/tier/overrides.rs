//! The overrides: index lines newer than their record's head, kept under `…:o` so that opening
//! need not read the index to serve a record with the times a 304 confirmed. A line joins when
//! only its times were rewritten (a touch) and leaves when its record is rewritten or removed.
//! Past [`MAX_OVERRIDES`] lines, a flush rewrites those records' heads (their bodies as they
//! are) and empties the list: the cost of a large list is paid once, not at every open.

use super::flush::Value;
use super::{
    codec, FlushReport, JournalLine, Pending, Record, Storage, StorageTier, MAX_OVERRIDES,
};
use crate::core::Millis;

impl<S: Storage> StorageTier<S> {
    /// The saved line of `key` is now newer than its record's head.
    pub(super) fn add_override(&mut self, key: &str) {
        if self.overrides.insert(key.into(), 0).is_none() {
            self.overrides_changed = true;
        }
    }

    /// The record of `key` was rewritten or removed: its head is current again.
    pub(super) fn drop_override(&mut self, key: &str) {
        if self.overrides.remove(key).is_some() {
            self.overrides_changed = true;
        }
    }

    /// Saves the overrides if they changed (after the journal, so that a reload after a failed
    /// save at worst serves a record's own, older, times).
    pub(super) fn save_overrides(&mut self, now: Millis, report: &mut FlushReport) {
        if self.overrides.len() > MAX_OVERRIDES {
            self.rewrite_heads();
        }
        if !self.overrides_changed || self.storage.is_none() {
            return;
        }
        let key = self.overrides_key();
        let result = if self.overrides.is_empty() {
            self.with_storage(|s| s.remove_item(&key))
        } else {
            let mut keys: Vec<&std::rc::Rc<str>> = self.overrides.keys().collect();
            crate::core::sort::sort(&mut keys);
            let lines = keys
                .into_iter()
                .filter_map(|k| self.index.get(&**k).map(|e| (&**k, e)));
            let text = codec::encode_overrides(lines);
            let mut more = Vec::new();
            let written = self.write_evicting(&key, "", now, &mut more, report, |_| {
                Value::Text(text.clone())
            });
            // Evictions made room: the next flush records them.
            for line in more {
                if let JournalLine::Remove(k) = line {
                    self.pending.insert(&k, Pending::Remove);
                }
            }
            written
        };
        match result {
            Ok(()) => self.overrides_changed = false,
            Err(e) => self.fail(e),
        }
    }

    /// Rewrites the record of every overridden key with its current line as head, body
    /// unchanged; a record that no longer belongs to its line is removed instead.
    fn rewrite_heads(&mut self) {
        let mut keys: Vec<std::rc::Rc<str>> = self.overrides.keys().cloned().collect();
        crate::core::sort::sort(&mut keys);
        for key in keys {
            let key = String::from(&*key);
            let record_key = self.record_key(&key);
            let Some(line) = self.index.get(&key).map(|e| e.meta.clone()) else {
                self.drop_override(&key);
                continue;
            };
            let read = self.storage.as_ref().map(|s| s.get_item(&record_key));
            let text = match read.unwrap_or(Ok(None)) {
                Ok(text) => text,
                Err(e) => {
                    self.fail(e);
                    return;
                }
            };
            let rewritten = text
                .as_deref()
                .and_then(codec::decode_record_head)
                .and_then(|(k, head, body)| {
                    let same = k == key
                        && head.fingerprint == line.fingerprint
                        && head.page_type == line.page_type
                        && head.tags == line.tags;
                    let record = Record {
                        key: key.clone(),
                        meta: line.clone(),
                        body: body.to_owned(),
                    };
                    same.then(|| codec::encode_record(&record)).flatten()
                });
            let Some(rewritten) = rewritten else {
                // Gone or no longer this line's: a read would refuse it anyway.
                self.remove(&key);
                self.drop_override(&key);
                continue;
            };
            match self.with_storage(|s| s.set_item(&record_key, &rewritten)) {
                Ok(()) => {
                    let size = record_key.len() + rewritten.len();
                    if let Some(entry) = self.index.get_mut(&key) {
                        self.bytes = self.bytes + size - entry.size.min(self.bytes);
                        entry.size = size;
                    }
                    self.drop_override(&key);
                }
                // Full or failing: the override stays, and is retried at the next flush.
                Err(e) => self.fail(e),
            }
        }
    }
}
