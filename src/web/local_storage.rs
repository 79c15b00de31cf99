//! `window.localStorage` behind the [`Storage`] trait. A missing or `null` localStorage, or
//! one whose getter throws `SecurityError`, is an error here; the tier then runs memory-only.

use js_sys::Reflect;
use wasm_bindgen::{JsCast, JsValue};

use crate::store::{Storage, StoreError};

/// The page's localStorage.
#[derive(Debug, Clone)]
pub struct WebStorage {
    storage: web_sys::Storage,
}

impl WebStorage {
    /// The page's localStorage, or why there is none.
    pub fn open() -> Result<Self, StoreError> {
        let window = web_sys::window().ok_or(StoreError::Unavailable)?;
        // Read through Reflect so that a replaced or throwing getter is caught, and check the
        // type: anything but a real Storage object counts as no storage.
        let value = Reflect::get(&window, &"localStorage".into()).map_err(|e| classify(&e))?;
        let storage = value
            .dyn_into::<web_sys::Storage>()
            .map_err(|_| StoreError::Unavailable)?;
        Ok(WebStorage { storage })
    }
}

/// Maps an exception from Web Storage onto a [`StoreError`], by any browser's name or code.
pub fn classify(error: &JsValue) -> StoreError {
    let field = |name: &str| Reflect::get(error, &name.into()).unwrap_or(JsValue::UNDEFINED);
    let name = field("name").as_string().unwrap_or_default();
    let code = field("code").as_f64().unwrap_or(0.0);
    match name.as_str() {
        "QuotaExceededError" | "NS_ERROR_DOM_QUOTA_REACHED" => StoreError::Quota,
        "SecurityError" => StoreError::Security,
        _ if code == 22.0 || code == 1014.0 => StoreError::Quota,
        _ if code == 18.0 => StoreError::Security,
        _ => StoreError::Other(super::fetch::describe(error)),
    }
}

impl Storage for WebStorage {
    fn get_item(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.storage.get_item(key).map_err(|e| classify(&e))
    }

    fn set_item(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
        self.storage.set_item(key, value).map_err(|e| classify(&e))
    }

    fn remove_item(&mut self, key: &str) -> Result<(), StoreError> {
        self.storage.remove_item(key).map_err(|e| classify(&e))
    }

    fn keys(&self) -> Result<Vec<String>, StoreError> {
        let length = self.storage.length().map_err(|e| classify(&e))?;
        let mut keys = Vec::with_capacity(usize::try_from(length).unwrap_or(0));
        for i in 0..length {
            if let Some(key) = self.storage.key(i).map_err(|e| classify(&e))? {
                keys.push(key);
            }
        }
        Ok(keys)
    }
}
