//! Which keys an invalidation names, found without scanning the cache: tag → keys in an ordered
//! map (so a `story:42:*` pattern is a range scan), page type → keys, and the sorted keys
//! themselves (so a `/path` prefix is a range scan too). Each key string is shared by the sets.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::hash::BuildHasherDefault;
use std::ops::Bound;
use std::rc::Rc;

use rustc_hash::FxHasher;

use super::invalidation::Target;
use super::page_type::PageTypeId;

type KeySet = HashSet<Rc<str>, BuildHasherDefault<FxHasher>>;

/// The index over the entries of one memory tier; the cache updates it on every insert,
/// replacement and removal.
#[derive(Debug, Default)]
pub struct TagIndex {
    by_tag: BTreeMap<Box<str>, KeySet>,
    by_page_type: Vec<KeySet>,
    keys: BTreeSet<Rc<str>>,
}

impl TagIndex {
    /// Adds `key` with its page type and tags. A key already indexed must be removed first
    /// (with its old page type and tags).
    pub fn insert(&mut self, key: &str, page_type: PageTypeId, tags: &[Box<str>]) {
        let key: Rc<str> = Rc::from(key);
        for tag in tags {
            match self.by_tag.get_mut(&**tag) {
                Some(set) => {
                    set.insert(Rc::clone(&key));
                }
                None => {
                    let mut set = KeySet::default();
                    set.insert(Rc::clone(&key));
                    self.by_tag.insert(tag.clone(), set);
                }
            }
        }
        let slot = page_type.index();
        if self.by_page_type.len() <= slot {
            self.by_page_type.resize_with(slot + 1, KeySet::default);
        }
        if let Some(set) = self.by_page_type.get_mut(slot) {
            set.insert(Rc::clone(&key));
        }
        self.keys.insert(key);
    }

    /// Removes `key`, indexed with this page type and these tags.
    pub fn remove(&mut self, key: &str, page_type: PageTypeId, tags: &[Box<str>]) {
        for tag in tags {
            if let Some(set) = self.by_tag.get_mut(&**tag) {
                set.remove(key);
                if set.is_empty() {
                    self.by_tag.remove(&**tag);
                }
            }
        }
        if let Some(set) = self.by_page_type.get_mut(page_type.index()) {
            set.remove(key);
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
    /// logarithmic seek). A key may be passed more than once for a prefix target.
    pub fn for_each_match(&self, target: &Target, mut f: impl FnMut(&Rc<str>)) {
        match target {
            Target::Key(key) => {
                if let Some(k) = self.keys.get(&**key) {
                    f(k);
                }
            }
            Target::All => self.keys.iter().for_each(f),
            Target::PageType(id) => {
                if let Some(set) = self.by_page_type.get(id.index()) {
                    set.iter().for_each(f);
                }
            }
            Target::Tag(tag) => {
                if let Some(set) = self.by_tag.get(&**tag) {
                    set.iter().for_each(f);
                }
            }
            Target::TagPrefix(prefix) => {
                let from: &str = prefix;
                for (_, set) in self
                    .by_tag
                    .range::<str, _>((Bound::Included(from), Bound::Unbounded))
                    .take_while(|(tag, _)| tag.starts_with(from))
                {
                    set.iter().for_each(&mut f);
                }
            }
            Target::PathPrefix(prefix) => {
                let from: &str = prefix;
                self.keys
                    .range::<str, _>((Bound::Included(from), Bound::Unbounded))
                    .take_while(|k| k.starts_with(from))
                    .for_each(f);
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
