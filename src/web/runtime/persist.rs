//! The runtime's side of the storage tier: what is persisted (confirmed server data only),
//! restoring on a memory miss, validators for conditional requests, coalesced flushes, scopes.
//!
//! The tier has its own `RefCell`; like the core's, it is borrowed only inside these functions
//! and never across a call that can re-enter the runtime (localStorage calls cannot).

use std::rc::Rc;

use wasm_bindgen::JsValue;

use super::Runtime;
use crate::core::cache::{Cache, Restored};
use crate::core::metrics::{Cause, Kind, Tier as MetricsTier};
use crate::core::response::CacheControl;
use crate::core::Millis;
use crate::store::codec::{self, Meta};
use crate::store::tier::{Lookup, NativeBody, StorageTier, TierConfig, Times, ANONYMOUS_SCOPE};
use crate::web::clock::now;
use crate::web::fetch::Fetched;
use crate::web::headers;
use crate::web::local_storage::{ReadRecord, WebStorage};

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    /// `JSON.parse` of a JS string (no copy through wasm memory).
    #[wasm_bindgen(js_namespace = JSON, js_name = parse, catch)]
    pub(super) fn json_parse(text: &js_sys::JsString) -> Result<JsValue, JsValue>;
}

/// A persisted entry read and checked, waiting to go into memory.
struct Persisted {
    meta: Meta,
    value: JsValue,
    body_size: u32,
}

impl Persisted {
    /// Puts the entry into memory with its original times (cause `Restored`).
    fn into_cache(self, c: &mut Cache<JsValue>, key: &str, now: Millis) {
        let meta = self.meta;
        let restored = Restored {
            page_type: c.config().page_types.resolve(&meta.page_type),
            tags: meta.tags,
            received_at: meta.received_at,
            server_time: meta.server_time,
            stale_at: meta.stale_at,
            expires_at: meta.expires_at,
            fingerprint: meta.fingerprint,
            body_size: self.body_size,
        };
        c.restore(key, self.value, restored, now);
    }
}

/// The tier as the runtime holds it.
pub type Tier = StorageTier<WebStorage>;

/// Opens the storage tier: `None` config means persistence is off (memory-only, no report).
pub fn open_tier(config: Option<TierConfig>) -> Tier {
    match config {
        Some(config) => StorageTier::open_or_fail(WebStorage::open(), config, now()),
        None => StorageTier::open(None, TierConfig::default(), now()),
    }
}

/// What `storageInfo()` tells.
pub struct StorageInfo {
    /// Whether records reach localStorage.
    pub persistent: bool,
    /// Why not, if localStorage failed.
    pub failure: Option<String>,
    /// Entries in the scope's index.
    pub entries: usize,
    /// Bytes of their records.
    pub bytes: usize,
    /// The current scope.
    pub scope: String,
}

impl Runtime {
    pub(super) fn with_tier<T>(&self, f: impl FnOnce(&mut Tier) -> T) -> Option<T> {
        self.adopt_served();
        let result = self
            .store
            .try_borrow_mut()
            .ok()
            .map(|mut tier| f(&mut tier));
        self.report_storage_failure();
        result
    }

    /// Warns once on the console when localStorage cannot be used; never throws.
    fn report_storage_failure(&self) {
        let report = self
            .store
            .try_borrow_mut()
            .ok()
            .and_then(|mut t| t.take_report());
        if let Some(error) = report {
            self.metrics
                .caused(Kind::Error, MetricsTier::Storage, "", Cause::Storage);
            web_sys::console::warn_1(
                &format!("freshet: {error}; the cache keeps working in memory only").into(),
            );
        }
    }

    /// Listens for `pagehide` and `visibilitychange` (hidden) to flush pending writes.
    pub(super) fn listen_for_flush(self: &Rc<Self>) {
        let Some(window) = web_sys::window() else {
            return;
        };
        self.on(&window, "pagehide", |rt| rt.flush_storage_hidden());
        if let Some(document) = window.document() {
            self.on(&document, "visibilitychange", |rt| {
                let hidden = web_sys::window()
                    .and_then(|w| w.document())
                    .is_some_and(|d| d.visibility_state() == web_sys::VisibilityState::Hidden);
                if hidden {
                    rt.flush_storage_hidden();
                }
            });
        }
    }

    /// Writes pending changes now.
    pub fn flush_storage(&self) {
        self.flush_scheduled.set(false);
        self.with_tier(|t| t.flush(now()));
    }

    /// Writes pending changes and brings the saved index up to date with the records, as the
    /// page is hidden or left (the next open then reads every entry's current times).
    fn flush_storage_hidden(&self) {
        self.flush_scheduled.set(false);
        self.with_tier(|t| t.flush_hidden(now()));
    }

    /// Schedules one flush at the end of this task (a microtask), coalescing every write
    /// made until then.
    pub(super) fn schedule_flush(self: &Rc<Self>) {
        if self.flush_scheduled.replace(true) {
            return;
        }
        self.at_task_end(Runtime::flush_storage);
    }

    /// On a memory miss, puts the persisted entry of `key` back into memory (original times,
    /// cause `Restored`); corrupt or over-age records are dropped by the tier as misses.
    pub(super) fn restore_if_missing(&self, key: &str) {
        let missing = self
            .with_cache(|c| c.inspect(key).is_none() && !c.is_in_flight(key))
            .unwrap_or(false);
        if !missing {
            return;
        }
        let now = now();
        match self.take_persisted(key, now, None) {
            Some(restore) => {
                self.metrics
                    .event_at(now, Kind::Hit, MetricsTier::Storage, key);
                let _ = self.with_cache(|c| restore.into_cache(c, key, now));
            }
            None => self.record_storage_miss(key),
        }
    }

    /// `peek`'s memory miss (`missing`: memory holds no entry of `key` and no request for it is
    /// in flight): restores the persisted entry, if any, and reads it as `peek` does, in one
    /// borrow of the cache. Records the memory miss and what storage said together. `js_key`:
    /// `key` as a JS string, if the caller has it.
    pub(super) fn peek_storage(
        &self,
        key: &str,
        missing: bool,
        now: Millis,
        js_key: Option<&JsValue>,
    ) -> Option<JsValue> {
        let restore = if missing {
            self.take_persisted(key, now, js_key)
        } else {
            None
        };
        let Some(restore) = restore else {
            let storage_miss = missing && self.is_persistent_now();
            self.metrics
                .memory_miss_at(now, key, storage_miss.then_some(Kind::Miss));
            return None;
        };
        self.metrics.memory_miss_at(now, key, Some(Kind::Hit));
        let (value, prefetched) = self
            .with_cache(|c| {
                restore.into_cache(c, key, now);
                let value = super::read_and_record(c, key, now);
                (value, c.take_prefetch_use())
            })
            .ok()?;
        if prefetched {
            self.metrics
                .event_at(now, Kind::PrefetchUsed, MetricsTier::Memory, key);
        }
        value
    }

    /// Restores a first read the JS side served at `now` (see `direct`) from the record it
    /// served, as [`Self::peek_storage`] would have then: the head is checked here again (the
    /// JS side's checks are stricter), and the entry goes into memory with the value served.
    pub(super) fn restore_served(&self, key: &str, read: ReadRecord, now: Millis) {
        let missing = self
            .cache
            .try_borrow()
            .is_ok_and(|c| c.inspect(key).is_none() && !c.is_in_flight(key));
        if !missing {
            return;
        }
        let max_age = |name: &str| self.max_age_of(name);
        let accepted = self
            .with_tier(|t| {
                if !t.reads_own_head(key) {
                    return None;
                }
                let size = t.record_key_len(key) + read.head.len() + 1 + read.body_size as usize;
                let head = codec::decode_head(&read.head);
                t.accept_own_head(key, Some(head), size, now, max_age)
            })
            .flatten();
        let (Some(meta), Some(value)) = (accepted, read.value) else {
            return;
        };
        self.metrics.memory_miss_at(now, key, Some(Kind::Hit));
        let restore = Persisted {
            meta,
            value,
            body_size: read.body_size,
        };
        // Busy only inside a callback of ours: the entry is then read from storage again.
        let _ = self.with_cache(|c| restore.into_cache(c, key, now));
    }

    /// The longest lifetime of the page type named `name` (0 while the cache is busy).
    fn max_age_of(&self, name: &str) -> Millis {
        self.cache.try_borrow().map_or(0, |c| {
            let types = &c.config().page_types;
            types.lifetimes(types.resolve(name)).max_age
        })
    }

    /// Whether records reach localStorage (a miss there is then counted).
    fn is_persistent_now(&self) -> bool {
        self.store.try_borrow().is_ok_and(|t| t.storage().is_some())
    }

    /// The persisted entry of `key`, read and checked; `None` when storage has none to serve.
    /// `js_key`: `key` as a JS string, if the caller has it.
    fn take_persisted(
        &self,
        key: &str,
        now: Millis,
        js_key: Option<&JsValue>,
    ) -> Option<Persisted> {
        if !self.with_tier(|t| t.may_hold(key)).unwrap_or(false) {
            return None;
        }
        let max_age = |name: &str| self.max_age_of(name);
        let (meta, value, body_size) = self.read_record(key, now, max_age, js_key)?;
        Some(Persisted {
            meta,
            value,
            body_size,
        })
    }

    /// Reads and decodes the persisted record of `key`: its meta, value and body size. One
    /// borrow of the tier and one read of the store (the body is decoded in JS).
    fn read_record(
        &self,
        key: &str,
        now: Millis,
        max_age: impl Fn(&str) -> u64,
        js_key: Option<&JsValue>,
    ) -> Option<(Meta, JsValue, u32)> {
        self.with_tier(|t| {
            let line = match t.lookup(key, now, &max_age) {
                Lookup::Line(meta) => Some(meta),
                Lookup::Head => None,
                Lookup::Miss => return None,
            };
            let read = match t.pending_record(key) {
                // Not flushed yet (rare: memory dropped it within the same task).
                Some(text) => Ok(Some(split_pending(text))),
                None => t.storage()?.read_record(t.record_prefix(), key, js_key),
            };
            let read = match read {
                Ok(read) => read,
                Err(e) => {
                    t.fail(e);
                    return None;
                }
            };
            let head = read.as_ref().and_then(|r| codec::decode_head(&r.head));
            let meta = match &line {
                Some(line) => t.accept_head(key, line, head, now)?,
                None => {
                    // Bytes of the record (UTF-16 units of the body: exact for ASCII).
                    let size = read.as_ref().map_or(0, |r| {
                        t.record_key_len(key) + r.head.len() + 1 + r.body_size as usize
                    });
                    let record = read.as_ref().map(|_| head);
                    t.accept_own_head(key, record, size, now, &max_age)?
                }
            };
            match read {
                Some(ReadRecord {
                    value: Some(value),
                    body_size,
                    ..
                }) => Some((meta, value, body_size)),
                _ => {
                    // A body that is not the JSON its meta says: corrupt.
                    t.remove(key);
                    None
                }
            }
        })
        .flatten()
    }

    /// The stored validators of `key`, when memory holds the very body they validate.
    pub(super) fn validators(&self, key: &str) -> Option<(Option<String>, Option<String>)> {
        let held = self
            .with_cache(|c| c.inspect(key).map(|e| e.fingerprint))
            .ok()
            .flatten()?;
        self.with_tier(|t| {
            t.meta(key)
                .filter(|m| {
                    m.fingerprint == held && (m.etag.is_some() || m.last_modified.is_some())
                })
                .map(|m| (m.etag.clone(), m.last_modified.clone()))
        })
        .flatten()
    }

    /// After a response was stored: persists it if it is confirmed server data the headers
    /// allow to keep (not `no-store`; `private` only under a signed-in scope).
    pub(super) fn persist_response(
        self: &Rc<Self>,
        key: &str,
        fetched: &Fetched,
        control: &CacheControl,
    ) {
        let anonymous = self
            .with_tier(|t| t.config().scope == ANONYMOUS_SCOPE)
            .unwrap_or(true);
        if control.no_store || (control.private && anonymous) {
            self.forget_persisted(key);
            return;
        }
        let Some(meta) = self.current_meta(key) else {
            return;
        };
        let meta = Meta {
            json: headers::is_json(&fetched.headers),
            etag: headers::header(&fetched.headers, "etag"),
            last_modified: headers::header(&fetched.headers, "last-modified"),
            ..meta
        };
        let now = now();
        self.with_tier(|t| {
            let same = t.meta(key).is_some_and(|m| {
                m.fingerprint == meta.fingerprint
                    && m.etag == meta.etag
                    && m.last_modified == meta.last_modified
            });
            if same {
                t.touch(key, times(&meta));
            } else {
                // localStorage writes the response's own JS string after the record's head.
                let native = t
                    .is_persistent()
                    .then(|| NativeBody(Rc::new(fetched.text.clone())));
                t.put_native(key, meta, &fetched.body, native, now);
            }
        });
        self.schedule_flush();
    }

    /// After a 304: the stored record is confirmed too; only its index line changes.
    pub(super) fn persist_not_modified(self: &Rc<Self>, key: &str) {
        if let Some(meta) = self.current_meta(key) {
            self.with_tier(|t| t.touch(key, times(&meta)));
            self.schedule_flush();
        }
    }

    /// Removes the persisted record of `key` (it no longer matches what the server holds).
    pub(super) fn forget_persisted(self: &Rc<Self>, key: &str) {
        if self.with_tier(|t| t.meta(key).is_some()).unwrap_or(false) {
            self.with_tier(|t| t.remove(key));
            self.schedule_flush();
        }
    }

    /// Drops the persisted records an invalidation names, so that a reload never restores data
    /// the server has invalidated (memory keeps its invalidated entries until refetched).
    pub(super) fn forget_persisted_matching(
        self: &Rc<Self>,
        fence: &crate::core::invalidation::Fence,
    ) {
        let page_type = |name: &str| {
            self.cache
                .try_borrow()
                .map(|c| c.config().page_types.resolve(name))
                .ok()
        };
        let doomed = self
            .with_tier(|t| {
                t.keys_where(|key, meta| {
                    // App records (`records.rs`) are not responses: invalidations never name them.
                    if crate::store::records::is_record_key(key) {
                        return false;
                    }
                    let tags: Vec<Box<str>> = meta.tags.iter().map(|t| t.as_str().into()).collect();
                    page_type(&meta.page_type).is_some_and(|page_type| {
                        fence.matches(crate::core::invalidation::Subject {
                            key,
                            page_type,
                            tags: &tags,
                            server_time: meta.server_time,
                        })
                    })
                })
            })
            .unwrap_or_default();
        for key in doomed {
            self.forget_persisted(&key);
        }
    }

    /// Meta of the entry in memory (validators and body kind are the caller's to fill in).
    fn current_meta(&self, key: &str) -> Option<Meta> {
        self.with_cache(|c| {
            let e = c.inspect(key)?;
            Some(Meta {
                page_type: c.config().page_types.name(e.page_type).to_owned(),
                tags: e.tags.iter().map(|t| String::from(&**t)).collect(),
                received_at: e.received_at,
                server_time: e.server_time,
                stale_at: e.stale_at,
                expires_at: e.expires_at,
                fingerprint: e.fingerprint,
                json: true,
                etag: None,
                last_modified: None,
            })
        })
        .ok()
        .flatten()
    }

    /// The current scope, when the storage tier is on.
    pub(super) fn current_scope(&self) -> Option<String> {
        self.with_tier(|t| t.config().scope.clone())
    }

    /// Wipes the current scope's persisted records.
    /// Wipes the scope's persisted records; memory keeps what it holds.
    pub fn clear_stored(&self) {
        self.clear_storage();
    }

    pub(super) fn clear_storage(&self) {
        self.flush_scheduled.set(false);
        self.with_tier(|t| t.clear());
    }

    /// Switches the user: flushes, empties memory and in-flight requests, and shows only the
    /// new scope's persisted data from now on.
    pub fn set_scope(&self, scope: &str) -> crate::Result<()> {
        self.clear_memory()?;
        self.flush_scheduled.set(false);
        self.with_tier(|t| t.set_scope(scope, now()));
        self.direct_rekey();
        Ok(())
    }

    /// The storage tier's state.
    pub fn storage_info(&self) -> Option<StorageInfo> {
        self.with_tier(|t| StorageInfo {
            persistent: t.is_persistent(),
            failure: t.failure().map(ToString::to_string),
            entries: t.len(),
            bytes: t.bytes(),
            scope: t.config().scope.clone(),
        })
    }
}

/// A record not flushed yet, read like one from the store.
fn split_pending(text: &str) -> ReadRecord {
    let mut parts = text.splitn(4, '\n');
    let (Some(magic), Some(key), Some(line), Some(body)) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return ReadRecord {
            head: String::new(),
            value: None,
            body_size: 0,
        };
    };
    let head = crate::core::text::concat(&[magic, "\n", key, "\n", line]);
    let json = codec::decode_head(&head).is_some_and(|(_, meta)| meta.json);
    let text = js_sys::JsString::from(body);
    let value = if json {
        json_parse(&text).ok()
    } else {
        Some(text.clone().into())
    };
    ReadRecord {
        head,
        value,
        body_size: text.length(),
    }
}

fn times(meta: &Meta) -> Times {
    Times {
        received_at: meta.received_at,
        server_time: meta.server_time,
        stale_at: meta.stale_at,
        expires_at: meta.expires_at,
    }
}

#[wasm_bindgen::prelude::wasm_bindgen(module = "/src/web/glue.js")]
extern "C" {
    /// `init` with `If-None-Match` / `If-Modified-Since` added (a copy; the caller's is
    /// untouched; `init` itself if its headers are unusable).
    #[wasm_bindgen(js_name = freshetConditional)]
    pub fn conditional_init(
        init: &JsValue,
        etag: Option<&str>,
        last_modified: Option<&str>,
    ) -> JsValue;
}
