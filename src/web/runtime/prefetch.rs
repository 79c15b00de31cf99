//! The runtime's side of prefetching: offering keys to the core's governor, starting the
//! requests it hands out through the same path as a read (`start_fetch`: dedup, tiers,
//! fences), settling `preload` / `prefetchBatch` promises, the predictor, and the triggers that
//! the DOM glue (`web::prefetch`) registers. A prefetch never throws into the page: whatever
//! goes wrong is counted in `prefetchStats()`.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::{Function, Promise};
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::{spawn_local, JsFuture};

use super::{ReadOptions, Runtime};
use crate::core::prefetch::{Owner, Predictor, PrefetchStats, SkipReason};
use crate::core::FastMap;
use crate::web::clock::now;
use crate::web::idle::Idle;
use crate::web::observer::Mutations;
use crate::web::prefetch::{network, Trigger};

/// Prefetch state of one runtime that is not the core's (the core holds queue and counters).
#[derive(Default)]
pub struct State {
    next_owner: Cell<Owner>,
    triggers: RefCell<FastMap<Owner, Trigger>>,
    /// `resolve` of the promise of each `preload` / `prefetchBatch` not yet settled.
    waiters: RefCell<FastMap<Owner, Function>>,
    predictor: RefCell<Predictor>,
    /// The app's `prefetch.routeKeys(route)`: the data keys a route needs.
    route_keys: RefCell<Option<Function>>,
    predict_at_idle: RefCell<Option<Idle>>,
    /// Watches the document for removed elements while element triggers exist.
    removals: RefCell<Option<Mutations>>,
}

impl Runtime {
    /// Sets the app's `prefetch.routeKeys(route)`, which the predictor needs to prefetch.
    pub fn set_route_keys(&self, route_keys: Option<Function>) {
        *self.prefetch.route_keys.borrow_mut() = route_keys;
    }

    /// A new owner id for a trigger, a batch or a preload.
    pub fn new_prefetch_owner(&self) -> Owner {
        let id = self.prefetch.next_owner.get().wrapping_add(1).max(1);
        self.prefetch.next_owner.set(id);
        id
    }

    /// The hover delay configured for the cache.
    pub fn hover_delay(&self) -> crate::core::Millis {
        self.cache
            .try_borrow()
            .map_or(100, |c| c.config().prefetch.hover_delay)
    }

    /// Prefetches `urls` for `owner`: each goes to the governor (which skips fresh and in-flight
    /// entries, and everything on Save-Data or 2g) and starts when a slot is free.
    pub fn prefetch_urls(self: &Rc<Self>, urls: &[String], owner: Owner) {
        if self.destroyed.get() {
            return;
        }
        let network = network();
        for url in urls {
            let Ok(key) = self.key_of(url).map(|k| k.into_owned()) else {
                let _ = self.with_cache_read(|c| c.prefetch_mut().skip(SkipReason::Invalid));
                continue;
            };
            // Like a read: a persisted record is restored first, and may be fresh enough.
            self.restore_if_missing(&key);
            let _ = self.with_cache_read(|c| c.offer_prefetch(&key, owner, &network, now()));
        }
        self.pump_prefetch();
        self.settle_prefetch(owner);
    }

    /// Starts queued prefetches while the governor has slots for them.
    fn pump_prefetch(self: &Rc<Self>) {
        if self.destroyed.get() {
            return;
        }
        while let Ok(Some((key, _))) = self.with_cache_read(|c| c.next_prefetch(now())) {
            let options = ReadOptions {
                prefetch: true,
                ..ReadOptions::default()
            };
            match self.start_fetch(key.to_string(), options) {
                Ok(promise) => {
                    let rt = Rc::clone(self);
                    spawn_local(async move {
                        let ok = JsFuture::from(promise).await.is_ok();
                        rt.end_prefetch(&key, ok);
                    });
                }
                // Busy: a callback of ours is running; counted as failed, and the loop goes on.
                Err(_) => {
                    let _ = self.with_cache_read(|c| c.finish_prefetch(&key, false));
                }
            }
        }
    }

    fn end_prefetch(self: &Rc<Self>, key: &str, ok: bool) {
        let owner = self
            .with_cache_read(|c| c.finish_prefetch(key, ok))
            .ok()
            .flatten();
        self.pump_prefetch();
        if let Some(owner) = owner {
            self.settle_prefetch(owner);
        }
    }

    /// Resolves `owner`'s promise once none of its keys is queued or open.
    fn settle_prefetch(&self, owner: Owner) {
        let pending = self
            .with_cache_read(|c| c.prefetch().pending(owner))
            .unwrap_or(0);
        if pending > 0 {
            return;
        }
        let waiter = self.prefetch.waiters.borrow_mut().remove(&owner);
        if let Some(resolve) = waiter {
            let _ = self.with_cache_read(|c| c.prefetch_mut().cancel(owner));
            // Resolving a promise runs no app code synchronously.
            let _ = resolve.call0(&JsValue::UNDEFINED);
        }
    }

    /// Prefetches `urls` and returns a promise that resolves (never rejects) once each was
    /// stored, failed or skipped; `concurrency` caps this call's own open requests.
    pub fn prefetch_tracked(
        self: &Rc<Self>,
        urls: &[String],
        concurrency: Option<usize>,
    ) -> (Owner, Promise) {
        let owner = self.new_prefetch_owner();
        let mut resolve = None;
        let promise = Promise::new(&mut |res, _| resolve = Some(res));
        if let Some(resolve) = resolve {
            self.prefetch.waiters.borrow_mut().insert(owner, resolve);
        }
        if let Some(limit) = concurrency {
            let _ = self.with_cache_read(|c| c.prefetch_mut().limit_owner(owner, limit));
        }
        self.prefetch_urls(urls, owner);
        (owner, promise)
    }

    /// Drops `owner`'s queued keys (its open requests run to their end) and its trigger, if it
    /// has one: its listeners and observers are removed.
    pub fn cancel_prefetch(&self, owner: Owner) {
        let trigger = self.prefetch.triggers.borrow_mut().remove(&owner);
        // Dropped outside the borrow: removing listeners calls into the browser.
        drop(trigger);
        let _ = self.with_cache_read(|c| c.prefetch_mut().cancel(owner));
        self.settle_prefetch(owner);
    }

    /// Drops `owner`'s trigger (a one-shot trigger that fired); keys it offered stay queued.
    pub fn drop_prefetch_trigger(&self, owner: Owner) {
        let trigger = self.prefetch.triggers.borrow_mut().remove(&owner);
        drop(trigger);
    }

    /// Counts a prefetch whose keys could not be had (the app's key function threw).
    pub fn count_invalid_prefetch(&self) {
        let _ = self.with_cache_read(|c| c.prefetch_mut().skip(SkipReason::Invalid));
    }

    /// Keeps `trigger` (its listeners, observers, timers) until cancelled, or until its
    /// element leaves the document.
    pub fn add_prefetch_trigger(self: &Rc<Self>, owner: Owner, trigger: Trigger) {
        if self.destroyed.get() {
            return;
        }
        let watches_element = trigger.element().is_some();
        self.prefetch.triggers.borrow_mut().insert(owner, trigger);
        if watches_element && self.prefetch.removals.borrow().is_none() {
            self.watch_removals();
        }
    }

    fn watch_removals(self: &Rc<Self>) {
        let Some(document) = web_sys::window().and_then(|w| w.document()) else {
            return;
        };
        let weak = Rc::downgrade(self);
        let watch = Mutations::new(&document, move |records| {
            if records.iter().any(|r| r.removed_nodes().length() > 0) {
                if let Some(rt) = weak.upgrade() {
                    rt.drop_detached_triggers();
                }
            }
        });
        *self.prefetch.removals.borrow_mut() = watch.ok();
    }

    /// Drops the triggers whose element left the document (checked after the task that
    /// removed it, so an element moved within one task keeps its trigger).
    fn drop_detached_triggers(&self) {
        let (detached, none_left) = {
            let mut triggers = self.prefetch.triggers.borrow_mut();
            let gone: Vec<Owner> = triggers
                .iter()
                .filter(|(_, t)| t.element().is_some_and(|e| !e.is_connected()))
                .map(|(id, _)| *id)
                .collect();
            let detached: Vec<Trigger> = gone.iter().filter_map(|id| triggers.remove(id)).collect();
            let none_left = triggers.values().all(|t| t.element().is_none());
            (detached, none_left)
        };
        drop(detached);
        if none_left {
            let watch = self.prefetch.removals.borrow_mut().take();
            drop(watch);
        }
    }

    /// Records a navigation to `route` for the predictor; when the browser is next idle, the
    /// data of the likeliest next routes (by `prefetch.routeKeys`) is prefetched.
    pub fn record_navigation(self: &Rc<Self>, route: &str) {
        self.prefetch.predictor.borrow_mut().record(route);
        if self.prefetch.route_keys.borrow().is_none() || self.destroyed.get() {
            return;
        }
        let weak = Rc::downgrade(self);
        let idle = Idle::new(Some(2_000), move || {
            if let Some(rt) = weak.upgrade() {
                rt.prefetch_predicted();
            }
        });
        // Replacing a pending one cancels it: only the newest route's predictions matter.
        let previous = self.prefetch.predict_at_idle.replace(idle);
        drop(previous);
    }

    fn prefetch_predicted(self: &Rc<Self>) {
        // Cloned: the app's function is called with no borrow held.
        let Some(route_keys) = self.prefetch.route_keys.borrow().clone() else {
            return;
        };
        let count = self
            .cache
            .try_borrow()
            .map_or(0, |c| c.config().prefetch.predictions);
        let routes: Vec<String> = self
            .prefetch
            .predictor
            .borrow()
            .predict(count)
            .into_iter()
            .map(str::to_owned)
            .collect();
        let mut urls = Vec::new();
        for route in routes {
            match crate::web::prefetch::call_keys(&route_keys, &[JsValue::from_str(&route)]) {
                Some(keys) => urls.extend(keys),
                None => {
                    let _ = self.with_cache_read(|c| c.prefetch_mut().skip(SkipReason::Invalid));
                }
            }
        }
        self.prefetch_urls(&urls, 0);
    }

    /// The prefetch counters, with how many keys wait and how many requests are open.
    pub fn prefetch_stats(&self) -> (PrefetchStats, usize, usize) {
        self.with_cache_read(|c| {
            let g = c.prefetch();
            (g.stats().clone(), g.queued(), g.open())
        })
        .unwrap_or_default()
    }

    /// Called by `clear` (the core dropped the queue) and `destroy`: settles every waiting
    /// promise that has nothing open; on `destroy`, also drops every trigger.
    pub(super) fn reset_prefetch(&self, destroying: bool) {
        if destroying {
            let triggers: Vec<Trigger> = self
                .prefetch
                .triggers
                .borrow_mut()
                .drain()
                .map(|(_, t)| t)
                .collect();
            drop(triggers);
            let idle = self.prefetch.predict_at_idle.borrow_mut().take();
            drop(idle);
            let watch = self.prefetch.removals.borrow_mut().take();
            drop(watch);
        }
        let owners: Vec<Owner> = self.prefetch.waiters.borrow().keys().copied().collect();
        for owner in owners {
            if destroying {
                let _ = self.with_cache_read(|c| c.prefetch_mut().cancel(owner));
            }
            self.settle_prefetch(owner);
        }
    }

    /// How many prefetch triggers are registered (for tests of cleanup).
    pub fn prefetch_triggers(&self) -> usize {
        self.prefetch.triggers.borrow().len()
    }
}
