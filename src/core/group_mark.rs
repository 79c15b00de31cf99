//! A page type's shared invalidation mark, so that invalidating a whole page type costs O(1)
//! instead of a pass over its entries: every entry holds its page type's mark, and counts as
//! invalidated when its data is older than a mark (by sequence number) and not newer than the
//! change (by server time).

use std::cell::RefCell;
use std::rc::Rc;

use super::entry::Invalidation;
use super::invalidation::predates;
use super::Millis;

/// Marks kept per page type; beyond this the two oldest are merged (wider, never narrower).
const MAX_MARKS: usize = 4;

#[derive(Debug, Clone)]
struct Mark {
    seq: u64,
    not_after: Option<Millis>,
    cause: Rc<Invalidation>,
}

/// The marks of one page type.
#[derive(Debug, Default)]
pub struct GroupMark {
    marks: RefCell<Vec<Mark>>,
}

impl GroupMark {
    /// Records an invalidation of the whole page type at sequence number `seq` (later than
    /// every entry it names), keeping data the server produced after `not_after`.
    pub fn mark(&self, seq: u64, not_after: Option<Millis>, cause: &Rc<Invalidation>) {
        let Ok(mut marks) = self.marks.try_borrow_mut() else {
            return;
        };
        marks.push(Mark {
            seq,
            not_after,
            cause: Rc::clone(cause),
        });
        if marks.len() > MAX_MARKS {
            // Merge the two oldest into one at the later seq with the later not_after (or none):
            // it names everything either named, and possibly more, which only costs a refetch.
            let second = marks.remove(1);
            if let Some(first) = marks.first_mut() {
                first.seq = second.seq;
                first.not_after = match (first.not_after, second.not_after) {
                    (Some(a), Some(b)) => Some(a.max(b)),
                    _ => None,
                };
                first.cause = second.cause;
            }
        }
    }

    /// The invalidation that covers data from request (or write) `source_seq`, produced by the
    /// server at `server_time`, if any.
    pub fn covering(&self, source_seq: u64, server_time: Millis) -> Option<Rc<Invalidation>> {
        let marks = self.marks.try_borrow().ok()?;
        marks
            .iter()
            .rev()
            .find(|m| source_seq < m.seq && predates(server_time, m.not_after))
            .map(|m| Rc::clone(&m.cause))
    }

    /// Whether data from `source_seq` at `server_time` is covered by a mark.
    pub fn covers(&self, source_seq: u64, server_time: Millis) -> bool {
        match self.marks.try_borrow() {
            Ok(marks) => marks
                .iter()
                .any(|m| source_seq < m.seq && predates(server_time, m.not_after)),
            // Only while `mark` runs, which calls nothing back; never narrower if it did.
            Err(_) => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::entry::InvalidationSource;

    fn cause() -> Rc<Invalidation> {
        Rc::new(Invalidation {
            source: InvalidationSource::Api,
            at: 0,
        })
    }

    #[test]
    fn marks_cover_older_data_not_newer_than_the_change() {
        let g = GroupMark::default();
        assert!(!g.covers(1, 0));
        g.mark(10, Some(500), &cause());
        assert!(g.covers(9, 500));
        assert!(!g.covers(9, 501), "produced after the change");
        assert!(!g.covers(11, 0), "stored after the mark");
        g.mark(20, None, &cause());
        assert!(g.covers(15, 10_000));
        assert!(g.covering(15, 0).is_some());
    }

    #[test]
    fn merging_is_never_narrower() {
        let g = GroupMark::default();
        for i in 1..=10u64 {
            g.mark(i * 10, Some(i * 100), &cause());
        }
        // Everything any single mark named is still named.
        for i in 1..=10u64 {
            for seq in 0..i * 10 {
                assert!(g.covers(seq, i * 100), "seq {seq} time {}", i * 100);
            }
        }
    }
}
