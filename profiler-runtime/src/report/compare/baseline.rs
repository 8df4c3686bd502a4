//! A baseline from several runs: per operation, the median run's row.

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
}
