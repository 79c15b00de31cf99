//! Applying the invalidation headers of responses (freshet's own reads and its `fetch`
//! wrapper), the invalidations other tabs send, and invalidations the app names.

use std::rc::{Rc, Weak};

use js_sys::{Array, Function, Promise};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Headers, Response};

use crate::core::entry::InvalidationSource;
use crate::core::invalidation::{Fence, Target};
use crate::core::protocol::{parse, wipes, ParseOptions, Plan, RawHeaders};
use crate::error::Result;

use super::super::broadcast::{Broadcast, TabEvent, WireTarget};
use super::super::clock::now;
use super::super::headers::header;
use super::{spawn, Runtime};

/// Settings of the invalidation protocol.
#[derive(Debug, Clone, Default)]
pub struct InvalidationConfig {
    /// Other origins whose response headers are applied (`https://api.example`); the page's
    /// own origin always is.
    pub origins: Vec<String>,
    /// Accept a bare `*` in `X-Cache-Invalidate-Keys`.
    pub allow_star: bool,
    /// Names the channel between tabs.
    pub namespace: String,
    /// Exchange invalidations and wipes with the other tabs of the origin.
    pub cross_tab: bool,
    /// A 401 from the page's origin (or an allowed one) wipes the scope like `clear()`.
    pub clear_on_unauthorized: bool,
}

/// Longest header text kept on an entry as the cause of its invalidation.
const CAUSE_CHARS: usize = 160;

impl Runtime {
    /// Opens the channel to the other tabs, if enabled.
    pub(super) fn open_broadcast(self: &Rc<Self>) {
        if !self.invalidation.cross_tab {
            return;
        }
        let weak: Weak<Runtime> = Rc::downgrade(self);
        let channel = Broadcast::open(&self.invalidation.namespace, move |event| {
            if let Some(rt) = weak.upgrade() {
                rt.apply_tab_event(event);
            }
        });
        *self.broadcast.borrow_mut() = channel;
    }

    /// Applies the invalidation headers of a response for `key` (its request key): only from
    /// the page's origin or an allowed one; `spare` is left alone (the entry the response just
    /// stored); `extra` is applied with them (a write's own URL). Never fails: a malformed
    /// header is ignored token by token.
    pub(super) fn apply_headers(
        self: &Rc<Self>,
        headers: &Headers,
        key: &str,
        spare: Option<&str>,
        extra: Option<Target>,
    ) {
        let event = self.header_event(headers, key);
        if event.as_ref().is_some_and(|e| e.wipe) {
            // Busy only inside one of our own callbacks; the wipe is then lost in this tab.
            let _ = self.clear();
        } else {
            let (mut plan, source) = match &event {
                Some(e) => (self.plan_of(e), InvalidationSource::Header(describe(e))),
                None => (Plan::default(), InvalidationSource::Mutation),
            };
            plan.targets.extend(extra);
            self.apply_plan(plan, source, spare);
        }
        if let (Some(event), Some(channel)) = (event, self.broadcast.borrow().as_ref()) {
            channel.send(&event);
        }
    }

    /// A response's status: with `clearOnUnauthorized`, a 401 from an origin whose headers
    /// count means the session is gone, so the user's data is wiped everywhere (SPEC §6).
    pub(super) fn apply_status(&self, status: u16, key: &str) {
        if status != 401 || !self.invalidation.clear_on_unauthorized || !self.origin_counts(key) {
            return;
        }
        // Busy only inside one of our own callbacks; the next 401 wipes then.
        let _ = self.clear_everywhere();
    }

    /// Whether responses for `key` may change the cache: the page's origin, or an allowed one.
    fn origin_counts(&self, key: &str) -> bool {
        let origin = origin_of_key(key);
        origin.is_empty() || self.invalidation.origins.iter().any(|o| o == origin)
    }

    /// The invalidation headers of a response as an event, if it has any and its origin counts.
    fn header_event(&self, headers: &Headers, key: &str) -> Option<TabEvent> {
        let page_types = header(headers, "x-cache-invalidate");
        let keys = header(headers, "x-cache-invalidate-keys");
        let clear = header(headers, "clear-site-data");
        if page_types.is_none() && keys.is_none() && clear.is_none() {
            return None;
        }
        if !self.origin_counts(key) {
            return None;
        }
        let origin = origin_of_key(key);
        Some(TabEvent {
            wipe: clear.as_deref().is_some_and(wipes),
            page_types,
            keys,
            timestamp: header(headers, "x-cache-invalidate-timestamp"),
            origin: origin.to_owned(),
            scope: self.current_scope(),
            targets: Vec::new(),
        })
    }

    fn apply_tab_event(self: &Rc<Self>, event: TabEvent) {
        if self.destroyed.get() {
            return;
        }
        if event.wipe {
            // A wipe is for one user's data: a tab showing another scope keeps its own.
            if event.scope.is_none() || event.scope == self.current_scope() {
                let _ = self.clear();
            }
        } else {
            let mut plan = self.plan_of(&event);
            plan.targets.extend(self.targets_of(&event.targets));
            self.apply_plan(plan, InvalidationSource::Tab, None);
        }
    }

    /// Another tab's API targets in this cache's terms (unknown page types are skipped).
    fn targets_of(&self, wire: &[WireTarget]) -> Vec<Target> {
        wire.iter()
            .filter_map(|t| match t {
                WireTarget::Key(k) => Some(Target::Key(k.as_str().into())),
                WireTarget::All => Some(Target::All),
                WireTarget::PageType(name) => self
                    .page_type_named(name)
                    .ok()
                    .flatten()
                    .map(Target::PageType),
                WireTarget::Tag(t) => Some(Target::Tag(t.as_str().into())),
                WireTarget::TagPrefix(p) => Some(Target::TagPrefix(p.as_str().into())),
                WireTarget::PathPrefix(p) => Some(Target::PathPrefix(p.as_str().into())),
            })
            .collect()
    }

    /// Tells the other tabs what the app invalidated here. Targets collect in an outbox sent
    /// at the end of the task: a burst of invalidations is one message, and the caller never
    /// waits for `postMessage` (which costs tens of µs or more with listeners in the page).
    pub(super) fn send_targets(self: &Rc<Self>, targets: &[Target]) {
        if self.broadcast.borrow().is_none() {
            return;
        }
        let wire = targets.iter().filter_map(|t| match t {
            Target::Key(k) => Some(WireTarget::Key(String::from(&**k))),
            Target::All => Some(WireTarget::All),
            Target::PageType(id) => self
                .with_cache_read(|c| c.config().page_types.name(*id).to_owned())
                .ok()
                .map(WireTarget::PageType),
            Target::Tag(t) => Some(WireTarget::Tag(String::from(&**t))),
            Target::TagPrefix(p) => Some(WireTarget::TagPrefix(String::from(&**p))),
            Target::PathPrefix(p) => Some(WireTarget::PathPrefix(String::from(&**p))),
        });
        let mut outbox = self.outbox.borrow_mut();
        let was_empty = outbox.is_empty();
        outbox.extend(wire);
        if was_empty && !outbox.is_empty() {
            self.at_task_end(Runtime::flush_outbox);
        }
    }

    fn flush_outbox(&self) {
        let targets = std::mem::take(&mut *self.outbox.borrow_mut());
        if let (false, Some(channel)) = (targets.is_empty(), self.broadcast.borrow().as_ref()) {
            channel.send(&TabEvent {
                targets,
                ..TabEvent::default()
            });
        }
    }

    /// The plan of an event's header values (empty if the cache is busy).
    fn plan_of(&self, event: &TabEvent) -> Plan {
        let raw = RawHeaders {
            page_types: event.page_types.as_deref(),
            keys: event.keys.as_deref(),
            timestamp: event.timestamp.as_deref(),
            clear_site_data: None,
        };
        let options = ParseOptions {
            allow_star: self.invalidation.allow_star,
        };
        let mut plan = self
            .with_cache(|c| parse(&raw, &c.config().page_types, options))
            .unwrap_or_default();
        if !event.origin.is_empty() {
            prefix_paths(&mut plan, &event.origin);
        }
        plan
    }

    fn apply_plan(self: &Rc<Self>, plan: Plan, source: InvalidationSource, spare: Option<&str>) {
        if plan.targets.is_empty() {
            return;
        }
        self.metrics
            .invalidated(&plan.targets, &source, |t| self.target_name(t));
        let fence = Fence {
            targets: plan.targets,
            not_after: plan.not_after,
        };
        self.forget_persisted_matching(&fence);
        let refetch = self
            .with_cache(|c| c.apply_fence(fence, source, now(), spare))
            .unwrap_or_default();
        self.refetch(refetch);
    }

    /// Invalidates what the app names (already resolved to targets); observed entries are
    /// refetched now.
    pub fn invalidate_targets(self: &Rc<Self>, targets: Vec<Target>) -> Result<()> {
        self.metrics
            .invalidated(&targets, &InvalidationSource::Api, |t| self.target_name(t));
        let fence = Fence {
            targets,
            not_after: None,
        };
        self.send_targets(&fence.targets);
        self.forget_persisted_matching(&fence);
        let refetch =
            self.with_cache(|c| c.apply_fence(fence, InvalidationSource::Api, now(), None))?;
        self.refetch(refetch);
        Ok(())
    }

    /// The id of a configured page type, `None` for unknown names.
    pub fn page_type_named(
        &self,
        name: &str,
    ) -> Result<Option<crate::core::page_type::PageTypeId>> {
        self.with_cache(|c| c.config().page_types.lookup(name))
    }

    /// Empties this cache and tells the other tabs to do the same.
    pub fn clear_everywhere(&self) -> Result<()> {
        self.clear()?;
        if let Some(channel) = self.broadcast.borrow().as_ref() {
            channel.send(&TabEvent {
                wipe: true,
                scope: self.current_scope(),
                ..TabEvent::default()
            });
        }
        Ok(())
    }

    /// `fetch(input, init)` through `via` (or the cache's `fetch`): the response's invalidation
    /// headers are applied before the promise resolves, and a successful write invalidates its
    /// own URL. The response is returned untouched; a rejection is the `fetch`'s own.
    pub fn fetch_through(
        self: &Rc<Self>,
        input: JsValue,
        init: JsValue,
        via: Option<Function>,
    ) -> Promise {
        let rt = Rc::clone(self);
        let fetch = via.unwrap_or_else(|| self.fetch.clone());
        spawn(Box::pin(async move {
            let info = request_info(&input, &init);
            let method = info.get(0).as_string().unwrap_or_default();
            let url = info.get(1).as_string().unwrap_or_default();
            let sent = fetch.call2(&JsValue::UNDEFINED, &input, &init)?;
            let promise = sent
                .dyn_into::<Promise>()
                .unwrap_or_else(|value| Promise::resolve(&value));
            let response = JsFuture::from(promise).await?;
            if let Some(r) = response.dyn_ref::<Response>() {
                rt.after_fetch(r, &method, &url);
            }
            Ok(response)
        }))
    }

    fn after_fetch(self: &Rc<Self>, response: &Response, method: &str, url: &str) {
        let final_url = response.url();
        let url = if final_url.is_empty() {
            url
        } else {
            &final_url
        };
        let Ok(key) = self.key_of(url) else {
            return;
        };
        let key = key.into_owned();
        let write = !matches!(method, "GET" | "HEAD" | "OPTIONS") && response.ok();
        let extra = write.then(|| Target::Key(key.clone().into()));
        self.apply_headers(&response.headers(), &key, None, extra);
        self.apply_status(response.status(), &key);
    }
}

/// The origin part of a request key (`https://api.example`), empty for the page's own origin.
fn origin_of_key(key: &str) -> &str {
    if key.starts_with('/') {
        return "";
    }
    let after = crate::core::text::find(key, "://").map_or(0, |i| i + 3);
    let end = key
        .get(after..)
        .and_then(|rest| rest.find(['/', '?']))
        .map_or(key.len(), |i| after + i);
    key.get(..end).unwrap_or(key)
}

/// `/path` prefixes of another origin name that origin's keys, which carry it in front.
fn prefix_paths(plan: &mut Plan, origin: &str) {
    for target in &mut plan.targets {
        if let Target::PathPrefix(path) = target {
            *path = crate::core::text::concat(&[origin, path]).into();
        }
    }
}

fn describe(event: &TabEvent) -> String {
    let mut text = String::new();
    for (name, value) in [
        ("X-Cache-Invalidate: ", &event.page_types),
        ("X-Cache-Invalidate-Keys: ", &event.keys),
    ] {
        if let Some(value) = value {
            if !text.is_empty() {
                text.push_str("; ");
            }
            text.push_str(name);
            text.push_str(value);
        }
    }
    if let Some((cut, _)) = text.char_indices().nth(CAUSE_CHARS) {
        text.truncate(cut);
        text.push('…');
    }
    text
}

#[wasm_bindgen(module = "/src/web/glue.js")]
extern "C" {
    /// `[method, url]` of a `fetch(input, init)` call: the method upper-cased (`init`'s, the
    /// `Request`'s, or GET), the URL as given (a string, a `Request`'s, a `URL`'s text).
    #[wasm_bindgen(js_name = freshetRequestInfo)]
    fn request_info(input: &JsValue, init: &JsValue) -> Array;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_of_keys() {
        assert_eq!(origin_of_key("/a?b"), "");
        assert_eq!(
            origin_of_key("https://api.example/a"),
            "https://api.example"
        );
        assert_eq!(
            origin_of_key("https://api.example?x"),
            "https://api.example"
        );
        assert_eq!(origin_of_key("https://api.example"), "https://api.example");
    }

    #[test]
    fn causes_are_bounded() {
        let event = TabEvent {
            keys: Some("k,".repeat(500)),
            ..TabEvent::default()
        };
        assert!(describe(&event).chars().count() <= CAUSE_CHARS + 1);
    }
}
