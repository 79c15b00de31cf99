//! Optimistic mutations in the runtime: layers (see [`crate::core::optimistic`]) over the
//! confirmed values of the cache, the request that confirms or refutes them, and rollback.
//!
//! The cache's entries always hold confirmed data (so only that is persisted); what readers and
//! subscribers see is the confirmed value with the pending layers applied.

use std::rc::Rc;

use js_sys::{Array, Function, Promise};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::core::entry::InvalidationSource;
use crate::core::invalidation::Target;
use crate::core::optimistic::LayerId;
use crate::error::{Error, Result};

use super::super::clock::now;
use super::super::fetch::describe;
use super::super::memo;
use super::{spawn, ReadOptions, Runtime};

/// How a successful mutation's result reaches the cache.
pub enum Populate {
    /// The keys are refetched (if `revalidate`), or keep their confirmed values.
    No,
    /// The result becomes the confirmed value of every key.
    Result,
    /// `f(result, confirmed)` becomes the confirmed value.
    With(Function),
}

/// Whether a failed mutation's layers are removed.
pub enum Rollback {
    /// Always (the default).
    Always,
    /// Never: the optimistic value becomes the confirmed one.
    Never,
    /// When `f(error)` is truthy.
    When(Function),
}

/// One `mutate` call.
pub struct Mutation {
    /// Request keys the mutation changes.
    pub keys: Vec<String>,
    /// The optimistic value, or a function of the current value; `undefined` for none.
    pub optimistic: JsValue,
    /// `{ url, ...init }` to send through the cache's `fetch`, or a function returning a promise.
    pub request: JsValue,
    /// What the result does to the cache.
    pub populate: Populate,
    /// What a failure does.
    pub rollback: Rollback,
    /// Refetch the keys after success (when the result does not populate them).
    pub revalidate: bool,
    /// Reject the returned promise on failure (else resolve with `undefined`).
    pub throw_on_error: bool,
    /// Mutations of one scope send their requests one after another.
    pub scope: Option<String>,
}

#[wasm_bindgen(module = "/src/web/glue.js")]
extern "C" {
    /// What a mutation's request (`sent`: its result, or a promise of it) came to: `[0, value]`
    /// (anything but a `Response`; a response's JSON body, or `undefined` when it has none),
    /// or `[1, url, status]` for a response that is not ok. Rejects as the request or the
    /// body's parsing does.
    #[wasm_bindgen(js_name = freshetOutcome)]
    fn outcome_js(sent: &JsValue) -> Promise;
}

/// Applies a layer: a function is called with the value below it, anything else replaces it.
fn apply(layer: &JsValue, base: Option<&JsValue>) -> std::result::Result<JsValue, JsValue> {
    match layer.dyn_ref::<Function>() {
        Some(f) => f.call1(&JsValue::UNDEFINED, base.unwrap_or(&JsValue::UNDEFINED)),
        None => Ok(layer.clone()),
    }
}

impl Runtime {
    /// Starts a mutation: layers go on at once (subscribers see them in this task), then the
    /// request runs; the promise settles with its result once the keys hold confirmed data.
    pub fn mutate(self: &Rc<Self>, mutation: Mutation) -> Result<Promise> {
        if self.destroyed.get() {
            return Err(Error::Destroyed.into());
        }
        if mutation.request.is_undefined() {
            return self.update_locally(&mutation);
        }
        let mut layers: Vec<(String, LayerId)> = Vec::new();
        if !mutation.optimistic.is_undefined() {
            for key in &mutation.keys {
                match self.push_layer(key, mutation.optimistic.clone()) {
                    Ok(id) => layers.push((key.clone(), id)),
                    Err(thrown) => {
                        // The optimistic function threw: nothing of this mutation stays.
                        self.remove_layers(&layers);
                        return Err(Error::Optimistic(describe(&thrown)).into());
                    }
                }
            }
        }
        let previous = mutation
            .scope
            .as_ref()
            .and_then(|s| super::promise_of(&self.scopes.borrow(), s))
            .map(|(_, p)| p);
        let rt = Rc::clone(self);
        let scope = mutation.scope.clone();
        let promise = spawn(Box::pin(async move {
            if let Some(previous) = previous {
                // The previous mutation of the scope only has to end; its outcome is its own.
                let _ = JsFuture::from(previous).await;
            }
            let outcome = rt.send(&mutation).await;
            rt.settle(&mutation, &layers, outcome).await
        }));
        if let Some(scope) = scope {
            // The tail must never reject, or the next mutation would see its error.
            let tail = super::quietly(&promise);
            self.scopes
                .borrow_mut()
                .insert(scope.into(), Box::new(vec![(0, tail.into())]));
        }
        Ok(promise)
    }

    /// A mutation without a request is a local update (SWR's `mutate(key, data)`): the
    /// optimistic value, applied to the confirmed one, becomes the confirmed value at once;
    /// layers of mutations still pending are replayed over it.
    fn update_locally(&self, mutation: &Mutation) -> Result<Promise> {
        if mutation.optimistic.is_undefined() {
            return Ok(Promise::resolve(&JsValue::UNDEFINED));
        }
        for key in &mutation.keys {
            let current = self.confirmed_value(key);
            let current = (!current.is_undefined()).then_some(current);
            let next = apply(&mutation.optimistic, current.as_ref())
                .map_err(|e| Error::Optimistic(describe(&e)))?;
            self.set_key(key, next, None, Vec::new())?;
        }
        Ok(Promise::resolve(&JsValue::UNDEFINED))
    }

    /// Sends the request: a function's promise, or `{ url, ...init }` through the cache's
    /// `fetch` (so the response's invalidation headers are applied). A non-2xx response or a
    /// body that is not JSON where JSON is declared is an error.
    async fn send(self: &Rc<Self>, mutation: &Mutation) -> std::result::Result<JsValue, JsValue> {
        let request = &mutation.request;
        let sent = if let Some(f) = request.dyn_ref::<Function>() {
            f.call0(&JsValue::UNDEFINED)?
        } else if request.is_object() {
            let url = js_sys::Reflect::get(request, &"url".into())?;
            let url = match url.as_string() {
                Some(url) => url,
                None => mutation.keys.first().cloned().ok_or_else(|| {
                    JsValue::from(Error::InvalidOptions("request.url is missing".into()))
                })?,
            };
            self.fetch_through(url.into(), request.clone(), None).into()
        } else {
            return Ok(JsValue::UNDEFINED);
        };
        let outcome = JsFuture::from(outcome_js(&sent)).await?;
        let outcome = outcome.unchecked_into::<Array>();
        if outcome.get(0).is_truthy() {
            return Err(Error::Status {
                url: outcome.get(1).as_string().unwrap_or_default(),
                status: outcome.get(2).as_f64().unwrap_or(0.0) as u16,
            }
            .into());
        }
        Ok(outcome.get(1))
    }

    /// Confirms or rolls back the layers once the request ended.
    async fn settle(
        self: &Rc<Self>,
        mutation: &Mutation,
        layers: &[(String, LayerId)],
        outcome: std::result::Result<JsValue, JsValue>,
    ) -> std::result::Result<JsValue, JsValue> {
        match outcome {
            Ok(result) => {
                match &mutation.populate {
                    Populate::Result => self.confirm_all(mutation, |_| Ok(result.clone())),
                    Populate::With(f) => self.confirm_all(mutation, |current| {
                        f.call2(&JsValue::UNDEFINED, &result, current)
                    }),
                    Populate::No if mutation.revalidate => {
                        self.refetch_after_write(&mutation.keys).await
                    }
                    Populate::No => {}
                }
                self.remove_layers(layers);
                Ok(result)
            }
            Err(error) => {
                let roll_back = match &mutation.rollback {
                    Rollback::Always => true,
                    Rollback::Never => false,
                    Rollback::When(f) => f
                        .call1(&JsValue::UNDEFINED, &error)
                        .is_ok_and(|v| v.is_truthy()),
                };
                if !roll_back {
                    // Keep what the user saw: the optimistic value becomes the confirmed one.
                    for (key, _) in layers {
                        let visible = self.visible_value(key);
                        if let Some(visible) = visible {
                            let _ = self
                                .with_cache(|c| c.set(key, visible, None, Vec::new(), 0, now()));
                        }
                    }
                }
                self.remove_layers(layers);
                if roll_back {
                    self.metrics.rolled_back(layers);
                }
                if mutation.throw_on_error {
                    Err(error)
                } else {
                    Ok(JsValue::UNDEFINED)
                }
            }
        }
    }

    /// Stores `value(current)` as the confirmed value of every key (a failing function leaves
    /// that key to be refetched instead).
    fn confirm_all(
        self: &Rc<Self>,
        mutation: &Mutation,
        value: impl Fn(&JsValue) -> std::result::Result<JsValue, JsValue>,
    ) {
        for key in &mutation.keys {
            let current = self.confirmed_value(key);
            match value(&current) {
                Ok(next) => {
                    let _ = self.with_cache(|c| c.set(key, next, None, Vec::new(), 0, now()));
                }
                Err(_) => self.invalidate_after_write(key),
            }
        }
    }

    /// Marks the keys invalidated by this write (fencing reads in flight) and waits for their
    /// refetch, so the layers come off only once the server's value is underneath.
    async fn refetch_after_write(self: &Rc<Self>, keys: &[String]) {
        for key in keys {
            self.invalidate_after_write(key);
            let options = ReadOptions {
                force: true,
                ..ReadOptions::default()
            };
            let pending = super::promise_of(&self.pending.borrow(), key).map(|(_, p)| p);
            let read = match pending {
                Some(p) => Ok(p),
                None => self.get_key(key, options),
            };
            if let Ok(read) = read {
                // A failed refetch leaves the entry invalidated: the next read fetches again.
                let _ = JsFuture::from(read).await;
            }
        }
    }

    fn invalidate_after_write(self: &Rc<Self>, key: &str) {
        let _ = self.with_cache(|c| {
            c.invalidate(Target::Key(key.into()), InvalidationSource::Mutation, now())
        });
    }

    fn push_layer(&self, key: &str, layer: JsValue) -> std::result::Result<LayerId, JsValue> {
        let confirmed = self.confirmed_value(key);
        let confirmed = (!confirmed.is_undefined()).then_some(confirmed);
        let id = {
            let mut overlays = self
                .overlays
                .try_borrow_mut()
                .map_err(|_| JsValue::from(Error::Busy))?;
            overlays.push(key, layer, confirmed.as_ref(), apply)?
        };
        memo::bump();
        self.layered.set(self.layered.get() + 1);
        self.notify_visible(key);
        Ok(id)
    }

    fn remove_layers(&self, layers: &[(String, LayerId)]) {
        for (key, id) in layers {
            let confirmed = self.confirmed_value(key);
            let confirmed = (!confirmed.is_undefined()).then_some(confirmed);
            let removed = self
                .overlays
                .try_borrow_mut()
                .is_ok_and(|mut o| o.remove(key, *id, confirmed.as_ref(), apply));
            memo::bump();
            if removed {
                self.layered.set(self.layered.get().saturating_sub(1));
            }
            self.notify_visible(key);
        }
    }

    /// Replays the layers of `key` over its (new) confirmed value.
    pub(super) fn rebase_layers(&self, key: &str) {
        if self.layered.get() == 0 {
            return;
        }
        let confirmed = self.confirmed_value(key);
        let confirmed = (!confirmed.is_undefined()).then_some(confirmed);
        if let Ok(mut overlays) = self.overlays.try_borrow_mut() {
            overlays.rebase(key, confirmed.as_ref(), apply);
        }
        memo::bump();
    }

    /// What `key` shows while it has layers.
    pub(super) fn visible_value(&self, key: &str) -> Option<JsValue> {
        if self.layered.get() == 0 {
            return None;
        }
        self.overlays.try_borrow().ok()?.visible(key).cloned()
    }

    fn confirmed_value(&self, key: &str) -> JsValue {
        self.with_cache(|c| c.inspect(key).map(|e| e.value().clone()))
            .ok()
            .flatten()
            .unwrap_or(JsValue::UNDEFINED)
    }

    fn notify_visible(&self, key: &str) {
        let value = self
            .visible_value(key)
            .unwrap_or_else(|| self.confirmed_value(key));
        self.notify(key, &value);
    }

    /// Number of pending layers of `url`.
    pub fn pending_mutations(&self, url: &str) -> Result<usize> {
        let key = self.key_of(url)?;
        Ok(self.overlays.try_borrow().map_or(0, |o| o.pending(&key)))
    }
}
