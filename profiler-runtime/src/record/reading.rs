//! Cumulative totals read from every shard, and the difference between two
//! readings: a session is the difference between the reading at its end and the
//! reading at its start, so counts are exact however threads interleave.

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
    /// `u64::MAX` when no call of the current epoch was seen.
    pub(crate) min_ns: u64,
    pub(crate) max_ns: u64,
    /// Dense per-bucket counts; empty when nothing was recorded.
    pub(crate) buckets: Vec<u64>,
    /// Clock stamp and text of the latest error.
    pub(crate) error: Option<(u64, String)>,
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
            min_ns: u64::MAX,
            max_ns: 0,
            buckets: Vec::new(),
            error: None,
        }
    }
}

impl SiteTotals {
    /// The per-bucket counts, allocated (all zero) on first use.
    pub(crate) fn dense_buckets(&mut self) -> &mut [u64] {
        if self.buckets.is_empty() {
            self.buckets = vec![0; super::histogram::BUCKETS];
        }
        &mut self.buckets
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
}

impl Totals {
    pub(crate) fn site_mut(&mut self, index: usize) -> &mut SiteTotals {
        if self.sites.len() <= index {
            self.sites.resize_with(index + 1, SiteTotals::default);
        }
        &mut self.sites[index]
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
            for (n, b) in end.buckets.iter_mut().zip(&begin.buckets) {
                *n = n.saturating_sub(*b);
            }
            end.calls = end.calls.saturating_sub(begin.calls);
            end.untimed = end.untimed.saturating_sub(begin.untimed);
            end.failures = end.failures.saturating_sub(begin.failures);
            end.cancelled = end.cancelled.saturating_sub(begin.cancelled);
            end.slow = end.slow.saturating_sub(begin.slow);
            end.total_ns = end.total_ns.wrapping_sub(begin.total_ns);
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
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_difference_keeps_only_what_came_after() {
        let mut start = Totals::default();
        start.site_mut(1).calls = 5;
        start.site_mut(1).buckets = vec![1, 4];
        start.counters = vec![10];
        start.fixed[0] = 3;
        let mut end = start.clone();
        end.site_mut(1).calls = 9;
        end.site_mut(1).buckets = vec![3, 6];
        end.site_mut(1).error = Some((50, "late".into()));
        end.site_mut(2).calls = 1;
        end.counters = vec![15, 2];
        end.fixed[0] = 4;
        let d = end.clone().since(&start, 40);
        assert_eq!(d.sites[1].calls, 4);
        assert_eq!(d.sites[1].buckets, vec![2, 2]);
        assert_eq!(d.sites[2].calls, 1);
        assert_eq!(d.counters, vec![5, 2]);
        assert_eq!(d.fixed[0], 1);
        assert_eq!(d.sites[1].error.as_ref().unwrap().1, "late");
        assert!(end.since(&start, 60).sites[1].error.is_none());
    }
}
