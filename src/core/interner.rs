//! Key interning: each request key gets a small integer id once, so that hot reads cross the
//! JS/wasm boundary with a number instead of a string (SPEC §10: passing a 25-character string
//! costs about as much as the whole lookup it is for).

use std::rc::Rc;

use super::StrSet;

/// Request keys by id and ids by key. Ids are dense and stable until [`KeyInterner::clear`].
#[derive(Debug, Default)]
pub struct KeyInterner {
    /// Each key string is shared by the two.
    keys: Vec<Rc<str>>,
    ids: StrSet,
}

impl KeyInterner {
    /// The id of `key`, assigned on first sight; `None` once `u32` ids run out.
    ///
    /// ```
    /// use freshet::core::interner::KeyInterner;
    /// let mut interner = KeyInterner::default();
    /// let id = interner.intern("/a").unwrap();
    /// assert_eq!(interner.intern("/a"), Some(id));
    /// assert_eq!(interner.resolve(id), Some("/a"));
    /// ```
    pub fn intern(&mut self, key: &str) -> Option<u32> {
        if let Some(id) = self.ids.get(key) {
            return Some(*id);
        }
        let id = u32::try_from(self.keys.len()).ok()?;
        let key: Rc<str> = Rc::from(key);
        self.keys.push(Rc::clone(&key));
        self.ids.insert(key, id);
        Some(id)
    }

    /// The key of `id`, if it was assigned since the last clear.
    pub fn resolve(&self, id: u32) -> Option<&str> {
        self.keys.get(usize::try_from(id).ok()?).map(|k| &**k)
    }

    /// Forgets every id (the caller forgets its copies at the same time).
    pub fn clear(&mut self) {
        self.keys.clear();
        self.ids.clear();
    }

    /// Number of keys interned.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether nothing is interned.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_dense_stable_and_cleared_together() {
        let mut i = KeyInterner::default();
        assert_eq!(i.intern("/a"), Some(0));
        assert_eq!(i.intern("/b"), Some(1));
        assert_eq!(i.intern("/a"), Some(0));
        assert_eq!(i.resolve(2), None);
        i.clear();
        assert!(i.is_empty());
        assert_eq!(i.resolve(0), None);
        assert_eq!(i.intern("/b"), Some(0));
    }
}
