//! Mann-Whitney's rank test over two histograms, and the Hodges-Lehmann
//! estimate of the shift between them.

use super::distribution::normal_above;
use crate::record::storage::histogram::Histogram;

/// One reported value (a bucket) with its calls before and after.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Rung {
    /// The bucket's reported value, nanoseconds.
    pub(crate) value: u64,
    /// Calls of the baseline in it.
    pub(crate) before: u64,
    /// Calls of the report compared in it.
    pub(crate) after: u64,
}

/// Two histograms side by side, by increasing value. Calls in one bucket
/// are ties: a bucket is as finely as the histogram tells calls apart.
#[derive(Clone, Debug)]
pub(crate) struct Ladder {
    pub(crate) rungs: Vec<Rung>,
    /// Calls before, in all.
    pub(crate) before: u64,
    /// Calls after, in all.
    pub(crate) after: u64,
}

impl Ladder {
    /// The two histograms' buckets merged (a bucket listed twice, as a
    /// hand-edited report may, counts once with both counts added).
    pub(crate) fn new(before: &Histogram, after: &Histogram) -> Ladder {
        let mut rungs: Vec<Rung> = before
            .buckets()
            .map(|(value, calls)| Rung { value, before: calls, after: 0 })
            .chain(after.buckets().map(|(value, calls)| Rung { value, before: 0, after: calls }))
            .collect();
        rungs.sort_by_key(|rung| rung.value);
        rungs.dedup_by(|next, kept| {
            let same = next.value == kept.value;
            if same {
                kept.before = kept.before.saturating_add(next.before);
                kept.after = kept.after.saturating_add(next.after);
            }
            same
        });
        let sum = |side: fn(&Rung) -> u64| rungs.iter().map(side).fold(0u64, u64::saturating_add);
        let (before, after) = (sum(|r| r.before), sum(|r| r.after));
        Ladder { rungs, before, after }
    }
}

/// What the rank test found.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct RankTest {
    /// How much slower (above 0) or faster a call after is than a call
    /// before, as a fraction: the Hodges-Lehmann estimate, the median over
    /// every pair of a call after and a call before of their ratio, less 1.
    pub(crate) shift: f64,
    /// The one-sided p-value of calls after being slower: the chance of a
    /// rank sum this high or higher if both sides had one distribution.
    pub(crate) p_slower: f64,
    /// The same for calls after being faster.
    pub(crate) p_faster: f64,
}

/// Mann-Whitney's U of the calls after against the calls before, with the
/// variance corrected for ties, as a normal approximation (with a
/// continuity correction); `None` when a side has no calls.
///
/// A call in the same bucket as another counts half a win for each: the
/// histogram cannot tell them apart, so the test claims nothing about them.
pub(crate) fn rank_test(ladder: &Ladder) -> Option<RankTest> {
    if ladder.before == 0 || ladder.after == 0 {
        return None;
    }
    let (before, after) = (ladder.before as f64, ladder.after as f64);
    let n = before + after;
    let (mut u, mut below, mut ties) = (0.0, 0.0, 0.0);
    for rung in &ladder.rungs {
        let (b, a) = (rung.before as f64, rung.after as f64);
        u += a * (below + b / 2.0);
        below += b;
        let t = a + b;
        ties += t * t * t - t;
    }
    let mean = after * before / 2.0;
    let variance = after * before / 12.0 * ((n + 1.0) - ties / (n * (n - 1.0)));
    let (p_slower, p_faster) = if variance > 0.0 {
        let sd = variance.sqrt();
        (normal_above((u - mean - 0.5) / sd), normal_above((mean - u - 0.5) / sd))
    } else {
        // Every call in one bucket: nothing to tell apart.
        (1.0, 1.0)
    };
    Some(RankTest { shift: log_shift(ladder).exp_m1(), p_slower, p_faster })
}

/// The weighted median of `ln(after) - ln(before)` over all pairs of calls
/// (a duration of 0 counts as 1 ns), found by bisection on the difference:
/// the weight of the pairs at or under a difference takes one pass over
/// both sides, so this costs 64 passes, not a pass per pair.
fn log_shift(ladder: &Ladder) -> f64 {
    let side = |count: fn(&Rung) -> u64| -> Vec<(f64, f64)> {
        ladder
            .rungs
            .iter()
            .filter(|r| count(r) > 0)
            .map(|r| ((r.value.max(1) as f64).ln(), count(r) as f64))
            .collect()
    };
    let (before, after) = (side(|r| r.before), side(|r| r.after));
    let (Some(first_before), Some(last_before)) = (before.first(), before.last()) else {
        return 0.0;
    };
    let (Some(first_after), Some(last_after)) = (after.first(), after.last()) else {
        return 0.0;
    };
    // suffix[i]: the calls before from the i-th value up.
    let mut suffix = vec![0.0; before.len() + 1];
    for i in (0..before.len()).rev() {
        suffix[i] = suffix[i + 1] + before[i].1;
    }
    // The pairs with ln(a) - ln(b) <= d: for each value after, the values
    // before from ln(a) - d up, a suffix that starts later as ln(a) grows.
    let pairs_at_most = |d: f64| -> f64 {
        let mut start = 0;
        let mut pairs = 0.0;
        for &(log_after, calls) in &after {
            while start < before.len() && before[start].0 < log_after - d {
                start += 1;
            }
            pairs += calls * suffix[start];
        }
        pairs
    };
    let half = ladder.before as f64 * ladder.after as f64 / 2.0;
    let (mut low, mut high) = (first_after.0 - last_before.0 - 1.0, last_after.0 - first_before.0);
    for _ in 0..64 {
        let mid = (low + high) / 2.0;
        if pairs_at_most(mid) >= half {
            high = mid;
        } else {
            low = mid;
        }
    }
    high
}

#[cfg(test)]
mod tests {
    use super::*;

    fn test(before: &[u64], after: &[u64]) -> RankTest {
        let ladder = Ladder::new(
            &Histogram::from_values(before.iter().copied()),
            &Histogram::from_values(after.iter().copied()),
        );
        rank_test(&ladder).unwrap()
    }

    #[test]
    fn the_same_calls_have_no_shift_and_no_evidence() {
        let calls: Vec<u64> = (1..=200).map(|i| 1_000 + i * 37).collect();
        let t = test(&calls, &calls);
        assert!(t.shift.abs() < 1e-9, "{t:?}");
        assert!(t.p_slower > 0.45 && t.p_faster > 0.45, "{t:?}");
    }

    #[test]
    fn calls_a_fifth_slower_shift_by_a_fifth_with_strong_evidence() {
        let before: Vec<u64> = (1..=200).map(|i| 10_000 + i * 100).collect();
        let after: Vec<u64> = before.iter().map(|v| v * 6 / 5).collect();
        let t = test(&before, &after);
        // Within the buckets' rounding (each side off by at most 1/32).
        assert!((t.shift - 0.2).abs() < 0.07, "{t:?}");
        assert!(t.p_slower < 1e-6 && t.p_faster > 0.99, "{t:?}");
        let back = test(&after, &before);
        assert!((back.shift + 1.0 / 6.0).abs() < 0.07 && back.p_faster < 1e-6, "{back:?}");
    }

    #[test]
    fn one_huge_call_is_one_rank_not_a_shift() {
        let before: Vec<u64> = (0..1_000).map(|i| 2_000 + i % 50).collect();
        let mut after = before.clone();
        after[0] = 40_000_000; // one call preempted for 40 ms
        let t = test(&before, &after);
        assert!(t.shift.abs() < 0.01 && t.p_slower > 0.3, "{t:?}");
    }

    #[test]
    fn ties_in_one_bucket_are_no_evidence() {
        let t = test(&[1_000; 50], &[1_001; 80]);
        assert_eq!((t.p_slower, t.p_faster), (1.0, 1.0));
        assert!(t.shift.abs() < 1e-9);
    }

    #[test]
    fn an_empty_side_has_no_test_and_duplicate_buckets_merge() {
        let some = Histogram::from_values([5, 6, 7]);
        assert!(rank_test(&Ladder::new(&some, &Histogram::default())).is_none());
        let ladder = Ladder::new(&some, &some);
        assert_eq!((ladder.before, ladder.after, ladder.rungs.len()), (3, 3, 3));
    }
}
