//! Invalidation: the keys a fence names come from the tag index (so the cost follows what
//! matches, not the cache size), entries newer than the change are kept, and requests in
//! flight are fenced so their older responses are discarded.

use std::rc::Rc;

use super::{Cache, Removed};
use crate::core::entry::{Invalidation, InvalidationSource};
use crate::core::group_mark::GroupMark;
use crate::core::invalidation::{predates, Fence, Target};
use crate::core::page_type::PageTypeId;
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
        // Later than every entry's data: the page type marks below name exactly those entries.
        let seq = self.next_seq();
        let mut named: Vec<String> = Vec::new();
        for target in &fence.targets {
            if let Target::PageType(_) | Target::All = target {
                self.mark_groups(target, seq, &fence, &invalidation, spare, &mut named);
                continue;
            }
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
                            named.push(String::from(&**key));
                        }
                    }
                }
            });
            // An observed key with nothing in memory is still refetched when named.
            if let Target::Key(key) = target {
                if self.is_observed(key) && spare != Some(&**key) {
                    named.push(String::from(&**key));
                }
            }
        }
        self.fence(seq, fence);
        crate::core::sort::sort(&mut named);
        named.dedup();
        named
    }

    /// Invalidates a whole page type (or all of them) in O(1) per page type, through the marks
    /// every entry shares; only the observed keys are visited, to name them for a refetch.
    fn mark_groups(
        &mut self,
        target: &Target,
        seq: u64,
        fence: &Fence,
        invalidation: &Rc<Invalidation>,
        spare: Option<&str>,
        named: &mut Vec<String>,
    ) {
        let spared = spare.filter(|k| {
            self.memory
                .peek(k)
                .is_some_and(|e| target_names(target, e.page_type))
        });
        match target {
            Target::PageType(id) => self
                .group_mark(*id)
                .mark(seq, fence.not_after, invalidation),
            _ => self
                .groups
                .iter()
                .for_each(|g| g.mark(seq, fence.not_after, invalidation)),
        }
        // The spared entry keeps its data: it counts as stored after the mark.
        if let Some(key) = spared {
            if let Some(e) = self.memory.peek_mut(key) {
                e.source_seq = seq;
            }
        }
        for key in self.observers.keys() {
            if spare == Some(&**key) {
                continue;
            }
            let named_here = match self.memory.peek(key) {
                Some(e) => {
                    target_names(target, e.page_type) && predates(e.server_time, fence.not_after)
                }
                None => matches!(target, Target::All) && self.in_flight.contains_key(&**key),
            };
            if named_here {
                named.push(String::from(&**key));
            }
        }
    }

    /// The shared mark of a page type (made on first use).
    pub(super) fn group_mark(&mut self, id: PageTypeId) -> Rc<GroupMark> {
        let slot = id.index();
        while self.groups.len() <= slot {
            self.groups.push(Rc::default());
        }
        self.groups
            .get(slot)
            .cloned()
            .unwrap_or_else(|| Rc::new(GroupMark::default()))
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

fn target_names(target: &Target, page_type: PageTypeId) -> bool {
    match target {
        Target::PageType(id) => *id == page_type,
        _ => true,
    }
}

#[cfg(test)]
#[path = "invalidate_tests.rs"]
mod tests;
