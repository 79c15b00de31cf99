//! The runtime's side of app records (see `store::records`): opaque strings kept in the
//! storage tier of the current scope, flushed with the cache's own writes.

use std::rc::Rc;

use super::Runtime;
use crate::core::Millis;
use crate::web::clock::now;

impl Runtime {
    /// Persists `text` as record `name` for `max_age` ms; false when it cannot be kept.
    pub fn put_record(self: &Rc<Self>, name: &str, text: &str, max_age: Millis) -> bool {
        let stored = self
            .with_tier(|t| t.put_record(name, text, max_age, now()))
            .unwrap_or(false);
        if stored {
            self.schedule_flush();
        }
        stored
    }

    /// The text of record `name`, if it is persisted and not expired.
    pub fn record_text(&self, name: &str) -> Option<String> {
        self.with_tier(|t| t.load_record(name, now())).flatten()
    }

    /// Removes record `name`.
    pub fn remove_record(self: &Rc<Self>, name: &str) {
        self.with_tier(|t| t.remove_record(name));
        self.schedule_flush();
    }

    /// Names of the persisted records starting with `prefix`, sorted.
    pub fn record_names(&self, prefix: &str) -> Vec<String> {
        self.with_tier(|t| t.record_names(prefix))
            .unwrap_or_default()
    }
}
