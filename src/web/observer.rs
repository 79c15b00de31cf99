//! `IntersectionObserver` and `MutationObserver` that disconnect themselves when dropped.

use js_sys::Array;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{
    Element, IntersectionObserver, IntersectionObserverEntry, IntersectionObserverInit,
    MutationObserver, MutationObserverInit, MutationRecord, Node,
};

/// An intersection observer; dropping it disconnects it and frees the closure.
#[must_use = "the observer is disconnected as soon as this is dropped"]
pub struct Intersection {
    observer: IntersectionObserver,
    _callback: Closure<dyn FnMut(Array)>,
}

impl Intersection {
    /// Calls `callback` with the entries of each change; `root_margin` grows the viewport
    /// (`"200px"`). Fails with the browser's error for a malformed margin.
    pub fn new(
        root_margin: Option<&str>,
        callback: impl FnMut(Vec<IntersectionObserverEntry>) + 'static,
    ) -> Result<Self, JsValue> {
        Self::boxed(root_margin, Box::new(callback))
    }

    /// [`Intersection::new`] past the callback's type: one copy for every callback.
    #[inline(never)]
    fn boxed(
        root_margin: Option<&str>,
        mut callback: Box<dyn FnMut(Vec<IntersectionObserverEntry>)>,
    ) -> Result<Self, JsValue> {
        let callback = Closure::<dyn FnMut(Array)>::new(move |entries: Array| {
            callback(
                entries
                    .iter()
                    .filter_map(|e| e.dyn_into::<IntersectionObserverEntry>().ok())
                    .collect(),
            );
        });
        let init = IntersectionObserverInit::new();
        if let Some(margin) = root_margin {
            init.set_root_margin(margin);
        }
        let observer =
            IntersectionObserver::new_with_options(callback.as_ref().unchecked_ref(), &init)?;
        Ok(Intersection {
            observer,
            _callback: callback,
        })
    }

    /// Watches `element` (watching it twice is harmless).
    pub fn observe(&self, element: &Element) {
        self.observer.observe(element);
    }

    /// Stops watching `element`.
    pub fn unobserve(&self, element: &Element) {
        self.observer.unobserve(element);
    }
}

impl Drop for Intersection {
    fn drop(&mut self) {
        self.observer.disconnect();
    }
}

/// A mutation observer of a subtree's children; dropping it disconnects it and frees the closure.
#[must_use = "the observer is disconnected as soon as this is dropped"]
pub struct Mutations {
    observer: MutationObserver,
    _callback: Closure<dyn FnMut(Array)>,
}

impl Mutations {
    /// Calls `callback` with the records of nodes added to or removed from `target`'s subtree.
    pub fn new(
        target: &Node,
        callback: impl FnMut(Vec<MutationRecord>) + 'static,
    ) -> Result<Self, JsValue> {
        Self::boxed(target, Box::new(callback))
    }

    /// [`Mutations::new`] past the callback's type: one copy for every callback.
    #[inline(never)]
    fn boxed(
        target: &Node,
        mut callback: Box<dyn FnMut(Vec<MutationRecord>)>,
    ) -> Result<Self, JsValue> {
        let callback = Closure::<dyn FnMut(Array)>::new(move |records: Array| {
            callback(
                records
                    .iter()
                    .filter_map(|r| r.dyn_into::<MutationRecord>().ok())
                    .collect(),
            );
        });
        let observer = MutationObserver::new(callback.as_ref().unchecked_ref())?;
        let init = MutationObserverInit::new();
        init.set_child_list(true);
        init.set_subtree(true);
        observer.observe_with_options(target, &init)?;
        Ok(Mutations {
            observer,
            _callback: callback,
        })
    }
}

impl Drop for Mutations {
    fn drop(&mut self) {
        self.observer.disconnect();
    }
}
