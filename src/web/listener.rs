//! DOM event listeners that remove themselves when dropped.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::EventTarget;

/// A listener on `target` for `event`; dropping it removes the listener and frees the closure.
#[must_use = "the listener is removed as soon as this is dropped"]
pub struct EventListener {
    target: EventTarget,
    event: &'static str,
    callback: Closure<dyn FnMut(web_sys::Event)>,
}

impl EventListener {
    /// Adds `callback` as a listener; `None` if the target refused it.
    pub fn new(
        target: &EventTarget,
        event: &'static str,
        callback: impl FnMut(web_sys::Event) + 'static,
    ) -> Option<Self> {
        let callback = Closure::<dyn FnMut(web_sys::Event)>::new(callback);
        target
            .add_event_listener_with_callback(event, callback.as_ref().unchecked_ref())
            .ok()?;
        Some(EventListener {
            target: target.clone(),
            event,
            callback,
        })
    }

    /// [`EventListener::new`] for a listener that never calls `preventDefault`, so the browser
    /// need not wait for it before scrolling (`touchstart`, `wheel`).
    pub fn passive(
        target: &EventTarget,
        event: &'static str,
        callback: impl FnMut(web_sys::Event) + 'static,
    ) -> Option<Self> {
        let callback = Closure::<dyn FnMut(web_sys::Event)>::new(callback);
        let options = web_sys::AddEventListenerOptions::new();
        options.set_passive(true);
        target
            .add_event_listener_with_callback_and_add_event_listener_options(
                event,
                callback.as_ref().unchecked_ref(),
                &options,
            )
            .ok()?;
        Some(EventListener {
            target: target.clone(),
            event,
            callback,
        })
    }
}

impl Drop for EventListener {
    fn drop(&mut self) {
        // Removing a listener that is not there is harmless; nothing to report.
        let _ = self.target.remove_event_listener_with_callback(
            self.event,
            self.callback.as_ref().unchecked_ref(),
        );
    }
}
