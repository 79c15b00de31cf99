//! What an invalidation names, and the log that fences requests already in flight.

use super::page_type::PageTypeId;

/// What one invalidation names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// One request key.
    Key(Box<str>),
    /// Every entry.
    All,
}

/// What a target is matched against: an entry, or the response of a request in flight.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    /// The request key.
    pub key: &'a str,
    /// Its page type.
    pub page_type: PageTypeId,
    /// Its tags.
    pub tags: &'a [Box<str>],
}

impl Target {
    /// Whether this target names `subject`.
    pub fn matches(&self, subject: Subject<'_>) -> bool {
        match self {
            Target::Key(key) => **key == *subject.key,
            Target::All => true,
        }
    }
}

/// Invalidations applied while requests were in flight, kept until no request older than
/// them is left, so that a response that started before an invalidation is not stored as fresh.
#[derive(Debug, Default)]
pub struct FenceLog {
    entries: Vec<(u64, Target)>,
}

impl FenceLog {
    /// Records an invalidation applied at sequence number `seq`.
    pub fn record(&mut self, seq: u64, target: Target) {
        self.entries.push((seq, target));
    }

    /// Whether an invalidation after `since` names `subject`.
    pub fn invalidated_since(&self, since: u64, subject: Subject<'_>) -> bool {
        self.entries
            .iter()
            .any(|(seq, target)| *seq > since && target.matches(subject))
    }

    /// Forgets what no request in flight can need: everything at or before `oldest_in_flight`
    /// (or everything, when nothing is in flight).
    pub fn prune(&mut self, oldest_in_flight: Option<u64>) {
        match oldest_in_flight {
            Some(oldest) => self.entries.retain(|(seq, _)| *seq > oldest),
            None => self.entries.clear(),
        }
    }

    /// Number of invalidations kept.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nothing is kept.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subject(key: &str) -> Subject<'_> {
        Subject {
            key,
            page_type: PageTypeId::BROWSE,
            tags: &[],
        }
    }

    #[test]
    fn only_later_invalidations_fence() {
        let mut log = FenceLog::default();
        log.record(5, Target::Key("/a".into()));
        assert!(log.invalidated_since(4, subject("/a")));
        assert!(!log.invalidated_since(5, subject("/a")));
        assert!(!log.invalidated_since(4, subject("/b")));
        log.record(7, Target::All);
        assert!(log.invalidated_since(6, subject("/b")));
    }

    #[test]
    fn pruning_keeps_what_in_flight_requests_need() {
        let mut log = FenceLog::default();
        log.record(2, Target::All);
        log.record(9, Target::All);
        log.prune(Some(5));
        assert_eq!(log.len(), 1);
        log.prune(None);
        assert!(log.is_empty());
    }
}
