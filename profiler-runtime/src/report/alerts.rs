//! Alerts: what crossed which threshold in an ended session, and by how
//! much, for the callbacks `Monitor::on_alert` registers. Data drawn from
//! the report, as the findings are; each crossing is one alert per session.

use super::SessionReport;
use crate::state::thresholds::Thresholds;
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
    /// A stage processed fewer items per second than the floor.
    SlowStage,
    /// A stage kept more of its memory growth than the efficiency threshold allows
    /// (`value` is its efficiency, 0-100).
    StageMemory,
    /// Memory rose steadily over the session (`value` in bytes per minute;
    /// `threshold` is the least rise the detector reports, in bytes).
    MemoryGrowth,
    /// An operation's mean or p99 rose past the threshold against the
    /// previous run (`value` and `threshold` in percent).
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

/// Every threshold the ended session `report` crossed.
pub(crate) fn of(report: &SessionReport, thresholds: &Thresholds) -> Vec<Alert> {
    let mut out = Vec::new();
    let mut push = |kind, subject: &str, threshold: f64, value: f64, message: String| {
        out.push(Alert {
            kind,
            subject: subject.to_owned(),
            threshold,
            value,
            session_id: report.session_id.clone(),
            message,
        });
    };
    for op in &report.operations {
        let Some(limit) = op.slow_threshold_ns else { continue };
        if op.slow_calls > 0 {
            push(
                AlertKind::SlowCalls,
                &op.name,
                limit as f64,
                op.max_ns as f64,
                format!(
                    "`{}`: {} calls took {} or more (the slowest {})",
                    op.name,
                    op.slow_calls,
                    super::text::duration(limit),
                    super::text::duration(op.max_ns)
                ),
            );
        }
    }
    let floor = thresholds.stage_min_items_per_sec;
    for stage in report.stages.iter().filter(|s| s.items > 0) {
        if let Some(rate) = stage.items_per_sec.filter(|r| *r < floor) {
            push(
                AlertKind::SlowStage,
                &stage.name,
                floor,
                rate,
                format!("stage `{}` processed {rate:.0} items/s, under {floor:.0}", stage.name),
            );
        }
    }
    let efficiency = thresholds.stage_efficiency_threshold;
    for stage in &report.stages {
        let Some(m) = stage.memory.as_ref().filter(|m| m.efficiency < efficiency) else { continue };
        push(
            AlertKind::StageMemory,
            &stage.name,
            efficiency,
            m.efficiency,
            format!(
                "stage `{}` memory efficiency {:.0}, under {efficiency:.0}",
                stage.name, m.efficiency
            ),
        );
    }
    if let Some(g) = report.memory.as_ref().and_then(|m| super::memory::steady_growth(&m.timeline))
    {
        push(
            AlertKind::MemoryGrowth,
            "",
            super::memory::MIN_GROWTH_BYTES,
            g.bytes_per_min,
            format!(
                "memory grew {}/min steadily ({} to {})",
                super::text::bytes(g.bytes_per_min.max(0.0) as u64),
                super::text::bytes(g.from_bytes),
                super::text::bytes(g.to_bytes)
            ),
        );
    }
    if let Some(previous) = &report.previous {
        let limit = previous.options.threshold_pct;
        for op in previous.regressions() {
            let rise = [op.mean_ns.percent(), op.p99_ns.percent()]
                .into_iter()
                .flatten()
                .fold(f64::MIN, f64::max);
            push(
                AlertKind::Regression,
                &op.name,
                limit,
                rise,
                format!("`{}` regressed {rise:+.1}% against the previous run", op.name),
            );
        }
    }
    out
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
