//! The monitor's session methods and the [`Session`] handle: the session
//! layer gathers the figures, the report layer turns them into a report, and
//! the report is what the history keeps.

use super::{Inner, Monitor};
use crate::record::recorder::lock;
use crate::report::{build, SessionReport};
use crate::session::Sessions;
use std::fmt;
use std::sync::MutexGuard;

/// A handle to a started session; [`Session::end`] ends it. Dropping the
/// handle does not end the session.
#[derive(Clone)]
pub struct Session {
    monitor: &'static Inner,
    sequence: u64,
    id: String,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session").field("id", &self.id).field("sequence", &self.sequence).finish()
    }
}

impl Session {
    /// The session's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Ends this session and returns its report. If a later `start_session`
    /// already ended it, returns its report from the history (if still there).
    pub fn end(self) -> Option<SessionReport> {
        let mut sessions = lock(&self.monitor.sessions);
        if sessions.is_running(self.sequence) {
            return end_locked(self.monitor, &mut sessions);
        }
        let found = sessions.history().find(|r| r.sequence == self.sequence).cloned();
        found
    }
}

fn end_locked(
    monitor: &Inner,
    sessions: &mut MutexGuard<'_, Sessions<SessionReport>>,
) -> Option<SessionReport> {
    let report = build::report(sessions.end(monitor.core)?);
    sessions.archive(report.clone());
    Some(report)
}

impl Monitor {
    /// Starts a session named `id`. A session covers every thread from now
    /// until [`end_session`](Monitor::end_session).
    ///
    /// If a session is already running it is ended first (its report goes to
    /// the history) and the new one starts from the same reading, so nothing
    /// recorded in between is lost or counted twice.
    ///
    /// ```
    /// let m = profiler_runtime::Monitor::new();
    /// let first = m.start_session("first");
    /// m.start_session("second");
    /// assert_eq!(first.end().unwrap().session_id, "first");
    /// assert_eq!(m.end_session().unwrap().session_id, "second");
    /// assert_eq!(m.session_history().len(), 2);
    /// ```
    pub fn start_session(&self, id: impl Into<String>) -> Session {
        let id = id.into();
        let mut sessions = lock(&self.inner.sessions);
        let (sequence, previous) = sessions.start(self.core(), id.clone());
        if let Some(previous) = previous {
            sessions.archive(build::report(previous));
        }
        Session { monitor: self.inner, sequence, id }
    }

    /// Ends the running session and returns its report (also kept in the
    /// history); `None` if no session was running.
    pub fn end_session(&self) -> Option<SessionReport> {
        end_locked(self.inner, &mut lock(&self.inner.sessions))
    }

    /// A live report of the running session, which keeps running; `None` if
    /// no session is running.
    pub fn current_report(&self) -> Option<SessionReport> {
        let data = lock(&self.inner.sessions).snapshot(self.core())?;
        Some(build::report(data))
    }

    /// The id of the running session, if any.
    pub fn current_session_id(&self) -> Option<String> {
        lock(&self.inner.sessions).running_id().map(str::to_owned)
    }

    /// Reports of ended sessions, oldest first (at most the history capacity).
    pub fn session_history(&self) -> Vec<SessionReport> {
        lock(&self.inner.sessions).history().cloned().collect()
    }

    /// Sets how many ended sessions the history keeps (default 32; 0 keeps none).
    pub fn set_history_capacity(&self, capacity: usize) {
        lock(&self.inner.sessions).set_capacity(capacity);
    }
}
