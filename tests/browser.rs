//! Browser glue in headless Chromium (`wasm-pack test --headless --chrome`): listeners and
//! timers clean up, errors cross the boundary as JS `Error`s, and the runtime reads through
//! real `fetch` against the demo server (its URL is baked in at build time from
//! `FRESHET_TEST_SERVER`; `scripts/test.sh` starts it).
#![cfg(target_arch = "wasm32")]

use std::cell::Cell;
use std::rc::Rc;

use freshet::web::listener::EventListener;
use freshet::web::runtime::{ReadOptions, Runtime, RuntimeConfig};
use freshet::Error;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn server() -> &'static str {
    option_env!("FRESHET_TEST_SERVER").unwrap_or("http://127.0.0.1:8787")
}

fn runtime() -> Rc<Runtime> {
    let config = RuntimeConfig {
        cache: Default::default(),
        fetch: None,
        origin: String::new(),
        revalidate_on_focus: true,
        revalidate_on_reconnect: true,
        invalidation: Default::default(),
        storage: None,
    };
    Runtime::start(config).unwrap()
}

async fn requests_for(route: &str) -> f64 {
    let window = web_sys::window().unwrap();
    let url = format!("{}/__test/requests", server());
    let response: web_sys::Response = JsFuture::from(window.fetch_with_str(&url))
        .await
        .unwrap()
        .unchecked_into();
    let json = JsFuture::from(response.json().unwrap()).await.unwrap();
    let by_route = js_sys::Reflect::get(&json, &"byRoute".into()).unwrap();
    js_sys::Reflect::get(&by_route, &route.into())
        .unwrap()
        .as_f64()
        .unwrap_or(0.0)
}

#[wasm_bindgen_test]
fn a_dropped_listener_is_removed() {
    let target = web_sys::EventTarget::new().unwrap();
    let calls = Rc::new(Cell::new(0));
    let counter = Rc::clone(&calls);
    let listener =
        EventListener::new(&target, "ping", move |_| counter.set(counter.get() + 1)).unwrap();
    let event = web_sys::Event::new("ping").unwrap();
    target.dispatch_event(&event).unwrap();
    drop(listener);
    target.dispatch_event(&event).unwrap();
    assert_eq!(calls.get(), 1);
}

#[wasm_bindgen_test]
fn errors_become_js_errors_with_a_code() {
    let value: JsValue = Error::Status {
        url: "/x".into(),
        status: 503,
    }
    .into();
    let error: js_sys::Error = value.clone().dyn_into().unwrap();
    assert_eq!(String::from(error.name()), "FreshetError");
    assert!(String::from(error.message()).contains("503"));
    assert_eq!(
        js_sys::Reflect::get(&value, &"code".into()).unwrap(),
        "HTTP_STATUS"
    );
    assert_eq!(js_sys::Reflect::get(&value, &"status".into()).unwrap(), 503);
}

#[wasm_bindgen_test]
fn relative_urls_resolve_against_the_page() {
    let rt = runtime();
    let page = web_sys::window().unwrap().location();
    let key = rt.key_of("x/y?b=1&a=2").unwrap();
    assert!(key.ends_with("/x/y?a=2&b=1"), "{key}");
    assert!(key.starts_with(&page.origin().unwrap()));
}

#[wasm_bindgen_test]
async fn reads_through_fetch_once_then_from_memory() {
    let rt = runtime();
    let url = format!("{}/community/api/posts/p4", server());
    let before = requests_for("GET /community/api/posts/p4").await;
    let first = JsFuture::from(rt.get(&url, ReadOptions::default()).unwrap())
        .await
        .unwrap();
    let second = JsFuture::from(rt.get(&url, ReadOptions::default()).unwrap())
        .await
        .unwrap();
    assert_eq!(js_sys::Reflect::get(&first, &"id".into()).unwrap(), "p4");
    assert!(
        js_sys::Object::is(&first, &second),
        "a hit returns the same object"
    );
    assert!(js_sys::Object::is(&rt.peek(&url).unwrap(), &first));
    assert_eq!(
        requests_for("GET /community/api/posts/p4").await - before,
        1.0
    );
    let tags = rt
        .inspect(&url, |_, entry, _| entry.tags.to_vec())
        .unwrap()
        .unwrap();
    assert_eq!(tags, vec![Rc::<str>::from("post:p4")]);
}

#[wasm_bindgen_test]
async fn a_failed_read_rejects_and_caches_nothing() {
    let rt = runtime();
    let url = format!("{}/studio/api/scenes/nope", server());
    let error = JsFuture::from(rt.get(&url, ReadOptions::default()).unwrap())
        .await
        .unwrap_err();
    assert_eq!(js_sys::Reflect::get(&error, &"status".into()).unwrap(), 404);
    assert!(rt.keys().unwrap().is_empty());
}
