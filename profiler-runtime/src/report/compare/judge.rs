//! Judging one operation present on both sides: each measure's change
//! against the threshold, and its test against the significance level.

use super::options::CompareOptions;
use super::spread::Spread;
use super::verdict::{Change, Judgement, Measure, Outcome};
use crate::report::evidence::quantile::quantile_test;
use crate::report::evidence::rank::{rank_test, Ladder};
use crate::report::OperationStats;

/// A measure's change and its test, before the level is known (it depends
/// on how many tests the whole comparison runs).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Tested {
    measure: Measure,
    change_pct: Option<f64>,
    /// The one-sided p-values (slower, faster), when both sides have the
    /// calls the measure needs.
    p: Option<(f64, f64)>,
    calls_needed: u64,
    no_histogram: bool,
    /// How much the measure varies between the baseline's runs, when they
    /// were enough to tell.
    spread: Option<Spread>,
}

impl Tested {
    /// Whether its test ran (it counts in the level's division).
    pub(crate) fn ran(&self) -> bool {
        self.p.is_some()
    }
}

/// Whether `op` has calls but no histogram of their times.
fn lacks_histogram(op: &OperationStats) -> bool {
    let timed = op.timed_calls > 0 || (!op.estimated && op.calls > 0);
    timed && op.histogram.count() == 0
}

/// The typical call's and the p99's tests for `before` against `now`, with
/// each measure's spread between the baseline's runs where known.
pub(crate) fn test(
    before: &OperationStats,
    now: &OperationStats,
    options: &CompareOptions,
    spreads: [Option<Spread>; 2],
) -> [Tested; 2] {
    let ladder = Ladder::new(&before.histogram, &now.histogram);
    let fewest = ladder.before.min(ladder.after);
    let no_histogram = lacks_histogram(before) || lacks_histogram(now);
    let rank = rank_test(&ladder);
    let typical_needed = options.calls_needed(Measure::Typical);
    let p99_needed = options.calls_needed(Measure::P99);
    let p99_test = (fewest >= p99_needed).then(|| quantile_test(&ladder, 0.99)).flatten();
    [
        Tested {
            measure: Measure::Typical,
            change_pct: rank.map(|r| r.shift * 100.0),
            p: rank.filter(|_| fewest >= typical_needed).map(|r| (r.p_slower, r.p_faster)),
            calls_needed: typical_needed,
            no_histogram,
            spread: spreads[0],
        },
        Tested {
            measure: Measure::P99,
            change_pct: Change { before: before.p99_ns, after: now.p99_ns }.percent(),
            p: p99_test.map(|t| (t.p_slower, t.p_faster)),
            calls_needed: p99_needed,
            no_histogram,
            spread: spreads[1],
        },
    ]
}

/// The judgement of a tested measure at significance `level` (already
/// divided by the number of tests).
///
/// A move past the bar with evidence from the calls is a rise or a fall
/// only when it is also past the spread between the baseline's runs,
/// when that is known: otherwise another unchanged run could have made it.
pub(crate) fn judge(tested: &Tested, options: &CompareOptions, level: f64) -> Judgement {
    let limit = options.bar_pct(tested.measure, tested.spread.is_some());
    let two_sided = |p: f64| (2.0 * p).min(1.0);
    let bound = tested.spread.map_or(0.0, |s| s.bound);
    let past_spread = |change: f64| (change / 100.0).ln_1p().abs() > bound;
    let (outcome, p_value) = match (tested.no_histogram, tested.p, tested.change_pct) {
        (true, _, _) => (Outcome::NoHistogram, None),
        (false, None, _) => (Outcome::TooFewCalls, None),
        (false, Some((slower, _)), Some(change)) if change > limit => {
            let p = two_sided(slower);
            let outcome = match (p < level, past_spread(change)) {
                (false, _) => Outcome::NotSignificant,
                (true, false) => Outcome::Varies,
                (true, true) => Outcome::Rose,
            };
            (outcome, Some(p))
        }
        (false, Some((_, faster)), Some(change)) if change < -limit => {
            let p = two_sided(faster);
            let outcome = match (p < level, past_spread(change)) {
                (false, _) => Outcome::NotSignificant,
                (true, false) => Outcome::Varies,
                (true, true) => Outcome::Fell,
            };
            (outcome, Some(p))
        }
        (false, Some((slower, faster)), _) => {
            (Outcome::Within, Some(two_sided(slower.min(faster))))
        }
    };
    Judgement {
        measure: tested.measure,
        outcome,
        change_pct: tested.change_pct,
        p_value,
        calls_needed: tested.calls_needed,
        varies_pct: tested.spread.map(|s| s.bound.exp_m1() * 100.0),
        varies_runs: tested.spread.map_or(0, |s| s.runs as u64),
    }
}
