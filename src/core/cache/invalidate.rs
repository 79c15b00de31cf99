//! Invalidation: the keys a fence names come from the tag index or the memory tier's map (so
//! the cost follows what matches, not the cache size; a path prefix is a scan), entries newer than the change are kept, and requests in
//! flight are fenced so their older responses are discarded.

use std::rc::Rc;

use super::{Cache, Removed};
use crate::core::entry::{Entry, Invalidation, InvalidationSource};
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
            let mut visit = |key: &str, entry: &mut Entry<V>| {
                if spare != Some(key) && predates(entry.server_time, fence.not_after) {
                    entry.invalidate(&invalidation);
                    if observers.contains_key(key) {
                        named.push(String::from(key));
                    }
                }
            };
            // Keys and paths are the memory tier's to find; tags the index's.
            match target {
                Target::Key(key) => {
                    if let Some(entry) = memory.peek_mut(key) {
                        visit(key, entry);
                    }
                }
                Target::PathPrefix(prefix) => memory
                    .iter_mut()
                    .filter(|(key, _)| key.starts_with(&**prefix))
                    .for_each(|(key, entry)| visit(key, entry)),
                _ => self.index.for_each_match(target, |key| {
                    if let Some(entry) = memory.peek_mut(key) {
                        visit(key, entry);
                    }
                }),
            }
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
            self.index.remove(key, &entry.tags);
        }
    }

    /// Whether the tag index holds exactly the tags of the entries in memory, with the strings
    /// they hold (a check for tests; it visits every entry).
    pub fn tag_index_mirrors_memory(&self) -> bool {
        let mut pairs = 0;
        for (key, entry) in self.memory.iter() {
            for tag in entry.tags.iter() {
                let shared = self.index.shared_tag(tag);
                if !shared.is_some_and(|s| Rc::ptr_eq(s, tag)) || !self.index.contains(tag, key) {
                    return false;
                }
                pairs += 1;
            }
        }
        pairs == self.index.pairs()
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
