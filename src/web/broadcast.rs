//! Invalidation events between the tabs of an origin: a `BroadcastChannel` named after the
//! cache namespace, or, where there is none, the `storage` event of a localStorage key written
//! and removed at once. Tabs exchange events (the header values, or a wipe), never cache
//! contents; a tab ignores its own echo (by a random tab id) and anything malformed.

use js_sys::Array;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::JsValue;
use web_sys::{BroadcastChannel, Event};

use super::listener::EventListener;

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

    fn from_parts(kind: char, value: String) -> Option<Self> {
        Some(match kind {
            'k' => WireTarget::Key(value),
            'a' => WireTarget::All,
            'p' => WireTarget::PageType(value),
            't' => WireTarget::Tag(value),
            'x' => WireTarget::TagPrefix(value),
            's' => WireTarget::PathPrefix(value),
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
        let name = super::concat(&["freshet:", namespace, ":invalidations"]);
        let tab = random_id();
        let own = tab.clone();
        // One listener either way: the JS side reads a message's data, or the new value of a
        // `storage` event for our key (`storage_key`), and checks it.
        let (channel, target, event, storage_key) = match BroadcastChannel::new(&name) {
            Ok(channel) => (Some(channel.clone()), channel.into(), "message", None),
            Err(_) => (
                None,
                web_sys::window()?.into(),
                "storage",
                Some(name.clone()),
            ),
        };
        let listener = EventListener::new(&target, event, move |e| {
            let event = decode_js(&e, storage_key.as_deref(), &own, MAX_WIRE_TARGETS as u32);
            if let Some(event) = event.and_then(tab_event) {
                on_event(event);
            }
        });
        Some(Broadcast {
            tab,
            channel,
            storage_key: name,
            _listener: listener,
        })
    }

    /// Sends `event` to the other tabs. Best effort: a closed channel or a full or missing
    /// localStorage loses the event, and nothing is thrown.
    pub fn send(&self, event: &TabEvent) {
        let text = encode_js(
            &self.tab,
            event.wipe,
            event.page_types.as_deref(),
            event.keys.as_deref(),
            event.timestamp.as_deref(),
            &event.origin,
            event.scope.as_deref(),
            &encode_targets(&event.targets),
        );
        match &self.channel {
            Some(channel) => {
                let _ = channel.post_message(&text);
            }
            None => {
                let storage = web_sys::window().and_then(|w| w.local_storage().ok().flatten());
                if let (Some(storage), Some(text)) = (storage, text.as_string()) {
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

#[wasm_bindgen(inline_js = r#"
// Wire format version 1 (`v`); messages of another version are ignored.
export function freshetEncodeTab(tab, wipe, pageTypes, keys, timestamp, origin, scope, targets) {
  // `n`: unique per message, so that the storage fallback fires for repeated identical events.
  return JSON.stringify({
    v: 1, tab, n: Math.random(), wipe, pageTypes: pageTypes ?? null, keys: keys ?? null,
    timestamp: timestamp ?? null, origin, scope: scope ?? null, targets,
  });
}
export function freshetDecodeTab(e, storageKey, own, max) {
  let data = e.data;
  if (storageKey != null) data = e.key === storageKey ? e.newValue : null;
  if (typeof data !== 'string') return;
  let o;
  try { o = JSON.parse(data); } catch (_) { return; }
  if (typeof o !== 'object' || o === null || o.v !== 1 || typeof o.tab !== 'string') return;
  if (o.tab === own || typeof o.wipe !== 'boolean' || typeof o.origin !== 'string') return;
  const out = [o.wipe, o.pageTypes, o.keys, o.timestamp, o.origin, o.scope, ''];
  for (const i of [1, 2, 3, 5]) {
    if (out[i] == null) out[i] = undefined;
    else if (typeof out[i] !== 'string') return;
  }
  // Absent targets (a tab of an older version) are none; past the limit, everything.
  let targets = o.targets ?? [];
  if (!Array.isArray(targets)) return;
  if (targets.length > max) targets = [['a', '']];
  for (const t of targets) {
    if (!Array.isArray(t) || typeof t[1] !== 'string' || !/^[kaptxs]$/.test(t[0])) return;
    out[6] += t[0];
    out.push(t[1]);
  }
  return out;
}
"#)]
extern "C" {
    /// The message of `event` as JSON text (wire format version 1).
    #[wasm_bindgen(js_name = freshetEncodeTab)]
    #[allow(clippy::too_many_arguments)]
    fn encode_js(
        tab: &str,
        wipe: bool,
        page_types: Option<&str>,
        keys: Option<&str>,
        timestamp: Option<&str>,
        origin: &str,
        scope: Option<&str>,
        targets: &Array,
    ) -> JsValue;
    /// The event in a `message` (or, given `storage_key`, a `storage`) event, checked: `[wipe,
    /// pageTypes, keys, timestamp, origin, scope, target kinds, target values…]`. `None` for
    /// our own echo (`own` tab) and for anything malformed in any way.
    #[wasm_bindgen(js_name = freshetDecodeTab)]
    fn decode_js(event: &Event, storage_key: Option<&str>, own: &str, max: u32) -> Option<Array>;
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

/// A message [`decode_js`] checked, as an event.
fn tab_event(fields: Array) -> Option<TabEvent> {
    let text = |i: u32| fields.get(i).as_string();
    let kinds = text(6)?;
    Some(TabEvent {
        wipe: fields.get(0).is_truthy(),
        page_types: text(1),
        keys: text(2),
        timestamp: text(3),
        origin: text(4)?,
        scope: text(5),
        targets: kinds
            .chars()
            .zip(7..)
            .map(|(kind, i)| WireTarget::from_parts(kind, text(i)?))
            .collect::<Option<_>>()?,
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
