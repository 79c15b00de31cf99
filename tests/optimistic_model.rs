//! Model-based property test of optimistic layers (issue: overlapping mutations). Random
//! interleavings of start, succeed, fail, refetch and invalidate over 1–3 keys and up to 5
//! overlapping mutations; after every step the visible value of each key must equal its
//! confirmed value with its pending layers applied in start order.
#![cfg(not(target_arch = "wasm32"))]

use std::collections::BTreeMap;

use freshet::core::optimistic::{LayerId, Overlays};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Step {
    Start { key: usize, digit: i64 },
    Succeed { pick: usize, server: i64 },
    Fail { pick: usize },
    Refetch { key: usize, value: i64 },
    Invalidate { key: usize },
}

fn step(keys: usize) -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => (0..keys, 0i64..10).prop_map(|(key, digit)| Step::Start { key, digit }),
        2 => (any::<usize>(), 0i64..1000).prop_map(|(pick, server)| Step::Succeed { pick, server }),
        2 => any::<usize>().prop_map(|pick| Step::Fail { pick }),
        1 => (0..keys, 0i64..1000).prop_map(|(key, value)| Step::Refetch { key, value }),
        1 => (0..keys).prop_map(|key| Step::Invalidate { key }),
    ]
}

/// Appends a digit; not commutative, so a layer applied out of order shows.
fn apply(digit: &i64, base: Option<&i64>) -> Result<i64, ()> {
    Ok(base
        .copied()
        .unwrap_or(0)
        .wrapping_mul(10)
        .wrapping_add(*digit)
        % 1_000_000_007)
}

const KEYS: [&str; 3] = ["/a", "/b", "/c"];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("FRESHET_PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000)
    ))]

    #[test]
    fn visible_is_confirmed_plus_pending_layers_in_order(keys in 1usize..=3, steps in prop::collection::vec(step(3), 1..60)) {
        let mut overlays: Overlays<i64, i64> = Overlays::default();
        let mut confirmed: BTreeMap<usize, Option<i64>> = (0..keys).map(|k| (k, None)).collect();
        // Pending mutations in start order: (key, digit, layer id).
        let mut pending: Vec<(usize, i64, LayerId)> = Vec::new();
        for step in steps {
            match step {
                Step::Start { key, digit } => {
                    let key = key % keys;
                    if pending.len() < 5 {
                        let base = confirmed[&key];
                        let id = overlays.push(KEYS[key], digit, base.as_ref(), apply).unwrap();
                        pending.push((key, digit, id));
                    }
                }
                Step::Succeed { pick, server } => {
                    if !pending.is_empty() {
                        let (key, _, id) = pending.remove(pick % pending.len());
                        confirmed.insert(key, Some(server));
                        overlays.remove(KEYS[key], id, Some(&server), apply);
                    }
                }
                Step::Fail { pick } => {
                    if !pending.is_empty() {
                        let (key, _, id) = pending.remove(pick % pending.len());
                        overlays.remove(KEYS[key], id, confirmed[&key].as_ref(), apply);
                    }
                }
                Step::Refetch { key, value } => {
                    let key = key % keys;
                    confirmed.insert(key, Some(value));
                    overlays.rebase(KEYS[key], Some(&value), apply);
                }
                // An invalidation marks the confirmed value; it changes nothing the layers show.
                Step::Invalidate { key } => {
                    let key = key % keys;
                    overlays.rebase(KEYS[key], confirmed[&key].as_ref(), apply);
                }
            }
            for key in 0..keys {
                let layers: Vec<i64> = pending.iter().filter(|p| p.0 == key).map(|p| p.1).collect();
                let expected = if layers.is_empty() {
                    None
                } else {
                    let mut v = confirmed[&key];
                    for d in &layers {
                        v = apply(d, v.as_ref()).ok();
                    }
                    v
                };
                prop_assert_eq!(overlays.visible(KEYS[key]).copied(), expected);
                prop_assert_eq!(overlays.pending(KEYS[key]), layers.len());
            }
        }
    }
}
