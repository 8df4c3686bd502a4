//! One report against a baseline: what changed per operation, and which
//! changes are regressions worth failing a build for.
//!
//! This is data ([`Comparison`]); `compare_text` renders it. A measure is a
//! regression when it moved past the threshold *and* its test over the two
//! histograms says the calls moved (see `report::evidence` for the tests and
//! why rank tests); a measure without the calls its test needs gets no
//! verdict, and says so. Against a baseline of several runs
//! ([`SessionReport::compare_with_runs`]) a change must also be past what
//! the runs themselves vary by (see `spread`).

mod baseline;
mod judge;
mod mismatch;
mod options;
mod spread;
mod verdict;

pub use mismatch::Mismatch;
pub use options::{
    CompareOptions, DEFAULT_MIN_CALLS, DEFAULT_SIGNIFICANCE, DEFAULT_THRESHOLD_PCT, P99_BAR_FACTOR,
    P99_MIN_CALLS, PERCENTILE_RESOLUTION_PCT,
};
pub use spread::MIN_SPREAD_RUNS;
pub use verdict::{Change, Judgement, Measure, Outcome, Verdict};

use super::{OperationStats, SessionReport};
use serde::{Deserialize, Serialize};

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
    /// The id of `report`.
    pub fn of(report: &SessionReport) -> RunId {
        RunId {
            session_id: report.session_id.clone(),
            sequence: report.sequence,
            started_at_unix_ms: report.started_at_unix_ms,
        }
    }
}

/// How one operation present in both reports changed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OperationChange {
    /// The operation's name.
    pub name: String,
    /// Completed calls.
    pub calls: Change,
    /// Calls whose times the histograms hold: the tests' samples (fewer
    /// than `calls` for a sampled operation). 0 in comparisons saved
    /// before it was kept.
    #[serde(default)]
    pub timed_calls: Change,
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
    /// The measures that moved past the threshold, with evidence, in the
    /// verdict's direction (empty unless [`Verdict::Regressed`] or
    /// [`Verdict::Improved`]).
    pub flagged: Vec<Measure>,
    /// Each judged measure (the typical call, the p99): its change, its
    /// test's p-value and what it concluded, or why it could not. Empty in
    /// comparisons saved before measures were tested.
    #[serde(default)]
    pub judgements: Vec<Judgement>,
}

impl OperationChange {
    /// The judgement of `measure`, if it was judged.
    pub fn judgement(&self, measure: Measure) -> Option<&Judgement> {
        self.judgements.iter().find(|j| j.measure == measure)
    }
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
/// prints it as a table with the regressions under it, and
/// `to_json` (the `json` feature) as JSON with these fields.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// The report compared against (for a baseline made of several runs,
    /// the newest of them).
    pub baseline: RunId,
    /// When the baseline is the median of several runs
    /// ([`SessionReport::median_of`]), those runs, oldest first; empty for
    /// a baseline of one report.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub baseline_runs: Vec<RunId>,
    /// The report compared.
    pub current: RunId,
    /// What counted as a regression.
    pub options: CompareOptions,
    /// The tests run (measures with the calls they need, over all
    /// operations): the significance level is divided by this. 0 in
    /// comparisons saved before tests were run.
    #[serde(default)]
    pub tests: u64,
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

    /// The p-value each test had to go under: the significance level
    /// divided by the number of tests.
    pub fn level(&self) -> f64 {
        self.options.significance / self.tests.max(1) as f64
    }
}

impl SessionReport {
    /// This report against `baseline`: for every operation in both, the
    /// change in calls, mean, p50 and p99, each measure's judgement and a
    /// verdict; the operations added and removed.
    ///
    /// Two measures are judged, from the operation's histograms of call
    /// times: the typical call (the Hodges-Lehmann shift, with Mann-Whitney's
    /// rank test) once both sides have `options.min_calls` timed calls, and
    /// the p99 (with Mood's quantile test) once both have
    /// [`P99_MIN_CALLS`]. A measure regressed when it rose by more than
    /// `options.threshold_pct` (and [`PERCENTILE_RESOLUTION_PCT`]; a p99,
    /// [`P99_BAR_FACTOR`] times that, since one run against one cannot see
    /// how much runs vary) and its test's p-value is under `options.significance` divided by the
    /// number of tests run. Whether the two reports can be compared at all
    /// is [`SessionReport::check_comparable`]'s question.
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
        self.compare_against(baseline, &[], options)
    }

    /// [`compare`](Self::compare) with `baseline` made from `runs` (empty
    /// for one report): each measure's spread between them, where
    /// [`MIN_SPREAD_RUNS`] of them have the calls it needs, goes into its
    /// judgement.
    pub(crate) fn compare_against(
        &self,
        baseline: &SessionReport,
        runs: &[SessionReport],
        options: &CompareOptions,
    ) -> Comparison {
        let pairs: Vec<(&OperationStats, &OperationStats)> = self
            .operations
            .iter()
            .filter_map(|now| Some((baseline.operation(&now.name)?, now)))
            .collect();
        let tested: Vec<_> = pairs
            .iter()
            .map(|(before, now)| {
                let rows: Vec<&OperationStats> =
                    runs.iter().filter_map(|run| run.operation(&now.name)).collect();
                let spread_of =
                    |measure| spread::spread(before, &rows, measure, options.calls_needed(measure));
                let spreads = [spread_of(Measure::Typical), spread_of(Measure::P99)];
                judge::test(before, now, options, spreads)
            })
            .collect();
        let tests = tested.iter().flatten().filter(|t| t.ran()).count() as u64;
        let level = options.significance / tests.max(1) as f64;
        let operations = pairs
            .iter()
            .zip(&tested)
            .map(|(&(before, now), tested)| change(before, now, tested, options, level))
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
            baseline_runs: Vec::new(),
            current: RunId::of(self),
            options: *options,
            tests,
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
    tested: &[judge::Tested],
    options: &CompareOptions,
    level: f64,
) -> OperationChange {
    let pair = |b: u64, a: u64| Change { before: b, after: a };
    let judgements: Vec<Judgement> =
        tested.iter().map(|t| judge::judge(t, options, level)).collect();
    let verdict = Verdict::of(&judgements);
    let direction = match verdict {
        Verdict::Regressed => Some(Outcome::Rose),
        Verdict::Improved => Some(Outcome::Fell),
        _ => None,
    };
    let flagged =
        judgements.iter().filter(|j| Some(j.outcome) == direction).map(|j| j.measure).collect();
    OperationChange {
        name: now.name.clone(),
        calls: pair(before.calls, now.calls),
        timed_calls: pair(before.histogram.count(), now.histogram.count()),
        mean_ns: pair(before.mean_ns, now.mean_ns),
        p50_ns: pair(before.p50_ns, now.p50_ns),
        p99_ns: pair(before.p99_ns, now.p99_ns),
        self_ns: before.self_ns.zip(now.self_ns).map(|(b, a)| pair(b, a)),
        verdict,
        flagged,
        judgements,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::record::storage::histogram::Histogram;

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

    /// An operation row with the figures given; its histogram holds one
    /// call in a hundred at `p99_ns` and the rest at `p50_ns`.
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
        let tail = calls / 100;
        op.histogram = Histogram::from_values(
            std::iter::repeat_n(p50_ns, (calls - tail) as usize)
                .chain(std::iter::repeat_n(p99_ns, tail as usize)),
        );
        op
    }

    /// An operation row whose figures all come from these call times.
    pub(crate) fn op_of(name: &str, calls: &[u64]) -> OperationStats {
        let mut op = template().operations[0].clone();
        op.name = name.to_owned();
        let histogram = Histogram::from_values(calls.iter().copied());
        let n = calls.len() as u64;
        let quantile = |q| histogram.quantile(q).unwrap_or(0);
        (op.calls, op.timed_calls, op.total_ns) = (n, n, calls.iter().sum());
        op.mean_ns = op.total_ns / n.max(1);
        (op.p50_ns, op.p90_ns, op.p99_ns) = (quantile(0.5), quantile(0.9), quantile(0.99));
        op.min_ns = calls.iter().copied().min().unwrap_or(0);
        op.max_ns = calls.iter().copied().max().unwrap_or(0);
        op.self_ns = Some(op.total_ns);
        op.histogram = histogram;
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

    /// A small deterministic generator (splitmix64).
    pub(crate) struct Rng(pub(crate) u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }

        /// Uniform in (0, 1).
        fn uniform(&mut self) -> f64 {
            ((self.next() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
        }

        /// A standard normal draw (Box-Muller).
        fn normal(&mut self) -> f64 {
            let (u, v) = (self.uniform(), self.uniform());
            (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
        }
    }

    /// `n` call times of a job whose calls take about 20 µs (log-normal,
    /// spread 30 %) with one in fifty about ten times longer, all scaled
    /// by `factor`.
    pub(crate) fn calls(rng: &mut Rng, n: usize, factor: f64) -> Vec<u64> {
        (0..n)
            .map(|_| {
                let slow = if rng.uniform() < 0.02 { 10.0 } else { 1.0 };
                (20_000.0 * slow * factor * (0.3 * rng.normal()).exp()) as u64
            })
            .collect()
    }

    fn compare_calls(before: &[u64], after: &[u64]) -> OperationChange {
        let base = report("r", 1, vec![op_of("a", before)]);
        let now = report("r", 2, vec![op_of("a", after)]);
        now.compare(&base, &CompareOptions::default()).operations.remove(0)
    }

    fn outcome(change: &OperationChange, measure: Measure) -> Outcome {
        change.judgement(measure).expect("judged").outcome
    }

    #[test]
    fn runs_of_one_distribution_are_not_regressions() {
        // 300 pairs of independent runs: with a level of 0.001 split over
        // two tests, a calibrated test expects 0.3 alarms in all.
        let mut rng = Rng(1);
        let mut alarms = 0;
        for n in [20, 60, 150, 400, 1_500].into_iter().cycle().take(300) {
            let (before, after) = (calls(&mut rng, n, 1.0), calls(&mut rng, n, 1.0));
            let change = compare_calls(&before, &after);
            if !matches!(change.verdict, Verdict::Unchanged | Verdict::NotSignificant) {
                alarms += 1;
            }
        }
        assert!(alarms <= 1, "{alarms} of 300 unchanged pairs judged a change");
    }

    #[test]
    fn a_fifth_slower_is_a_regression_of_the_typical_call_and_the_p99() {
        let mut rng = Rng(2);
        for _ in 0..50 {
            let (before, after) = (calls(&mut rng, 1_000, 1.0), calls(&mut rng, 1_000, 1.2));
            let change = compare_calls(&before, &after);
            assert_eq!(change.verdict, Verdict::Regressed, "{change:#?}");
            assert!(change.flagged.contains(&Measure::Typical), "{change:#?}");
            let shift = change.judgement(Measure::Typical).unwrap().change_pct.unwrap();
            assert!((shift - 20.0).abs() < 6.0, "{shift}");
        }
        // Faster by as much: an improvement.
        let (before, after) = (calls(&mut rng, 1_000, 1.2), calls(&mut rng, 1_000, 1.0));
        assert_eq!(compare_calls(&before, &after).verdict, Verdict::Improved);
    }

    #[test]
    fn a_few_stalled_calls_move_the_mean_but_are_no_regression() {
        let mut rng = Rng(3);
        let before = calls(&mut rng, 1_000, 1.0);
        let mut after = calls(&mut rng, 1_000, 1.0);
        for stalled in after.iter_mut().step_by(250) {
            *stalled = 8_000_000; // four calls preempted for 8 ms
        }
        let change = compare_calls(&before, &after);
        assert!(change.mean_ns.percent().unwrap() > 50.0, "{change:#?}");
        assert_eq!(change.verdict, Verdict::Unchanged, "{change:#?}");
    }

    #[test]
    fn a_slower_tail_alone_is_a_p99_regression() {
        let mut rng = Rng(4);
        let before = calls(&mut rng, 5_000, 1.0);
        let after: Vec<u64> = calls(&mut rng, 5_000, 1.0)
            .into_iter()
            .map(|c| if c > 80_000 { c * 2 } else { c })
            .collect();
        let change = compare_calls(&before, &after);
        assert_eq!(
            (change.verdict, change.flagged.clone()),
            (Verdict::Regressed, vec![Measure::P99]),
            "{change:#?}"
        );
        assert_eq!(outcome(&change, Measure::Typical), Outcome::Within);
    }

    #[test]
    fn a_p99_needs_a_hundred_calls_a_side_and_the_typical_call_twenty() {
        let mut rng = Rng(5);
        let slower = |rng: &mut Rng, n| compare_calls(&calls(rng, n, 1.0), &calls(rng, n, 1.6));
        let fifty = slower(&mut rng, 50);
        assert_eq!(outcome(&fifty, Measure::Typical), Outcome::Rose, "{fifty:#?}");
        let p99 = fifty.judgement(Measure::P99).unwrap();
        assert_eq!((p99.outcome, p99.calls_needed, p99.p_value), (Outcome::TooFewCalls, 100, None));
        let hundred = slower(&mut rng, 100);
        assert_ne!(outcome(&hundred, Measure::P99), Outcome::TooFewCalls, "{hundred:#?}");
        let few = compare_calls(&calls(&mut rng, 19, 1.0), &calls(&mut rng, 400, 3.0));
        assert_eq!(few.verdict, Verdict::TooFewCalls, "{few:#?}");
        assert!(few.judgements.iter().all(|j| j.outcome == Outcome::TooFewCalls));
        assert_eq!(few.judgement(Measure::Typical).unwrap().calls_needed, 20);
    }

    #[test]
    fn a_move_past_the_threshold_without_evidence_is_not_significant() {
        // Twenty calls a side spread over two orders of magnitude: a 30 %
        // shift is well within what such a sample does by chance.
        let before: Vec<u64> = (0..20).map(|i| 1_000 * (1 + i * i)).collect();
        let after: Vec<u64> = before.iter().map(|c| c * 13 / 10).collect();
        let change = compare_calls(&before, &after);
        let typical = change.judgement(Measure::Typical).unwrap();
        assert_eq!(typical.outcome, Outcome::NotSignificant, "{change:#?}");
        assert!(
            typical.change_pct.unwrap() > 10.0 && typical.p_value.unwrap() > 0.01,
            "{typical:?}"
        );
        assert_eq!(change.verdict, Verdict::NotSignificant);
    }

    #[test]
    fn more_operations_mean_a_stricter_level_for_each() {
        let ops = |factor: f64| -> Vec<OperationStats> {
            let mut rng = Rng(6);
            (0..10).map(|i| op_of(&format!("op{i}"), &calls(&mut rng, 500, factor))).collect()
        };
        let (base, now) = (report("r", 1, ops(1.0)), report("r", 2, ops(1.0)));
        let c = now.compare(&base, &CompareOptions::default());
        assert_eq!(c.tests, 20);
        assert!((c.level() - 0.001 / 20.0).abs() < 1e-15);
    }

    #[test]
    fn a_report_without_histograms_gets_no_verdict_and_says_why() {
        let mut old = op("a", 500, 1_000, 900, 5_000);
        old.histogram = Histogram::default();
        let now = op("a", 500, 2_000, 1_800, 9_000);
        let c = report("r", 2, vec![now])
            .compare(&report("r", 1, vec![old]), &CompareOptions::default());
        assert_eq!(c.operations[0].verdict, Verdict::NoHistogram);
        assert_eq!(c.tests, 0);
    }

    #[test]
    fn self_time_changes_only_where_both_runs_measured_it() {
        let (mut before, mut after) =
            (op("a", 100, 1_000, 900, 2_000), op("a", 100, 1_000, 900, 2_000));
        before.self_ns = Some(40_000);
        after.self_ns = Some(90_000);
        let options = CompareOptions::default();
        let c = report("r", 2, vec![after.clone()])
            .compare(&report("r", 1, vec![before.clone()]), &options);
        let change = c.operations[0].self_ns.unwrap();
        assert_eq!((change.before, change.after), (40_000, 90_000));
        after.self_ns = None;
        let c = report("r", 2, vec![after]).compare(&report("r", 1, vec![before]), &options);
        assert_eq!(c.operations[0].self_ns, None);
    }

    #[test]
    fn a_move_under_the_histograms_resolution_is_not_flagged_even_at_a_low_threshold() {
        let base = report("r", 1, vec![op("a", 1_000, 1_000, 1_000, 1_000)]);
        let options = CompareOptions { threshold_pct: 1.0, ..CompareOptions::default() };
        // 1,000 ns and 1,050 ns fall in neighbouring buckets (32 ns wide).
        let now = report("r", 2, vec![op("a", 1_000, 1_050, 1_050, 1_050)]);
        assert_eq!(now.compare(&base, &options).operations[0].verdict, Verdict::Unchanged);
        let now = report("r", 2, vec![op("a", 1_000, 1_100, 1_100, 1_100)]);
        assert_eq!(now.compare(&base, &options).operations[0].verdict, Verdict::Regressed);
    }

    #[test]
    fn added_and_removed_operations_are_listed_and_regressions_filtered() {
        let base = report("r", 1, vec![op("kept", 500, 100, 100, 300), op("gone", 50, 10, 9, 30)]);
        let now = report("r", 2, vec![op("new", 5, 7, 7, 7), op("kept", 500, 200, 200, 600)]);
        let c = now.compare(&base, &CompareOptions::default());
        assert_eq!(c.added.iter().map(|o| o.name.as_str()).collect::<Vec<_>>(), ["new"]);
        assert_eq!(c.removed.iter().map(|o| o.name.as_str()).collect::<Vec<_>>(), ["gone"]);
        assert_eq!(c.regressions().map(|o| o.name.as_str()).collect::<Vec<_>>(), ["kept"]);
        assert_eq!(c.improvements().count(), 0);
        assert_eq!((c.baseline.sequence, c.current.sequence), (1, 2));
    }

    #[test]
    fn reports_that_cannot_be_judged_are_a_mismatch_naming_why() {
        let ops = |names: &[&str]| names.iter().map(|n| op(n, 100, 1_000, 900, 5_000)).collect();
        let base = report("job", 1, ops(&["a", "b", "c", "d"]));
        let check = |now: &SessionReport| now.check_comparable(&base);
        assert_eq!(check(&report("job", 2, ops(&["a", "b", "x"]))), Ok(()));
        assert_eq!(check(&report("job", 2, vec![])), Err(Mismatch::NoOperations));
        let mut off = report("job", 2, vec![]);
        off.recording = crate::Recording::Off;
        assert_eq!(
            check(&off),
            Err(Mismatch::Unrecorded { baseline: false, recording: crate::Recording::Off })
        );
        let other = check(&report("other", 2, ops(&["a"]))).unwrap_err();
        assert_eq!(
            other.to_string(),
            "the report is of session \"other\" and the baseline of session \"job\": \
             compare runs of one session"
        );
        let most = check(&report("job", 2, ops(&["d", "x", "y"]))).unwrap_err();
        assert_eq!(most, Mismatch::MostMissing { missing: 3, of: 4, first: "a".to_owned() });
        assert!(most.to_string().starts_with("3 of the baseline's 4 operations are missing"));
        let empty = report("job", 1, vec![]);
        assert_eq!(base.check_comparable(&empty), Err(Mismatch::EmptyBaseline));
        assert!(
            Mismatch::EmptyBaseline.about_baseline() && !Mismatch::NoOperations.about_baseline()
        );
        let mut compiled_out = empty.clone();
        compiled_out.recording = crate::Recording::CompiledOut;
        let refused = base.check_comparable(&compiled_out).unwrap_err();
        assert!(
            refused.about_baseline() && refused.to_string().contains("compiled out"),
            "{refused}"
        );
    }

    /// Baseline runs of `a`, 5,000 calls each, one scaled by each factor.
    fn runs_of(rng: &mut Rng, factors: &[f64]) -> Vec<SessionReport> {
        (1..)
            .zip(factors)
            .map(|(sequence, &f)| report("r", sequence, vec![op_of("a", &calls(rng, 5_000, f))]))
            .collect()
    }

    #[test]
    fn a_change_past_the_runs_spread_regresses_and_the_same_within_it_gets_no_verdict() {
        let mut rng = Rng(7);
        let steady = runs_of(&mut rng, &[1.0; 5]);
        let noisy = runs_of(&mut rng, &[0.9, 1.0, 1.0, 1.15, 1.2]);
        let slower = report("r", 9, vec![op_of("a", &calls(&mut rng, 5_000, 1.2))]);
        let options = CompareOptions::default();

        let c = slower.compare_with_runs(&steady, &options).unwrap();
        let a = &c.operations[0];
        assert_eq!(a.verdict, Verdict::Regressed, "{a:#?}");
        let typical = a.judgement(Measure::Typical).unwrap();
        assert_eq!(typical.outcome, Outcome::Rose);
        assert!(typical.varies_pct.unwrap() < 10.0 && typical.varies_runs == 5, "{typical:?}");
        assert!(!c.to_string().contains("varies"), "{c}");

        // The same +20 % against runs that differ by a third among themselves.
        let c = slower.compare_with_runs(&noisy, &options).unwrap();
        let a = &c.operations[0];
        assert_eq!(a.verdict, Verdict::Varies, "{a:#?}");
        let typical = a.judgement(Measure::Typical).unwrap();
        assert_eq!(typical.outcome, Outcome::Varies);
        assert!(typical.change_pct.unwrap() > 10.0, "{typical:?}");
        assert!(typical.varies_pct.unwrap() > typical.change_pct.unwrap(), "{typical:?}");
        assert!(typical.p_value.unwrap() < c.level(), "the calls alone say it moved");
        let text = c.to_string();
        let line = text.lines().find(|l| l.starts_with("  ? a: typical call +")).expect(&text);
        assert!(line.contains("% but it varies by up to ±"), "{text}");
        assert!(text.contains("between the 5 baseline runs: no verdict"), "{text}");
        assert!(text.starts_with("Compared with the median of 5 runs"), "{text}");
        assert!(!text.contains("one run against one"), "{text}");

        // Past the noisy runs' spread too: a regression after all.
        let much = report("r", 9, vec![op_of("a", &calls(&mut rng, 5_000, 3.0))]);
        let c = much.compare_with_runs(&noisy, &options).unwrap();
        assert_eq!(c.operations[0].verdict, Verdict::Regressed, "{c}");
        assert!(c.to_string().contains("and past the baseline runs' spread"), "{c}");
    }

    #[test]
    fn fewer_than_three_runs_are_judged_as_one_run_against_one_and_say_so() {
        let mut rng = Rng(8);
        let noisy = runs_of(&mut rng, &[0.9, 1.0, 1.0, 1.15, 1.2]);
        let slower = report("r", 9, vec![op_of("a", &calls(&mut rng, 5_000, 1.2))]);
        let options = CompareOptions::default();
        for runs in [&noisy[..1], &noisy[..2]] {
            let c = slower.compare_with_runs(runs, &options).unwrap();
            let a = &c.operations[0];
            assert_eq!(a.verdict, Verdict::Regressed, "{a:#?}");
            assert!(a.judgements.iter().all(|j| j.varies_pct.is_none()), "{a:#?}");
            let alone = slower.compare(&SessionReport::median_of(runs).unwrap(), &options);
            assert_eq!(alone.operations, c.operations, "as one run against one");
            let text = c.to_string();
            let said =
                format!("needs 3 baseline runs or more, and this baseline has {}", runs.len());
            assert!(text.contains(&said), "{text}");
            assert!(!alone.to_string().contains("baseline runs or more"), "{alone}");
        }
        assert!(slower.compare_with_runs(&[], &options).is_none());
    }

    #[test]
    fn one_run_against_one_judges_a_p99_against_three_times_the_threshold() {
        let mut rng = Rng(9);
        let tail = |rng: &mut Rng, by: f64| -> SessionReport {
            let calls: Vec<u64> = calls(rng, 20_000, 1.0)
                .into_iter()
                .map(|c| if c > 80_000 { (c as f64 * by) as u64 } else { c })
                .collect();
            report("r", 9, vec![op_of("a", &calls)])
        };
        let base = tail(&mut rng, 1.0);
        let options = CompareOptions::default();
        let p99 = |c: &Comparison| *c.operations[0].judgement(Measure::P99).unwrap();
        // A tail a fifth slower: past the threshold, under the pair's p99 bar.
        let fifth = tail(&mut rng, 1.2);
        let judged = p99(&fifth.compare(&base, &options));
        assert!(judged.change_pct.unwrap() > 15.0, "{judged:?}");
        assert_eq!(judged.outcome, Outcome::Within, "{judged:?}");
        // Twice as slow: past it.
        let twice = tail(&mut rng, 2.0);
        assert_eq!(p99(&twice.compare(&base, &options)).outcome, Outcome::Rose);
        // Against steady runs, whose spread is measured, the threshold is the bar.
        let steady: Vec<SessionReport> = (0..5).map(|_| tail(&mut rng, 1.0)).collect();
        let judged = p99(&fifth.compare_with_runs(&steady, &options).unwrap());
        assert_eq!(judged.outcome, Outcome::Rose, "{judged:?}");
    }

    #[test]
    fn the_median_of_runs_takes_each_operations_median_run_whole() {
        let runs: Vec<SessionReport> = [(1, 3_000), (2, 1_000), (3, 9_000), (4, 2_000), (5, 4_000)]
            .into_iter()
            .map(|(sequence, p50)| {
                let mut ops = vec![op("a", 100, p50, p50, p50 * 2)];
                if sequence != 3 {
                    ops.push(op("rare", 100, 10, 10, 10));
                }
                if sequence == 5 {
                    ops.push(op("once", 100, 10, 10, 10));
                }
                report("job", sequence, ops)
            })
            .collect();
        let median = SessionReport::median_of(&runs).unwrap();
        let a = median.operation("a").unwrap();
        // The 3 µs run, whole: its histogram with it.
        assert_eq!(a, runs[0].operation("a").unwrap());
        assert!(median.operation("rare").is_some() && median.operation("once").is_none());
        assert_eq!(median.sequence, 5);
        // With four runs, the slower of the middle two.
        let four = SessionReport::median_of(&runs[..4]).unwrap();
        assert_eq!(four.operation("a").unwrap().p50_ns, 3_000);
        assert!(SessionReport::median_of(&[]).is_none());
    }

    #[test]
    fn a_zero_baseline_has_no_percentage() {
        let c = Change { before: 0, after: 10 };
        assert_eq!((c.delta(), c.percent()), (10, None));
        let huge = Change { before: u64::MAX, after: 0 };
        assert_eq!(huge.delta(), i64::MIN);
    }

    #[test]
    fn a_comparison_saved_before_tests_still_loads() {
        let text = r#"{
            "baseline": {"session_id": "r", "sequence": 1, "started_at_unix_ms": 5},
            "current": {"session_id": "r", "sequence": 2, "started_at_unix_ms": 9},
            "options": {"threshold_pct": 10.0, "min_calls": 20},
            "operations": [{
                "name": "a",
                "calls": {"before": 100, "after": 100},
                "mean_ns": {"before": 1000, "after": 1200},
                "p50_ns": {"before": 900, "after": 900},
                "p99_ns": {"before": 5000, "after": 5000},
                "verdict": "regressed",
                "flagged": ["mean"]
            }],
            "added": [],
            "removed": []
        }"#;
        let c: Comparison = serde_json::from_str(text).unwrap();
        assert_eq!(c.options.significance, DEFAULT_SIGNIFICANCE);
        assert_eq!((c.tests, c.operations[0].flagged.clone()), (0, vec![Measure::Mean]));
        assert!(c.operations[0].judgements.is_empty());
        assert!(c.to_string().contains("! a"), "{c}");
    }
}
