//! Reading the storage tier: an index line is checked before its record is read, and a record
//! is accepted only if it belongs to that line.

use super::{codec, usable, Meta, Pending, Record, Storage, StorageTier, FUTURE_TOLERANCE};
use crate::core::Millis;

impl<S: Storage> StorageTier<S> {
    /// The index line of `key` if it may be served: usable at `now` and with a lifetime its page
    /// type allows (`max_age` by page type name). Otherwise the entry is deleted.
    pub fn check(
        &mut self,
        key: &str,
        now: Millis,
        max_age: impl Fn(&str) -> Millis,
    ) -> Option<Meta> {
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
            Some(Pending::Write(text)) => Some(text),
            _ => None,
        }
    }

    /// The store, for reading a record without copying its body (see [`Self::accept_head`]).
    pub fn storage(&self) -> Option<&S> {
        self.storage.as_ref()
    }

    /// The store key of the record of `key`.
    pub fn record_key(&self, key: &str) -> String {
        format!("{}e:{}", self.prefix, key)
    }

    /// Whether a record head read from the store (`None`: the record is gone) belongs to the
    /// index line `meta` of `key`; a record that does not (corrupt, foreign, moved, future-dated)
    /// is deleted and the read is a miss.
    pub fn accept_head(
        &mut self,
        key: &str,
        meta: &Meta,
        head: Option<(&str, Meta)>,
        now: Millis,
    ) -> bool {
        let intact = head.is_some_and(|(record_key, record_meta)| {
            record_key == key
                && record_meta.fingerprint == meta.fingerprint
                && record_meta.page_type == meta.page_type
                && record_meta.received_at <= now.saturating_add(FUTURE_TOLERANCE)
        });
        if !intact {
            self.remove(key);
        }
        intact
    }

    /// Reads the record of `key`, if the index has a usable one whose record is intact. Anything
    /// corrupt, foreign, future-dated or over-age (`max_age` by page type name) is deleted.
    pub fn load(
        &mut self,
        key: &str,
        now: Millis,
        max_age: impl Fn(&str) -> Millis,
    ) -> Option<Record> {
        let meta = self.check(key, now, max_age)?;
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
        if !self.accept_head(key, &meta, head, now) {
            return None;
        }
        Some(Record {
            key: key.to_owned(),
            meta,
            body: body.unwrap_or_default(),
        })
    }
}
