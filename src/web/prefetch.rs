//! Prefetch triggers in the page: hover (with a delay, cancelled when the pointer leaves
//! first; `touchstart` counts at once), visibility (`IntersectionObserver`), idle time, and the
//! declarative mode that wires every marked link of a subtree. The listeners, observers and
//! timers live in one small JS module per cache ([`Triggers`]), which calls back into the
//! runtime through a single closure: written in Rust, each trigger kind cost its own closures,
//! `web-sys` imports and glue on both sides, several times the size of the same plumbing in JS.
//! The decisions stay the governor's (`core::prefetch`); the module only says when.

use std::rc::Rc;

use js_sys::{Array, Function, Promise, Reflect};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};

use super::runtime::Runtime;
use crate::core::prefetch::{Network, Owner};

#[wasm_bindgen(module = "/src/web/glue.js")]
extern "C" {
    /// The JS side of one cache's triggers.
    #[derive(Clone)]
    pub type Triggers;

    #[wasm_bindgen(js_name = freshetTriggers)]
    fn triggers_js(call: &JsValue) -> Triggers;

    /// Registers a trigger of `kind` for owner `id`; returns its cancel function. Throws for a
    /// malformed selector or root margin.
    #[wasm_bindgen(method, catch, js_name = on)]
    fn on_js(
        this: &Triggers,
        kind: u32,
        id: Owner,
        element: &JsValue,
        keys: &JsValue,
        delay: i32,
        selector: Option<&str>,
        margin: Option<&str>,
    ) -> Result<Function, JsValue>;

    #[wasm_bindgen(method, js_name = op)]
    fn op_js(this: &Triggers, code: u32) -> u32;

    #[wasm_bindgen(method, js_name = wait)]
    fn wait_js(this: &Triggers, id: Owner) -> Promise;

    #[wasm_bindgen(method, js_name = done)]
    fn done_js(this: &Triggers, id: Owner);

    #[wasm_bindgen(method, js_name = after)]
    fn after_js(this: &Triggers, promise: &Promise, key: &str);
}

/// What a trigger waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TriggerKind {
    /// Nothing: only the cancel function (of a batch or a preload).
    None = 0,
    /// The pointer (or the keyboard focus) resting on an element, or a touch.
    Hover = 1,
    /// An element coming into view.
    Visible = 2,
    /// The browser being idle.
    Idle = 3,
    /// Hover on the marked links of a subtree.
    HoverLinks = 4,
    /// The marked links of a subtree coming into view.
    VisibleLinks = 5,
}

/// A trigger to register: what it watches and what it prefetches.
pub struct TriggerSpec<'a> {
    /// What it waits for.
    pub kind: TriggerKind,
    /// The element (hover, visible) or the links' root; `undefined` otherwise.
    pub element: &'a JsValue,
    /// The keys (`string | string[]`), or for links the app's `(href, element) => keys`.
    pub keys: &'a JsValue,
    /// Hover delay, or idle timeout (`None`: no timeout).
    pub delay: Option<crate::core::Millis>,
    /// CSS selector of the links.
    pub selector: Option<&'a str>,
    /// Margin around the viewport (visible kinds).
    pub root_margin: Option<&'a str>,
}

/// One cache's triggers, and the closure through which they call the runtime back.
pub struct Dom {
    triggers: Triggers,
    _call: Closure<dyn FnMut(JsValue)>,
}

impl Dom {
    /// The triggers of `rt`; they hold it weakly.
    pub fn new(rt: &Rc<Runtime>) -> Self {
        let weak = Rc::downgrade(rt);
        // `[op, id, value]`, see `Runtime::on_trigger`.
        let call = Closure::<dyn FnMut(JsValue)>::new(move |message: JsValue| {
            let message: Array = message.unchecked_into();
            let number = |i| message.get(i).as_f64().unwrap_or(-1.0) as u32;
            if let Some(rt) = weak.upgrade() {
                rt.on_trigger(number(0), number(1), &message.get(2));
            }
        });
        Dom {
            triggers: triggers_js(call.as_ref()),
            _call: call,
        }
    }

    /// The JS side.
    pub fn triggers(&self) -> &Triggers {
        &self.triggers
    }
}

impl Triggers {
    /// Registers `spec` for `id`; returns its cancel function (calling it twice is harmless).
    /// Fails only for a malformed selector or root margin.
    pub fn add(&self, id: Owner, spec: &TriggerSpec<'_>) -> Result<Function, JsValue> {
        let delay = spec
            .delay
            .map_or(-1, |ms| i32::try_from(ms).unwrap_or(i32::MAX));
        self.on_js(
            spec.kind as u32,
            id,
            spec.element,
            spec.keys,
            delay,
            spec.selector,
            spec.root_margin,
        )
    }

    /// How many triggers are registered.
    pub fn count(&self) -> usize {
        self.op_js(0) as usize
    }

    /// Calls back with op 1 when the browser is next idle (at the latest after 2 s); a pending
    /// call is replaced.
    pub fn predict_at_idle(&self) {
        self.op_js(1);
    }

    /// A promise that [`Triggers::resolve`] resolves.
    pub fn wait(&self, id: Owner) -> Promise {
        self.wait_js(id)
    }

    /// Resolves the promise of [`Triggers::wait`] for `id`, if there is one.
    pub fn resolve(&self, id: Owner) {
        self.done_js(id);
    }

    /// Calls back with op 3, the key and whether it was fulfilled when `promise` settles.
    pub fn after(&self, promise: &Promise, key: &str) {
        self.after_js(promise, key);
    }

    /// Ends every trigger and refuses new ones (they are undone at once).
    pub fn close(&self) {
        self.op_js(2);
    }
}

impl Drop for Dom {
    fn drop(&mut self) {
        // The closure goes with this: the module must not call it any more.
        self.triggers.op_js(3);
    }
}

/// What `navigator.connection` says; empty where the browser has no such API.
pub fn network() -> Network {
    let Some(window) = web_sys::window() else {
        return Network::default();
    };
    let get = |target: &JsValue, name: &str| {
        Reflect::get(target, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
    };
    let connection = get(&window.navigator(), "connection");
    if !connection.is_object() {
        return Network::default();
    }
    Network {
        save_data: get(&connection, "saveData").as_bool().unwrap_or(false),
        effective_type: get(&connection, "effectiveType").as_string(),
    }
}

/// Keys as the app gives them: one string or an array of strings; `None` for anything else.
pub fn keys_of(value: &JsValue) -> Option<Vec<String>> {
    if let Some(key) = value.as_string() {
        return Some(vec![key]);
    }
    let mut keys = Vec::new();
    for key in super::runtime::array_copy(value)?.iter() {
        keys.push(key.as_string()?);
    }
    Some(keys)
}
