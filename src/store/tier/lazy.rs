//! The saved index, read only when something needs every entry (opening reads the journal and
//! overrides alone), then split into lines by key, each line decoded only when its entry is
//! first used: one pass over the text instead of decoding every line's meta.

use super::{JournalLine, Storage, StorageTier, MAX_SEGMENTS};
use crate::core::StrSet;
use crate::store::codec::{self, IndexEntry};

/// Index lines not decoded yet: the text they live in and, by key, where each line is.
#[derive(Debug, Default)]
pub(super) struct RawIndex {
    text: String,
    /// The place in `spans` of each key's line (a `StrSet`: the same map type as the tier's
    /// key sets, so no map instantiation of its own).
    lines: StrSet,
    /// Byte range of a line in `text`, and the record size the line declares.
    spans: Vec<(usize, usize, usize)>,
}

impl RawIndex {
    /// Splits an index text; `None` when its header is wrong (the index is then untrusted).
    pub(super) fn parse(text: String) -> Option<RawIndex> {
        let mut lines = StrSet::default();
        let mut spans = Vec::new();
        let base = text.as_ptr() as usize;
        for (key, size, line) in codec::index_lines(&text)? {
            let start = (line.as_ptr() as usize).saturating_sub(base);
            let Ok(at) = u32::try_from(spans.len()) else {
                break;
            };
            spans.push((start, start + line.len(), size));
            // A repeated key: the later line wins, as when the lines were decoded in order.
            lines.insert(key.into(), at);
        }
        Some(RawIndex { text, lines, spans })
    }

    /// Whether no line is left undecoded.
    pub(super) fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// The span of the line at `at` in `spans`.
    fn span(&self, at: u32) -> Option<(usize, usize, usize)> {
        self.spans.get(usize::try_from(at).ok()?).copied()
    }

    /// Bytes the undecoded lines declare.
    pub(super) fn bytes(&self) -> usize {
        self.lines
            .values()
            .filter_map(|&at| self.span(at))
            .map(|(.., size)| size)
            .sum()
    }

    /// Takes the line of `key` out: its decoded entry (`None` for a line that does not decode)
    /// and the size it declared. `None` when no line of `key` is undecoded.
    pub(super) fn take(&mut self, key: &str) -> Option<(Option<IndexEntry>, usize)> {
        if self.lines.is_empty() {
            return None;
        }
        let at = self.lines.remove(key)?;
        let (start, end, size) = self.span(at)?;
        let entry = self
            .text
            .get(start..end)
            .and_then(codec::decode_index_line)
            .filter(|(k, _)| k == key)
            .map(|(_, entry)| entry);
        if self.lines.is_empty() {
            *self = RawIndex::default();
        }
        Some((entry, size))
    }

    /// Forgets the line of `key` (a journal line replaced it); the size it declared.
    pub(super) fn forget(&mut self, key: &str) -> Option<usize> {
        let at = self.lines.remove(key)?;
        self.span(at).map(|(.., size)| size)
    }

    /// Every undecoded line, decoded: `(key, entry or None, declared size)`; leaves this empty.
    pub(super) fn drain(&mut self) -> Vec<(String, Option<IndexEntry>, usize)> {
        let RawIndex { text, lines, spans } = std::mem::take(self);
        lines
            .into_iter()
            .filter_map(|(key, at)| {
                let (start, end, size) = *spans.get(usize::try_from(at).ok()?)?;
                let entry = text
                    .get(start..end)
                    .and_then(codec::decode_index_line)
                    .map(|(_, entry)| entry);
                Some((String::from(&*key), entry, size))
            })
            .collect()
    }
}

impl<S: Storage> StorageTier<S> {
    /// Reads the saved index and journal, once per scope, when something first needs every
    /// entry (or the journal's length, to write a segment). Index lines stay undecoded until
    /// used; journal lines are decoded (a journal is short). Lines of keys known since opening
    /// (overrides, records read, writes) or removed since are stale and dropped. An index that
    /// is missing or of another format cannot vouch for the scope's records: those it does
    /// not hold are swept.
    pub(super) fn load_index(&mut self) {
        if self.loaded {
            return;
        }
        self.loaded = true;
        let removed = std::mem::take(&mut self.removed);
        let index_key = self.index_key();
        let segment_prefix = self.segment_key_prefix();
        let Some(storage) = self.storage.as_ref() else {
            return;
        };
        // Segments are numbered from 0; the first missing one ends the journal.
        let read = storage.get_index(&index_key, &segment_prefix, MAX_SEGMENTS.saturating_mul(2));
        let (text, segments) = match read {
            Ok(texts) => texts,
            Err(e) => return self.fail(e),
        };
        let raw = text.and_then(RawIndex::parse);
        let trusted = raw.is_some();
        let mut raw = raw.unwrap_or_default();
        self.segments = u32::try_from(segments.len()).unwrap_or(u32::MAX);
        for key in self.index.keys() {
            raw.forget(key);
        }
        for key in removed.keys() {
            raw.forget(key);
        }
        // The journal's last word on each key, over the index: read from the end, the first
        // line of a key wins. Keys known since opening or removed since are left as they are.
        let mut seen = removed;
        for lines in segments
            .iter()
            .rev()
            .filter_map(|s| codec::decode_journal(s))
        {
            for line in lines.into_iter().rev() {
                let (key, entry) = match line {
                    JournalLine::Upsert(k, e) => (k, Some(e)),
                    JournalLine::Remove(k) => (k, None),
                };
                if seen.contains_key(key.as_str()) || self.index.contains_key(&key) {
                    continue;
                }
                seen.insert(key.as_str().into(), 0);
                raw.forget(&key);
                if let Some(entry) = entry {
                    self.admit(key, Some(entry), 0);
                }
            }
        }
        self.bytes += raw.bytes();
        self.raw = raw;
        if !trusted {
            self.remove_unindexed();
        }
    }
}
