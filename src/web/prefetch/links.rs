//! The declarative mode: one call wires every marked link of a subtree, present and added
//! later, mapping each link to its data keys with the app's function.

use std::any::Any;
use std::cell::RefCell;
use std::rc::{Rc, Weak};

use js_sys::{Function, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Element, Event, EventTarget, Node};

use super::{boxed, call_keys, millis_u32, Trigger};
use crate::core::prefetch::Owner;
use crate::core::Millis;
use crate::web::listener::EventListener;
use crate::web::observer::{Intersection, Mutations};
use crate::web::runtime::Runtime;
use crate::web::timer::Timeout;

/// When the links of [`on_links`] are prefetched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkTrigger {
    /// After the pointer (or the keyboard focus) rests on the link, or at once on `touchstart`.
    Hover,
    /// When the link comes into view.
    Visible,
}

/// How [`on_links`] finds links and their data keys.
pub struct Links {
    /// CSS selector of the links to prefetch.
    pub selector: String,
    /// `(href, element) => string | string[]`: the data keys a link needs.
    pub keys: Function,
    /// Hover or visible.
    pub trigger: LinkTrigger,
    /// Hover delay.
    pub delay: Millis,
    /// Margin around the viewport for `Visible`.
    pub root_margin: Option<String>,
}

/// Wires every link under `root` that matches the selector, including links added later.
/// Hover listens once on `root` (events bubble up from every link, present or future);
/// visible observes each link with one `IntersectionObserver`, and a `MutationObserver`
/// adds links inserted later (and forgets removed ones).
pub fn on_links(rt: &Rc<Runtime>, root: &Element, links: Links) -> Result<Owner, JsValue> {
    // A bad selector throws here, at the call, rather than in every event.
    root.matches(&links.selector)?;
    let id = rt.new_prefetch_owner();
    let links = Rc::new(links);
    let resources = match links.trigger {
        LinkTrigger::Hover => delegate_hover(rt, root, id, &links),
        LinkTrigger::Visible => observe_links(rt, root, id, &links)?,
    };
    let trigger = Trigger {
        element: Some(root.clone()),
        _resources: resources,
    };
    rt.add_prefetch_trigger(id, trigger);
    Ok(id)
}

/// The link the pointer is on, and its pending timer.
type Hovered = (Element, Option<Timeout>);

fn delegate_hover(
    rt: &Rc<Runtime>,
    root: &Element,
    id: Owner,
    links: &Rc<Links>,
) -> Vec<Box<dyn Any>> {
    let pending: Rc<RefCell<Option<Hovered>>> = Rc::default();
    let weak = Rc::downgrade(rt);
    let mut resources: Vec<Box<dyn Any>> = Vec::new();
    // Keyboard focus is intent too: focus events bubble as `focusin` / `focusout`.
    for (over, out) in [("pointerover", "pointerout"), ("focusin", "focusout")] {
        let (over_links, over_pending, over_weak, over_root) = (
            Rc::clone(links),
            Rc::clone(&pending),
            weak.clone(),
            root.clone(),
        );
        resources.extend(boxed(EventListener::new(root, over, move |event| {
            let Some(link) = link_of(&over_root, &over_links.selector, event.target()) else {
                return;
            };
            if over_pending
                .borrow()
                .as_ref()
                .is_some_and(|(l, _)| *l == link)
            {
                return; // still on the same link (moved between its children)
            }
            let fire = link_firing(&over_weak, id, &over_links, link.clone());
            let timer = if over_links.delay == 0 {
                fire();
                None
            } else {
                Timeout::new(millis_u32(over_links.delay), fire)
            };
            let previous = over_pending.replace(Some((link, timer)));
            drop(previous);
        })));
        let (out_links, out_pending, out_root) =
            (Rc::clone(links), Rc::clone(&pending), root.clone());
        resources.extend(boxed(EventListener::new(root, out, move |event| {
            let Some(link) = link_of(&out_root, &out_links.selector, event.target()) else {
                return;
            };
            let related = related_target(&event);
            if related.is_some_and(|r| link.contains(Some(&r))) {
                return; // moved onto a child of the same link
            }
            let leaving = out_pending
                .borrow()
                .as_ref()
                .is_some_and(|(l, _)| *l == link);
            if leaving {
                let previous = out_pending.borrow_mut().take();
                drop(previous);
            }
        })));
    }
    let (touch_links, touch_root) = (Rc::clone(links), root.clone());
    resources.extend(boxed(EventListener::passive(
        root,
        "touchstart",
        move |event| {
            if let Some(link) = link_of(&touch_root, &touch_links.selector, event.target()) {
                link_firing(&weak, id, &touch_links, link)();
            }
        },
    )));
    resources
}

fn observe_links(
    rt: &Rc<Runtime>,
    root: &Element,
    id: Owner,
    links: &Rc<Links>,
) -> Result<Vec<Box<dyn Any>>, JsValue> {
    let weak = Rc::downgrade(rt);
    let seen_links = Rc::clone(links);
    // The observer is shared with the mutation callback, which observes links added later.
    let observer: Rc<RefCell<Option<Intersection>>> = Rc::default();
    let io_slot = Rc::downgrade(&observer);
    let io = Intersection::new(links.root_margin.as_deref(), move |entries| {
        for entry in entries.iter().filter(|e| e.is_intersecting()) {
            let link = entry.target();
            // Once per link.
            if let Some(io) = io_slot.upgrade() {
                if let Some(io) = io.borrow().as_ref() {
                    io.unobserve(&link);
                }
            }
            link_firing(&weak, id, &seen_links, link)();
        }
    })?;
    for link in matching(root, &links.selector) {
        io.observe(&link);
    }
    *observer.borrow_mut() = Some(io);
    let (selector, watched) = (links.selector.clone(), Rc::clone(&observer));
    let mutations = Mutations::new(root, move |records| {
        let watched = watched.borrow();
        let Some(io) = watched.as_ref() else {
            return;
        };
        for record in records {
            for node in nodes(&record.added_nodes()) {
                matching(&node, &selector).for_each(|l| io.observe(&l));
            }
            for node in nodes(&record.removed_nodes()) {
                matching(&node, &selector).for_each(|l| io.unobserve(&l));
            }
        }
    })?;
    Ok(vec![Box::new(mutations), Box::new(observer)])
}

/// The element and the elements under it that match `selector`.
fn matching(node: &Node, selector: &str) -> impl Iterator<Item = Element> {
    let mut found = Vec::new();
    if let Some(element) = node.dyn_ref::<Element>() {
        if element.matches(selector).unwrap_or(false) {
            found.push(element.clone());
        }
        if let Ok(list) = element.query_selector_all(selector) {
            found.extend(nodes(&list).filter_map(|n| n.dyn_into::<Element>().ok()));
        }
    }
    found.into_iter()
}

fn nodes(list: &web_sys::NodeList) -> impl Iterator<Item = Node> + '_ {
    (0..list.length()).filter_map(move |i| list.item(i))
}

/// The link under `root` that `target` is in, if any.
fn link_of(root: &Element, selector: &str, target: Option<EventTarget>) -> Option<Element> {
    let element = target?.dyn_into::<Element>().ok()?;
    let link = element.closest(selector).ok()??;
    root.contains(Some(&link)).then_some(link)
}

fn related_target(event: &Event) -> Option<Node> {
    Reflect::get(event, &JsValue::from_str("relatedTarget"))
        .ok()?
        .dyn_into::<Node>()
        .ok()
}

/// A function that prefetches `link`'s keys (asking the app's `keys(href, element)`).
fn link_firing(
    weak: &Weak<Runtime>,
    id: Owner,
    links: &Rc<Links>,
    link: Element,
) -> impl Fn() + Clone + 'static {
    let (weak, links) = (weak.clone(), Rc::clone(links));
    move || {
        let Some(rt) = weak.upgrade() else {
            return;
        };
        let href = Reflect::get(&link, &JsValue::from_str("href"))
            .ok()
            .and_then(|h| h.as_string())
            .or_else(|| link.get_attribute("href"))
            .unwrap_or_default();
        match call_keys(
            &links.keys,
            &[JsValue::from_str(&href), link.clone().into()],
        ) {
            Some(urls) => rt.prefetch_urls(&urls, id),
            None => rt.count_invalid_prefetch(),
        }
    }
}
