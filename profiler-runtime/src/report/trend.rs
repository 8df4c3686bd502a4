//! Where each operation is heading over a run history: improving,
//! degrading or stable, with a guard against calling noise a trend.
//!
//! # The rule
//!
//! The latest run is set against the previous runs of the same session id
//! (at most [`TrendOptions::window`] of them, the most recent), counting only
//! runs where the operation made at least [`TrendOptions::min_calls`] calls.
//! The baseline is the median of those runs' means, and of their medians
//! (p50): a median, so one odd run does not move it. An operation is
//! **degrading** when all three hold:
//!
//! - its mean rose by more than [`TrendOptions::threshold_pct`] over the
//!   baseline's;
//! - its p50 rose by more than that too, and by more than
//!   [`PERCENTILE_RESOLUTION_PCT`], what the histogram can tell apart;
//! - its mean is above every baseline run's mean: a run inside the range
//!   the previous runs already spanned is no news.
//!
//! **Improving** is the same downwards; anything else is **stable**. Needing
//! the mean and the median to agree keeps one slow outlier call from reading
//! as a trend; a change in the tail alone shows in
//! [`SessionReport::compare`]'s p99 instead.
//!
//! This is data ([`Trends`]); `trend_text` renders it.

use super::compare::{Change, PERCENTILE_RESOLUTION_PCT};
use super::SessionReport;
use serde::{Deserialize, Serialize};

/// How [`Trends::of`] reads a history; see the module's rule.
///
/// ```
/// let options = profiler_runtime::TrendOptions { window: 3, ..Default::default() };
/// assert_eq!((options.window, options.min_calls, options.threshold_pct), (3, 20, 10.0));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrendOptions {
    /// How many previous runs make the baseline, at most (default 5; 0 is
    /// taken as 1).
    pub window: usize,
    /// Calls an operation needs in a run for the run to count (default 20).
    pub min_calls: u64,
    /// Percent the mean and the median must both move by (default 10).
    pub threshold_pct: f64,
}

impl Default for TrendOptions {
    fn default() -> Self {
        TrendOptions { window: 5, min_calls: 20, threshold_pct: 10.0 }
    }
}

/// Where one operation is heading.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Faster than the baseline, beyond the noise.
    Improving,
    /// Slower than the baseline, beyond the noise.
    Degrading,
    /// Within the noise of the baseline.
    Stable,
    /// The latest run made fewer than [`TrendOptions::min_calls`] calls.
    TooFewCalls,
    /// No previous run with enough calls to compare with.
    NoHistory,
}

/// One operation's trend: the latest run against the baseline.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Trend {
    /// The operation's name.
    pub name: String,
    /// Previous runs in the baseline.
    pub baseline_runs: usize,
    /// Mean call time, nanoseconds: the baseline's median `before`, the
    /// latest run's `after` (`before` is 0 without a baseline).
    pub mean_ns: Change,
    /// Median call time, nanoseconds, the same way.
    pub p50_ns: Change,
    /// The verdict.
    pub direction: Direction,
}

/// Every operation's trend in the latest of a series of runs.
///
/// The baseline is the median mean and median p50 of up to
/// [`TrendOptions::window`] previous runs of the same session id in which the
/// operation made at least [`TrendOptions::min_calls`] calls. The operation
/// is [`Direction::Degrading`] when its mean rose by more than
/// [`TrendOptions::threshold_pct`], its p50 by more than that and more than
/// [`PERCENTILE_RESOLUTION_PCT`](crate::PERCENTILE_RESOLUTION_PCT), and its
/// mean is above every baseline run's; [`Direction::Improving`] the same
/// downwards; [`Direction::Stable`] otherwise. The mean and the median must
/// agree, so a few outlier calls are not a trend; the run must leave the
/// range the baseline runs spanned, so a noisy history stays quiet.
///
/// ```
/// use profiler_runtime::{Direction, Monitor, TrendOptions, Trends};
///
/// let m = Monitor::new();
/// for _ in 0..3 {
///     m.start_session("nightly");
///     for _ in 0..30 {
///         m.operation("doc::trend::step").start().finish();
///     }
///     m.end_session();
/// }
/// let trends = Trends::of(&m.session_history(), &TrendOptions::default());
/// assert_eq!(trends.runs, 3);
/// let step = &trends.operations[0];
/// assert_eq!(step.baseline_runs, 2);
/// assert_ne!(step.direction, Direction::NoHistory);
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Trends {
    /// The session id the runs share (the latest run's).
    pub session_id: String,
    /// Runs of that id read, the latest included.
    pub runs: usize,
    /// The rule's settings.
    pub options: TrendOptions,
    /// One per operation of the latest run, in its order.
    pub operations: Vec<Trend>,
}

impl Trends {
    /// The trends of the last of `reports` (oldest first) against the ones
    /// before it with the same session id; reports of other sessions are
    /// left out, as comparing a start-up with an import says nothing. No
    /// reports: no operations.
    pub fn of(reports: &[SessionReport], options: &TrendOptions) -> Trends {
        let Some(latest) = reports.last() else {
            return Trends {
                session_id: String::new(),
                runs: 0,
                options: *options,
                operations: Vec::new(),
            };
        };
        let same: Vec<&SessionReport> =
            reports.iter().filter(|r| r.session_id == latest.session_id).collect();
        let earlier = &same[..same.len() - 1];
        let operations = latest
            .operations
            .iter()
            .map(|op| {
                let mut runs: Vec<(u64, u64)> = earlier
                    .iter()
                    .filter_map(|r| r.operation(&op.name))
                    .filter(|o| o.calls >= options.min_calls)
                    .map(|o| (o.mean_ns, o.p50_ns))
                    .collect();
                let keep = options.window.max(1);
                let runs = runs.split_off(runs.len().saturating_sub(keep));
                trend(&op.name, op.calls, (op.mean_ns, op.p50_ns), &runs, options)
            })
            .collect();
        Trends {
            session_id: latest.session_id.clone(),
            runs: same.len(),
            options: *options,
            operations,
        }
    }
}

/// The median of `values` (the mean of the middle two for an even count).
fn median(mut values: Vec<u64>) -> u64 {
    values.sort_unstable();
    let n = values.len();
    match n {
        0 => 0,
        _ if n % 2 == 1 => values[n / 2],
        _ => {
            let (a, b) = (values[n / 2 - 1], values[n / 2]);
            a / 2 + b / 2 + (a % 2 + b % 2) / 2
        }
    }
}

/// One operation's trend: `latest` (mean, p50) over `calls` calls against
/// the baseline `runs`.
fn trend(
    name: &str,
    calls: u64,
    latest: (u64, u64),
    runs: &[(u64, u64)],
    options: &TrendOptions,
) -> Trend {
    let mean_ns = Change { before: median(runs.iter().map(|r| r.0).collect()), after: latest.0 };
    let p50_ns = Change { before: median(runs.iter().map(|r| r.1).collect()), after: latest.1 };
    let direction = if calls < options.min_calls {
        Direction::TooFewCalls
    } else if runs.is_empty() {
        Direction::NoHistory
    } else {
        let threshold = options.threshold_pct;
        let p50_limit = threshold.max(PERCENTILE_RESOLUTION_PCT);
        let (mean_pct, p50_pct) =
            (mean_ns.percent().unwrap_or(0.0), p50_ns.percent().unwrap_or(0.0));
        let highest = runs.iter().map(|r| r.0).max().unwrap_or(0);
        let lowest = runs.iter().map(|r| r.0).min().unwrap_or(0);
        if mean_pct > threshold && p50_pct > p50_limit && latest.0 > highest {
            Direction::Degrading
        } else if -mean_pct > threshold && -p50_pct > p50_limit && latest.0 < lowest {
            Direction::Improving
        } else {
            Direction::Stable
        }
    };
    Trend { name: name.to_owned(), baseline_runs: runs.len(), mean_ns, p50_ns, direction }
}

#[cfg(test)]
mod tests {
    use super::super::compare::tests::{op, report};
    use super::*;

    /// Runs of session `id` where operation "a" had these (mean, p50), 100
    /// calls each.
    fn history(id: &str, runs: &[(u64, u64)]) -> Vec<SessionReport> {
        runs.iter()
            .enumerate()
            .map(|(i, &(mean, p50))| {
                report(id, i as u64 + 1, vec![op("a", 100, mean, p50, p50 * 3)])
            })
            .collect()
    }

    fn direction(runs: &[(u64, u64)]) -> Direction {
        Trends::of(&history("job", runs), &TrendOptions::default()).operations[0].direction
    }

    #[test]
    fn a_clear_rise_over_a_steady_history_is_degrading() {
        let runs = [(1_000, 900), (1_020, 910), (990, 890), (1_010, 905), (1_300, 1_150)];
        assert_eq!(direction(&runs), Direction::Degrading);
        let trends = Trends::of(&history("job", &runs), &TrendOptions::default());
        let t = &trends.operations[0];
        assert_eq!((t.baseline_runs, t.mean_ns.before, t.mean_ns.after), (4, 1_005, 1_300));
    }

    #[test]
    fn a_clear_fall_is_improving() {
        let runs = [(1_000, 900), (1_020, 910), (990, 890), (700, 640)];
        assert_eq!(direction(&runs), Direction::Improving);
    }

    #[test]
    fn noise_within_the_threshold_is_stable() {
        let runs = [(1_000, 900), (1_080, 960), (930, 850), (1_050, 940), (1_090, 970)];
        assert_eq!(direction(&runs), Direction::Stable);
    }

    #[test]
    fn a_run_inside_the_range_earlier_runs_spanned_is_stable() {
        // The median is 1,000, the latest is 20 % over it, but one earlier
        // run was slower still: the history is that noisy.
        let runs = [(1_000, 900), (1_400, 1_300), (990, 890), (1_000, 900), (1_200, 1_080)];
        assert_eq!(direction(&runs), Direction::Stable);
    }

    #[test]
    fn a_mean_moved_by_outliers_alone_is_stable() {
        // The mean rose by half, the typical call did not move.
        let runs = [(1_000, 900), (1_000, 900), (1_500, 905)];
        assert_eq!(direction(&runs), Direction::Stable);
    }

    #[test]
    fn a_median_move_under_the_histograms_resolution_is_stable_even_at_a_low_threshold() {
        let options = TrendOptions { threshold_pct: 2.0, ..TrendOptions::default() };
        let verdict = |p50| {
            Trends::of(&history("job", &[(1_000, 1_000), (1_100, p50)]), &options).operations[0]
                .direction
        };
        assert_eq!(verdict(1_050), Direction::Stable);
        assert_eq!(verdict(1_070), Direction::Degrading);
    }

    #[test]
    fn too_few_calls_or_no_history_give_no_direction() {
        assert_eq!(direction(&[(1_000, 900)]), Direction::NoHistory);
        let mut runs = history("job", &[(1_000, 900), (2_000, 1_800)]);
        runs[1].operations[0].calls = 19;
        assert_eq!(
            Trends::of(&runs, &TrendOptions::default()).operations[0].direction,
            Direction::TooFewCalls
        );
        // A previous run with too few calls does not count as history.
        let mut runs = history("job", &[(1_000, 900), (2_000, 1_800)]);
        runs[0].operations[0].calls = 5;
        assert_eq!(
            Trends::of(&runs, &TrendOptions::default()).operations[0].direction,
            Direction::NoHistory
        );
    }

    #[test]
    fn only_runs_of_the_latest_session_id_and_the_window_count() {
        let mut runs = history("other", &[(5_000, 4_500), (5_000, 4_500)]);
        runs.extend(history("job", &[(1_000, 900), (1_000, 900), (1_300, 1_200)]));
        let trends = Trends::of(&runs, &TrendOptions::default());
        assert_eq!((trends.session_id.as_str(), trends.runs), ("job", 3));
        assert_eq!(trends.operations[0].direction, Direction::Degrading);
        // With a window of one, only the run just before counts.
        let runs = history("job", &[(100, 90), (1_000, 900), (1_050, 940)]);
        let options = TrendOptions { window: 1, ..TrendOptions::default() };
        let t = &Trends::of(&runs, &options).operations[0];
        assert_eq!((t.baseline_runs, t.mean_ns.before, t.direction), (1, 1_000, Direction::Stable));
    }

    #[test]
    fn no_reports_is_no_trends_and_medians_do_not_overflow() {
        assert!(Trends::of(&[], &TrendOptions::default()).operations.is_empty());
        assert_eq!(median(vec![u64::MAX, u64::MAX]), u64::MAX);
        assert_eq!(median(vec![3, 1, 2]), 2);
        assert_eq!(median(vec![1, 4]), 2);
    }
}
