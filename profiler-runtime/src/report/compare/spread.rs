//! How much an operation's measures vary between runs of unchanged code,
//! estimated from the baseline's runs, and the bound one new run stays
//! within.
//!
//! Within one run the tests see only the calls' own scatter; with 100,000
//! calls a side they call a 2 % move certain. Between two runs of the same
//! code, though, a sub-microsecond operation's typical call moves by
//! ±15-30 % on a shared machine (caches, frequency, neighbours), and its
//! p99 by more. One pair of runs cannot see that variance; several
//! baseline runs can.
//!
//! The estimate, per operation and measure, over the `k` baseline runs
//! with the calls the measure needs:
//! - each run's reading against the median run's, on a log scale (the
//!   Hodges-Lehmann shift of its calls for the typical call, the ratio of
//!   the p99s for the p99), so that the median run reads 0 and the
//!   comparison of a new run is measured the same way;
//! - the spread `σ = range / d2(k)`, where `d2(k)` is the expected range
//!   of `k` standard normal draws. For the handful of runs a CI keeps (3
//!   to 10) the range is nearly as efficient as the standard deviation
//!   (above 85 % under normality), where the MAD is not (with 3 runs it is
//!   the smaller of two deviations). It is also deliberately not robust:
//!   between-run noise on a shared machine comes in bursts (every
//!   operation 30-70 % slower for a few runs), and a baseline run caught in
//!   one is evidence of how much runs vary, which a gate in doubt should
//!   heed, not discard. On the kept pipeline runs a MAD-based bound let
//!   through about twice the false alarms for the same detections;
//! - the bound for one new run against the median run, a one-sided 99 %
//!   prediction bound: `t(0.99, k - 1) · σ · sqrt(1 + π / (2k))`. The
//!   square root adds the median run's own uncertainty (the variance of a
//!   median of `k` is about `π σ² / (2k)`), and Student's t (with the
//!   range's degrees of freedom taken as `k - 1`) pays for having
//!   estimated `σ` from `k` runs: 7.0 with 3 runs, 3.7 with 5, 2.8 with 10.
//!   99 % and not the within-run tests' 0.1 %: with 5 runs a 0.1 % bound
//!   is over 7 σ wide, past any regression worth catching, and the
//!   threshold still has to be passed on top.

use super::verdict::Measure;
use crate::report::evidence::distribution::normal_above;
use crate::report::evidence::rank::{rank_test, Ladder};
use crate::report::OperationStats;

/// Baseline runs needed before the spread between runs is estimated: with
/// two, the range is one difference, and the bound's t factor is 31.8.
pub const MIN_SPREAD_RUNS: usize = 3;

/// How much a measure varied between the baseline's runs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Spread {
    /// The 99 % bound for one new run, on the log scale.
    pub(crate) bound: f64,
    /// The runs it was estimated from.
    pub(crate) runs: usize,
}

/// The spread of `measure` over `rows` (the operation's rows in the
/// baseline runs that have it) around `median` (the median run's row),
/// counting only rows with `needed` timed calls or more; `None` with fewer
/// than [`MIN_SPREAD_RUNS`] of them.
pub(crate) fn spread(
    median: &OperationStats,
    rows: &[&OperationStats],
    measure: Measure,
    needed: u64,
) -> Option<Spread> {
    if median.histogram.count() < needed {
        return None;
    }
    let readings: Vec<f64> = rows
        .iter()
        .filter(|row| row.histogram.count() >= needed)
        .filter_map(|row| reading(median, row, measure))
        .collect();
    let k = readings.len();
    if k < MIN_SPREAD_RUNS {
        return None;
    }
    let (low, high) = readings
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &r| (lo.min(r), hi.max(r)));
    let sigma = (high - low) / expected_range(k);
    let n = k as f64;
    let bound = student_t_99(k - 1) * sigma * (1.0 + std::f64::consts::PI / (2.0 * n)).sqrt();
    Some(Spread { bound, runs: k })
}

/// `row`'s reading of `measure` against `median`'s, on the log scale.
fn reading(median: &OperationStats, row: &OperationStats, measure: Measure) -> Option<f64> {
    match measure {
        Measure::Typical => {
            let shift = rank_test(&Ladder::new(&median.histogram, &row.histogram))?.shift;
            Some(shift.ln_1p())
        }
        Measure::P99 => (median.p99_ns > 0 && row.p99_ns > 0)
            .then(|| (row.p99_ns as f64 / median.p99_ns as f64).ln()),
        Measure::Mean => None,
    }
}

/// `d2(k)`: the expected range of `k` independent standard normal draws,
/// `∫ 1 - Φ(x)^k - (1 - Φ(x))^k dx`, integrated numerically (1.128 for 2,
/// 2.326 for 5, 3.078 for 10).
fn expected_range(k: usize) -> f64 {
    let k = k as i32;
    let step = 0.01;
    (-1_000..1_000)
        .map(|i| {
            let x = (f64::from(i) + 0.5) * step;
            let above = normal_above(x);
            (1.0 - (1.0 - above).powi(k) - above.powi(k)) * step
        })
        .sum()
}

/// Student's t quantile at 0.99 with `df` degrees of freedom: tabulated up
/// to 9, then the Cornish-Fisher expansion around the normal's 2.326
/// (within 0.002 of the table from 10 up).
fn student_t_99(df: usize) -> f64 {
    match df {
        0 => f64::INFINITY,
        1 => 31.821,
        2 => 6.965,
        3 => 4.541,
        4 => 3.747,
        5 => 3.365,
        6 => 3.143,
        7 => 2.998,
        8 => 2.896,
        9 => 2.821,
        _ => {
            let (z, v) = (2.326_348_f64, df as f64);
            let (z3, z5, z7) = (z.powi(3), z.powi(5), z.powi(7));
            z + (z3 + z) / (4.0 * v)
                + (5.0 * z5 + 16.0 * z3 + 3.0 * z) / (96.0 * v * v)
                + (3.0 * z7 + 19.0 * z5 + 17.0 * z3 - 15.0 * z) / (384.0 * v.powi(3))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::compare::tests::{calls, op_of, Rng};

    #[test]
    fn the_expected_range_and_t_match_their_tables() {
        for (k, d2) in [(2, 1.128), (3, 1.693), (5, 2.326), (10, 3.078)] {
            assert!((expected_range(k) - d2).abs() < 0.002, "{k}: {}", expected_range(k));
        }
        for (df, t) in [(5, 3.365), (10, 2.764), (15, 2.602), (30, 2.457)] {
            assert!((student_t_99(df) - t).abs() < 0.002, "{df}: {}", student_t_99(df));
        }
    }

    #[test]
    fn runs_that_agree_have_a_narrow_bound_and_runs_that_do_not_a_wide_one() {
        let mut rng = Rng(20);
        let runs = |rng: &mut Rng, factors: &[f64]| -> Vec<OperationStats> {
            factors.iter().map(|&f| op_of("a", &calls(rng, 5_000, f))).collect()
        };
        let bound = |rows: &[OperationStats], measure| {
            let refs: Vec<&OperationStats> = rows.iter().collect();
            let mut sorted = refs.clone();
            sorted.sort_by_key(|r| r.p50_ns);
            spread(sorted[sorted.len() / 2], &refs, measure, 100).map(|s| s.bound.exp_m1())
        };
        let steady = runs(&mut rng, &[1.0; 5]);
        let noisy = runs(&mut rng, &[1.0, 1.15, 0.9, 1.05, 1.2]);
        let narrow = bound(&steady, Measure::Typical).unwrap();
        let wide = bound(&noisy, Measure::Typical).unwrap();
        assert!(narrow < 0.10 && wide > 0.5, "{narrow} {wide}");
        assert!(bound(&noisy, Measure::P99).unwrap() > 0.3);
        assert_eq!(bound(&steady[..2], Measure::Typical), None, "two runs are too few");
        // Rows without the calls the measure needs do not count.
        assert_eq!(
            spread(&steady[0], &steady.iter().collect::<Vec<_>>(), Measure::P99, 5_001),
            None
        );
    }
}
