//! App records on `FreshetCache`: what the TanStack Query persister (`freshet/tanstack`) keeps
//! through the storage tier.

use wasm_bindgen::prelude::*;

use super::cache::FreshetCache;

/// Lifetime of a record when the caller names none: a day, like TanStack's persister `maxAge`.
const DEFAULT_MAX_AGE: f64 = 86_400_000.0;

#[wasm_bindgen]
impl FreshetCache {
    /// Persists `text` as record `name` in the current scope's storage for `maxAge` ms (default
    /// 24 h), sharing the tier's budget, quota handling and `clear()`. Returns false when it
    /// cannot be kept (storage off or failed, record over `entryBudget`, tab or newline in
    /// `name`).
    #[wasm_bindgen(js_name = persistRecord)]
    pub fn persist_record(&self, name: &str, text: &str, max_age: Option<f64>) -> bool {
        let max_age = max_age
            .filter(|ms| ms.is_finite() && *ms >= 0.0)
            .unwrap_or(DEFAULT_MAX_AGE);
        // Saturating float-to-int conversion: an absurdly long lifetime is "forever".
        self.runtime.put_record(name, text, max_age as u64)
    }

    /// The text of record `name`; `undefined` when missing, expired or corrupt.
    #[wasm_bindgen(js_name = readRecord)]
    pub fn read_record(&self, name: &str) -> Option<String> {
        self.runtime.record_text(name)
    }

    /// Removes record `name` (removing a missing one is harmless).
    #[wasm_bindgen(js_name = removeRecord)]
    pub fn remove_record(&self, name: &str) {
        self.runtime.remove_record(name);
    }

    /// Names of the current scope's records that start with `prefix`, sorted.
    #[wasm_bindgen(js_name = recordNames, unchecked_return_type = "string[]")]
    pub fn record_names(&self, prefix: &str) -> js_sys::Array {
        super::cache::string_array(self.runtime.record_names(prefix))
    }
}
