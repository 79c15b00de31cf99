//! The storage tier against a naive model (a map per scope): whatever the sequence of puts,
//! removals, flushes, reopenings, scope switches and clears, a read returns the model's body
//! or (only when the store is full) a miss — never an older body, never another scope's.
#![cfg(not(target_arch = "wasm32"))]

use std::collections::HashMap;

use freshet::store::codec::Meta;
use freshet::store::tier::{StorageTier, TierConfig};
use freshet::store::{MemoryStorage, Storage};
use proptest::prelude::*;

const NOW: u64 = 1_700_000_000_000;

#[derive(Debug, Clone)]
enum Op {
    Put(u8, String),
    Remove(u8),
    Flush,
    Reopen,
    Scope(u8),
    Clear,
    Load(u8),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..5u8, "[a-z\n\t{}\"]{0,40}").prop_map(|(k, b)| Op::Put(k, b)),
        1 => (0..5u8).prop_map(Op::Remove),
        2 => Just(Op::Flush),
        1 => Just(Op::Reopen),
        1 => (0..2u8).prop_map(Op::Scope),
        1 => Just(Op::Clear),
        3 => (0..5u8).prop_map(Op::Load),
    ]
}

fn meta(body: &str) -> Meta {
    Meta {
        page_type: "reading".into(),
        tags: Vec::new(),
        received_at: NOW,
        server_time: NOW,
        stale_at: NOW + 1,
        expires_at: NOW + 3_600_000,
        fingerprint: freshet::core::fingerprint::fingerprint(body),
        json: false,
        etag: None,
        last_modified: None,
    }
}

/// A store shared between reopenings of the tier.
#[derive(Clone)]
struct Shared(std::rc::Rc<std::cell::RefCell<MemoryStorage>>);

impl Storage for Shared {
    fn get_item(&self, k: &str) -> Result<Option<String>, freshet::store::StoreError> {
        self.0.borrow().get_item(k)
    }
    fn set_item(&mut self, k: &str, v: &str) -> Result<(), freshet::store::StoreError> {
        self.0.borrow_mut().set_item(k, v)
    }
    fn remove_item(&mut self, k: &str) -> Result<(), freshet::store::StoreError> {
        self.0.borrow_mut().remove_item(k)
    }
    fn keys(&self) -> Result<Vec<String>, freshet::store::StoreError> {
        self.0.borrow().keys()
    }
}

fn config(scope: u8) -> TierConfig {
    TierConfig {
        scope: format!("s{scope}"),
        ..TierConfig::default()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]
    #[test]
    fn reads_match_the_model(ops in proptest::collection::vec(op(), 1..60), quota in prop_oneof![Just(None), (600usize..3_000).prop_map(Some)]) {
        let mut inner = MemoryStorage::new();
        inner.set_item("other:key", "v").unwrap();
        inner.quota = quota.map(|q| q + 10);
        let store = Shared(std::rc::Rc::new(std::cell::RefCell::new(inner)));
        let mut scope = 0u8;
        let mut tier = StorageTier::open(Some(store.clone()), config(scope), NOW);
        // What a read may return: the live value (this session), the durable one (flushed).
        let mut live: HashMap<(u8, u8), Option<String>> = HashMap::new();
        let mut durable: HashMap<(u8, u8), Option<String>> = HashMap::new();
        let mut unflushed: Vec<(u8, u8)> = Vec::new();
        // A removal may land before the flush that would make it durable (reading the saved
        // index sweeps records it no longer vouches for): keys removed and not yet flushed, and
        // keys that, after a reopening, may read as the last flushed body or as a miss.
        let mut removed_unflushed: std::collections::HashSet<(u8, u8)> = Default::default();
        let mut either: std::collections::HashSet<(u8, u8)> = Default::default();
        for op in ops {
            match op {
                Op::Put(k, body) => {
                    tier.put(&format!("/k{k}"), meta(&body), &body, NOW);
                    live.insert((scope, k), Some(body));
                    unflushed.push((scope, k));
                    either.remove(&(scope, k));
                }
                Op::Remove(k) => {
                    tier.remove(&format!("/k{k}"));
                    live.insert((scope, k), None);
                    unflushed.push((scope, k));
                    removed_unflushed.insert((scope, k));
                    either.remove(&(scope, k));
                }
                Op::Flush => {
                    tier.flush(NOW);
                    removed_unflushed.clear();
                    for key in unflushed.drain(..) {
                        durable.insert(key, live.get(&key).cloned().flatten());
                    }
                }
                Op::Reopen => {
                    tier = StorageTier::open(Some(store.clone()), config(scope), NOW);
                    // Unflushed changes are lost: a read may then see the last flushed value.
                    for key in unflushed.drain(..) {
                        let value = durable.get(&key).cloned().flatten();
                        live.insert(key, value);
                    }
                    either.extend(removed_unflushed.drain());
                }
                Op::Scope(s) => {
                    tier.set_scope(&format!("s{s}"), NOW);
                    removed_unflushed.clear();
                    for key in unflushed.drain(..) {
                        durable.insert(key, live.get(&key).cloned().flatten());
                    }
                    scope = s;
                }
                Op::Clear => {
                    tier.clear();
                    unflushed.retain(|(s, _)| *s != scope);
                    removed_unflushed.retain(|(s, _)| *s != scope);
                    either.retain(|(s, _)| *s != scope);
                    for k in 0..5 {
                        live.insert((scope, k), None);
                        durable.insert((scope, k), None);
                    }
                }
                Op::Load(k) => {
                    let got = tier.load(&format!("/k{k}"), NOW, |_| u64::MAX).map(|r| r.body);
                    let want = live.get(&(scope, k)).cloned().flatten();
                    if either.contains(&(scope, k)) {
                        prop_assert!(got.is_none() || got == want, "got {:?} want {:?} (or a miss)", got, want);
                        if got.is_none() {
                            either.remove(&(scope, k));
                        }
                    } else if quota.is_none() {
                        prop_assert_eq!(&got, &want);
                    } else {
                        prop_assert!(got.is_none() || got == want, "got {:?} want {:?}", got, want);
                    }
                    if got.is_none() {
                        // A miss is final until the next put (the tier forgot the entry).
                        live.insert((scope, k), None);
                    }
                }
            }
            let foreign = store.0.borrow().get_item("other:key").unwrap();
            prop_assert_eq!(foreign.as_deref(), Some("v"));
            prop_assert!(store.keys().unwrap().iter().all(|k| k.starts_with("freshet:") || k == "other:key"));
        }
    }
}
