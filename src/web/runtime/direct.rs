//! First reads served by the page: a `peek` or `get` of a persisted entry, read straight from
//! localStorage by the JS side, with its restore into memory deferred.
//!
//! SPEC §10 asks a first read of a persisted entry to cost at most 1.5× `getItem` +
//! `JSON.parse`. Through wasm it costs several times that (the head crosses and is decoded, the
//! entry goes into memory, the tag index and the metrics). So when the runtime says a record's
//! own head is all there is to check (memory holds nothing for the key, no request is in
//! flight, no layer, index line or unflushed write overrides the record), the JS side reads and
//! checks the record itself (`freshetDirectView` in glue.js: stricter than the decoder here)
//! and queues what it served. The queue is restored, each entry as a read through wasm would
//! have restored it then, before anything else reads or changes memory, the storage tier or the
//! metrics, and in the next task at the latest.

use std::cell::RefCell;
use std::sync::atomic::{AtomicU32, Ordering};

use js_sys::Array;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::JsValue;

use super::Runtime;
use crate::core::Millis;
use crate::store::tier::FUTURE_TOLERANCE;
use crate::web::local_storage::ReadRecord;

#[wasm_bindgen(module = "/src/web/glue.js")]
extern "C" {
    /// The reader the JS side serves first reads with (see glue.js).
    #[wasm_bindgen(js_name = freshetDirectView)]
    fn direct_view_js(
        storage: &JsValue,
        prefix: &str,
        max_ages: &Array,
        tolerance: f64,
        queue: &Array,
        generation: u32,
    ) -> JsValue;
}

/// The longest key the JS side writes into the key buffer (longer keys go through wasm).
const KEY_BUFFER_LEN: usize = 512;

thread_local! {
    // The key of a first read, written here by the JS side: a string passed the usual way
    // costs an allocation and two more calls, about as much as the rest of the gate.
    static KEY_BUFFER: RefCell<Box<[u8]>> = RefCell::new(vec![0; KEY_BUFFER_LEN].into_boxed_slice());
}

/// Byte address of the key buffer (its length is [`KEY_BUFFER_LEN`]).
pub fn key_buffer_address() -> usize {
    KEY_BUFFER.with(|b| b.try_borrow().map_or(0, |b| b.as_ptr() as usize))
}

/// The queue of first reads the JS side served, and what says it is not empty.
pub(super) struct Direct {
    /// `[key, value, head, body length, time]` per read (see `freshetDirectView`).
    queue: Array,
    /// Set by the JS side when it queues a read (a cell of wasm memory: no call per read).
    queued: &'static AtomicU32,
    /// Bumped when the store keys change (a new scope): the JS side then asks for a new view.
    generation: AtomicU32,
}

impl Default for Direct {
    fn default() -> Self {
        Direct {
            queue: Array::new(),
            queued: Box::leak(Box::default()),
            generation: AtomicU32::new(1),
        }
    }
}

impl Runtime {
    /// [`Self::direct_gate`] of the key the JS side wrote into the key buffer (`length` bytes
    /// of ASCII); 0 unless that is a request key as it stands.
    pub fn direct_gate_buffered(&self, length: usize) -> u32 {
        KEY_BUFFER.with(|buffer| {
            let Ok(buffer) = buffer.try_borrow() else {
                return 0;
            };
            let key = buffer
                .get(..length)
                .and_then(|b| std::str::from_utf8(b).ok());
            match key {
                Some(key) if self.key_of(key).is_ok_and(|k| *k == *key) => self.direct_gate(key),
                _ => 0,
            }
        })
    }

    /// Whether the JS side may serve a first read of `key` from its record alone: the view's
    /// generation (never 0) if so, else 0. Touches nothing (no restore, no metrics, no queue).
    pub fn direct_gate(&self, key: &str) -> u32 {
        if self.destroyed.get() || self.layered.get() != 0 {
            return 0;
        }
        let memory_misses = self
            .cache
            .try_borrow()
            .is_ok_and(|c| c.inspect(key).is_none() && !c.is_in_flight(key));
        let own_head = memory_misses
            && self
                .store
                .try_borrow_mut()
                .is_ok_and(|mut t| t.reads_own_head(key));
        if own_head {
            self.direct.generation.load(Ordering::Relaxed)
        } else {
            0
        }
    }

    /// The JS reader of first reads (`undefined` when nothing is persisted), for the current
    /// scope: the store, the record keys' prefix, each page type's longest lifetime, the queue.
    pub fn direct_view(&self) -> JsValue {
        let Ok(tier) = self.store.try_borrow() else {
            return JsValue::UNDEFINED;
        };
        let Some(storage) = tier.storage() else {
            return JsValue::UNDEFINED;
        };
        let (scope, kind) = tier.record_prefix();
        let prefix = crate::core::text::concat(&[scope, kind]);
        let max_ages = Array::new();
        if let Ok(c) = self.cache.try_borrow() {
            let types = &c.config().page_types;
            for (id, name) in types.iter() {
                max_ages.push(&JsValue::from_str(name));
                max_ages.push(&JsValue::from(types.lifetimes(id).max_age as f64));
            }
        }
        direct_view_js(
            storage.js(),
            &prefix,
            &max_ages,
            FUTURE_TOLERANCE as f64,
            &self.direct.queue,
            self.direct.generation.load(Ordering::Relaxed),
        )
    }

    /// Address of the cell the JS side sets when it queues a read.
    pub fn direct_cell(&self) -> u32 {
        u32::try_from(self.direct.queued.as_ptr() as usize).unwrap_or(0)
    }

    /// The store keys changed: views made before read nothing more.
    pub(super) fn direct_rekey(&self) {
        self.direct.generation.fetch_add(1, Ordering::Relaxed);
        self.direct.drop_queue();
    }

    /// Restores the first reads the JS side served, in the order it served them, as a read
    /// through wasm would have at that time. Called before anything reads or changes memory,
    /// the storage tier or the metrics, and by the JS side in a task of its own after a first
    /// read (the queue holds each record's text until then); a no-op when nothing is queued.
    pub fn adopt_served(&self) {
        if self.direct.queued.load(Ordering::Relaxed) == 0 {
            return;
        }
        // Inside a borrow (a callback of ours): the next call adopts instead.
        if self.cache.try_borrow_mut().is_err() || self.store.try_borrow_mut().is_err() {
            return;
        }
        let served = self.direct.take();
        let mut items = served.iter();
        while let (Some(key), Some(value), Some(head), Some(body_size), Some(at)) = (
            items.next(),
            items.next(),
            items.next(),
            items.next(),
            items.next(),
        ) {
            let (Some(key), Some(head), Some(body_size), Some(at)) = (
                key.as_string(),
                head.as_string(),
                body_size.as_f64(),
                at.as_f64(),
            ) else {
                continue;
            };
            let read = ReadRecord {
                head,
                value: (!value.is_undefined()).then_some(value),
                body_size: body_size as u32,
            };
            self.restore_served(&key, read, at as Millis);
        }
    }
}

impl Direct {
    /// Empties the queue, returning what it held.
    fn take(&self) -> Array {
        self.queued.store(0, Ordering::Relaxed);
        let served = self.queue.slice(0, self.queue.length());
        self.queue.set_length(0);
        served
    }

    /// Forgets what the JS side served (the cache is destroyed, or its scope changed).
    pub(super) fn drop_queue(&self) {
        self.take();
    }
}
