//! A baseline from several runs: per operation, the median run's row.

use super::{CompareOptions, Comparison, RunId};
use crate::report::SessionReport;

impl SessionReport {
    /// A baseline made of several runs of one session (oldest first), to
    /// compare a new run with when one earlier run is too noisy a yardstick
    /// (runs on shared or different machines drift).
    ///
    /// Per operation, the median run: of the runs that have the operation,
    /// the one whose median call time (then mean, to break ties) is the
    /// median of theirs; with an even number, the slower of the middle two,
    /// so a gate in doubt stays quiet. Its row is taken whole, histogram
    /// included, so the comparison's tests see one real run's calls: not
    /// the runs' calls merged, which would count the runs' drift as
    /// evidence and make every run after a slow one look fast. An operation
    /// is in the baseline when more than half of the runs have it. The rest
    /// of the report (its id, stages, findings) is the newest run's, and it
    /// has no previous comparison. `None` without runs.
    ///
    /// ```
    /// use profiler_runtime::{Monitor, SessionReport};
    ///
    /// let m = Monitor::new();
    /// m.start_session("nightly");
    /// m.operation("doc::median::load").start().finish();
    /// let run = m.end_session().unwrap();
    /// // Three runs whose median calls took 3, 1 and 2 µs.
    /// let runs: Vec<SessionReport> = [3_000, 1_000, 2_000]
    ///     .into_iter()
    ///     .map(|p50_ns| {
    ///         let mut run = run.clone();
    ///         run.operations[0].p50_ns = p50_ns;
    ///         run
    ///     })
    ///     .collect();
    /// let baseline = SessionReport::median_of(&runs).unwrap();
    /// assert_eq!(baseline.operation("doc::median::load").unwrap().p50_ns, 2_000);
    /// ```
    pub fn median_of(runs: &[SessionReport]) -> Option<SessionReport> {
        let newest = runs.last()?;
        let mut names: Vec<&str> = Vec::new();
        for run in runs.iter().rev() {
            for op in &run.operations {
                if !names.contains(&op.name.as_str()) {
                    names.push(&op.name);
                }
            }
        }
        let operations = names
            .into_iter()
            .filter_map(|name| {
                let mut rows: Vec<_> = runs.iter().filter_map(|run| run.operation(name)).collect();
                if rows.len() * 2 <= runs.len() {
                    return None;
                }
                rows.sort_by_key(|op| (op.p50_ns, op.mean_ns));
                Some(rows[rows.len() / 2].clone())
            })
            .collect();
        let mut baseline = newest.clone();
        baseline.operations = operations;
        baseline.previous = None;
        Some(baseline)
    }

    /// This report against the median of `runs` ([`median_of`](Self::median_of)),
    /// with what the runs vary by between themselves: `None` without runs.
    ///
    /// From [`MIN_SPREAD_RUNS`](crate::MIN_SPREAD_RUNS) runs with the calls
    /// a measure needs, each measure of each operation gets a bound on how
    /// far one unchanged run strays from the median run (a one-sided 99 %
    /// prediction bound from the range of the runs' readings, see
    /// [`Judgement::varies_pct`](crate::Judgement::varies_pct)). A change
    /// past the threshold and the test's level that stays within that bound
    /// is [`Outcome::Varies`](crate::Outcome::Varies), no verdict: another
    /// run of unchanged code could have made it. With fewer runs, each
    /// measure is judged as against one run.
    ///
    /// ```
    /// use profiler_runtime::{CompareOptions, Monitor, Verdict};
    ///
    /// let m = Monitor::new();
    /// let runs: Vec<_> = (0..5)
    ///     .map(|_| {
    ///         m.start_session("nightly");
    ///         m.operation("doc::runs::load").start().finish();
    ///         m.end_session().unwrap()
    ///     })
    ///     .collect();
    /// let new = runs[4].clone();
    /// let c = new.compare_with_runs(&runs[..4], &CompareOptions::default()).unwrap();
    /// assert_eq!(c.baseline_runs.len(), 4);
    /// assert_eq!(c.regressions().count(), 0);
    /// ```
    pub fn compare_with_runs(
        &self,
        runs: &[SessionReport],
        options: &CompareOptions,
    ) -> Option<Comparison> {
        let baseline = Self::median_of(runs)?;
        let mut comparison = self.compare_against(&baseline, runs, options);
        comparison.baseline_runs = runs.iter().map(RunId::of).collect();
        Some(comparison)
    }
}
