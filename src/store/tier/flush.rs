//! Flushing the storage tier: writes in one pass, the byte budget, and quota errors (evict
//! this tier's own least valuable entries, retry a bounded number of times).

use super::{
    codec, page_type_value, FlushReport, JournalLine, Pending, Storage, StorageTier, StoreError,
    Write, MAX_LAG, MAX_QUOTA_RETRIES, MAX_SEGMENTS,
};
use crate::core::Millis;

/// What one store key is set to.
#[derive(Clone)]
pub(super) enum Value<'a> {
    /// A journal segment or the index.
    Text(String),
    /// A record (its body maybe passed through as the store holds text).
    Record(&'a Write),
}

impl Value<'_> {
    fn len(&self) -> usize {
        match self {
            Value::Text(text) => text.len(),
            Value::Record(write) => write.text.len(),
        }
    }
}

impl<S: Storage> StorageTier<S> {
    /// Evicts the least valuable entries (never `keep`) until the records fit the budget.
    pub(super) fn enforce_budget(&mut self, keep: &str, now: Millis) {
        if self.bytes <= self.config.budget {
            return;
        }
        for victim in self.victims(keep, now) {
            if self.bytes <= self.config.budget {
                break;
            }
            self.remove(&victim);
            self.report.evicted.push(victim);
        }
    }

    /// Candidates for eviction, cheapest loss first: expired or invalidated entries, then by
    /// page type (browse and custom types before community, reading, writing), oldest first.
    /// Never more valuable than `keep` itself, so that a large browse entry cannot empty the
    /// store of drafts only to find it still does not fit.
    fn victims(&mut self, keep: &str, now: Millis) -> Vec<String> {
        self.decode_all();
        let ceiling = self
            .index
            .get(keep)
            .map_or(u8::MAX, |e| page_type_value(&e.meta.page_type));
        let mut candidates: Vec<(bool, u8, Millis, &String)> = self
            .index
            .iter()
            .filter(|(k, _)| k.as_str() != keep)
            .map(|(k, e)| {
                let spent = now >= e.meta.expires_at || self.invalidated.contains_key(k.as_str());
                (
                    !spent,
                    page_type_value(&e.meta.page_type),
                    e.meta.received_at,
                    k,
                )
            })
            .filter(|(live, value, ..)| !live || *value <= ceiling)
            .collect();
        crate::core::sort::sort(&mut candidates);
        candidates.into_iter().map(|(.., k)| k.clone()).collect()
    }

    /// Writes every pending change in one pass: changed records, removals, then the journal
    /// (or the whole index, when the journal has grown). Unchanged records are not rewritten.
    pub fn flush(&mut self, now: Millis) -> FlushReport {
        self.flush_lines(now, false)
    }

    /// Flushes and journals every saved index line that is older than its record (for
    /// `pagehide`: the next open then finds every entry's current times in the index).
    pub fn flush_hidden(&mut self, now: Millis) -> FlushReport {
        self.flush_lines(now, true)
    }

    fn flush_lines(&mut self, now: Millis, catch_up: bool) -> FlushReport {
        let mut pending = self.pending.drain();
        crate::core::sort::sort_by(&mut pending, |a, b| a.0 < b.0);
        let mut report = std::mem::take(&mut self.report);
        if self.storage.is_none() {
            return report;
        }
        let mut lines = Vec::new();
        for (key, change) in pending {
            let record_key = self.record_key(&key);
            match change {
                Pending::Remove => {
                    if let Err(e) = self.with_storage(|s| s.remove_item(&record_key)) {
                        self.fail(e);
                    }
                    report.removed += 1;
                    self.lagging.remove(key.as_str());
                    self.drop_override(&key);
                    lines.push(JournalLine::Remove(key));
                }
                Pending::Touch => {
                    if let Some(entry) = self.index.get(&key) {
                        let line = JournalLine::Upsert(key.clone(), entry.clone());
                        self.lagging.remove(key.as_str());
                        self.add_override(&key);
                        lines.push(line);
                    }
                }
                Pending::Write(write) => {
                    if !self.index.contains_key(&key) {
                        continue; // evicted earlier in this flush
                    }
                    let journal = write.journal;
                    let value = Value::Record(&write);
                    match self.write_evicting(
                        &record_key,
                        &key,
                        now,
                        &mut lines,
                        &mut report,
                        |_| value.clone(),
                    ) {
                        Ok(()) => {
                            report.written += 1;
                            self.drop_override(&key);
                            match self.index.get(&key) {
                                Some(entry) if journal => {
                                    self.lagging.remove(key.as_str());
                                    lines.push(JournalLine::Upsert(key, entry.clone()));
                                }
                                Some(_) => {
                                    self.lagging.insert(key.into(), 0);
                                }
                                None => {}
                            }
                        }
                        Err(e) => {
                            self.fail(e);
                            self.remove(&key);
                            self.pending.remove(&key);
                            self.lagging.remove(key.as_str());
                            self.drop_override(&key);
                            let _ = self.with_storage(|s| s.remove_item(&record_key));
                            lines.push(JournalLine::Remove(key.clone()));
                            report.dropped.push(key);
                        }
                    }
                }
            }
            if self.storage.is_none() {
                return report;
            }
        }
        if !self.lagging.is_empty() {
            self.lag_flushes = self.lag_flushes.saturating_add(1);
            // Lagging lines ride along with any segment, and get one of their own when they
            // have lagged for long or the page is hidden: a small write, never the whole index.
            if catch_up || !lines.is_empty() || self.lag_flushes >= MAX_LAG {
                self.journal_lagging(&mut lines);
            }
        }
        // Hidden page after the index could not be saved: try it whole once more.
        let fold = catch_up && self.compact_next;
        if !lines.is_empty() || fold {
            self.write_journal(lines, now, &mut report);
        }
        if self.storage.is_some() {
            self.save_overrides(now, &mut report);
        }
        report
    }

    /// Appends the current index line of every lagging key to `lines`.
    fn journal_lagging(&mut self, lines: &mut Vec<JournalLine>) {
        let mut keys: Vec<std::rc::Rc<str>> = self.lagging.drain().map(|(k, _)| k).collect();
        crate::core::sort::sort(&mut keys);
        self.lag_flushes = 0;
        for key in keys {
            if let Some(entry) = self.index.get(&*key) {
                lines.push(JournalLine::Upsert(String::from(&*key), entry.clone()));
            }
        }
    }

    pub(super) fn with_storage<T>(
        &mut self,
        f: impl FnOnce(&mut S) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        f(self.storage.as_mut().ok_or(StoreError::Unavailable)?)
    }

    /// Sets `store_key` to `make(self)`, evicting entries (never `keep`) and retrying a bounded
    /// number of times when the store is full.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn write_evicting<'a>(
        &mut self,
        store_key: &str,
        keep: &str,
        now: Millis,
        lines: &mut Vec<JournalLine>,
        report: &mut FlushReport,
        make: impl Fn(&Self) -> Value<'a>,
    ) -> Result<(), StoreError> {
        let mut attempt = 0;
        loop {
            let value = make(self);
            let written = self.with_storage(|s| match &value {
                Value::Text(text) => s.set_item(store_key, text),
                Value::Record(write) => s.set_record(
                    store_key,
                    &write.text,
                    write.head_len,
                    write.native.as_ref().map(|n| &*n.0),
                ),
            });
            match written {
                Ok(()) => return Ok(()),
                Err(StoreError::Quota) if attempt < MAX_QUOTA_RETRIES => {
                    // The old value under the key is replaced, so only the growth needs room;
                    // each retry frees twice as much.
                    let previous = self
                        .with_storage(|s| s.get_item(store_key))
                        .ok()
                        .flatten()
                        .map_or(0, |v| v.len());
                    let need = value.len().saturating_sub(previous).max(256) << attempt;
                    if self.evict_now(need, keep, now, lines, report) == 0 {
                        return Err(StoreError::Quota);
                    }
                    attempt += 1;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Removes records from the store right away until `need` bytes are freed.
    fn evict_now(
        &mut self,
        need: usize,
        keep: &str,
        now: Millis,
        lines: &mut Vec<JournalLine>,
        report: &mut FlushReport,
    ) -> usize {
        let mut freed = 0;
        for victim in self.victims(keep, now) {
            if freed >= need {
                break;
            }
            let record_key = self.record_key(&victim);
            if self.with_storage(|s| s.remove_item(&record_key)).is_err() {
                continue;
            }
            freed += self.index.get(&victim).map_or(0, |e| e.size);
            self.remove(&victim);
            self.drop_override(&victim);
            self.pending.remove(&victim);
            lines.push(JournalLine::Remove(victim.clone()));
            report.evicted.push(victim);
        }
        freed
    }

    fn write_journal(&mut self, lines: Vec<JournalLine>, now: Millis, report: &mut FlushReport) {
        // The journal's length (and whether its last segment is still there) is known once read.
        self.load_index();
        // Folded when the journal is long, or after the index could not be saved.
        let due = self.compact_next || self.segments >= MAX_SEGMENTS;
        let index_key = self.index_key();
        let mut more = Vec::new();
        // A missing previous segment means the store was wiped (or another tab folded the
        // journal): a segment after the gap would never be read, so write the index whole.
        let previous = self.segments.checked_sub(1).map(|n| self.segment_key(n));
        let intact = previous.is_none_or(|key| {
            self.storage
                .as_ref()
                .is_some_and(|s| matches!(s.get_item(&key), Ok(Some(_))))
        });
        let result = if !due && intact {
            let mut segment = codec::journal_header();
            for line in &lines {
                codec::push_journal_line(&mut segment, line);
            }
            let segment_key = self.segment_key(self.segments);
            let written = self.write_evicting(&segment_key, "", now, &mut more, report, |_| {
                Value::Text(segment.clone())
            });
            if written.is_ok() {
                self.segments += 1;
            }
            written
        } else {
            self.decode_all();
            let written = self.write_evicting(&index_key, "", now, &mut more, report, |tier| {
                Value::Text(codec::encode_index(
                    tier.index.iter().map(|(k, e)| (k.as_str(), e)),
                ))
            });
            if written.is_ok() {
                self.compact_next = false;
                // The whole index holds every line as it is now.
                self.lagging.clear();
                self.lag_flushes = 0;
                self.remove_segments();
            }
            written
        };
        match result {
            // Evictions while writing the journal: the next flush records them.
            Ok(()) => {
                for line in more {
                    if let JournalLine::Remove(k) = line {
                        self.pending.insert(&k, Pending::Remove);
                    }
                }
            }
            // The index could not be saved: records are checked against it on read, so the
            // worst outcome is a miss. Fold everything into the index at the next flush.
            Err(e) => {
                self.fail(e);
                self.compact_next = true;
            }
        }
    }
}
