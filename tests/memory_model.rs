//! Property test: the memory tier against a naive model (a list scanned in full), under random
//! inserts, reads, peeks, removals, observation changes and garbage collection.
#![cfg(not(target_arch = "wasm32"))]

use std::collections::BTreeSet;

use freshet::core::entry::{ChangeCause, Entry, Provenance};
use freshet::core::memory::{low_water, Limits, MemoryTier};
use freshet::core::page_type::{Lifetimes, PageTypeId};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Op {
    Insert { key: u8, value: u32, size: u32 },
    Get(u8),
    Peek(u8),
    Remove(u8),
    Observe(u8),
    Unobserve(u8),
    Gc { advance: u64 },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0u8..24, any::<u32>(), 1u32..40).prop_map(|(key, value, size)| Op::Insert { key, value, size }),
        3 => (0u8..24).prop_map(Op::Get),
        1 => (0u8..24).prop_map(Op::Peek),
        1 => (0u8..24).prop_map(Op::Remove),
        1 => (0u8..24).prop_map(Op::Observe),
        1 => (0u8..24).prop_map(Op::Unobserve),
        1 => (0u64..400).prop_map(|advance| Op::Gc { advance }),
    ]
}

/// The model: entries in a vector, recency as a counter, eviction by full scans.
#[derive(Default)]
struct Model {
    entries: Vec<(String, u32, u32, u64, u64)>, // key, value, size, tick, last_used_at
    tick: u64,
}

const GC_TIME: u64 = 300;
const MAX_AGE: u64 = 1_000;

impl Model {
    fn bytes(&self) -> usize {
        self.entries.iter().map(|e| e.2 as usize).sum()
    }

    fn insert(
        &mut self,
        key: String,
        value: u32,
        size: u32,
        now: u64,
        limits: Limits,
        observed: &BTreeSet<String>,
    ) {
        self.entries.retain(|e| e.0 != key);
        if size as usize > limits.max_bytes {
            return;
        }
        self.tick += 1;
        self.entries.push((key, value, size, self.tick, now));
        if self.entries.len() > limits.max_entries || self.bytes() > limits.max_bytes {
            loop {
                if self.entries.len() <= low_water(limits.max_entries)
                    && self.bytes() <= low_water(limits.max_bytes)
                {
                    break;
                }
                let oldest = self
                    .entries
                    .iter()
                    .enumerate()
                    .filter(|(_, e)| !observed.contains(&e.0))
                    .min_by_key(|(_, e)| e.3);
                match oldest {
                    Some((i, _)) => {
                        self.entries.remove(i);
                    }
                    None => break,
                }
            }
        }
    }

    fn get(&mut self, key: &str, now: u64) -> Option<u32> {
        self.tick += 1;
        let tick = self.tick;
        let entry = self.entries.iter_mut().find(|e| e.0 == key)?;
        entry.3 = tick;
        entry.4 = now;
        Some(entry.1)
    }
}

fn entry(value: u32, size: u32, now: u64) -> Entry<u32> {
    let p = Provenance {
        received_at: now,
        server_time: now,
        max_age_cap: None,
    };
    let mut e = Entry::new(
        value,
        PageTypeId::BROWSE,
        &Lifetimes::new(10, MAX_AGE),
        &p,
        ChangeCause::Fetched,
    );
    e.size = size;
    e
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn memory_tier_matches_the_model(ops in prop::collection::vec(op(), 1..120), max_entries in 1usize..12, max_bytes in 20usize..200) {
        let limits = Limits { max_entries, max_bytes };
        let mut tier = MemoryTier::new(limits);
        let mut model = Model::default();
        let mut observed = BTreeSet::new();
        let mut inserted_at = std::collections::HashMap::new();
        let mut now = 0u64;
        for op in ops {
            now += 1;
            match op {
                Op::Insert { key, value, size } => {
                    let key = format!("k{key}");
                    let seen = observed.clone();
                    tier.insert(&key, entry(value, size, now), now, &|k| seen.contains(k));
                    model.insert(key.clone(), value, size, now, limits, &observed);
                    inserted_at.insert(key, now);
                }
                Op::Get(key) => {
                    let key = format!("k{key}");
                    // The model's get bumps its tick even on a miss; mirror only hits.
                    let got = tier.get(&key, now).map(|e| *e.value());
                    let expected = if model.entries.iter().any(|e| e.0 == key) { model.get(&key, now) } else { None };
                    prop_assert_eq!(got, expected);
                }
                Op::Peek(key) => {
                    let key = format!("k{key}");
                    let got = tier.peek(&key).map(|e| *e.value());
                    let expected = model.entries.iter().find(|e| e.0 == key).map(|e| e.1);
                    prop_assert_eq!(got, expected);
                }
                Op::Remove(key) => {
                    let key = format!("k{key}");
                    tier.remove(&key);
                    model.entries.retain(|e| e.0 != key);
                }
                Op::Observe(key) => {
                    observed.insert(format!("k{key}"));
                }
                Op::Unobserve(key) => {
                    observed.remove(&format!("k{key}"));
                }
                Op::Gc { advance } => {
                    now += advance;
                    let seen = observed.clone();
                    tier.collect_garbage(now, GC_TIME, &|k| seen.contains(k));
                    model.entries.retain(|e| {
                        let expired = now >= inserted_at.get(&e.0).copied().unwrap_or(0) + MAX_AGE;
                        let idle = now.saturating_sub(e.4) >= GC_TIME && !observed.contains(&e.0);
                        !expired && !idle
                    });
                }
            }
            let mut got: Vec<(String, u32)> = tier.iter().map(|(k, e)| (k.to_owned(), *e.value())).collect();
            got.sort();
            let mut expected: Vec<(String, u32)> = model.entries.iter().map(|e| (e.0.clone(), e.1)).collect();
            expected.sort();
            prop_assert_eq!(got, expected);
            prop_assert_eq!(tier.bytes(), model.bytes());
        }
    }
}
