//! `window.localStorage` behind the [`Storage`] trait. A missing or `null` localStorage, or
//! one whose getter throws `SecurityError`, is an error here; the tier then runs memory-only.

use js_sys::{JsString, Reflect};
use wasm_bindgen::prelude::wasm_bindgen;
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

#[wasm_bindgen]
extern "C" {
    /// A Storage object seen through a binding that leaves results as JS values.
    #[wasm_bindgen(js_name = Storage)]
    type RawStorage;
    /// `getItem` returning the JS string itself: a record's body is never copied into wasm.
    #[wasm_bindgen(method, catch, js_name = getItem)]
    fn get_item_raw(this: &RawStorage, key: &str) -> Result<JsValue, JsValue>;
}

impl WebStorage {
    /// The record under `key` split after its head (`lines` newlines): the head as a Rust
    /// string, the body as a JS string, so that a body goes from localStorage to `JSON.parse`
    /// without crossing into wasm (copying a 2 KB string in costs more than parsing it).
    pub fn get_split(
        &self,
        key: &str,
        lines: u32,
    ) -> Result<Option<(String, JsString)>, StoreError> {
        let value = self
            .storage
            .unchecked_ref::<RawStorage>()
            .get_item_raw(key)
            .map_err(|e| classify(&e))?;
        let Some(text) = value.dyn_ref::<JsString>() else {
            return Ok(None);
        };
        let mut at = -1;
        for _ in 0..lines {
            at = text.index_of("\n", at + 1);
            if at < 0 {
                // Not a record; the caller rejects the head.
                return Ok(Some((String::from(text), JsString::from(""))));
            }
        }
        let end = u32::try_from(at).unwrap_or(0);
        let head = String::from(text.slice(0, end));
        Ok(Some((head, text.slice(end + 1, text.length()))))
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

#[wasm_bindgen]
extern "C" {
    /// `TextEncoder`, bound so that `encode` takes the JS string as is.
    #[wasm_bindgen(js_name = TextEncoder)]
    type Encoder;
    #[wasm_bindgen(constructor, catch, js_class = "TextEncoder")]
    fn new() -> Result<Encoder, JsValue>;
    #[wasm_bindgen(method, js_class = "TextEncoder", js_name = encode)]
    fn encode(this: &Encoder, text: &JsString) -> js_sys::Uint8Array;
}

thread_local! {
    static ENCODER: Option<Encoder> = Encoder::new().ok();
}

/// A JS string into Rust through `TextEncoder` and one bulk copy: for the index (tens of KB)
/// this is several times faster than the per-character loop of the default conversion.
fn to_rust_string(text: &JsString) -> String {
    ENCODER.with(|encoder| match encoder {
        Some(encoder) => {
            String::from_utf8(encoder.encode(text).to_vec()).unwrap_or_else(|_| String::from(text))
        }
        None => String::from(text),
    })
}

impl Storage for WebStorage {
    fn get_item(&self, key: &str) -> Result<Option<String>, StoreError> {
        let value = self
            .storage
            .unchecked_ref::<RawStorage>()
            .get_item_raw(key)
            .map_err(|e| classify(&e))?;
        Ok(value.dyn_ref::<JsString>().map(to_rust_string))
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
