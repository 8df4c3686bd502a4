//! A test of one quantile (Mood's quantile test, exact): whether one side
//! has more of its calls in the pooled calls' upper tail than chance allows.

use super::distribution::hypergeometric_at_least;
use super::rank::Ladder;

/// What the quantile test found.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct QuantileTest {
    /// The one-sided p-value of the calls after holding more of the tail:
    /// the quantile rose.
    pub(crate) p_slower: f64,
    /// The same for the calls before holding more of it: the quantile fell.
    pub(crate) p_faster: f64,
}

/// The test at quantile `q` (0 to 1): the pooled calls are cut between two
/// buckets into a tail and the rest, at the cut whose tail holds the
/// number of calls nearest to the pooled share `1 - q` (at least one
/// bucket on each side of it). Whether a call is in the tail, against which
/// side it came from, is a two-by-two table, and Fisher's exact test gives
/// the chance of a split this lopsided when both sides had one
/// distribution. The cut is drawn from the pooled calls alone, so under
/// that hypothesis the split is hypergeometric whatever the cut. `None`
/// when a side has no calls.
///
/// Its power follows the tail's size: with `n` calls a side the tail holds
/// about `2n(1 - q)` calls, and even all of them on one side is a p-value
/// of about `2^-(2n(1-q))`; a p99 needs some hundreds of calls a side
/// before any shift is evidence, which is what a tail can honestly show.
pub(crate) fn quantile_test(ladder: &Ladder, q: f64) -> Option<QuantileTest> {
    if ladder.before == 0 || ladder.after == 0 {
        return None;
    }
    let total = ladder.before + ladder.after;
    let wanted = (1.0 - q.clamp(0.0, 1.0)) * total as f64;
    // The tails `rungs[k..]` for k from the top down, and the calls in each.
    let mut in_tail = 0u64;
    let mut best: Option<(usize, f64)> = None;
    for k in (1..ladder.rungs.len()).rev() {
        in_tail += ladder.rungs[k].before + ladder.rungs[k].after;
        let miss = (in_tail as f64 - wanted).abs();
        if best.is_none_or(|(_, least)| miss < least) {
            best = Some((k, miss));
        }
    }
    let Some((cut, _)) = best else {
        // One bucket holds every call: nothing to split.
        return Some(QuantileTest { p_slower: 1.0, p_faster: 1.0 });
    };
    let tail = &ladder.rungs[cut..];
    let after_in_tail: u64 = tail.iter().map(|r| r.after).sum();
    let before_in_tail: u64 = tail.iter().map(|r| r.before).sum();
    let marked = after_in_tail + before_in_tail;
    Some(QuantileTest {
        p_slower: hypergeometric_at_least(after_in_tail, total, marked, ladder.after),
        p_faster: hypergeometric_at_least(before_in_tail, total, marked, ladder.before),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::storage::histogram::Histogram;

    fn test(
        before: impl IntoIterator<Item = u64>,
        after: impl IntoIterator<Item = u64>,
    ) -> QuantileTest {
        let ladder = Ladder::new(&Histogram::from_values(before), &Histogram::from_values(after));
        quantile_test(&ladder, 0.99).unwrap()
    }

    /// 1,000 calls of 10 µs with every 50th one 200 µs, the slow ones scaled by `slow`.
    fn calls(slow: f64) -> impl Iterator<Item = u64> {
        (0..1_000u64).map(move |i| if i % 50 == 0 { (200_000.0 * slow) as u64 } else { 10_000 })
    }

    #[test]
    fn a_slower_tail_is_evidence_and_the_same_tail_is_not() {
        let same = test(calls(1.0), calls(1.0));
        assert!(same.p_slower > 0.4 && same.p_faster > 0.4, "{same:?}");
        let slower = test(calls(1.0), calls(1.3));
        assert!(slower.p_slower < 1e-5 && slower.p_faster > 0.5, "{slower:?}");
        let faster = test(calls(1.3), calls(1.0));
        assert!(faster.p_faster < 1e-5, "{faster:?}");
    }

    #[test]
    fn one_slow_call_in_a_hundred_is_no_evidence() {
        let base: Vec<u64> = (0..100).map(|i| 1_000 + i).collect();
        let mut now = base.clone();
        now[7] = 5_000_000;
        let t = test(base, now);
        assert!(t.p_slower > 0.2, "{t:?}");
    }

    #[test]
    fn a_whole_side_moved_up_is_evidence_even_when_the_tail_is_one_bucket() {
        let t = test([10_000; 500], [12_000; 500]);
        assert!(t.p_slower < 1e-100 && t.p_faster == 1.0, "{t:?}");
    }
}
