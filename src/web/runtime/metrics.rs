//! The runtime's metrics: where the core's [`Metrics`] log gets the clock, the JS memo's hit
//! cell, the app's alert callback and the periodic report.
//!
//! Recording is a one-line call at the place something happens
//! (`self.metrics.record(Record::new(Kind::Hit, Tier::Memory, key))`); it costs nothing but
//! a flag test when metrics are off, and never fails (a busy log drops the event rather than
//! panicking).

use std::cell::{Cell, RefCell};
use std::sync::atomic::{AtomicU32, Ordering};

use js_sys::Function;

use crate::core::cache::{Completion, DiscardReason, Ticket};
use crate::core::entry::InvalidationSource;
use crate::core::invalidation::Target;
use crate::core::memory::{RemovalCause, Removed};
use crate::core::metrics::{Cause, Kind, Metrics, Record, Thresholds, Tier};
use crate::core::Millis;
use crate::web::clock::now;
use crate::web::timer::Interval;

use super::Runtime;

/// How often alerts are judged for the callback and the report (ms).
pub(super) const CHECK_EVERY: u32 = 5_000;

/// The `metrics` option.
pub struct MetricsConfig {
    /// Record at all. Default true.
    pub enabled: bool,
    /// The window alerts are judged over (ms). Default one minute.
    pub window: Millis,
    /// The alert thresholds.
    pub thresholds: Thresholds,
    /// Called with each alert raised, changed or cleared.
    pub on_alert: Option<Function>,
    /// Where and how often to send a report with `navigator.sendBeacon`.
    pub report: Option<(String, u32)>,
}

impl Default for MetricsConfig {
    fn default() -> Self {
        MetricsConfig {
            enabled: true,
            window: 60_000,
            thresholds: Thresholds::default(),
            on_alert: None,
            report: None,
        }
    }
}

/// The log and its settings, owned by the runtime.
pub struct Recorder {
    pub(super) enabled: Cell<bool>,
    /// Set while the JS side re-reads a value it already counted (see `peek_id_quietly`).
    pub(super) paused: Cell<bool>,
    pub(super) log: RefCell<Metrics>,
    /// Incremented by the JS side for every read its memo answers (see `js/index.js`). Leaked
    /// on purpose (4 bytes per cache): JS holds a view of its address, and may still increment
    /// it after `free()` dropped the runtime, which must never write into reused memory.
    pub(super) memo_hits: &'static AtomicU32,
    pub(super) window: Cell<Millis>,
    pub(super) on_alert: RefCell<Option<Function>>,
    pub(super) report: RefCell<Option<(String, Millis)>>,
    pub(super) last_report: Cell<Millis>,
    pub(super) timer: RefCell<Option<Interval>>,
}

impl Default for Recorder {
    fn default() -> Self {
        Recorder {
            enabled: Cell::new(true),
            paused: Cell::new(false),
            log: RefCell::new(Metrics::new(now())),
            memo_hits: Box::leak(Box::default()),
            window: Cell::new(MetricsConfig::default().window),
            on_alert: RefCell::default(),
            report: RefCell::default(),
            last_report: Cell::new(0),
            timer: RefCell::default(),
        }
    }
}

impl Recorder {
    /// Records one event now (nothing when metrics are off).
    // Out of line: called from many places (async state machines among them), inlined it
    // would be copied into each.
    #[inline(never)]
    pub fn record(&self, record: Record<'_>) {
        if !self.enabled.get() || self.paused.get() {
            return;
        }
        self.record_at(now(), record);
    }

    /// [`Recorder::record`] at a time the caller already read (a clock read is a call into JS).
    #[inline(never)]
    pub fn record_at(&self, now: Millis, record: Record<'_>) {
        if !self.enabled.get() || self.paused.get() {
            return;
        }
        if let Ok(mut log) = self.log.try_borrow_mut() {
            log.fold_memo_hits(now, self.memo_hits.load(Ordering::Relaxed));
            log.record(now, record);
        }
    }

    /// Records `kind` in `tier` about `key` (the common one-line form).
    pub fn event(&self, kind: Kind, tier: Tier, key: &str) {
        self.record(Record::new(kind, tier, key));
    }

    /// [`Recorder::event`] at a time the caller already read.
    pub fn event_at(&self, now: Millis, kind: Kind, tier: Tier, key: &str) {
        self.record_at(now, Record::new(kind, tier, key));
    }

    /// A memory miss of `key`, and what storage said after it (`Hit`, `Miss`, or nothing when
    /// storage was not asked), in one go: the key is interned once.
    #[inline(never)]
    pub fn memory_miss_at(&self, now: Millis, key: &str, storage: Option<Kind>) {
        if !self.enabled.get() || self.paused.get() {
            return;
        }
        if let Ok(mut log) = self.log.try_borrow_mut() {
            log.fold_memo_hits(now, self.memo_hits.load(Ordering::Relaxed));
            let miss = Record::new(Kind::Miss, Tier::Memory, key);
            match storage {
                Some(kind) => log.record_both(now, miss, Record::new(kind, Tier::Storage, key)),
                None => log.record(now, miss),
            }
        }
    }

    /// [`Recorder::event`] with a cause.
    pub fn caused(&self, kind: Kind, tier: Tier, key: &str, cause: Cause) {
        self.record(Record::new(kind, tier, key).cause(cause));
    }

    /// Records one invalidation event per target, with its source.
    #[inline(never)]
    pub fn invalidated(
        &self,
        targets: &[Target],
        source: &InvalidationSource,
        name: impl Fn(&Target) -> String,
    ) {
        if !self.enabled.get() {
            return;
        }
        let (cause, detail) = match source {
            InvalidationSource::Api => (Cause::Api, None),
            InvalidationSource::Header(text) => (Cause::Header, Some(text.as_str())),
            InvalidationSource::Tab => (Cause::Tab, None),
            InvalidationSource::Mutation => (Cause::Mutation, None),
        };
        for target in targets {
            let name = name(target);
            let mut record = Record::new(Kind::Invalidate, Tier::Memory, &name).cause(cause);
            record.detail = detail;
            self.record(record);
        }
    }

    /// Records entries that left memory.
    #[inline(never)]
    pub fn removed<V>(&self, removed: &[Removed<V>]) {
        for (key, _, cause) in removed {
            let cause = match cause {
                RemovalCause::Expired => Cause::Expired,
                RemovalCause::Idle => Cause::Idle,
                RemovalCause::Size => Cause::Size,
                // Replaced or wiped on purpose: not an eviction.
                RemovalCause::Replaced | RemovalCause::Explicit => continue,
            };
            self.record(Record::new(Kind::Evict, Tier::Memory, key).cause(cause));
        }
    }

    /// Records the rollback of each layer of a failed mutation.
    #[inline(never)]
    pub fn rolled_back<L>(&self, layers: &[(String, L)]) {
        for (key, _) in layers {
            self.record(Record::new(Kind::Rollback, Tier::Memory, key).cause(Cause::Mutation));
        }
    }

    /// Whether metrics are on.
    pub fn enabled(&self) -> bool {
        self.enabled.get()
    }

    /// The address of the memo hit cell for JS, 0 when metrics are off.
    pub fn memo_cell(&self) -> u32 {
        if !self.enabled.get() {
            return 0;
        }
        let address = self.memo_hits.as_ptr() as usize;
        u32::try_from(address).unwrap_or(0)
    }

    /// Runs `f` on the log (memo hits folded in first); `None` if it is busy.
    pub fn with_log<T>(&self, f: impl FnOnce(&mut Metrics, Millis) -> T) -> Option<T> {
        let mut log = self.log.try_borrow_mut().ok()?;
        let now = now();
        log.fold_memo_hits(now, self.memo_hits.load(Ordering::Relaxed));
        Some(f(&mut log, now))
    }

    /// The window alerts are judged over.
    pub fn alert_window(&self) -> Millis {
        self.window.get()
    }
}

impl Runtime {
    /// How an invalidation target reads in events: the key, `tag:…`, `pageType:…`.
    pub(super) fn target_name(&self, target: &Target) -> String {
        match target {
            Target::Key(key) => key.to_string(),
            Target::All => "*".into(),
            Target::PageType(id) => {
                let name = self.cache.try_borrow().map_or_else(
                    |_| String::new(),
                    |c| c.config().page_types.name(*id).to_owned(),
                );
                format!("pageType:{name}")
            }
            Target::Tag(tag) => format!("tag:{tag}"),
            Target::TagPrefix(prefix) => format!("tag:{prefix}*"),
            Target::PathPrefix(path) => format!("path:{path}*"),
        }
    }

    /// Records the end of a request: its kind, cause, and how long since it started.
    #[inline(never)]
    pub(super) fn record_fetch(&self, ticket: &Ticket, kind: Kind, cause: Cause) {
        let took = now().saturating_sub(ticket.started_at());
        let record = Record::new(kind, Tier::Network, ticket.key());
        self.metrics.record(record.took(took).cause(cause));
    }

    /// Records a response stored or discarded.
    #[inline(never)]
    pub(super) fn record_completion(&self, ticket: &Ticket, completion: &Completion) {
        match completion {
            Completion::Stored { .. } => {
                self.record_fetch(ticket, Kind::Set, Cause::None);
                self.record_evictions();
            }
            Completion::Discarded(DiscardReason::Superseded) => {
                self.record_fetch(ticket, Kind::Discard, Cause::Superseded)
            }
            Completion::Discarded(DiscardReason::InvalidatedInFlight) => {
                self.record_fetch(ticket, Kind::Discard, Cause::InvalidatedInFlight)
            }
        }
    }

    /// Records that the read of `key` just made used prefetched data (the core says so once).
    #[inline(never)]
    pub(super) fn record_prefetch_use(&self, key: &str) {
        if self
            .with_cache_read(|c| c.take_prefetch_use())
            .unwrap_or(false)
        {
            self.metrics.event(Kind::PrefetchUsed, Tier::Memory, key);
        }
    }

    /// Records the entries the memory bounds evicted to make room (the core keeps their keys).
    #[inline(never)]
    pub(super) fn record_evictions(&self) {
        let evicted = self
            .with_cache_read(|c| c.take_evicted())
            .unwrap_or_default();
        for key in evicted {
            self.metrics
                .record(Record::new(Kind::Evict, Tier::Memory, &key).cause(Cause::Size));
        }
    }

    /// A memory miss that the storage tier (when there is one) could not answer either.
    #[inline(never)]
    pub(super) fn record_storage_miss(&self, key: &str) {
        let persistent = self.store.try_borrow().is_ok_and(|t| t.storage().is_some());
        if persistent {
            self.metrics
                .record(Record::new(Kind::Miss, Tier::Storage, key));
        }
    }
}
