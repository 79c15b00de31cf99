//! The index as opening reads it: split into lines by key, each line decoded only when its
//! entry is first used (a read, a write, or an operation over the whole index). Opening a cache
//! of 1k entries then costs one pass over the text instead of decoding every line's meta.

use super::FastMap;
use crate::store::codec::{self, IndexEntry};

/// Index lines not decoded yet: the text they live in and, by key, where each line is.
#[derive(Debug, Default)]
pub(super) struct RawIndex {
    text: String,
    /// Byte range of the line in `text`, and the record size the line declares.
    lines: FastMap<Box<str>, (usize, usize, usize)>,
}

impl RawIndex {
    /// Splits an index text; `None` when its header is wrong (the index is then untrusted).
    pub(super) fn parse(text: String) -> Option<RawIndex> {
        let mut lines = FastMap::default();
        let base = text.as_ptr() as usize;
        for (key, size, line) in codec::index_lines(&text)? {
            let start = (line.as_ptr() as usize).saturating_sub(base);
            // A repeated key: the later line wins, as when the lines were decoded in order.
            lines.insert(key.into(), (start, start + line.len(), size));
        }
        Some(RawIndex { text, lines })
    }

    /// Whether no line is left undecoded.
    pub(super) fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// Bytes the undecoded lines declare.
    pub(super) fn bytes(&self) -> usize {
        self.lines.values().map(|&(.., size)| size).sum()
    }

    /// Takes the line of `key` out: its decoded entry (`None` for a line that does not decode)
    /// and the size it declared. `None` when no line of `key` is undecoded.
    pub(super) fn take(&mut self, key: &str) -> Option<(Option<IndexEntry>, usize)> {
        if self.lines.is_empty() {
            return None;
        }
        let (start, end, size) = self.lines.remove(key)?;
        let entry = self
            .text
            .get(start..end)
            .and_then(codec::decode_index_line)
            .filter(|(k, _)| k == key)
            .map(|(_, entry)| entry);
        if self.lines.is_empty() {
            self.text = String::new();
        }
        Some((entry, size))
    }

    /// Forgets the line of `key` (a journal line replaced it); the size it declared.
    pub(super) fn forget(&mut self, key: &str) -> Option<usize> {
        self.lines.remove(key).map(|(.., size)| size)
    }

    /// Every undecoded line, decoded: `(key, entry or None, declared size)`; leaves this empty.
    pub(super) fn drain(&mut self) -> Vec<(String, Option<IndexEntry>, usize)> {
        let text = std::mem::take(&mut self.text);
        self.lines
            .drain()
            .map(|(key, (start, end, size))| {
                let entry = text
                    .get(start..end)
                    .and_then(codec::decode_index_line)
                    .map(|(_, entry)| entry);
                (key.into_string(), entry, size)
            })
            .collect()
    }
}
