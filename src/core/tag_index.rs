//! Which keys an invalidation names, found without scanning the cache for the common cases: a
//! tag's keys and a key are hash lookups (the cost follows what matches). A `story:42:*` tag
//! pattern or a `/path` prefix scans the distinct tags or the keys: rarer, and an ordered map
//! for them would cost kilobytes of wasm per instantiation (SPEC §10). Each key string is
//! shared by the sets.
//!
//! Memory matters here (SPEC §10: ≤ 256 bytes of bookkeeping per entry): most tags name one
//! entry (`scene:{id}`), so a tag's keys are held inline until a second key shares the tag, and
//! page types have no sets of their own (whole page types are invalidated by the cache's
//! group marks, so a page-type lookup here is a scan, kept for completeness).

use std::rc::Rc;

use super::invalidation::Target;
use super::page_type::PageTypeId;
use super::StrSet;

/// Keys and their page types (by [`code`]). A [`StrSet`], like a tag's set of keys (where the
/// page type rides along unused) and most maps of the crate: one hash map instantiation in the
/// wasm for all of them (SPEC §10).
type KeyMap = StrSet;

/// A page type as the index stores it.
fn code(page_type: PageTypeId) -> u32 {
    u32::try_from(page_type.index()).unwrap_or(u32::MAX)
}

/// The keys carrying one tag: one inline, more in a map.
#[derive(Debug)]
enum KeySet {
    One(Rc<str>),
    Many(KeyMap),
}

impl KeySet {
    fn insert(&mut self, key: Rc<str>, page_type: PageTypeId) {
        match self {
            KeySet::One(only) if *only == key => {}
            KeySet::One(only) => {
                let mut set = KeyMap::default();
                set.insert(Rc::clone(only), code(page_type));
                set.insert(key, code(page_type));
                *self = KeySet::Many(set);
            }
            KeySet::Many(set) => {
                set.insert(key, code(page_type));
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
                    if let Some(last) = set.keys().next().cloned() {
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
            KeySet::Many(set) => set.keys().for_each(f),
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
    /// Each tag's place in `sets`: a [`StrSet`], the map type of the crate's key sets and
    /// counters, rather than a map type of its own (SPEC §10).
    tags: StrSet,
    /// The keys of each tag by place; places emptied by a removal are listed in `free`.
    sets: Vec<KeySet>,
    free: Vec<u32>,
    keys: KeyMap,
}

impl TagIndex {
    /// Indexes `key` under its page type and tags (replacing nothing: remove the old entry's
    /// tags first).
    pub fn insert(&mut self, key: &str, page_type: PageTypeId, tags: &[Box<str>]) {
        let key: Rc<str> = match self.keys.get_key_value(key) {
            Some((shared, _)) => Rc::clone(shared),
            None => Rc::from(key),
        };
        self.insert_shared(key, page_type, tags);
    }

    /// [`TagIndex::insert`] of a key string shared with its owner (the memory tier), which
    /// the index then holds instead of a copy.
    pub fn insert_shared(&mut self, key: Rc<str>, page_type: PageTypeId, tags: &[Box<str>]) {
        for tag in tags {
            let place = self.tags.get(&**tag).copied();
            match place.and_then(|at| self.set_mut(at)) {
                Some(set) => set.insert(Rc::clone(&key), page_type),
                None => self.add_tag(tag, KeySet::One(Rc::clone(&key))),
            }
        }
        self.keys.insert(key, code(page_type));
    }

    fn set_mut(&mut self, at: u32) -> Option<&mut KeySet> {
        self.sets.get_mut(usize::try_from(at).ok()?)
    }

    fn set(&self, at: u32) -> Option<&KeySet> {
        self.sets.get(usize::try_from(at).ok()?)
    }

    /// Gives `tag` a place holding `set`, reusing a freed one if any.
    fn add_tag(&mut self, tag: &str, set: KeySet) {
        let at = match self.free.pop() {
            Some(at) => {
                if let Some(slot) = self.set_mut(at) {
                    *slot = set;
                }
                at
            }
            None => {
                // Over u32::MAX distinct tags memory would have run out long before.
                let Ok(at) = u32::try_from(self.sets.len()) else {
                    return;
                };
                self.sets.push(set);
                at
            }
        };
        self.tags.insert(tag.into(), at);
    }

    /// Removes `key`, indexed with these tags.
    pub fn remove(&mut self, key: &str, _page_type: PageTypeId, tags: &[Box<str>]) {
        for tag in tags {
            let Some(&at) = self.tags.get(&**tag) else {
                continue;
            };
            if let Some(set) = self.set_mut(at) {
                if set.remove(key) {
                    // Emptied: the key strings it held go now, the place is reused later.
                    *set = KeySet::Many(KeyMap::default());
                    self.tags.remove(&**tag);
                    self.free.push(at);
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

    /// Calls `f` with each key `target` names: a key or a tag in time proportional to what it
    /// names; a page type, a tag prefix or a path prefix is a scan (of the keys, or of the
    /// distinct tags). A key may be passed more than once for a tag prefix target.
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
                .filter(|(_, &page_type)| page_type == code(*id))
                .for_each(|(k, _)| f(k)),
            Target::Tag(tag) => {
                if let Some(set) = self.tags.get(&**tag).and_then(|&at| self.set(at)) {
                    set.for_each(&mut f);
                }
            }
            Target::TagPrefix(prefix) => self
                .tags
                .iter()
                .filter(|(tag, _)| tag.starts_with(&**prefix))
                .filter_map(|(_, &at)| self.set(at))
                .for_each(|set| set.for_each(&mut f)),
            Target::PathPrefix(prefix) => self
                .keys
                .keys()
                .filter(|k| k.starts_with(&**prefix))
                .for_each(f),
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
        assert_eq!(ix.tags.len(), 3, "empty tag sets are dropped");
        assert_eq!(ix.free.len(), 2, "and their places are free for reuse");
        ix.insert("/s/4", PageTypeId::WRITING, &tags(&["scene:4"]));
        assert_eq!((ix.sets.len(), ix.free.len()), (5, 1));
        assert_eq!(names(ix.matching(&Target::Tag("scene:4".into()))), ["/s/4"]);
        ix.clear();
        assert!(ix.is_empty());
    }
}
