//! Whether a session's report holds what ran: recording on, off, switched
//! during the session, compiled out, or on with nothing to record. A report
//! that is empty for a reason says which, so an empty summary is never read
//! as "nothing was slow".

use super::SessionReport;
use serde::{Deserialize, Serialize};

/// Whether the session was recorded, and so whether an empty or thin report
/// means the program did little or that nothing was watching it (see
/// [`SessionReport::recording`]).
///
/// In JSON it is a string: `"on"`, `"empty"`, `"partly_off"`, `"off"` or
/// `"compiled_out"`; reports saved before the field existed load as `"on"`.
/// The summary's first line says what anything but [`Recording::On`] means
/// ([`SessionReport::recording_note`]).
///
/// ```
/// use profiler_runtime::{Monitor, Recording};
///
/// let m = Monitor::new();
/// m.disable();
/// m.start_session("quiet");
/// m.operation("load").start().finish(); // not recorded
/// let report = m.end_session().unwrap();
/// assert_eq!(report.recording, Recording::Off);
/// assert!(report.to_text().starts_with("Nothing recorded: recording was off all session"));
///
/// m.start_session("half");
/// m.enable(); // from here on
/// m.operation("load").start().finish();
/// assert_eq!(m.end_session().unwrap().recording, Recording::PartlyOff);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Recording {
    /// Recording was on for the whole session and something was recorded.
    #[default]
    On,
    /// Recording was on for the whole session, but nothing was recorded: no
    /// monitored call, manual operation, stage, cache lookup, API call,
    /// counter, quality flag or event.
    Empty,
    /// Recording was switched off or on during the session (by
    /// [`disable`](crate::disable), [`Monitor::disable`](crate::Monitor::disable)
    /// or their `enable`), so the report covers only part of it.
    PartlyOff,
    /// Recording was off for the whole session: the process's switch
    /// ([`disable`](crate::disable), a program run without `--profile`
    /// through [`ProfileFlags::apply`](crate::ProfileFlags::apply)) or the
    /// monitor's own ([`Monitor::disable`](crate::Monitor::disable),
    /// `PROFILER=0`). Nothing was recorded.
    Off,
    /// profiler-runtime was built without its `enabled` feature:
    /// `#[monitor]` functions were left as written and timed nothing
    /// (counters, caches and manual operations still count).
    CompiledOut,
}

impl Recording {
    /// The JSON spelling: `"on"`, `"empty"`, `"partly_off"`, `"off"` or
    /// `"compiled_out"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Recording::On => "on",
            Recording::Empty => "empty",
            Recording::PartlyOff => "partly_off",
            Recording::Off => "off",
            Recording::CompiledOut => "compiled_out",
        }
    }

    /// Whether the report holds the whole session's figures, so that it
    /// can stand for the run (in a comparison, say): only [`Recording::On`].
    pub fn is_complete(self) -> bool {
        self == Recording::On
    }

    /// The classification of a session from what the build and the switches
    /// say: `held` is `Some(on)` if the switches held still all session,
    /// `None` if they moved; `recorded` whether the report holds anything.
    pub(crate) fn of(compiled_in: bool, held: Option<bool>, recorded: bool) -> Recording {
        match (compiled_in, held) {
            (false, _) => Recording::CompiledOut,
            (true, Some(false)) => Recording::Off,
            (true, None) => Recording::PartlyOff,
            (true, Some(true)) if !recorded => Recording::Empty,
            (true, Some(true)) => Recording::On,
        }
    }

    /// One line saying what a report with this status lacks and what to
    /// do; `None` for [`Recording::On`].
    fn note(self) -> Option<&'static str> {
        Some(match self {
            Recording::On => return None,
            Recording::Empty => {
                "Nothing recorded: recording was on, but nothing monitored ran in this session"
            }
            Recording::PartlyOff => {
                "Incomplete: recording was off for part of this session (its figures cover the rest)"
            }
            Recording::Off => {
                "Nothing recorded: recording was off all session (run with --profile or PROFILER=1)"
            }
            Recording::CompiledOut => {
                "Nothing timed: #[monitor] is compiled out (profiler-runtime built without `enabled`)"
            }
        })
    }
}

impl SessionReport {
    /// What the summary's first line says when [`SessionReport::recording`]
    /// is not [`Recording::On`]: why the report is empty or partial, and
    /// what to do about it.
    ///
    /// ```
    /// let m = profiler_runtime::Monitor::new();
    /// m.start_session("idle");
    /// let report = m.end_session().unwrap();
    /// assert_eq!(report.recording, profiler_runtime::Recording::Empty);
    /// assert!(report.recording_note().unwrap().starts_with("Nothing recorded: recording was on, but"));
    /// ```
    pub fn recording_note(&self) -> Option<&'static str> {
        self.recording.note()
    }

    /// Whether anything at all was recorded: an operation, a stage (ended
    /// or running), a cache lookup, an API call, a counter, a quality flag
    /// or an event.
    pub(crate) fn recorded_anything(&self) -> bool {
        !self.operations.is_empty()
            || !self.stages.is_empty()
            || !self.running_stages.is_empty()
            || self.cache.hits + self.cache.misses > 0
            || self.api.calls > 0
            || !self.counters.is_empty()
            || !self.flags.is_empty()
            || !self.events.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_build_then_the_switches_then_the_contents_decide() {
        assert_eq!(Recording::of(false, Some(true), true), Recording::CompiledOut);
        assert_eq!(Recording::of(false, Some(false), false), Recording::CompiledOut);
        assert_eq!(Recording::of(true, Some(false), false), Recording::Off);
        assert_eq!(Recording::of(true, None, true), Recording::PartlyOff);
        assert_eq!(Recording::of(true, None, false), Recording::PartlyOff);
        assert_eq!(Recording::of(true, Some(true), false), Recording::Empty);
        assert_eq!(Recording::of(true, Some(true), true), Recording::On);
    }

    #[test]
    fn every_status_but_on_has_a_note_that_fits_the_summarys_width() {
        use Recording::*;
        assert_eq!(On.note(), None);
        for status in [Empty, PartlyOff, Off, CompiledOut] {
            let note = status.note().unwrap();
            let fits = note.chars().count() <= crate::report::text::WIDTH;
            assert!(fits && !note.contains('\n') && !status.is_complete(), "{note}");
        }
        assert!(On.is_complete());
    }

    #[test]
    fn the_json_spelling_is_as_str() {
        use Recording::*;
        for status in [On, Empty, PartlyOff, Off, CompiledOut] {
            let json = serde_json::to_string(&status).unwrap();
            assert_eq!(json, format!("\"{}\"", status.as_str()));
            assert_eq!(serde_json::from_str::<Recording>(&json).unwrap(), status);
        }
    }
}
