//! One report against a baseline: what changed per operation, and which
//! changes are regressions worth failing a build for.
//!
//! This is data ([`Comparison`]); `compare_text` renders it.

use super::{OperationStats, SessionReport};
use crate::record::histogram::MAX_RELATIVE_ERROR;
use serde::{Deserialize, Serialize};

/// Percent change over which a rise in mean or p99 is a regression, by default.
pub const DEFAULT_THRESHOLD_PCT: f64 = 10.0;
/// Calls an operation needs on both sides before it gets a verdict, by default.
pub const DEFAULT_MIN_CALLS: u64 = 20;

/// The smallest change in a percentile, in percent, that the histogram can
/// tell from its own rounding: each side may be off by
/// [`MAX_RELATIVE_ERROR`], so two readings of the same distribution can
/// differ by twice that (6.25 %).
pub const PERCENTILE_RESOLUTION_PCT: f64 = 2.0 * MAX_RELATIVE_ERROR * 100.0;

/// What [`SessionReport::compare`] calls a regression.
///
/// ```
/// use profiler_runtime::CompareOptions;
///
/// let strict = CompareOptions { threshold_pct: 5.0, ..CompareOptions::default() };
/// assert_eq!((strict.threshold_pct, strict.min_calls), (5.0, 20));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct CompareOptions {
    /// A rise in mean or p99 time by more than this many percent is a
    /// regression (a fall by more, an improvement). The p99 must also move
    /// by more than [`PERCENTILE_RESOLUTION_PCT`]. Default
    /// [`DEFAULT_THRESHOLD_PCT`].
    pub threshold_pct: f64,
    /// Below this many calls on either side an operation gets no verdict
    /// ([`Verdict::TooFewCalls`]): a handful of calls is too noisy to judge.
    /// Default [`DEFAULT_MIN_CALLS`].
    pub min_calls: u64,
}

impl Default for CompareOptions {
    fn default() -> Self {
        CompareOptions { threshold_pct: DEFAULT_THRESHOLD_PCT, min_calls: DEFAULT_MIN_CALLS }
    }
}

/// Which report a [`Comparison`] side is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunId {
    /// The report's [`SessionReport::session_id`].
    pub session_id: String,
    /// Its [`SessionReport::sequence`].
    pub sequence: u64,
    /// Its [`SessionReport::started_at_unix_ms`].
    pub started_at_unix_ms: u64,
}

impl RunId {
    fn of(report: &SessionReport) -> RunId {
        RunId {
            session_id: report.session_id.clone(),
            sequence: report.sequence,
            started_at_unix_ms: report.started_at_unix_ms,
        }
    }
}

/// One figure before and after.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// In the baseline.
    pub before: u64,
    /// In the report compared.
    pub after: u64,
}

impl Change {
    /// After minus before (saturating at the ends of `i64`).
    ///
    /// ```
    /// let c = profiler_runtime::Change { before: 200, after: 150 };
    /// assert_eq!(c.delta(), -50);
    /// assert_eq!(c.percent(), Some(-25.0));
    /// ```
    pub fn delta(&self) -> i64 {
        let delta = i128::from(self.after) - i128::from(self.before);
        delta.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
    }

    /// The change in percent of `before`; `None` when `before` is 0.
    pub fn percent(&self) -> Option<f64> {
        (self.before > 0).then(|| self.delta() as f64 / self.before as f64 * 100.0)
    }
}

/// A figure a verdict looks at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// Mean call time.
    Mean,
    /// 99th percentile call time.
    P99,
}

/// What a comparison says about one operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Mean or p99 rose past the threshold.
    Regressed,
    /// Mean or p99 fell past the threshold, and neither rose past it.
    Improved,
    /// Neither moved past the threshold.
    Unchanged,
    /// Fewer than [`CompareOptions::min_calls`] calls on one side: no verdict.
    TooFewCalls,
}

/// How one operation present in both reports changed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OperationChange {
    /// The operation's name.
    pub name: String,
    /// Completed calls.
    pub calls: Change,
    /// Mean call time, nanoseconds.
    pub mean_ns: Change,
    /// Median call time, nanoseconds.
    pub p50_ns: Change,
    /// 99th percentile call time, nanoseconds.
    pub p99_ns: Change,
    /// Self time over the session (total less monitored callees),
    /// nanoseconds, when both reports measured it.
    #[serde(default)]
    pub self_ns: Option<Change>,
    /// What the change amounts to.
    pub verdict: Verdict,
    /// The measures that moved past the threshold in the verdict's
    /// direction (empty for [`Verdict::Unchanged`] and [`Verdict::TooFewCalls`]).
    pub flagged: Vec<Measure>,
}

/// An operation only one of the two reports has.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperationPresence {
    /// The operation's name.
    pub name: String,
    /// Its calls in the report that has it.
    pub calls: u64,
    /// Its mean call time there, nanoseconds.
    pub mean_ns: u64,
}

/// A report against a baseline (see [`SessionReport::compare`]); `Display`
/// prints it as a table with the regressions under it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// The report compared against.
    pub baseline: RunId,
    /// The report compared.
    pub current: RunId,
    /// What counted as a regression.
    pub options: CompareOptions,
    /// Operations in both reports, in the current report's order (slowest
    /// total first).
    pub operations: Vec<OperationChange>,
    /// Operations only the current report has.
    pub added: Vec<OperationPresence>,
    /// Operations only the baseline has.
    pub removed: Vec<OperationPresence>,
}

impl Comparison {
    /// The operations that regressed: a CI gate fails when there is one.
    ///
    /// ```
    /// # let m = profiler_runtime::Monitor::new();
    /// # m.start_session("run");
    /// # let baseline = m.end_session().unwrap();
    /// # m.start_session("run");
    /// # let report = m.end_session().unwrap();
    /// let comparison = report.compare(&baseline, &Default::default());
    /// if comparison.regressions().next().is_some() {
    ///     eprintln!("{comparison}");
    ///     std::process::exit(3);
    /// }
    /// ```
    pub fn regressions(&self) -> impl Iterator<Item = &OperationChange> {
        self.operations.iter().filter(|op| op.verdict == Verdict::Regressed)
    }

    /// The operations that improved.
    pub fn improvements(&self) -> impl Iterator<Item = &OperationChange> {
        self.operations.iter().filter(|op| op.verdict == Verdict::Improved)
    }
}

impl SessionReport {
    /// This report against `baseline`: for every operation in both, the
    /// change in calls, mean, p50 and p99, and a verdict; the operations
    /// added and removed.
    ///
    /// An operation regressed when its mean or its p99 rose by more than
    /// `options.threshold_pct` percent (the p99 also by more than
    /// [`PERCENTILE_RESOLUTION_PCT`], what the histogram can resolve), with
    /// at least `options.min_calls` calls on both sides.
    ///
    /// ```
    /// use profiler_runtime::{CompareOptions, Monitor, Verdict};
    ///
    /// let m = Monitor::new();
    /// m.start_session("run");
    /// let baseline = m.end_session().unwrap();
    /// m.start_session("run");
    /// m.operation("doc::compare::import").start().finish();
    /// let report = m.end_session().unwrap();
    ///
    /// let comparison = report.compare(&baseline, &CompareOptions::default());
    /// assert_eq!(comparison.added[0].name, "doc::compare::import");
    /// assert_eq!(comparison.regressions().count(), 0);
    /// assert!(comparison.to_string().contains("doc::compare::import"));
    /// ```
    pub fn compare(&self, baseline: &SessionReport, options: &CompareOptions) -> Comparison {
        let operations = self
            .operations
            .iter()
            .filter_map(|now| Some(change(baseline.operation(&now.name)?, now, options)))
            .collect();
        let only = |ops: &[OperationStats], other: &SessionReport| -> Vec<OperationPresence> {
            ops.iter()
                .filter(|op| other.operation(&op.name).is_none())
                .map(|op| OperationPresence {
                    name: op.name.clone(),
                    calls: op.calls,
                    mean_ns: op.mean_ns,
                })
                .collect()
        };
        Comparison {
            baseline: RunId::of(baseline),
            current: RunId::of(self),
            options: *options,
            operations,
            added: only(&self.operations, baseline),
            removed: only(&baseline.operations, self),
        }
    }
}

/// How `now` changed from `before`, and what that amounts to.
fn change(
    before: &OperationStats,
    now: &OperationStats,
    options: &CompareOptions,
) -> OperationChange {
    let pair = |b: u64, a: u64| Change { before: b, after: a };
    let mut op = OperationChange {
        name: now.name.clone(),
        calls: pair(before.calls, now.calls),
        mean_ns: pair(before.mean_ns, now.mean_ns),
        p50_ns: pair(before.p50_ns, now.p50_ns),
        p99_ns: pair(before.p99_ns, now.p99_ns),
        self_ns: before.self_ns.zip(now.self_ns).map(|(b, a)| pair(b, a)),
        verdict: Verdict::TooFewCalls,
        flagged: Vec::new(),
    };
    if before.calls < options.min_calls || now.calls < options.min_calls {
        return op;
    }
    let threshold = options.threshold_pct;
    let moves = [
        (Measure::Mean, op.mean_ns.percent(), threshold),
        (Measure::P99, op.p99_ns.percent(), threshold.max(PERCENTILE_RESOLUTION_PCT)),
    ];
    let past = |sign: f64| -> Vec<Measure> {
        moves
            .iter()
            .filter(|(_, pct, limit)| pct.is_some_and(|pct| pct * sign > *limit))
            .map(|(measure, _, _)| *measure)
            .collect()
    };
    let (rose, fell) = (past(1.0), past(-1.0));
    (op.verdict, op.flagged) = if !rose.is_empty() {
        (Verdict::Regressed, rose)
    } else if !fell.is_empty() {
        (Verdict::Improved, fell)
    } else {
        (Verdict::Unchanged, Vec::new())
    };
    op
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A real ended report with one manual operation, made once: the
    /// helpers below copy it, so they survive new fields and cost no session.
    fn template() -> &'static SessionReport {
        static TEMPLATE: std::sync::OnceLock<SessionReport> = std::sync::OnceLock::new();
        TEMPLATE.get_or_init(|| {
            let m = crate::Monitor::new();
            m.start_session("template");
            m.operation("report::compare::template").start().finish();
            m.end_session().expect("a session was running")
        })
    }

    /// An operation row with the figures a comparison reads.
    pub(crate) fn op(
        name: &str,
        calls: u64,
        mean_ns: u64,
        p50_ns: u64,
        p99_ns: u64,
    ) -> OperationStats {
        let mut op = template().operations[0].clone();
        op.name = name.to_owned();
        (op.calls, op.timed_calls, op.total_ns) = (calls, calls, calls * mean_ns);
        (op.mean_ns, op.p50_ns, op.p90_ns, op.p99_ns) = (mean_ns, p50_ns, p99_ns, p99_ns);
        op
    }

    /// A report of `ops`, as session `id` number `sequence`, started
    /// `sequence` seconds after a fixed time.
    pub(crate) fn report(id: &str, sequence: u64, ops: Vec<OperationStats>) -> SessionReport {
        let mut report = template().clone();
        report.session_id = id.to_owned();
        report.sequence = sequence;
        report.started_at_unix_ms = 1_700_000_000_000 + sequence * 1_000;
        report.operations = ops;
        report.bottlenecks.clear();
        report.findings.clear();
        report
    }

    fn verdict(before: OperationStats, after: OperationStats) -> OperationChange {
        let base = report("r", 1, vec![before]);
        let now = report("r", 2, vec![after]);
        now.compare(&base, &CompareOptions::default()).operations.remove(0)
    }

    #[test]
    fn self_time_changes_only_where_both_runs_measured_it() {
        let (mut before, mut after) =
            (op("a", 100, 1_000, 900, 2_000), op("a", 100, 1_000, 900, 2_000));
        before.self_ns = Some(40_000);
        after.self_ns = Some(90_000);
        let change = verdict(before.clone(), after.clone()).self_ns.unwrap();
        assert_eq!((change.before, change.after), (40_000, 90_000));
        after.self_ns = None;
        assert_eq!(verdict(before, after).self_ns, None);
    }

    #[test]
    fn a_mean_past_the_threshold_is_a_regression_naming_the_mean() {
        let c = verdict(op("a", 100, 1_000, 900, 5_000), op("a", 100, 1_150, 900, 5_000));
        assert_eq!(c.verdict, Verdict::Regressed);
        assert_eq!(c.flagged, [Measure::Mean]);
        assert_eq!(c.mean_ns.percent(), Some(15.0));
    }

    #[test]
    fn a_p99_past_the_threshold_is_a_regression_naming_the_p99() {
        let c = verdict(op("a", 100, 1_000, 900, 5_000), op("a", 100, 1_020, 900, 6_000));
        assert_eq!((c.verdict, c.flagged), (Verdict::Regressed, vec![Measure::P99]));
    }

    #[test]
    fn changes_within_the_threshold_are_unchanged() {
        let c = verdict(op("a", 100, 1_000, 900, 5_000), op("a", 120, 1_090, 990, 5_450));
        assert_eq!((c.verdict, c.flagged), (Verdict::Unchanged, vec![]));
    }

    #[test]
    fn a_fall_past_the_threshold_is_an_improvement() {
        let c = verdict(op("a", 100, 1_000, 900, 5_000), op("a", 100, 800, 700, 5_000));
        assert_eq!((c.verdict, c.flagged), (Verdict::Improved, vec![Measure::Mean]));
    }

    #[test]
    fn a_rise_wins_over_a_fall() {
        let c = verdict(op("a", 100, 1_000, 900, 5_000), op("a", 100, 700, 700, 9_000));
        assert_eq!((c.verdict, c.flagged), (Verdict::Regressed, vec![Measure::P99]));
    }

    #[test]
    fn too_few_calls_on_either_side_gives_no_verdict() {
        let doubled = |calls_before, calls_after| {
            verdict(
                op("a", calls_before, 1_000, 900, 5_000),
                op("a", calls_after, 2_000, 1_800, 9_000),
            )
            .verdict
        };
        assert_eq!(doubled(19, 100), Verdict::TooFewCalls);
        assert_eq!(doubled(100, 19), Verdict::TooFewCalls);
        assert_eq!(doubled(20, 20), Verdict::Regressed);
    }

    #[test]
    fn a_p99_move_under_the_histograms_resolution_is_not_flagged_even_at_a_low_threshold() {
        let base = report("r", 1, vec![op("a", 100, 1_000, 900, 5_000)]);
        let now = report("r", 2, vec![op("a", 100, 1_000, 900, 5_250)]);
        let options = CompareOptions { threshold_pct: 1.0, min_calls: 1 };
        assert_eq!(now.compare(&base, &options).operations[0].verdict, Verdict::Unchanged);
        let now = report("r", 2, vec![op("a", 100, 1_000, 900, 5_400)]);
        assert_eq!(now.compare(&base, &options).operations[0].verdict, Verdict::Regressed);
    }

    #[test]
    fn added_and_removed_operations_are_listed_and_regressions_filtered() {
        let base = report("r", 1, vec![op("kept", 50, 100, 90, 300), op("gone", 50, 10, 9, 30)]);
        let now = report("r", 2, vec![op("new", 5, 7, 7, 7), op("kept", 50, 200, 180, 600)]);
        let c = now.compare(&base, &CompareOptions::default());
        assert_eq!(c.added.iter().map(|o| o.name.as_str()).collect::<Vec<_>>(), ["new"]);
        assert_eq!(c.removed.iter().map(|o| o.name.as_str()).collect::<Vec<_>>(), ["gone"]);
        assert_eq!(c.regressions().map(|o| o.name.as_str()).collect::<Vec<_>>(), ["kept"]);
        assert_eq!(c.improvements().count(), 0);
        assert_eq!((c.baseline.sequence, c.current.sequence), (1, 2));
    }

    #[test]
    fn a_zero_baseline_has_no_percentage() {
        let c = Change { before: 0, after: 10 };
        assert_eq!((c.delta(), c.percent()), (10, None));
        let huge = Change { before: u64::MAX, after: 0 };
        assert_eq!(huge.delta(), i64::MIN);
    }
}
