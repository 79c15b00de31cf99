//! Reading the metrics: stats, events and exports, alerts (judged on demand and by a timer that
//! calls the app's `onAlert`), and the periodic report sent with `navigator.sendBeacon`.

use std::rc::{Rc, Weak};

use wasm_bindgen::JsValue;

use crate::core::metrics::{alert_json, alerts_json, Alerts, Metrics, Notice, Stats};
use crate::core::Millis;
use crate::web::clock::now;
use crate::web::timer::Interval;

use super::metrics::{MetricsConfig, CHECK_EVERY};
use super::Runtime;

impl Runtime {
    /// Applies the `metrics` option; starts the alert and report timer if either is wanted.
    pub fn configure_metrics(self: &Rc<Self>, config: MetricsConfig) {
        let m = &self.metrics;
        m.enabled.set(config.enabled);
        m.window.set(config.window.max(1));
        if let Ok(mut log) = m.log.try_borrow_mut() {
            *log = Metrics::new(now());
            *log.alerts_mut() = Alerts::new(config.thresholds);
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
        self.adopt_served();
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
            .with_log(|log, _| alerts_json(log.alerts().active()))
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
                alerts_json(log.alerts().active())
            )
        });
        if let (Some(body), Some(window)) = (body, web_sys::window()) {
            // A beacon refused (too large, page unloading) is simply not sent.
            let _ = window
                .navigator()
                .send_beacon_with_opt_str(&url, Some(&body));
        }
    }

    /// [`Runtime::peek_id`] without recording: `get` asks for the value of a hit it already
    /// counted, to memoize it.
    pub fn peek_id_quietly(&self, id: u32) -> crate::Result<JsValue> {
        self.metrics.paused.set(true);
        let value = self.peek_id(id, None);
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
        self.adopt_served();
        let json = self.metrics.with_log(|log, _| log.events_json(limit));
        json.unwrap_or_else(|| "[]".into())
    }

    /// Everything since the log started, as JSON or CSV (`csv` true).
    pub fn metrics_export(&self, csv: bool) -> String {
        self.adopt_served();
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
        self.adopt_served();
        self.metrics.with_log(|log, now| log.clear(now));
    }

    /// Stops the metrics timer (on destroy).
    pub fn stop_metrics(&self) {
        self.metrics.timer.borrow_mut().take();
    }
}
