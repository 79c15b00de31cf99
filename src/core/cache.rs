//! The cache: decides how each read is answered, stores what responses bring, and fences
//! responses that an invalidation or a write overtook. Pure: the clock is passed in and the
//! network is the caller's (it gets a [`Ticket`] per request and reports back).

use std::collections::VecDeque;
use std::rc::Rc;

use super::entry::{ChangeCause, Entry, EntryState, Provenance, Tags};
use super::invalidation::{Fence, FenceLog, Subject, Target};
use super::memory::{Limits, MemoryTier, RemovalCause, Removed};
use super::page_type::{PageTypeId, PageTypes};
use super::prefetch::{Governor, PrefetchConfig};
use super::routes::Routes;
use super::tag_index::TagIndex;
use super::{FastMap, Millis, StrSet};

/// Bookkeeping bytes counted per entry on top of its key and value.
pub const ENTRY_OVERHEAD: u32 = 160;

/// Settings of a cache.
#[derive(Debug, Clone)]
pub struct CacheConfig {
    /// Page types and their lifetimes.
    pub page_types: PageTypes,
    /// Route rules: page type and tags by path.
    pub routes: Routes,
    /// Bounds of the memory tier.
    pub limits: Limits,
    /// Within this long after data arrived, reads do not start another request for it.
    pub deduping_interval: Millis,
    /// Unobserved entries unused for this long are dropped from memory.
    pub gc_time: Millis,
    /// Focus and reconnect revalidate at most once per this interval.
    pub focus_throttle: Millis,
    /// Prefetch concurrency, budget and hover delay.
    pub prefetch: PrefetchConfig,
}

impl Default for CacheConfig {
    fn default() -> Self {
        CacheConfig {
            page_types: PageTypes::default(),
            routes: Routes::default(),
            limits: Limits::default(),
            deduping_interval: 2_000,
            gc_time: 5 * 60_000,
            focus_throttle: 5_000,
            prefetch: PrefetchConfig::default(),
        }
    }
}

/// One request the cache asked for; handed back with its outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ticket {
    key: Box<str>,
    seq: u64,
    started_at: Millis,
}

impl Ticket {
    /// The request key.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// Client time at which the request started.
    pub fn started_at(&self) -> Millis {
        self.started_at
    }
}

/// How to answer a read.
#[derive(Debug)]
pub enum ReadPlan<'a, V> {
    /// Serve this value; if `revalidate`, also start a background request.
    Serve {
        /// The cached value.
        value: &'a V,
        /// Its state.
        state: EntryState,
        /// Whether to revalidate in the background.
        revalidate: bool,
    },
    /// A request for the key is in flight: wait for it.
    Join,
    /// Nothing servable and nothing in flight: start a request and wait for it.
    Fetch,
}

/// What a response brings besides its body.
#[derive(Debug, Clone, Default)]
pub struct Arrival {
    /// Page type named on the call, which wins over route rules.
    pub page_type: Option<PageTypeId>,
    /// Tags named on the call and in the response headers.
    pub tags: Vec<String>,
    /// The response `Date`, if it had one.
    pub server_time: Option<Millis>,
    /// `Cache-Control: max-age`, if any.
    pub max_age_cap: Option<Millis>,
    /// Hash of the body.
    pub fingerprint: u64,
    /// Body size in bytes.
    pub body_size: u32,
    /// Whether a prefetch made the request.
    pub prefetch: bool,
}

/// Why a response was not stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiscardReason {
    /// A newer request or write for the key got there first.
    Superseded,
    /// An invalidation of the entry was applied after the request started.
    InvalidatedInFlight,
}

/// What became of a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Completion {
    /// Stored; `changed` is false when the body was the one already held (same value kept).
    Stored {
        /// Whether the value was replaced.
        changed: bool,
    },
    /// Not stored.
    Discarded(DiscardReason),
}

/// The cache core, generic over the value type (a `JsValue` in the browser).
#[derive(Debug)]
pub struct Cache<V> {
    config: CacheConfig,
    memory: MemoryTier<V>,
    /// The newest request per key (reads join it), by the low 32 bits of its sequence number:
    /// enough to tell it from the requests it superseded unless 2^32 requests came between
    /// (and then a read starts a request instead of joining one). A [`StrSet`]: one map type
    /// with the crate's key sets and counters rather than one of its own (SPEC §10).
    in_flight: StrSet,
    /// Every request not yet ended, superseded ones included: fences are kept for them.
    /// Ascending, since sequence numbers only grow; a deque rather than a `BTreeSet` because
    /// each B-tree instantiation costs kilobytes of wasm (SPEC §10), and requests mostly end
    /// oldest first, which a deque removes cheaply.
    open: VecDeque<u64>,
    /// Requests numbered below this were cut off by `clear` and are never stored.
    discard_below: u64,
    /// Subscribers per key.
    observers: StrSet,
    fences: FenceLog,
    /// The keys of each tag, for invalidations; mirrors the tags of `memory`'s entries.
    index: TagIndex,
    /// Whole-page-type invalidation marks, by page type index.
    groups: Vec<std::rc::Rc<super::group_mark::GroupMark>>,
    seq: u64,
    last_focus_revalidation: Option<Millis>,
    /// Keys the bounds evicted since [`Cache::take_evicted`] (for metrics; capped).
    evicted: Vec<Box<str>>,
    /// Prefetch queue, slots, budget and counters (see `cache/prefetch.rs`).
    prefetch: Governor,
    /// The last read used prefetched data (see [`Cache::take_prefetch_use`]).
    used_prefetch: bool,
}

/// Most evicted keys kept for [`Cache::take_evicted`] between two calls.
const EVICTED_KEPT: usize = 256;

impl<V> Cache<V> {
    /// An empty cache.
    pub fn new(config: CacheConfig) -> Self {
        Cache {
            prefetch: Governor::new(config.prefetch.clone()),
            used_prefetch: false,
            memory: MemoryTier::new(config.limits),
            config,
            in_flight: StrSet::default(),
            open: VecDeque::new(),
            discard_below: 0,
            observers: StrSet::default(),
            fences: FenceLog::default(),
            index: TagIndex::default(),
            groups: Vec::new(),
            seq: 0,
            last_focus_revalidation: None,
            evicted: Vec::new(),
        }
    }

    /// The settings.
    pub fn config(&self) -> &CacheConfig {
        &self.config
    }

    /// The memory tier, for inspection.
    pub fn memory(&self) -> &MemoryTier<V> {
        &self.memory
    }

    /// Decides how to answer a read of `key` at `now`.
    ///
    /// ```
    /// use freshet::core::cache::{Arrival, Cache, CacheConfig, Completion, ReadPlan};
    /// let mut cache: Cache<&str> = Cache::new(CacheConfig::default());
    /// assert!(matches!(cache.plan_read("/a", 0), ReadPlan::Fetch));
    /// let ticket = cache.begin_fetch("/a", 0);
    /// assert!(matches!(cache.plan_read("/a", 1), ReadPlan::Join));
    /// let done = cache.complete_fetch(&ticket, Arrival::default(), 5, || Ok::<_, ()>("body"));
    /// assert_eq!(done, Ok(Completion::Stored { changed: true }));
    /// assert!(matches!(cache.plan_read("/a", 6), ReadPlan::Serve { value: &"body", revalidate: false, .. }));
    /// ```
    pub fn plan_read(&mut self, key: &str, now: Millis) -> ReadPlan<'_, V> {
        let in_flight = self.in_flight.contains_key(key);
        let Some(entry) = self.memory.peek(key) else {
            return if in_flight {
                self.used_prefetch |= self.prefetch.adopt(key);
                ReadPlan::Join
            } else {
                ReadPlan::Fetch
            };
        };
        let state = entry.state(now);
        let lifetimes = self.config.page_types.lifetimes(entry.page_type);
        let serve = match state {
            EntryState::Fresh => Some(false),
            EntryState::Stale => {
                let recent = now.saturating_sub(entry.received_at) < self.config.deduping_interval;
                Some(!in_flight && !recent)
            }
            EntryState::Invalidated if lifetimes.serve_stale_when_invalidated => Some(!in_flight),
            EntryState::Invalidated | EntryState::Expired => None,
        };
        match serve {
            Some(revalidate) => match self.memory.get(key, now) {
                Some(entry) => {
                    if std::mem::take(&mut entry.prefetched) {
                        self.prefetch.record_used();
                        self.used_prefetch = true;
                    }
                    ReadPlan::Serve {
                        value: entry.value(),
                        state,
                        revalidate,
                    }
                }
                None => ReadPlan::Fetch,
            },
            None if in_flight => {
                self.used_prefetch |= self.prefetch.adopt(key);
                ReadPlan::Join
            }
            None => ReadPlan::Fetch,
        }
    }

    /// The value a synchronous read may show: fresh or stale data (invalidated data only where
    /// the page type allows it), never expired data. Counts as a use.
    pub fn peek(&mut self, key: &str, now: Millis) -> Option<&V> {
        let entry = self.memory.get(key, now)?;
        let servable = match entry.state(now) {
            EntryState::Fresh | EntryState::Stale => true,
            EntryState::Invalidated => {
                self.config
                    .page_types
                    .lifetimes(entry.page_type)
                    .serve_stale_when_invalidated
            }
            EntryState::Expired => false,
        };
        if servable && std::mem::take(&mut entry.prefetched) {
            self.prefetch.record_used();
            self.used_prefetch = true;
        }
        servable.then(|| entry.value())
    }

    /// The entry under `key`, without counting a use.
    pub fn inspect(&self, key: &str) -> Option<&Entry<V>> {
        self.memory.peek(key)
    }

    /// Whether a request for `key` is in flight.
    pub fn is_in_flight(&self, key: &str) -> bool {
        self.in_flight.contains_key(key)
    }

    /// Records the start of a request for `key`; a request already in flight for it is
    /// superseded (its response will be discarded if this one's is stored first).
    pub fn begin_fetch(&mut self, key: &str, now: Millis) -> Ticket {
        let ticket = Ticket {
            key: key.into(),
            seq: self.next_seq(),
            started_at: now,
        };
        self.in_flight.insert(key.into(), flight(ticket.seq));
        self.open.push_back(ticket.seq);
        ticket
    }

    /// Records that a request ended without data (network error, abort, bad status, bad body).
    pub fn fail_fetch(&mut self, ticket: &Ticket) {
        self.end_flight(ticket);
        self.prune_fences();
    }

    /// Stores a response unless something newer overtook it; `decode` runs only when the body
    /// differs from the one held, so an identical body keeps the same value object.
    pub fn complete_fetch<E>(
        &mut self,
        ticket: &Ticket,
        mut arrival: Arrival,
        now: Millis,
        decode: impl FnOnce() -> Result<V, E>,
    ) -> Result<Completion, E> {
        self.end_flight(ticket);
        let key = &*ticket.key;
        let (page_type, tags) =
            self.classify(key, arrival.page_type, std::mem::take(&mut arrival.tags));
        let (verdict, provenance) = self.judge_arrival(ticket, page_type, &tags, &arrival, now);
        if let Some(reason) = verdict {
            return Ok(Completion::Discarded(reason));
        }
        let lifetimes = self.config.page_types.lifetimes(page_type).clone();
        // An app read that joined the prefetch used its data already: no mark.
        let mark = arrival.prefetch && self.prefetch.marks(key);
        if let Some(entry) = self.memory.peek_mut(key) {
            if entry.fingerprint == arrival.fingerprint
                && entry.page_type == page_type
                && entry.tags == tags
            {
                entry.confirm(&lifetimes, &provenance, ChangeCause::Revalidated);
                entry.source_seq = ticket.seq;
                entry.prefetched = mark;
                return Ok(Completion::Stored { changed: false });
            }
        }
        let value = decode()?;
        let mut entry = Entry::new(
            value,
            page_type,
            &lifetimes,
            &provenance,
            ChangeCause::Fetched,
        );
        if let Some(old) = self.memory.peek(key) {
            entry.version = old.version.wrapping_add(1);
        }
        entry.tags = tags;
        entry.fingerprint = arrival.fingerprint;
        entry.size = entry_size(key, arrival.body_size);
        entry.source_seq = ticket.seq;
        entry.prefetched = mark;
        self.insert(key, entry, now);
        Ok(Completion::Stored { changed: true })
    }

    /// Whether a read since the last call used prefetched data (its first read, or a read
    /// that joined the prefetch in flight), for metrics; the runtime asks after each read.
    pub fn take_prefetch_use(&mut self) -> bool {
        std::mem::take(&mut self.used_prefetch)
    }

    /// Keys that the memory bounds evicted since the last call (at most 256 are kept).
    pub fn take_evicted(&mut self) -> Vec<Box<str>> {
        std::mem::take(&mut self.evicted)
    }

    /// Stores a value given by the app as confirmed data, superseding requests in flight.
    pub fn set(
        &mut self,
        key: &str,
        value: V,
        page_type: Option<PageTypeId>,
        tags: Vec<String>,
        size: u32,
        now: Millis,
    ) -> Vec<Removed<V>> {
        let seq = self.next_seq();
        self.fence_key(seq, key);
        let (page_type, tags) = self.classify(key, page_type, tags);
        let lifetimes = self.config.page_types.lifetimes(page_type).clone();
        let provenance = Provenance {
            received_at: now,
            server_time: now,
            max_age_cap: None,
        };
        let mut entry = Entry::new(value, page_type, &lifetimes, &provenance, ChangeCause::Set);
        if let Some(old) = self.memory.peek(key) {
            entry.version = old.version.wrapping_add(1);
        }
        entry.tags = tags;
        entry.size = entry_size(key, size);
        entry.source_seq = seq;
        self.insert(key, entry, now)
    }

    /// Removes `key` from memory; a response already in flight for it is discarded.
    pub fn remove(&mut self, key: &str) -> Option<Entry<V>> {
        let seq = self.next_seq();
        self.fence_key(seq, key);
        let removed = self.memory.remove(key).map(|(_, e)| e);
        if let Some(e) = &removed {
            self.index.remove(key, &e.tags);
        }
        removed
    }

    /// Empties memory and forgets every request in flight (their responses are discarded).
    pub fn clear(&mut self) -> Vec<Removed<V>> {
        self.discard_below = self.next_seq();
        self.in_flight.clear();
        self.open.clear();
        self.fences.prune(None);
        self.index.clear();
        self.prefetch.clear_queue();
        self.memory.clear()
    }

    /// Counts a subscriber of `key`; observed entries are never collected or evicted.
    pub fn observe(&mut self, key: &str) {
        *self.observers.entry(key.into()).or_insert(0) += 1;
    }

    /// Removes a subscriber of `key`; the entry's idle time starts now.
    pub fn unobserve(&mut self, key: &str, now: Millis) {
        if let Some(count) = self.observers.get_mut(key) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                self.observers.remove(key);
                // A use at `now`: the idle time counts from here.
                self.memory.get(key, now);
            }
        }
    }

    /// Whether `key` has subscribers.
    pub fn is_observed(&self, key: &str) -> bool {
        self.observers.contains_key(key)
    }

    /// The observed keys to revalidate when the page regains focus or the network comes back:
    /// those not fresh and not in flight, at most once per throttle interval.
    pub fn keys_to_revalidate_on_focus(&mut self, now: Millis) -> Vec<String> {
        if let Some(last) = self.last_focus_revalidation {
            if now.saturating_sub(last) < self.config.focus_throttle {
                return Vec::new();
            }
        }
        self.last_focus_revalidation = Some(now);
        let mut keys: Vec<String> = self
            .observers
            .keys()
            .filter(|k| !self.in_flight.contains_key(&***k))
            .filter(|k| {
                self.memory
                    .peek(k)
                    .is_none_or(|e| e.state(now) != EntryState::Fresh)
            })
            .map(|k| String::from(&**k))
            .collect();
        crate::core::sort::sort(&mut keys);
        keys
    }

    /// Drops expired entries and unobserved ones idle for `gc_time`.
    pub fn collect_garbage(&mut self, now: Millis) -> Vec<Removed<V>> {
        let observers = &self.observers;
        let removed = self
            .memory
            .collect_garbage(now, self.config.gc_time, &|k| observers.contains_key(k));
        self.unindex(&removed);
        removed
    }

    /// Page type (call, else route, else browse) and tags (route, call and headers,
    /// deduplicated). A tag some entry already carries is the index's string, shared.
    fn classify(
        &self,
        key: &str,
        page_type: Option<PageTypeId>,
        extra_tags: Vec<String>,
    ) -> (PageTypeId, Tags) {
        let (route_type, mut tags) = self.config.routes.classify(key);
        tags.extend(extra_tags);
        crate::core::sort::sort(&mut tags);
        tags.dedup();
        let tags = tags
            .into_iter()
            .map(|tag| match self.index.shared_tag(&tag) {
                Some(shared) => Rc::clone(shared),
                None => Rc::from(tag),
            })
            .collect();
        (page_type.or(route_type).unwrap_or(PageTypeId::BROWSE), tags)
    }

    fn insert(&mut self, key: &str, mut entry: Entry<V>, now: Millis) -> Vec<Removed<V>> {
        entry.group = Some(self.group_mark(entry.page_type));
        let observers = &self.observers;
        let removed = self
            .memory
            .insert(key, entry, now, &|k| observers.contains_key(k));
        // The usual replacement keeps the tags: its index entries stay as they are (re-indexing
        // costs a removal and an insert per tag).
        let indexed = match (removed.first(), self.memory.peek(key)) {
            (Some((old_key, old, RemovalCause::Replaced)), Some(new)) => {
                **old_key == *key && old.tags == new.tags
            }
            _ => false,
        };
        self.unindex(removed.get(usize::from(indexed)..).unwrap_or_default());
        let evicted = removed.iter().filter(|r| r.2 == RemovalCause::Size);
        let room = EVICTED_KEPT.saturating_sub(self.evicted.len());
        self.evicted
            .extend(evicted.take(room).map(|r| Box::from(&*r.0)));
        if !indexed {
            if let Some((shared, e)) = self.memory.peek_shared(key) {
                self.index.insert(shared, &e.tags);
            }
        }
        removed
    }

    fn end_flight(&mut self, ticket: &Ticket) {
        if self
            .in_flight
            .get(&*ticket.key)
            .is_some_and(|&newest| newest == flight(ticket.seq))
        {
            self.in_flight.remove(&*ticket.key);
        }
        if let Ok(at) = self.open.binary_search(&ticket.seq) {
            self.open.remove(at);
        }
    }

    /// Whether a response to `ticket` (for an entry of `page_type` and `tags`) may be stored,
    /// and the provenance it would be stored with; prunes the fences it no longer needs.
    fn judge_arrival(
        &mut self,
        ticket: &Ticket,
        page_type: PageTypeId,
        tags: &[Rc<str>],
        arrival: &Arrival,
        now: Millis,
    ) -> (Option<DiscardReason>, Provenance) {
        let server_time = arrival.server_time.unwrap_or(ticket.started_at);
        let subject = Subject {
            key: &ticket.key,
            page_type,
            tags,
            server_time,
        };
        let verdict = self.admit(ticket, subject);
        self.prune_fences();
        let provenance = Provenance {
            received_at: now,
            server_time,
            max_age_cap: arrival.max_age_cap,
        };
        (verdict, provenance)
    }

    /// Why a response to `ticket` must not be stored, if it must not.
    fn admit(&self, ticket: &Ticket, subject: Subject<'_, Rc<str>>) -> Option<DiscardReason> {
        if ticket.seq < self.discard_below
            || self
                .memory
                .peek(subject.key)
                .is_some_and(|e| e.source_seq > ticket.seq)
        {
            Some(DiscardReason::Superseded)
        } else if self.fences.invalidated_since(ticket.seq, subject) {
            Some(DiscardReason::InvalidatedInFlight)
        } else {
            None
        }
    }

    fn prune_fences(&mut self) {
        self.fences.prune(self.open.front().copied());
    }

    fn fence(&mut self, seq: u64, fence: Fence) {
        if !self.open.is_empty() {
            self.fences.record(seq, fence);
        }
    }

    /// [`Cache::fence`] of one key, its target built only when a request is open to fence.
    fn fence_key(&mut self, seq: u64, key: &str) {
        if !self.open.is_empty() {
            self.fences.record(seq, Fence::of(Target::Key(key.into())));
        }
    }

    fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }
}

/// The low 32 bits of a request's sequence number, as `Cache::in_flight` keeps it.
fn flight(seq: u64) -> u32 {
    seq as u32
}

/// Approximate bytes an entry costs: its key, its body, and the bookkeeping.
pub fn entry_size(key: &str, body_size: u32) -> u32 {
    let key_len = u32::try_from(key.len()).unwrap_or(u32::MAX);
    body_size
        .saturating_add(key_len)
        .saturating_add(ENTRY_OVERHEAD)
}

mod invalidate;
mod prefetch;
mod restore;
pub use restore::Restored;

#[cfg(test)]
mod tests;
