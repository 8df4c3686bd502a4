//! Whether a report can be judged against a baseline at all: a gate that
//! passes an empty run, or a run of another program, passes anything.

use crate::report::{Recording, SessionReport};
use std::fmt;

/// Why a report cannot be judged against a baseline (see
/// [`SessionReport::check_comparable`]); `Display` is one line naming it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Mismatch {
    /// A side was not recorded whole (its [`SessionReport::recording`] is
    /// not [`Recording::On`]): recording off, compiled out, switched during
    /// the session, or on with nothing monitored running.
    Unrecorded {
        /// Whether it is the baseline (else the report compared).
        baseline: bool,
        /// What its report says.
        recording: Recording,
    },
    /// The report has no operations: recording was off, or nothing
    /// monitored ran.
    NoOperations,
    /// The baseline has no operations.
    EmptyBaseline,
    /// The two reports are of different sessions.
    OtherSession {
        /// The baseline's session id.
        baseline: String,
        /// The report's session id.
        current: String,
    },
    /// More than half of the baseline's operations are not in the report.
    MostMissing {
        /// How many are missing.
        missing: usize,
        /// How many the baseline has.
        of: usize,
        /// The first one missing, in the baseline's order.
        first: String,
    },
}

impl Mismatch {
    /// Whether the problem is the baseline's (else the report's, or both's).
    pub fn about_baseline(&self) -> bool {
        matches!(self, Mismatch::EmptyBaseline | Mismatch::Unrecorded { baseline: true, .. })
    }
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let quoted = |id: &str| format!("{id:?}");
        match self {
            Mismatch::Unrecorded { baseline, recording } => {
                let who = if *baseline {
                    "the baseline cannot judge a run"
                } else {
                    "the report cannot be judged"
                };
                let why = match recording {
                    Recording::Off => "recording was off all session (run with --profile or PROFILER=1)",
                    Recording::CompiledOut => {
                        "#[monitor] was compiled out (profiler-runtime built without `enabled`)"
                    }
                    Recording::PartlyOff => {
                        "recording was off for part of the session, so its figures cover only the rest"
                    }
                    Recording::Empty => "recording was on, but nothing monitored ran",
                    _ => "it was not recorded whole",
                };
                write!(f, "{who}: {why}")
            }
            Mismatch::NoOperations => f.write_str(
                "the report has no operations: nothing was recorded (was recording on? \
                 `--profile`, PROFILER=1), and an empty run would pass any gate",
            ),
            Mismatch::EmptyBaseline => f.write_str(
                "the baseline has no operations: nothing was recorded in it, so it cannot judge a run",
            ),
            Mismatch::OtherSession { baseline, current } => write!(
                f,
                "the report is of session {} and the baseline of session {}: compare runs of one session",
                quoted(current),
                quoted(baseline)
            ),
            Mismatch::MostMissing { missing, of, first } => {
                let others = match missing - 1 {
                    0 => String::new(),
                    n => format!(" and {n} more"),
                };
                write!(
                    f,
                    "{missing} of the baseline's {of} operations are missing from the report \
                     ({}{others}): a run cut short, or another program?",
                    quoted(first)
                )
            }
        }
    }
}

impl std::error::Error for Mismatch {}

impl SessionReport {
    /// Whether this report can be judged against `baseline`: both were
    /// recorded whole ([`Recording::On`]), both have operations, both are of
    /// one session, and at least half of the baseline's operations are in it. A CI gate
    /// stops on a [`Mismatch`] (`profiler diff` exits 2) rather than pass
    /// a run it cannot judge.
    ///
    /// ```
    /// use profiler_runtime::{Mismatch, Monitor};
    ///
    /// let m = Monitor::new();
    /// m.start_session("nightly");
    /// m.operation("doc::mismatch::load").start().finish();
    /// let baseline = m.end_session().unwrap();
    /// m.disable();
    /// m.start_session("nightly");
    /// let off = m.end_session().unwrap();
    /// let refused = off.check_comparable(&baseline).unwrap_err();
    /// assert!(refused.to_string().contains("recording was off all session"), "{refused}");
    /// assert_eq!(baseline.check_comparable(&baseline), Ok(()));
    /// ```
    pub fn check_comparable(&self, baseline: &SessionReport) -> Result<(), Mismatch> {
        if !self.recording.is_complete() {
            return Err(Mismatch::Unrecorded { baseline: false, recording: self.recording });
        }
        if self.operations.is_empty() {
            return Err(Mismatch::NoOperations);
        }
        if self.session_id != baseline.session_id {
            return Err(Mismatch::OtherSession {
                baseline: baseline.session_id.clone(),
                current: self.session_id.clone(),
            });
        }
        if !baseline.recording.is_complete() {
            return Err(Mismatch::Unrecorded { baseline: true, recording: baseline.recording });
        }
        if baseline.operations.is_empty() {
            return Err(Mismatch::EmptyBaseline);
        }
        let mut missing =
            baseline.operations.iter().filter(|op| self.operation(&op.name).is_none());
        let first = missing.next();
        let count = first.map_or(0, |_| 1 + missing.count());
        match first {
            Some(first) if count * 2 > baseline.operations.len() => Err(Mismatch::MostMissing {
                missing: count,
                of: baseline.operations.len(),
                first: first.name.clone(),
            }),
            _ => Ok(()),
        }
    }
}
