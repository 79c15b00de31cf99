//! One GET through `fetch` (the app's, or the global one): status, headers and body text.

use js_sys::{Function, JsString, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Headers, Response};

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
    let global = js_sys::global();
    let fetch = Reflect::get(&global, &"fetch".into())
        .ok()?
        .dyn_into::<Function>()
        .ok()?;
    Some(fetch.bind0(&global))
}

/// Sends `url` through `fetch_fn` with `init` and reads the body as text.
pub async fn send(fetch_fn: &Function, url: &str, init: &JsValue) -> Result<Fetched> {
    let network = |e: JsValue| Error::Network {
        url: url.to_owned(),
        message: describe(&e),
    };
    let promise = fetch_fn
        .call2(&JsValue::UNDEFINED, &url.into(), init)
        .map_err(network)?;
    let promise = promise
        .dyn_into::<Promise>()
        .unwrap_or_else(|value| Promise::resolve(&value));
    let response = JsFuture::from(promise).await.map_err(network)?;
    let response = response
        .dyn_into::<Response>()
        .map_err(|_| Error::Network {
            url: url.to_owned(),
            message: "fetch resolved to something that is not a Response".to_owned(),
        })?;
    let status = response.status();
    let headers = response.headers();
    let decode = |e: JsValue| Error::Decode {
        url: url.to_owned(),
        message: describe(&e),
    };
    let text = response.text().map_err(decode)?;
    let text = JsFuture::from(text).await.map_err(decode)?;
    let body = text.as_string().unwrap_or_default();
    let text = text
        .dyn_into::<JsString>()
        .unwrap_or_else(|_| JsString::from(body.as_str()));
    Ok(Fetched {
        status,
        headers,
        body,
        text,
    })
}

/// A JS exception in words: an `Error`'s message, a string itself, anything else as JSON (or
/// `String(e)`). In JS: formatting it here would bring `core::fmt` and wasm-bindgen's debug
/// printer (about a kilobyte of glue) into the module.
pub fn describe(e: &JsValue) -> String {
    super::runtime::describe_js(e)
}
