//! Events and stats as JSON (also how they cross into JS) and CSV.

use std::fmt::Write;

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
                let _ = write!(out, "\\u{:04x}", c as u32);
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
    let _ = write!(out, "{}", scaled / scale);
    let mut fraction = scaled % scale;
    if fraction == 0 {
        return;
    }
    let mut width = places as usize;
    while fraction % 10 == 0 {
        fraction /= 10;
        width -= 1;
    }
    let _ = write!(out, ".{fraction:0width$}");
}

/// `v` rounded as [`decimal`] does, as a string.
fn decimal_text(v: f64, places: u32) -> String {
    let mut out = String::new();
    decimal(&mut out, v, places);
    out
}

fn tier_json(out: &mut String, name: &str, tier: &TierStats) {
    let _ = write!(
        out,
        "\"{name}\":{{\"hits\":{},\"misses\":{},\"hitRate\":",
        tier.hits, tier.misses
    );
    number(out, tier.hit_rate);
    out.push('}');
}

impl Metrics {
    /// `stats` as a JSON object, with the per-bucket series of its window for charts.
    pub fn stats_json(&self, stats: &Stats) -> String {
        let mut out = String::with_capacity(1024);
        out.push('{');
        for (i, (name, value)) in figures(stats).enumerate() {
            let _ = write!(out, "{}\"{name}\":", if i > 0 { "," } else { "" });
            number(&mut out, value);
        }
        out.push_str(",\"tiers\":{");
        for (i, (tier, stats)) in TIERS.iter().zip(&stats.tiers).enumerate() {
            if i > 0 {
                out.push(',');
            }
            tier_json(&mut out, tier.as_str(), stats);
        }
        let l = &stats.latency;
        let _ = write!(out, "}},\"latency\":{{\"samples\":{},\"p50\":", l.samples);
        number(&mut out, l.p50);
        out.push_str(",\"p95\":");
        number(&mut out, l.p95);
        out.push_str(",\"p99\":");
        number(&mut out, l.p99);
        out.push_str("},\"byKind\":{");
        for (i, kind) in KINDS.iter().enumerate() {
            let _ = write!(
                out,
                "{}\"{}\":{{",
                if i > 0 { "," } else { "" },
                kind.as_str()
            );
            for (j, tier) in TIERS.iter().enumerate() {
                let n = stats.counts.get(*kind, *tier);
                let _ = write!(
                    out,
                    "{}\"{}\":{n}",
                    if j > 0 { "," } else { "" },
                    tier.as_str()
                );
            }
            out.push('}');
        }
        out.push_str("},\"series\":[");
        let window = stats.window.unwrap_or(RETENTION_MS);
        for (i, (start, c)) in self.series(stats.at, window).enumerate() {
            let _ = write!(
                out,
                "{}{{\"at\":{start},\"hit\":{},\"miss\":{},\"set\":{},\"invalidate\":{},\"error\":{},\"evict\":{}}}",
                if i > 0 { "," } else { "" },
                c.get(super::Kind::Hit, super::Tier::Memory)
                    + c.get(super::Kind::StaleServed, super::Tier::Memory)
                    + c.get(super::Kind::Hit, super::Tier::Storage),
                c.get(super::Kind::Miss, super::Tier::Memory),
                c.all(super::Kind::Set),
                c.all(super::Kind::Invalidate),
                c.all(super::Kind::Error),
                c.all(super::Kind::Evict),
            );
        }
        out.push_str("]}");
        out
    }

    fn event_json(&self, out: &mut String, event: &Event) {
        let _ = write!(
            out,
            "{{\"at\":{},\"kind\":\"{}\",\"tier\":\"{}\",\"key\":",
            event.at,
            event.kind.as_str(),
            event.tier.as_str()
        );
        match self.text(event.key) {
            Some(key) => string(out, key),
            None => out.push_str("null"),
        }
        let _ = write!(out, ",\"durationMs\":{},\"cause\":", event.duration);
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
            if i > 0 {
                out.push(',');
            }
            self.event_json(&mut out, event);
        }
        out.push(']');
        out
    }

    /// `{ "stats": …, "events": […], "alerts": […] }`.
    pub fn export_json(&self, stats: &Stats) -> String {
        format!(
            "{{\"stats\":{},\"events\":{},\"alerts\":{}}}",
            self.stats_json(stats),
            self.events_json(usize::MAX),
            alerts_json(self.alerts().active())
        )
    }

    /// Two CSV tables separated by an empty line: the events
    /// (`at,kind,tier,key,durationMs,cause,detail`), then the stats (`metric,value`).
    pub fn export_csv(&self, stats: &Stats) -> String {
        let mut out = String::from("at,kind,tier,key,durationMs,cause,detail\n");
        for e in self.events(usize::MAX) {
            let _ = write!(out, "{},{},{},", e.at, e.kind.as_str(), e.tier.as_str());
            csv_field(&mut out, self.text(e.key).unwrap_or(""));
            let _ = write!(out, ",{},", e.duration);
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
        if i > 0 {
            out.push(',');
        }
        alert_json(&mut out, alert, true);
    }
    out.push(']');
    out
}

/// One alert as a JSON object.
pub fn alert_json(out: &mut String, alert: &Alert, active: bool) {
    let _ = write!(
        out,
        "{{\"id\":{},\"metric\":\"{}\",\"level\":\"{}\",\"value\":",
        alert.id,
        alert.metric.as_str(),
        alert.level.as_str()
    );
    number(out, Some(alert.value));
    out.push_str(",\"threshold\":");
    number(out, Some(alert.threshold));
    let _ = write!(
        out,
        ",\"since\":{},\"acknowledged\":{},\"active\":{active},\"message\":",
        alert.since, alert.acknowledged
    );
    string(out, &message(alert, active));
    out.push('}');
}

fn message(alert: &Alert, active: bool) -> String {
    let percent = decimal_text(alert.value * 100.0, 1);
    let what = match alert.metric {
        super::AlertMetric::HitRate => format!("hit rate {} %", percent),
        super::AlertMetric::Latency => format!("p95 latency {} ms", decimal_text(alert.value, 0)),
        super::AlertMetric::ErrorRate => format!("error rate {} %", percent),
        super::AlertMetric::InvalidationRate => format!("invalidation rate {} %", percent),
        super::AlertMetric::Storage => {
            format!("{} localStorage errors", decimal_text(alert.value, 0))
        }
    };
    if active {
        what
    } else {
        format!("cleared: {what}")
    }
}
