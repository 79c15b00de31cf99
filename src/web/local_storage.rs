//! `window.localStorage` behind the [`Storage`] trait. A missing or `null` localStorage, or
//! one whose getter throws `SecurityError`, is an error here; the tier then runs memory-only.

use std::cell::RefCell;

use js_sys::{JsString, Reflect};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};

use crate::store::{Storage, StoreError};

/// The page's localStorage.
#[derive(Debug, Clone)]
pub struct WebStorage {
    storage: web_sys::Storage,
    /// The last record key prefix read with, and the same as a JS string: the prefix changes
    /// only with the scope, so first reads pass it to JS without decoding it each time.
    prefix: RefCell<(String, JsValue)>,
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
        Ok(WebStorage {
            storage,
            prefix: RefCell::new((String::new(), JsValue::from_str(""))),
        })
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

#[wasm_bindgen(module = "/src/web/glue.js")]
extern "C" {
    /// `getItem(prefix + key)`, the split after the head and the body decoded as the head's
    /// kind says (`JSON.parse`, or the text) in one JS call: the body never crosses into wasm.
    /// Returns the value (`undefined` when there is none, or the JSON does not parse); the head
    /// is kept for [`take_head_js`].
    #[wasm_bindgen(catch, js_name = freshetReadRecord)]
    fn read_record_js(
        storage: &web_sys::Storage,
        prefix: &JsValue,
        key: &JsValue,
    ) -> Result<JsValue, JsValue>;
    /// The head of the record last read: `None` when there was no record, empty when it had
    /// no head, else the head's lines, a newline and the body's UTF-16 length.
    #[wasm_bindgen(js_name = freshetTakeHead)]
    fn take_head_js() -> Option<String>;
    /// `setItem(key, head + body)`: the body is the response's own JS string, so only the short
    /// head crosses from wasm.
    #[wasm_bindgen(catch, js_name = freshetSetRecord)]
    fn set_record_js(
        storage: &web_sys::Storage,
        key: &str,
        head: &str,
        body: &JsString,
    ) -> Result<(), JsValue>;
}

#[wasm_bindgen(module = "/src/web/glue.js")]
extern "C" {
    /// The index and the journal segments in one JS call: `out` gets `[index or null,
    /// segment count, segments joined by NUL]` (segments we write never hold a NUL).
    #[wasm_bindgen(catch, js_name = freshetReadIndex)]
    fn read_index_js(
        storage: &web_sys::Storage,
        index_key: &str,
        segment_prefix: &str,
        max: u32,
        out: &js_sys::Array,
    ) -> Result<(), JsValue>;
}

/// A record read by [`WebStorage::read_record`].
pub struct ReadRecord {
    /// The record's head (magic, key and meta lines), to check; empty when it has none.
    pub head: String,
    /// The body decoded (JSON) or as text, as the head says; `None` when it does not parse.
    pub value: Option<JsValue>,
    /// UTF-16 length of the body.
    pub body_size: u32,
}

thread_local! {
    // Reused for every index read: the JS side writes its three results here.
    static OUT: js_sys::Array = js_sys::Array::new_with_length(3);
}

impl WebStorage {
    /// Reads the record under the store key `prefix` (both parts) + `key` and decodes its body
    /// as its head says without copying the body through wasm memory. `js_key`, when the caller
    /// has it, is `key` as a JS string already (no copy out of wasm memory then). `None` when
    /// there is no record.
    pub fn read_record(
        &self,
        prefix: (&str, &str),
        key: &str,
        js_key: Option<&JsValue>,
    ) -> Result<Option<ReadRecord>, StoreError> {
        let fresh;
        let key = match js_key {
            Some(key) => key,
            None => {
                fresh = JsValue::from_str(key);
                &fresh
            }
        };
        let (scope, kind) = prefix;
        let value = match self.prefix.try_borrow_mut() {
            Ok(mut cached) => {
                let (text, js) = &mut *cached;
                let same = text.len() == scope.len() + kind.len()
                    && text.starts_with(scope)
                    && text.ends_with(kind);
                if !same {
                    text.clear();
                    text.push_str(scope);
                    text.push_str(kind);
                    *js = JsValue::from_str(text);
                }
                read_record_js(&self.storage, js, key)
            }
            // Not reached (nothing here re-enters), but never a panic.
            Err(_) => read_record_js(
                &self.storage,
                &JsValue::from_str(&crate::core::text::concat(&[scope, kind])),
                key,
            ),
        }
        .map_err(|e| classify(&e))?;
        let Some(head) = take_head_js() else {
            return Ok(None);
        };
        Ok(Some(ReadRecord::from_head(head, value)))
    }

    /// The store, as the JS side reads it.
    pub fn js(&self) -> &JsValue {
        &self.storage
    }
}

impl ReadRecord {
    /// A record as `freshetReadRecord` leaves it: `head` is its head's lines, a newline and the
    /// body's UTF-16 length; `value` the decoded body (`undefined`: it did not parse).
    pub fn from_head(mut head: String, value: JsValue) -> ReadRecord {
        let body_size = match head.rfind('\n') {
            Some(at) => {
                let size = head.get(at + 1..).and_then(|n| n.parse().ok()).unwrap_or(0);
                head.truncate(at);
                size
            }
            None => 0,
        };
        ReadRecord {
            head,
            value: (!value.is_undefined()).then_some(value),
            body_size,
        }
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

    fn get_index(
        &self,
        index_key: &str,
        segment_prefix: &str,
        max: u32,
    ) -> Result<(Option<String>, Vec<String>), StoreError> {
        OUT.with(|out| {
            read_index_js(&self.storage, index_key, segment_prefix, max, out)
                .map_err(|e| classify(&e))?;
            let index = out.get(0).dyn_ref::<JsString>().map(to_rust_string);
            let count = out.get(1).as_f64().map_or(0, |n| n as usize);
            let joined = out.get(2).dyn_ref::<JsString>().map(to_rust_string);
            for i in 0..3 {
                out.set(i, JsValue::UNDEFINED);
            }
            let segments: Vec<String> = match joined {
                Some(text) if count > 0 => text.split('\0').map(str::to_owned).collect(),
                _ => Vec::new(),
            };
            if segments.len() != count {
                // A NUL inside a segment (corrupt): read them one by one instead.
                return crate::store::get_index_by_key(self, index_key, segment_prefix, max);
            }
            Ok((index, segments))
        })
    }

    fn set_item(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
        self.storage.set_item(key, value).map_err(|e| classify(&e))
    }

    fn set_record(
        &mut self,
        key: &str,
        text: &str,
        head_len: usize,
        native: Option<&dyn std::any::Any>,
    ) -> Result<(), StoreError> {
        let body = native.and_then(|n| n.downcast_ref::<JsString>());
        match (body, text.get(..head_len)) {
            (Some(body), Some(head)) => {
                set_record_js(&self.storage, key, head, body).map_err(|e| classify(&e))
            }
            _ => self.set_item(key, text),
        }
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
