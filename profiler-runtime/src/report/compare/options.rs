//! What counts as a regression: the threshold, the calls each measure
//! needs, and the significance level, with their defaults.

use super::verdict::Measure;
use crate::record::storage::histogram::MAX_RELATIVE_ERROR;
use serde::{Deserialize, Serialize};

/// Percent change past which a measure's rise is a regression, by default.
pub const DEFAULT_THRESHOLD_PCT: f64 = 10.0;
/// Timed calls an operation needs on both sides before its typical call is
/// judged, by default.
pub const DEFAULT_MIN_CALLS: u64 = 20;
/// Timed calls a p99 needs on both sides before it is judged: with fewer,
/// the p99 is the slowest call or next to it, so one preempted call moves
/// it (a larger [`CompareOptions::min_calls`] raises this too).
pub const P99_MIN_CALLS: u64 = 100;
/// The chance of any false alarm a comparison allows, by default: a
/// measure's test must reach this divided by the number of tests run.
pub const DEFAULT_SIGNIFICANCE: f64 = 0.001;

/// Against one baseline run, a p99 must rise by this many times the
/// threshold (30 % by default) to be a regression. One run's p99 rests on
/// its slowest 1 % of calls, which the machine moves more than the code:
/// between unchanged runs of the pipeline example on a shared 2-core
/// machine, its sub-microsecond operations' p99s moved by ±40-70 %
/// (5th-95th percentile over 100 pairs) against ±15-30 % for their typical
/// calls. Replayed on the kept runs (bench/gate/RESULTS.md), this bar took
/// the pipeline's false alarms from 44 to 27 and from 49 to 33 in 100, for
/// 3 and 2 fewer of its planted slowdowns found, and left the quickstart's
/// 0 false alarms and 100 of 100 found as they were. Against a baseline of
/// several runs the spread measured between them takes its place.
pub const P99_BAR_FACTOR: f64 = 3.0;

/// The smallest change in a percentile, in percent, that the histogram can
/// tell from its own rounding: each side may be off by
/// [`MAX_RELATIVE_ERROR`], so two readings of the same distribution can
/// differ by twice that (6.25 %). No measure is judged to move by less.
pub const PERCENTILE_RESOLUTION_PCT: f64 = 2.0 * MAX_RELATIVE_ERROR * 100.0;

/// What [`SessionReport::compare`](crate::SessionReport::compare) calls a
/// regression.
///
/// ```
/// use profiler_runtime::CompareOptions;
///
/// let strict = CompareOptions { threshold_pct: 5.0, ..CompareOptions::default() };
/// assert_eq!((strict.threshold_pct, strict.min_calls, strict.significance), (5.0, 20, 0.001));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct CompareOptions {
    /// A measure (the typical call, the p99) that rises by more than this
    /// many percent, with evidence, is a regression (one that falls by
    /// more, an improvement). Never less than [`PERCENTILE_RESOLUTION_PCT`].
    /// Default [`DEFAULT_THRESHOLD_PCT`].
    pub threshold_pct: f64,
    /// Timed calls needed on both sides before the typical call is judged;
    /// the p99 needs at least [`P99_MIN_CALLS`]. Default [`DEFAULT_MIN_CALLS`].
    pub min_calls: u64,
    /// The family-wise significance level: the chance that a comparison of
    /// two runs of one distribution flags anything. Each test must reach it
    /// divided by the number of tests run (Bonferroni), so more operations
    /// do not mean more false alarms. Default [`DEFAULT_SIGNIFICANCE`].
    #[serde(default = "default_significance")]
    pub significance: f64,
}

fn default_significance() -> f64 {
    DEFAULT_SIGNIFICANCE
}

impl Default for CompareOptions {
    fn default() -> Self {
        CompareOptions {
            threshold_pct: DEFAULT_THRESHOLD_PCT,
            min_calls: DEFAULT_MIN_CALLS,
            significance: DEFAULT_SIGNIFICANCE,
        }
    }
}

impl CompareOptions {
    /// The change a measure must pass: the threshold, or the histogram's
    /// resolution where that is larger.
    pub(crate) fn limit_pct(&self) -> f64 {
        self.threshold_pct.max(PERCENTILE_RESOLUTION_PCT)
    }

    /// The change `measure` must pass: [`limit_pct`](Self::limit_pct), and
    /// for a p99 [`P99_BAR_FACTOR`] times it when the spread between runs
    /// is unknown (`spread_known` false).
    pub(crate) fn bar_pct(&self, measure: Measure, spread_known: bool) -> f64 {
        match measure {
            Measure::P99 if !spread_known => self.limit_pct() * P99_BAR_FACTOR,
            _ => self.limit_pct(),
        }
    }

    /// The timed calls a side needs for `measure` to be judged.
    pub(crate) fn calls_needed(&self, measure: Measure) -> u64 {
        match measure {
            Measure::P99 => self.min_calls.max(P99_MIN_CALLS),
            Measure::Typical | Measure::Mean => self.min_calls.max(1),
        }
    }
}
