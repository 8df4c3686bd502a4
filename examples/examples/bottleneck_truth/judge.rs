//! The judged run: the program once more at its own speed, recorded by its
//! monitor, and the report's first bottleneck held against the truth.

use crate::runner::Runner;
use profiler_runtime::{Bottleneck, Level, SessionReport};

/// What the report ranked, from one monitored run at one level.
pub struct Judgement {
    pub level: Level,
    /// The report's bottlenecks, first = what it says to make faster.
    pub bottlenecks: Vec<Bottleneck>,
    /// Monitored functions of the case the report has no calls of: a case
    /// that records nothing of a function cannot judge the ranking.
    pub unrecorded: Vec<&'static str>,
    /// The whole report, for `--show-report`.
    pub report: SessionReport,
}

impl Judgement {
    /// The report's first bottleneck, if it names any.
    pub fn first(&self) -> Option<&Bottleneck> {
        self.bottlenecks.first()
    }

    /// Where the report ranks `name` among its bottlenecks (1 = first).
    pub fn rank_of(&self, name: &str) -> Option<usize> {
        self.bottlenecks.iter().position(|b| b.name == name).map(|i| i + 1)
    }

    /// Whether the report's first bottleneck is `truth`.
    pub fn hits(&self, truth: &str) -> bool {
        self.first().is_some_and(|b| b.name == truth)
    }
}

/// Runs the case once at `level` under its monitor and reads the report.
/// `None` if the session ended without a report (it was started here, so
/// only a broken monitor would do that).
pub fn judge(runner: &Runner<'_>, level: Level) -> Option<Judgement> {
    let m = &runner.monitor;
    m.set_level(level);
    m.enable();
    m.start_session(runner.case.name);
    runner.time(runner.baseline());
    let report = m.end_session();
    m.disable();
    let report = report?;
    let unrecorded = runner
        .case
        .functions
        .iter()
        .copied()
        .filter(|f| !report.operations.iter().any(|op| op.name == *f && op.calls > 0))
        .collect();
    Some(Judgement { level, bottlenecks: report.bottlenecks.clone(), unrecorded, report })
}
