//! Page types and their lifetimes: how long an entry is fresh, and how long it is kept at all.

use super::Millis;

const SECOND: Millis = 1_000;
const MINUTE: Millis = 60 * SECOND;

/// A page type, as a small index into a [`PageTypes`] table (one byte per entry).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PageTypeId(u8);

impl PageTypeId {
    /// `writing`: always revalidated in the background, kept 30 min.
    pub const WRITING: PageTypeId = PageTypeId(0);
    /// `reading`: fresh 5 min, kept 60 min.
    pub const READING: PageTypeId = PageTypeId(1);
    /// `community`: fresh 30 s, kept 30 min.
    pub const COMMUNITY: PageTypeId = PageTypeId(2);
    /// `browse`: the type of anything unknown; fresh 60 s, kept 30 min.
    pub const BROWSE: PageTypeId = PageTypeId(3);

    /// The position of this page type in its table.
    pub fn index(self) -> usize {
        usize::from(self.0)
    }
}

/// The lifetimes of one page type.
#[derive(Debug, Clone, PartialEq)]
pub struct Lifetimes {
    /// Served without revalidation for this long after the data was received.
    pub stale_time: Millis,
    /// Never served, and not kept, after this long.
    pub max_age: Millis,
    /// Whether an invalidated entry may still be served while its refetch runs.
    pub serve_stale_when_invalidated: bool,
}

impl Lifetimes {
    /// Lifetimes with the given windows and invalidated entries never served.
    pub const fn new(stale_time: Millis, max_age: Millis) -> Self {
        Lifetimes {
            stale_time,
            max_age,
            serve_stale_when_invalidated: false,
        }
    }
}

/// The default lifetimes of page types the app did not configure.
pub const CUSTOM_DEFAULT: Lifetimes = Lifetimes::new(60 * SECOND, 30 * MINUTE);

/// The table of page types: the SPEC defaults, plus any the app adds.
#[derive(Debug, Clone)]
pub struct PageTypes {
    names: Vec<String>,
    lifetimes: Vec<Lifetimes>,
}

impl Default for PageTypes {
    fn default() -> Self {
        let mut table = PageTypes {
            names: Vec::new(),
            lifetimes: Vec::new(),
        };
        for (name, lifetimes) in [
            ("writing", Lifetimes::new(0, 30 * MINUTE)),
            ("reading", Lifetimes::new(5 * MINUTE, 60 * MINUTE)),
            ("community", Lifetimes::new(30 * SECOND, 30 * MINUTE)),
            ("browse", CUSTOM_DEFAULT),
            ("publish", CUSTOM_DEFAULT),
            ("analytics", CUSTOM_DEFAULT),
        ] {
            table.names.push(name.to_owned());
            table.lifetimes.push(lifetimes);
        }
        table
    }
}

/// More page types than fit an entry's one-byte index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TooManyPageTypes;

impl std::fmt::Display for TooManyPageTypes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("at most 256 page types")
    }
}

impl std::error::Error for TooManyPageTypes {}

impl PageTypes {
    /// Sets the lifetimes of a page type, adding it when it is new.
    ///
    /// ```
    /// use freshet::core::page_type::{Lifetimes, PageTypes, PageTypeId};
    /// let mut types = PageTypes::default();
    /// let id = types.configure("drafts", Lifetimes::new(0, 10_000)).unwrap();
    /// assert_eq!(types.lookup("drafts"), Some(id));
    /// assert_eq!(types.resolve("nope"), PageTypeId::BROWSE);
    /// ```
    pub fn configure(
        &mut self,
        name: &str,
        lifetimes: Lifetimes,
    ) -> Result<PageTypeId, TooManyPageTypes> {
        if let Some(id) = self.lookup(name) {
            if let Some(slot) = self.lifetimes.get_mut(id.index()) {
                *slot = lifetimes;
            }
            return Ok(id);
        }
        let id = u8::try_from(self.names.len()).map_err(|_| TooManyPageTypes)?;
        self.names.push(name.to_owned());
        self.lifetimes.push(lifetimes);
        Ok(PageTypeId(id))
    }

    /// The id of a page type by name, if it is known.
    pub fn lookup(&self, name: &str) -> Option<PageTypeId> {
        let i = self.names.iter().position(|n| n == name)?;
        u8::try_from(i).ok().map(PageTypeId)
    }

    /// The id of a page type by name; unknown names are `browse`.
    pub fn resolve(&self, name: &str) -> PageTypeId {
        self.lookup(name).unwrap_or(PageTypeId::BROWSE)
    }

    /// The name of a page type.
    pub fn name(&self, id: PageTypeId) -> &str {
        self.names.get(id.index()).map_or("browse", String::as_str)
    }

    /// The lifetimes of a page type.
    pub fn lifetimes(&self, id: PageTypeId) -> &Lifetimes {
        self.lifetimes.get(id.index()).unwrap_or(&CUSTOM_DEFAULT)
    }

    /// Every page type, in id order.
    pub fn iter(&self) -> impl Iterator<Item = (PageTypeId, &str)> {
        self.names
            .iter()
            .enumerate()
            .filter_map(|(i, n)| Some((PageTypeId(u8::try_from(i).ok()?), n.as_str())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_spec() {
        let t = PageTypes::default();
        assert_eq!(
            t.lifetimes(PageTypeId::WRITING),
            &Lifetimes::new(0, 30 * MINUTE)
        );
        assert_eq!(
            t.lifetimes(PageTypeId::READING),
            &Lifetimes::new(5 * MINUTE, 60 * MINUTE)
        );
        assert_eq!(
            t.lifetimes(PageTypeId::COMMUNITY),
            &Lifetimes::new(30 * SECOND, 30 * MINUTE)
        );
        assert_eq!(t.lifetimes(t.resolve("publish")), &CUSTOM_DEFAULT);
        assert_eq!(t.name(PageTypeId::COMMUNITY), "community");
        assert_eq!(t.resolve("unknown"), PageTypeId::BROWSE);
    }

    #[test]
    fn configure_overrides_and_adds() {
        let mut t = PageTypes::default();
        let w = t.configure("writing", Lifetimes::new(5, 10)).unwrap();
        assert_eq!(w, PageTypeId::WRITING);
        assert_eq!(t.lifetimes(w).max_age, 10);
        let c = t.configure("custom", Lifetimes::new(1, 2)).unwrap();
        assert_eq!(t.name(c), "custom");
    }

    #[test]
    fn the_table_is_bounded() {
        let mut t = PageTypes::default();
        let mut last = Ok(PageTypeId::BROWSE);
        for i in 0..300 {
            last = t.configure(&format!("t{i}"), CUSTOM_DEFAULT);
        }
        assert_eq!(last, Err(TooManyPageTypes));
    }
}
