//! The storage tier: entries persisted in a key-value store (localStorage in the browser) behind
//! the small [`Storage`] trait, so that every decision is made and tested natively.
//!
//! [`codec`] is the record format, [`tier`] the logic (index, dirty set, budget, quota, scopes).

pub mod codec;
pub mod records;
pub mod tier;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

/// Why a storage call failed; each browser's spelling maps onto one of these.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreError {
    /// The store is full (`QuotaExceededError`, `NS_ERROR_DOM_QUOTA_REACHED`, codes 22, 1014).
    Quota,
    /// Access denied (`SecurityError`: blocked cookies, sandboxed frames, some private modes).
    Security,
    /// There is no store (no `window.localStorage`, or it is `null`).
    Unavailable,
    /// Anything else the store threw, in words.
    Other(String),
}

impl StoreError {
    /// Whether the store cannot be used at all (as opposed to one call failing).
    pub fn is_fatal(&self) -> bool {
        matches!(self, StoreError::Security | StoreError::Unavailable)
    }
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::Quota => f.write_str("storage quota exceeded"),
            StoreError::Security => f.write_str("storage access denied (SecurityError)"),
            StoreError::Unavailable => f.write_str("no storage available"),
            StoreError::Other(message) => {
                f.write_str("storage failed: ")?;
                f.write_str(message)
            }
        }
    }
}

impl std::error::Error for StoreError {}

/// A string key-value store shaped like the Web Storage API.
pub trait Storage {
    /// The value under `key`, `None` when absent.
    fn get_item(&self, key: &str) -> Result<Option<String>, StoreError>;
    /// Stores `value` under `key`.
    fn set_item(&mut self, key: &str, value: &str) -> Result<(), StoreError>;
    /// Stores a record `text` whose body starts at byte `head_len`; `native` is the caller's
    /// own copy of that body as the store holds text (a JS string for localStorage), which a
    /// store may write instead of `text`'s body to spare converting it again.
    fn set_record(
        &mut self,
        key: &str,
        text: &str,
        head_len: usize,
        native: Option<&dyn std::any::Any>,
    ) -> Result<(), StoreError> {
        let _ = (head_len, native);
        self.set_item(key, text)
    }
    /// Removes `key`; removing an absent key is not an error.
    fn remove_item(&mut self, key: &str) -> Result<(), StoreError>;
    /// Every key in the store (including other libraries' keys, which callers must leave alone).
    fn keys(&self) -> Result<Vec<String>, StoreError>;

    /// The value under `index_key` and those under `segment_prefix` followed by 0, 1, 2… up
    /// to the first missing one (at most `max`): what opening a scope reads. A store may do
    /// this in one call (the browser's crosses into JS once instead of once per key).
    fn get_index(
        &self,
        index_key: &str,
        segment_prefix: &str,
        max: u32,
    ) -> Result<(Option<String>, Vec<String>), StoreError> {
        get_index_by_key(self, index_key, segment_prefix, max)
    }
}

/// [`Storage::get_index`] one key at a time.
pub fn get_index_by_key<S: Storage + ?Sized>(
    storage: &S,
    index_key: &str,
    segment_prefix: &str,
    max: u32,
) -> Result<(Option<String>, Vec<String>), StoreError> {
    let index = storage.get_item(index_key)?;
    let mut segments = Vec::new();
    for n in 0..max {
        let mut key = String::from(segment_prefix);
        crate::core::text::push_decimal(&mut key, n.into(), 0);
        match storage.get_item(&key)? {
            Some(text) => segments.push(text),
            None => break,
        }
    }
    Ok((index, segments))
}

/// An in-memory store with an optional quota in bytes (key plus value, UTF-8), for native tests
/// and as the model of localStorage's behaviour when full.
#[derive(Debug, Clone, Default)]
pub struct MemoryStorage {
    items: BTreeMap<String, String>,
    /// Most bytes held; `None` is unbounded.
    pub quota: Option<usize>,
}

impl MemoryStorage {
    /// An empty, unbounded store.
    pub fn new() -> Self {
        MemoryStorage::default()
    }

    /// An empty store holding at most `quota` bytes.
    pub fn with_quota(quota: usize) -> Self {
        MemoryStorage {
            items: BTreeMap::new(),
            quota: Some(quota),
        }
    }

    /// Bytes held (keys plus values).
    pub fn used(&self) -> usize {
        self.items.iter().map(|(k, v)| k.len() + v.len()).sum()
    }

    /// Number of items held.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether the store is empty.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

impl Storage for MemoryStorage {
    fn get_item(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self.items.get(key).cloned())
    }

    fn set_item(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
        if let Some(quota) = self.quota {
            let current = self.items.get(key).map_or(0, |v| key.len() + v.len());
            if self.used() - current + key.len() + value.len() > quota {
                return Err(StoreError::Quota);
            }
        }
        self.items.insert(key.to_owned(), value.to_owned());
        Ok(())
    }

    fn remove_item(&mut self, key: &str) -> Result<(), StoreError> {
        self.items.remove(key);
        Ok(())
    }

    fn keys(&self) -> Result<Vec<String>, StoreError> {
        Ok(self.items.keys().cloned().collect())
    }
}
