//! The prefetch counters: the one place where prefetch outcomes are counted, so that metrics
//! read a single struct (`prefetchStats()` in JS).

/// Why a prefetch was not made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SkipReason {
    /// The entry is fresh (or arrived within the deduping interval): nothing to gain.
    Fresh,
    /// A request for the key is already in flight or queued: never two for one key.
    InFlight,
    /// The user asked to save data (`navigator.connection.saveData`).
    SaveData,
    /// The connection is 2g or slower.
    SlowConnection,
    /// The per-minute budget is spent.
    Budget,
    /// Cancelled (or the cache cleared) before it started.
    Cancelled,
    /// The key is not a valid URL, or the app's key function threw.
    Invalid,
}

impl SkipReason {
    /// Every reason, in the order `prefetchStats()` lists them.
    pub const ALL: [SkipReason; 7] = [
        SkipReason::Fresh,
        SkipReason::InFlight,
        SkipReason::SaveData,
        SkipReason::SlowConnection,
        SkipReason::Budget,
        SkipReason::Cancelled,
        SkipReason::Invalid,
    ];

    /// The reason's name in `prefetchStats().skipped`.
    pub fn as_str(self) -> &'static str {
        match self {
            SkipReason::Fresh => "fresh",
            SkipReason::InFlight => "inFlight",
            SkipReason::SaveData => "saveData",
            SkipReason::SlowConnection => "slowConnection",
            SkipReason::Budget => "budget",
            SkipReason::Cancelled => "cancelled",
            SkipReason::Invalid => "invalid",
        }
    }

    fn index(self) -> usize {
        match self {
            SkipReason::Fresh => 0,
            SkipReason::InFlight => 1,
            SkipReason::SaveData => 2,
            SkipReason::SlowConnection => 3,
            SkipReason::Budget => 4,
            SkipReason::Cancelled => 5,
            SkipReason::Invalid => 6,
        }
    }
}

/// Counts since the cache was created (a `clear` does not reset them: they describe the session).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PrefetchStats {
    /// Requests a prefetch started.
    pub issued: u64,
    /// Prefetched entries the app then read (or joined while in flight): the data was used.
    pub used: u64,
    /// Prefetch requests that ended with data (stored, or confirmed unchanged).
    pub completed: u64,
    /// Prefetch requests that failed (network, status, decode); never thrown into the page.
    pub failed: u64,
    skipped: [u64; 7],
}

impl PrefetchStats {
    /// How many prefetches were skipped for `reason`.
    ///
    /// ```
    /// use freshet::core::prefetch::{PrefetchStats, SkipReason};
    /// let mut stats = PrefetchStats::default();
    /// stats.skip(SkipReason::Budget);
    /// assert_eq!(stats.skipped(SkipReason::Budget), 1);
    /// assert_eq!(stats.skipped(SkipReason::Fresh), 0);
    /// ```
    pub fn skipped(&self, reason: SkipReason) -> u64 {
        self.skipped.get(reason.index()).copied().unwrap_or(0)
    }

    /// Counts one prefetch skipped for `reason`.
    pub fn skip(&mut self, reason: SkipReason) {
        if let Some(count) = self.skipped.get_mut(reason.index()) {
            *count = count.saturating_add(1);
        }
    }

    /// Every skip reason with its count.
    pub fn skips(&self) -> impl Iterator<Item = (SkipReason, u64)> + '_ {
        SkipReason::ALL.iter().map(|&r| (r, self.skipped(r)))
    }
}
