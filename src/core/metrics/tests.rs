use super::alerts::Limit;
use super::*;

const T0: Millis = 1_700_000_000_000;

fn read(m: &mut Metrics, at: Millis, kind: Kind, tier: Tier, key: &str) {
    m.record(at, Record::new(kind, tier, key));
}

#[test]
fn ring_keeps_the_last_thousand_events_and_counts_all() {
    let mut m = Metrics::new(T0);
    for i in 0..1_500u64 {
        read(
            &mut m,
            T0 + i,
            Kind::Hit,
            Tier::Memory,
            &format!("/k{}", i % 7),
        );
    }
    assert_eq!(m.events(usize::MAX).count(), RING_SIZE);
    assert_eq!(m.events(usize::MAX).next().map(|e| e.at), Some(T0 + 500));
    assert_eq!(
        m.events(3).map(|e| e.at).collect::<Vec<_>>(),
        [T0 + 1_497, T0 + 1_498, T0 + 1_499]
    );
    assert_eq!(m.stats(T0 + 1_500, None).hits, 1_500);
    assert_eq!(std::mem::size_of::<Event>(), 32);
}

#[test]
fn scripted_reads_give_per_tier_rates() {
    let mut m = Metrics::new(T0);
    // 6 memory hits (one stale), 4 memory misses: 2 restored from storage, 2 from the network.
    for _ in 0..5 {
        read(&mut m, T0, Kind::Hit, Tier::Memory, "/a");
    }
    read(&mut m, T0, Kind::StaleServed, Tier::Memory, "/a");
    for key in ["/b", "/c", "/d", "/e"] {
        read(&mut m, T0, Kind::Miss, Tier::Memory, key);
    }
    read(&mut m, T0, Kind::Hit, Tier::Storage, "/b");
    read(&mut m, T0, Kind::Hit, Tier::Storage, "/c");
    read(&mut m, T0, Kind::Miss, Tier::Storage, "/d");
    read(&mut m, T0, Kind::Miss, Tier::Storage, "/e");
    m.record(T0, Record::new(Kind::Set, Tier::Network, "/d").took(40));
    m.record(
        T0,
        Record::new(Kind::Error, Tier::Network, "/e")
            .took(100)
            .cause(Cause::Status(500)),
    );
    m.record(
        T0,
        Record::new(Kind::Invalidate, Tier::Memory, "tag:x").cause(Cause::Api),
    );
    read(&mut m, T0, Kind::Dedup, Tier::Network, "/d");
    let s = m.stats(T0 + 10, None);
    assert_eq!((s.reads, s.hits, s.misses), (10, 8, 2));
    assert_eq!(s.hit_rate, Some(0.8));
    assert_eq!(s.tiers[0].hit_rate, Some(0.6));
    assert_eq!(s.tiers[1].hit_rate, Some(0.5));
    assert_eq!(s.stale_served, 1);
    assert_eq!((s.requests, s.errors, s.deduplicated), (2, 1, 1));
    assert_eq!(s.error_rate, Some(1.0 / 12.0));
    assert_eq!(s.invalidation_rate, Some(0.1));
    assert_eq!(s.latency.samples, 2);
    assert_eq!((s.latency.p50, s.latency.p99), (Some(40.0), Some(100.0)));
}

#[test]
fn windows_count_whole_buckets_and_memo_hits_fold_in() {
    let mut m = Metrics::new(T0);
    read(&mut m, T0, Kind::Miss, Tier::Memory, "/a");
    let later = T0 + 60_000;
    m.fold_memo_hits(later, 3);
    m.fold_memo_hits(later, 3);
    read(&mut m, later, Kind::Hit, Tier::Memory, "/a");
    assert_eq!(m.stats(later, Some(10_000)).reads, 4);
    assert_eq!(m.stats(later, Some(10_000)).hit_rate, Some(1.0));
    assert_eq!(m.stats(later, None).reads, 5);
    // The cell wraps around u32.
    m.fold_memo_hits(later, u32::MAX - 1);
    let wrapped = later + 2 * BUCKET_MS;
    m.fold_memo_hits(wrapped, 1);
    assert_eq!(m.stats(wrapped, Some(BUCKET_MS)).hits, 3);
    // Counts older than the retention are dropped.
    let end = wrapped + RETENTION_MS + BUCKET_MS;
    read(&mut m, end, Kind::Hit, Tier::Memory, "/a");
    assert_eq!(m.stats(end, Some(RETENTION_MS)).reads, 1);
    assert_eq!(m.series(end, u64::MAX).count(), 1);
}

#[test]
fn percentiles_are_nearest_rank_over_sorted_durations() {
    let mut m = Metrics::new(T0);
    for d in [30u64, 10, 50, 20, 40, 70, 60, 90, 80, 100] {
        m.record(T0, Record::new(Kind::Set, Tier::Network, "/a").took(d));
    }
    let l = m.stats(T0, None).latency;
    assert_eq!(
        (l.p50, l.p95, l.p99),
        (Some(50.0), Some(100.0), Some(100.0))
    );
    let values: Vec<u32> = (1..=100).collect();
    assert_eq!(percentile(&values, 50.0), Some(50.0));
    assert_eq!(percentile(&values, 95.0), Some(95.0));
    assert_eq!(percentile(&values, 99.0), Some(99.0));
    assert_eq!(percentile(&[7], 99.0), Some(7.0));
    assert_eq!(percentile(&[], 50.0), None);
}

#[test]
fn string_table_is_compacted_without_losing_kept_keys() {
    let mut m = Metrics::new(T0);
    for i in 0..10_000u64 {
        read(&mut m, T0 + i, Kind::Hit, Tier::Memory, &format!("/k{i}"));
    }
    let last: Vec<&str> = m.events(2).filter_map(|e| m.text(e.key)).collect();
    assert_eq!(last, ["/k9998", "/k9999"]);
    assert!(m.events(usize::MAX).all(|e| m.text(e.key).is_some()));
}

fn stats_with(hit_rate: f64, reads: u64) -> Stats {
    Stats {
        reads,
        hit_rate: Some(hit_rate),
        ..Stats::default()
    }
}

#[test]
fn hysteresis_table_for_the_hit_rate() {
    let limit = Thresholds::default().hit_rate;
    use AlertLevel::{Critical, Warning};
    // (value, previous level, expected level)
    let table = [
        (0.80, None, None),
        (0.69, None, Some(Warning)),
        (0.72, None, None),
        (0.72, Some(Warning), Some(Warning)),
        (0.75, Some(Warning), None),
        (0.49, Some(Warning), Some(Critical)),
        (0.52, Some(Critical), Some(Critical)),
        (0.56, Some(Critical), Some(Warning)),
        (0.90, Some(Critical), None),
        (0.52, None, Some(Warning)),
    ];
    for (value, previous, expected) in table {
        assert_eq!(
            limit.next(value, previous),
            expected,
            "{value} after {previous:?}"
        );
    }
}

#[test]
fn a_value_oscillating_at_a_threshold_raises_one_alert_once() {
    let mut alerts = Alerts::default();
    let mut notices = Vec::new();
    for i in 0..50u64 {
        let value = if i % 2 == 0 { 0.69 } else { 0.71 };
        notices.extend(alerts.evaluate(&stats_with(value, 100), T0 + i));
    }
    assert_eq!(notices.len(), 1);
    assert_eq!(alerts.active().len(), 1);
    notices = alerts.evaluate(&stats_with(0.76, 100), T0 + 60);
    assert_eq!(notices.len(), 1);
    assert!(!notices[0].active);
    assert_eq!(notices[0].alert.level, AlertLevel::Info);
    assert!(alerts.active().is_empty());
}

#[test]
fn acknowledgement_holds_until_escalation_and_few_samples_change_nothing() {
    let mut alerts = Alerts::default();
    alerts.evaluate(&stats_with(0.6, 100), T0);
    let id = alerts.active()[0].id;
    assert!(alerts.acknowledge(id));
    assert!(!alerts.acknowledge(id + 100));
    assert!(alerts.evaluate(&stats_with(0.62, 100), T0 + 1).is_empty());
    assert!(alerts.active()[0].acknowledged);
    // Too few reads to judge: the level stays.
    assert!(alerts.evaluate(&stats_with(0.99, 3), T0 + 2).is_empty());
    let notices = alerts.evaluate(&stats_with(0.3, 100), T0 + 3);
    assert_eq!(notices[0].alert.level, AlertLevel::Critical);
    assert_eq!(notices[0].alert.id, id);
    assert!(!alerts.active()[0].acknowledged);
    // Cleared and raised again: a new id.
    alerts.evaluate(&stats_with(0.9, 100), T0 + 4);
    alerts.evaluate(&stats_with(0.1, 100), T0 + 5);
    assert_ne!(alerts.active()[0].id, id);
}

#[test]
fn every_metric_has_its_reference_thresholds() {
    let mut m = Metrics::new(T0);
    for i in 0..30 {
        read(&mut m, T0, Kind::Miss, Tier::Memory, "/a");
        m.record(
            T0,
            Record::new(Kind::Set, Tier::Network, "/a").took(600 + i),
        );
        m.record(T0, Record::new(Kind::Invalidate, Tier::Memory, "/a"));
    }
    m.record(
        T0,
        Record::new(Kind::Error, Tier::Storage, "/a").cause(Cause::Quota),
    );
    for _ in 0..3 {
        m.record(T0, Record::new(Kind::Error, Tier::Network, "/a"));
    }
    let stats = m.stats(T0, Some(60_000));
    let notices = m.alerts_mut().evaluate(&stats, T0);
    let levels: Vec<(&str, &str)> = notices
        .iter()
        .map(|n| (n.alert.metric.as_str(), n.alert.level.as_str()))
        .collect();
    assert_eq!(
        levels,
        [
            ("hitRate", "critical"),
            ("latency", "critical"),
            ("errorRate", "critical"),
            ("invalidationRate", "critical"),
            ("storage", "error"),
        ]
    );
}

#[test]
fn limit_above_direction() {
    let l = Limit {
        below: false,
        warning: 200.0,
        clear_warning: 180.0,
        critical: 500.0,
        clear_critical: 450.0,
    };
    assert_eq!(
        l.next(190.0, Some(AlertLevel::Warning)),
        Some(AlertLevel::Warning)
    );
    assert_eq!(l.next(180.0, Some(AlertLevel::Warning)), None);
    assert_eq!(
        l.next(460.0, Some(AlertLevel::Critical)),
        Some(AlertLevel::Critical)
    );
}

#[test]
fn exports_are_valid_json_and_csv() {
    let mut m = Metrics::new(T0);
    m.record(T0, Record::new(Kind::Hit, Tier::Memory, "/a?x=\"1\",2"));
    m.record(
        T0 + 1,
        Record::new(Kind::Invalidate, Tier::Memory, "tag:scene:1")
            .cause(Cause::Header)
            .detail("X-Cache-Invalidate-Keys: scene:1"),
    );
    let stats = m.stats(T0 + 2, Some(60_000));
    let json: serde_json::Value = serde_json::from_str(&m.export_json(&stats)).unwrap();
    assert_eq!(json["events"][0]["key"], "/a?x=\"1\",2");
    assert_eq!(json["events"][1]["cause"], "header");
    assert_eq!(
        json["events"][1]["detail"],
        "X-Cache-Invalidate-Keys: scene:1"
    );
    assert_eq!(json["stats"]["hitRate"], 1.0);
    assert_eq!(json["stats"]["tiers"]["memory"]["hits"], 1);
    assert_eq!(json["stats"]["byKind"]["invalidate"]["memory"], 1);
    assert_eq!(json["stats"]["series"][0]["hit"], 1);
    assert!(json["stats"]["latency"]["p95"].is_null());
    let csv = m.export_csv(&stats);
    let (events, table) = csv.split_once("\n\n").unwrap();
    let rows: Vec<&str> = events.lines().collect();
    assert_eq!(rows[0], "at,kind,tier,key,durationMs,cause,detail");
    assert_eq!(rows[1], format!("{T0},hit,memory,\"/a?x=\"\"1\"\",2\",0,,"));
    assert!(table.lines().any(|l| l == "hitRate,1"));
    let alerts: serde_json::Value =
        serde_json::from_str(&alerts_json(m.alerts().active())).unwrap();
    assert_eq!(alerts, serde_json::json!([]));
}

#[test]
fn clear_keeps_thresholds_and_the_memo_position() {
    let mut m = Metrics::new(T0);
    m.fold_memo_hits(T0, 10);
    m.clear(T0 + 5);
    m.fold_memo_hits(T0 + 5, 12);
    let s = m.stats(T0 + 5, None);
    assert_eq!((s.hits, s.since), (2, T0 + 5));
}

#[test]
fn decimals_round_to_places_without_float_formatting() {
    let text = |v: f64, places| {
        let mut out = String::new();
        export::decimal(&mut out, v, places);
        out
    };
    assert_eq!(text(9.0 / 13.0, 6), "0.692308");
    assert_eq!(text(0.5, 6), "0.5");
    assert_eq!(text(1.0, 6), "1");
    assert_eq!(text(0.0, 6), "0");
    assert_eq!(text(250.0, 0), "250");
    assert_eq!(text(56.52, 1), "56.5");
    assert_eq!(text(-0.25, 2), "-0.25");
    assert_eq!(text(1e-9, 6), "0");
}

#[test]
fn the_core_keeps_the_keys_its_bounds_evict_for_metrics() {
    use crate::core::cache::{Cache, CacheConfig};
    let mut config = CacheConfig::default();
    config.limits.max_entries = 4;
    let mut cache: Cache<u32> = Cache::new(config);
    for i in 0..5u32 {
        cache.set(
            &format!("/k{i}"),
            i,
            None,
            Vec::new(),
            10,
            T0 + u64::from(i),
        );
    }
    let evicted = cache.take_evicted();
    assert!(evicted.iter().any(|k| &**k == "/k0"), "{evicted:?}");
    assert!(!evicted.iter().any(|k| &**k == "/k4"));
    assert!(cache.take_evicted().is_empty());
}

#[test]
fn alert_json_is_written_field_by_field() {
    let alert = Alert {
        id: 7,
        metric: AlertMetric::HitRate,
        level: AlertLevel::Warning,
        value: 0.4567,
        threshold: 0.5,
        since: T0,
        acknowledged: false,
    };
    let mut out = String::new();
    alert_json(&mut out, &alert, false);
    assert_eq!(
        out,
        format!(
            "{{\"id\":7,\"metric\":\"hitRate\",\"level\":\"warning\",\"value\":0.4567,\
             \"threshold\":0.5,\"since\":{T0},\"acknowledged\":false,\"active\":false,\
             \"message\":\"cleared: hit rate 45.7 %\"}}"
        )
    );
    let latency = Alert {
        metric: AlertMetric::Latency,
        value: 812.4,
        acknowledged: true,
        ..alert
    };
    let json: serde_json::Value = serde_json::from_str(&alerts_json(&[latency])).unwrap();
    assert_eq!(json[0]["message"], "p95 latency 812 ms");
    assert_eq!(json[0]["acknowledged"], true);
    assert_eq!(json[0]["active"], true);
}

#[test]
fn control_characters_in_keys_are_escaped_as_json_does() {
    let mut m = Metrics::new(T0);
    m.record(T0, Record::new(Kind::Hit, Tier::Memory, "/a\u{1}b\u{1f}\t"));
    let json = m.events_json(1);
    assert!(json.contains(r#""key":"/a\u0001b\u001f\t""#), "{json}");
    let parsed: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(parsed[0]["key"], "/a\u{1}b\u{1f}\t");
    assert_eq!(parsed[0]["durationMs"], 0);
}

#[test]
fn the_event_ring_starts_over_after_clear() {
    let mut m = Metrics::new(T0);
    for i in 0..(RING_SIZE as u64 + 250) {
        read(&mut m, T0 + i, Kind::Miss, Tier::Memory, "/k");
    }
    m.clear(T0 + 2_000);
    for i in 0..3 {
        read(&mut m, T0 + 2_000 + i, Kind::Hit, Tier::Memory, "/k");
    }
    let at: Vec<Millis> = m.events(usize::MAX).map(|e| e.at).collect();
    assert_eq!(at, [T0 + 2_000, T0 + 2_001, T0 + 2_002]);
    assert_eq!(m.events(2).next().map(|e| e.at), Some(T0 + 2_001));
}
