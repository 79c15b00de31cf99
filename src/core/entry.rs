//! One cache entry: its value, where it came from, and the state machine that decides whether
//! it may be served.

use std::rc::Rc;

use super::group_mark::GroupMark;
use super::page_type::{Lifetimes, PageTypeId};
use super::text::{concat, push_decimal};
use super::Millis;

/// Whether an entry may be served, computed at read time (timers may be late; the clock is not).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryState {
    /// Within its fresh window: served as is.
    Fresh,
    /// Past its fresh window: served, and revalidated in the background.
    Stale,
    /// Named by an invalidation: not served as data until refetched (unless the page type
    /// opts into serving it while the refetch runs).
    Invalidated,
    /// Past its storage lifetime: never served.
    Expired,
}

impl EntryState {
    /// The state's name, as the overlay and the JS API show it.
    pub fn as_str(self) -> &'static str {
        match self {
            EntryState::Fresh => "fresh",
            EntryState::Stale => "stale",
            EntryState::Invalidated => "invalidated",
            EntryState::Expired => "expired",
        }
    }
}

/// Where an invalidation came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InvalidationSource {
    /// The app called `invalidate`.
    Api,
    /// A response header; the string names the header and its value.
    Header(String),
    /// Another tab of the origin.
    Tab,
    /// A mutation of the entry started or finished.
    Mutation,
}

/// One invalidation as recorded on the entries it named: why, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalidation {
    /// Where it came from.
    pub source: InvalidationSource,
    /// When it was applied (client clock).
    pub at: Millis,
}

/// Why an entry last changed; every change records one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangeCause {
    /// Stored from a network response with a new body.
    Fetched,
    /// A response confirmed the stored body (identical body, or 304); only times changed.
    Revalidated,
    /// The app stored a value with `set`.
    Set,
    /// Read back from the storage tier.
    Restored,
    /// Named by an invalidation.
    Invalidated(Rc<Invalidation>),
}

/// Where the data of an entry came from and when, as given when it is stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Provenance {
    /// Client time at which the data arrived.
    pub received_at: Millis,
    /// When the server produced the data: its `Date` header, or the request start.
    pub server_time: Millis,
    /// A cap on the lifetime from the response (`Cache-Control: max-age`), if any.
    pub max_age_cap: Option<Millis>,
}

/// The tags of an entry, read as a slice. Up to two are held in the entry itself (a route tag
/// and perhaps one from the response is the common case): a list of their own would cost each
/// such entry another heap block (SPEC §10 counts bookkeeping bytes per entry).
#[derive(Clone, Default)]
pub struct Tags(TagsRepr);

impl std::fmt::Debug for Tags {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// Two words (four on 64-bit targets): `List` fits beside the pointer whose null value tells
/// the variants apart, so the enum is no larger than its array.
#[derive(Clone)]
enum TagsRepr {
    /// Two tags; or one, held twice (the same string: a list's tags are distinct strings, so
    /// two equal pointers can only mean one tag).
    Inline([Rc<str>; 2]),
    /// No tags (an empty box does not allocate), or more than two.
    List(Box<[Rc<str>]>),
}

impl Default for TagsRepr {
    fn default() -> Self {
        TagsRepr::List(Box::default())
    }
}

impl std::ops::Deref for Tags {
    type Target = [Rc<str>];

    fn deref(&self) -> &[Rc<str>] {
        match &self.0 {
            TagsRepr::Inline([first, second]) if Rc::ptr_eq(first, second) => {
                std::slice::from_ref(first)
            }
            TagsRepr::Inline(both) => both,
            TagsRepr::List(tags) => tags,
        }
    }
}

impl PartialEq for Tags {
    fn eq(&self, other: &Tags) -> bool {
        **self == **other
    }
}

impl Eq for Tags {}

impl From<Vec<Rc<str>>> for Tags {
    fn from(tags: Vec<Rc<str>>) -> Tags {
        Tags(match &tags[..] {
            [only] => TagsRepr::Inline([Rc::clone(only), Rc::clone(only)]),
            // The same string twice is two tags here: it must not read as one.
            [first, second] if !Rc::ptr_eq(first, second) => {
                TagsRepr::Inline([Rc::clone(first), Rc::clone(second)])
            }
            _ => TagsRepr::List(tags.into_boxed_slice()),
        })
    }
}

impl FromIterator<Rc<str>> for Tags {
    fn from_iter<I: IntoIterator<Item = Rc<str>>>(tags: I) -> Tags {
        Tags::from(tags.into_iter().collect::<Vec<_>>())
    }
}

/// A cached value and its bookkeeping.
#[derive(Debug, Clone)]
pub struct Entry<V> {
    value: V,
    /// The page type, which sets the lifetimes.
    pub page_type: PageTypeId,
    /// Entity tags attached to the entry; each string is shared with the cache's tag index
    /// and with the other entries carrying the tag.
    pub tags: Tags,
    /// Client time at which the data arrived.
    pub received_at: Millis,
    /// When the server produced the data.
    pub server_time: Millis,
    /// Served without revalidation until this time.
    pub stale_at: Millis,
    /// Never served from this time on.
    pub expires_at: Millis,
    /// Hash of the body the value was decoded from, to keep the same value for the same body.
    pub fingerprint: u64,
    /// Approximate size in bytes of key and value.
    pub size: u32,
    /// Sequence number of the request (or write) that produced the data.
    pub source_seq: u64,
    /// Set while the entry is invalidated.
    pub invalidated: Option<Rc<Invalidation>>,
    /// Its page type's shared mark (set by the cache): a whole page type is invalidated there.
    pub group: Option<Rc<GroupMark>>,
    /// Why the entry last changed (an invalidation carries its time; other changes happen
    /// when the data arrives, at `received_at`).
    pub cause: ChangeCause,
    /// Bumped each time the value is replaced; equal versions hold the same value.
    pub version: u32,
    /// Whether the data came from a prefetch and has not been read since.
    pub prefetched: bool,
    /// When the memory tier last handed the entry out or stored it, as a [`use_stamp`].
    pub(crate) last_used: u64,
}

/// Bits of a [`use_stamp`] below its time.
const STAMP_COUNT_BITS: u32 = 16;

/// The stamp of a use at `now` following a use stamped `last`: the time in ms in the high bits
/// and a count in the low 16, and always above `last`. Ordering by stamp is then ordering by use
/// (least recently used first) even for uses in one millisecond or after the clock went back,
/// and the time of a use is one shift away; one `u64` per entry instead of a tick and a time.
/// The time part runs ahead of the clock only by what a clock going back took away, or past
/// 65,536 uses in one millisecond.
pub(crate) fn use_stamp(now: Millis, last: u64) -> u64 {
    now.saturating_mul(1 << STAMP_COUNT_BITS)
        .max(last.saturating_add(1))
}

/// The time (ms) of a use stamped `stamp`.
pub(crate) fn stamp_time(stamp: u64) -> Millis {
    stamp >> STAMP_COUNT_BITS
}

impl<V> Entry<V> {
    /// A new entry for data received now, with lifetimes from its page type.
    pub fn new(
        value: V,
        page_type: PageTypeId,
        lifetimes: &Lifetimes,
        provenance: &Provenance,
        cause: ChangeCause,
    ) -> Self {
        let mut entry = Entry {
            value,
            page_type,
            tags: Tags::default(),
            received_at: 0,
            server_time: 0,
            stale_at: 0,
            expires_at: 0,
            fingerprint: 0,
            size: 0,
            source_seq: 0,
            invalidated: None,
            group: None,
            cause: ChangeCause::Set,
            version: 0,
            prefetched: false,
            last_used: use_stamp(provenance.received_at, 0),
        };
        entry.confirm(lifetimes, provenance, cause);
        entry
    }

    /// The value.
    pub fn value(&self) -> &V {
        &self.value
    }

    /// Replaces the value (a new version) and records why.
    pub fn replace_value(&mut self, value: V, cause: ChangeCause) {
        self.value = value;
        self.version = self.version.wrapping_add(1);
        self.cause = cause;
    }

    /// Marks the data as confirmed by the server (or the app) at `provenance`: restarts the
    /// lifetimes and clears any invalidation.
    pub fn confirm(&mut self, lifetimes: &Lifetimes, provenance: &Provenance, cause: ChangeCause) {
        let max_age = provenance
            .max_age_cap
            .map_or(lifetimes.max_age, |cap| cap.min(lifetimes.max_age));
        self.received_at = provenance.received_at;
        self.server_time = provenance.server_time;
        self.stale_at = provenance
            .received_at
            .saturating_add(lifetimes.stale_time.min(max_age));
        self.expires_at = provenance.received_at.saturating_add(max_age);
        self.invalidated = None;
        self.cause = cause;
    }

    /// Marks the entry invalidated (idempotent: the first cause is kept).
    pub fn invalidate(&mut self, invalidation: &Rc<Invalidation>) {
        if self.invalidated.is_none() {
            self.invalidated = Some(Rc::clone(invalidation));
            self.cause = ChangeCause::Invalidated(Rc::clone(invalidation));
        }
    }

    /// The state at `now`.
    ///
    /// ```
    /// use freshet::core::entry::{ChangeCause, Entry, EntryState, Provenance};
    /// use freshet::core::page_type::{Lifetimes, PageTypeId};
    /// let p = Provenance { received_at: 1_000, server_time: 1_000, max_age_cap: None };
    /// let e = Entry::new("v", PageTypeId::READING, &Lifetimes::new(100, 500), &p, ChangeCause::Fetched);
    /// assert_eq!(e.state(1_050), EntryState::Fresh);
    /// assert_eq!(e.state(1_100), EntryState::Stale);
    /// assert_eq!(e.state(1_500), EntryState::Expired);
    /// ```
    pub fn state(&self, now: Millis) -> EntryState {
        if now >= self.expires_at {
            EntryState::Expired
        } else if self.invalidated.is_some() || self.group_invalidated() {
            EntryState::Invalidated
        } else if now >= self.stale_at || self.never_fresh() {
            EntryState::Stale
        } else {
            EntryState::Fresh
        }
    }

    /// Whether its page type was invalidated since its data was stored.
    fn group_invalidated(&self) -> bool {
        self.group
            .as_ref()
            .is_some_and(|g| g.covers(self.source_seq, self.server_time))
    }

    /// The invalidation in force on the entry, its own or its page type's.
    pub fn invalidation(&self) -> Option<Rc<Invalidation>> {
        self.invalidated.clone().or_else(|| {
            self.group
                .as_ref()
                .and_then(|g| g.covering(self.source_seq, self.server_time))
        })
    }

    /// Whether it has no fresh window at all (a stale time of 0, or a `max-age` cap of 0).
    fn never_fresh(&self) -> bool {
        self.stale_at <= self.received_at
    }

    /// Why the entry is not fresh at `now`, in words for the overlay; `None` when fresh.
    pub fn staleness_reason(&self, now: Millis) -> Option<String> {
        match self.state(now) {
            EntryState::Fresh => None,
            EntryState::Expired => {
                let mut why = String::from("expired: kept for ");
                push_secs(&mut why, self.expires_at.saturating_sub(self.received_at));
                why.push_str(" s after it arrived");
                Some(why)
            }
            EntryState::Invalidated => {
                Some(match self.invalidation().as_deref().map(|i| &i.source) {
                    Some(InvalidationSource::Header(h)) => concat(&["invalidated by ", h]),
                    Some(InvalidationSource::Tab) => "invalidated by another tab".to_owned(),
                    Some(InvalidationSource::Mutation) => "invalidated by a mutation".to_owned(),
                    Some(InvalidationSource::Api) | None => "invalidated by the app".to_owned(),
                })
            }
            EntryState::Stale if self.never_fresh() => {
                Some("stale: its page type revalidates on every read".to_owned())
            }
            EntryState::Stale => {
                let mut why = String::from("stale: fresh window of ");
                push_secs(&mut why, self.stale_at.saturating_sub(self.received_at));
                why.push_str(" s ended ");
                push_secs(&mut why, now.saturating_sub(self.stale_at));
                why.push_str(" s ago");
                Some(why)
            }
        }
    }
}

/// Appends `ms` in seconds with one decimal (`12.3`).
fn push_secs(out: &mut String, ms: Millis) {
    let tenths = ms / 100;
    push_decimal(out, tenths / 10, 0);
    out.push('.');
    push_decimal(out, tenths % 10, 0);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(stale: Millis, max_age: Millis, cap: Option<Millis>) -> Entry<&'static str> {
        let p = Provenance {
            received_at: 10_000,
            server_time: 9_000,
            max_age_cap: cap,
        };
        Entry::new(
            "v",
            PageTypeId::WRITING,
            &Lifetimes::new(stale, max_age),
            &p,
            ChangeCause::Fetched,
        )
    }

    #[test]
    fn zero_stale_time_is_stale_at_once() {
        let e = entry(0, 1_000, None);
        assert_eq!(e.state(10_000), EntryState::Stale);
        assert_eq!(e.state(9_999), EntryState::Stale);
    }

    #[test]
    fn a_clock_that_went_back_keeps_the_entry_fresh() {
        let e = entry(500, 1_000, None);
        assert_eq!(e.state(5_000), EntryState::Fresh);
    }

    #[test]
    fn max_age_cap_shortens_both_windows() {
        let e = entry(5_000, 60_000, Some(2_000));
        assert_eq!(e.stale_at, 12_000);
        assert_eq!(e.expires_at, 12_000);
        assert_eq!(
            entry(5_000, 60_000, Some(0)).state(10_000),
            EntryState::Expired
        );
    }

    #[test]
    fn invalidation_wins_over_fresh_but_not_over_expired() {
        let mut e = entry(5_000, 10_000, None);
        let inv = Rc::new(Invalidation {
            source: InvalidationSource::Header("X-Cache-Invalidate-Keys: scene:1".into()),
            at: 11_000,
        });
        e.invalidate(&inv);
        assert_eq!(e.state(11_000), EntryState::Invalidated);
        assert_eq!(e.state(20_000), EntryState::Expired);
        assert_eq!(e.cause, ChangeCause::Invalidated(inv.clone()));
        assert!(e.staleness_reason(11_000).unwrap().contains("scene:1"));
        let p = Provenance {
            received_at: 12_000,
            server_time: 12_000,
            max_age_cap: None,
        };
        e.confirm(&Lifetimes::new(5_000, 10_000), &p, ChangeCause::Revalidated);
        assert_eq!(e.state(12_000), EntryState::Fresh);
        assert_eq!(e.staleness_reason(12_000), None);
    }

    #[test]
    fn replacing_the_value_bumps_the_version() {
        let mut e = entry(0, 10, None);
        let v = e.version;
        e.replace_value("w", ChangeCause::Set);
        assert_eq!(*e.value(), "w");
        assert_eq!(e.version, v + 1);
    }

    #[test]
    fn tags_read_as_the_slice_they_were_made_from() {
        for n in 0..5 {
            let list: Vec<Rc<str>> = (0..n).map(|i| Rc::from(format!("t{i}"))).collect();
            let tags = Tags::from(list.clone());
            assert_eq!(&*tags, &list[..]);
            assert_eq!(tags, list.iter().cloned().collect::<Tags>());
        }
        assert_ne!(Tags::from(vec!["a".into()]), Tags::default());
        let same: Rc<str> = "a".into();
        assert_eq!(
            Tags::from(vec![Rc::clone(&same), Rc::clone(&same)]).len(),
            2
        );
    }

    #[test]
    fn use_stamps_order_uses_and_keep_their_time() {
        let a = use_stamp(5_000, 0);
        let b = use_stamp(5_000, a);
        let c = use_stamp(6_000, b);
        assert!(a < b && b < c);
        assert_eq!(
            (stamp_time(a), stamp_time(b), stamp_time(c)),
            (5_000, 5_000, 6_000)
        );
        // The clock went back: later uses still stamp later, at the latest time seen.
        let d = use_stamp(1_000, c);
        assert!(d > c);
        assert_eq!(stamp_time(d), 6_000);
        assert!(use_stamp(u64::MAX, u64::MAX) == u64::MAX);
    }

    #[test]
    fn reasons_are_in_words() {
        let e = entry(1_500, 10_000, None);
        assert_eq!(
            e.staleness_reason(13_000).unwrap(),
            "stale: fresh window of 1.5 s ended 1.5 s ago"
        );
        assert!(e.staleness_reason(20_000).unwrap().starts_with("expired"));
        let always = entry(0, 10_000, None);
        assert_eq!(
            always.staleness_reason(10_000).unwrap(),
            "stale: its page type revalidates on every read"
        );
    }
}
