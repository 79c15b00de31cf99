//! One GET through `fetch` (the app's, or the global one): status, headers and body text.

use js_sys::{Array, Function, JsString, Promise};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::Headers;

use crate::error::{Error, Result};

/// A response, read to the end.
pub struct Fetched {
    /// HTTP status.
    pub status: u16,
    /// Response headers.
    pub headers: Headers,
    /// The body as text (empty for 304).
    pub body: String,
    /// The same text as the JS string `text()` gave: parsed and persisted from here, so that
    /// it is not converted back from `body`.
    pub text: JsString,
}

/// The global `fetch`, bound to the global object; `None` where there is none.
pub fn global_fetch() -> Option<Function> {
    global_fetch_js()
}

#[wasm_bindgen(module = "/src/web/glue.js")]
extern "C" {
    #[wasm_bindgen(js_name = freshetGlobalFetch)]
    fn global_fetch_js() -> Option<Function>;
    /// `fetch(url, init)` and the body as text, in one promise: `[status, headers, text]`, or a
    /// rejection `[0, error]` (no response), `[1]` (not a `Response`), `[2, error]` (no body).
    #[wasm_bindgen(js_name = freshetSend)]
    fn send_js(fetch: &Function, url: &str, init: &JsValue) -> Promise;
}

/// Sends `url` through `fetch_fn` with `init` and reads the body as text.
pub async fn send(fetch_fn: &Function, url: &str, init: &JsValue) -> Result<Fetched> {
    let sent = JsFuture::from(send_js(fetch_fn, url, init)).await;
    fetched(url, sent)
}

/// What [`send_js`] settled with, for a request of `url`.
#[inline(never)]
fn fetched(url: &str, sent: std::result::Result<JsValue, JsValue>) -> Result<Fetched> {
    // Both are arrays: the JS side catches everything.
    let parts = |v: JsValue| v.unchecked_into::<Array>();
    match sent {
        Ok(response) => {
            let response = parts(response);
            let text = JsString::from(response.get(2));
            Ok(Fetched {
                status: response.get(0).as_f64().unwrap_or(0.0) as u16,
                headers: response.get(1).unchecked_into(),
                body: String::from(&text),
                text,
            })
        }
        Err(failure) => {
            let failure = parts(failure);
            let error = failure.get(1);
            match failure.get(0).as_f64().map(|stage| stage as u8) {
                Some(2) => Err(Error::Decode {
                    url: url.to_owned(),
                    message: describe(&error),
                }
                .into()),
                Some(1) => Err(Error::Network {
                    url: url.to_owned(),
                    message: "fetch resolved to something that is not a Response".to_owned(),
                }
                .into()),
                _ => Err(network(url, &error).into()),
            }
        }
    }
}

/// The error of a request for `url` that failed with `e`.
#[inline(never)]
pub fn network(url: &str, e: &JsValue) -> Error {
    Error::Network {
        url: url.to_owned(),
        message: describe(e),
    }
}

/// A JS exception in words: an `Error`'s message, a string itself, anything else as JSON (or
/// `String(e)`). In JS: formatting it here would bring `core::fmt` and wasm-bindgen's debug
/// printer (about a kilobyte of glue) into the module.
pub fn describe(e: &JsValue) -> String {
    super::runtime::describe_js(e)
}
