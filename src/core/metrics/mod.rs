//! Metrics: what happened where, how often, how fast (SPEC §8). Pure: every call gets the time.
//!
//! Recording is on the read path, so an [`Event`] is small and `Copy` (24 bytes): its key and
//! detail are ids in a bounded string table, kind, tier and cause are one-byte enums. The last
//! [`RING_SIZE`] events are kept for inspection and latency percentiles; counts go into
//! per-[`BUCKET_MS`] buckets kept for [`RETENTION_MS`], so windowed rates stay right however
//! many events a window holds. Reads answered by the JS memo never reach wasm: they are counted
//! in a cell the JS side increments and folded in here ([`Metrics::fold_memo_hits`]).

mod alerts;
mod event;
pub mod export;
mod stats;
// Native only: they parse exports back with serde_json, a native-only dev-dependency.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests;

use super::interner::KeyInterner;
use super::Millis;

pub use alerts::{Alert, AlertLevel, AlertMetric, Alerts, Notice, Thresholds};
pub use event::{Cause, Event, Kind, Record, Tier, KINDS, TIERS};
pub use export::{alert_json, alerts_json};
pub use stats::{percentile, Latency, Stats, TierStats};

/// How many events are kept.
pub const RING_SIZE: usize = 1_000;
/// Width of one counting bucket (ms): windows are rounded out to whole buckets.
pub const BUCKET_MS: Millis = 5_000;
/// How long counts are kept (ms): the longest window `stats` can answer.
pub const RETENTION_MS: Millis = 3_600_000;
/// Above this many distinct strings, the table is rebuilt from the events still kept.
const MAX_STRINGS: usize = 4_096;
/// "No string" in [`Event::key`] / [`Event::detail`].
pub const NONE: u32 = u32::MAX;

/// Counts of one bucket (or of everything since the last clear), by kind and tier.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts([[u32; 3]; 12]);

impl Counts {
    /// The count of `kind` in `tier`.
    pub fn get(&self, kind: Kind, tier: Tier) -> u64 {
        self.0
            .get(kind as usize)
            .and_then(|row| row.get(tier as usize))
            .map_or(0, |n| u64::from(*n))
    }

    /// The count of `kind` in every tier.
    pub fn all(&self, kind: Kind) -> u64 {
        let row = self.0.get(kind as usize);
        row.map_or(0, |row| row.iter().map(|n| u64::from(*n)).sum())
    }

    fn add(&mut self, kind: Kind, tier: Tier, n: u32) {
        if let Some(cell) = self
            .0
            .get_mut(kind as usize)
            .and_then(|row| row.get_mut(tier as usize))
        {
            *cell = cell.saturating_add(n);
        }
    }

    fn merge(&mut self, other: &Counts) {
        let cells = self.0.iter_mut().flatten();
        for (cell, n) in cells.zip(other.0.iter().flatten()) {
            *cell = cell.saturating_add(*n);
        }
    }
}

/// The event log, the counting buckets and the alert state of one cache.
#[derive(Debug, Default)]
pub struct Metrics {
    /// A ring once full: `events[head..]` are older than `events[..head]`. (Plain vectors
    /// here, not `VecDeque`s: each element type of a `VecDeque` is its own copy of its code.)
    events: Vec<Event>,
    /// Where the next event goes once the ring is full (the oldest event's slot).
    head: usize,
    strings: KeyInterner,
    /// `(bucket start, counts)`, oldest first.
    buckets: Vec<(Millis, Counts)>,
    totals: Counts,
    since: Millis,
    /// The last value seen in the JS memo's hit cell.
    memo_seen: u32,
    alerts: Alerts,
}

impl Metrics {
    /// An empty log; `since` is the start of its first window.
    pub fn new(now: Millis) -> Self {
        Metrics {
            since: now,
            ..Metrics::default()
        }
    }

    /// Records one event at `now`.
    pub fn record(&mut self, now: Millis, record: Record<'_>) {
        let key = record.key.map_or(NONE, |k| self.intern(k));
        self.push(now, record, key);
    }

    /// Records two events at `now` about the same key (a memory miss and what storage said),
    /// interning the key once.
    pub fn record_both(&mut self, now: Millis, first: Record<'_>, second: Record<'_>) {
        let key = first.key.map_or(NONE, |k| self.intern(k));
        self.push(now, first, key);
        let second_key = match (first.key, second.key) {
            // A detail interned by the first push may compact the table: re-intern then.
            (Some(a), Some(b)) if a == b && key != NONE && first.detail.is_none() => key,
            (_, k) => k.map_or(NONE, |k| self.intern(k)),
        };
        self.push(now, second, second_key);
    }

    fn push(&mut self, now: Millis, record: Record<'_>, key: u32) {
        let detail = record.detail.map_or(NONE, |d| self.intern(d));
        let event = Event {
            at: now,
            kind: record.kind,
            tier: record.tier,
            key,
            detail,
            duration: u32::try_from(record.duration).unwrap_or(u32::MAX),
            cause: record.cause,
        };
        if self.events.len() < RING_SIZE {
            self.events.push(event);
        } else if let Some(slot) = self.events.get_mut(self.head) {
            *slot = event;
            self.head = (self.head + 1) % RING_SIZE;
        }
        self.count(now, record.kind, record.tier, 1);
    }

    /// Counts memory hits that the JS memo answered: `cell` is the current value of the cell it
    /// increments (wrapping), the hits since the last call are the difference.
    pub fn fold_memo_hits(&mut self, now: Millis, cell: u32) {
        let new = cell.wrapping_sub(self.memo_seen);
        self.memo_seen = cell;
        if new > 0 {
            self.count(now, Kind::Hit, Tier::Memory, new);
        }
    }

    fn count(&mut self, now: Millis, kind: Kind, tier: Tier, n: u32) {
        self.totals.add(kind, tier, n);
        let start = now - now % BUCKET_MS;
        match self.buckets.last_mut() {
            // A clock going backwards counts into the newest bucket rather than reordering.
            Some((last, counts)) if *last >= start => counts.add(kind, tier, n),
            _ => {
                let mut counts = Counts::default();
                counts.add(kind, tier, n);
                self.buckets.push((start, counts));
            }
        }
        let expired = self
            .buckets
            .iter()
            .take_while(|(t, _)| t.saturating_add(RETENTION_MS) < now)
            .count();
        if expired > 0 {
            // At most one bucket's turn per BUCKET_MS: a move of a few hundred entries.
            self.buckets.copy_within(expired.., 0);
            self.buckets.truncate(self.buckets.len() - expired);
        }
    }

    fn intern(&mut self, text: &str) -> u32 {
        if self.strings.len() >= MAX_STRINGS {
            self.compact();
        }
        self.strings.intern(text).unwrap_or(NONE)
    }

    /// Rebuilds the string table from the strings the kept events use.
    fn compact(&mut self) {
        let old = std::mem::take(&mut self.strings);
        let remap = |id: u32, strings: &mut KeyInterner| {
            old.resolve(id)
                .and_then(|s| strings.intern(s))
                .unwrap_or(NONE)
        };
        for event in self.events.iter_mut() {
            event.key = remap(event.key, &mut self.strings);
            event.detail = remap(event.detail, &mut self.strings);
        }
    }

    /// The text of a string id (a key or detail of an event).
    pub fn text(&self, id: u32) -> Option<&str> {
        self.strings.resolve(id)
    }

    /// The most recent events, newest last; at most `limit`.
    pub fn events(&self, limit: usize) -> impl Iterator<Item = &Event> {
        let older = self.events.get(self.head..).unwrap_or_default();
        let newer = self.events.get(..self.head).unwrap_or_default();
        older
            .iter()
            .chain(newer)
            .skip(self.events.len().saturating_sub(limit))
    }

    /// Counts over the last `window` ms (whole buckets), or since the last clear for `None`.
    pub fn counts(&self, now: Millis, window: Option<Millis>) -> Counts {
        let Some(window) = window else {
            return self.totals;
        };
        let from = now.saturating_sub(window);
        let from = from - from % BUCKET_MS;
        let mut counts = Counts::default();
        for (_, bucket) in self.buckets.iter().filter(|(t, _)| *t >= from) {
            counts.merge(bucket);
        }
        counts
    }

    /// Counts per bucket in the last `window` ms, oldest first.
    pub fn series(&self, now: Millis, window: Millis) -> impl Iterator<Item = &(Millis, Counts)> {
        let from = now.saturating_sub(window);
        let from = from - from % BUCKET_MS;
        self.buckets.iter().filter(move |(t, _)| *t >= from)
    }

    /// When the current log started (creation or last clear).
    pub fn since(&self) -> Millis {
        self.since
    }

    /// The alert state.
    pub fn alerts(&self) -> &Alerts {
        &self.alerts
    }

    /// The alert state, to evaluate or acknowledge.
    pub fn alerts_mut(&mut self) -> &mut Alerts {
        &mut self.alerts
    }

    /// Forgets every event, count and alert (the memo cell position is kept).
    pub fn clear(&mut self, now: Millis) {
        // In place: rebuilding the whole log would copy it and its thresholds around.
        self.events.clear();
        self.head = 0;
        self.strings = KeyInterner::default();
        self.buckets.clear();
        self.totals = Counts::default();
        self.since = now;
        self.alerts.reset();
    }
}
