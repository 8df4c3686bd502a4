//! Alerts: what crossed which threshold in an ended session, and by how
//! much, for the callbacks `Monitor::on_alert` registers. They are the
//! report's findings that are crossings ([`super::Finding::crossed`]: one
//! set of rules, applied once) and its regressions against the previous
//! run; each crossing is one alert per session.

use super::compare::Outcome;
use super::SessionReport;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Which threshold an [`Alert`] crossed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum AlertKind {
    /// Calls of an operation took at least its `slow = ".."` threshold
    /// (`threshold` and `value` in nanoseconds: the threshold and the slowest call).
    SlowCalls,
    /// A stage processed fewer items per second than the floor set with
    /// `Config::stage_min_items_per_sec` (there is none by default).
    SlowStage,
    /// A stage kept more of its memory growth than the efficiency threshold allows
    /// (`value` is its efficiency, 0-100).
    StageMemory,
    /// Memory rose steadily over the session: with
    /// `Config::memory_growth_per_min` set, `threshold` is that rate and
    /// `value` the fitted one (bytes per minute); without it, `threshold` is
    /// the least rise the detector reports and `value` the rise (bytes).
    /// Raised once per session: while it runs, from the memory sampler, as
    /// soon as the rise is steady, or else when it ends.
    MemoryGrowth,
    /// An operation regressed against the previous run: its typical call
    /// or p99 rose past the threshold, with evidence (`value` is the
    /// largest such rise, `threshold` the comparison's, both in percent).
    Regression,
}

/// One threshold crossed in an ended session.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    /// Which threshold.
    pub kind: AlertKind,
    /// The operation or stage it is about (empty for the session's memory).
    pub subject: String,
    /// The threshold, in the unit [`AlertKind`] gives.
    pub threshold: f64,
    /// The figure that crossed it, in the same unit.
    pub value: f64,
    /// The session it happened in.
    pub session_id: String,
    /// A sentence saying it.
    pub message: String,
}

impl fmt::Display for Alert {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Every threshold the ended session `report` crossed: its findings that
/// are crossings (the findings' rules decide, with the monitor's
/// thresholds), then its regressions against the previous run.
pub(crate) fn of(report: &SessionReport) -> Vec<Alert> {
    let alert = |kind, subject: &str, threshold: f64, value: f64, message: String| Alert {
        kind,
        subject: subject.to_owned(),
        threshold,
        value,
        session_id: report.session_id.clone(),
        message,
    };
    let crossings = report.findings.iter().filter_map(|f| {
        let kind = match f.kind.as_str() {
            "slow_calls" => AlertKind::SlowCalls,
            "slow_stage" => AlertKind::SlowStage,
            "stage_memory" => AlertKind::StageMemory,
            "memory_growth" => AlertKind::MemoryGrowth,
            _ => return None,
        };
        let c = f.crossed?;
        let subject = f.subject.as_deref().unwrap_or("");
        Some(alert(kind, subject, c.threshold, c.value, f.message.clone()))
    });
    let mut out: Vec<Alert> = crossings.collect();
    if let Some(previous) = &report.previous {
        let limit = previous.options.threshold_pct;
        for op in previous.regressions() {
            let judged = op.judgements.iter().filter(|j| j.outcome == Outcome::Rose);
            let rise = match judged.filter_map(|j| j.change_pct).reduce(f64::max) {
                Some(rise) => rise,
                // A comparison saved before measures were judged: its figures.
                None => [op.mean_ns.percent(), op.p99_ns.percent()]
                    .into_iter()
                    .flatten()
                    .fold(f64::MIN, f64::max),
            };
            out.push(alert(
                AlertKind::Regression,
                &op.name,
                limit,
                rise,
                format!("`{}` regressed {rise:+.1}% against the previous run", op.name),
            ));
        }
    }
    out
}

/// The steady-growth alert for session `session_id` while it runs, from
/// its memory `timeline` so far (read every `interval_ms`), if the growth
/// finding's rule (with `growth_per_min`) already holds.
pub(crate) fn live_memory_growth(
    timeline: &crate::resources::timeline::Timeline,
    interval_ms: f64,
    growth_per_min: u64,
    session_id: &str,
) -> Option<Alert> {
    let stats = super::memory::stats(timeline, interval_ms)?;
    let found = super::findings::memory_growth(&stats, growth_per_min)?;
    let c = found.crossed?;
    Some(Alert {
        kind: AlertKind::MemoryGrowth,
        subject: String::new(),
        threshold: c.threshold,
        value: c.value,
        session_id: session_id.to_owned(),
        message: format!("{} (seen while the session runs)", found.message),
    })
}

/// The findings that go to the `log` facade beside the alerts: all of them,
/// at warn level (the `log` feature).
#[cfg(feature = "log")]
pub(crate) fn log(report: &SessionReport, alerts: &[Alert]) {
    for alert in alerts {
        log::warn!(target: "profiler", "alert in session {:?}: {alert}", report.session_id);
    }
    for finding in &report.findings {
        let mark = if finding.severity == super::Severity::Warning { "!" } else { "·" };
        log::warn!(target: "profiler", "{mark} {} (session {:?})", finding.message, report.session_id);
    }
}

/// Without the `log` feature, nothing goes to a logger.
#[cfg(not(feature = "log"))]
pub(crate) fn log(_report: &SessionReport, _alerts: &[Alert]) {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::compare::tests::{calls, op_of, report, Rng};
    use crate::CompareOptions;

    #[test]
    fn a_regression_against_the_previous_run_alerts_with_the_rise_judged() {
        let mut rng = Rng(20);
        let before = report("job", 1, vec![op_of("load", &calls(&mut rng, 1_000, 1.0))]);
        let mut now = report("job", 2, vec![op_of("load", &calls(&mut rng, 1_000, 1.3))]);
        now.previous = Some(now.compare(&before, &CompareOptions::default()));
        let alerts = of(&now);
        let regression = alerts.iter().find(|a| a.kind == AlertKind::Regression).expect("an alert");
        let typical =
            now.previous.as_ref().unwrap().operations[0].judgements[0].change_pct.unwrap();
        assert!(regression.value >= typical && regression.value > 20.0, "{regression:?}");
        assert_eq!((regression.subject.as_str(), regression.threshold), ("load", 10.0));

        // The same calls again: no alert.
        let mut same = report("job", 3, vec![op_of("load", &calls(&mut rng, 1_000, 1.0))]);
        same.previous = Some(same.compare(&before, &CompareOptions::default()));
        assert!(of(&same).iter().all(|a| a.kind != AlertKind::Regression));
    }
}
