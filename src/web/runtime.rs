//! The browser runtime: the core cache plus what only a browser has — `fetch`, promises,
//! subscriber callbacks, focus and network signals, timers. Every decision is the core's.
//!
//! Borrow discipline: the core is reached only through [`Runtime::with_cache`], whose borrow
//! ends with its closure, so no borrow is held across a call out to JS (listeners, `fetch`)
//! and a re-entrant call becomes [`Error::Busy`] instead of a panic.

use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::{Rc, Weak};

use js_sys::{Function, Promise};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::{future_to_promise, JsFuture};

use crate::core::cache::{
    Arrival, Cache, CacheConfig, Completion, DiscardReason, ReadPlan, Ticket,
};
use crate::core::entry::{Entry, EntryState, InvalidationSource};
use crate::core::fingerprint::fingerprint;
use crate::core::interner::KeyInterner;
use crate::core::invalidation::Target;
use crate::core::key::{normalize_key, KeyError};
use crate::core::page_type::PageTypeId;
use crate::core::FastMap;
use crate::error::{Error, Result};
use crate::store::tier::TierConfig;

use super::broadcast::Broadcast;
use super::clock::now;
use super::fetch::{self, Fetched};
use super::headers;
use super::listener::EventListener;
use super::memo;
use super::timer::Interval;

mod apply;
mod direct;
pub use apply::InvalidationConfig;
pub use direct::key_buffer_address;
mod mutate;
pub use mutate::{Mutation, Populate, Rollback};
mod health;
mod metrics;
mod persist;
use crate::core::metrics::{Cause, Kind, Record, Tier};
pub use metrics::MetricsConfig;
mod prefetch;
pub use prefetch::State as PrefetchState;
mod records;

pub use persist::StorageInfo;

/// How many times a read refetches when invalidations keep overtaking its request.
const MAX_ATTEMPTS: usize = 4;

/// Options of one read.
#[derive(Default)]
pub struct ReadOptions {
    /// Page type named on the call.
    pub page_type: Option<PageTypeId>,
    /// Tags named on the call.
    pub tags: Vec<String>,
    /// The `RequestInit` passed to `fetch` (headers, credentials...).
    pub init: JsValue,
    /// Ignore cached data and ask the server.
    pub force: bool,
    /// Made by a prefetch.
    pub prefetch: bool,
}

/// Settings of the runtime that are not the core's.
pub struct RuntimeConfig {
    /// The core's settings.
    pub cache: CacheConfig,
    /// The `fetch` to call; the global one by default.
    pub fetch: Option<Function>,
    /// The page's origin: same-origin URLs are keyed by path.
    pub origin: String,
    /// Revalidate observed entries when the page becomes visible or focused.
    pub revalidate_on_focus: bool,
    /// Revalidate observed entries when the browser comes back online.
    pub revalidate_on_reconnect: bool,
    /// The invalidation protocol: allowed origins, `*`, tabs.
    pub invalidation: InvalidationConfig,
    /// The localStorage tier's settings; `None` keeps everything in memory.
    pub storage: Option<TierConfig>,
}

/// JS values by key, each with a number: the subscribers (id, function), the requests in
/// flight (task token, promise), the mutation scopes (0, tail promise). One map type for the
/// three, as each map type is its own copy of the hash table's code; and that copy is the
/// same as `StrSet`'s (which wasm-opt then keeps once), as the entries have its layout: an
/// `Rc<str>` and one pointer.
type Keyed = FastMap<Rc<str>, Box<Vec<(u64, JsValue)>>>;

/// The promise a [`Keyed`] map of one promise per key holds for `key`, with its number.
fn promise_of(map: &Keyed, key: &str) -> Option<(u64, Promise)> {
    let (n, promise) = map.get(key)?.first()?;
    Some((*n, promise.clone().unchecked_into()))
}

/// The runtime behind one `FreshetCache`.
pub struct Runtime {
    cache: RefCell<Cache<JsValue>>,
    fetch: Function,
    origin: String,
    subscribers: RefCell<Keyed>,
    next_subscriber: Cell<u32>,
    /// Promises of requests in flight, by key, with the token of the task that owns each.
    pending: RefCell<Keyed>,
    next_token: Cell<u64>,
    signals: RefCell<Vec<EventListener>>,
    gc_timer: RefCell<Option<Interval>>,
    destroyed: Cell<bool>,
    /// Ids of request keys for the fast paths (`peek_id`, `get_id`).
    interned: RefCell<KeyInterner>,
    invalidation: InvalidationConfig,
    broadcast: RefCell<Option<Broadcast>>,
    /// API invalidations not yet sent to the other tabs (sent once per task, see `apply`).
    outbox: RefCell<Vec<super::broadcast::WireTarget>>,
    /// The localStorage tier (see `persist`).
    store: RefCell<persist::Tier>,
    flush_scheduled: Cell<bool>,
    /// Bumped by `clear` and `setScope`: requests started before are never stored or retried.
    generation: Cell<u64>,
    /// Pending optimistic layers (see `mutate`), and how many there are in all.
    overlays: RefCell<crate::core::optimistic::Overlays<JsValue, JsValue>>,
    layered: Cell<usize>,
    /// The last mutation of each serial scope.
    scopes: RefCell<Keyed>,
    /// Events, counts and alerts (see `metrics`).
    metrics: metrics::Recorder,
    /// Prefetch triggers, waiting promises and the predictor (see `prefetch`).
    prefetch: prefetch::State,
    /// First reads the JS side served from storage, to restore (see `direct`).
    direct: direct::Direct,
}

impl Runtime {
    /// Starts a runtime: listens for focus and reconnect and collects garbage periodically.
    pub fn start(config: RuntimeConfig) -> Result<Rc<Self>> {
        let fetch = match config.fetch {
            Some(f) => f,
            None => fetch::global_fetch().ok_or_else(|| {
                Error::InvalidOptions("no global fetch; pass options.fetch".into())
            })?,
        };
        let gc_every = u32::try_from(config.cache.gc_time.clamp(1_000, 60_000)).unwrap_or(60_000);
        let rt = Rc::new(Runtime {
            cache: RefCell::new(Cache::new(config.cache)),
            fetch,
            origin: config.origin,
            subscribers: RefCell::default(),
            next_subscriber: Cell::new(0),
            pending: RefCell::default(),
            next_token: Cell::new(0),
            signals: RefCell::default(),
            gc_timer: RefCell::default(),
            destroyed: Cell::new(false),
            interned: RefCell::default(),
            invalidation: config.invalidation,
            broadcast: RefCell::default(),
            outbox: RefCell::default(),
            store: RefCell::new(persist::open_tier(config.storage)),
            flush_scheduled: Cell::new(false),
            generation: Cell::new(0),
            overlays: RefCell::default(),
            layered: Cell::new(0),
            scopes: RefCell::default(),
            metrics: Default::default(),
            prefetch: prefetch::State::default(),
            direct: direct::Direct::default(),
        });
        rt.listen(config.revalidate_on_focus, config.revalidate_on_reconnect);
        rt.open_broadcast();
        rt.listen_for_flush();
        let weak = Rc::downgrade(&rt);
        *rt.gc_timer.borrow_mut() = Interval::new(gc_every, move || {
            if let Some(rt) = weak.upgrade() {
                // Busy only while a callback of ours runs; the next tick collects instead.
                let removed = rt.with_cache(|c| c.collect_garbage(now()));
                rt.metrics.removed(&removed.unwrap_or_default());
            }
        });
        Ok(rt)
    }

    fn listen(self: &Rc<Self>, focus: bool, reconnect: bool) {
        let Some(window) = web_sys::window() else {
            return;
        };
        if focus {
            self.on(&window, "focus", Runtime::revalidate_on_focus);
            if let Some(document) = window.document() {
                self.on(&document, "visibilitychange", Runtime::revalidate_on_focus);
            }
        }
        if reconnect {
            self.on(&window, "online", Runtime::revalidate_on_focus);
        }
    }

    /// Calls `handler` on every `event` of `target` while the runtime lives. Every listener of
    /// the runtime is this one closure type (each type is another copy of wasm-bindgen's glue).
    fn on(
        self: &Rc<Self>,
        target: &web_sys::EventTarget,
        event: &'static str,
        handler: fn(&Rc<Self>),
    ) {
        let weak: Weak<Runtime> = Rc::downgrade(self);
        let listener = EventListener::new(target, event, move |_| {
            if let Some(rt) = weak.upgrade() {
                handler(&rt);
            }
        });
        self.signals.borrow_mut().extend(listener);
    }

    /// Calls `task` at the end of this task (a microtask) if the runtime still lives then.
    fn at_task_end(self: &Rc<Self>, task: fn(&Self)) {
        let weak = Rc::downgrade(self);
        let run = Closure::once_into_js(move |_: JsValue| {
            if let Some(rt) = weak.upgrade() {
                task(&rt);
            }
        });
        queue_microtask(&run);
    }

    fn revalidate_on_focus(self: &Rc<Self>) {
        let visible = web_sys::window()
            .and_then(|w| w.document())
            .is_none_or(|d| d.visibility_state() == web_sys::VisibilityState::Visible);
        if !visible || self.destroyed.get() {
            return;
        }
        let keys = self
            .with_cache(|c| c.keys_to_revalidate_on_focus(now()))
            .unwrap_or_default();
        for key in keys {
            self.revalidate(key, ReadOptions::default());
        }
    }

    /// Runs `f` on the core cache; see the module comment. Voids the JS side's memo of reads
    /// afterwards, since `f` may have changed any entry (see `memo`).
    fn with_cache<T>(&self, f: impl FnOnce(&mut Cache<JsValue>) -> T) -> Result<T> {
        let result = self.with_cache_read(f);
        memo::bump();
        result
    }

    /// [`Runtime::with_cache`] for reads that change no entry's value or state (they may mark
    /// recency), so the memo of reads stays valid.
    fn with_cache_read<T>(&self, f: impl FnOnce(&mut Cache<JsValue>) -> T) -> Result<T> {
        Ok(f(&mut *self.cache_mut()?))
    }

    /// The borrow behind [`Runtime::with_cache_read`], out of line: it is the same for the
    /// dozens of closures that function is instantiated with. First reads the JS side served
    /// are restored first (see `direct`).
    #[inline(never)]
    fn cache_mut(&self) -> Result<std::cell::RefMut<'_, Cache<JsValue>>> {
        self.adopt_served();
        self.cache
            .try_borrow_mut()
            .map_err(|_| Box::new(Error::Busy))
    }

    /// The request key of `url`, resolving relative URLs against the page.
    pub fn key_of<'a>(&self, url: &'a str) -> Result<Cow<'a, str>> {
        match normalize_key(url, &self.origin) {
            Ok(key) => Ok(key),
            Err(KeyError::NotAbsolute) => {
                let resolved =
                    resolve_against_page(url).ok_or_else(|| invalid(url, KeyError::NotAbsolute))?;
                normalize_key(&resolved, &self.origin)
                    .map(|k| Cow::Owned(k.into_owned()))
                    .map_err(|e| invalid(url, e).into())
            }
            Err(reason) => Err(invalid(url, reason).into()),
        }
    }

    /// The id of `url`'s request key, for [`Runtime::peek_id`] and [`Runtime::get_id`].
    pub fn intern(&self, url: &str) -> Result<u32> {
        self.intern_url(url).map(|(id, _)| id)
    }

    /// [`Runtime::intern`], and whether the key is `url` itself (already normalized).
    pub fn intern_url(&self, url: &str) -> Result<(u32, bool)> {
        let key = self.key_of(url)?;
        let mut interned = self.interned.try_borrow_mut().map_err(|_| Error::Busy)?;
        let id = interned.intern(&key).ok_or(Error::Busy)?;
        Ok((id, *key == *url))
    }

    /// Forgets every interned id (the JS side forgets its copies at the same time).
    pub fn reset_interned(&self) {
        if let Ok(mut interned) = self.interned.try_borrow_mut() {
            interned.clear();
        }
    }

    /// Runs `f` on the request key of an interned id.
    fn with_interned<T>(&self, id: u32, f: impl FnOnce(&str) -> Result<T>) -> Result<T> {
        let interned = self.interned.try_borrow().map_err(|_| Error::Busy)?;
        let key = interned.resolve(id).ok_or(Error::UnknownKeyId(id))?;
        f(key)
    }

    /// The request key of an interned id.
    pub fn key_of_id(&self, id: u32) -> Result<String> {
        self.with_interned(id, |key| Ok(key.to_owned()))
    }

    /// The value a synchronous read may show now, or `undefined`.
    pub fn peek(&self, url: &str) -> Result<JsValue> {
        let key = self.key_of(url)?;
        self.peek_key(&key, None)
    }

    /// [`Runtime::peek`] by interned id. `url`, when given, is the URL the id was interned from
    /// and equal to its key (see [`Runtime::intern_url`]): a first read then names its record
    /// with that JS string instead of copying the key out of wasm.
    pub fn peek_id(&self, id: u32, url: Option<&JsValue>) -> Result<JsValue> {
        self.with_interned(id, |key| self.peek_key(key, url))
    }

    fn peek_key(&self, key: &str, js_key: Option<&JsValue>) -> Result<JsValue> {
        let now = now();
        if let Some(visible) = self.visible_value(key) {
            memo::record(now + memo::MEMO_SPAN, 0);
            self.metrics.event(Kind::Hit, Tier::Memory, key);
            return Ok(visible);
        }
        // A miss also tells whether storage may answer: memory holds no entry and no request
        // is in flight (both are newer than any persisted record).
        let read = self.with_cache_read(|c| match read_and_record(c, key, now) {
            Some(value) => Ok(value),
            None => Err(c.inspect(key).is_none() && !c.is_in_flight(key)),
        })?;
        let missing = match read {
            Ok(value) => {
                self.metrics.event(Kind::Hit, Tier::Memory, key);
                self.record_prefetch_use(key);
                return Ok(value);
            }
            Err(missing) => missing,
        };
        // Only a miss looks in the storage tier, so hits pay nothing for it.
        Ok(self
            .peek_storage(key, missing, now, js_key)
            .unwrap_or(JsValue::UNDEFINED))
    }

    /// Reads `url`: from memory when servable (revalidating stale data in the background),
    /// else from the network, joining a request already in flight.
    pub fn get(self: &Rc<Self>, url: &str, options: ReadOptions) -> Result<Promise> {
        let key = self.key_of(url)?;
        self.get_key(&key, options)
    }

    /// [`Runtime::get`] by interned id.
    pub fn get_id(self: &Rc<Self>, id: u32, options: ReadOptions) -> Result<Promise> {
        // The interner stays borrowed (shared) during the read: nothing in it interns.
        self.with_interned(id, |key| self.get_key(key, options))
    }

    fn get_key(self: &Rc<Self>, key: &str, options: ReadOptions) -> Result<Promise> {
        if self.destroyed.get() {
            return Err(Error::Destroyed.into());
        }
        let key = Cow::Borrowed(key);
        if options.force {
            return self.start_fetch(key.into_owned(), options);
        }
        memo::forget();
        let serve = || {
            self.with_cache_read(|c| match c.plan_read(&key, now()) {
                ReadPlan::Serve {
                    value, revalidate, ..
                } => Some((value.clone(), revalidate)),
                ReadPlan::Join | ReadPlan::Fetch => None,
            })
        };
        if let Some(visible) = self.visible_value(&key) {
            self.metrics.event(Kind::Hit, Tier::Memory, &key);
            // Pending mutations: readers see their layers; the confirmed value underneath is
            // still kept fresh.
            if !matches!(serve()?, Some((_, false)))
                && !self.with_cache(|c| c.is_in_flight(&key))?
            {
                self.revalidate(key.into_owned(), options);
            }
            return Ok(Promise::resolve(&visible));
        }
        let mut served = serve()?;
        self.record_prefetch_use(&key);
        if served.is_none() {
            self.metrics.event(Kind::Miss, Tier::Memory, &key);
            // Only a miss looks in the storage tier, so hits pay nothing for it.
            self.restore_if_missing(&key);
            served = serve()?;
        } else {
            let kind = if matches!(served, Some((_, true))) {
                Kind::StaleServed
            } else {
                Kind::Hit
            };
            self.metrics.event(kind, Tier::Memory, &key);
        }
        if let Some((value, revalidate)) = served {
            if !revalidate {
                // Tell the JS memo how long this answer holds (it asks for the value only then).
                self.with_cache_read(|c| {
                    read_and_record(c, &key, now());
                })?;
            }
            if revalidate {
                self.revalidate(key.into_owned(), options);
            }
            return Ok(Promise::resolve(&value));
        }
        let joined = promise_of(&self.pending.borrow(), &key).map(|(_, p)| p);
        match joined {
            Some(promise) => {
                self.metrics.event(Kind::Dedup, Tier::Network, &key);
                Ok(promise)
            }
            None => self.start_fetch(key.into_owned(), options),
        }
    }

    /// Stores `value` under `url` as confirmed data and notifies subscribers.
    pub fn set(
        &self,
        url: &str,
        value: JsValue,
        page_type: Option<PageTypeId>,
        tags: Vec<String>,
    ) -> Result<()> {
        let key = self.key_of(url)?.into_owned();
        self.set_key(&key, value, page_type, tags)
    }

    /// [`Runtime::set`] by request key.
    pub(crate) fn set_key(
        &self,
        key: &str,
        value: JsValue,
        page_type: Option<PageTypeId>,
        tags: Vec<String>,
    ) -> Result<()> {
        let size = json_length(&value);
        let now = now();
        self.with_cache(|c| c.set(key, value, page_type, tags, size, now))?;
        self.metrics.record_at(
            now,
            Record::new(Kind::Set, Tier::Memory, key).cause(Cause::Api),
        );
        self.record_evictions();
        // Pending layers stay on top of the new confirmed value.
        self.rebase_layers(key);
        self.notify(key, &self.current_value(key));
        Ok(())
    }

    /// Invalidates `url`; if it has subscribers, refetches it now.
    pub fn invalidate(self: &Rc<Self>, url: &str) -> Result<()> {
        let key = self.key_of(url)?.into_owned();
        self.send_targets(&[Target::Key(key.as_str().into())]);
        self.metrics
            .caused(Kind::Invalidate, Tier::Memory, &key, Cause::Api);
        let refetch = self.with_cache(|c| {
            c.invalidate(
                Target::Key(key.clone().into()),
                InvalidationSource::Api,
                now(),
            )
        })?;
        // The persisted record no longer matches the server; a reload must not serve it.
        self.forget_persisted(&key);
        self.refetch(refetch);
        Ok(())
    }

    /// Refetches observed keys that an invalidation named, unless already in flight (a request
    /// in flight was fenced by the invalidation and refetches by itself).
    pub fn refetch(self: &Rc<Self>, keys: Vec<String>) {
        for key in keys {
            if self.with_cache(|c| !c.is_in_flight(&key)).unwrap_or(false) {
                self.revalidate(key, ReadOptions::default());
            }
        }
    }

    /// Calls `listener(value)` whenever the value under `url` changes; returns the key and the
    /// id to pass to [`Runtime::unsubscribe`].
    pub fn subscribe(&self, url: &str, listener: Function) -> Result<(String, u32)> {
        let key = self.key_of(url)?.into_owned();
        self.with_cache(|c| c.observe(&key))?;
        let id = self.next_subscriber.get().wrapping_add(1);
        self.next_subscriber.set(id);
        self.subscribers
            .borrow_mut()
            .entry(key.as_str().into())
            .or_default()
            .push((u64::from(id), listener.into()));
        Ok((key, id))
    }

    /// Removes a subscriber; removing one twice is harmless.
    pub fn unsubscribe(&self, key: &str, id: u32) {
        let removed = {
            let mut subscribers = self.subscribers.borrow_mut();
            let Some(list) = subscribers.get_mut(key) else {
                return;
            };
            let before = list.len();
            list.retain(|(i, _)| *i != u64::from(id));
            let removed = list.len() < before;
            if list.is_empty() {
                subscribers.remove(key);
            }
            removed
        };
        if removed {
            // Busy cannot happen here (no callback of ours runs); if it did, the entry would
            // only stay observed, which keeps it in memory a little longer.
            let _ = self.with_cache(|c| c.unobserve(key, now()));
        }
    }

    /// Runs `f` on the entry under `url` without counting a use.
    pub fn inspect<T>(
        &self,
        url: &str,
        f: impl FnOnce(&str, &Entry<JsValue>, &CacheConfig) -> T,
    ) -> Result<Option<T>> {
        let key = self.key_of(url)?;
        self.with_cache(|c| c.inspect(&key).map(|e| f(&key, e, c.config())))
    }

    /// Every key in memory, sorted.
    pub fn keys(&self) -> Result<Vec<String>> {
        let mut keys = self.with_cache(|c| {
            c.memory()
                .iter()
                .map(|(k, _)| k.to_owned())
                .collect::<Vec<_>>()
        })?;
        crate::core::sort::sort(&mut keys);
        Ok(keys)
    }

    /// Resolves a page type name against the configured table (unknown names are `browse`).
    pub fn page_type(&self, name: &str) -> Result<PageTypeId> {
        self.with_cache(|c| c.config().page_types.resolve(name))
    }

    /// Empties memory, the scope's persisted records, and drops every request in flight
    /// (their results are not stored).
    pub fn clear(&self) -> Result<()> {
        // Local only: a wipe received from another tab calls this too, and must not echo.
        // `clear_everywhere` is the one that also tells the other tabs.
        self.clear_memory()?;
        self.clear_storage();
        Ok(())
    }

    /// Empties memory, requests in flight, optimistic layers and the prefetch queue of this tab;
    /// persisted records stay (reads restore them).
    pub fn clear_memory(&self) -> Result<()> {
        self.with_cache(|c| c.clear())?;
        self.generation.set(self.generation.get().wrapping_add(1));
        if let Ok(mut overlays) = self.overlays.try_borrow_mut() {
            overlays.clear();
            self.layered.set(0);
        }
        memo::bump();
        self.scopes.borrow_mut().clear();
        self.pending.borrow_mut().clear();
        self.reset_prefetch(false);
        Ok(())
    }

    /// Stops listening and timing; later reads fail with [`Error::Destroyed`].
    pub fn destroy(&self) -> Result<()> {
        self.destroyed.set(true);
        self.direct.drop_queue();
        self.signals.borrow_mut().clear();
        self.gc_timer.borrow_mut().take();
        self.stop_metrics();
        self.broadcast.borrow_mut().take();
        self.subscribers.borrow_mut().clear();
        self.reset_prefetch(true);
        // Persisted data outlives the cache object; only pending writes are saved.
        self.flush_storage();
        self.clear_memory()
    }

    /// Starts a background request for `key`; subscribers see its result.
    fn revalidate(self: &Rc<Self>, key: String, options: ReadOptions) {
        // The promise has a rejection handler already (see start_fetch) and nobody awaits it.
        // Its only error is Busy, while a callback of ours runs: this revalidation is skipped.
        let _ = self.start_fetch(key, options);
    }

    /// Starts a request for `key` and returns the promise of its value.
    fn start_fetch(self: &Rc<Self>, key: String, options: ReadOptions) -> Result<Promise> {
        let ticket = self.with_cache(|c| c.begin_fetch(&key, now()))?;
        if options.prefetch {
            self.metrics.event(Kind::Prefetch, Tier::Network, &key);
        }
        let token = self.next_token.get().wrapping_add(1);
        self.next_token.set(token);
        let rt = Rc::clone(self);
        // Read now: the future first runs in a later microtask, maybe after a `clear`.
        let generation = self.generation.get();
        let promise = spawn(Box::pin(async move {
            let result = rt.run(ticket, &options, generation, token).await;
            rt.pending
                .borrow_mut()
                .retain(|_, list| list.first().is_some_and(|(t, _)| *t != token));
            result.map_err(JsValue::from)
        }));
        // A background revalidation may have no reader; its failure must not surface as an
        // unhandled rejection. Readers that join get the original promise and see the error.
        let _ = quietly(&promise);
        self.pending
            .borrow_mut()
            .insert(key.into(), Box::new(vec![(token, promise.clone().into())]));
        Ok(promise)
    }

    /// Fetches until a response is stored (or there is nothing left to wait for). Only the
    /// waiting is here: what a response means is [`Runtime::on_response`]'s, outside the
    /// state machine.
    async fn run(
        self: &Rc<Self>,
        mut ticket: Ticket,
        options: &ReadOptions,
        generation: u64,
        token: u64,
    ) -> Result<JsValue> {
        let mut conditional = true;
        for _ in 0..MAX_ATTEMPTS {
            let (init, validated) = self.request_init(ticket.key(), &options.init, conditional);
            let sent = fetch::send(&self.fetch, ticket.key(), &init).await;
            let context = (options, validated, generation, token);
            match self.on_response(&ticket, context, sent)? {
                Step::Done(value) => return Ok(value),
                Step::Join(newer) => {
                    return JsFuture::from(newer)
                        .await
                        .map_err(|e| fetch::network(ticket.key(), &e).into())
                }
                Step::Again(still_conditional) => conditional &= still_conditional,
            }
            ticket = self.with_cache(|c| c.begin_fetch(ticket.key(), now()))?;
        }
        self.fail_fetch(&ticket)?;
        Err(Error::Unsettled {
            url: ticket.key().to_owned(),
        }
        .into())
    }

    /// The `RequestInit` of a read: stored validators make it conditional (a 304 confirms
    /// without a body). Also tells whether it is.
    #[inline(never)]
    fn request_init(&self, key: &str, init: &JsValue, conditional: bool) -> (JsValue, bool) {
        match conditional.then(|| self.validators(key)).flatten() {
            Some((etag, modified)) => (
                persist::conditional_init(init, etag.as_deref(), modified.as_deref()),
                true,
            ),
            None => (init.clone(), false),
        }
    }

    fn fail_fetch(&self, ticket: &Ticket) -> Result<()> {
        self.with_cache(|c| c.fail_fetch(ticket))
    }

    /// What a response (or a failed request) means for the read `ticket` stands for.
    /// `context`: the read's options, whether the request was conditional, the generation it
    /// started in and its task's token.
    #[inline(never)]
    fn on_response(
        self: &Rc<Self>,
        ticket: &Ticket,
        context: (&ReadOptions, bool, u64, u64),
        sent: Result<Fetched>,
    ) -> Result<Step> {
        let (options, validated, generation, token) = context;
        let key = ticket.key();
        let fetched = match sent {
            Ok(f) if (200..300).contains(&f.status) || (f.status == 304 && validated) => f,
            Ok(f) => {
                self.fail_fetch(ticket)?;
                self.record_fetch(ticket, Kind::Error, Cause::Status(f.status));
                self.apply_headers(&f.headers, key, None, None);
                self.apply_status(f.status, key);
                return Err(Error::Status {
                    url: key.to_owned(),
                    status: f.status,
                }
                .into());
            }
            Err(e) => {
                self.fail_fetch(ticket)?;
                self.record_fetch(ticket, Kind::Error, Cause::Network);
                return Err(e);
            }
        };
        if self.destroyed.get() {
            return Err(Error::Destroyed.into());
        }
        if self.generation.get() != generation {
            // Cleared (or the user changed) meanwhile: the caller gets its answer, the
            // cache keeps nothing of it.
            self.fail_fetch(ticket)?;
            return decode(key, &fetched).map(Step::Done);
        }
        let control = headers::cache_control(&fetched.headers);
        if control.no_store {
            self.fail_fetch(ticket)?;
            self.apply_headers(&fetched.headers, key, None, None);
            self.forget_persisted(key);
            return decode(key, &fetched).map(Step::Done);
        }
        if fetched.status == 304 {
            let arrival = Arrival {
                server_time: headers::date(&fetched.headers),
                max_age_cap: control.max_age,
                ..Arrival::default()
            };
            let confirmed = self.with_cache(|c| c.confirm_not_modified(ticket, arrival, now()))?;
            if let Some(Completion::Stored { .. }) = confirmed {
                self.record_fetch(ticket, Kind::Set, Cause::Status(304));
                self.persist_not_modified(key);
                return Ok(Step::Done(self.current_value(key)));
            }
            // Memory dropped the entry meanwhile, or something overtook the request: ask
            // again, for the whole body.
            return Ok(Step::Again(false));
        }
        let arrival = Arrival {
            page_type: options.page_type,
            tags: headers::tags(&fetched.headers)
                .into_iter()
                .chain(options.tags.iter().cloned())
                .collect(),
            server_time: headers::date(&fetched.headers),
            max_age_cap: control.max_age,
            fingerprint: fingerprint(&fetched.body),
            body_size: u32::try_from(fetched.body.len()).unwrap_or(u32::MAX),
            prefetch: options.prefetch,
        };
        let completion = self
            .with_cache(|c| c.complete_fetch(ticket, arrival, now(), || decode(key, &fetched)))?;
        let completion = completion.inspect_err(|_| {
            self.record_fetch(ticket, Kind::Error, Cause::Decode);
        })?;
        self.record_completion(ticket, &completion);
        // After storing, so that the response's own headers do not fence it; its entry is
        // spared, every other one they name is invalidated before the caller sees the value.
        self.apply_headers(&fetched.headers, key, Some(key), None);
        match completion {
            Completion::Stored { changed } => {
                self.persist_response(key, &fetched, &control);
                if changed {
                    self.rebase_layers(key);
                }
                let value = self.current_value(key);
                if changed {
                    self.notify(key, &value);
                }
                Ok(Step::Done(value))
            }
            Completion::Discarded(DiscardReason::Superseded) => {
                if let Some(newer) = self.newer_request(key, token) {
                    return Ok(Step::Join(newer));
                }
                let current = self.current_value(key);
                Ok(if current.is_undefined() {
                    Step::Again(true)
                } else {
                    Step::Done(current)
                })
            }
            Completion::Discarded(DiscardReason::InvalidatedInFlight) => Ok(Step::Again(true)),
        }
    }

    /// The promise of a request for `key` that another task (not `token`'s) owns, if any.
    fn newer_request(&self, key: &str, token: u64) -> Option<Promise> {
        if !self.with_cache(|c| c.is_in_flight(key)).unwrap_or(false) {
            return None;
        }
        promise_of(&self.pending.borrow(), key)
            .filter(|(t, _)| *t != token)
            .map(|(_, p)| p)
    }

    fn current_value(&self, key: &str) -> JsValue {
        if let Some(visible) = self.visible_value(key) {
            return visible;
        }
        self.with_cache(|c| c.inspect(key).map(|e| e.value().clone()))
            .ok()
            .flatten()
            .unwrap_or(JsValue::UNDEFINED)
    }

    /// Calls the subscribers of `key` with `value`; a throwing subscriber does not stop the others.
    fn notify(&self, key: &str, value: &JsValue) {
        // The listeners are copied out first: one may subscribe or unsubscribe while called.
        // A single listener (the usual case) is copied without a Vec.
        let (first, rest): (JsValue, Vec<JsValue>) = {
            let subscribers = self.subscribers.borrow();
            match subscribers.get(key).map(|list| list.as_slice()) {
                Some([(_, only)]) => (only.clone(), Vec::new()),
                Some([(_, first), rest @ ..]) => {
                    (first.clone(), rest.iter().map(|(_, f)| f.clone()).collect())
                }
                _ => return,
            }
        };
        call_quietly(&first, value);
        for listener in &rest {
            call_quietly(listener, value);
        }
    }
}

#[wasm_bindgen(module = "/src/web/glue.js")]
extern "C" {
    /// The length of `JSON.stringify(value)` (0 when it throws or gives `undefined`), in one
    /// call and without building the text: a value's size for the memory bound is an
    /// approximation anyway (escapes in strings are not counted), and stringifying long texts
    /// on every `set` cost more than the rest of it.
    #[wasm_bindgen(js_name = freshetJsonLength)]
    fn json_length(value: &JsValue) -> u32;
    /// `f(value)`, its exception swallowed in JS: a subscriber's exception is its own, and the
    /// cache and the other subscribers go on.
    #[wasm_bindgen(js_name = freshetCallQuietly)]
    fn call_quietly(f: &JsValue, value: &JsValue);
    /// `promise.catch(() => {})`: a promise that never rejects (nobody need handle its error).
    #[wasm_bindgen(js_name = freshetQuietly)]
    pub(super) fn quietly(promise: &Promise) -> Promise;
    /// `url` resolved against the page's address; `None` without a page or for a malformed URL.
    #[wasm_bindgen(js_name = freshetResolve)]
    fn resolve_js(url: &str) -> Option<String>;
    /// See [`super::fetch::describe`].
    #[wasm_bindgen(js_name = freshetDescribe)]
    pub(super) fn describe_js(e: &JsValue) -> String;
    /// A copy of `value` if it is an array whose items can be read (a proxy's traps or a
    /// getter may throw), else `None`. Read the app's arrays through this: an exception must
    /// never unwind through wasm.
    #[wasm_bindgen(js_name = freshetArray)]
    pub(crate) fn array_copy(value: &JsValue) -> Option<js_sys::Array>;
}

#[wasm_bindgen]
extern "C" {
    /// The global `queueMicrotask` (windows and workers alike).
    #[wasm_bindgen(js_name = queueMicrotask)]
    fn queue_microtask(task: &JsValue);
}

/// What one response means for its read (see [`Runtime::run`]).
enum Step {
    /// The read's answer.
    Done(JsValue),
    /// A newer request for the key owns the answer: wait for it.
    Join(Promise),
    /// Ask again; `false` makes the next request unconditional.
    Again(bool),
}

/// A task of the runtime as a promise. Every async path goes through this one instantiation of
/// `future_to_promise` (each is another copy of its glue and task machinery).
#[inline(never)]
pub(crate) fn spawn(task: Pin<Box<dyn Future<Output = JsResult>>>) -> Promise {
    future_to_promise(task)
}

/// The result of a task: a JS value, or what it rejects with.
pub(crate) type JsResult = std::result::Result<JsValue, JsValue>;

/// A synchronous read of `key`, recording for the memo how long its answer holds.
fn read_and_record(
    cache: &mut Cache<JsValue>,
    key: &str,
    now: crate::core::Millis,
) -> Option<JsValue> {
    let Some(value) = cache.peek(key, now).cloned() else {
        memo::forget();
        return None;
    };
    let cap = now + memo::MEMO_SPAN;
    match cache.inspect(key) {
        Some(entry) if entry.invalidated.is_none() => {
            let fresh = if entry.state(now) == EntryState::Fresh {
                entry.stale_at.min(cap)
            } else {
                0
            };
            memo::record(entry.expires_at.min(cap), fresh);
        }
        // Served while invalidated (the page type allows it): never memoized, so every read
        // still reaches the core.
        _ => memo::forget(),
    }
    Some(value)
}

fn invalid(url: &str, reason: KeyError) -> Error {
    Error::InvalidUrl {
        url: url.to_owned(),
        reason,
    }
}

fn resolve_against_page(url: &str) -> Option<String> {
    resolve_js(url)
}

/// Decodes a body: JSON by content type, else the text itself.
fn decode(key: &str, fetched: &Fetched) -> Result<JsValue> {
    // From the response's own JS string: the body does not cross back from wasm.
    if !headers::is_json(&fetched.headers) {
        return Ok(fetched.text.clone().into());
    }
    persist::json_parse(&fetched.text).map_err(|e| {
        Error::Decode {
            url: key.to_owned(),
            message: fetch::describe(&e),
        }
        .into()
    })
}
