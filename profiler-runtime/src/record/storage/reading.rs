//! Cumulative totals read from every shard, and the difference between two
//! readings: a session is the difference between the reading at its end and the
//! reading at its start, so counts are exact however threads interleave.

use super::histogram::{GROUP, GROUPS};
use std::collections::BTreeMap;

/// Counters every shard has, by position.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Fixed {
    CacheHits,
    CacheMisses,
    ApiCalls,
    ApiErrors,
    ApiTokens,
    /// Cost in billionths of a US dollar, so it adds up exactly.
    ApiCostNanoUsd,
}

pub(crate) const FIXED_COUNT: usize = 6;

/// One callsite's totals across threads.
#[derive(Clone, Debug)]
pub(crate) struct SiteTotals {
    /// Timed calls (every call of a callsite that is not sampled).
    pub(crate) calls: u64,
    /// Calls of a sampled callsite that were counted but not timed.
    pub(crate) untimed: u64,
    pub(crate) failures: u64,
    pub(crate) cancelled: u64,
    pub(crate) slow: u64,
    pub(crate) total_ns: u64,
    /// The timed calls' self time (see [`crate::record::call::nesting`]).
    pub(crate) self_ns: u64,
    /// `u64::MAX` when no call of the current epoch was seen.
    pub(crate) min_ns: u64,
    pub(crate) max_ns: u64,
    /// Per-bucket counts, by group; empty when nothing was recorded.
    pub(crate) buckets: Buckets,
    /// Clock stamp and text of the latest error.
    pub(crate) error: Option<(u64, String)>,
    /// The detailed level's measures (all zero below it).
    pub(crate) detail: DetailTotals,
    /// Futures' time between polls (see [`super::pauses`]).
    pub(crate) pauses: PauseTotals,
}

/// One callsite's futures' pauses, summed (see [`super::pauses`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct PauseTotals {
    /// Time between a `Pending` and the next poll.
    pub(crate) waited_ns: u64,
    /// `Pending`s followed by another poll.
    pub(crate) pauses: u64,
}

/// One stratum's CPU readings (see [`crate::record::detail::Extras`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct StratumTotals {
    pub(crate) cpu_weighted: u64,
    pub(crate) wall_weighted: u64,
    pub(crate) readings: u64,
}

impl StratumTotals {
    pub(crate) fn add(&mut self, t: &StratumTotals) {
        self.cpu_weighted = self.cpu_weighted.wrapping_add(t.cpu_weighted);
        self.wall_weighted = self.wall_weighted.wrapping_add(t.wall_weighted);
        self.readings += t.readings;
    }

    fn subtract(&mut self, start: &StratumTotals) {
        self.cpu_weighted = self.cpu_weighted.wrapping_sub(start.cpu_weighted);
        self.wall_weighted = self.wall_weighted.wrapping_sub(start.wall_weighted);
        self.readings = self.readings.saturating_sub(start.readings);
    }

    /// CPU over wall time in this stratum, if it has a reading.
    pub(crate) fn ratio(&self) -> Option<f64> {
        (self.readings > 0 && self.wall_weighted > 0)
            .then(|| self.cpu_weighted as f64 / self.wall_weighted as f64)
    }
}

/// One callsite's detailed-level measures (see [`crate::record::detail`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct DetailTotals {
    /// Calls measured at the detailed level.
    pub(crate) calls: u64,
    /// CPU readings of short calls (and futures) and of long sync calls.
    pub(crate) short: StratumTotals,
    pub(crate) long: StratumTotals,
    /// Exact wall time of the calls measured, and of the long sync ones.
    pub(crate) wall: u64,
    pub(crate) long_wall: u64,
    pub(crate) long_calls: u64,
    /// Bytes and allocations charged to the calls.
    pub(crate) bytes: u64,
    pub(crate) allocations: u64,
}

impl DetailTotals {
    fn add(&mut self, t: &DetailTotals) {
        self.calls += t.calls;
        self.short.add(&t.short);
        self.long.add(&t.long);
        self.wall = self.wall.wrapping_add(t.wall);
        self.long_wall = self.long_wall.wrapping_add(t.long_wall);
        self.long_calls += t.long_calls;
        self.bytes = self.bytes.wrapping_add(t.bytes);
        self.allocations = self.allocations.wrapping_add(t.allocations);
    }

    fn subtract(&mut self, start: &DetailTotals) {
        self.calls = self.calls.saturating_sub(start.calls);
        self.short.subtract(&start.short);
        self.long.subtract(&start.long);
        self.wall = self.wall.wrapping_sub(start.wall);
        self.long_wall = self.long_wall.wrapping_sub(start.long_wall);
        self.long_calls = self.long_calls.saturating_sub(start.long_calls);
        self.bytes = self.bytes.wrapping_sub(start.bytes);
        self.allocations = self.allocations.wrapping_sub(start.allocations);
    }
}

impl Default for SiteTotals {
    fn default() -> Self {
        SiteTotals {
            calls: 0,
            untimed: 0,
            failures: 0,
            cancelled: 0,
            slow: 0,
            total_ns: 0,
            self_ns: 0,
            min_ns: u64::MAX,
            max_ns: 0,
            buckets: Buckets::default(),
            error: None,
            detail: DetailTotals::default(),
            pauses: PauseTotals::default(),
        }
    }
}

impl SiteTotals {
    /// Adds another reading of the same callsite (another thread's, or
    /// another callsite's that shares the row): sums, the wider min and max,
    /// the later error.
    pub(crate) fn add(&mut self, t: &SiteTotals) {
        self.calls += t.calls;
        self.untimed += t.untimed;
        self.failures += t.failures;
        self.cancelled += t.cancelled;
        self.slow += t.slow;
        self.total_ns = self.total_ns.wrapping_add(t.total_ns);
        self.self_ns = self.self_ns.wrapping_add(t.self_ns);
        self.min_ns = self.min_ns.min(t.min_ns);
        self.max_ns = self.max_ns.max(t.max_ns);
        self.buckets.add_all(&t.buckets);
        self.detail.add(&t.detail);
        self.pauses.waited_ns = self.pauses.waited_ns.wrapping_add(t.pauses.waited_ns);
        self.pauses.pauses += t.pauses.pauses;
        if let Some((stamp, text)) = &t.error {
            if self.error.as_ref().is_none_or(|(s, _)| stamp > s) {
                self.error = Some((*stamp, text.clone()));
            }
        }
    }
}

/// One callsite's per-bucket counts, kept per group of 16 buckets (one power
/// of two) and allocated only for groups that have counts. A reading of 1,000
/// callsites whose calls span four powers of two holds about 0.8 MiB of them
/// rather than 5 MiB of dense counts, so a report's sums stay in cache.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Buckets {
    groups: Vec<Option<Box<[u64; GROUP]>>>,
}

impl Buckets {
    /// Group `group`'s counts, allocated (all zero) on first use.
    #[inline]
    pub(crate) fn group_mut(&mut self, group: usize) -> &mut [u64; GROUP] {
        if self.groups.is_empty() {
            self.groups.resize(GROUPS, None);
        }
        let index = group.min(GROUPS - 1);
        self.groups[index].get_or_insert_with(|| Box::new([0; GROUP]))
    }

    /// Adds `n` to `bucket`.
    pub(crate) fn add(&mut self, bucket: usize, n: u64) {
        self.group_mut(bucket / GROUP)[bucket % GROUP] += n;
    }

    /// Adds every count of `other`.
    pub(crate) fn add_all(&mut self, other: &Buckets) {
        for (group, counts) in other.groups() {
            for (a, b) in self.group_mut(group).iter_mut().zip(counts) {
                *a += b;
            }
        }
    }

    /// Takes `earlier`'s counts away, none below zero.
    pub(crate) fn subtract(&mut self, earlier: &Buckets) {
        for (group, old) in earlier.groups() {
            if let Some(Some(counts)) = self.groups.get_mut(group) {
                for (n, b) in counts.iter_mut().zip(old) {
                    *n = n.saturating_sub(*b);
                }
            }
        }
    }

    fn groups(&self) -> impl Iterator<Item = (usize, &[u64; GROUP])> {
        self.groups.iter().enumerate().filter_map(|(g, c)| Some((g, c.as_deref()?)))
    }

    /// Every bucket with a count, in order: `(bucket, count)`.
    pub(crate) fn counts(&self) -> impl Iterator<Item = (usize, u64)> + '_ {
        self.groups().flat_map(|(g, counts)| {
            counts.iter().enumerate().filter(|(_, &n)| n > 0).map(move |(i, &n)| (g * GROUP + i, n))
        })
    }
}

/// Everything the shards hold, summed.
#[derive(Clone, Debug, Default)]
pub(crate) struct Totals {
    pub(crate) sites: Vec<SiteTotals>,
    pub(crate) counters: Vec<u64>,
    pub(crate) fixed: [u64; FIXED_COUNT],
    /// Histogram values that found a shard's page table full.
    pub(crate) histogram_dropped: u64,
    /// The call tree's paths (the detailed level).
    pub(crate) tree: TreeTotals,
}

impl Totals {
    pub(crate) fn site_mut(&mut self, index: usize) -> &mut SiteTotals {
        if self.sites.len() <= index {
            self.sites.resize_with(index + 1, SiteTotals::default);
        }
        &mut self.sites[index]
    }

    /// Adds a reading of other shards: the sum of both.
    pub(crate) fn merge(&mut self, other: Totals) {
        for (index, site) in other.sites.iter().enumerate() {
            if site.calls > 0
                || site.untimed > 0
                || site.cancelled > 0
                || site.detail != DetailTotals::default()
            {
                self.site_mut(index).add(site);
            }
        }
        if self.counters.len() < other.counters.len() {
            self.counters.resize(other.counters.len(), 0);
        }
        for (a, b) in self.counters.iter_mut().zip(&other.counters) {
            *a += b;
        }
        for (a, b) in self.fixed.iter_mut().zip(other.fixed) {
            *a += b;
        }
        self.histogram_dropped += other.histogram_dropped;
        self.tree.merge(other.tree);
    }

    /// What was added between `start` and `self`. Errors older than
    /// `since_stamp` belong to earlier sessions and are left out; min and max
    /// are the current epoch's, which starts with the session.
    pub(crate) fn since(mut self, start: &Totals, since_stamp: u64) -> Totals {
        // In place: a reading over many callsites holds megabytes of buckets,
        // and a fresh copy of them per report measured 4x slower to end a
        // session (the allocator hands the pages back and faults them in again).
        for (i, end) in self.sites.iter_mut().enumerate() {
            let Some(begin) = start.sites.get(i) else { continue };
            end.buckets.subtract(&begin.buckets);
            end.calls = end.calls.saturating_sub(begin.calls);
            end.untimed = end.untimed.saturating_sub(begin.untimed);
            end.failures = end.failures.saturating_sub(begin.failures);
            end.cancelled = end.cancelled.saturating_sub(begin.cancelled);
            end.slow = end.slow.saturating_sub(begin.slow);
            end.total_ns = end.total_ns.wrapping_sub(begin.total_ns);
            end.self_ns = end.self_ns.wrapping_sub(begin.self_ns);
            end.detail.subtract(&begin.detail);
            end.pauses.waited_ns = end.pauses.waited_ns.wrapping_sub(begin.pauses.waited_ns);
            end.pauses.pauses = end.pauses.pauses.saturating_sub(begin.pauses.pauses);
        }
        for site in &mut self.sites {
            if site.error.as_ref().is_some_and(|(stamp, _)| *stamp < since_stamp) {
                site.error = None;
            }
        }
        for (i, n) in self.counters.iter_mut().enumerate() {
            *n = n.saturating_sub(start.counters.get(i).copied().unwrap_or(0));
        }
        for (f, s) in self.fixed.iter_mut().zip(start.fixed) {
            *f = f.saturating_sub(s);
        }
        self.histogram_dropped = self.histogram_dropped.saturating_sub(start.histogram_dropped);
        self.tree.subtract(&start.tree);
        self
    }
}

/// One path's calls and their time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct PathTotals {
    pub(crate) calls: u64,
    pub(crate) nanos: u64,
}

/// Every path's totals across threads, by its callsites from the top.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct TreeTotals {
    pub(crate) paths: BTreeMap<Vec<u32>, PathTotals>,
    /// Calls whose path found a thread's table full.
    pub(crate) lost: u64,
}

impl TreeTotals {
    /// Adds another reading.
    pub(crate) fn merge(&mut self, other: TreeTotals) {
        for (path, t) in other.paths {
            let mine = self.paths.entry(path).or_default();
            mine.calls += t.calls;
            mine.nanos = mine.nanos.wrapping_add(t.nanos);
        }
        self.lost += other.lost;
    }

    /// Takes an earlier reading away; paths with no call left are dropped.
    pub(crate) fn subtract(&mut self, start: &TreeTotals) {
        for (path, t) in &start.paths {
            if let Some(mine) = self.paths.get_mut(path) {
                mine.calls = mine.calls.saturating_sub(t.calls);
                mine.nanos = mine.nanos.wrapping_sub(t.nanos);
            }
        }
        self.paths.retain(|_, t| t.calls > 0);
        self.lost = self.lost.saturating_sub(start.lost);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_difference_keeps_only_what_came_after() {
        let mut start = Totals::default();
        start.site_mut(1).calls = 5;
        start.site_mut(1).buckets.add(0, 1);
        start.site_mut(1).buckets.add(17, 4);
        start.counters = vec![10];
        start.fixed[0] = 3;
        let mut end = start.clone();
        end.site_mut(1).calls = 9;
        end.site_mut(1).buckets.add(0, 2);
        end.site_mut(1).buckets.add(17, 2);
        end.site_mut(1).buckets.add(40, 5);
        end.site_mut(1).error = Some((50, "late".into()));
        end.site_mut(2).calls = 1;
        end.counters = vec![15, 2];
        end.fixed[0] = 4;
        let d = end.clone().since(&start, 40);
        assert_eq!(d.sites[1].calls, 4);
        assert_eq!(d.sites[1].buckets.counts().collect::<Vec<_>>(), [(0, 2), (17, 2), (40, 5)]);
        assert_eq!(d.sites[2].calls, 1);
        assert_eq!(d.counters, vec![5, 2]);
        assert_eq!(d.fixed[0], 1);
        assert_eq!(d.sites[1].error.as_ref().unwrap().1, "late");
        assert!(end.since(&start, 60).sites[1].error.is_none());
    }
}
