//! Log-linear latency buckets with a bounded relative error.
//!
//! Values below 16 ns get a bucket each. Above that every power of two is cut
//! into 16 equal sub-buckets, so a bucket is at most 1/16 of its lower bound
//! wide; reporting the bucket's midpoint is off by at most half of that,
//! **1/32 = 3.125 %** of the true value. Values from 2^44 ns (about 4.9 hours)
//! up share the last bucket; the exact maximum is kept beside the histogram.
//!
//! Computing a bucket is a `leading_zeros` and two shifts: cheap enough for
//! every call.

use serde::{Deserialize, Serialize};

const SUB_BITS: u32 = 4;
const SUB: u64 = 1 << SUB_BITS;
/// Largest power of two with buckets of its own.
const TOP_OCTAVE: u32 = 43;
/// Number of buckets in one histogram.
pub(crate) const BUCKETS: usize = ((TOP_OCTAVE - SUB_BITS + 2) as usize) * SUB as usize;
/// The largest relative error of a percentile read from the histogram.
pub const MAX_RELATIVE_ERROR: f64 = 1.0 / 32.0;

/// The bucket a duration in nanoseconds falls into.
///
/// Branch-free: `v | SUB` puts every value below `SUB` in the first octave,
/// where the shift is 0 and the bucket is the value itself. A branch on
/// `v < SUB` was mispredicted about half the time for functions that take
/// around 16 ns: 2.5-6 ns per call in the peers bench's `call/monitor`.
#[inline(always)]
pub(crate) fn bucket_of(nanos: u64) -> usize {
    let v = nanos.min((1u64 << (TOP_OCTAVE + 1)) - 1);
    let shift = 63 - (v | SUB).leading_zeros() - SUB_BITS;
    // For v >= SUB, `v >> shift` keeps the leading one: SUB + the sub-bucket.
    ((shift as usize) << SUB_BITS) + (v >> shift) as usize
}

/// Buckets in one group: one power of two of durations (the first group
/// holds 0 to 15 ns).
pub(crate) const GROUP: usize = SUB as usize;
/// Groups in one histogram.
pub(crate) const GROUPS: usize = BUCKETS / GROUP;

/// The smallest value that falls into `bucket`, and the bucket's width.
fn bounds(bucket: usize) -> (u64, u64) {
    if bucket < SUB as usize {
        return (bucket as u64, 1);
    }
    let octave = (bucket as u32 >> SUB_BITS) + SUB_BITS - 1;
    let sub = bucket as u64 & (SUB - 1);
    let width = 1u64 << (octave - SUB_BITS);
    ((SUB + sub) * width, width)
}

/// The value reported for a bucket: its midpoint.
///
/// Indexes past the last bucket (from a report written with a finer
/// histogram) read as the last bucket rather than panicking.
pub(crate) fn representative(bucket: usize) -> u64 {
    let (low, width) = bounds(bucket.min(BUCKETS - 1));
    low + width / 2
}

/// Counts per bucket for one operation, as the report keeps them.
///
/// Stored sparsely (`[bucket, count]` pairs) so a report of an operation whose
/// calls all took about the same time stays small.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Histogram {
    counts: Vec<(u16, u64)>,
}

impl Histogram {
    /// Builds a histogram from `(bucket, count)` pairs in bucket order.
    pub(crate) fn from_counts(counts: impl IntoIterator<Item = (usize, u64)>) -> Histogram {
        let counts = counts
            .into_iter()
            .filter(|&(b, c)| c > 0 && b < BUCKETS)
            .map(|(b, c)| (b as u16, c))
            .collect();
        Histogram { counts }
    }

    /// Builds a histogram from dense per-bucket counts.
    pub(crate) fn from_dense(dense: &[u64]) -> Histogram {
        let counts =
            dense.iter().enumerate().filter(|(_, &c)| c > 0).map(|(i, &c)| (i as u16, c)).collect();
        Histogram { counts }
    }

    /// The number of values recorded.
    pub fn count(&self) -> u64 {
        self.counts.iter().map(|&(_, c)| c).sum()
    }

    /// The value below which a fraction `q` (0.0 to 1.0) of the recorded values
    /// fall, within [`MAX_RELATIVE_ERROR`]; `None` when nothing was recorded.
    ///
    /// ```
    /// # use profiler_runtime::Histogram;
    /// let h = Histogram::from_values([100, 200, 300, 400]);
    /// let p50 = h.quantile(0.5).unwrap();
    /// assert!((190..=210).contains(&p50));
    /// ```
    pub fn quantile(&self, q: f64) -> Option<u64> {
        let total = self.count();
        if total == 0 {
            return None;
        }
        // The rank of the wanted value, 1-based, as the nearest-rank method defines it.
        let rank = ((q.clamp(0.0, 1.0) * total as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for &(bucket, count) in &self.counts {
            seen += count;
            if seen >= rank {
                return Some(representative(bucket as usize));
            }
        }
        self.counts.last().map(|&(b, _)| representative(b as usize))
    }

    /// The values recorded at `nanos` or above, within the buckets'
    /// resolution: a bucket counts when its reported value (its midpoint)
    /// is at least `nanos`.
    pub(crate) fn count_from(&self, nanos: u64) -> u64 {
        self.count_where(|value| value >= nanos)
    }

    /// The values recorded at `nanos` or below, within the buckets'
    /// resolution: a bucket counts when its reported value (its midpoint)
    /// is at most `nanos`.
    pub(crate) fn count_at_most(&self, nanos: u64) -> u64 {
        self.count_where(|value| value <= nanos)
    }

    /// Each bucket with values, fastest first: its reported value (the
    /// midpoint) and its count.
    pub(crate) fn buckets(&self) -> impl DoubleEndedIterator<Item = (u64, u64)> + '_ {
        self.counts.iter().map(|&(bucket, count)| (representative(bucket as usize), count))
    }

    /// The values in buckets whose reported value passes `keep`.
    fn count_where(&self, keep: impl Fn(u64) -> bool) -> u64 {
        self.counts
            .iter()
            .filter(|&&(bucket, _)| keep(representative(bucket as usize)))
            .map(|&(_, c)| c)
            .sum()
    }

    /// Adds another histogram's counts to this one.
    pub fn merge(&mut self, other: &Histogram) {
        let mut dense = self.to_dense();
        for &(bucket, count) in &other.counts {
            if let Some(slot) = dense.get_mut(bucket as usize) {
                *slot += count;
            }
        }
        *self = Histogram::from_dense(&dense);
    }

    /// A histogram of the given durations in nanoseconds (for tests and tools).
    pub fn from_values(values: impl IntoIterator<Item = u64>) -> Histogram {
        let mut dense = vec![0u64; BUCKETS];
        for v in values {
            dense[bucket_of(v)] += 1;
        }
        Histogram::from_dense(&dense)
    }

    fn to_dense(&self) -> Vec<u64> {
        let mut dense = vec![0u64; BUCKETS];
        for &(bucket, count) in &self.counts {
            if let Some(slot) = dense.get_mut(bucket as usize) {
                *slot += count;
            }
        }
        dense
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_values_are_exact() {
        for v in 0..32 {
            assert_eq!(representative(bucket_of(v)), v);
        }
    }

    /// The definition `bucket_of` computes without a branch.
    fn bucket_by_definition(nanos: u64) -> usize {
        let v = nanos.min((1u64 << (TOP_OCTAVE + 1)) - 1);
        if v < SUB {
            return v as usize;
        }
        let octave = 63 - v.leading_zeros();
        let sub = (v >> (octave - SUB_BITS)) & (SUB - 1);
        ((octave - SUB_BITS + 1) as usize) * SUB as usize + sub as usize
    }

    #[test]
    fn the_branch_free_bucket_matches_the_definition() {
        let around_powers = (0..64).flat_map(|s| {
            let p = 1u64 << s;
            [p - 1, p, p + 1, p.saturating_add(p / 2), p.saturating_mul(2).saturating_sub(1)]
        });
        for v in (0..100_000).chain(around_powers).chain([u64::MAX - 1, u64::MAX]) {
            assert_eq!(bucket_of(v), bucket_by_definition(v), "{v}");
        }
    }

    #[test]
    fn buckets_are_ordered_and_in_range() {
        let mut last = 0;
        for shift in 0..64 {
            for v in [1u64 << shift, (1u64 << shift) + 1, (1u64 << shift).wrapping_mul(3) / 2] {
                let b = bucket_of(v);
                assert!(b < BUCKETS, "{v} -> {b}");
                if v < (1 << 44) {
                    assert!(b >= last || v < last as u64);
                    last = b;
                }
            }
        }
        assert_eq!(bucket_of(u64::MAX), BUCKETS - 1);
    }

    #[test]
    fn every_value_is_reported_within_the_stated_error() {
        let mut v = 1u64;
        while v < (1 << 44) {
            let rep = representative(bucket_of(v)) as f64;
            let err = (rep - v as f64).abs() / v as f64;
            assert!(err <= MAX_RELATIVE_ERROR, "{v}: reported {rep}, error {err}");
            v = v + v / 7 + 1;
        }
    }

    #[test]
    fn quantiles_follow_nearest_rank() {
        let h = Histogram::from_values((1..=100).map(|i| i * 1_000));
        let p90 = h.quantile(0.9).unwrap() as f64;
        assert!((p90 - 90_000.0).abs() / 90_000.0 <= MAX_RELATIVE_ERROR);
        let p100 = h.quantile(1.0).unwrap() as f64;
        assert!((p100 - 100_000.0).abs() / 100_000.0 <= MAX_RELATIVE_ERROR);
        assert_eq!(Histogram::default().quantile(0.5), None);
    }

    #[test]
    fn merge_adds_counts() {
        let mut a = Histogram::from_values([10, 20]);
        a.merge(&Histogram::from_values([20, 5_000]));
        assert_eq!(a.count(), 4);
        assert_eq!(a.quantile(0.5), Some(20));
    }
}
