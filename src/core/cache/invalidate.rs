//! Invalidation: the keys a fence names come from the tag index (so the cost follows what
//! matches, not the cache size), entries newer than the change are kept, and requests in
//! flight are fenced so their older responses are discarded.

use std::rc::Rc;

use super::{Cache, Removed};
use crate::core::entry::{Invalidation, InvalidationSource};
use crate::core::invalidation::{predates, Fence, Target};
use crate::core::Millis;

impl<V> Cache<V> {
    /// Invalidates what `target` names, in memory and for requests in flight. Returns the
    /// observed keys it named: they should be refetched now; the others wait for their next read.
    pub fn invalidate(
        &mut self,
        target: Target,
        source: InvalidationSource,
        now: Millis,
    ) -> Vec<String> {
        self.apply_fence(Fence::of(target), source, now, None)
    }

    /// Invalidates every entry `fence` names whose data is not newer than the change, and
    /// fences requests in flight; `spare` (the key whose response carried the headers) is left
    /// alone. Returns the observed keys named, sorted, to refetch now.
    pub fn apply_fence(
        &mut self,
        fence: Fence,
        source: InvalidationSource,
        now: Millis,
        spare: Option<&str>,
    ) -> Vec<String> {
        let invalidation = Rc::new(Invalidation { source, at: now });
        let mut named: Vec<String> = Vec::new();
        for target in &fence.targets {
            let memory = &mut self.memory;
            let observers = &self.observers;
            self.index.for_each_match(target, |key| {
                if spare == Some(&**key) {
                    return;
                }
                if let Some(entry) = memory.peek_mut(key) {
                    if predates(entry.server_time, fence.not_after) {
                        entry.invalidate(&invalidation);
                        if observers.contains_key(&**key) {
                            named.push(key.to_string());
                        }
                    }
                }
            });
            match target {
                // An observed key with nothing in memory is still refetched when named.
                Target::Key(key) if self.is_observed(key) && spare != Some(&**key) => {
                    named.push(key.to_string());
                }
                Target::All => named.extend(
                    self.in_flight
                        .keys()
                        .filter(|k| self.observers.contains_key(*k))
                        .map(|k| k.to_string()),
                ),
                _ => {}
            }
        }
        let seq = self.next_seq();
        self.fence(seq, fence);
        named.sort_unstable();
        named.dedup();
        named
    }

    /// Keeps the tag index in step with entries that left memory.
    pub(super) fn unindex(&mut self, removed: &[Removed<V>]) {
        for (key, entry, _) in removed {
            self.index.remove(key, entry.page_type, &entry.tags);
        }
    }

    /// Number of keys in the tag index (equal to the memory tier's entries).
    pub fn indexed_len(&self) -> usize {
        self.index.len()
    }
}

#[cfg(test)]
#[path = "invalidate_tests.rs"]
mod tests;
