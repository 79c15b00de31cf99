//! Invalidation events between the tabs of an origin: a `BroadcastChannel` named after the
//! cache namespace, or, where there is none, the `storage` event of a localStorage key written
//! and removed at once. Tabs exchange events (the header values, or a wipe), never cache
//! contents; a tab ignores its own echo (by a random tab id) and anything malformed.

use js_sys::{Array, Object, Reflect, JSON};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{BroadcastChannel, MessageEvent, StorageEvent};

use super::listener::EventListener;

/// Wire format version; messages of another version are ignored.
const VERSION: f64 = 1.0;

/// One event between tabs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TabEvent {
    /// Wipe the scope (`clear()` or `Clear-Site-Data`).
    pub wipe: bool,
    /// `X-Cache-Invalidate`, as received.
    pub page_types: Option<String>,
    /// `X-Cache-Invalidate-Keys`, as received.
    pub keys: Option<String>,
    /// `X-Cache-Invalidate-Timestamp`, as received.
    pub timestamp: Option<String>,
    /// The origin whose `/path` prefixes these are (empty: the page's own).
    pub origin: String,
    /// The scope (user) a wipe is for: tabs of other scopes ignore it.
    pub scope: Option<String>,
    /// What the app invalidated through the API (`invalidate`, `invalidateTags`, …).
    pub targets: Vec<WireTarget>,
}

/// An API invalidation target as tabs exchange it: page types by name, since ids are per cache.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WireTarget {
    /// One request key.
    Key(String),
    /// Every entry.
    All,
    /// Every entry of the named page type.
    PageType(String),
    /// Entries carrying this tag.
    Tag(String),
    /// Entries carrying a tag that starts with this.
    TagPrefix(String),
    /// Entries whose request key starts with this.
    PathPrefix(String),
}

impl WireTarget {
    /// The kind letter and value on the wire.
    fn parts(&self) -> (&'static str, &str) {
        match self {
            WireTarget::Key(v) => ("k", v),
            WireTarget::All => ("a", ""),
            WireTarget::PageType(v) => ("p", v),
            WireTarget::Tag(v) => ("t", v),
            WireTarget::TagPrefix(v) => ("x", v),
            WireTarget::PathPrefix(v) => ("s", v),
        }
    }

    fn from_parts(kind: &str, value: String) -> Option<Self> {
        Some(match kind {
            "k" => WireTarget::Key(value),
            "a" => WireTarget::All,
            "p" => WireTarget::PageType(value),
            "t" => WireTarget::Tag(value),
            "x" => WireTarget::TagPrefix(value),
            "s" => WireTarget::PathPrefix(value),
            _ => return None,
        })
    }
}

/// Most targets one message carries; more make the receiving tabs invalidate everything.
pub const MAX_WIRE_TARGETS: usize = 512;

/// The channel of one cache; dropping it stops listening.
pub struct Broadcast {
    tab: String,
    channel: Option<BroadcastChannel>,
    storage_key: String,
    _listener: Option<EventListener>,
}

impl Broadcast {
    /// Opens the channel of `namespace`; `on_event` gets what other tabs send. `None` when the
    /// page has neither `BroadcastChannel` nor a usable `window`.
    pub fn open(namespace: &str, on_event: impl Fn(TabEvent) + 'static) -> Option<Self> {
        let name = crate::core::text::concat(&["freshet:", namespace, ":invalidations"]);
        let tab = random_id();
        let own = tab.clone();
        let accept = move |data: JsValue| {
            if let Some(event) = decode(&data, &own) {
                on_event(event);
            }
        };
        match BroadcastChannel::new(&name) {
            Ok(channel) => {
                let listener = EventListener::new(&channel, "message", move |e| {
                    if let Some(e) = e.dyn_ref::<MessageEvent>() {
                        accept(e.data());
                    }
                });
                Some(Broadcast {
                    tab,
                    channel: Some(channel),
                    storage_key: name,
                    _listener: listener,
                })
            }
            Err(_) => {
                let window = web_sys::window()?;
                let key = name.clone();
                let listener = EventListener::new(&window, "storage", move |e| {
                    if let Some(e) = e.dyn_ref::<StorageEvent>() {
                        if e.key().as_deref() == Some(&key) {
                            if let Some(value) = e.new_value() {
                                accept(JsValue::from_str(&value));
                            }
                        }
                    }
                });
                Some(Broadcast {
                    tab,
                    channel: None,
                    storage_key: name,
                    _listener: listener,
                })
            }
        }
    }

    /// Sends `event` to the other tabs. Best effort: a closed channel or a full or missing
    /// localStorage loses the event, and nothing is thrown.
    pub fn send(&self, event: &TabEvent) {
        let Some(text) = encode(event, &self.tab) else {
            return;
        };
        match &self.channel {
            Some(channel) => {
                let _ = channel.post_message(&JsValue::from_str(&text));
            }
            None => {
                let storage = web_sys::window().and_then(|w| w.local_storage().ok().flatten());
                if let Some(storage) = storage {
                    // Other tabs see the write as a `storage` event; removing it keeps nothing.
                    let _ = storage.set_item(&self.storage_key, &text);
                    let _ = storage.remove_item(&self.storage_key);
                }
            }
        }
    }
}

impl Drop for Broadcast {
    fn drop(&mut self) {
        if let Some(channel) = &self.channel {
            channel.close();
        }
    }
}

fn encode(event: &TabEvent, tab: &str) -> Option<String> {
    let o = Object::new();
    let text = |v: &Option<String>| v.as_deref().map_or(JsValue::NULL, JsValue::from_str);
    for (name, value) in [
        ("v", JsValue::from_f64(VERSION)),
        ("tab", JsValue::from_str(tab)),
        // Unique per message, so that the storage fallback fires for repeated identical events.
        ("n", JsValue::from_f64(js_sys::Math::random())),
        ("wipe", JsValue::from_bool(event.wipe)),
        ("pageTypes", text(&event.page_types)),
        ("keys", text(&event.keys)),
        ("timestamp", text(&event.timestamp)),
        ("origin", JsValue::from_str(&event.origin)),
        ("scope", text(&event.scope)),
        ("targets", encode_targets(&event.targets).into()),
    ] {
        Reflect::set(&o, &name.into(), &value).ok()?;
    }
    JSON::stringify(&o).ok()?.as_string()
}

/// `[[kind, value], …]`; past the limit, a single "everything" (wider, never narrower).
fn encode_targets(targets: &[WireTarget]) -> Array {
    let list = Array::new();
    let all = [WireTarget::All];
    let targets = if targets.len() > MAX_WIRE_TARGETS {
        &all[..]
    } else {
        targets
    };
    for target in targets {
        let (kind, value) = target.parts();
        list.push(&Array::of2(&kind.into(), &value.into()));
    }
    list
}

/// The targets of a message; a malformed one makes the whole message malformed. Absent (a tab
/// of an older version) is none.
fn decode_targets(value: JsValue) -> Option<Vec<WireTarget>> {
    if value.is_undefined() || value.is_null() {
        return Some(Vec::new());
    }
    let list = value.dyn_into::<Array>().ok()?;
    if list.length() as usize > MAX_WIRE_TARGETS {
        return Some(vec![WireTarget::All]);
    }
    let mut targets = Vec::new();
    for item in list.iter() {
        let pair = item.dyn_into::<Array>().ok()?;
        let kind = pair.get(0).as_string()?;
        targets.push(WireTarget::from_parts(&kind, pair.get(1).as_string()?)?);
    }
    Some(targets)
}

/// The event in a message, unless it is our own echo or malformed in any way.
fn decode(data: &JsValue, own_tab: &str) -> Option<TabEvent> {
    let text = data.as_string()?;
    let o = JSON::parse(&text).ok()?;
    if !o.is_object() {
        return None;
    }
    let get = |name: &str| Reflect::get(&o, &name.into()).ok();
    if get("v")?.as_f64() != Some(VERSION) {
        return None;
    }
    let tab = get("tab")?.as_string()?;
    if tab == own_tab {
        return None;
    }
    let optional = |name: &str| -> Option<Option<String>> {
        let v = get(name)?;
        if v.is_null() || v.is_undefined() {
            Some(None)
        } else {
            v.as_string().map(Some)
        }
    };
    Some(TabEvent {
        wipe: get("wipe")?.as_bool()?,
        page_types: optional("pageTypes")?,
        keys: optional("keys")?,
        timestamp: optional("timestamp")?,
        origin: get("origin")?.as_string()?,
        scope: optional("scope")?,
        targets: decode_targets(get("targets")?)?,
    })
}

fn random_id() -> String {
    // Math.random is enough: the id only tells this tab's messages from the others'.
    let mut id = String::with_capacity(16);
    for _ in 0..2 {
        let n = (js_sys::Math::random() * 4_294_967_296.0) as u32;
        for shift in (0..32).step_by(4).rev() {
            id.push(char::from_digit((n >> shift) & 15, 16).unwrap_or('0'));
        }
    }
    id
}
