//! The storage tier's logic over any [`Storage`]: namespaced keys, the index, a dirty set
//! flushed in one pass, the byte budget, quota handling and scopes.
//!
//! Opening reads the journal and the overrides only: a record's own head (key, times, page
//! type, tags, validators) is what its first read trusts, unless a journal or overrides line
//! is newer. The whole index is read (see `lazy`) only when something needs the whole
//! namespace: the budget on a write, invalidations, listing, clearing, folding.
//!
//! Keys: `<namespace>:<version>:<scope>:e:<request key>` per entry, `…:index` and `…:j:<n>`
//! for the index (journal segments, one small key per flush, so that a flush does not rewrite
//! the whole index), `…:o` for the overrides (index lines newer than their record's head), and
//! `<namespace>:version` to notice a version change. Nothing outside `<namespace>:` is ever
//! read or removed, and the store is never cleared.

use std::any::Any;
use std::rc::Rc;

use super::codec::{self, IndexEntry, JournalLine, Meta, Record};
use super::{Storage, StoreError};
use crate::core::{FastMap, Millis, StrSet};

mod flush;
mod lazy;
mod overrides;
mod read;
mod scope;

pub use read::Lookup;

/// Quota errors are retried this many times, each after evicting more.
pub const MAX_QUOTA_RETRIES: u32 = 4;
/// Past this many journal segments (one per flush) the journal is folded into the index.
pub const MAX_SEGMENTS: u32 = 128;
/// Saved index lines left older than their records (by rewrites that write the record alone)
/// are brought up to date in one journal segment at most this many flushes after the first.
pub const MAX_LAG: u32 = 128;
/// A record received more than this far in the client's future is corrupt (or the clock jumped).
pub const FUTURE_TOLERANCE: Millis = 60_000;
/// Past this many overrides the flush rewrites those records' heads, so that opening stays
/// small however many entries were confirmed by a 304.
pub const MAX_OVERRIDES: usize = 64;

/// Settings of the storage tier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TierConfig {
    /// First part of every key. Default `freshet`.
    pub namespace: String,
    /// Data format version of the app; a change discards older records. Default `1`.
    pub version: String,
    /// The user: records of other scopes are never visible. Default `anon`.
    pub scope: String,
    /// Most bytes of records kept in the namespace. Default 2 MiB.
    pub budget: usize,
    /// Most bytes of one record; larger values stay memory-only. Default 256 KiB.
    pub entry_budget: usize,
}

/// The scope used when the app names none; `private` responses are never persisted under it.
pub const ANONYMOUS_SCOPE: &str = "anon";

impl Default for TierConfig {
    fn default() -> Self {
        TierConfig {
            namespace: "freshet".into(),
            version: "1".into(),
            scope: ANONYMOUS_SCOPE.into(),
            budget: 2 << 20,
            entry_budget: 256 << 10,
        }
    }
}

/// Escapes `:` (the key separator) so that no scope or version can forge another's prefix.
fn escape(part: &str) -> String {
    part.replace('%', "%25").replace(':', "%3A")
}

/// The caller's own copy of a body, as the store holds text (a JS string for localStorage):
/// handed to [`Storage::set_record`] so that the body is written without converting it again.
#[derive(Clone)]
pub struct NativeBody(pub Rc<dyn Any>);

impl std::fmt::Debug for NativeBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NativeBody")
    }
}

/// A record waiting to be written.
#[derive(Debug, Clone)]
struct Write {
    /// The encoded record.
    text: String,
    /// Where its body starts in `text`.
    head_len: usize,
    /// The body as the store holds text, when the caller has it.
    native: Option<NativeBody>,
    /// Whether its index line is written too (a new key, or its page type or tags changed).
    /// A rewrite that keeps them needs no index line: the record carries its own meta and is
    /// trusted over an older index line (see `accept_head`).
    journal: bool,
}

/// A change waiting for the next flush.
#[derive(Debug, Clone)]
enum Pending {
    /// Write this record (and maybe its index line).
    Write(Write),
    /// Only the index line changed (times after a revalidation): the record is not rewritten.
    Touch,
    /// Remove the record and its index line.
    Remove,
}

/// Changes waiting for the next flush, by key: a [`StrSet`] of places in a list rather than a
/// map type of its own (SPEC §10). A dropped change leaves its place as an empty `Touch`
/// until the next flush empties the list.
#[derive(Debug, Default)]
struct Changes {
    places: StrSet,
    list: Vec<Pending>,
}

impl Changes {
    fn slot(&mut self, key: &str) -> Option<&mut Pending> {
        let at = usize::try_from(*self.places.get(key)?).ok()?;
        self.list.get_mut(at)
    }

    fn get(&self, key: &str) -> Option<&Pending> {
        let at = usize::try_from(*self.places.get(key)?).ok()?;
        self.list.get(at)
    }

    fn contains_key(&self, key: &str) -> bool {
        self.places.contains_key(key)
    }

    fn is_empty(&self) -> bool {
        self.places.is_empty()
    }

    /// Sets the change of `key`, replacing any.
    fn insert(&mut self, key: &str, change: Pending) {
        if let Some(slot) = self.slot(key) {
            *slot = change;
        } else if let Ok(at) = u32::try_from(self.list.len()) {
            self.list.push(change);
            self.places.insert(key.into(), at);
        }
    }

    /// Drops the change of `key` (a waiting record's text goes now).
    fn remove(&mut self, key: &str) {
        if let Some(slot) = self.slot(key) {
            *slot = Pending::Touch;
        }
        self.places.remove(key);
    }

    fn clear(&mut self) {
        *self = Changes::default();
    }

    /// Every change, by key, in no particular order; leaves this empty.
    fn drain(&mut self) -> Vec<(String, Pending)> {
        let Changes { places, mut list } = std::mem::take(self);
        places
            .into_iter()
            .filter_map(|(key, at)| {
                let slot = list.get_mut(usize::try_from(at).ok()?)?;
                Some((String::from(&*key), std::mem::replace(slot, Pending::Touch)))
            })
            .collect()
    }
}

/// What a flush did, for metrics and tests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FlushReport {
    /// Records written.
    pub written: usize,
    /// Records removed (explicitly, or because they became invalid).
    pub removed: usize,
    /// Keys evicted to make room.
    pub evicted: Vec<String>,
    /// Keys that could not be persisted even after evicting (they stay memory-only).
    pub dropped: Vec<String>,
}

/// The storage tier of one runtime.
#[derive(Debug)]
pub struct StorageTier<S> {
    storage: Option<S>,
    config: TierConfig,
    prefix: String,
    /// Decoded index lines; `raw` holds the lines of the saved index not used since it was read
    /// (see `lazy`). A key is in at most one of the two.
    index: FastMap<String, IndexEntry>,
    raw: lazy::RawIndex,
    /// Whether the saved index was read (it is read on the first operation over every entry);
    /// until then a key in neither map may still have a record, whose head is trusted.
    loaded: bool,
    /// Keys removed while the saved index was unread: their saved lines are stale.
    removed: StrSet,
    /// Keys whose saved line (in `…:o`) is newer than their record's head.
    overrides: StrSet,
    /// Set when `overrides` changed since it was last saved.
    overrides_changed: bool,
    /// When the scope was opened: a line over-age or future-dated then is removed when decoded.
    opened_at: Millis,
    pending: Changes,
    invalidated: StrSet,
    /// Journal segments written since the index was last written whole.
    segments: u32,
    /// Set when the index could not be saved: the next flush writes it whole.
    compact_next: bool,
    /// Keys whose saved index line is older than their record (rewrites write the record
    /// alone), and flushes since the first of them lagged: their lines are journaled together.
    lagging: StrSet,
    lag_flushes: u32,
    bytes: usize,
    failure: Option<StoreError>,
    reported: bool,
    report: FlushReport,
}

impl<S: Storage> StorageTier<S> {
    /// Opens the tier: discards other versions' records if the version changed, then reads the
    /// scope's journal and overrides (records and the index are read on first use). `None`
    /// storage means memory-only.
    pub fn open(storage: Option<S>, config: TierConfig, now: Millis) -> Self {
        let mut tier = StorageTier {
            storage,
            prefix: String::new(),
            config,
            index: FastMap::default(),
            raw: lazy::RawIndex::default(),
            loaded: false,
            removed: StrSet::default(),
            overrides: StrSet::default(),
            overrides_changed: false,
            opened_at: now,
            pending: Changes::default(),
            invalidated: StrSet::default(),
            segments: 0,
            compact_next: false,
            lagging: StrSet::default(),
            lag_flushes: 0,
            bytes: 0,
            failure: None,
            reported: false,
            report: FlushReport::default(),
        };
        tier.sweep_other_versions();
        tier.load_scope(now);
        tier
    }

    /// Opens the tier over a store that may have failed to open; the failure is kept and
    /// reported once, and the tier runs memory-only.
    pub fn open_or_fail(storage: Result<S, StoreError>, config: TierConfig, now: Millis) -> Self {
        match storage {
            Ok(storage) => Self::open(Some(storage), config, now),
            Err(error) => {
                let mut tier = Self::open(None, config, now);
                tier.failure = Some(error);
                tier
            }
        }
    }

    /// The settings.
    pub fn config(&self) -> &TierConfig {
        &self.config
    }

    /// Whether records reach the store (false when disabled or after a fatal error).
    pub fn is_persistent(&self) -> bool {
        self.storage.is_some()
    }

    /// Why the store is not used, if it failed.
    pub fn failure(&self) -> Option<&StoreError> {
        self.failure.as_ref()
    }

    /// The failure, the first time it is asked for only (so it is reported once).
    pub fn take_report(&mut self) -> Option<StoreError> {
        if self.reported {
            return None;
        }
        let failure = self.failure.clone()?;
        self.reported = true;
        Some(failure)
    }

    /// Entries in the index.
    pub fn len(&mut self) -> usize {
        self.decode_all();
        self.index.len()
    }

    /// Whether the index is empty.
    pub fn is_empty(&mut self) -> bool {
        self.len() == 0
    }

    /// Bytes of the records in the index.
    pub fn bytes(&mut self) -> usize {
        self.decode_all();
        self.bytes
    }

    /// Keys of the persisted entries whose index line satisfies `named` (no record is read).
    pub fn keys_where(&mut self, named: impl Fn(&str, &Meta) -> bool) -> Vec<String> {
        self.decode_all();
        self.index
            .iter()
            .filter(|(k, e)| named(k, &e.meta))
            .map(|(k, _)| k.clone())
            .collect()
    }

    /// The index line of `key`, without reading its record (the saved index is read if the
    /// line is not known yet).
    pub fn meta(&mut self, key: &str) -> Option<&Meta> {
        self.find_line(key);
        self.index.get(key).map(|e| &e.meta)
    }

    /// Makes the index line of `key` known, if there is one: decoded from the saved index,
    /// reading that first when needed.
    fn find_line(&mut self, key: &str) {
        if !self.index.contains_key(key) && !self.removed.contains_key(key) {
            self.load_index();
        }
        self.decode_line(key);
    }

    /// Decodes the index line of `key` if the saved index left it undecoded.
    fn decode_line(&mut self, key: &str) {
        if let Some((entry, size)) = self.raw.take(key) {
            self.admit(key.to_owned(), entry, size);
        }
    }

    /// Decodes every index line left undecoded, reading the saved index first if needed (for
    /// operations over the whole index).
    fn decode_all(&mut self) {
        self.load_index();
        if self.raw.is_empty() {
            return;
        }
        let lines = self.raw.drain();
        self.index.reserve(lines.len());
        for (key, entry, size) in lines {
            self.admit(key, entry, size);
        }
    }

    /// Takes a decoded line into the index, as opening would have: a line that does not decode
    /// is skipped, and one over-age or future-dated at opening is removed. Its declared size was
    /// counted in `bytes` at opening.
    fn admit(&mut self, key: String, entry: Option<IndexEntry>, size: usize) {
        match entry {
            Some(entry) if usable(&entry.meta, self.opened_at) => {
                self.bytes = self.bytes + entry.size - size.min(self.bytes);
                self.index.insert(key, entry);
            }
            Some(_) => {
                self.bytes -= size.min(self.bytes);
                self.invalidated.remove(key.as_str());
                self.pending.insert(&key, Pending::Remove);
            }
            None => self.bytes -= size.min(self.bytes),
        }
    }

    /// Whether changes wait for a flush.
    pub fn has_pending(&self) -> bool {
        !self.pending.is_empty()
    }

    /// Records a store error: a fatal one (denied, missing) makes the tier memory-only.
    pub fn fail(&mut self, error: StoreError) {
        if error.is_fatal() {
            self.storage = None;
            self.failure.get_or_insert(error);
        }
    }

    /// Persists `body` under `key` at the next flush. Returns false when it cannot be
    /// persisted (too large for the budget, or unencodable): the entry stays memory-only and
    /// any older record of it is removed, so that a reload never shows older data.
    pub fn put(&mut self, key: &str, meta: Meta, body: &str, now: Millis) -> bool {
        self.put_native(key, meta, body, None, now)
    }

    /// [`Self::put`], with the caller's own copy of `body` as the store holds text (written
    /// instead of `body` when the store can).
    pub fn put_native(
        &mut self,
        key: &str,
        meta: Meta,
        body: &str,
        native: Option<NativeBody>,
        now: Millis,
    ) -> bool {
        // The budget counts every entry: the whole index is needed.
        self.load_index();
        self.decode_line(key);
        if self.storage.is_none() {
            // Memory-only: nothing is ever written, so no record to encode and no budget to
            // keep; the index line still holds the validators for conditional requests.
            let size = key.len() + body.len();
            let old = self.index.insert(key.to_owned(), IndexEntry { meta, size });
            self.bytes = self.bytes + size - old.map_or(0, |o| o.size).min(self.bytes);
            self.invalidated.remove(key);
            return true;
        }
        let text = codec::encode_record_parts(key, &meta, body);
        let size = text
            .as_ref()
            .map_or(usize::MAX, |t| t.len() + self.record_key(key).len());
        let Some(text) = text.filter(|_| size <= self.config.entry_budget.min(self.config.budget))
        else {
            self.remove(key);
            return false;
        };
        let reshaped =
            |old: &IndexEntry| old.meta.page_type != meta.page_type || old.meta.tags != meta.tags;
        let journal = self.index.get(key).is_none_or(reshaped)
            || matches!(self.pending.get(key), Some(Pending::Write(w)) if w.journal);
        let old = self.index.insert(key.to_owned(), IndexEntry { meta, size });
        self.bytes = self.bytes + size - old.map_or(0, |o| o.size);
        let head_len = text.len().saturating_sub(body.len());
        let write = Write {
            text,
            head_len,
            native,
            journal,
        };
        self.pending.insert(key, Pending::Write(write));
        self.invalidated.remove(key);
        self.enforce_budget(key, now);
        true
    }

    /// Records that the entry was confirmed again (a 304, or an identical body): new times,
    /// same record. Only the index line is rewritten.
    pub fn touch(&mut self, key: &str, times: Times) {
        self.find_line(key);
        let Some(entry) = self.index.get_mut(key) else {
            return;
        };
        entry.meta.received_at = times.received_at;
        entry.meta.server_time = times.server_time;
        entry.meta.stale_at = times.stale_at;
        entry.meta.expires_at = times.expires_at;
        self.invalidated.remove(key);
        if !self.pending.contains_key(key) {
            self.pending.insert(key, Pending::Touch);
        }
    }

    /// Marks the entry invalidated: it is evicted first when space runs out.
    pub fn mark_invalidated(&mut self, key: &str) {
        self.find_line(key);
        if self.index.contains_key(key) {
            self.invalidated.insert(key.into(), 0);
        }
    }

    /// Removes the entry at the next flush.
    pub fn remove(&mut self, key: &str) {
        self.decode_line(key);
        if let Some(old) = self.index.remove(key) {
            self.bytes -= old.size.min(self.bytes);
            self.pending.insert(key, Pending::Remove);
        } else if self.pending.contains_key(key) || (!self.loaded && self.storage.is_some()) {
            // Unread index: the key may have a record and a saved line; both go.
            self.pending.insert(key, Pending::Remove);
        }
        if !self.loaded {
            self.removed.insert(key.into(), 0);
        }
        self.invalidated.remove(key);
    }
}

/// New times of a confirmed entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Times {
    /// Client time of the confirmation.
    pub received_at: Millis,
    /// Server time of the data.
    pub server_time: Millis,
    /// Fresh until.
    pub stale_at: Millis,
    /// Kept until.
    pub expires_at: Millis,
}

/// Whether an index line may be served at `now`: not over-age and not from the future.
fn usable(meta: &Meta, now: Millis) -> bool {
    now < meta.expires_at && meta.received_at <= now.saturating_add(FUTURE_TOLERANCE)
}

/// How costly losing an entry of this page type is: drafts most, anonymous browsing least.
fn page_type_value(page_type: &str) -> u8 {
    match page_type {
        "writing" => 3,
        "reading" => 2,
        "community" => 1,
        _ => 0,
    }
}
