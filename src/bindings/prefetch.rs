//! The prefetch methods of `FreshetCache` and the `prefetch` cache options.

use std::rc::Rc;

use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use web_sys::Element;

use super::cache::FreshetCache;
use super::options::{bad, count, field, millis, text};
use crate::core::prefetch::Owner;
use crate::error::Result;
use crate::web::prefetch::{keys_of, TriggerKind, TriggerSpec};
use crate::web::runtime::{Runtime, RuntimeConfig};

/// Reads `prefetch: { concurrency, perMinute, hoverDelay, predictions }` (and checks
/// `routeKeys`, which [`route_keys`] reads).
pub fn configure(options: &JsValue, config: &mut RuntimeConfig) -> Result<()> {
    if options.is_undefined() || options.is_null() {
        return Ok(());
    }
    if !options.is_object() {
        return Err(bad("prefetch", "an object"));
    }
    let prefetch = &mut config.cache.prefetch;
    if let Some(n) = count(options, "concurrency")? {
        if n == 0 {
            return Err(bad("prefetch.concurrency", "at least 1"));
        }
        prefetch.concurrency = n;
    }
    if let Some(n) = count(options, "perMinute")? {
        prefetch.per_minute = n;
    }
    if let Some(n) = millis(options, "hoverDelay")? {
        prefetch.hover_delay = n;
    }
    if let Some(n) = count(options, "predictions")? {
        prefetch.predictions = n;
    }
    route_keys(options)?;
    Ok(())
}

/// `prefetch.routeKeys` of the prefetch options, if given.
pub fn route_keys(prefetch: &JsValue) -> Result<Option<Function>> {
    let route_keys = field(prefetch, "routeKeys");
    if route_keys.is_undefined() {
        return Ok(None);
    }
    route_keys
        .dyn_into::<Function>()
        .map(Some)
        .map_err(|_| bad("prefetch.routeKeys", "a function (route) => string[]"))
}

/// One URL or an array of URLs (checked: the trigger copies it as it is).
fn urls(value: &JsValue, name: &str) -> Result<Vec<String>> {
    keys_of(value).ok_or_else(|| bad(name, "a URL or an array of URLs"))
}

fn element(value: &JsValue, name: &str) -> Result<()> {
    if value.is_instance_of::<Element>() {
        Ok(())
    } else {
        Err(bad(name, "an Element"))
    }
}

/// Registers a trigger of `kind` for a new owner; returns its cancel function.
fn trigger(
    runtime: &Rc<Runtime>,
    owner: Option<Owner>,
    spec: TriggerSpec<'_>,
) -> std::result::Result<Function, JsValue> {
    let owner = owner.unwrap_or_else(|| runtime.new_prefetch_owner());
    runtime.add_prefetch_trigger(owner, &spec)
}

fn set(object: &Object, name: &str, value: &JsValue) {
    // Defining a property on a fresh plain object cannot fail.
    let _ = Reflect::set(object, &JsValue::from_str(name), value);
}

#[wasm_bindgen]
impl FreshetCache {
    /// Prefetches `key` (one URL or several) through the governor; the promise resolves (never
    /// rejects) once each was stored, failed or skipped.
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn preload(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string | string[]")] key: JsValue,
    ) -> std::result::Result<Promise, JsValue> {
        let urls = urls(&key, "preload key")?;
        Ok(self.runtime.prefetch_tracked(&urls, None).1)
    }

    /// Prefetches `key` when the pointer rests on `element` for `delay` ms (default: the
    /// cache's `prefetch.hoverDelay`), or at once on `touchstart`. Returns the cancel function.
    #[wasm_bindgen(js_name = prefetchOnHover, unchecked_return_type = "() => void")]
    pub fn prefetch_on_hover(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Element")] element: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string | string[]")] key: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "{ delay?: number }")] options: JsValue,
    ) -> std::result::Result<Function, JsValue> {
        self::element(&element, "prefetchOnHover element")?;
        urls(&key, "prefetchOnHover key")?;
        let delay = millis(&options, "delay")?.unwrap_or_else(|| self.runtime.hover_delay());
        let spec = TriggerSpec {
            kind: TriggerKind::Hover,
            element: &element,
            keys: &key,
            delay: Some(delay),
            selector: None,
            root_margin: None,
        };
        trigger(&self.runtime, None, spec)
    }

    /// Prefetches `key` once `element` comes into view (grown by `rootMargin`, e.g. `"200px"`).
    /// Returns the cancel function.
    #[wasm_bindgen(js_name = prefetchOnVisible, unchecked_return_type = "() => void")]
    pub fn prefetch_on_visible(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Element")] element: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string | string[]")] key: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "{ rootMargin?: string }")] options: JsValue,
    ) -> std::result::Result<Function, JsValue> {
        self::element(&element, "prefetchOnVisible element")?;
        urls(&key, "prefetchOnVisible key")?;
        let margin = text(&options, "rootMargin")?;
        let spec = TriggerSpec {
            kind: TriggerKind::Visible,
            element: &element,
            keys: &key,
            delay: None,
            selector: None,
            root_margin: margin.as_deref(),
        };
        trigger(&self.runtime, None, spec)
            .map_err(|_| bad("rootMargin", "a CSS margin like \"200px\" or \"10% 0px\"").into())
    }

    /// Prefetches `keys` when the browser is next idle (`requestIdleCallback`, at the latest
    /// after `timeout` ms; a short timer where it is missing). Returns the cancel function.
    #[wasm_bindgen(js_name = prefetchOnIdle, unchecked_return_type = "() => void")]
    pub fn prefetch_on_idle(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string | string[]")] keys: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "{ timeout?: number }")] options: JsValue,
    ) -> std::result::Result<Function, JsValue> {
        urls(&keys, "prefetchOnIdle keys")?;
        let spec = TriggerSpec {
            kind: TriggerKind::Idle,
            element: &JsValue::UNDEFINED,
            keys: &keys,
            delay: millis(&options, "timeout")?,
            selector: None,
            root_margin: None,
        };
        trigger(&self.runtime, None, spec)
    }

    /// Prefetches `keys` with at most `concurrency` of them open at once (and never more than
    /// the cache's `prefetch.concurrency`). `done` resolves once each was stored, failed,
    /// skipped or cancelled; `cancel()` drops the keys not yet started.
    #[wasm_bindgen(
        js_name = prefetchBatch,
        unchecked_return_type = "PrefetchBatch"
    )]
    pub fn prefetch_batch(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string[]")] keys: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "{ concurrency?: number }")]
        options: JsValue,
    ) -> std::result::Result<JsValue, JsValue> {
        let urls = urls(&keys, "prefetchBatch keys")?;
        let concurrency = count(&options, "concurrency")?;
        if concurrency == Some(0) {
            return Err(bad("prefetchBatch concurrency", "at least 1").into());
        }
        let (owner, done) = self.runtime.prefetch_tracked(&urls, concurrency);
        let batch = Object::new();
        set(&batch, "done", &done);
        let spec = TriggerSpec {
            kind: TriggerKind::None,
            element: &JsValue::UNDEFINED,
            keys: &JsValue::UNDEFINED,
            delay: None,
            selector: None,
            root_margin: None,
        };
        set(
            &batch,
            "cancel",
            &trigger(&self.runtime, Some(owner), spec)?.into(),
        );
        Ok(batch.into())
    }

    /// Wires every link under `root` matching `selector` (default `a[data-prefetch]`), present
    /// and added later: on hover (default) or when visible, `keys(href, element)` names the
    /// data to prefetch. Returns the function that unwires them all.
    #[wasm_bindgen(js_name = prefetchLinks, unchecked_return_type = "() => void")]
    pub fn prefetch_links(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Element")] root: JsValue,
        #[wasm_bindgen(unchecked_param_type = "PrefetchLinksOptions")] options: JsValue,
    ) -> std::result::Result<Function, JsValue> {
        element(&root, "prefetchLinks root")?;
        let keys = field(&options, "keys");
        if !keys.is_function() {
            return Err(bad(
                "prefetchLinks keys",
                "a function (href, element) => string[]",
            )
            .into());
        }
        let kind = match text(&options, "trigger")?.as_deref() {
            None | Some("hover") => TriggerKind::HoverLinks,
            Some("visible") => TriggerKind::VisibleLinks,
            Some(_) => return Err(bad("prefetchLinks trigger", "\"hover\" or \"visible\"").into()),
        };
        let selector = text(&options, "selector")?;
        let delay = millis(&options, "delay")?.unwrap_or_else(|| self.runtime.hover_delay());
        let root_margin = text(&options, "rootMargin")?;
        let spec = TriggerSpec {
            kind,
            element: &root,
            keys: &keys,
            delay: Some(delay),
            selector: Some(selector.as_deref().unwrap_or("a[data-prefetch]")),
            root_margin: root_margin.as_deref(),
        };
        trigger(&self.runtime, None, spec)
            .map_err(|_| bad("prefetchLinks selector or rootMargin", "valid CSS").into())
    }

    /// Tells the predictor the app navigated to `route`; at idle, the data of the routes that
    /// most often followed it this session is prefetched (keys from `prefetch.routeKeys`).
    #[wasm_bindgen(js_name = recordNavigation)]
    pub fn record_navigation(&self, route: &str) {
        self.runtime.record_navigation(route);
    }

    /// Prefetch counters of the session.
    #[wasm_bindgen(js_name = prefetchStats, unchecked_return_type = "PrefetchStats")]
    pub fn prefetch_stats(&self) -> JsValue {
        let (stats, queued, open) = self.runtime.prefetch_stats();
        let skipped = Object::new();
        for (reason, n) in stats.skips() {
            set(&skipped, reason.as_str(), &(n as f64).into());
        }
        let info = Object::new();
        let fields: [(&str, f64); 6] = [
            ("issued", stats.issued as f64),
            ("used", stats.used as f64),
            ("completed", stats.completed as f64),
            ("failed", stats.failed as f64),
            ("queued", queued as f64),
            ("open", open as f64),
        ];
        for (name, value) in fields {
            set(&info, name, &value.into());
        }
        set(&info, "skipped", &skipped);
        set(
            &info,
            "triggers",
            &(self.runtime.prefetch_triggers() as f64).into(),
        );
        info.into()
    }
}

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &'static str = r#"
/** Options of prefetching (`prefetch` in `createCache` options). */
export interface PrefetchOptions {
  /** Most prefetch requests open at once. Default 2. */
  concurrency?: number;
  /** Most prefetch requests started in any minute. Default 30. */
  perMinute?: number;
  /** How long the pointer rests on an element before its data is prefetched, in ms. Default 100. */
  hoverDelay?: number;
  /** How many predicted next routes are prefetched at idle. Default 2. */
  predictions?: number;
  /** The data keys a route needs; without it the predictor learns but prefetches nothing. */
  routeKeys?: (route: string) => string | string[];
}

// Declaration merging: adds `prefetch` to the options declared in types.rs.
export interface CacheOptions {
  /** Prefetch concurrency, budget, hover delay and the predictor's route keys. */
  prefetch?: PrefetchOptions;
}

/** Options of `prefetchLinks`. */
export interface PrefetchLinksOptions {
  /** Which links to wire. Default `a[data-prefetch]`. */
  selector?: string;
  /** The data keys a link needs, from its (absolute) `href` and the element. */
  keys: (href: string, element: Element) => string | string[];
  /** Prefetch on hover (default) or when the link comes into view. */
  trigger?: "hover" | "visible";
  /** Hover delay in ms. Default: the cache's `prefetch.hoverDelay`. */
  delay?: number;
  /** For `visible`: margin around the viewport, e.g. `"200px"`. */
  rootMargin?: string;
}

/** What `prefetchStats()` counts since the cache was created. */
export interface PrefetchStats {
  /** Prefetch requests started. */
  issued: number;
  /** Prefetched entries the app then read (or joined while in flight). */
  used: number;
  /** Prefetch requests that ended with data. */
  completed: number;
  /** Prefetch requests that failed (never thrown into the page). */
  failed: number;
  /** Keys waiting for a free slot now. */
  queued: number;
  /** Prefetch requests open now. */
  open: number;
  /** Hover, visible, idle and link triggers registered now. */
  triggers: number;
  /** Prefetches not made, by reason. */
  skipped: {
    /** The entry was fresh, or had just arrived. */
    fresh: number;
    /** A request for it was in flight or queued. */
    inFlight: number;
    /** `navigator.connection.saveData` was on. */
    saveData: number;
    /** The connection was 2g or slower. */
    slowConnection: number;
    /** The per-minute budget was spent. */
    budget: number;
    /** Cancelled, or the cache cleared, before it started. */
    cancelled: number;
    /** Not a valid URL, or the app's key function threw. */
    invalid: number;
  };
}

/** What `prefetchBatch` returns. */
export interface PrefetchBatch {
  /** Resolves (never rejects) once every key was prefetched, failed, skipped or cancelled. */
  done: Promise<void>;
  /** Drops the keys not yet started; those open run to their end. */
  cancel(): void;
}
"#;
