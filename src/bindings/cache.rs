//! `FreshetCache`: the JS class.

use std::rc::Rc;

use js_sys::{Function, Promise};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::prelude::*;

use crate::core::cache::CacheConfig;
use crate::core::entry::{ChangeCause, Entry};
use crate::web::clock::now;
use crate::web::runtime::Runtime;

use super::options::{
    invalidate_spec, push_targets, read_options, runtime_config, string_list, write_options, Named,
};

/// A cache: memory tier, read-through `fetch`, subscriptions.
#[wasm_bindgen]
pub struct FreshetCache {
    pub(super) runtime: Rc<Runtime>,
}

#[wasm_bindgen]
impl FreshetCache {
    /// Creates a cache; throws a `FreshetError` (code `INVALID_OPTIONS`) for bad options.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_optional_param_type = "CacheOptions")] options: JsValue,
    ) -> Result<FreshetCache, JsValue> {
        let runtime = Runtime::start(runtime_config(&options)?)?;
        runtime.configure_metrics(super::metrics::metrics_config(&options)?);
        let prefetch = super::options::field(&options, "prefetch");
        runtime.set_route_keys(super::prefetch::route_keys(&prefetch)?);
        Ok(FreshetCache { runtime })
    }

    /// Reads `url` through the cache.
    #[wasm_bindgen(unchecked_return_type = "Promise<unknown>")]
    pub fn get(
        &self,
        url: &str,
        #[wasm_bindgen(unchecked_optional_param_type = "GetOptions")] options: JsValue,
    ) -> Result<Promise, JsValue> {
        let options = read_options(&self.runtime, &options)?;
        Ok(self.runtime.get(url, options)?)
    }

    /// The id of `url`'s request key, for the fast paths `__peekId`, `__getId` and `__mutateId` that
    /// `js/index.js` uses (numbers cross the boundary far cheaper than strings).
    #[wasm_bindgen(js_name = __internKey, skip_typescript)]
    /// The id is returned as is when the key is `url` itself (already normalized), else as
    /// `-1 - id`: only then may `url` go with the id to `__peekId`.
    pub fn intern_key(&self, url: &str) -> Result<f64, JsValue> {
        let (id, same) = self.runtime.intern_url(url)?;
        let id = f64::from(id);
        Ok(if same { id } else { -1.0 - id })
    }

    /// `peek` by interned id; `undefined` for an unknown id. `url` is the URL string the id was
    /// interned from when `__internKey` said it is the key itself, else `undefined`.
    #[wasm_bindgen(js_name = __peekId, skip_typescript)]
    pub fn peek_id(&self, id: u32, url: JsValue) -> JsValue {
        let url = url.is_string().then_some(&url);
        self.runtime.peek_id(id, url).unwrap_or(JsValue::UNDEFINED)
    }

    /// `get` by interned id.
    #[wasm_bindgen(js_name = __getId, skip_typescript)]
    pub fn get_id(&self, id: u32, options: JsValue) -> Result<Promise, JsValue> {
        let options = read_options(&self.runtime, &options)?;
        Ok(self.runtime.get_id(id, options)?)
    }

    /// Whether the JS side may serve a first read of the key it wrote (`length` bytes) into the
    /// key buffer from storage itself: the reader's generation if so, else 0.
    #[wasm_bindgen(js_name = __directGate, skip_typescript)]
    pub fn direct_gate(&self, length: usize) -> u32 {
        self.runtime.direct_gate_buffered(length)
    }

    /// The JS reader of first reads from storage (`undefined` when nothing is persisted).
    #[wasm_bindgen(js_name = __directView, skip_typescript)]
    pub fn direct_view(&self) -> JsValue {
        self.runtime.direct_view()
    }

    /// Restores the first reads the JS side served (see `__directView`) now.
    #[wasm_bindgen(js_name = __adoptServed, skip_typescript)]
    pub fn adopt_served(&self) {
        self.runtime.adopt_served();
    }

    /// Address of the cell the JS side sets when it queues a first read it served.
    #[wasm_bindgen(js_name = __directCell, skip_typescript)]
    pub fn direct_cell(&self) -> u32 {
        self.runtime.direct_cell()
    }

    /// Forgets every interned id.
    #[wasm_bindgen(js_name = __resetKeys, skip_typescript)]
    pub fn reset_keys(&self) {
        self.runtime.reset_interned();
    }

    /// Runs a mutation of `url` (or several URLs): `optimisticData` is shown at once, the
    /// `request` is sent, and its result (or a refetch) becomes the confirmed value; on failure
    /// only this mutation's layer is rolled back.
    #[wasm_bindgen(unchecked_return_type = "Promise<unknown>")]
    pub fn mutate(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string | string[]")] urls: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "MutateOptions")] options: JsValue,
    ) -> Result<Promise, JsValue> {
        let keys = if let Some(url) = urls.as_string() {
            vec![self.runtime.key_of(&url)?.into_owned()]
        } else if let Some(urls) = crate::web::runtime::array_copy(&urls) {
            // A loop, not `collect::<Result<Vec<_>>>()`: its adapters are code of their own.
            let mut keys = Vec::new();
            for url in urls.iter() {
                if let Some(url) = url.as_string() {
                    keys.push(self.runtime.key_of(&url)?.into_owned());
                }
            }
            keys
        } else {
            return Err(crate::Error::InvalidOptions(
                "mutate takes a URL or an array of URLs".into(),
            )
            .into());
        };
        self.start_mutation(keys, &options)
    }

    /// `mutate` of one URL by interned id (see `__internKey`).
    #[wasm_bindgen(js_name = __mutateId, skip_typescript)]
    pub fn mutate_id(&self, id: u32, options: JsValue) -> Result<Promise, JsValue> {
        let keys = vec![self.runtime.key_of_id(id)?];
        self.start_mutation(keys, &options)
    }

    /// How many mutations of `url` are pending.
    #[wasm_bindgen(js_name = pendingMutations)]
    pub fn pending_mutations(&self, url: &str) -> Result<usize, JsValue> {
        Ok(self.runtime.pending_mutations(url)?)
    }

    /// The cached value of `url` if it may be shown now, else `undefined`. Synchronous.
    #[wasm_bindgen(unchecked_return_type = "unknown")]
    pub fn peek(&self, url: &str) -> Result<JsValue, JsValue> {
        Ok(self.runtime.peek(url)?)
    }

    /// Stores `value` under `url` as confirmed data.
    pub fn set(
        &self,
        url: &str,
        #[wasm_bindgen(unchecked_param_type = "unknown")] value: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "SetOptions")] options: JsValue,
    ) -> Result<(), JsValue> {
        let (page_type, tags) = write_options(&self.runtime, &options)?;
        Ok(self.runtime.set(url, value, page_type, tags)?)
    }

    /// Calls `listener(value)` when the value of `url` changes; returns the unsubscribe function.
    #[wasm_bindgen(unchecked_return_type = "() => void")]
    pub fn subscribe(
        &self,
        url: &str,
        #[wasm_bindgen(unchecked_param_type = "(value: unknown) => void")] listener: Function,
    ) -> Result<Function, JsValue> {
        let (key, id) = self.runtime.subscribe(url, listener)?;
        let weak = Rc::downgrade(&self.runtime);
        let unsubscribe = Closure::<dyn FnMut()>::new(move || {
            if let Some(runtime) = weak.upgrade() {
                runtime.unsubscribe(&key, id);
            }
        });
        // Owned by the JS function from here on; freed when it is garbage-collected.
        Ok(unsubscribe.into_js_value().unchecked_into())
    }

    /// Invalidates `url`, or what an `{ keys, tags, pageTypes, paths }` object names: not
    /// served until refetched; refetched now if subscribed.
    pub fn invalidate(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string | InvalidateSpec")] what: JsValue,
    ) -> Result<(), JsValue> {
        if let Some(url) = what.as_string() {
            return Ok(self.runtime.invalidate(&url)?);
        }
        let targets = invalidate_spec(&self.runtime, &what)?;
        Ok(self.runtime.invalidate_targets(targets)?)
    }

    /// Invalidates the entries carrying any of `tags` (`story:42:*` is a prefix pattern).
    #[wasm_bindgen(js_name = invalidateTags)]
    pub fn invalidate_tags(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string[]")] tags: JsValue,
    ) -> Result<(), JsValue> {
        Ok(self.invalidate_named(Named::Tag, string_list(&tags, "tags")?)?)
    }

    /// Invalidates every entry of the named page types (unknown names are ignored).
    #[wasm_bindgen(js_name = invalidatePageTypes)]
    pub fn invalidate_page_types(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string[]")] page_types: JsValue,
    ) -> Result<(), JsValue> {
        let page_types = string_list(&page_types, "pageTypes")?;
        Ok(self.invalidate_named(Named::PageType, page_types)?)
    }

    /// `fetch` through the cache: the response's invalidation headers are applied (and a
    /// successful write invalidates its URL) before the promise resolves with the response.
    #[wasm_bindgen(unchecked_return_type = "Promise<Response>")]
    pub fn fetch(
        &self,
        #[wasm_bindgen(unchecked_param_type = "RequestInfo | URL")] input: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "RequestInit")] init: JsValue,
        #[wasm_bindgen(
            unchecked_optional_param_type = "(input: RequestInfo | URL, init?: RequestInit) => Promise<Response>"
        )]
        via: JsValue,
    ) -> Promise {
        self.runtime
            .fetch_through(input, init, via.dyn_into::<Function>().ok())
    }

    /// Describes the entry of `url` without counting a use; `undefined` when absent.
    #[wasm_bindgen(unchecked_return_type = "EntryInfo | undefined")]
    pub fn inspect(&self, url: &str) -> Result<JsValue, JsValue> {
        let now = now();
        let info = self
            .runtime
            .inspect(url, |key, entry, config| describe(key, entry, config, now))?;
        Ok(info.unwrap_or(JsValue::UNDEFINED))
    }

    /// Every request key in memory, sorted.
    #[wasm_bindgen(unchecked_return_type = "string[]")]
    pub fn keys(&self) -> Result<js_sys::Array, JsValue> {
        Ok(string_array(self.runtime.keys()?))
    }

    /// Empties memory, drops requests in flight and wipes the scope's persisted records, in
    /// this tab and the other tabs. `{ memory: false }` or `{ storage: false }` keeps that
    /// tier (and then only this tab acts: a debugging aid, as in the overlay).
    pub fn clear(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "ClearOptions")] what: JsValue,
    ) -> Result<(), JsValue> {
        let memory = super::options::flag(&what, "memory", true)?;
        let storage = super::options::flag(&what, "storage", true)?;
        match (memory, storage) {
            (true, true) => self.runtime.clear_everywhere()?,
            (true, false) => self.runtime.clear_memory()?,
            (false, true) => self.runtime.clear_stored(),
            (false, false) => {}
        }
        Ok(())
    }

    /// Switches the user: memory and requests in flight are dropped, and only `scope`'s
    /// persisted data is visible from now on.
    #[wasm_bindgen(js_name = setScope)]
    pub fn set_scope(&self, scope: &str) -> Result<(), JsValue> {
        super::options::check_name("scope", scope)?;
        Ok(self.runtime.set_scope(scope)?)
    }

    /// Writes pending localStorage changes now (they are otherwise written at the end of the
    /// task and when the page is hidden).
    pub fn flush(&self) {
        self.runtime.flush_storage();
    }

    /// The state of the localStorage tier.
    #[wasm_bindgen(js_name = storageInfo, unchecked_return_type = "StorageInfo")]
    pub fn storage_info(&self) -> JsValue {
        let Some(state) = self.runtime.storage_info() else {
            return object(&[]);
        };
        let failure = state
            .failure
            .map_or(JsValue::NULL, |f| JsValue::from_str(&f));
        object(&[
            ("persistent", state.persistent.into()),
            ("failure", failure),
            ("entries", (state.entries as f64).into()),
            ("bytes", (state.bytes as f64).into()),
            ("scope", state.scope.into()),
        ])
    }

    /// Stops the cache's listeners and timers; later reads reject.
    pub fn destroy(&self) -> Result<(), JsValue> {
        Ok(self.runtime.destroy()?)
    }
}

impl FreshetCache {
    /// What `mutate` and `__mutateId` share: reading the options and starting the mutation.
    fn start_mutation(&self, keys: Vec<String>, options: &JsValue) -> Result<Promise, JsValue> {
        let mutation = super::options::mutation(keys, options)?;
        Ok(self.runtime.mutate(mutation)?)
    }

    fn invalidate_named(&self, named: Named, values: Vec<String>) -> crate::Result<()> {
        let mut targets = Vec::new();
        push_targets(&self.runtime, named, values, &mut targets)?;
        self.runtime.invalidate_targets(targets)
    }
}

fn describe(
    key: &str,
    entry: &Entry<JsValue>,
    config: &CacheConfig,
    now: crate::core::Millis,
) -> JsValue {
    let tags: js_sys::Array = entry.tags.iter().map(|t| JsValue::from_str(t)).collect();
    let cause = match entry.cause {
        // Invalidated with its whole page type (a shared mark, not a per-entry change).
        _ if entry.invalidated.is_none() && entry.invalidation().is_some() => "invalidated",
        ChangeCause::Fetched => "fetched",
        ChangeCause::Revalidated => "revalidated",
        ChangeCause::Set => "set",
        ChangeCause::Restored => "restored",
        ChangeCause::Invalidated(_) => "invalidated",
    };
    let reason = entry
        .staleness_reason(now)
        .map_or(JsValue::NULL, |r| JsValue::from_str(&r));
    object(&[
        ("key", key.into()),
        ("state", entry.state(now).as_str().into()),
        ("pageType", config.page_types.name(entry.page_type).into()),
        ("tags", tags.into()),
        ("age", (now.saturating_sub(entry.received_at) as f64).into()),
        ("reason", reason),
        ("cause", cause.into()),
        ("version", entry.version.into()),
        ("size", entry.size.into()),
        ("prefetched", entry.prefetched.into()),
    ])
}

/// A JS array of `strings`. Built here rather than by wasm-bindgen's `Vec<String>` return,
/// which needs glue of its own on both sides of the boundary.
pub(super) fn string_array(strings: Vec<String>) -> js_sys::Array {
    strings.iter().map(|s| JsValue::from_str(s)).collect()
}

/// A plain object with `fields`; one loop for every object this file builds.
fn object(fields: &[(&str, JsValue)]) -> JsValue {
    let object = js_sys::Object::new();
    for (name, value) in fields {
        // Defining a property on a fresh plain object cannot fail.
        let _ = js_sys::Reflect::set(&object, &JsValue::from_str(name), value);
    }
    object.into()
}

/// Addresses of the memo cells (see `web::memo`) for `js/index.js`.
#[wasm_bindgen(js_name = __memoCells, skip_typescript)]
pub fn memo_cells() -> js_sys::Array {
    // A JS array rather than `Vec<u32>`, whose return needs glue of its own.
    crate::web::memo::cells()
        .iter()
        .map(|&cell| JsValue::from(cell))
        .collect()
}
