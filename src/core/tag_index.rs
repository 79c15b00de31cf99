//! Which keys an invalidation names, found without scanning the cache: tag → keys in an ordered
//! map (so a `story:42:*` pattern is a range scan), and the sorted keys themselves with their
//! page types (so a `/path` prefix is a range scan too). Each key string is shared by the sets.
//!
//! Memory matters here (SPEC §10: ≤ 256 bytes of bookkeeping per entry): most tags name one
//! entry (`scene:{id}`), so a tag's keys are held inline until a second key shares the tag, and
//! page types have no sets of their own (whole page types are invalidated by the cache's
//! group marks, so a page-type lookup here is a scan, kept for completeness).

use std::collections::{BTreeMap, HashSet};
use std::hash::BuildHasherDefault;
use std::ops::Bound;
use std::rc::Rc;

use rustc_hash::FxHasher;

use super::invalidation::Target;
use super::page_type::PageTypeId;

type ManyKeys = HashSet<Rc<str>, BuildHasherDefault<FxHasher>>;

/// The keys carrying one tag: one inline, more in a set.
#[derive(Debug)]
enum KeySet {
    One(Rc<str>),
    Many(ManyKeys),
}

impl KeySet {
    fn insert(&mut self, key: Rc<str>) {
        match self {
            KeySet::One(only) if *only == key => {}
            KeySet::One(only) => {
                let mut set = ManyKeys::default();
                set.insert(Rc::clone(only));
                set.insert(key);
                *self = KeySet::Many(set);
            }
            KeySet::Many(set) => {
                set.insert(key);
            }
        }
    }

    /// Removes `key`; true when the set is empty afterwards.
    fn remove(&mut self, key: &str) -> bool {
        match self {
            KeySet::One(only) => &**only == key,
            KeySet::Many(set) => {
                set.remove(key);
                if set.len() == 1 {
                    if let Some(last) = set.iter().next().cloned() {
                        *self = KeySet::One(last);
                    }
                }
                set_is_empty(self)
            }
        }
    }

    fn for_each(&self, f: &mut impl FnMut(&Rc<str>)) {
        match self {
            KeySet::One(only) => f(only),
            KeySet::Many(set) => set.iter().for_each(f),
        }
    }
}

fn set_is_empty(set: &KeySet) -> bool {
    matches!(set, KeySet::Many(s) if s.is_empty())
}

/// The index over the entries of one memory tier; the cache updates it on every insert,
/// replacement and removal.
#[derive(Debug, Default)]
pub struct TagIndex {
    by_tag: BTreeMap<Box<str>, KeySet>,
    keys: BTreeMap<Rc<str>, PageTypeId>,
}

impl TagIndex {
    /// Indexes `key` under its page type and tags (replacing nothing: remove the old entry's
    /// tags first).
    pub fn insert(&mut self, key: &str, page_type: PageTypeId, tags: &[Box<str>]) {
        let key: Rc<str> = match self.keys.get_key_value(key) {
            Some((shared, _)) => Rc::clone(shared),
            None => Rc::from(key),
        };
        for tag in tags {
            match self.by_tag.get_mut(&**tag) {
                Some(set) => set.insert(Rc::clone(&key)),
                None => {
                    self.by_tag
                        .insert(tag.clone(), KeySet::One(Rc::clone(&key)));
                }
            }
        }
        self.keys.insert(key, page_type);
    }

    /// Removes `key`, indexed with these tags.
    pub fn remove(&mut self, key: &str, _page_type: PageTypeId, tags: &[Box<str>]) {
        for tag in tags {
            if let Some(set) = self.by_tag.get_mut(&**tag) {
                if set.remove(key) {
                    self.by_tag.remove(&**tag);
                }
            }
        }
        self.keys.remove(key);
    }

    /// Forgets everything.
    pub fn clear(&mut self) {
        *self = TagIndex::default();
    }

    /// Number of keys indexed.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether nothing is indexed.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Calls `f` with each key `target` names, in time proportional to what it names (plus a
    /// logarithmic seek); a page type is a scan of every key. A key may be passed more than
    /// once for a prefix target.
    pub fn for_each_match(&self, target: &Target, mut f: impl FnMut(&Rc<str>)) {
        match target {
            Target::Key(key) => {
                if let Some((k, _)) = self.keys.get_key_value(&**key) {
                    f(k);
                }
            }
            Target::All => self.keys.keys().for_each(f),
            Target::PageType(id) => self
                .keys
                .iter()
                .filter(|(_, page_type)| *page_type == id)
                .for_each(|(k, _)| f(k)),
            Target::Tag(tag) => {
                if let Some(set) = self.by_tag.get(&**tag) {
                    set.for_each(&mut f);
                }
            }
            Target::TagPrefix(prefix) => {
                let from: &str = prefix;
                for (_, set) in self
                    .by_tag
                    .range::<str, _>((Bound::Included(from), Bound::Unbounded))
                    .take_while(|(tag, _)| tag.starts_with(from))
                {
                    set.for_each(&mut f);
                }
            }
            Target::PathPrefix(prefix) => {
                let from: &str = prefix;
                self.keys
                    .range::<str, _>((Bound::Included(from), Bound::Unbounded))
                    .take_while(|(k, _)| k.starts_with(from))
                    .for_each(|(k, _)| f(k));
            }
        }
    }

    /// The keys `target` names, sorted and deduplicated.
    pub fn matching(&self, target: &Target) -> Vec<Rc<str>> {
        let mut out = Vec::new();
        self.for_each_match(target, |k| out.push(Rc::clone(k)));
        crate::core::sort::sort(&mut out);
        out.dedup();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(list: &[&str]) -> Vec<Box<str>> {
        list.iter().map(|t| Box::from(*t)).collect()
    }

    fn names(keys: Vec<Rc<str>>) -> Vec<String> {
        keys.iter().map(|k| k.to_string()).collect()
    }

    #[test]
    fn tags_prefixes_page_types_and_paths() {
        let mut ix = TagIndex::default();
        ix.insert(
            "/s/1",
            PageTypeId::WRITING,
            &tags(&["scene:1", "story:42:ch"]),
        );
        ix.insert("/s/2", PageTypeId::READING, &tags(&["scene:2", "story:42"]));
        ix.insert("/t/3", PageTypeId::WRITING, &tags(&["story:420"]));
        let m = |t: Target| names(ix.matching(&t));
        assert_eq!(m(Target::Tag("scene:1".into())), ["/s/1"]);
        assert_eq!(m(Target::TagPrefix("story:42:".into())), ["/s/1"]);
        assert_eq!(
            m(Target::TagPrefix("story:42".into())),
            ["/s/1", "/s/2", "/t/3"]
        );
        assert_eq!(m(Target::PageType(PageTypeId::WRITING)), ["/s/1", "/t/3"]);
        assert_eq!(m(Target::PathPrefix("/s/".into())), ["/s/1", "/s/2"]);
        assert_eq!(m(Target::Key("/t/3".into())), ["/t/3"]);
        assert_eq!(m(Target::All).len(), 3);
        ix.remove(
            "/s/1",
            PageTypeId::WRITING,
            &tags(&["scene:1", "story:42:ch"]),
        );
        assert!(ix.matching(&Target::Tag("scene:1".into())).is_empty());
        assert_eq!(ix.by_tag.len(), 3, "empty tag sets are dropped");
        ix.clear();
        assert!(ix.is_empty());
    }
}
