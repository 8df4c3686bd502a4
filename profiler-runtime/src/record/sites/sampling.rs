//! Sampled timing: which calls of a sampled callsite are timed.
//!
//! A callsite is sampled when `#[monitor(sample = N)]` says so (N >= 2) or
//! when it has no `sample` of its own and the process-wide default
//! ([`crate::set_default_sample_rate`]) is N >= 2. Every call of it is still
//! counted, with its failures, error texts, panics and cancellations; one
//! call in N on average is timed.
//!
//! # How a call is chosen, and why the estimates are unbiased
//!
//! Each call is timed with probability 1/N, independently of every other
//! call. Drawing a coin per call would cost a random number per call, so
//! each (thread, callsite) slot instead keeps a countdown: the number of calls
//! until the next timed one, drawn from the geometric distribution with mean
//! N (`1 + floor(ln(u) / ln(1 - 1/N))`, `u` uniform in (0, 1]). The geometric
//! distribution is the gap between successes of independent 1/N trials, so
//! the calls it picks are exactly those independent trials would pick, at a
//! decrement per call. N may be any integer from 1 up; it need not be a power
//! of two.
//!
//! Because the choice never looks at the call (its duration, its arguments,
//! or its position in a pattern), the timed calls are a uniform random
//! sample of all calls: given k timed calls, every set of k calls was equally
//! likely. Their mean is therefore an unbiased estimate of the mean of all
//! calls, and the report's total is that mean times the exact call count,
//! marked as an estimate with the number of timed calls. Percentiles, min and
//! max come from the timed calls. A fixed "every N-th call" rule would be
//! cheaper still but is biased whenever the work has a period (a buffer
//! flushed every 64 calls would be always or never timed at `sample = 64`).
//!
//! The random source is one xorshift generator per shard (per thread and
//! monitor), seeded from the clock and the shard's address; it runs only when
//! a countdown is drawn, once per timed call.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// One shard's random source. Single writer: the shard's owning thread.
pub(crate) struct Draws {
    state: AtomicU64,
}

impl Draws {
    pub(crate) fn new() -> Self {
        Draws { state: AtomicU64::new(0) }
    }

    /// Calls until the next timed one, that one included: geometric with mean `rate`.
    #[cold]
    #[inline(never)]
    pub(crate) fn gap(&self, rate: u32) -> u32 {
        if rate <= 1 {
            return 1;
        }
        let u = self.uniform();
        gap_for(u, rate)
    }

    /// A uniform number in (0, 1].
    fn uniform(&self) -> f64 {
        let mut x = self.state.load(Relaxed);
        if x == 0 {
            // First draw: seed from the clock and where this shard lives.
            x = crate::record::clock::now() ^ (self as *const Draws as u64).rotate_left(32) | 1;
        }
        // xorshift64 (Marsaglia): full period over non-zero states.
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.state.store(x, Relaxed);
        ((x >> 11) + 1) as f64 / (1u64 << 53) as f64
    }
}

/// The geometric gap for a uniform `u` in (0, 1] at `rate` >= 2.
fn gap_for(u: f64, rate: u32) -> u32 {
    let p = 1.0 / f64::from(rate);
    let gap = 1.0 + (u.ln() / (-p).ln_1p()).floor();
    if gap >= f64::from(u32::MAX) {
        u32::MAX
    } else {
        (gap as u32).max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaps_are_geometric_with_the_rate_as_mean() {
        let draws = Draws::new();
        for rate in [2u32, 7, 64, 1000] {
            let n = 200_000u64;
            let gaps: Vec<u32> = (0..n).map(|_| draws.gap(rate)).collect();
            assert!(gaps.iter().all(|&g| g >= 1));
            let mean = gaps.iter().map(|&g| u64::from(g)).sum::<u64>() as f64 / n as f64;
            // The mean of 200,000 geometric gaps has a standard error of about
            // rate / 450; 6 standard errors is 1.4 % of the rate.
            assert!((mean / f64::from(rate) - 1.0).abs() < 0.014, "rate {rate}: mean gap {mean}");
            // Memoryless: a gap of exactly 1 happens with probability 1/rate.
            let ones = gaps.iter().filter(|&&g| g == 1).count() as f64 / n as f64;
            let p = 1.0 / f64::from(rate);
            assert!(
                (ones - p).abs() < 6.0 * (p * (1.0 - p) / n as f64).sqrt() + 1e-9,
                "rate {rate}: P(1) {ones}"
            );
        }
    }

    #[test]
    fn rate_one_times_every_call_and_extremes_stay_in_range() {
        assert_eq!(Draws::new().gap(1), 1);
        assert_eq!(Draws::new().gap(0), 1);
        assert_eq!(gap_for(1.0, 64), 1);
        assert_eq!(gap_for(f64::MIN_POSITIVE, u32::MAX), u32::MAX);
        assert!(gap_for(1e-300, 2) > 900);
    }
}
