//! What an invalidation names, and the log that fences requests already in flight.

use super::page_type::PageTypeId;
use super::Millis;

/// What one invalidation names.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Target {
    /// One request key.
    Key(Box<str>),
    /// Every entry.
    All,
    /// Every entry of a page type (`X-Cache-Invalidate`).
    PageType(PageTypeId),
    /// Entries carrying this tag (`X-Cache-Invalidate-Keys: scene:abc`).
    Tag(Box<str>),
    /// Entries carrying a tag that starts with this (`story:42:*` is stored as `story:42:`).
    TagPrefix(Box<str>),
    /// Entries whose request key starts with this (`/studio/api/scenes`).
    PathPrefix(Box<str>),
}

/// What a target is matched against: an entry, or the response of a request in flight. Its
/// tags are strings of any owner: the cache's are shared (`Rc<str>`), a stored record's are not.
#[derive(Debug)]
pub struct Subject<'a, T = Box<str>> {
    /// The request key.
    pub key: &'a str,
    /// Its page type.
    pub page_type: PageTypeId,
    /// Its tags.
    pub tags: &'a [T],
    /// When the server produced its data (response `Date`, else the request start).
    pub server_time: Millis,
}

// Not derived: a derive would ask `T: Copy`, and only a slice of `T` is held.
impl<T> Clone for Subject<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Subject<'_, T> {}

impl Target {
    /// Whether this target names `subject` (timestamps aside; see [`Fence::matches`]).
    pub fn matches<T: AsRef<str>>(&self, subject: Subject<'_, T>) -> bool {
        match self {
            Target::Key(key) => **key == *subject.key,
            Target::All => true,
            Target::PageType(id) => *id == subject.page_type,
            Target::Tag(tag) => subject.tags.iter().any(|t| t.as_ref() == &**tag),
            Target::TagPrefix(prefix) => subject
                .tags
                .iter()
                .any(|t| t.as_ref().starts_with(&**prefix)),
            Target::PathPrefix(prefix) => subject.key.starts_with(&**prefix),
        }
    }
}

/// One invalidation as the fence log keeps it: what it named, and the server time of the change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fence {
    /// What it named.
    pub targets: Vec<Target>,
    /// Data the server produced after this time is newer than the change and is kept; `None`
    /// means the change is as recent as anything (every match is invalidated).
    pub not_after: Option<Millis>,
}

impl Fence {
    /// A fence over one target with no timestamp.
    pub fn of(target: Target) -> Self {
        Fence {
            targets: vec![target],
            not_after: None,
        }
    }

    /// Whether this invalidation applies to `subject`: a target names it and its data is not
    /// newer than the change.
    pub fn matches<T: AsRef<str>>(&self, subject: Subject<'_, T>) -> bool {
        predates(subject.server_time, self.not_after)
            && self.targets.iter().any(|t| t.matches(subject))
    }
}

/// Whether data produced at `server_time` predates a change at `not_after` (and so is
/// invalidated by it). Equal times count as older: a `Date` has whole seconds only.
pub fn predates(server_time: Millis, not_after: Option<Millis>) -> bool {
    not_after.is_none_or(|at| server_time <= at)
}

/// Invalidations applied while requests were in flight, kept until no request older than
/// them is left, so that a response that started before an invalidation is not stored as fresh.
#[derive(Debug, Default)]
pub struct FenceLog {
    entries: Vec<(u64, Fence)>,
}

impl FenceLog {
    /// Records an invalidation applied at sequence number `seq`.
    pub fn record(&mut self, seq: u64, fence: Fence) {
        self.entries.push((seq, fence));
    }

    /// Whether an invalidation after `since` names `subject`.
    pub fn invalidated_since<T: AsRef<str>>(&self, since: u64, subject: Subject<'_, T>) -> bool {
        self.entries
            .iter()
            .any(|(seq, fence)| *seq > since && fence.matches(subject))
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
            server_time: 100,
        }
    }

    #[test]
    fn only_later_invalidations_fence() {
        let mut log = FenceLog::default();
        log.record(5, Fence::of(Target::Key("/a".into())));
        assert!(log.invalidated_since(4, subject("/a")));
        assert!(!log.invalidated_since(5, subject("/a")));
        assert!(!log.invalidated_since(4, subject("/b")));
        log.record(7, Fence::of(Target::All));
        assert!(log.invalidated_since(6, subject("/b")));
    }

    #[test]
    fn pruning_keeps_what_in_flight_requests_need() {
        let mut log = FenceLog::default();
        log.record(2, Fence::of(Target::All));
        log.record(9, Fence::of(Target::All));
        log.prune(Some(5));
        assert_eq!(log.len(), 1);
        log.prune(None);
        assert!(log.is_empty());
    }

    #[test]
    fn every_target_form_matches_its_subjects() {
        let tags: Vec<Box<str>> = vec!["story:42:ch".into(), "scene:abc".into()];
        let s = Subject {
            key: "/studio/api/scenes/abc?x=1",
            page_type: PageTypeId::WRITING,
            tags: &tags,
            server_time: 100,
        };
        assert!(Target::PageType(PageTypeId::WRITING).matches(s));
        assert!(!Target::PageType(PageTypeId::READING).matches(s));
        assert!(Target::Tag("scene:abc".into()).matches(s));
        assert!(!Target::Tag("scene:ab".into()).matches(s));
        assert!(Target::TagPrefix("story:42:".into()).matches(s));
        assert!(!Target::TagPrefix("story:4:".into()).matches(s));
        assert!(Target::PathPrefix("/studio/api/scenes".into()).matches(s));
        assert!(!Target::PathPrefix("/novels".into()).matches(s));
    }

    #[test]
    fn data_newer_than_the_change_is_kept() {
        let fence = Fence {
            targets: vec![Target::All],
            not_after: Some(100),
        };
        let mut s = subject("/a");
        assert!(fence.matches(s), "equal times count as older");
        s.server_time = 101;
        assert!(!fence.matches(s));
        assert!(Fence::of(Target::All).matches(s));
    }
}
