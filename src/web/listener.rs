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
        Self::add(target, event, Closure::new(callback))
    }

    /// The part of [`EventListener::new`] that does not depend on the callback's type: one
    /// copy for every listener.
    #[inline(never)]
    fn add(
        target: &EventTarget,
        event: &'static str,
        callback: Closure<dyn FnMut(web_sys::Event)>,
    ) -> Option<Self> {
        let function = callback.as_ref().unchecked_ref();
        target
            .add_event_listener_with_callback(event, function)
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
