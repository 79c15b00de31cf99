//! Reading the storage tier: a known index line (journal, overrides, or the saved index once
//! read) is checked before its record is read, and a record is accepted only if it belongs to
//! that line; with no line known, the record's own head is checked instead.

use super::{
    codec, usable, IndexEntry, Meta, Pending, Record, Storage, StorageTier, FUTURE_TOLERANCE,
};
use crate::core::Millis;

/// What a first read of a key goes by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    /// An index line newer than (or as new as) the record's head: check the record against it.
    Line(Meta),
    /// No line known and the saved index unread: the record's head is checked on its own.
    Head,
    /// Nothing to read.
    Miss,
}

impl<S: Storage> StorageTier<S> {
    /// What a read of `key` goes by, without reading the saved index: a usable line (`max_age`
    /// by page type name; an unusable one is deleted), the record's head, or nothing.
    pub fn lookup(&mut self, key: &str, now: Millis, max_age: impl Fn(&str) -> Millis) -> Lookup {
        self.decode_line(key);
        if self.index.contains_key(key) {
            return self
                .check(key, now, max_age)
                .map_or(Lookup::Miss, Lookup::Line);
        }
        if self.loaded || self.removed.contains_key(key) || self.storage.is_none() {
            Lookup::Miss
        } else {
            Lookup::Head
        }
    }

    /// Whether a read of `key` would go by its record's head alone ([`Lookup::Head`]) with no
    /// write of it waiting for a flush: the record in the store is then all there is to check.
    pub fn reads_own_head(&mut self, key: &str) -> bool {
        self.decode_line(key);
        self.storage.is_some()
            && !self.loaded
            && !self.index.contains_key(key)
            && !self.removed.contains_key(key)
            && !self.pending.contains_key(key)
    }

    /// Whether `key` may have a persisted entry (without reading the saved index).
    pub fn may_hold(&mut self, key: &str) -> bool {
        self.decode_line(key);
        self.index.contains_key(key)
            || !(self.loaded || self.removed.contains_key(key) || self.storage.is_none())
    }

    /// The meta to serve a record with when no index line is known ([`Lookup::Head`]): its
    /// head if it is the record of `key`, usable at `now`, not from the future and with a
    /// lifetime its page type allows. `record` is `None` when there is no record, `Some(None)`
    /// when its head does not decode. The head becomes the entry's line (`size`: bytes of the
    /// record). A record that fails any check is deleted.
    pub fn accept_own_head(
        &mut self,
        key: &str,
        record: Option<Option<(&str, Meta)>>,
        size: usize,
        now: Millis,
        max_age: impl Fn(&str) -> Millis,
    ) -> Option<Meta> {
        let Some((record_key, meta)) = record? else {
            self.remove(key);
            return None;
        };
        let lifetime_ok =
            meta.expires_at.saturating_sub(meta.received_at) <= max_age(&meta.page_type);
        if record_key != key || !usable(&meta, now) || !lifetime_ok {
            self.remove(key);
            return None;
        }
        self.bytes += size;
        self.index.insert(
            key.to_owned(),
            IndexEntry {
                meta: meta.clone(),
                size,
            },
        );
        Some(meta)
    }

    /// The index line of `key` if it may be served: usable at `now` and with a lifetime its page
    /// type allows (`max_age` by page type name). Otherwise the entry is deleted.
    pub fn check(
        &mut self,
        key: &str,
        now: Millis,
        max_age: impl Fn(&str) -> Millis,
    ) -> Option<Meta> {
        self.decode_line(key);
        let meta = &self.index.get(key)?.meta;
        let lifetime_ok =
            meta.expires_at.saturating_sub(meta.received_at) <= max_age(&meta.page_type);
        if usable(meta, now) && lifetime_ok {
            return Some(meta.clone());
        }
        self.remove(key);
        None
    }

    /// The encoded record of `key` waiting for a flush, if any (it is not in the store yet).
    pub fn pending_record(&self, key: &str) -> Option<&str> {
        match self.pending.get(key) {
            Some(Pending::Write(write)) => Some(&write.text),
            _ => None,
        }
    }

    /// The store, for reading a record without copying its body (see [`Self::accept_head`]).
    pub fn storage(&self) -> Option<&S> {
        self.storage.as_ref()
    }

    /// The length of [`Self::record_key`] of `key`, without making it.
    pub fn record_key_len(&self, key: &str) -> usize {
        self.prefix.len() + 2 + key.len()
    }

    /// What the store key of every record starts with: [`Self::record_key`] is this and the key.
    pub fn record_prefix(&self) -> (&str, &str) {
        (&self.prefix, "e:")
    }

    /// The store key of the record of `key`.
    pub fn record_key(&self, key: &str) -> String {
        crate::core::text::concat(&[&self.prefix, "e:", key])
    }

    /// The meta to serve a record with, if its head (`None`: the record is gone) belongs to
    /// the index line `meta` of `key`: a body at least as recent, of the same page type and tags
    /// (a rewrite writes the record alone, so the saved line may lag; the line in memory then
    /// takes the record's meta), or the same body (the line is newer after a 304). A record that does neither (corrupt,
    /// foreign, moved, older, future-dated) is deleted and the read is a miss.
    pub fn accept_head(
        &mut self,
        key: &str,
        meta: &Meta,
        head: Option<(&str, Meta)>,
        now: Millis,
    ) -> Option<Meta> {
        let accepted = head.and_then(|(record_key, record)| {
            let belongs = record_key == key
                && record.page_type == meta.page_type
                && record.received_at <= now.saturating_add(FUTURE_TOLERANCE);
            if !belongs {
                None
            } else if record.received_at >= meta.received_at && record.tags == meta.tags {
                Some(record)
            } else {
                (record.fingerprint == meta.fingerprint).then(|| meta.clone())
            }
        });
        match &accepted {
            None => self.remove(key),
            Some(newer) if newer != meta => {
                if let Some(entry) = self.index.get_mut(key) {
                    entry.meta = newer.clone();
                }
            }
            Some(_) => {}
        }
        accepted
    }

    /// Reads the record of `key`, if the index has a usable one whose record is intact. Anything
    /// corrupt, foreign, future-dated or over-age (`max_age` by page type name) is deleted.
    pub fn load(
        &mut self,
        key: &str,
        now: Millis,
        max_age: impl Fn(&str) -> Millis,
    ) -> Option<Record> {
        let line = match self.lookup(key, now, &max_age) {
            Lookup::Line(meta) => Some(meta),
            Lookup::Head => None,
            Lookup::Miss => return None,
        };
        let text = match self.pending_record(key) {
            Some(text) => Some(text.to_owned()),
            None => match self.storage.as_ref()?.get_item(&self.record_key(key)) {
                Ok(text) => text,
                Err(e) => {
                    self.fail(e);
                    return None;
                }
            },
        };
        let decoded = text.as_deref().and_then(codec::decode_record_head);
        let head = decoded.as_ref().map(|(k, m, _)| (*k, m.clone()));
        let body = decoded.as_ref().map(|(.., b)| b.to_string());
        let meta = match line {
            Some(line) => self.accept_head(key, &line, head, now)?,
            None => {
                let size = self.record_key(key).len() + text.as_ref().map_or(0, String::len);
                let record = text.is_some().then_some(head);
                self.accept_own_head(key, record, size, now, max_age)?
            }
        };
        Some(Record {
            key: key.to_owned(),
            meta,
            body: body.unwrap_or_default(),
        })
    }
}
