//! What one event says: kind, tier, cause, and the compact form it is kept in.

use crate::core::Millis;

/// What happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Kind {
    /// A read served data (memory, or storage after a memory miss).
    Hit,
    /// A read found nothing servable in the tier.
    Miss,
    /// A read was served stale data while a revalidation runs.
    StaleServed,
    /// Data was stored (a response arrived, `set`, a restore from storage).
    Set,
    /// An invalidation named an entry, tag, page type or path.
    Invalidate,
    /// An entry left a tier (bounds, idle, expiry, quota).
    Evict,
    /// A response arrived but was not stored (an invalidation or newer request overtook it).
    Discard,
    /// An optimistic layer was removed after its request failed.
    Rollback,
    /// A prefetch request was made.
    Prefetch,
    /// A read used data that a prefetch brought.
    PrefetchUsed,
    /// A read joined a request already in flight instead of sending another.
    Dedup,
    /// A request, a decode or a storage operation failed.
    Error,
}

/// Every kind, in export order.
pub const KINDS: [Kind; 12] = [
    Kind::Hit,
    Kind::Miss,
    Kind::StaleServed,
    Kind::Set,
    Kind::Invalidate,
    Kind::Evict,
    Kind::Discard,
    Kind::Rollback,
    Kind::Prefetch,
    Kind::PrefetchUsed,
    Kind::Dedup,
    Kind::Error,
];

impl Kind {
    /// The name used in exports and in JS.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Hit => "hit",
            Kind::Miss => "miss",
            Kind::StaleServed => "stale",
            Kind::Set => "set",
            Kind::Invalidate => "invalidate",
            Kind::Evict => "evict",
            Kind::Discard => "discard",
            Kind::Rollback => "rollback",
            Kind::Prefetch => "prefetch",
            Kind::PrefetchUsed => "prefetchUsed",
            Kind::Dedup => "dedup",
            Kind::Error => "error",
        }
    }
}

/// Where it happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Tier {
    /// The memory tier.
    Memory,
    /// The localStorage tier.
    Storage,
    /// The network (`fetch`).
    Network,
}

/// Every tier, in export order.
pub const TIERS: [Tier; 3] = [Tier::Memory, Tier::Storage, Tier::Network];

impl Tier {
    /// The name used in exports and in JS.
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Memory => "memory",
            Tier::Storage => "storage",
            Tier::Network => "network",
        }
    }
}

/// Why it happened (invalidation source, eviction reason, error class...).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Cause {
    /// Nothing more to say.
    None,
    /// The app called the API.
    Api,
    /// A response header (the event's detail names it).
    Header,
    /// Another tab.
    Tab,
    /// A mutation.
    Mutation,
    /// Past its storage lifetime.
    Expired,
    /// Unused for `gcTime`.
    Idle,
    /// Over the tier's bounds.
    Size,
    /// localStorage was full.
    Quota,
    /// A newer request for the key overtook this one.
    Superseded,
    /// An invalidation landed while the request was in flight.
    InvalidatedInFlight,
    /// The server answered with this HTTP status.
    Status(u16),
    /// `fetch` rejected.
    Network,
    /// The body could not be decoded.
    Decode,
    /// localStorage failed.
    Storage,
}

impl Cause {
    /// The name used in exports and in JS (`status 503` for statuses).
    pub fn describe(self) -> String {
        let text = match self {
            Cause::None => "",
            Cause::Api => "api",
            Cause::Header => "header",
            Cause::Tab => "tab",
            Cause::Mutation => "mutation",
            Cause::Expired => "expired",
            Cause::Idle => "idle",
            Cause::Size => "size",
            Cause::Quota => "quota",
            Cause::Superseded => "superseded",
            Cause::InvalidatedInFlight => "invalidated in flight",
            Cause::Status(code) => return format!("status {code}"),
            Cause::Network => "network",
            Cause::Decode => "decode",
            Cause::Storage => "storage",
        };
        text.to_owned()
    }
}

/// One recorded event.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Event {
    /// When (ms since the epoch).
    pub at: Millis,
    /// What.
    pub kind: Kind,
    /// Where.
    pub tier: Tier,
    /// Id of the request key (or invalidation target) in the string table; [`NONE`](super::NONE) if none.
    pub key: u32,
    /// Id of a detail text (the invalidating header); [`NONE`](super::NONE) if none.
    pub detail: u32,
    /// How long it took (ms), for requests; 0 otherwise.
    pub duration: u32,
    /// Why.
    pub cause: Cause,
}

/// What the caller says about one event; [`Metrics::record`](super::Metrics::record) stamps and stores it.
#[derive(Clone, Copy, Debug)]
pub struct Record<'a> {
    /// What.
    pub kind: Kind,
    /// Where.
    pub tier: Tier,
    /// The request key or target, if any.
    pub key: Option<&'a str>,
    /// A detail (the invalidating header), if any.
    pub detail: Option<&'a str>,
    /// Duration (ms).
    pub duration: Millis,
    /// Why.
    pub cause: Cause,
}

impl<'a> Record<'a> {
    /// An event of `kind` in `tier` about `key`, with no duration, detail or cause.
    pub fn new(kind: Kind, tier: Tier, key: &'a str) -> Self {
        Record {
            kind,
            tier,
            key: Some(key),
            detail: None,
            duration: 0,
            cause: Cause::None,
        }
    }

    /// With a cause.
    pub fn cause(self, cause: Cause) -> Self {
        Record { cause, ..self }
    }

    /// With a duration (ms).
    pub fn took(self, duration: Millis) -> Self {
        Record { duration, ..self }
    }

    /// With a detail text.
    pub fn detail(self, detail: &'a str) -> Self {
        Record {
            detail: Some(detail),
            ..self
        }
    }
}
