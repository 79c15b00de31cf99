//! `FreshetCache`: the JS class.

use std::rc::Rc;

use js_sys::{Function, Promise};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::prelude::*;

use crate::core::cache::CacheConfig;
use crate::core::entry::{ChangeCause, Entry};
use crate::web::clock::now;
use crate::web::runtime::Runtime;

use super::options::{read_options, runtime_config, write_options};

/// A cache: memory tier, read-through `fetch`, subscriptions.
#[wasm_bindgen]
pub struct FreshetCache {
    runtime: Rc<Runtime>,
}

#[wasm_bindgen]
impl FreshetCache {
    /// Creates a cache; throws a `FreshetError` (code `INVALID_OPTIONS`) for bad options.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_optional_param_type = "CacheOptions")] options: JsValue,
    ) -> Result<FreshetCache, JsValue> {
        let runtime = Runtime::start(runtime_config(&options)?)?;
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

    /// The cached value of `url` if it may be shown now, else `undefined`. Synchronous.
    #[wasm_bindgen(unchecked_return_type = "unknown")]
    pub fn peek(&self, url: &str) -> Result<JsValue, JsValue> {
        Ok(self.runtime.peek(url)?)
    }

    /// Stores `value` under `url` as confirmed data.
    pub fn set(
        &self,
        url: &str,
        value: JsValue,
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

    /// Invalidates `url`: not served until refetched; refetched now if it has subscribers.
    pub fn invalidate(&self, url: &str) -> Result<(), JsValue> {
        Ok(self.runtime.invalidate(url)?)
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
    pub fn keys(&self) -> Result<Vec<String>, JsValue> {
        Ok(self.runtime.keys()?)
    }

    /// Empties memory, drops requests in flight and wipes the scope's persisted records.
    pub fn clear(&self) -> Result<(), JsValue> {
        Ok(self.runtime.clear()?)
    }

    /// Switches the user: memory and requests in flight are dropped, and only `scope`'s
    /// persisted data is visible from now on.
    #[wasm_bindgen(js_name = setScope)]
    pub fn set_scope(&self, scope: &str) -> Result<(), JsValue> {
        if scope.is_empty() || scope.chars().any(char::is_control) {
            return Err(crate::Error::InvalidOptions(
                "scope must be a non-empty string without control characters".into(),
            )
            .into());
        }
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
        let info = js_sys::Object::new();
        let Some(state) = self.runtime.storage_info() else {
            return info.into();
        };
        let failure = state
            .failure
            .map_or(JsValue::NULL, |f| JsValue::from_str(&f));
        let fields: [(&str, JsValue); 5] = [
            ("persistent", state.persistent.into()),
            ("failure", failure),
            ("entries", (state.entries as f64).into()),
            ("bytes", (state.bytes as f64).into()),
            ("scope", state.scope.into()),
        ];
        for (name, value) in fields {
            // Defining a property on a fresh plain object cannot fail.
            let _ = js_sys::Reflect::set(&info, &name.into(), &value);
        }
        info.into()
    }

    /// Stops the cache's listeners and timers; later reads reject.
    pub fn destroy(&self) -> Result<(), JsValue> {
        Ok(self.runtime.destroy()?)
    }
}

fn describe(
    key: &str,
    entry: &Entry<JsValue>,
    config: &CacheConfig,
    now: crate::core::Millis,
) -> JsValue {
    let info = js_sys::Object::new();
    let tags: js_sys::Array = entry.tags.iter().map(|t| JsValue::from_str(t)).collect();
    let cause = match entry.cause {
        ChangeCause::Fetched => "fetched",
        ChangeCause::Revalidated => "revalidated",
        ChangeCause::Set => "set",
        ChangeCause::Restored => "restored",
        ChangeCause::Invalidated(_) => "invalidated",
    };
    let reason = entry
        .staleness_reason(now)
        .map_or(JsValue::NULL, |r| JsValue::from_str(&r));
    let fields: [(&str, JsValue); 9] = [
        ("key", key.into()),
        ("state", entry.state(now).as_str().into()),
        ("pageType", config.page_types.name(entry.page_type).into()),
        ("tags", tags.into()),
        ("age", (now.saturating_sub(entry.received_at) as f64).into()),
        ("reason", reason),
        ("cause", cause.into()),
        ("version", entry.version.into()),
        ("size", entry.size.into()),
    ];
    for (name, value) in fields {
        // Defining a property on a fresh plain object cannot fail.
        let _ = js_sys::Reflect::set(&info, &name.into(), &value);
    }
    info.into()
}
