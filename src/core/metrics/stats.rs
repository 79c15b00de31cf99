//! Rates and percentiles over a window of the metrics log.

use super::{Counts, Kind, Metrics, Tier};
use crate::core::Millis;

/// Hits and misses of one tier.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct TierStats {
    /// Reads the tier answered (memory: fresh and stale served; storage: restored).
    pub hits: u64,
    /// Reads the tier could not answer.
    pub misses: u64,
    /// `hits / (hits + misses)`; `None` without reads.
    pub hit_rate: Option<f64>,
}

impl TierStats {
    fn new(hits: u64, misses: u64) -> Self {
        TierStats {
            hits,
            misses,
            hit_rate: ratio(hits, hits + misses),
        }
    }
}

/// Request durations (ms) at three percentiles, nearest-rank.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Latency {
    /// How many durations the percentiles are over.
    pub samples: usize,
    /// Median.
    pub p50: Option<f64>,
    /// 95th percentile.
    pub p95: Option<f64>,
    /// 99th percentile.
    pub p99: Option<f64>,
}

/// What `stats(windowMs)` reports.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Stats {
    /// The window (ms); `None`: since the log started.
    pub window: Option<Millis>,
    /// When the log started (creation or last clear).
    pub since: Millis,
    /// When these were computed.
    pub at: Millis,
    /// Reads (every read reaches the memory tier first).
    pub reads: u64,
    /// Reads answered from memory or storage.
    pub hits: u64,
    /// Reads that had to wait for the network.
    pub misses: u64,
    /// `hits / reads`.
    pub hit_rate: Option<f64>,
    /// Memory, storage and network tiers (the network "hits" are stored responses, its
    /// "misses" failed requests).
    pub tiers: [TierStats; 3],
    /// Reads served stale while revalidating.
    pub stale_served: u64,
    /// Responses that reached the network tier's end: stored, discarded or failed.
    pub requests: u64,
    /// Values stored, by any tier.
    pub sets: u64,
    /// Invalidations (one per target named).
    pub invalidations: u64,
    /// `invalidations / reads`.
    pub invalidation_rate: Option<f64>,
    /// Errors of every tier.
    pub errors: u64,
    /// `errors / (reads + requests)`.
    pub error_rate: Option<f64>,
    /// Reads that joined a request in flight.
    pub deduplicated: u64,
    /// Responses dropped because something overtook them.
    pub discarded: u64,
    /// Entries that left a tier.
    pub evictions: u64,
    /// Optimistic layers rolled back.
    pub rollbacks: u64,
    /// Prefetch requests made.
    pub prefetched: u64,
    /// Reads that used prefetched data.
    pub prefetch_used: u64,
    /// `prefetch_used / prefetched`.
    pub prefetch_use_rate: Option<f64>,
    /// Durations of network requests in the window (from the kept events).
    pub latency: Latency,
    /// Bytes the storage tier holds (filled in by the caller, who knows the tier).
    pub storage_bytes: u64,
    /// Every count, by kind and tier.
    pub counts: Counts,
}

fn ratio(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// Sorts at most a ring's worth of durations. A few lines of Shell sort instead of
/// `sort_unstable`, whose instantiation for `u32` would add kilobytes to the wasm.
fn shell_sort(values: &mut [u32]) {
    let mut gap = values.len() / 2;
    while gap > 0 {
        for i in gap..values.len() {
            let mut j = i;
            while j >= gap {
                let (Some(&a), Some(&b)) = (values.get(j - gap), values.get(j)) else {
                    break;
                };
                if a <= b {
                    break;
                }
                values.swap(j - gap, j);
                j -= gap;
            }
        }
        gap /= 2;
    }
}

/// The nearest-rank percentile `p` (0–100) of sorted `values`.
pub fn percentile(sorted: &[u32], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    let index = rank.clamp(1, sorted.len()) - 1;
    sorted.get(index).map(|v| f64::from(*v))
}

impl Metrics {
    /// Stats over the last `window` ms, or since the log started for `None`.
    pub fn stats(&self, now: Millis, window: Option<Millis>) -> Stats {
        let c = self.counts(now, window);
        let memory_hits = c.get(Kind::Hit, Tier::Memory) + c.get(Kind::StaleServed, Tier::Memory);
        let memory = TierStats::new(memory_hits, c.get(Kind::Miss, Tier::Memory));
        let storage = TierStats::new(
            c.get(Kind::Hit, Tier::Storage),
            c.get(Kind::Miss, Tier::Storage),
        );
        let network = TierStats::new(
            c.get(Kind::Set, Tier::Network),
            c.get(Kind::Error, Tier::Network),
        );
        let reads = memory.hits + memory.misses;
        // A storage hit is a memory miss that did not wait for the network.
        let hits = memory.hits + storage.hits;
        let requests = c.get(Kind::Set, Tier::Network)
            + c.get(Kind::Discard, Tier::Network)
            + c.get(Kind::Error, Tier::Network);
        let errors = c.all(Kind::Error);
        let invalidations = c.all(Kind::Invalidate);
        let prefetched = c.all(Kind::Prefetch);
        let prefetch_used = c.all(Kind::PrefetchUsed);
        let from = window.map_or(0, |w| now.saturating_sub(w));
        let mut durations: Vec<u32> = self
            .events
            .iter()
            .filter(|e| e.at >= from && e.tier == Tier::Network)
            .filter(|e| matches!(e.kind, Kind::Set | Kind::Discard | Kind::Error))
            .map(|e| e.duration)
            .collect();
        shell_sort(&mut durations);
        Stats {
            window,
            since: self.since,
            at: now,
            reads,
            hits,
            misses: reads.saturating_sub(hits),
            hit_rate: ratio(hits, reads),
            tiers: [memory, storage, network],
            stale_served: c.get(Kind::StaleServed, Tier::Memory),
            requests,
            sets: c.all(Kind::Set),
            invalidations,
            invalidation_rate: ratio(invalidations, reads),
            errors,
            error_rate: ratio(errors, reads + requests),
            deduplicated: c.all(Kind::Dedup),
            discarded: c.all(Kind::Discard),
            evictions: c.all(Kind::Evict),
            rollbacks: c.all(Kind::Rollback),
            prefetched,
            prefetch_used,
            prefetch_use_rate: ratio(prefetch_used, prefetched),
            latency: Latency {
                samples: durations.len(),
                p50: percentile(&durations, 50.0),
                p95: percentile(&durations, 95.0),
                p99: percentile(&durations, 99.0),
            },
            storage_bytes: 0,
            counts: c,
        }
    }
}
