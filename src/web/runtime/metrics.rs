//! The runtime's metrics: where the core's [`Metrics`] log gets the clock, the JS memo's hit
//! cell, the app's alert callback and the periodic report.
//!
//! Recording is a one-line call at the place something happens
//! (`self.metrics.record(Record::new(Kind::Hit, Tier::Memory, key))`); it costs nothing but
//! a flag test when metrics are off, and never fails (a busy log drops the event rather than
//! panicking).

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};
use std::sync::atomic::{AtomicU32, Ordering};

use js_sys::Function;
use wasm_bindgen::JsValue;

use crate::core::cache::{Completion, DiscardReason, Ticket};
use crate::core::entry::InvalidationSource;
use crate::core::invalidation::Target;
use crate::core::memory::{RemovalCause, Removed};
use crate::core::metrics::{
    alert_json, Cause, Kind, Metrics, Notice, Record, Stats, Thresholds, Tier,
};
use crate::core::Millis;
use crate::web::clock::now;
use crate::web::timer::Interval;

use super::Runtime;

/// How often alerts are judged for the callback and the report (ms).
const CHECK_EVERY: u32 = 5_000;

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
    enabled: Cell<bool>,
    /// Set while the JS side re-reads a value it already counted (see `peek_id_quietly`).
    paused: Cell<bool>,
    log: RefCell<Metrics>,
    /// Incremented by the JS side for every read its memo answers (see `js/index.js`). Leaked
    /// on purpose (4 bytes per cache): JS holds a view of its address, and may still increment
    /// it after `free()` dropped the runtime, which must never write into reused memory.
    memo_hits: &'static AtomicU32,
    window: Cell<Millis>,
    on_alert: RefCell<Option<Function>>,
    report: RefCell<Option<(String, Millis)>>,
    last_report: Cell<Millis>,
    timer: RefCell<Option<Interval>>,
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
        if let Ok(mut log) = self.log.try_borrow_mut() {
            let now = now();
            log.fold_memo_hits(now, self.memo_hits.load(Ordering::Relaxed));
            log.record(now, record);
        }
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
    /// Applies the `metrics` option; starts the alert and report timer if either is wanted.
    pub fn configure_metrics(self: &Rc<Self>, config: MetricsConfig) {
        let m = &self.metrics;
        m.enabled.set(config.enabled);
        m.window.set(config.window.max(1));
        if let Ok(mut log) = m.log.try_borrow_mut() {
            *log = Metrics::new(now());
            *log.alerts_mut() = crate::core::metrics::Alerts::new(config.thresholds);
        }
        let watched = config.enabled && (config.on_alert.is_some() || config.report.is_some());
        *m.on_alert.borrow_mut() = config.on_alert;
        *m.report.borrow_mut() = config.report.map(|(url, every)| (url, Millis::from(every)));
        m.last_report.set(now());
        if watched {
            let every = m
                .report
                .borrow()
                .as_ref()
                .map_or(CHECK_EVERY, |(_, every)| {
                    u32::try_from(*every)
                        .unwrap_or(CHECK_EVERY)
                        .min(CHECK_EVERY)
                });
            let weak: Weak<Runtime> = Rc::downgrade(self);
            *m.timer.borrow_mut() = Interval::new(every, move || {
                if let Some(rt) = weak.upgrade() {
                    rt.check_alerts();
                    rt.send_report(false);
                }
            });
        }
    }

    /// Stats over `window` ms (or since the log started), with the storage tier's bytes.
    pub fn metrics_stats(&self, window: Option<Millis>) -> Stats {
        let bytes = self.storage_info().map_or(0, |s| s.bytes as u64);
        let mut stats = self
            .metrics
            .with_log(|log, now| log.stats(now, window))
            .unwrap_or_default();
        stats.storage_bytes = bytes;
        stats
    }

    /// Judges the alert window now, calls `onAlert` for each change; returns the active alerts
    /// as a JSON array.
    pub fn check_alerts(&self) -> String {
        if !self.metrics.enabled() {
            return "[]".into();
        }
        let stats = self.metrics_stats(Some(self.metrics.alert_window()));
        let notices: Vec<Notice> = self
            .metrics
            .with_log(|log, now| log.alerts_mut().evaluate(&stats, now))
            .unwrap_or_default();
        let callback = self.metrics.on_alert.borrow().clone();
        if let Some(callback) = callback {
            for notice in notices {
                let mut text = String::new();
                alert_json(&mut text, &notice.alert, notice.active);
                if let Ok(alert) = js_sys::JSON::parse(&text) {
                    // The app's callback throwing is its own affair; the cache goes on.
                    let _ = callback.call1(&JsValue::UNDEFINED, &alert);
                }
            }
        }
        self.metrics
            .with_log(|log, _| crate::core::metrics::alerts_json(log.alerts().active()))
            .unwrap_or_else(|| "[]".into())
    }

    /// Sends `{ stats, alerts }` to the report URL if one is set and it is due (or `force`).
    pub fn send_report(&self, force: bool) {
        let Some((url, every)) = self.metrics.report.borrow().clone() else {
            return;
        };
        let now = now();
        // A little slack: the timer ticking a few ms early must not skip a whole period.
        if !force && now.saturating_sub(self.metrics.last_report.get()) + 50 < every {
            return;
        }
        self.metrics.last_report.set(now);
        let stats = self.metrics_stats(Some(every));
        let body = self.metrics.with_log(|log, _| {
            format!(
                "{{\"stats\":{},\"alerts\":{}}}",
                log.stats_json(&stats),
                crate::core::metrics::alerts_json(log.alerts().active())
            )
        });
        if let (Some(body), Some(window)) = (body, web_sys::window()) {
            // A beacon refused (too large, page unloading) is simply not sent.
            let _ = window
                .navigator()
                .send_beacon_with_opt_str(&url, Some(&body));
        }
    }

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

    /// [`Runtime::peek_id`] without recording: `get` asks for the value of a hit it already
    /// counted, to memoize it.
    pub fn peek_id_quietly(&self, id: u32) -> crate::Result<JsValue> {
        self.metrics.paused.set(true);
        let value = self.peek_id(id);
        self.metrics.paused.set(false);
        value
    }

    /// The address of the cell JS counts memo hits in; 0 when metrics are off.
    pub fn metrics_memo_cell(&self) -> u32 {
        self.metrics.memo_cell()
    }

    /// [`Runtime::metrics_stats`] as JSON, with its series.
    pub fn metrics_stats_json(&self, window: Option<Millis>) -> String {
        let stats = self.metrics_stats(window);
        let json = self.metrics.with_log(|log, _| log.stats_json(&stats));
        json.unwrap_or_else(|| "null".into())
    }

    /// The last `limit` events as a JSON array.
    pub fn metrics_events_json(&self, limit: usize) -> String {
        let json = self.metrics.with_log(|log, _| log.events_json(limit));
        json.unwrap_or_else(|| "[]".into())
    }

    /// Everything since the log started, as JSON or CSV (`csv` true).
    pub fn metrics_export(&self, csv: bool) -> String {
        let stats = self.metrics_stats(None);
        let text = self.metrics.with_log(|log, _| {
            if csv {
                log.export_csv(&stats)
            } else {
                log.export_json(&stats)
            }
        });
        text.unwrap_or_default()
    }

    /// Acknowledges an active alert; false if there is none with `id`.
    pub fn acknowledge_alert(&self, id: u32) -> bool {
        let acknowledged = self
            .metrics
            .with_log(|log, _| log.alerts_mut().acknowledge(id));
        acknowledged.unwrap_or(false)
    }

    /// Forgets every event, count and alert.
    pub fn clear_metrics(&self) {
        self.metrics.with_log(|log, now| log.clear(now));
    }

    /// Stops the metrics timer (on destroy).
    pub fn stop_metrics(&self) {
        self.metrics.timer.borrow_mut().take();
    }
}
