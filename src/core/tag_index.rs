//! Which keys carry a tag, found without scanning the cache: a tag's keys are a hash lookup (the
//! cost follows what matches). A `story:42:*` tag pattern scans the distinct tags: rarer, and an
//! ordered map for it would cost kilobytes of wasm per instantiation (SPEC §10). Keys, page
//! types and paths are not indexed here: the memory tier's own map answers them (a key is a
//! lookup there, a path prefix a scan) and whole page types are invalidated by the cache's group
//! marks, so a second map of every key would only cost memory.
//!
//! Memory matters here (SPEC §10: ≤ 256 bytes of bookkeeping per entry). Key strings are the
//! memory tier's and tag strings are the entries' (both `Rc<str>`, shared, never copied). Most
//! tags name one entry (`scene:{id}`), so a tag's keys are held inline until a second key shares
//! the tag, then as a short list, and as a map only past eight keys.

use std::rc::Rc;

use super::invalidation::Target;
use super::StrSet;

/// A tag's keys past [`FEW`] of them: a [`StrSet`] (the `u32` unused), like most maps of the
/// crate: one hash map instantiation in the wasm for all of them (SPEC §10).
type KeyMap = StrSet;

/// Most keys a tag holds as a plain list: a list this short is searched about as fast as a map
/// is hashed, in a fraction of its bytes (a map keeps up to half its slots empty).
const FEW: usize = 8;

/// The keys carrying one tag: one inline, a few in a list, more in a map. A list holds two keys
/// or more; a map more than `FEW / 2` (it becomes a list again at that size, not at once below
/// `FEW`, so that a set at the boundary does not change form on every insert and removal).
#[derive(Debug)]
enum KeySet {
    One(Rc<str>),
    Few(Box<[Rc<str>]>),
    /// Boxed: a map is four words, the other forms two (every tag's place in
    /// [`TagIndex::sets`] is as large as its largest form).
    Many(Box<KeyMap>),
}

impl KeySet {
    fn insert(&mut self, key: &Rc<str>) {
        match self {
            KeySet::One(only) if **only == **key => {}
            KeySet::One(only) => *self = KeySet::Few(Box::from([Rc::clone(only), Rc::clone(key)])),
            KeySet::Few(list) if list.iter().any(|k| **k == **key) => {}
            KeySet::Few(list) if list.len() < FEW => {
                let mut grown = Vec::with_capacity(list.len() + 1);
                grown.extend(std::mem::take(list).into_vec());
                grown.push(Rc::clone(key));
                *list = grown.into_boxed_slice();
            }
            KeySet::Few(list) => {
                let mut set = KeyMap::default();
                set.reserve(list.len() + 1);
                for k in std::mem::take(list).into_vec() {
                    set.insert(k, 0);
                }
                set.insert(Rc::clone(key), 0);
                *self = KeySet::Many(Box::new(set));
            }
            KeySet::Many(set) => {
                set.insert(Rc::clone(key), 0);
            }
        }
    }

    /// Removes `key`; true when the set is empty afterwards.
    fn remove(&mut self, key: &str) -> bool {
        match self {
            KeySet::One(only) => &**only == key,
            KeySet::Few(list) => {
                if let Some(at) = list.iter().position(|k| &**k == key) {
                    let mut kept = std::mem::take(list).into_vec();
                    kept.swap_remove(at);
                    *self = match <[Rc<str>; 1]>::try_from(kept) {
                        Ok([last]) => KeySet::One(last),
                        Err(kept) => KeySet::Few(kept.into_boxed_slice()),
                    };
                }
                self.len() == 0
            }
            KeySet::Many(set) => {
                set.remove(key);
                if set.len() <= FEW / 2 {
                    let list: Box<[Rc<str>]> = set.drain().map(|(k, _)| k).collect();
                    *self = KeySet::Few(list);
                }
                self.len() == 0
            }
        }
    }

    fn for_each(&self, f: &mut impl FnMut(&Rc<str>)) {
        match self {
            KeySet::One(only) => f(only),
            KeySet::Few(list) => list.iter().for_each(f),
            KeySet::Many(set) => set.keys().for_each(f),
        }
    }

    fn len(&self) -> usize {
        match self {
            KeySet::One(_) => 1,
            KeySet::Few(list) => list.len(),
            KeySet::Many(set) => set.len(),
        }
    }

    fn contains(&self, key: &str) -> bool {
        match self {
            KeySet::One(only) => &**only == key,
            KeySet::Few(list) => list.iter().any(|k| &**k == key),
            KeySet::Many(set) => set.contains_key(key),
        }
    }
}

/// The keys of each tag over the entries of one memory tier; the cache updates it on every
/// insert, replacement and removal.
#[derive(Debug, Default)]
pub struct TagIndex {
    /// Each tag's place in `sets`: a [`StrSet`], the map type of the crate's key sets and
    /// counters, rather than a map type of its own (SPEC §10).
    tags: StrSet,
    /// The keys of each tag by place; places emptied by a removal are listed in `free`.
    sets: Vec<KeySet>,
    free: Vec<u32>,
}

impl TagIndex {
    /// The index's string for `tag`, if some key carries it: an entry stores this one rather
    /// than a copy.
    pub fn shared_tag(&self, tag: &str) -> Option<&Rc<str>> {
        self.tags.get_key_value(tag).map(|(shared, _)| shared)
    }

    /// Indexes `key` under `tags` (replacing nothing: remove the old entry's tags first). The
    /// index holds these strings rather than copies.
    pub fn insert(&mut self, key: &Rc<str>, tags: &[Rc<str>]) {
        for tag in tags {
            let place = self.tags.get(&**tag).copied();
            match place.and_then(|at| self.set_mut(at)) {
                Some(set) => set.insert(key),
                None => self.add_tag(tag, KeySet::One(Rc::clone(key))),
            }
        }
    }

    fn set_mut(&mut self, at: u32) -> Option<&mut KeySet> {
        self.sets.get_mut(usize::try_from(at).ok()?)
    }

    fn set(&self, at: u32) -> Option<&KeySet> {
        self.sets.get(usize::try_from(at).ok()?)
    }

    /// Gives `tag` a place holding `set`, reusing a freed one if any.
    fn add_tag(&mut self, tag: &Rc<str>, set: KeySet) {
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
        self.tags.insert(Rc::clone(tag), at);
    }

    /// Removes `key`, indexed with these tags.
    pub fn remove(&mut self, key: &str, tags: &[Rc<str>]) {
        for tag in tags {
            let Some(&at) = self.tags.get(&**tag) else {
                continue;
            };
            if let Some(set) = self.set_mut(at) {
                if set.remove(key) {
                    // Emptied: the key strings it held go now, the place is reused later.
                    *set = KeySet::Few(Box::default());
                    self.tags.remove(&**tag);
                    self.free.push(at);
                }
            }
        }
    }

    /// Forgets everything.
    pub fn clear(&mut self) {
        *self = TagIndex::default();
    }

    /// Number of distinct tags indexed.
    pub fn len(&self) -> usize {
        self.tags.len()
    }

    /// Whether nothing is indexed.
    pub fn is_empty(&self) -> bool {
        self.tags.is_empty()
    }

    /// Whether `key` is indexed under `tag`.
    pub fn contains(&self, tag: &str, key: &str) -> bool {
        self.keys_of(tag).is_some_and(|set| set.contains(key))
    }

    /// Number of (tag, key) pairs indexed.
    pub fn pairs(&self) -> usize {
        self.tags
            .values()
            .filter_map(|&at| self.set(at))
            .map(KeySet::len)
            .sum()
    }

    fn keys_of(&self, tag: &str) -> Option<&KeySet> {
        self.tags.get(tag).and_then(|&at| self.set(at))
    }

    /// Calls `f` with each key a [`Target::Tag`] or [`Target::TagPrefix`] names: a tag in time
    /// proportional to what it names, a prefix by a scan of the distinct tags (a key may then be
    /// passed more than once). Other targets name nothing here (see the module's comment).
    pub fn for_each_match(&self, target: &Target, mut f: impl FnMut(&Rc<str>)) {
        match target {
            Target::Tag(tag) => {
                if let Some(set) = self.keys_of(tag) {
                    set.for_each(&mut f);
                }
            }
            Target::TagPrefix(prefix) => self
                .tags
                .iter()
                .filter(|(tag, _)| tag.starts_with(&**prefix))
                .filter_map(|(_, &at)| self.set(at))
                .for_each(|set| set.for_each(&mut f)),
            Target::Key(_) | Target::All | Target::PageType(_) | Target::PathPrefix(_) => {}
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

    fn tags(list: &[&str]) -> Vec<Rc<str>> {
        list.iter().map(|t| Rc::from(*t)).collect()
    }

    fn names(keys: Vec<Rc<str>>) -> Vec<String> {
        keys.iter().map(|k| k.to_string()).collect()
    }

    #[test]
    fn tags_and_tag_prefixes() {
        let mut ix = TagIndex::default();
        ix.insert(&"/s/1".into(), &tags(&["scene:1", "story:42:ch"]));
        ix.insert(&"/s/2".into(), &tags(&["scene:2", "story:42"]));
        ix.insert(&"/t/3".into(), &tags(&["story:420"]));
        let m = |t: Target| names(ix.matching(&t));
        assert_eq!(m(Target::Tag("scene:1".into())), ["/s/1"]);
        assert_eq!(m(Target::TagPrefix("story:42:".into())), ["/s/1"]);
        assert_eq!(
            m(Target::TagPrefix("story:42".into())),
            ["/s/1", "/s/2", "/t/3"]
        );
        assert!(m(Target::PathPrefix("/s/".into())).is_empty());
        assert!(m(Target::All).is_empty());
        assert_eq!(ix.pairs(), 5);
        ix.remove("/s/1", &tags(&["scene:1", "story:42:ch"]));
        assert!(ix.matching(&Target::Tag("scene:1".into())).is_empty());
        assert_eq!(ix.tags.len(), 3, "empty tag sets are dropped");
        assert_eq!(ix.free.len(), 2, "and their places are free for reuse");
        ix.insert(&"/s/4".into(), &tags(&["scene:4"]));
        assert_eq!((ix.sets.len(), ix.free.len()), (5, 1));
        assert_eq!(names(ix.matching(&Target::Tag("scene:4".into()))), ["/s/4"]);
        assert!(ix.contains("scene:4", "/s/4") && !ix.contains("scene:4", "/s/2"));
        ix.clear();
        assert!(ix.is_empty());
    }

    #[test]
    fn strings_are_shared_not_copied() {
        let mut ix = TagIndex::default();
        let key: Rc<str> = "/a".into();
        let tag: Rc<str> = "t".into();
        ix.insert(&key, std::slice::from_ref(&tag));
        assert!(ix.shared_tag("t").is_some_and(|t| Rc::ptr_eq(t, &tag)));
        assert_eq!((Rc::strong_count(&key), Rc::strong_count(&tag)), (2, 2));
        ix.remove("/a", std::slice::from_ref(&tag));
        assert_eq!((Rc::strong_count(&key), Rc::strong_count(&tag)), (1, 1));
        assert!(ix.shared_tag("t").is_none());
    }

    #[test]
    fn a_set_changes_form_with_its_size_and_keeps_its_keys() {
        let mut ix = TagIndex::default();
        let tag = tags(&["t"]);
        let keys: Vec<Rc<str>> = (0..3 * FEW).map(|i| Rc::from(format!("/k{i}"))).collect();
        let form = |ix: &TagIndex| match ix.keys_of("t") {
            Some(KeySet::One(_)) => "one",
            Some(KeySet::Few(_)) => "few",
            Some(KeySet::Many(_)) => "many",
            None => "none",
        };
        let mut forms = Vec::new();
        for (n, key) in keys.iter().enumerate() {
            ix.insert(key, &tag);
            ix.insert(key, &tag);
            forms.push(form(&ix));
            assert_eq!(ix.matching(&Target::Tag("t".into())).len(), n + 1);
        }
        assert_eq!(forms[0], "one");
        assert_eq!(forms[FEW - 1], "few");
        assert_eq!(forms[FEW], "many");
        forms.clear();
        for (n, key) in keys.iter().enumerate() {
            ix.remove(key, &tag);
            ix.remove(key, &tag);
            forms.push(form(&ix));
            let left = ix.matching(&Target::Tag("t".into()));
            assert_eq!(left.len(), keys.len() - n - 1);
            assert!(keys[n + 1..].iter().all(|k| left.contains(k)));
        }
        let last = keys.len() - 1;
        assert_eq!(forms[last - FEW / 2 - 1], "many");
        assert_eq!(forms[last - FEW / 2], "few");
        assert_eq!(forms[last - 1], "one");
        assert_eq!(forms[last], "none");
        assert!(ix.is_empty());
    }
}
