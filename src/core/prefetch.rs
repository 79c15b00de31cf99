//! Prefetch decisions: the governor says whether, and when, a prefetch of a key may start. It
//! never lets one start for an entry that is fresh or already in flight, keeps at most
//! `concurrency` prefetch requests open, spends at most `per_minute` starts in any minute, and
//! makes none at all when the user asked to save data or the connection is 2g.
//!
//! Prefetches wait in a queue until a slot is free. A key is admitted into the queue only if
//! the budget can pay for every key already queued too, so a queued key never waits for the
//! budget (only for a slot), and the queue is bounded by the budget.
//!
//! Pure: time comes in as [`Millis`]; the cache (see `cache/prefetch.rs`) tells the state of
//! each key.

use std::collections::VecDeque;

use super::Millis;

mod predictor;
mod stats;

pub use predictor::Predictor;
pub use stats::{PrefetchStats, SkipReason};

/// The budget's window.
pub const BUDGET_WINDOW: Millis = 60_000;

/// Settings of prefetching (`prefetch` in the cache options).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrefetchConfig {
    /// Most prefetch requests open at once.
    pub concurrency: usize,
    /// Most prefetch requests started in any minute.
    pub per_minute: usize,
    /// How long the pointer must rest on an element before its data is prefetched.
    pub hover_delay: Millis,
    /// How many predicted next routes are prefetched at idle.
    pub predictions: usize,
}

impl Default for PrefetchConfig {
    fn default() -> Self {
        PrefetchConfig {
            concurrency: 2,
            // One every two seconds on average: enough for a user scanning a list of links,
            // far from what a page needs to feel instant, and cheap for a metered connection.
            per_minute: 30,
            hover_delay: 100,
            predictions: 2,
        }
    }
}

/// What the browser says about the connection (`navigator.connection`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Network {
    /// `saveData`: the user asked sites to use less data.
    pub save_data: bool,
    /// `effectiveType`: `slow-2g`, `2g`, `3g`, `4g`; `None` where the browser does not say.
    pub effective_type: Option<String>,
}

impl Network {
    /// Why this connection gets no prefetch, if it gets none.
    ///
    /// ```
    /// use freshet::core::prefetch::{Network, SkipReason};
    /// let slow = Network { save_data: false, effective_type: Some("2g".into()) };
    /// assert_eq!(slow.blocks(), Some(SkipReason::SlowConnection));
    /// assert_eq!(Network::default().blocks(), None);
    /// ```
    pub fn blocks(&self) -> Option<SkipReason> {
        if self.save_data {
            return Some(SkipReason::SaveData);
        }
        match self.effective_type.as_deref() {
            Some("2g" | "slow-2g") => Some(SkipReason::SlowConnection),
            _ => None,
        }
    }
}

/// The state of a key as far as prefetching cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyStatus {
    /// Missing, stale, invalidated or expired: a prefetch would bring something.
    Needed,
    /// Fresh, or arrived within the deduping interval.
    Fresh,
    /// A request for it is open.
    InFlight,
}

/// Who asked for a prefetch (a trigger, a batch, a preload); `0` for nobody in particular.
pub type Owner = u32;

/// What became of an offered key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Offer {
    /// Waiting for a slot; [`Governor::next`] hands it out.
    Queued,
    /// Not prefetched, and why.
    Skipped(SkipReason),
}

#[derive(Debug)]
struct Queued {
    key: Box<str>,
    owner: Owner,
}

#[derive(Debug)]
struct Active {
    key: Box<str>,
    owner: Owner,
    /// An app read joined the request: its data is used already, so it gets no mark.
    adopted: bool,
}

/// The prefetch governor: queue, slots, budget and counters.
#[derive(Debug, Default)]
pub struct Governor {
    config: PrefetchConfig,
    /// Oldest first. A list, not a `VecDeque` (whose code is copied per element type): the
    /// budget bounds it to a few dozen keys.
    queue: Vec<Queued>,
    /// Open prefetches: a list, not a map, since there are at most `concurrency` (a map type
    /// of its own would cost more wasm than the search).
    active: Vec<Active>,
    /// Start times within the budget window, oldest first.
    starts: VecDeque<Millis>,
    /// Owners with their own, lower concurrency (batches).
    limits: Vec<(Owner, usize)>,
    stats: PrefetchStats,
}

impl Governor {
    /// A governor with nothing queued.
    pub fn new(config: PrefetchConfig) -> Self {
        Governor {
            config,
            ..Governor::default()
        }
    }

    /// The settings.
    pub fn config(&self) -> &PrefetchConfig {
        &self.config
    }

    /// The counters.
    pub fn stats(&self) -> &PrefetchStats {
        &self.stats
    }

    /// Counts a prefetch skipped before it reached the governor (a bad URL).
    pub fn skip(&mut self, reason: SkipReason) {
        self.stats.skip(reason);
    }

    /// Queues a prefetch of `key` (whose state is `status`) for `owner`, unless it must not be
    /// made.
    ///
    /// ```
    /// use freshet::core::prefetch::*;
    /// let mut g = Governor::new(PrefetchConfig::default());
    /// let net = Network::default();
    /// assert_eq!(g.offer("/a", 0, KeyStatus::Needed, &net, 0), Offer::Queued);
    /// assert_eq!(g.offer("/a", 0, KeyStatus::Needed, &net, 0), Offer::Skipped(SkipReason::InFlight));
    /// assert_eq!(g.offer("/b", 0, KeyStatus::Fresh, &net, 0), Offer::Skipped(SkipReason::Fresh));
    /// assert_eq!(g.next(0, |_| KeyStatus::Needed), Some(("/a".into(), 0)));
    /// ```
    pub fn offer(
        &mut self,
        key: &str,
        owner: Owner,
        status: KeyStatus,
        network: &Network,
        now: Millis,
    ) -> Offer {
        let verdict = self.judge(key, status, network, now);
        match verdict {
            Some(reason) => {
                self.stats.skip(reason);
                Offer::Skipped(reason)
            }
            None => {
                self.queue.push(Queued {
                    key: key.into(),
                    owner,
                });
                Offer::Queued
            }
        }
    }

    fn judge(
        &mut self,
        key: &str,
        status: KeyStatus,
        network: &Network,
        now: Millis,
    ) -> Option<SkipReason> {
        if let Some(reason) = network.blocks() {
            return Some(reason);
        }
        match status {
            KeyStatus::Fresh => return Some(SkipReason::Fresh),
            KeyStatus::InFlight => return Some(SkipReason::InFlight),
            KeyStatus::Needed => {}
        }
        if self.open_index(key).is_some() || self.queue.iter().any(|q| &*q.key == key) {
            return Some(SkipReason::InFlight);
        }
        self.prune(now);
        (self.starts.len() + self.queue.len() >= self.config.per_minute)
            .then_some(SkipReason::Budget)
    }

    /// Gives `owner` its own concurrency, below the governor's (a batch's `concurrency`).
    pub fn limit_owner(&mut self, owner: Owner, limit: usize) {
        self.limits.retain(|(o, _)| *o != owner);
        self.limits.push((owner, limit.max(1)));
    }

    fn open_index(&self, key: &str) -> Option<usize> {
        self.active.iter().position(|a| &*a.key == key)
    }

    /// The next queued key that may start now, if a slot is free: keys that became fresh or
    /// went in flight while they waited are skipped (and counted). `status` tells a key's state
    /// now. The caller starts the request and reports its end with [`Governor::finish`].
    pub fn next(
        &mut self,
        now: Millis,
        status: impl Fn(&str) -> KeyStatus,
    ) -> Option<(Box<str>, Owner)> {
        while self.active.len() < self.config.concurrency {
            let index = self
                .queue
                .iter()
                .position(|q| self.owner_has_slot(q.owner))?;
            if index >= self.queue.len() {
                return None;
            }
            let queued = self.queue.remove(index);
            match status(&queued.key) {
                KeyStatus::Needed => {
                    self.prune(now);
                    self.starts.push_back(now);
                    self.stats.issued += 1;
                    self.active.push(Active {
                        key: queued.key.clone(),
                        owner: queued.owner,
                        adopted: false,
                    });
                    return Some((queued.key, queued.owner));
                }
                KeyStatus::Fresh => self.stats.skip(SkipReason::Fresh),
                KeyStatus::InFlight => self.stats.skip(SkipReason::InFlight),
            }
        }
        None
    }

    fn owner_has_slot(&self, owner: Owner) -> bool {
        let Some(&(_, limit)) = self.limits.iter().find(|(o, _)| *o == owner) else {
            return true;
        };
        self.active.iter().filter(|a| a.owner == owner).count() < limit
    }

    /// Records the end of the prefetch of `key` (`completed`: it ended with data); frees its
    /// slot. Returns its owner, or `None` if it was not an open prefetch.
    pub fn finish(&mut self, key: &str, completed: bool) -> Option<Owner> {
        let active = self.active.swap_remove(self.open_index(key)?);
        if completed {
            self.stats.completed += 1;
        } else {
            self.stats.failed += 1;
        }
        Some(active.owner)
    }

    /// An app read joined the open prefetch of `key` (if there is one): its data is used.
    /// Returns whether this read is the one that used it.
    pub fn adopt(&mut self, key: &str) -> bool {
        match self.active.iter_mut().find(|a| &*a.key == key) {
            Some(active) if !active.adopted => {
                active.adopted = true;
                self.stats.used += 1;
                true
            }
            _ => false,
        }
    }

    /// Whether the response to the prefetch of `key` gets the "prefetched" mark when stored
    /// (no app read has joined it yet).
    pub fn marks(&self, key: &str) -> bool {
        self.active.iter().any(|a| &*a.key == key && !a.adopted)
    }

    /// The app read an entry that carried the "prefetched" mark.
    pub fn record_used(&mut self) {
        self.stats.used += 1;
    }

    /// Drops `owner`'s queued keys (counted as cancelled) and its limit; its open requests run
    /// to their end. Returns how many were dropped.
    pub fn cancel(&mut self, owner: Owner) -> usize {
        let before = self.queue.len();
        self.queue.retain(|q| q.owner != owner);
        let dropped = before - self.queue.len();
        for _ in 0..dropped {
            self.stats.skip(SkipReason::Cancelled);
        }
        self.limits.retain(|(o, _)| *o != owner);
        dropped
    }

    /// Drops every queued key (counted as cancelled): the cache was cleared.
    pub fn clear_queue(&mut self) {
        for _ in 0..self.queue.len() {
            self.stats.skip(SkipReason::Cancelled);
        }
        self.queue.clear();
        self.limits.clear();
    }

    /// Keys of `owner` queued or open.
    pub fn pending(&self, owner: Owner) -> usize {
        let queued = self.queue.iter().filter(|q| q.owner == owner).count();
        queued + self.active.iter().filter(|a| a.owner == owner).count()
    }

    /// Prefetch requests open now.
    pub fn open(&self) -> usize {
        self.active.len()
    }

    /// Keys waiting for a slot.
    pub fn queued(&self) -> usize {
        self.queue.len()
    }

    fn prune(&mut self, now: Millis) {
        while self
            .starts
            .front()
            .is_some_and(|&t| now.saturating_sub(t) >= BUDGET_WINDOW)
        {
            self.starts.pop_front();
        }
    }
}

#[cfg(test)]
mod tests;
