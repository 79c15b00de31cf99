//! `setInterval` timers that clear themselves when dropped.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

/// A repeating timer; dropping it clears the interval and frees the closure.
#[must_use = "the timer stops as soon as this is dropped"]
pub struct Interval {
    id: i32,
    _callback: Closure<dyn FnMut()>,
}

impl Interval {
    /// Calls `callback` every `millis` ms; `None` where there is no timer API.
    pub fn new(millis: u32, callback: impl FnMut() + 'static) -> Option<Self> {
        let (id, callback) = start(millis, Closure::new(callback))?;
        Some(Interval {
            id,
            _callback: callback,
        })
    }
}

impl Drop for Interval {
    fn drop(&mut self) {
        if let Some(window) = web_sys::window() {
            window.clear_interval_with_handle(self.id);
        }
    }
}

/// Sets an interval calling `callback`; one copy for every callback type.
#[inline(never)]
fn start(millis: u32, callback: Closure<dyn FnMut()>) -> Option<(i32, Closure<dyn FnMut()>)> {
    let window = web_sys::window()?;
    let millis = i32::try_from(millis).unwrap_or(i32::MAX);
    let function = callback.as_ref().unchecked_ref();
    let id = window.set_interval_with_callback_and_timeout_and_arguments_0(function, millis);
    Some((id.ok()?, callback))
}
