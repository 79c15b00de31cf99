//! Idle callbacks (`requestIdleCallback`, or a short `setTimeout` where the browser has none,
//! as in Safari) that cancel themselves when dropped.

use js_sys::Reflect;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

/// Where `requestIdleCallback` is missing, run this long after the current task instead: late
/// enough to let the page finish what it is doing, soon enough to be useful.
const FALLBACK_DELAY: i32 = 50;

enum Handle {
    Idle(u32),
    Timer(i32),
}

/// A pending idle callback; dropping it before it runs cancels it and frees the closure.
#[must_use = "the callback is cancelled as soon as this is dropped"]
pub struct Idle {
    handle: Handle,
    _callback: Closure<dyn FnMut()>,
}

impl Idle {
    /// Calls `callback` once when the browser is idle (at the latest after `timeout` ms, if
    /// given); `None` where there is neither an idle nor a timer API.
    pub fn new(timeout: Option<u32>, callback: impl FnOnce() + 'static) -> Option<Self> {
        let mut callback = Some(callback);
        let callback = Closure::<dyn FnMut()>::new(move || {
            if let Some(f) = callback.take() {
                f();
            }
        });
        let window = web_sys::window()?;
        let function = callback.as_ref().unchecked_ref();
        let has_idle = Reflect::get(&window, &JsValue::from_str("requestIdleCallback"))
            .is_ok_and(|f| f.is_function());
        let handle = if has_idle {
            let options = web_sys::IdleRequestOptions::new();
            if let Some(ms) = timeout {
                options.set_timeout(ms);
            }
            Handle::Idle(
                window
                    .request_idle_callback_with_options(function, &options)
                    .ok()?,
            )
        } else {
            Handle::Timer(
                window
                    .set_timeout_with_callback_and_timeout_and_arguments_0(function, FALLBACK_DELAY)
                    .ok()?,
            )
        };
        Some(Idle {
            handle,
            _callback: callback,
        })
    }
}

impl Drop for Idle {
    fn drop(&mut self) {
        let Some(window) = web_sys::window() else {
            return;
        };
        // Cancelling a callback that already ran is harmless.
        match self.handle {
            Handle::Idle(id) => window.cancel_idle_callback(id),
            Handle::Timer(id) => window.clear_timeout_with_handle(id),
        }
    }
}
