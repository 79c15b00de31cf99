//! Property tests: the tag index against a naive model (every entry scanned and matched with
//! `Target::matches`), directly for tag targets (the only ones it answers) and, for every
//! target, through a bounded cache that evicts, replaces and collects.
#![cfg(not(target_arch = "wasm32"))]

use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use freshet::core::cache::{Arrival, Cache, CacheConfig};
use freshet::core::entry::{EntryState, InvalidationSource};
use freshet::core::invalidation::{Subject, Target};
use freshet::core::memory::Limits;
use freshet::core::page_type::PageTypeId;
use freshet::core::tag_index::TagIndex;
use proptest::prelude::*;

const TAGS: [&str; 6] = [
    "story:1",
    "story:1:ch",
    "story:10",
    "scene:a",
    "scene:ab",
    "post:1",
];
const KEYS: [&str; 6] = ["/a", "/a/b", "/ab", "/b?x=1", "/b", "https://x.example/a"];
const TYPES: [PageTypeId; 3] = [PageTypeId::WRITING, PageTypeId::READING, PageTypeId::BROWSE];

fn target() -> impl Strategy<Value = Target> {
    prop_oneof![
        (0..KEYS.len()).prop_map(|i| Target::Key(KEYS[i].into())),
        Just(Target::All),
        (0..TYPES.len()).prop_map(|i| Target::PageType(TYPES[i])),
        (0..TAGS.len()).prop_map(|i| Target::Tag(TAGS[i].into())),
        prop::sample::select(vec!["story:1", "story:1:", "scene:", "s", "post:1:"])
            .prop_map(|p| Target::TagPrefix(p.into())),
        prop::sample::select(vec!["/a", "/b", "/", "https://x.example/", "/c"])
            .prop_map(|p| Target::PathPrefix(p.into())),
    ]
}

#[derive(Debug, Clone)]
enum Op {
    Insert(usize, usize, Vec<usize>),
    Remove(usize),
    Query(Target),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0..KEYS.len(), 0..TYPES.len(), prop::collection::vec(0..TAGS.len(), 0..4))
            .prop_map(|(k, t, tags)| Op::Insert(k, t, tags)),
        1 => (0..KEYS.len()).prop_map(Op::Remove),
        2 => target().prop_map(Op::Query),
    ]
}

fn shared(tags: &[usize]) -> Vec<Rc<str>> {
    let mut t: Vec<Rc<str>> = tags.iter().map(|&i| TAGS[i].into()).collect();
    t.sort_unstable();
    t.dedup();
    t
}

fn naive<T: AsRef<str>>(
    model: &BTreeMap<&str, (PageTypeId, Vec<T>)>,
    target: &Target,
) -> Vec<String> {
    model
        .iter()
        .filter(|(key, (page_type, tags))| {
            target.matches(Subject {
                key,
                page_type: *page_type,
                tags,
                server_time: 0,
            })
        })
        .map(|(k, _)| k.to_string())
        .collect()
}

proptest! {
    #[test]
    fn index_matches_a_full_scan(ops in prop::collection::vec(op(), 1..80)) {
        let mut index = TagIndex::default();
        let mut model: BTreeMap<&str, (PageTypeId, Vec<Rc<str>>)> = BTreeMap::new();
        for op in ops {
            match op {
                Op::Insert(k, t, tags) => {
                    if let Some((_, old)) = model.remove(KEYS[k]) {
                        index.remove(KEYS[k], &old);
                    }
                    let tags = shared(&tags);
                    index.insert(&Rc::from(KEYS[k]), &tags);
                    model.insert(KEYS[k], (TYPES[t], tags));
                }
                Op::Remove(k) => {
                    if let Some((_, old)) = model.remove(KEYS[k]) {
                        index.remove(KEYS[k], &old);
                    }
                }
                Op::Query(target) => {
                    let got: Vec<String> = index.matching(&target).iter().map(|k| k.to_string()).collect();
                    match target {
                        Target::Tag(_) | Target::TagPrefix(_) => {
                            prop_assert_eq!(got, naive(&model, &target));
                        }
                        // Keys, paths and page types are the memory tier's (the cache test below).
                        _ => prop_assert!(got.is_empty()),
                    }
                }
            }
            let tags: BTreeSet<&str> = model.values().flat_map(|(_, t)| t.iter().map(|t| &**t)).collect();
            prop_assert_eq!(index.len(), tags.len());
            prop_assert_eq!(index.pairs(), model.values().map(|(_, t)| t.len()).sum::<usize>());
        }
    }

    #[test]
    fn cache_invalidation_names_what_a_scan_names(
        ops in prop::collection::vec(op(), 1..80),
        max_entries in 2usize..6,
    ) {
        let config = CacheConfig {
            limits: Limits { max_entries, max_bytes: 1 << 20 },
            gc_time: 50,
            ..CacheConfig::default()
        };
        let mut cache: Cache<u32> = Cache::new(config);
        let mut now = 0;
        for op in ops {
            now += 10;
            match op {
                Op::Insert(k, t, tags) => {
                    let ticket = cache.begin_fetch(KEYS[k], now);
                    let arrival = Arrival {
                        page_type: Some(TYPES[t]),
                        tags: tags.iter().map(|&i| TAGS[i].to_owned()).collect(),
                        fingerprint: now,
                        ..Arrival::default()
                    };
                    let _ = cache.complete_fetch(&ticket, arrival, now, || Ok::<_, ()>(0));
                }
                Op::Remove(k) => {
                    if k % 2 == 0 {
                        cache.remove(KEYS[k]);
                    } else {
                        cache.collect_garbage(now);
                    }
                }
                Op::Query(target) => {
                    for key in KEYS {
                        if !cache.is_observed(key) {
                            cache.observe(key);
                        }
                    }
                    let mut model = BTreeMap::new();
                    for (k, e) in cache.memory().iter() {
                        let key = KEYS.iter().find(|x| **x == k).copied().unwrap_or("?");
                        model.insert(key, (e.page_type, e.tags.to_vec()));
                    }
                    let mut expected = naive(&model, &target);
                    if let Target::Key(k) = &target {
                        expected = vec![k.to_string()];
                    }
                    let got = cache.invalidate(target, InvalidationSource::Api, now);
                    for key in &got {
                        if let Some(e) = cache.inspect(key) {
                            prop_assert_eq!(e.state(now), EntryState::Invalidated, "{}", key);
                        }
                    }
                    prop_assert_eq!(got, expected);
                }
            }
            prop_assert!(cache.tag_index_mirrors_memory());
        }
    }
}
