//! The metrics half of `FreshetCache`: stats, events, exports and alerts (SPEC §8), and the
//! `metrics` option.

use js_sys::Function;
use wasm_bindgen::prelude::*;

use crate::error::{Error, Result};
use crate::web::runtime::MetricsConfig;

use super::cache::FreshetCache;
use super::options::{bad, field, flag, millis, text};

#[wasm_bindgen(typescript_custom_section)]
const METRICS_TYPES: &'static str = r#"
/** The `metrics` option of `createCache`. */
export interface MetricsOptions {
  /** Record events and counts. Default true. */
  enabled?: boolean;
  /** The window alerts are judged over, in ms. Default 60000. */
  windowMs?: number;
  /** Fewest reads (or request durations) a rate is judged on. Default 20. */
  minSamples?: number;
  /** Called when an alert is raised, changes level, or clears (then with level "info", active false). */
  onAlert?: (alert: HealthAlert) => void;
  /** Send `{ stats, alerts }` to `url` with `navigator.sendBeacon` every `intervalMs` (default 60000). */
  report?: { url: string; intervalMs?: number };
}

/** Tiers that events happen in. */
export type MetricsTier = "memory" | "storage" | "network";

/** Kinds of events. */
export type MetricsEventKind =
  | "hit" | "miss" | "stale" | "set" | "invalidate" | "evict" | "discard" | "rollback"
  | "prefetch" | "prefetchUsed" | "dedup" | "error";

/** One recorded event. */
export interface MetricsEvent {
  /** When (ms since the epoch). */
  at: number;
  kind: MetricsEventKind;
  tier: MetricsTier;
  /** The request key, or the invalidation target (`tag:…`, `pageType:…`, `path:…*`). */
  key: string | null;
  /** How long the request took; 0 for events without one. */
  durationMs: number;
  /** Why: api, header, tab, mutation, expired, idle, size, superseded, "status 500", network, decode, storage… */
  cause: string | null;
  /** For header invalidations: the header and its value. */
  detail: string | null;
}

/** Hits and misses of one tier. */
export interface TierStats {
  hits: number;
  misses: number;
  /** null without reads. */
  hitRate: number | null;
}

/** What `stats(windowMs?)` reports; rates are 0–1, null without samples. */
export interface CacheStats {
  /** The window in ms; null: since the cache was made or its metrics cleared. */
  windowMs: number | null;
  since: number;
  at: number;
  /** Reads (every read reaches memory first), hits (memory or storage) and misses (network). */
  reads: number;
  hits: number;
  misses: number;
  hitRate: number | null;
  /** Memory: fresh and stale served / misses; storage: restored / not found; network: stored / failed. */
  tiers: { memory: TierStats; storage: TierStats; network: TierStats };
  staleServed: number;
  /** Requests that ended: stored, discarded or failed. */
  requests: number;
  sets: number;
  invalidations: number;
  /** Invalidations per read. */
  invalidationRate: number | null;
  errors: number;
  /** Errors per read or request. */
  errorRate: number | null;
  deduplicated: number;
  discarded: number;
  evictions: number;
  rollbacks: number;
  prefetched: number;
  prefetchUsed: number;
  prefetchUseRate: number | null;
  /** Request durations in ms, over the kept events in the window. */
  latency: { samples: number; p50: number | null; p95: number | null; p99: number | null };
  /** Bytes of the scope's records in localStorage. */
  storageBytes: number;
  /** Every count by event kind and tier. */
  byKind: Record<MetricsEventKind, Record<MetricsTier, number>>;
  /** Counts per 5-second bucket in the window, oldest first (for charts). */
  series: { at: number; hit: number; miss: number; set: number; invalidate: number; error: number; evict: number }[];
}

/** A health alert (SPEC §8 thresholds, with hysteresis). */
export interface HealthAlert {
  id: number;
  metric: "hitRate" | "latency" | "errorRate" | "invalidationRate" | "storage";
  level: "info" | "warning" | "error" | "critical";
  /** The value last judged (rates 0–1, latency in ms, storage: error count). */
  value: number;
  /** The threshold crossed for the current level. */
  threshold: number;
  /** When it was raised. */
  since: number;
  acknowledged: boolean;
  /** False only in the `onAlert` call that reports it cleared. */
  active: boolean;
  message: string;
}
"#;

/// Most events `events()` returns (the ring's size).
const ALL_EVENTS: usize = crate::core::metrics::RING_SIZE;

/// Reads `metrics: false | true | { enabled, windowMs, minSamples, onAlert, report: { url, intervalMs } }`.
pub fn metrics_config(options: &JsValue) -> Result<MetricsConfig> {
    let mut config = MetricsConfig::default();
    let value = field(options, "metrics");
    if value.is_undefined() || value.is_null() {
        return Ok(config);
    }
    if let Some(enabled) = value.as_bool() {
        config.enabled = enabled;
        return Ok(config);
    }
    if !value.is_object() {
        return Err(bad(
            "metrics",
            "a boolean or { enabled, windowMs, minSamples, onAlert, report }",
        ));
    }
    config.enabled = flag(&value, "enabled", true)?;
    if let Some(window) = millis(&value, "windowMs")? {
        config.window = window.max(1);
    }
    if let Some(n) = millis(&value, "minSamples")? {
        config.thresholds.min_samples = n;
    }
    let on_alert = field(&value, "onAlert");
    if !on_alert.is_undefined() {
        config.on_alert = Some(
            on_alert
                .dyn_into::<Function>()
                .map_err(|_| bad("metrics.onAlert", "a function"))?,
        );
    }
    let report = field(&value, "report");
    if !report.is_undefined() {
        let url = text(&report, "url")?.ok_or_else(|| bad("metrics.report.url", "a string"))?;
        let every = millis(&report, "intervalMs")?.unwrap_or(60_000).max(1_000);
        config.report = Some((url, u32::try_from(every).unwrap_or(u32::MAX)));
    }
    Ok(config)
}

fn parse(json: &str) -> Result<JsValue> {
    js_sys::JSON::parse(json)
        .map_err(|_| Error::InvalidOptions("metrics: malformed JSON".into()).into())
}

#[wasm_bindgen]
impl FreshetCache {
    /// Stats over the last `windowMs` (whole 5-second buckets), or since the cache was made or
    /// its metrics cleared.
    #[wasm_bindgen(unchecked_return_type = "CacheStats")]
    pub fn stats(
        &self,
        #[wasm_bindgen(js_name = windowMs)] window_ms: Option<f64>,
    ) -> Result<JsValue, JsValue> {
        let window = window_ms.filter(|w| *w >= 0.0).map(|w| w as u64);
        Ok(parse(&self.runtime.metrics_stats_json(window))?)
    }

    /// The last `limit` recorded events (at most 1,000), oldest first.
    #[wasm_bindgen(unchecked_return_type = "MetricsEvent[]")]
    pub fn events(&self, limit: Option<f64>) -> Result<JsValue, JsValue> {
        let limit = limit.map_or(ALL_EVENTS, |l| l.max(0.0) as usize);
        Ok(parse(&self.runtime.metrics_events_json(limit))?)
    }

    /// Events, stats and alerts as `"json"` text (default) or `"csv"` (events table, an empty
    /// line, then `metric,value` rows).
    #[wasm_bindgen(js_name = exportMetrics)]
    pub fn export_metrics(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "'json' | 'csv'")] format: JsValue,
    ) -> Result<String, JsValue> {
        let csv = match format.as_string().as_deref() {
            _ if format.is_undefined() => false,
            Some("json") => false,
            Some("csv") => true,
            _ => return Err(Error::InvalidOptions("format must be 'json' or 'csv'".into()).into()),
        };
        Ok(self.runtime.metrics_export(csv))
    }

    /// The active health alerts, judged now over the alert window (`onAlert` hears of changes).
    #[wasm_bindgen(unchecked_return_type = "HealthAlert[]")]
    pub fn alerts(&self) -> Result<JsValue, JsValue> {
        Ok(parse(&self.runtime.check_alerts())?)
    }

    /// Acknowledges an active alert (it stays listed, marked, until it clears or escalates);
    /// false if none has this id.
    #[wasm_bindgen(js_name = acknowledgeAlert)]
    pub fn acknowledge_alert(&self, id: u32) -> bool {
        self.runtime.acknowledge_alert(id)
    }

    /// Forgets every recorded event, count and alert.
    #[wasm_bindgen(js_name = clearMetrics)]
    pub fn clear_metrics(&self) {
        self.runtime.clear_metrics();
    }

    /// `peek` by interned id without counting a read: `get` memoizing a hit it counted already.
    #[wasm_bindgen(js_name = __valueId, skip_typescript)]
    pub fn value_id(&self, id: u32) -> JsValue {
        self.runtime
            .peek_id_quietly(id)
            .unwrap_or(JsValue::UNDEFINED)
    }

    /// Address of the cell `js/index.js` counts memo hits in (0: metrics off).
    #[wasm_bindgen(js_name = __metricsCell, skip_typescript)]
    pub fn metrics_cell(&self) -> u32 {
        self.runtime.metrics_memo_cell()
    }
}
