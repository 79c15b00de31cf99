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
        let (id, callback) = start(millis, Closure::new(callback), true)?;
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

/// A one-shot timer; dropping it before it fires clears it and frees the closure.
#[must_use = "the timer is cleared as soon as this is dropped"]
pub struct Timeout {
    id: i32,
    _callback: Closure<dyn FnMut()>,
}

impl Timeout {
    /// Calls `callback` once after `millis` ms; `None` where there is no timer API.
    pub fn new(millis: u32, callback: impl FnOnce() + 'static) -> Option<Self> {
        let mut callback = Some(callback);
        let callback = Closure::new(move || {
            if let Some(f) = callback.take() {
                f();
            }
        });
        let (id, callback) = start(millis, callback, false)?;
        Some(Timeout {
            id,
            _callback: callback,
        })
    }
}

/// Sets an interval (or a timeout) calling `callback`; one copy for every callback type.
#[inline(never)]
fn start(
    millis: u32,
    callback: Closure<dyn FnMut()>,
    repeat: bool,
) -> Option<(i32, Closure<dyn FnMut()>)> {
    let window = web_sys::window()?;
    let millis = i32::try_from(millis).unwrap_or(i32::MAX);
    let function = callback.as_ref().unchecked_ref();
    let id = if repeat {
        window.set_interval_with_callback_and_timeout_and_arguments_0(function, millis)
    } else {
        window.set_timeout_with_callback_and_timeout_and_arguments_0(function, millis)
    };
    Some((id.ok()?, callback))
}

impl Drop for Timeout {
    fn drop(&mut self) {
        // Clearing a timer that already fired is harmless.
        if let Some(window) = web_sys::window() {
            window.clear_timeout_with_handle(self.id);
        }
    }
}
