//! The runtime's side of prefetching: offering keys to the core's governor, starting the
//! requests it hands out through the same path as a read (`start_fetch`: dedup, tiers,
//! fences), settling `preload` / `prefetchBatch` promises, the predictor, and the triggers that
//! the DOM glue (`web::prefetch`) registers. A prefetch never throws into the page: whatever
//! goes wrong is counted in `prefetchStats()`.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::{Function, Promise};
use wasm_bindgen::JsValue;

use super::{ReadOptions, Runtime};
use crate::core::prefetch::{Owner, Predictor, PrefetchStats, SkipReason};
use crate::web::clock::now;
use crate::web::prefetch::{keys_of, network, Dom, TriggerSpec, Triggers};

/// Prefetch state of one runtime that is not the core's (the core holds queue and counters).
#[derive(Default)]
pub struct State {
    next_owner: Cell<Owner>,
    /// The triggers' JS side, made at the first trigger (or prediction).
    dom: RefCell<Option<Dom>>,
    /// Owners of the `preload` / `prefetchBatch` promises not yet settled (their `resolve` is
    /// kept by the JS side).
    waiters: RefCell<Vec<Owner>>,
    predictor: RefCell<Predictor>,
    /// The app's `prefetch.routeKeys(route)`: the data keys a route needs.
    route_keys: RefCell<Option<Function>>,
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
                // The JS side calls back (op 3) when it settles.
                Ok(promise) => self.triggers().after(&promise, &key),
                // Busy: a callback of ours is running; counted as failed, and the loop goes on.
                Err(_) => {
                    let _ = self.with_cache_read(|c| c.finish_prefetch(&key, false));
                }
            }
        }
    }

    /// The prefetch request for `key` ended, with data (`ok`) or not.
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
        let waited = {
            let mut waiters = self.prefetch.waiters.borrow_mut();
            let index = waiters.iter().position(|w| *w == owner);
            index.map(|i| waiters.swap_remove(i)).is_some()
        };
        if waited {
            let _ = self.with_cache_read(|c| c.prefetch_mut().cancel(owner));
            // Resolving a promise runs no app code synchronously.
            if let Some(dom) = self.prefetch.dom.borrow().as_ref() {
                dom.triggers().resolve(owner);
            }
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
        let promise = self.triggers().wait(owner);
        self.prefetch.waiters.borrow_mut().push(owner);
        if let Some(limit) = concurrency {
            let _ = self.with_cache_read(|c| c.prefetch_mut().limit_owner(owner, limit));
        }
        self.prefetch_urls(urls, owner);
        (owner, promise)
    }

    /// Drops `owner`'s queued keys (its open requests run to their end); its trigger, if it
    /// has one, was ended already by the JS side.
    pub fn cancel_prefetch(&self, owner: Owner) {
        let _ = self.with_cache_read(|c| c.prefetch_mut().cancel(owner));
        self.settle_prefetch(owner);
    }

    /// Registers a trigger for `owner` (see [`TriggerSpec`]); returns its cancel function.
    /// Fails only for a malformed selector or root margin.
    pub fn add_prefetch_trigger(
        self: &Rc<Self>,
        owner: Owner,
        spec: &TriggerSpec<'_>,
    ) -> Result<Function, JsValue> {
        self.triggers().add(owner, spec)
    }

    /// The triggers' JS side, made if need be.
    fn triggers(self: &Rc<Self>) -> Triggers {
        let mut slot = self.prefetch.dom.borrow_mut();
        let dom = slot.get_or_insert_with(|| {
            let dom = Dom::new(self);
            // After `destroy`, triggers are undone as soon as they are made.
            if self.destroyed.get() {
                dom.triggers().close();
            }
            dom
        });
        dom.triggers().clone()
    }

    /// What the triggers' JS side calls: `0`: prefetch `value`'s keys for `owner` (from the
    /// app's key function for links: anything but keys counts as invalid); `1`: the
    /// predictions are due; `2`: `owner` was cancelled; `3`: the prefetch of key `value` ended.
    pub(crate) fn on_trigger(self: &Rc<Self>, op: u32, owner: Owner, value: &JsValue) {
        match op {
            0 => match keys_of(value) {
                Some(urls) => self.prefetch_urls(&urls, owner),
                None => self.count_invalid_prefetch(),
            },
            1 => self.prefetch_predicted(),
            2 => self.cancel_prefetch(owner),
            // `owner` is 1 when the request ended with data.
            _ => self.end_prefetch(&value.as_string().unwrap_or_default(), owner == 1),
        }
    }

    fn count_invalid_prefetch(&self) {
        let _ = self.with_cache_read(|c| c.prefetch_mut().skip(SkipReason::Invalid));
    }

    /// Records a navigation to `route` for the predictor; when the browser is next idle, the
    /// data of the likeliest next routes (by `prefetch.routeKeys`) is prefetched.
    pub fn record_navigation(self: &Rc<Self>, route: &str) {
        self.prefetch.predictor.borrow_mut().record(route);
        if self.prefetch.route_keys.borrow().is_none() || self.destroyed.get() {
            return;
        }
        // Replacing a pending one cancels it: only the newest route's predictions matter.
        self.triggers().predict_at_idle();
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
            let keys = route_keys.call1(&JsValue::UNDEFINED, &JsValue::from_str(&route));
            match keys.ok().as_ref().and_then(keys_of) {
                Some(keys) => urls.extend(keys),
                None => self.count_invalid_prefetch(),
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
            if let Some(dom) = self.prefetch.dom.borrow().as_ref() {
                dom.triggers().close();
            }
        }
        let owners: Vec<Owner> = self.prefetch.waiters.borrow().clone();
        for owner in owners {
            if destroying {
                let _ = self.with_cache_read(|c| c.prefetch_mut().cancel(owner));
            }
            self.settle_prefetch(owner);
        }
    }

    /// How many prefetch triggers are registered (for tests of cleanup).
    pub fn prefetch_triggers(&self) -> usize {
        let dom = self.prefetch.dom.borrow();
        dom.as_ref().map_or(0, |dom| dom.triggers().count())
    }
}
