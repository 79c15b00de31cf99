//! Prefetch triggers in the page: hover (with a delay, cancelled when the pointer leaves
//! first; `touchstart` counts at once), visibility (`IntersectionObserver`), idle time, and the
//! declarative mode that wires every marked link of a subtree. Each trigger owns its listeners,
//! observers and timers (RAII), so dropping it — on cancel, or when its element leaves the
//! document — removes all of them. The decisions are the governor's (`core::prefetch`).

use std::any::Any;
use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Array, Function, Reflect};
use wasm_bindgen::JsValue;
use web_sys::Element;

use super::idle::Idle;
use super::listener::EventListener;
use super::observer::Intersection;
use super::runtime::Runtime;
use super::timer::Timeout;
use crate::core::prefetch::{Network, Owner};
use crate::core::Millis;

mod links;
pub use links::{on_links, LinkTrigger, Links};

/// One registered trigger: its element (if it watches one) and the resources that keep it
/// alive; dropping it removes every listener and observer it added.
pub struct Trigger {
    element: Option<Element>,
    _resources: Vec<Box<dyn Any>>,
}

impl Trigger {
    /// The element whose removal from the document ends the trigger.
    pub fn element(&self) -> Option<&Element> {
        self.element.as_ref()
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

/// Calls the app's key function; `None` if it threw or returned neither a string nor an
/// array of strings (the caller counts it; nothing reaches the page).
pub fn call_keys(function: &Function, args: &[JsValue]) -> Option<Vec<String>> {
    let result = match args {
        [a] => function.call1(&JsValue::UNDEFINED, a),
        [a, b] => function.call2(&JsValue::UNDEFINED, a, b),
        _ => function.call0(&JsValue::UNDEFINED),
    }
    .ok()?;
    if let Some(key) = result.as_string() {
        return Some(vec![key]);
    }
    if !Array::is_array(&result) {
        return None;
    }
    Array::from(&result).iter().map(|k| k.as_string()).collect()
}

/// Prefetches `urls` after the pointer (or the keyboard focus) rests on `element` for `delay`
/// ms (at once on `touchstart`); leaving first cancels. Returns the trigger's id.
pub fn on_hover(rt: &Rc<Runtime>, element: &Element, urls: Vec<String>, delay: Millis) -> Owner {
    let id = rt.new_prefetch_owner();
    let fire = firing(rt, id, Rc::new(urls));
    let pending: Rc<RefCell<Option<Timeout>>> = Rc::default();
    let mut resources: Vec<Box<dyn Any>> = Vec::new();
    // Keyboard focus is intent too.
    for (enter, leave) in [("pointerenter", "pointerleave"), ("focus", "blur")] {
        let (enter_fire, enter_pending) = (fire.clone(), Rc::clone(&pending));
        resources.extend(boxed(EventListener::new(element, enter, move |_| {
            start(&enter_pending, delay, enter_fire.clone());
        })));
        let leave_pending = Rc::clone(&pending);
        resources.extend(boxed(EventListener::new(element, leave, move |_| {
            // Dropping the timer clears it.
            let timer = leave_pending.borrow_mut().take();
            drop(timer);
        })));
    }
    resources.extend(boxed(EventListener::passive(
        element,
        "touchstart",
        move |_| {
            let timer = pending.borrow_mut().take();
            drop(timer);
            fire();
        },
    )));
    let trigger = Trigger {
        element: Some(element.clone()),
        _resources: resources,
    };
    rt.add_prefetch_trigger(id, trigger);
    id
}

/// Prefetches `urls` once `element` comes within `root_margin` of the viewport; the observer
/// is disconnected after that. Fails only for a malformed margin.
pub fn on_visible(
    rt: &Rc<Runtime>,
    element: &Element,
    urls: Vec<String>,
    root_margin: Option<&str>,
) -> Result<Owner, JsValue> {
    let id = rt.new_prefetch_owner();
    let weak = Rc::downgrade(rt);
    let observer = Intersection::new(root_margin, move |entries| {
        if !entries.iter().any(|e| e.is_intersecting()) {
            return;
        }
        if let Some(rt) = weak.upgrade() {
            rt.prefetch_urls(&urls, id);
            // Once is enough: the observer goes (the keys already offered stay queued).
            rt.drop_prefetch_trigger(id);
        }
    })?;
    observer.observe(element);
    let trigger = Trigger {
        element: Some(element.clone()),
        _resources: vec![Box::new(observer)],
    };
    rt.add_prefetch_trigger(id, trigger);
    Ok(id)
}

/// Prefetches `urls` when the browser is next idle (at the latest after `timeout` ms).
pub fn on_idle(rt: &Rc<Runtime>, urls: Vec<String>, timeout: Option<u32>) -> Owner {
    let id = rt.new_prefetch_owner();
    let weak = Rc::downgrade(rt);
    let idle = Idle::new(timeout, move || {
        if let Some(rt) = weak.upgrade() {
            rt.prefetch_urls(&urls, id);
            rt.drop_prefetch_trigger(id);
        }
    });
    let trigger = Trigger {
        element: None,
        _resources: idle
            .into_iter()
            .map(|i| Box::new(i) as Box<dyn Any>)
            .collect(),
    };
    rt.add_prefetch_trigger(id, trigger);
    id
}

fn firing(rt: &Rc<Runtime>, id: Owner, urls: Rc<Vec<String>>) -> impl Fn() + Clone + 'static {
    let weak = Rc::downgrade(rt);
    move || {
        if let Some(rt) = weak.upgrade() {
            rt.prefetch_urls(&urls, id);
        }
    }
}

/// Fires at once for no delay, else after it (replacing a timer already pending).
fn start(pending: &RefCell<Option<Timeout>>, delay: Millis, fire: impl Fn() + 'static) {
    if delay == 0 {
        fire();
        return;
    }
    let previous = pending.replace(Timeout::new(millis_u32(delay), fire));
    drop(previous);
}

fn millis_u32(ms: Millis) -> u32 {
    u32::try_from(ms).unwrap_or(u32::MAX)
}

fn boxed(listener: Option<EventListener>) -> Option<Box<dyn Any>> {
    listener.map(|l| Box::new(l) as Box<dyn Any>)
}
