//! The browser runtime: the core cache plus what only a browser has — `fetch`, promises,
//! subscriber callbacks, focus and network signals, timers. Every decision is the core's.

use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::{Rc, Weak};

use js_sys::{Function, Promise};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::{future_to_promise, JsFuture};

use crate::core::cache::{
    Arrival, Cache, CacheConfig, Completion, DiscardReason, ReadPlan, Ticket,
};
use crate::core::entry::{Entry, InvalidationSource};
use crate::core::fingerprint::fingerprint;
use crate::core::invalidation::Target;
use crate::core::key::{normalize_key, KeyError};
use crate::core::page_type::PageTypeId;
use crate::error::{Error, Result};

use super::clock::now;
use super::fetch::{self, Fetched};
use super::headers;
use super::listener::EventListener;
use super::timer::Interval;

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
}

type Listeners = HashMap<String, Vec<(u32, Function)>>;

/// The runtime behind one `FreshetCache`.
pub struct Runtime {
    cache: RefCell<Cache<JsValue>>,
    fetch: Function,
    origin: String,
    subscribers: RefCell<Listeners>,
    next_subscriber: Cell<u32>,
    /// Promises of requests in flight, by key, with the token of the task that owns each.
    pending: RefCell<HashMap<String, (u64, Promise)>>,
    next_token: Cell<u64>,
    signals: RefCell<Vec<EventListener>>,
    gc_timer: RefCell<Option<Interval>>,
    destroyed: Cell<bool>,
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
        });
        rt.listen(config.revalidate_on_focus, config.revalidate_on_reconnect);
        let weak = Rc::downgrade(&rt);
        *rt.gc_timer.borrow_mut() = Interval::new(gc_every, move || {
            if let Some(rt) = weak.upgrade() {
                rt.cache.borrow_mut().collect_garbage(now());
            }
        });
        Ok(rt)
    }

    fn listen(self: &Rc<Self>, focus: bool, reconnect: bool) {
        let Some(window) = web_sys::window() else {
            return;
        };
        let mut signals = self.signals.borrow_mut();
        let mut on = |target: &web_sys::EventTarget, event: &'static str| {
            let weak: Weak<Runtime> = Rc::downgrade(self);
            let listener = EventListener::new(target, event, move |_| {
                if let Some(rt) = weak.upgrade() {
                    rt.revalidate_on_focus();
                }
            });
            signals.extend(listener);
        };
        if focus {
            on(&window, "focus");
            if let Some(document) = window.document() {
                on(&document, "visibilitychange");
            }
        }
        if reconnect {
            on(&window, "online");
        }
    }

    fn revalidate_on_focus(self: &Rc<Self>) {
        let visible = web_sys::window()
            .and_then(|w| w.document())
            .is_none_or(|d| d.visibility_state() == web_sys::VisibilityState::Visible);
        if !visible || self.destroyed.get() {
            return;
        }
        let keys = self.cache.borrow_mut().keys_to_revalidate_on_focus(now());
        for key in keys {
            self.revalidate(key, ReadOptions::default());
        }
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
                    .map_err(|e| invalid(url, e))
            }
            Err(reason) => Err(invalid(url, reason)),
        }
    }

    /// The value a synchronous read may show now, or `undefined`.
    pub fn peek(&self, url: &str) -> Result<JsValue> {
        let key = self.key_of(url)?;
        Ok(self
            .cache
            .borrow_mut()
            .peek(&key, now())
            .cloned()
            .unwrap_or(JsValue::UNDEFINED))
    }

    /// Reads `url`: from memory when servable (revalidating stale data in the background),
    /// else from the network, joining a request already in flight.
    pub fn get(self: &Rc<Self>, url: &str, options: ReadOptions) -> Result<Promise> {
        if self.destroyed.get() {
            return Err(Error::Destroyed);
        }
        let key = self.key_of(url)?;
        if options.force {
            return Ok(self.start_fetch(key.into_owned(), options));
        }
        let (value, revalidate) = match self.cache.borrow_mut().plan_read(&key, now()) {
            ReadPlan::Serve {
                value, revalidate, ..
            } => (value.clone(), revalidate),
            ReadPlan::Join => match self.pending.borrow().get(&*key) {
                Some((_, promise)) => return Ok(promise.clone()),
                None => (JsValue::UNDEFINED, false),
            },
            ReadPlan::Fetch => return Ok(self.start_fetch(key.into_owned(), options)),
        };
        if value.is_undefined() {
            // In flight in the core but no promise here: cannot happen unless a task died.
            return Ok(self.start_fetch(key.into_owned(), options));
        }
        if revalidate {
            self.revalidate(key.into_owned(), options);
        }
        Ok(Promise::resolve(&value))
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
        let size = js_sys::JSON::stringify(&value)
            .ok()
            .and_then(|s| s.as_string())
            .map_or(0, |s| s.len());
        let size = u32::try_from(size).unwrap_or(u32::MAX);
        self.cache
            .borrow_mut()
            .set(&key, value.clone(), page_type, tags, size, now());
        self.notify(&key, &value);
        Ok(())
    }

    /// Invalidates `url`; if it has subscribers, refetches it now.
    pub fn invalidate(self: &Rc<Self>, url: &str) -> Result<()> {
        let key = self.key_of(url)?.into_owned();
        let refetch = self.cache.borrow_mut().invalidate(
            Target::Key(key.into()),
            InvalidationSource::Api,
            now(),
        );
        self.refetch(refetch);
        Ok(())
    }

    /// Refetches observed keys that an invalidation named, unless already in flight (a request
    /// in flight was fenced by the invalidation and refetches by itself).
    pub fn refetch(self: &Rc<Self>, keys: Vec<String>) {
        for key in keys {
            if !self.cache.borrow().is_in_flight(&key) {
                self.revalidate(key, ReadOptions::default());
            }
        }
    }

    /// Calls `listener(value)` whenever the value under `url` changes; returns the id to
    /// pass to [`Runtime::unsubscribe`].
    pub fn subscribe(&self, url: &str, listener: Function) -> Result<(String, u32)> {
        let key = self.key_of(url)?.into_owned();
        let id = self.next_subscriber.get().wrapping_add(1);
        self.next_subscriber.set(id);
        self.subscribers
            .borrow_mut()
            .entry(key.clone())
            .or_default()
            .push((id, listener));
        self.cache.borrow_mut().observe(&key);
        Ok((key, id))
    }

    /// Removes a subscriber; removing one twice is harmless.
    pub fn unsubscribe(&self, key: &str, id: u32) {
        let mut subscribers = self.subscribers.borrow_mut();
        let Some(list) = subscribers.get_mut(key) else {
            return;
        };
        let before = list.len();
        list.retain(|(i, _)| *i != id);
        if list.len() < before {
            if list.is_empty() {
                subscribers.remove(key);
            }
            self.cache.borrow_mut().unobserve(key, now());
        }
    }

    /// Runs `f` on the entry under `url` without counting a use.
    pub fn inspect<T>(
        &self,
        url: &str,
        f: impl FnOnce(&str, &Entry<JsValue>, &CacheConfig) -> T,
    ) -> Result<Option<T>> {
        let key = self.key_of(url)?;
        let cache = self.cache.borrow();
        Ok(cache.inspect(&key).map(|e| f(&key, e, cache.config())))
    }

    /// Every key in memory.
    pub fn keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = self
            .cache
            .borrow()
            .memory()
            .iter()
            .map(|(k, _)| k.to_owned())
            .collect();
        keys.sort_unstable();
        keys
    }

    /// Resolves a page type name against the configured table.
    pub fn page_type(&self, name: &str) -> PageTypeId {
        self.cache.borrow().config().page_types.resolve(name)
    }

    /// Empties memory and drops every request in flight (their results are not stored).
    pub fn clear(&self) {
        self.cache.borrow_mut().clear();
        self.pending.borrow_mut().clear();
    }

    /// Stops listening and timing; later calls fail with [`Error::Destroyed`].
    pub fn destroy(&self) {
        self.destroyed.set(true);
        self.signals.borrow_mut().clear();
        self.gc_timer.borrow_mut().take();
        self.clear();
        self.subscribers.borrow_mut().clear();
    }

    /// Starts a background request for `key`; subscribers see its result.
    fn revalidate(self: &Rc<Self>, key: String, options: ReadOptions) {
        // The promise already has a rejection handler (see start_fetch); nobody awaits it.
        drop(self.start_fetch(key, options));
    }

    /// Starts a request for `key` and returns the promise of its value.
    fn start_fetch(self: &Rc<Self>, key: String, options: ReadOptions) -> Promise {
        let ticket = self.cache.borrow_mut().begin_fetch(&key, now());
        let token = self.next_token.get().wrapping_add(1);
        self.next_token.set(token);
        let rt = Rc::clone(self);
        let promise = future_to_promise(async move {
            let result = rt.run(ticket, &options, token).await;
            rt.pending.borrow_mut().retain(|_, (t, _)| *t != token);
            result.map_err(JsValue::from)
        });
        // A background revalidation may have no reader; its failure must not surface as an
        // unhandled rejection. Readers that join get the original promise and see the error.
        let _ = IGNORE.with(|ignore| promise.catch(ignore));
        self.pending
            .borrow_mut()
            .insert(key, (token, promise.clone()));
        promise
    }

    /// Fetches until a response is stored (or there is nothing left to wait for).
    async fn run(
        self: &Rc<Self>,
        mut ticket: Ticket,
        options: &ReadOptions,
        token: u64,
    ) -> Result<JsValue> {
        for _ in 0..MAX_ATTEMPTS {
            let fetched = match fetch::send(&self.fetch, ticket.key(), &options.init).await {
                Ok(f) if (200..300).contains(&f.status) => f,
                Ok(f) => {
                    self.cache.borrow_mut().fail_fetch(&ticket);
                    return Err(Error::Status {
                        url: ticket.key().to_owned(),
                        status: f.status,
                    });
                }
                Err(e) => {
                    self.cache.borrow_mut().fail_fetch(&ticket);
                    return Err(e);
                }
            };
            if self.destroyed.get() {
                return Err(Error::Destroyed);
            }
            let control = headers::cache_control(&fetched.headers);
            if control.no_store {
                self.cache.borrow_mut().fail_fetch(&ticket);
                return decode(ticket.key(), &fetched);
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
            let completion =
                self.cache
                    .borrow_mut()
                    .complete_fetch(&ticket, arrival, now(), || decode(ticket.key(), &fetched))?;
            match completion {
                Completion::Stored { changed } => {
                    let value = self.current_value(ticket.key());
                    if changed {
                        self.notify(ticket.key(), &value);
                    }
                    return Ok(value);
                }
                Completion::Discarded(DiscardReason::Superseded) => {
                    if let Some(newer) = self.newer_request(ticket.key(), token) {
                        return JsFuture::from(newer).await.map_err(|e| Error::Network {
                            url: ticket.key().to_owned(),
                            message: fetch::describe(&e),
                        });
                    }
                    let current = self.current_value(ticket.key());
                    if !current.is_undefined() {
                        return Ok(current);
                    }
                }
                Completion::Discarded(DiscardReason::InvalidatedInFlight) => {}
            }
            ticket = self.cache.borrow_mut().begin_fetch(ticket.key(), now());
        }
        self.cache.borrow_mut().fail_fetch(&ticket);
        Err(Error::Unsettled {
            url: ticket.key().to_owned(),
        })
    }

    /// The promise of a request for `key` that another task (not `token`'s) owns, if any.
    fn newer_request(&self, key: &str, token: u64) -> Option<Promise> {
        if !self.cache.borrow().is_in_flight(key) {
            return None;
        }
        self.pending
            .borrow()
            .get(key)
            .filter(|(t, _)| *t != token)
            .map(|(_, p)| p.clone())
    }

    fn current_value(&self, key: &str) -> JsValue {
        self.cache
            .borrow()
            .inspect(key)
            .map_or(JsValue::UNDEFINED, |e| e.value().clone())
    }

    /// Calls the subscribers of `key` with `value`; a throwing subscriber does not stop the others.
    fn notify(&self, key: &str, value: &JsValue) {
        let listeners: Vec<Function> = match self.subscribers.borrow().get(key) {
            Some(list) => list.iter().map(|(_, f)| f.clone()).collect(),
            None => return,
        };
        for listener in listeners {
            let _ = listener.call1(&JsValue::UNDEFINED, value);
        }
    }
}

fn invalid(url: &str, reason: KeyError) -> Error {
    Error::InvalidUrl {
        url: url.to_owned(),
        reason,
    }
}

fn resolve_against_page(url: &str) -> Option<String> {
    let base = web_sys::window()?.location().href().ok()?;
    Some(web_sys::Url::new_with_base(url, &base).ok()?.href())
}

/// Decodes a body: JSON by content type, else the text itself.
fn decode(key: &str, fetched: &Fetched) -> Result<JsValue> {
    if !headers::is_json(&fetched.headers) {
        return Ok(JsValue::from_str(&fetched.body));
    }
    js_sys::JSON::parse(&fetched.body).map_err(|e| Error::Decode {
        url: key.to_owned(),
        message: fetch::describe(&e),
    })
}

thread_local! {
    // One shared no-op rejection handler for the whole module; it lives as long as the page.
    static IGNORE: Closure<dyn FnMut(JsValue)> = Closure::new(|_| {});
}
