//! Sessions: a named span of the process whose report is the difference
//! between the monitor's totals at its end and at its start, plus a bounded
//! history of ended sessions.

use crate::aggregate::{SiteTotals, Totals};
use crate::callsite;
use crate::clock;
use crate::counters;
use crate::findings;
use crate::histogram::Histogram;
use crate::memory::{self, ProcessSample};
use crate::monitor::{lock, Core, Monitor};
use crate::report::{
    ApiStats, CacheStats, Dropped, OperationStats, ProcessStats, SessionReport, StageStats,
    SCHEMA_VERSION,
};
use crate::stage::StageTotals;
use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// Ended sessions kept by default; see [`Monitor::set_history_capacity`].
pub const DEFAULT_HISTORY_CAPACITY: usize = 32;

pub(crate) struct Sessions {
    running: Option<Running>,
    history: VecDeque<SessionReport>,
    capacity: usize,
    last_sequence: u64,
}

struct Running {
    id: String,
    sequence: u64,
    started: Instant,
    started_unix_ms: u64,
    start_stamp: u64,
    baseline: Totals,
    stages: BTreeMap<String, StageTotals>,
    stages_dropped: u64,
    events_from: u64,
    process: Option<ProcessSample>,
    /// Process-wide refusals before the session, so it reports only its own.
    callsites_dropped: u64,
    counters_dropped: u64,
}

impl Sessions {
    pub(crate) const fn new() -> Sessions {
        Sessions {
            running: None,
            history: VecDeque::new(),
            capacity: DEFAULT_HISTORY_CAPACITY,
            last_sequence: 0,
        }
    }

    fn archive(&mut self, report: SessionReport) {
        if self.capacity == 0 {
            return;
        }
        while self.history.len() >= self.capacity {
            self.history.pop_front();
        }
        self.history.push_back(report);
    }
}

/// A handle to a started session; [`Session::end`] ends it. Dropping the
/// handle does not end the session.
#[derive(Clone)]
pub struct Session {
    core: &'static Core,
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
        let mut sessions = lock(&self.core.sessions);
        if sessions.running.as_ref().is_some_and(|r| r.sequence == self.sequence) {
            return end_locked(self.core, &mut sessions);
        }
        sessions.history.iter().find(|r| r.sequence == self.sequence).cloned()
    }
}

fn unix_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

/// Starts a session whose baseline is `totals`.
fn begin(core: &'static Core, sessions: &mut Sessions, id: String, totals: Totals) -> Session {
    sessions.last_sequence += 1;
    let sequence = sessions.last_sequence;
    let (stages, stages_dropped) = {
        let table = lock(&core.stages);
        (table.totals.clone(), table.dropped)
    };
    sessions.running = Some(Running {
        id: id.clone(),
        sequence,
        started: Instant::now(),
        started_unix_ms: unix_ms(),
        start_stamp: clock::now(),
        baseline: totals,
        stages,
        stages_dropped,
        events_from: lock(&core.events).next_seq(),
        process: memory::sample(),
        callsites_dropped: callsite::dropped(),
        counters_dropped: counters::dropped(),
    });
    Session { core, sequence, id }
}

fn end_locked(core: &'static Core, sessions: &mut Sessions) -> Option<SessionReport> {
    let running = sessions.running.take()?;
    let totals = core.read_totals();
    core.next_epoch();
    let report = build(core, &running, &totals, true);
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
        clock::warm_up();
        let core = self.core();
        let mut sessions = lock(&core.sessions);
        let totals = core.read_totals();
        if let Some(previous) = sessions.running.take() {
            let report = build(core, &previous, &totals, true);
            sessions.archive(report);
        }
        core.next_epoch();
        begin(core, &mut sessions, id.into(), totals)
    }

    /// Ends the running session and returns its report (also kept in the
    /// history); `None` if no session was running.
    pub fn end_session(&self) -> Option<SessionReport> {
        let core = self.core();
        let mut sessions = lock(&core.sessions);
        end_locked(core, &mut sessions)
    }

    /// A live report of the running session, which keeps running; `None` if
    /// no session is running.
    pub fn current_report(&self) -> Option<SessionReport> {
        let core = self.core();
        let sessions = lock(&core.sessions);
        let running = sessions.running.as_ref()?;
        Some(build(core, running, &core.read_totals(), false))
    }

    /// The id of the running session, if any.
    pub fn current_session_id(&self) -> Option<String> {
        lock(&self.core().sessions).running.as_ref().map(|r| r.id.clone())
    }

    /// Reports of ended sessions, oldest first (at most the history capacity).
    pub fn session_history(&self) -> Vec<SessionReport> {
        lock(&self.core().sessions).history.iter().cloned().collect()
    }

    /// Sets how many ended sessions the history keeps (default 32; 0 keeps none).
    pub fn set_history_capacity(&self, capacity: usize) {
        let mut sessions = lock(&self.core().sessions);
        sessions.capacity = capacity;
        while sessions.history.len() > capacity {
            sessions.history.pop_front();
        }
    }
}

/// One report row being assembled from the callsites that share a name.
struct Row<'a> {
    info: &'a callsite::SiteInfo,
    totals: SiteTotals,
}

impl Row<'_> {
    fn add(&mut self, t: &SiteTotals) {
        let r = &mut self.totals;
        r.calls += t.calls;
        r.failures += t.failures;
        r.cancelled += t.cancelled;
        r.slow += t.slow;
        r.total_ns += t.total_ns;
        r.min_ns = r.min_ns.min(t.min_ns);
        r.max_ns = r.max_ns.max(t.max_ns);
        if !t.buckets.is_empty() {
            for (a, b) in r.dense_buckets().iter_mut().zip(&t.buckets) {
                *a += b;
            }
        }
        if let Some((stamp, text)) = &t.error {
            if r.error.as_ref().is_none_or(|(s, _)| stamp > s) {
                r.error = Some((*stamp, text.clone()));
            }
        }
    }

    fn finish(self, wall_ns: u64) -> OperationStats {
        let t = self.totals;
        let histogram = Histogram::from_dense(&t.buckets);
        let recorded = histogram.count() > 0;
        // min/max come from the slots when this session's epoch saw a call;
        // otherwise (a call that straddled the session start) from the histogram.
        let (min_ns, max_ns) = if t.min_ns <= t.max_ns && recorded {
            (t.min_ns, t.max_ns)
        } else {
            (histogram.quantile(0.0).unwrap_or(0), histogram.quantile(1.0).unwrap_or(0))
        };
        let pct = |q: f64| histogram.quantile(q).unwrap_or(0).clamp(min_ns, max_ns.max(min_ns));
        OperationStats {
            name: self.info.name.clone(),
            module_path: self.info.module_path.clone(),
            file: self.info.file.clone(),
            line: self.info.line,
            kind: self.info.kind,
            calls: t.calls,
            failures: t.failures,
            cancelled: t.cancelled,
            slow_calls: t.slow,
            slow_threshold_ns: self.info.slow_ns,
            total_ns: t.total_ns,
            mean_ns: t.total_ns.checked_div(t.calls).unwrap_or(0),
            min_ns,
            max_ns,
            p50_ns: pct(0.50),
            p90_ns: pct(0.90),
            p99_ns: pct(0.99),
            share_of_wall: share(t.total_ns, wall_ns),
            last_error: t.error.map(|(_, text)| text),
            histogram,
        }
    }
}

pub(crate) fn share(part_ns: u64, wall_ns: u64) -> f64 {
    if wall_ns == 0 {
        0.0
    } else {
        part_ns as f64 / wall_ns as f64
    }
}

fn build(core: &Core, running: &Running, end: &Totals, ended: bool) -> SessionReport {
    let wall_ns = running.started.elapsed().as_nanos() as u64;
    let diff = end.since(&running.baseline, running.start_stamp);
    let sites = callsite::sites();

    let mut rows: BTreeMap<&str, Row<'_>> = BTreeMap::new();
    for (index, totals) in diff.sites.iter().enumerate() {
        if totals.calls == 0 && totals.cancelled == 0 {
            continue;
        }
        let Some(info) = sites.get(index) else { continue };
        rows.entry(info.name.as_str())
            .or_insert_with(|| Row { info, totals: SiteTotals::default() })
            .add(totals);
    }
    let mut operations: Vec<_> = rows.into_values().map(|r| r.finish(wall_ns)).collect();
    operations.sort_by(|a, b| b.total_ns.cmp(&a.total_ns).then_with(|| a.name.cmp(&b.name)));

    let (stages, stages_dropped) = {
        let table = lock(&core.stages);
        let stages = table
            .totals
            .iter()
            .filter_map(|(name, now)| {
                let before = running.stages.get(name).copied().unwrap_or_default();
                let runs = now.runs - before.runs;
                (runs > 0).then(|| {
                    let total_ns = now.total_ns - before.total_ns;
                    let items = now.items - before.items;
                    StageStats {
                        name: name.clone(),
                        runs,
                        total_ns,
                        items,
                        items_per_sec: (total_ns > 0).then(|| items as f64 * 1e9 / total_ns as f64),
                    }
                })
            })
            .collect();
        (stages, table.dropped - running.stages_dropped)
    };

    let names = counters::names();
    let counters = diff
        .counters
        .iter()
        .enumerate()
        .filter(|(_, &n)| n > 0)
        .filter_map(|(i, &n)| Some((names.get(i)?.clone(), n)))
        .collect();

    let [hits, misses, api_calls, api_errors, tokens, nano_usd] = diff.fixed;
    let lookups = hits + misses;
    let cache =
        CacheStats { hits, misses, hit_rate: (lookups > 0).then(|| hits as f64 / lookups as f64) };
    let api =
        ApiStats { calls: api_calls, errors: api_errors, tokens, cost_usd: nano_usd as f64 / 1e9 };

    let process = match (running.process, memory::sample()) {
        (Some(start), Some(now)) => {
            let cpu_time_ms = now.cpu_time_ms.saturating_sub(start.cpu_time_ms);
            Some(ProcessStats {
                rss_start_bytes: start.rss_bytes,
                rss_end_bytes: now.rss_bytes,
                rss_peak_bytes: memory::peak_rss_bytes(),
                cpu_time_ms,
                cpu_utilization: share(cpu_time_ms * 1_000_000, wall_ns),
            })
        }
        _ => None,
    };

    let (events, events_dropped) = lock(&core.events).since(running.events_from);

    let mut report = SessionReport {
        schema_version: SCHEMA_VERSION,
        session_id: running.id.clone(),
        sequence: running.sequence,
        started_at_unix_ms: running.started_unix_ms,
        wall_ns,
        ended,
        clock: clock::NAME.to_owned(),
        operations,
        stages,
        cache,
        api,
        counters,
        process,
        bottlenecks: Vec::new(),
        findings: Vec::new(),
        events,
        dropped: Dropped {
            callsites: callsite::dropped().saturating_sub(running.callsites_dropped),
            counters: counters::dropped().saturating_sub(running.counters_dropped),
            stages: stages_dropped,
            events: events_dropped,
        },
    };
    findings::analyze(&mut report);
    report
}
