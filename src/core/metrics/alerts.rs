//! Health alerts at the reference thresholds (SPEC §8), with hysteresis and acknowledgement.
//!
//! A level is raised as soon as a value crosses its threshold, but lowered only once the value
//! is back past a clearing threshold a little inside the healthy side (hit rate: warning below
//! 70 %, cleared at 75 % or more), so a value wandering around a threshold does not flap. A
//! window with too few samples says nothing: the level stays as it was.

use super::{Kind, Stats, Tier};
use crate::core::Millis;

/// How bad an alert is. `Info` is only used to report that an alert cleared.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum AlertLevel {
    /// An alert cleared.
    Info,
    /// Degraded.
    Warning,
    /// A tier fails (localStorage errors).
    Error,
    /// Badly degraded.
    Critical,
}

impl AlertLevel {
    /// The name used in JS.
    pub fn as_str(self) -> &'static str {
        match self {
            AlertLevel::Info => "info",
            AlertLevel::Warning => "warning",
            AlertLevel::Error => "error",
            AlertLevel::Critical => "critical",
        }
    }
}

/// What an alert is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AlertMetric {
    /// Reads answered from memory or storage, of all reads.
    HitRate,
    /// 95th percentile of request durations (ms).
    Latency,
    /// Errors per operation.
    ErrorRate,
    /// Invalidations per read.
    InvalidationRate,
    /// localStorage errors in the window.
    Storage,
}

impl AlertMetric {
    /// The name used in JS.
    pub fn as_str(self) -> &'static str {
        match self {
            AlertMetric::HitRate => "hitRate",
            AlertMetric::Latency => "latency",
            AlertMetric::ErrorRate => "errorRate",
            AlertMetric::InvalidationRate => "invalidationRate",
            AlertMetric::Storage => "storage",
        }
    }
}

/// The thresholds of one metric: raised past `warning` / `critical`, lowered once back past
/// the matching `clear_*` value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Limit {
    /// Bad values are below the thresholds (hit rate) rather than above.
    pub below: bool,
    /// Raises a warning.
    pub warning: f64,
    /// Clears a warning.
    pub clear_warning: f64,
    /// Raises critical.
    pub critical: f64,
    /// Lowers critical to warning.
    pub clear_critical: f64,
}

impl Limit {
    fn bad(&self, value: f64, threshold: f64) -> bool {
        if self.below {
            value < threshold
        } else {
            value > threshold
        }
    }

    /// The level after `previous`, for `value`; `None`: healthy.
    pub fn next(&self, value: f64, previous: Option<AlertLevel>) -> Option<AlertLevel> {
        let was = |level| previous.is_some_and(|p| p >= level);
        if self.bad(value, self.critical)
            || (was(AlertLevel::Critical) && self.bad(value, self.clear_critical))
        {
            Some(AlertLevel::Critical)
        } else if self.bad(value, self.warning)
            || (was(AlertLevel::Warning) && self.bad(value, self.clear_warning))
        {
            Some(AlertLevel::Warning)
        } else {
            None
        }
    }
}

/// Every threshold, defaulting to the reference app's.
#[derive(Clone, Debug, PartialEq)]
pub struct Thresholds {
    /// Hit rate: warning < 70 %, critical < 50 %.
    pub hit_rate: Limit,
    /// p95 request latency: warning > 200 ms, critical > 500 ms.
    pub latency: Limit,
    /// Error rate: warning > 1 %, critical > 5 %.
    pub error_rate: Limit,
    /// Invalidation rate: warning > 30 %, critical > 50 %.
    pub invalidation_rate: Limit,
    /// Fewest samples (reads, or request durations) a rate is judged on.
    pub min_samples: u64,
}

impl Default for Thresholds {
    fn default() -> Self {
        let limit = |below, warning, clear_warning, critical, clear_critical| Limit {
            below,
            warning,
            clear_warning,
            critical,
            clear_critical,
        };
        Thresholds {
            hit_rate: limit(true, 0.70, 0.75, 0.50, 0.55),
            latency: limit(false, 200.0, 180.0, 500.0, 450.0),
            error_rate: limit(false, 0.01, 0.008, 0.05, 0.04),
            invalidation_rate: limit(false, 0.30, 0.25, 0.50, 0.45),
            min_samples: 20,
        }
    }
}

/// An alert, active or just cleared.
#[derive(Clone, Debug, PartialEq)]
pub struct Alert {
    /// Unique for the cache's lifetime; a cleared alert that comes back gets a new one.
    pub id: u32,
    /// What it is about.
    pub metric: AlertMetric,
    /// How bad.
    pub level: AlertLevel,
    /// The value last judged.
    pub value: f64,
    /// The threshold it crossed (for the current level).
    pub threshold: f64,
    /// When it was raised.
    pub since: Millis,
    /// Whether someone acknowledged it (an escalation resets this).
    pub acknowledged: bool,
}

/// A change to report to the app's callback.
#[derive(Clone, Debug, PartialEq)]
pub struct Notice {
    /// The alert after the change (level `Info` when it cleared).
    pub alert: Alert,
    /// Still active (false: it cleared).
    pub active: bool,
}

/// The active alerts and how they are judged.
#[derive(Clone, Debug)]
pub struct Alerts {
    thresholds: Thresholds,
    active: Vec<Alert>,
    next_id: u32,
}

impl Default for Alerts {
    fn default() -> Self {
        Alerts::new(Thresholds::default())
    }
}

impl Alerts {
    /// No alert yet, judged by `thresholds`.
    pub fn new(thresholds: Thresholds) -> Self {
        Alerts {
            thresholds,
            active: Vec::new(),
            next_id: 1,
        }
    }

    /// Forgets every alert (the thresholds stay); ids start again at 1.
    pub fn reset(&mut self) {
        self.active.clear();
        self.next_id = 1;
    }

    /// The thresholds.
    pub fn thresholds(&self) -> &Thresholds {
        &self.thresholds
    }

    /// The active alerts, oldest first.
    pub fn active(&self) -> &[Alert] {
        &self.active
    }

    /// Marks an active alert acknowledged; false if there is none with `id`.
    pub fn acknowledge(&mut self, id: u32) -> bool {
        match self.active.iter_mut().find(|a| a.id == id) {
            Some(alert) => {
                alert.acknowledged = true;
                true
            }
            None => false,
        }
    }

    /// Judges `stats` (taken at `now`) and returns what changed: alerts raised, escalated,
    /// eased or cleared.
    pub fn evaluate(&mut self, stats: &Stats, now: Millis) -> Vec<Notice> {
        let t = self.thresholds.clone();
        let enough = |n: u64| n >= t.min_samples.max(1);
        let judged = [
            (
                AlertMetric::HitRate,
                t.hit_rate,
                stats.hit_rate.filter(|_| enough(stats.reads)),
            ),
            (
                AlertMetric::Latency,
                t.latency,
                stats
                    .latency
                    .p95
                    .filter(|_| enough(stats.latency.samples as u64)),
            ),
            (
                AlertMetric::ErrorRate,
                t.error_rate,
                stats
                    .error_rate
                    .filter(|_| enough(stats.reads + stats.requests)),
            ),
            (
                AlertMetric::InvalidationRate,
                t.invalidation_rate,
                stats.invalidation_rate.filter(|_| enough(stats.reads)),
            ),
        ];
        let mut notices = Vec::new();
        for (metric, limit, value) in judged {
            let Some(value) = value else { continue };
            let level = limit.next(value, self.level(metric));
            let threshold = match level {
                Some(AlertLevel::Critical) => limit.critical,
                _ => limit.warning,
            };
            self.update(metric, level, value, threshold, now, &mut notices);
        }
        // localStorage failing is an error while failures keep happening in the window.
        let storage_errors = stats.counts.get(Kind::Error, Tier::Storage) as f64;
        let level = (storage_errors > 0.0).then_some(AlertLevel::Error);
        self.update(
            AlertMetric::Storage,
            level,
            storage_errors,
            0.0,
            now,
            &mut notices,
        );
        notices
    }

    fn level(&self, metric: AlertMetric) -> Option<AlertLevel> {
        self.active
            .iter()
            .find(|a| a.metric == metric)
            .map(|a| a.level)
    }

    fn update(
        &mut self,
        metric: AlertMetric,
        level: Option<AlertLevel>,
        value: f64,
        threshold: f64,
        now: Millis,
        notices: &mut Vec<Notice>,
    ) {
        let position = self.active.iter().position(|a| a.metric == metric);
        match (position, level) {
            (None, None) => {}
            (None, Some(level)) => {
                let alert = Alert {
                    id: self.next_id,
                    metric,
                    level,
                    value,
                    threshold,
                    since: now,
                    acknowledged: false,
                };
                self.next_id = self.next_id.wrapping_add(1).max(1);
                notices.push(Notice {
                    alert: alert.clone(),
                    active: true,
                });
                self.active.push(alert);
            }
            (Some(i), None) => {
                let mut alert = self.active.remove(i);
                alert.value = value;
                alert.level = AlertLevel::Info;
                notices.push(Notice {
                    alert,
                    active: false,
                });
            }
            (Some(i), Some(level)) => {
                let Some(alert) = self.active.get_mut(i) else {
                    return;
                };
                alert.value = value;
                if alert.level != level {
                    if level > alert.level {
                        alert.acknowledged = false;
                    }
                    alert.level = level;
                    alert.threshold = threshold;
                    notices.push(Notice {
                        alert: alert.clone(),
                        active: true,
                    });
                }
            }
        }
    }
}
