//! Events and stats as JSON (also how they cross into JS) and CSV.

use crate::core::text::{concat, push_decimal, push_hex};

use super::{Alert, Event, Metrics, Stats, TierStats, KINDS, RETENTION_MS, TIERS};

/// Appends `text` as a JSON string.
fn string(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                // Four hex digits: the first two are zeros below 0x20.
                out.push_str(if (c as u32) < 0x10 { "\\u000" } else { "\\u00" });
                push_hex(out, u64::from(c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn number(out: &mut String, value: Option<f64>) {
    match value {
        Some(v) if v.is_finite() => decimal(out, v, 6),
        _ => out.push_str("null"),
    }
}

/// Appends `n` in decimal (`core::fmt` stays out of these functions: each `write!` is an
/// argument table and a call into its machinery).
fn int(out: &mut String, n: u64) {
    push_decimal(out, n, 0);
}

/// Appends `,` before every item but the first.
fn comma(out: &mut String, i: usize) {
    if i > 0 {
        out.push(',');
    }
}

/// Writes `v` rounded to `places` decimals (trailing zeros dropped), with integer arithmetic
/// only: Rust's float formatting would add kilobytes of wasm for figures that are rates and
/// milliseconds.
pub fn decimal(out: &mut String, v: f64, places: u32) {
    let scale = 10u64.pow(places);
    // `as` saturates: huge values pin to u64::MAX, NaN to 0.
    let scaled = (v.abs() * scale as f64).round() as u64;
    if v < 0.0 && scaled > 0 {
        out.push('-');
    }
    int(out, scaled / scale);
    let mut fraction = scaled % scale;
    if fraction == 0 {
        return;
    }
    let mut width = places as usize;
    while fraction % 10 == 0 {
        fraction /= 10;
        width -= 1;
    }
    out.push('.');
    push_decimal(out, fraction, width);
}

/// `v` rounded as [`decimal`] does, as a string.
fn decimal_text(v: f64, places: u32) -> String {
    let mut out = String::new();
    decimal(&mut out, v, places);
    out
}

fn tier_json(out: &mut String, name: &str, tier: &TierStats) {
    string(out, name);
    out.push_str(":{\"hits\":");
    int(out, tier.hits);
    out.push_str(",\"misses\":");
    int(out, tier.misses);
    out.push_str(",\"hitRate\":");
    number(out, tier.hit_rate);
    out.push('}');
}

impl Metrics {
    /// `stats` as a JSON object, with the per-bucket series of its window for charts.
    pub fn stats_json(&self, stats: &Stats) -> String {
        let mut out = String::with_capacity(1024);
        out.push('{');
        for (i, (name, value)) in figures(stats).enumerate() {
            comma(&mut out, i);
            string(&mut out, name);
            out.push(':');
            number(&mut out, value);
        }
        out.push_str(",\"tiers\":{");
        for (i, (tier, stats)) in TIERS.iter().zip(&stats.tiers).enumerate() {
            comma(&mut out, i);
            tier_json(&mut out, tier.as_str(), stats);
        }
        let l = &stats.latency;
        out.push_str("},\"latency\":{\"samples\":");
        int(&mut out, l.samples as u64);
        out.push_str(",\"p50\":");
        number(&mut out, l.p50);
        out.push_str(",\"p95\":");
        number(&mut out, l.p95);
        out.push_str(",\"p99\":");
        number(&mut out, l.p99);
        out.push_str("},\"byKind\":{");
        for (i, kind) in KINDS.iter().enumerate() {
            comma(&mut out, i);
            string(&mut out, kind.as_str());
            out.push_str(":{");
            for (j, tier) in TIERS.iter().enumerate() {
                let n = stats.counts.get(*kind, *tier);
                comma(&mut out, j);
                string(&mut out, tier.as_str());
                out.push(':');
                int(&mut out, n);
            }
            out.push('}');
        }
        out.push_str("},\"series\":[");
        let window = stats.window.unwrap_or(RETENTION_MS);
        for (i, (start, c)) in self.series(stats.at, window).enumerate() {
            comma(&mut out, i);
            let fields = [
                ("{\"at\":", *start),
                (
                    ",\"hit\":",
                    c.get(super::Kind::Hit, super::Tier::Memory)
                        + c.get(super::Kind::StaleServed, super::Tier::Memory)
                        + c.get(super::Kind::Hit, super::Tier::Storage),
                ),
                (",\"miss\":", c.get(super::Kind::Miss, super::Tier::Memory)),
                (",\"set\":", c.all(super::Kind::Set)),
                (",\"invalidate\":", c.all(super::Kind::Invalidate)),
                (",\"error\":", c.all(super::Kind::Error)),
                (",\"evict\":", c.all(super::Kind::Evict)),
            ];
            for (name, n) in fields {
                out.push_str(name);
                int(&mut out, n);
            }
            out.push('}');
        }
        out.push_str("]}");
        out
    }

    fn event_json(&self, out: &mut String, event: &Event) {
        out.push_str("{\"at\":");
        int(out, event.at);
        out.push_str(",\"kind\":");
        string(out, event.kind.as_str());
        out.push_str(",\"tier\":");
        string(out, event.tier.as_str());
        out.push_str(",\"key\":");
        match self.text(event.key) {
            Some(key) => string(out, key),
            None => out.push_str("null"),
        }
        out.push_str(",\"durationMs\":");
        int(out, u64::from(event.duration));
        out.push_str(",\"cause\":");
        let cause = event.cause.describe();
        if cause.is_empty() {
            out.push_str("null");
        } else {
            string(out, &cause);
        }
        out.push_str(",\"detail\":");
        match self.text(event.detail) {
            Some(detail) => string(out, detail),
            None => out.push_str("null"),
        }
        out.push('}');
    }

    /// The last `limit` events as a JSON array, oldest first.
    pub fn events_json(&self, limit: usize) -> String {
        let mut out = String::from("[");
        for (i, event) in self.events(limit).enumerate() {
            comma(&mut out, i);
            self.event_json(&mut out, event);
        }
        out.push(']');
        out
    }

    /// `{ "stats": …, "events": […], "alerts": […] }`.
    pub fn export_json(&self, stats: &Stats) -> String {
        concat(&[
            "{\"stats\":",
            &self.stats_json(stats),
            ",\"events\":",
            &self.events_json(usize::MAX),
            ",\"alerts\":",
            &alerts_json(self.alerts().active()),
            "}",
        ])
    }

    /// Two CSV tables separated by an empty line: the events
    /// (`at,kind,tier,key,durationMs,cause,detail`), then the stats (`metric,value`).
    pub fn export_csv(&self, stats: &Stats) -> String {
        let mut out = String::from("at,kind,tier,key,durationMs,cause,detail\n");
        for e in self.events(usize::MAX) {
            int(&mut out, e.at);
            for part in [",", e.kind.as_str(), ",", e.tier.as_str(), ","] {
                out.push_str(part);
            }
            csv_field(&mut out, self.text(e.key).unwrap_or(""));
            out.push(',');
            int(&mut out, u64::from(e.duration));
            out.push(',');
            csv_field(&mut out, &e.cause.describe());
            out.push(',');
            csv_field(&mut out, self.text(e.detail).unwrap_or(""));
            out.push('\n');
        }
        out.push_str("\nmetric,value\n");
        let l = &stats.latency;
        let nested = [
            ("memory.hitRate", stats.tiers[0].hit_rate),
            ("storage.hitRate", stats.tiers[1].hit_rate),
            ("latency.p50", l.p50),
            ("latency.p95", l.p95),
            ("latency.p99", l.p99),
        ];
        for (name, value) in figures(stats).chain(nested) {
            out.push_str(name);
            out.push(',');
            if let Some(value) = value {
                decimal(&mut out, value, 6);
            }
            out.push('\n');
        }
        out
    }
}

/// Names of the flat figures of [`Stats`], in export order.
const FIGURES: [&str; 22] = [
    "windowMs",
    "since",
    "at",
    "reads",
    "hits",
    "misses",
    "hitRate",
    "staleServed",
    "requests",
    "sets",
    "invalidations",
    "invalidationRate",
    "errors",
    "errorRate",
    "deduplicated",
    "discarded",
    "evictions",
    "rollbacks",
    "prefetched",
    "prefetchUsed",
    "prefetchUseRate",
    "storageBytes",
];

/// The flat figures of `stats` with their names (counts are exact as f64 up to 2^53). Names
/// and values apart: a table of `(name, value)` pairs built at run time costs more wasm.
fn figures(stats: &Stats) -> impl Iterator<Item = (&'static str, Option<f64>)> {
    let n = |v: u64| Some(v as f64);
    let values = [
        stats.window.map(|w| w as f64),
        n(stats.since),
        n(stats.at),
        n(stats.reads),
        n(stats.hits),
        n(stats.misses),
        stats.hit_rate,
        n(stats.stale_served),
        n(stats.requests),
        n(stats.sets),
        n(stats.invalidations),
        stats.invalidation_rate,
        n(stats.errors),
        stats.error_rate,
        n(stats.deduplicated),
        n(stats.discarded),
        n(stats.evictions),
        n(stats.rollbacks),
        n(stats.prefetched),
        n(stats.prefetch_used),
        stats.prefetch_use_rate,
        n(stats.storage_bytes),
    ];
    FIGURES.into_iter().zip(values)
}

/// A CSV field, quoted when it holds a comma, quote or line break.
fn csv_field(out: &mut String, text: &str) {
    if text.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&text.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(text);
    }
}

/// Alerts as a JSON array.
pub fn alerts_json(alerts: &[Alert]) -> String {
    let mut out = String::from("[");
    for (i, alert) in alerts.iter().enumerate() {
        comma(&mut out, i);
        alert_json(&mut out, alert, true);
    }
    out.push(']');
    out
}

/// One alert as a JSON object.
pub fn alert_json(out: &mut String, alert: &Alert, active: bool) {
    out.push_str("{\"id\":");
    int(out, u64::from(alert.id));
    out.push_str(",\"metric\":");
    string(out, alert.metric.as_str());
    out.push_str(",\"level\":");
    string(out, alert.level.as_str());
    out.push_str(",\"value\":");
    number(out, Some(alert.value));
    out.push_str(",\"threshold\":");
    number(out, Some(alert.threshold));
    out.push_str(",\"since\":");
    int(out, alert.since);
    for (name, on) in [
        (",\"acknowledged\":", alert.acknowledged),
        (",\"active\":", active),
    ] {
        out.push_str(name);
        out.push_str(if on { "true" } else { "false" });
    }
    out.push_str(",\"message\":");
    string(out, &message(alert, active));
    out.push('}');
}

fn message(alert: &Alert, active: bool) -> String {
    let percent = decimal_text(alert.value * 100.0, 1);
    let whole = decimal_text(alert.value, 0);
    let (before, figure, after) = match alert.metric {
        super::AlertMetric::HitRate => ("hit rate ", &percent, " %"),
        super::AlertMetric::Latency => ("p95 latency ", &whole, " ms"),
        super::AlertMetric::ErrorRate => ("error rate ", &percent, " %"),
        super::AlertMetric::InvalidationRate => ("invalidation rate ", &percent, " %"),
        super::AlertMetric::Storage => ("", &whole, " localStorage errors"),
    };
    let cleared = if active { "" } else { "cleared: " };
    concat(&[cleared, before, figure, after])
}
