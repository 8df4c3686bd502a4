//! The monitor's session methods and the [`Session`] handle: the session
//! layer gathers the figures, the report layer turns them into a report, and
//! the report is what the history keeps.

use super::{Inner, Monitor};
use crate::config::out;
#[cfg(feature = "json")]
use crate::history;
use crate::record::sync::lock;
use crate::report::compare::CompareOptions;
use crate::report::{alerts, build, SessionReport};
use crate::resources::sampler::Hook;
use crate::session::Sessions;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, MutexGuard};

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
            let report = end_locked(self.monitor, &mut sessions);
            drop(sessions);
            return report.map(|r| publish(self.monitor, r));
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
    Some(archive(report, sessions))
}

/// Compares an ended session's report with the history's latest of the same
/// id, if any ([`SessionReport::previous`]), and archives it.
fn archive(mut report: SessionReport, sessions: &mut Sessions<SessionReport>) -> SessionReport {
    let before = sessions.history().filter(|r| r.session_id == report.session_id).last();
    report.previous = before.map(|before| report.compare(before, &CompareOptions::default()));
    sessions.archive(report.clone());
    report
}

/// Writes an ended session's report to the monitor's output path and saves
/// it into its history directory, where it has them. Called with the
/// sessions unlocked: a slow disk delays no other session. A failure is one
/// line on stderr; the report is returned and stays in the history.
fn publish(monitor: &Inner, report: SessionReport) -> SessionReport {
    let report = compare_with_saved(monitor, report);
    raise_alerts(monitor, &report);
    if let Some(path) = lock(&monitor.out).clone() {
        if let Err(e) = out::write(&report, &path) {
            eprintln!("profiler: {e}; the report is still returned and kept in the history");
        }
    }
    save_run(monitor, &report);
    report
}

/// Hands each threshold the ended session crossed to every `on_alert`
/// callback, once, and (with the `log` feature) the alerts and findings to
/// the `log` facade. A callback that panics is reported on stderr; the
/// others still run and the report is still returned.
fn raise_alerts(monitor: &Inner, report: &SessionReport) {
    let mut alerts = alerts::of(report);
    let alerted_live = {
        let mut live = lock(&monitor.alerted_live);
        let had = live.contains(&report.sequence);
        live.retain(|&s| s != report.sequence);
        had
    };
    if alerted_live {
        alerts.retain(|a| a.kind != alerts::AlertKind::MemoryGrowth);
    }
    alerts::log(report, &alerts);
    call_handlers(monitor, &alerts);
}

/// The sampler's hook for session `id` (whose sequence `sequence` will
/// hold): once steady memory growth shows while the session runs, its
/// alert goes to the callbacks from the sampler's thread, once, and the
/// session's end does not raise it again.
fn live_alerts(monitor: &'static Inner, id: String, sequence: Arc<AtomicU64>) -> Hook {
    let mut raised = false;
    Box::new(move |timeline| {
        if raised {
            return;
        }
        let core = monitor.core;
        let interval_ms = core.settings.memory_interval().as_secs_f64() * 1e3;
        let per_min = core.thresholds.get().memory_growth_per_min;
        let Some(alert) = alerts::live_memory_growth(timeline, interval_ms, per_min, &id) else {
            return;
        };
        raised = true;
        lock(&monitor.alerted_live).push(sequence.load(Relaxed));
        #[cfg(feature = "log")]
        log::warn!(target: "profiler", "alert in session {id:?}: {alert}");
        call_handlers(monitor, std::slice::from_ref(&alert));
    })
}

/// Hands each alert to every `on_alert` callback; one that panics is a
/// line on stderr, and the others still run.
fn call_handlers(monitor: &Inner, alerts: &[alerts::Alert]) {
    if alerts.is_empty() {
        return;
    }
    // Called without the lock, so a callback may register another.
    let handlers = lock(&monitor.alert_handlers).clone();
    for alert in alerts {
        for handler in &handlers {
            let call = std::panic::AssertUnwindSafe(|| handler(alert));
            if std::panic::catch_unwind(call).is_err() {
                eprintln!("profiler: an on_alert callback panicked on \"{alert}\"; the report is still returned");
            }
        }
    }
}

/// For a session with nothing in memory to compare with: the comparison
/// with the latest saved run of its id in the history directory, also
/// given to the history's copy.
#[cfg(feature = "json")]
fn compare_with_saved(monitor: &Inner, mut report: SessionReport) -> SessionReport {
    if report.previous.is_some() {
        return report;
    }
    let Some(dir) = lock(&monitor.history).dir.clone() else { return report };
    let Some(before) = history::latest_of(&dir, &report.session_id) else { return report };
    let comparison = report.compare(&before, &CompareOptions::default());
    let sequence = report.sequence;
    if let Some(kept) = lock(&monitor.sessions).archived_mut(|r| r.sequence == sequence) {
        kept.previous = Some(comparison.clone());
    }
    report.previous = Some(comparison);
    report
}

#[cfg(not(feature = "json"))]
fn compare_with_saved(_monitor: &Inner, report: SessionReport) -> SessionReport {
    report // a history directory needs `json`: none can be set
}

/// Saves the report into the history directory, if the monitor has one.
#[cfg(feature = "json")]
fn save_run(monitor: &Inner, report: &SessionReport) {
    let target = lock(&monitor.history).clone();
    let Some(dir) = target.dir else { return };
    if let Err(e) = history::save(&dir, report, target.files) {
        eprintln!("profiler: {e}; the run was not saved to the history directory, the report is still returned");
    }
}

#[cfg(not(feature = "json"))]
fn save_run(_monitor: &Inner, _report: &SessionReport) {}

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
        self.read_environment();
        let id = id.into();
        let mut sessions = lock(&self.inner.sessions);
        let sequence_cell = Arc::new(AtomicU64::new(0));
        let hook = live_alerts(self.inner, id.clone(), sequence_cell.clone());
        let (sequence, previous) = sessions.start(self.core(), id.clone(), Some(hook));
        sequence_cell.store(sequence, Relaxed);
        let previous = previous.map(|data| archive(build::report(data), &mut sessions));
        drop(sessions);
        if let Some(report) = previous {
            publish(self.inner, report);
        }
        Session { monitor: self.inner, sequence, id }
    }

    /// Ends the running session and returns its report (also kept in the
    /// history); `None` if no session was running. With an output path set
    /// ([`Config::out`](crate::Config::out)), the report is also written
    /// there; if that fails, one line on stderr says so and the report is
    /// returned and kept all the same.
    pub fn end_session(&self) -> Option<SessionReport> {
        self.read_environment();
        let report = end_locked(self.inner, &mut lock(&self.inner.sessions))?;
        Some(publish(self.inner, report))
    }

    /// Calls `handler` with each threshold an ended session of this monitor
    /// crossed, once per crossing: slow calls (`slow = ".."`), a stage under
    /// the items/s floor or the memory-efficiency threshold, steady memory
    /// growth, and a regression against the previous run of the same id.
    /// Called off the per-call path, when the session ends (not for live
    /// reports), on the thread that ends it; steady memory growth at the
    /// detailed level is raised as soon as the memory sampler sees it, on
    /// the sampler's thread, and not again at the end. A handler that panics is
    /// reported on stderr and does not stop the others. With the `log`
    /// feature, alerts and findings also go to the `log` facade at warn level.
    ///
    /// ```
    /// use profiler_runtime::{AlertKind, Config, Monitor};
    /// use std::sync::{Arc, Mutex};
    ///
    /// let m = Monitor::new();
    /// m.configure(&Config::new().stage_min_items_per_sec(1_000.0))?; // no floor by default
    /// let seen = Arc::new(Mutex::new(Vec::new()));
    /// let sink = seen.clone();
    /// m.on_alert(move |alert| sink.lock().unwrap().push((alert.kind, alert.subject.clone())));
    /// m.start_session("batch");
    /// {
    ///     let parse = m.stage("parse");
    ///     parse.items(1);
    ///     std::thread::sleep(std::time::Duration::from_millis(3)); // ~330 items/s, under 1,000
    /// }
    /// m.end_session();
    /// assert_eq!(*seen.lock().unwrap(), [(AlertKind::SlowStage, "parse".to_owned())]);
    /// # Ok::<(), profiler_runtime::Error>(())
    /// ```
    pub fn on_alert(&self, handler: impl Fn(&alerts::Alert) + Send + Sync + 'static) {
        lock(&self.inner.alert_handlers).push(std::sync::Arc::new(handler));
    }

    /// A live report of the running session, which keeps running; `None` if
    /// no session is running.
    pub fn current_report(&self) -> Option<SessionReport> {
        self.read_environment();
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
        self.read_environment();
        lock(&self.inner.sessions).set_capacity(capacity);
    }
}
