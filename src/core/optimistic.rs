//! Optimistic layers: each pending mutation is one layer over the confirmed value of a key.
//!
//! What a reader sees is the confirmed value with every pending layer applied in the order the
//! mutations started. When a mutation fails only its layer goes and the others are replayed;
//! when it succeeds its result becomes the confirmed value (stored by the caller) and the other
//! layers are replayed over it; a refetch or invalidation changes the confirmed value underneath
//! pending layers. So a rollback never restores another mutation's optimistic value — there is
//! no snapshot to restore, only layers to replay.
//!
//! Generic over the value `V` and the layer `L` (in the browser a JS function or a value); the
//! caller supplies `apply(layer, base) -> Result<V, E>`, which may fail (a throwing function).

use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::rc::Rc;

use rustc_hash::FxHasher;

/// Identifies one pending mutation's layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LayerId(u64);

#[derive(Debug)]
struct Layer<L> {
    id: LayerId,
    layer: L,
    /// False while the layer cannot be applied (its function threw on a replay): it is skipped
    /// until its mutation ends, rather than blocking the layers above it.
    applies: bool,
}

#[derive(Debug)]
struct Stack<V, L> {
    layers: Vec<Layer<L>>,
    visible: Option<V>,
}

/// The pending layers of every key, and the value each key shows.
#[derive(Debug)]
pub struct Overlays<V, L> {
    /// Entries of an `Rc<str>` and a pointer: the layout of `StrSet`'s, whose hash table code
    /// (in wasm, after wasm-opt folds identical functions) this map then shares.
    stacks: HashMap<Rc<str>, Box<Stack<V, L>>, BuildHasherDefault<FxHasher>>,
    next: u64,
}

impl<V, L> Default for Overlays<V, L> {
    fn default() -> Self {
        Overlays {
            stacks: HashMap::default(),
            next: 0,
        }
    }
}

impl<V, L> Overlays<V, L> {
    /// Adds a layer over `key`, whose current confirmed value is `confirmed`. If `apply` fails
    /// nothing is added (the mutation rolls back before it started) and its error is returned.
    ///
    /// ```
    /// use freshet::core::optimistic::Overlays;
    /// let add = |n: &i64, base: Option<&i64>| Ok::<_, ()>(base.copied().unwrap_or(0) + n);
    /// let mut o: Overlays<i64, i64> = Overlays::default();
    /// let like = o.push("/post", 1, Some(&10), add).unwrap();
    /// let reply = o.push("/post", 100, Some(&10), add).unwrap();
    /// assert_eq!(o.visible("/post"), Some(&111));
    /// o.remove("/post", like, Some(&10), add); // the like failed: only its layer goes
    /// assert_eq!(o.visible("/post"), Some(&110));
    /// ```
    pub fn push<E>(
        &mut self,
        key: &str,
        layer: L,
        confirmed: Option<&V>,
        apply: impl Fn(&L, Option<&V>) -> Result<V, E>,
    ) -> Result<LayerId, E> {
        let base = self
            .stacks
            .get(key)
            .and_then(|s| s.visible.as_ref())
            .or(confirmed);
        let visible = apply(&layer, base)?;
        self.next += 1;
        let id = LayerId(self.next);
        let stack = self.stacks.entry(key.into()).or_insert_with(|| {
            Box::new(Stack {
                layers: Vec::new(),
                visible: None,
            })
        });
        stack.layers.push(Layer {
            id,
            layer,
            applies: true,
        });
        stack.visible = Some(visible);
        Ok(id)
    }

    /// Removes layer `id` of `key` (its mutation failed, or succeeded and its result is now
    /// part of `confirmed`) and replays the remaining layers over `confirmed`.
    /// Returns whether the layer was there.
    pub fn remove<E>(
        &mut self,
        key: &str,
        id: LayerId,
        confirmed: Option<&V>,
        apply: impl Fn(&L, Option<&V>) -> Result<V, E>,
    ) -> bool {
        let Some(stack) = self.stacks.get_mut(key) else {
            return false;
        };
        let before = stack.layers.len();
        stack.layers.retain(|l| l.id != id);
        let removed = stack.layers.len() < before;
        if stack.layers.is_empty() {
            self.stacks.remove(key);
        } else if removed {
            replay(stack, confirmed, &apply);
        }
        removed
    }

    /// The confirmed value of `key` changed underneath its layers (a refetch, a success of
    /// another mutation): replays them over it.
    pub fn rebase<E>(
        &mut self,
        key: &str,
        confirmed: Option<&V>,
        apply: impl Fn(&L, Option<&V>) -> Result<V, E>,
    ) {
        if let Some(stack) = self.stacks.get_mut(key) {
            for layer in &mut stack.layers {
                layer.applies = true;
            }
            replay(stack, confirmed, &apply);
        }
    }

    /// The value `key` shows while it has layers; `None` when it has none (show the confirmed
    /// value) or when no layer could be applied.
    pub fn visible(&self, key: &str) -> Option<&V> {
        self.stacks.get(key)?.visible.as_ref()
    }

    /// Whether `key` has pending layers.
    pub fn has_layers(&self, key: &str) -> bool {
        self.stacks.contains_key(key)
    }

    /// Number of pending layers of `key`.
    pub fn pending(&self, key: &str) -> usize {
        self.stacks.get(key).map_or(0, |s| s.layers.len())
    }

    /// Drops every layer (a scope change or `clear`).
    pub fn clear(&mut self) {
        self.stacks.clear();
    }
}

/// Recomputes what a stack shows: its layers in order over `confirmed`, skipping any that fail.
fn replay<V, L, E>(
    stack: &mut Stack<V, L>,
    confirmed: Option<&V>,
    apply: &impl Fn(&L, Option<&V>) -> Result<V, E>,
) {
    let mut visible: Option<V> = None;
    for layer in stack.layers.iter_mut().filter(|l| l.applies) {
        match apply(&layer.layer, visible.as_ref().or(confirmed)) {
            Ok(v) => visible = Some(v),
            Err(_) => layer.applies = false,
        }
    }
    stack.visible = visible;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Appends a digit: not commutative, so any reordering of layers shows.
    fn digit(d: &i64, base: Option<&i64>) -> Result<i64, &'static str> {
        if *d < 0 {
            return Err("throws");
        }
        Ok(base.copied().unwrap_or(0) * 10 + d)
    }

    #[test]
    fn a_failed_middle_layer_is_removed_and_the_upper_ones_replayed() {
        let mut o = Overlays::default();
        let a = o.push("k", 1, Some(&0), digit).unwrap();
        let b = o.push("k", 2, Some(&0), digit).unwrap();
        o.push("k", 3, Some(&0), digit).unwrap();
        assert_eq!(o.visible("k"), Some(&123));
        assert!(o.remove("k", b, Some(&0), digit));
        assert_eq!(o.visible("k"), Some(&13));
        assert!(
            !o.remove("k", b, Some(&0), digit),
            "removing twice is harmless"
        );
        // a succeeds: the server's value (say 7) is now confirmed underneath.
        o.remove("k", a, Some(&7), digit);
        assert_eq!(o.visible("k"), Some(&73));
    }

    #[test]
    fn a_refetch_applies_underneath_pending_layers() {
        let mut o = Overlays::default();
        o.push("k", 5, Some(&1), digit).unwrap();
        o.rebase("k", Some(&9), digit);
        assert_eq!(o.visible("k"), Some(&95));
    }

    #[test]
    fn a_throwing_layer_is_not_added() {
        let mut o = Overlays::default();
        assert_eq!(o.push("k", -1, Some(&1), digit), Err("throws"));
        assert!(!o.has_layers("k"));
    }

    #[test]
    fn the_last_layer_leaving_shows_the_confirmed_value_again() {
        let mut o = Overlays::default();
        let a = o.push("k", 1, None, digit).unwrap();
        assert_eq!(o.pending("k"), 1);
        o.remove("k", a, Some(&4), digit);
        assert_eq!(o.visible("k"), None);
        assert_eq!(o.pending("k"), 0);
    }

    #[test]
    fn keys_are_independent() {
        let mut o = Overlays::default();
        o.push("a", 1, Some(&0), digit).unwrap();
        let b = o.push("b", 2, Some(&0), digit).unwrap();
        o.remove("b", b, Some(&0), digit);
        assert_eq!(o.visible("a"), Some(&1));
        assert_eq!(o.visible("b"), None);
    }
}
