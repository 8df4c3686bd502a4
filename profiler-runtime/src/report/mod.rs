//! The session report: plain data, serialisable, with renderers beside it
//! (`Display` for the text summary in [`text`], JSON in [`json`]).
//!
//! Every field added later gets `#[serde(default)]`, so older reports still
//! load; a change that old readers would misread bumps [`SCHEMA_VERSION`].

pub(crate) mod alerts;
pub(crate) mod build;
pub(crate) mod compare;
mod compare_text;
mod elide;
mod escape;
mod estimate;
pub(crate) mod evidence;
pub(crate) mod findings;
pub(crate) mod graph;
mod graph_text;
#[cfg(feature = "json")]
mod json;
pub(crate) mod memory;
mod recording;
pub(crate) mod tail;
pub(crate) mod text;
pub(crate) mod trend;
mod trend_text;
mod wall;
mod width;
pub(crate) mod windows;

pub use crate::record::sites::registry::OperationKind;
use crate::record::storage::histogram::Histogram;
pub use crate::state::events::OperationEvent;
use crate::state::level::Level;
pub use crate::state::thresholds::STAGE_EFFICIENCY_THRESHOLD;
pub use recording::Recording;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Version of the JSON layout written by `SessionReport::to_json` (feature `json`).
pub const SCHEMA_VERSION: u32 = 1;

/// Everything one session recorded, with the findings drawn from it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SessionReport {
    /// Layout version; see [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The id given to `start_session`.
    pub session_id: String,
    /// 1 for the monitor's first session, then counting up.
    pub sequence: u64,
    /// Wall-clock start, milliseconds since the Unix epoch.
    pub started_at_unix_ms: u64,
    /// Session length so far (live report) or in all (ended).
    pub wall_ns: u64,
    /// `false` for a live snapshot from `current_report`.
    pub ended: bool,
    /// The clock used for timings.
    pub clock: String,
    /// Whether the session was recorded: on, or why the report is empty or
    /// partial (recording off, switched off midway, compiled out, nothing
    /// ran). Reports saved before this field load as [`Recording::On`].
    #[serde(default)]
    pub recording: Recording,
    /// One row per operation name, slowest total first.
    pub operations: Vec<OperationStats>,
    /// Stages by name (runs that ended).
    #[serde(default)]
    pub stages: Vec<StageStats>,
    /// Stages running when the report was taken, with their progress.
    #[serde(default)]
    pub running_stages: Vec<StageProgress>,
    /// Cache hits and misses.
    #[serde(default)]
    pub cache: CacheStats,
    /// Paid API calls.
    #[serde(default)]
    pub api: ApiStats,
    /// Custom counters by name (only those that moved).
    #[serde(default)]
    pub counters: BTreeMap<String, u64>,
    /// Process memory and CPU, where the platform reports them.
    #[serde(default)]
    pub process: Option<ProcessStats>,
    /// The level the session ran at.
    #[serde(default)]
    pub level: Level,
    /// Resident memory over the session (the detailed level and up).
    #[serde(default)]
    pub memory: Option<MemoryStats>,
    /// The heap over the session, at [`Level::Detailed`] and up with
    /// [`crate::CountingAllocator`] installed.
    #[serde(default)]
    pub heap: Option<HeapStats>,
    /// The call tree: every path of monitored calls with its time, at
    /// [`Level::Detailed`] and up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_tree: Option<CallTree>,
    /// Every monitored call and poll as an event, at [`Level::Full`].
    #[serde(default)]
    pub trace: Option<CallTrace>,
    /// The operations that held the most wall time in their own code (at
    /// most five, most first; see [`WallShare`]): what to make faster first.
    #[serde(default)]
    pub bottlenecks: Vec<Bottleneck>,
    /// Quality flags raised by code during the session
    /// ([`Monitor::flag`](crate::Monitor::flag)), oldest first.
    #[serde(default)]
    pub flags: Vec<QualityFlag>,
    /// Operations rolled up per component, by self time (empty when no
    /// operation names one).
    #[serde(default)]
    pub components: Vec<ComponentStats>,
    /// Warnings and recommendations, most important first.
    #[serde(default)]
    pub findings: Vec<Finding>,
    /// Notable manual operations (failed, or carrying metadata), oldest first.
    #[serde(default)]
    pub events: Vec<OperationEvent>,
    /// What bounded tables had to leave out.
    #[serde(default)]
    pub dropped: Dropped,
    /// This session against the monitor's previous run of the same session
    /// id (from its history, or its history directory), when there is one;
    /// the summary shows it as "Compared with the previous run".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<compare::Comparison>,
    /// Calls and failures per operation in the last minute, hour and 24
    /// hours, in a report served by the endpoint (feature `serve`), which
    /// tracks them; `None` elsewhere.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub windows: Option<windows::Windows>,
}

/// Busy versus waiting for a future: of its wall time (first poll to
/// completion), the time inside `poll` and the time between a `Pending` and
/// the next poll, over its timed calls.
///
/// A high busy share with long polls blocks the executor's thread; a low
/// one means the future mostly waits (on I/O, timers, locks or other tasks).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Polling {
    /// Polls of the timed calls.
    pub polls: u64,
    /// Polls per call.
    pub polls_per_call: f64,
    /// Time inside `poll`, nanoseconds.
    pub busy_ns: u64,
    /// Time between polls, nanoseconds.
    pub waiting_ns: u64,
    /// `busy_ns` over wall time, 0 to 1.
    pub busy_share: f64,
    /// Mean time of one poll, nanoseconds.
    pub mean_poll_ns: u64,
}

/// Timing of one operation over the session.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OperationStats {
    /// The name given to `#[monitor("name")]` or `start_operation`, or the
    /// function's path.
    pub name: String,
    /// Module of the function (`"manual"` for manual operations).
    pub module_path: String,
    /// Source file of the function.
    pub file: String,
    /// Line of the function.
    pub line: u32,
    /// Sync function, future, or manual operation.
    #[serde(default)]
    pub kind: OperationKind,
    /// Completed calls (exact, sampled or not).
    pub calls: u64,
    /// Calls whose duration was measured: all of `calls` unless the
    /// operation is sampled (`#[monitor(sample = N)]` or
    /// [`crate::set_default_sample_rate`]). Percentiles, min and max come
    /// from these calls. 0 in reports saved before sampling existed (their
    /// `estimated` is false: every call was timed).
    #[serde(default)]
    pub timed_calls: u64,
    /// Whether `total_ns`, `mean_ns`, `slow_calls` and `share_of_wall` are
    /// estimates from the timed calls (scaled to `calls`) rather than sums
    /// over every call: true when some calls were not timed.
    #[serde(default)]
    pub estimated: bool,
    /// Calls that returned `Err` or panicked.
    pub failures: u64,
    /// Futures dropped before they completed (not in `calls`).
    pub cancelled: u64,
    /// Calls at least as long as the `slow` threshold.
    #[serde(default)]
    pub slow_calls: u64,
    /// The `slow` threshold, if one was set.
    #[serde(default)]
    pub slow_threshold_ns: Option<u64>,
    /// Time spent in all calls.
    pub total_ns: u64,
    /// Mean call time.
    pub mean_ns: u64,
    /// Fastest call.
    pub min_ns: u64,
    /// Slowest call.
    pub max_ns: u64,
    /// Median call time (within 3.125 %).
    pub p50_ns: u64,
    /// 90th percentile.
    pub p90_ns: u64,
    /// 99th percentile.
    pub p99_ns: u64,
    /// `total_ns` over the session's wall time (can pass 1.0 with threads or nesting).
    pub share_of_wall: f64,
    /// The component it belongs to (`#[monitor(component = "..")]`,
    /// [`Monitor::operation_in`](crate::Monitor::operation_in)), if any.
    #[serde(default)]
    pub component: Option<String>,
    /// Self time: `total_ns` less the time of the monitored calls these
    /// calls made (estimated like `total_ns` when sampled). A future's
    /// children are the monitored futures it awaits; a spawned task is
    /// nobody's child. Manual operations' self time is their total. `None`
    /// in reports written before it was measured.
    #[serde(default)]
    pub self_ns: Option<u64>,
    /// The text of the latest failure in this session.
    #[serde(default)]
    pub last_error: Option<String>,
    /// The call-time distribution.
    #[serde(default)]
    pub histogram: Histogram,
    /// CPU time next to wall time, at [`Level::Detailed`] and up (`None`
    /// below it, for manual operations, and where the platform has no
    /// thread CPU clock).
    #[serde(default)]
    pub cpu: Option<CpuTime>,
    /// What the calls allocated themselves, at [`Level::Detailed`] and up
    /// with [`crate::CountingAllocator`] installed.
    #[serde(default)]
    pub heap: Option<HeapUse>,
    /// A future's time inside `poll` against its time waiting between
    /// polls, and its polls per call (futures with timed calls only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub polling: Option<Polling>,
    /// The operations whose calls made this one's calls, with how many and
    /// this operation's time under each, most time first (see
    /// [`CallEdge`]; [`Level::Detailed`] and up). The calls not listed had
    /// no monitored caller.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub callers: Vec<CallEdge>,
    /// The operations this one's calls made, with how many and their time,
    /// most time first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub callees: Vec<CallEdge>,
    /// Its share of the session's wall time, overlapping calls counted once:
    /// what ranks [`SessionReport::bottlenecks`]. `None` in reports written
    /// before it was measured, and when the session was too short to sample.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wall: Option<WallShare>,
}

/// An operation's share of the session's wall time: how much shorter the
/// session could get if its own code took no time, as far as its calls
/// show it.
///
/// Every 2 ms (see the README's "Bottlenecks" section) a sampler
/// looks at which monitored calls are in flight in their own code: running
/// on a thread with no monitored call open inside them, or futures pending
/// on something other than a monitored future (a timer, I/O, a lock). The
/// time between two looks is split evenly among the calls seen, so calls
/// that overlap share it and the operations' `held_ns` add up to at most
/// the session's wall time. Ten concurrent fetches during a 200 ms fan-out
/// hold 200 ms between them; a call waiting while other work runs holds
/// only its part of that time; a sequence of awaits on a slow query holds
/// all of its time.
///
/// The sampler only says how the time was shared: `held_ns` is the exact
/// self time scaled by the sampled ratio of held to in-flight time.
/// `saving_ns` estimates what halving its own time would save, from the
/// stretches its calls were in flight and what ran beside them (see the
/// README's "Bottlenecks" section); bottlenecks rank by it.
/// Operations it never saw in flight (calls shorter than its interval in
/// all, manual operations, `tracing` spans) keep their self time
/// (`sampled: false`).
///
/// ```
/// use profiler_runtime::Monitor;
///
/// #[profiler_runtime::monitor("nap")]
/// fn nap() {
///     std::thread::sleep(std::time::Duration::from_millis(15));
/// }
///
/// let m = Monitor::new();
/// m.start_session("wall");
/// m.scope(|| {
///     // Four naps at once on four threads: 15 ms of the wall, not 60.
///     std::thread::scope(|s| {
///         for _ in 0..4 {
///             s.spawn(|| m.scope(nap));
///         }
///     });
/// });
/// let report = m.end_session().unwrap();
/// let nap = report.operations.iter().find(|op| op.name == "nap").unwrap();
/// if let Some(wall) = &nap.wall {
///     assert!(wall.share <= 1.0);
///     assert!(wall.held_ns < nap.total_ns / 2, "overlapping calls count once");
/// }
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WallShare {
    /// The wall time it held: its self time, less what it shared with the
    /// other calls in flight beside it. At most the session's wall time.
    pub held_ns: u64,
    /// `held_ns` over the session's wall time, 0 to 1.
    pub share: f64,
    /// The wall time with at least one of its calls in flight in its own
    /// code (the union of their intervals, sampled).
    pub covered_ns: u64,
    /// How many of its calls were in flight at once on average, while any
    /// was (1: they never overlapped).
    pub overlap: f64,
    /// The part of `held_ns` its futures spent pending in their own code
    /// (waiting on timers, I/O, locks, unmonitored tasks), 0 to 1.
    pub waiting_share: f64,
    /// The stage that ran while it held most of its time, when one did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
    /// Whether the sampler saw it in flight; `false`: `held_ns` is its self
    /// time, as if no other call ran beside it.
    pub sampled: bool,
    /// What making its own code twice as fast would save of the session's
    /// wall time, estimated from when its calls were in flight and what ran
    /// beside them (half of what it held alone; nothing of a stretch that
    /// other work outlived, as in `join!(slow, fast)` for `fast`). What
    /// ranks [`SessionReport::bottlenecks`].
    #[serde(default)]
    pub saving_ns: u64,
}

/// One caller-callee pair of operations: how many calls the callee made
/// from inside the caller's calls, and their time, summed over the
/// [`CallTree`]'s paths that end in the pair. Recorded at
/// [`Level::Detailed`] and up (at `Basic` the lists are empty).
///
/// A call's caller is the monitored call of the same monitor that was
/// running on its thread when it started: for a sync function, the
/// innermost monitored call it was made from; for a future, whatever polled
/// it in the poll it completed in (the future that awaits it; nothing for a
/// task an executor spawned). A future is the running call during each of
/// its polls, on whichever thread polls it, so what it awaits is its callee
/// even after it moved. Manual operations and the untimed calls of sampled
/// functions take no part: their callees' caller is the call around them.
/// A sampled callee's counts are estimated like its `total_ns`.
///
/// ```
/// use profiler_runtime::{Level, Monitor};
///
/// let m = Monitor::new();
/// m.set_level(Level::Detailed);
/// m.start_session("tree");
/// m.scope(|| {
///     #[profiler_runtime::monitor("leaf")]
///     fn leaf() {}
///     #[profiler_runtime::monitor("parent")]
///     fn parent() {
///         leaf();
///         leaf();
///     }
///     parent();
/// });
/// let report = m.end_session().unwrap();
/// let parent = report.operations.iter().find(|op| op.name == "parent").unwrap();
/// assert_eq!(parent.callees[0].name, "leaf");
/// assert_eq!(parent.callees[0].calls, 2);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CallEdge {
    /// The other operation's name.
    pub name: String,
    /// Calls of the callee made inside the caller's calls.
    pub calls: u64,
    /// Their time (the callee's wall time, not the caller's).
    pub total_ns: u64,
}

/// The operations of one component, rolled up (see [`SessionReport::components`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ComponentStats {
    /// The component's name.
    pub name: String,
    /// How many operations it has in this report.
    pub operations: usize,
    /// Calls, failures, total and self time of its operations, summed.
    pub calls: u64,
    /// See `calls`.
    pub failures: u64,
    /// See `calls` (a caller and its callee in the same component both count).
    pub total_ns: u64,
    /// See `calls`: what the component's own code took.
    pub self_ns: u64,
    /// The wall time its operations held, summed (see [`WallShare`]): what
    /// ranks components. At most the session's wall time.
    #[serde(default)]
    pub held_ns: u64,
    /// `held_ns` over the session's wall time, 0 to 1 (`self_ns` over it in
    /// reports written before `held_ns`).
    pub share_of_wall: f64,
    /// Its operation with the most self time (empty when it has only stages).
    pub slowest: String,
    /// How many stages it has in this report.
    #[serde(default)]
    pub stages: usize,
    /// Their runs' time, summed.
    #[serde(default)]
    pub stage_ns: u64,
}

/// The call tree at [`Level::Detailed`] and up: every path of monitored
/// calls (`["handle", "query", "parse"]`), merged across threads, with its
/// calls, time and self time, most time first. What flame graphs and
/// folded stacks are drawn from.
///
/// ```
/// use profiler_runtime::{Level, Monitor};
///
/// #[profiler_runtime::monitor("parse")]
/// fn parse() {}
/// #[profiler_runtime::monitor("load")]
/// fn load() {
///     parse();
/// }
///
/// let m = Monitor::new();
/// m.set_level(Level::Detailed);
/// m.start_session("paths");
/// m.scope(|| {
///     load();
///     parse();
/// });
/// let tree = m.end_session().unwrap().call_tree.unwrap();
/// let paths: Vec<_> = tree.paths.iter().map(|p| (p.path.join(";"), p.calls)).collect();
/// assert!(paths.contains(&("load;parse".to_owned(), 1)));
/// assert!(paths.contains(&("parse".to_owned(), 1)));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CallTree {
    /// The paths, most time first (at most [`MAX_CALL_PATHS`]).
    pub paths: Vec<CallPath>,
    /// Calls left out because a thread's table was full (65,535 paths a
    /// thread and monitor) or they were nested more than 128 deep (deep
    /// recursion), and `tracing` spans closed on another thread than their
    /// last enter's; their operations' totals still count them.
    pub lost_calls: u64,
    /// Paths past [`MAX_CALL_PATHS`], the ones with the least time.
    pub dropped_paths: u64,
}

/// One path of the [`CallTree`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CallPath {
    /// Operation names from the outermost call in.
    pub path: Vec<String>,
    /// Calls of the last operation along this path.
    pub calls: u64,
    /// Their time.
    pub total_ns: u64,
    /// Their time less that of the monitored calls they made.
    pub self_ns: u64,
}

pub use graph::MAX_CALL_PATHS;

/// The most events a report's [`CallTrace`] keeps (the latest ones).
pub const MAX_TRACE_EVENTS: usize = 65_536;

/// A session's calls as events (see [`SessionReport::trace`]), for trace
/// exports and call trees: each thread keeps its latest
/// [`EVENTS_PER_THREAD`](crate::EVENTS_PER_THREAD) events, and a report
/// its latest [`MAX_TRACE_EVENTS`]; what was left out is counted.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CallTrace {
    /// Events by start time.
    pub events: Vec<CallEvent>,
    /// The threads the events name, by number (`threads[n - 1]` is thread `n`).
    pub threads: Vec<String>,
    /// Events overwritten or cut before this report could keep them.
    pub dropped: u64,
}

/// What a [`CallEvent`] stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallEventKind {
    /// A synchronous call, from its start to its end.
    Call,
    /// One poll of a monitored future (`call` names the future).
    Poll,
    /// A monitored future, from its first poll to its completion.
    AsyncCall,
}

/// One call, poll or future (see [`CallTrace`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallEvent {
    /// The operation's name (its row in [`SessionReport::operations`]).
    pub operation: String,
    /// Call, poll or future.
    pub kind: CallEventKind,
    /// The thread it ran on (a number into [`CallTrace::threads`]); for a
    /// future, the thread it completed on.
    pub thread: u32,
    /// Its id, unique in the process.
    pub id: u64,
    /// The monitored call or poll it ran inside, if any (a future names
    /// its parent through its first poll's).
    pub parent: Option<u64>,
    /// For a poll, the future it is a poll of.
    pub call: Option<u64>,
    /// Nanoseconds from the session's start to its start.
    pub start_ns: u64,
    /// Its duration in nanoseconds.
    pub duration_ns: u64,
}

/// The heap over a session, as the counting allocator saw it (see
/// [`SessionReport::heap`]).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeapStats {
    /// Bytes allocated during the session (a reallocation counts its new size).
    pub allocated_bytes: u64,
    /// Allocations made during the session.
    pub allocations: u64,
    /// Bytes freed during the session (some perhaps allocated before it).
    pub freed_bytes: u64,
    /// Bytes allocated and not freed, process-wide, at the start and at the end.
    pub live_start_bytes: u64,
    /// See `live_start_bytes`.
    pub live_end_bytes: u64,
    /// The most live heap seen: at the start, the end, and each memory
    /// sampler reading in between (so a peak between two readings can be
    /// missed; a shorter interval narrows the gap).
    pub peak_live_bytes: u64,
}

/// What the process allocated during a stage's runs (see [`StageStats::heap`]).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageHeap {
    /// Runs measured.
    pub runs: u64,
    /// Bytes allocated during them.
    pub allocated_bytes: u64,
    /// Allocations made during them.
    pub allocations: u64,
}

/// An operation's CPU time against its wall time (see
/// [`OperationStats::cpu`]). Estimated from the calls that read the thread
/// CPU clock: a function's first call on each thread, every call after one
/// that took 20 µs or more, and one in 64 of
/// the others at random, each reading weighted by how likely it was to be
/// taken, so the estimate is unbiased. Both times include the calls an
/// operation made.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CpuTime {
    /// Estimated CPU time over all calls: the wall time (`total_ns`) times
    /// `cpu_share`.
    pub cpu_ns: u64,
    /// CPU time over wall time, 0.0 to 1.0 (the readings' noise can reach
    /// past 1.0 for very short calls; it is cut there); the rest of the wall
    /// time was spent waiting (sleep, I/O, a lock, a scheduler that ran
    /// something else).
    pub cpu_share: f64,
    /// Calls that read the CPU clock.
    pub readings: u64,
}

/// What an operation's calls allocated themselves (see
/// [`OperationStats::heap`]): the innermost running monitored call on a
/// thread is charged for what the thread allocates.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HeapUse {
    /// Bytes allocated (a reallocation counts its new size).
    pub bytes: u64,
    /// Allocations made (a reallocation counts as one).
    pub allocations: u64,
    /// Calls measured; when fewer than the calls (a sampled operation, or a
    /// level raised during the session), `bytes` and `allocations` are
    /// scaled to every call and `estimated` is set.
    pub measured_calls: u64,
    /// Whether the figures are scaled from the measured calls.
    pub estimated: bool,
}

impl HeapUse {
    /// Bytes per call.
    pub fn bytes_per_call(&self, calls: u64) -> f64 {
        if calls == 0 {
            0.0
        } else {
            self.bytes as f64 / calls as f64
        }
    }
}

impl OperationStats {
    /// Self time, or the total where it was not measured.
    pub fn self_time_ns(&self) -> u64 {
        self.self_ns.unwrap_or(self.total_ns)
    }

    /// Failures over calls, 0.0 without calls.
    pub fn failure_rate(&self) -> f64 {
        if self.calls == 0 {
            0.0
        } else {
            self.failures as f64 / self.calls as f64
        }
    }
}

/// Throughput of one stage.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StageStats {
    /// The stage's name.
    pub name: String,
    /// How many times the stage ran.
    pub runs: u64,
    /// Time spent in it.
    pub total_ns: u64,
    /// Items processed.
    pub items: u64,
    /// Items per second of stage time; `None` when it took no measurable time.
    pub items_per_sec: Option<f64>,
    /// Resident memory around its runs (the detailed level).
    #[serde(default)]
    pub memory: Option<StageMemory>,
    /// What the whole process allocated while the stage ran (all threads),
    /// at the detailed level with [`crate::CountingAllocator`] installed.
    #[serde(default)]
    pub heap: Option<StageHeap>,
    /// The component it belongs to ([`Monitor::stage_in`](crate::Monitor::stage_in)), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub component: Option<String>,
}

/// A stage still running: how far it has got (see [`crate::Stage::expect`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StageProgress {
    /// The stage's name.
    pub name: String,
    /// Items done so far.
    pub items: u64,
    /// Items expected in all, if the stage said.
    pub expected: Option<u64>,
    /// Time since the stage started.
    pub elapsed_ns: u64,
    /// Items per second so far; `None` before any time passed.
    pub items_per_sec: Option<f64>,
    /// Share done, 0 to 100, when the total is known.
    pub percent_done: Option<f64>,
    /// Time left at the rate so far, when the total is known and items are moving.
    pub eta_ns: Option<u64>,
}

/// Resident memory around a stage's runs in the session (detailed level).
///
/// `efficiency` is how much of the memory the stage grew by it gave back by
/// its end: over the session's runs, 100 x (sum of peak - end) / (sum of
/// peak - start). 100: everything it took was released; 0: it kept all of
/// it. A stage whose runs grew by under 1 MiB in all scores 100. Stages
/// under [`STAGE_EFFICIENCY_THRESHOLD`] are a finding.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StageMemory {
    /// Runs measured.
    pub runs: u64,
    /// Resident memory at the start of its latest run.
    pub start_bytes: u64,
    /// At the end of its latest run.
    pub end_bytes: u64,
    /// The highest reading during its latest run.
    pub peak_bytes: u64,
    /// End minus start over all its runs in the session (negative: it freed
    /// more than it took).
    pub growth_bytes: i64,
    /// 0 to 100, see above.
    pub efficiency: f64,
}

/// Cache effectiveness.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CacheStats {
    /// Lookups that hit.
    pub hits: u64,
    /// Lookups that missed.
    pub misses: u64,
    /// Hits over lookups; `None` without lookups.
    pub hit_rate: Option<f64>,
    /// Per cache name (lookups in a `MonitoredCache`, feature `cache`),
    /// most lookups first. Its lookups are also in the totals above.
    #[serde(default)]
    pub caches: Vec<NamedCacheStats>,
}

impl CacheStats {
    /// The row of the cache named `name`, if it had lookups, evictions or
    /// expirations.
    pub fn cache(&self, name: &str) -> Option<&NamedCacheStats> {
        self.caches.iter().find(|c| c.name == name)
    }
}

/// One named cache's figures over the session.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NamedCacheStats {
    /// The cache's name (or [`OTHER_CACHES`](crate::OTHER_CACHES)).
    pub name: String,
    /// Lookups that found a live entry.
    pub hits: u64,
    /// Lookups that found none, or an expired one.
    pub misses: u64,
    /// Entries pushed out to make room.
    pub evictions: u64,
    /// Entries found past their time to live, and removed.
    pub expirations: u64,
    /// Hits over lookups; `None` without lookups.
    pub hit_rate: Option<f64>,
}

/// Paid API usage.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ApiStats {
    /// Calls made.
    pub calls: u64,
    /// Calls that failed.
    pub errors: u64,
    /// Tokens used (input and output together, and the tokens of
    /// `record_api_call`, which does not split them).
    pub tokens: u64,
    /// Estimated cost in US dollars.
    pub cost_usd: f64,
    /// Input tokens of the calls recorded with `Monitor::api_call`.
    #[serde(default)]
    pub input_tokens: u64,
    /// Output tokens of the calls recorded with `Monitor::api_call`.
    #[serde(default)]
    pub output_tokens: u64,
    /// Spend per model (calls recorded with `Monitor::api_call`), costliest
    /// first.
    #[serde(default)]
    pub models: Vec<ModelSpend>,
}

impl ApiStats {
    /// The row of `model`, if it had calls.
    pub fn model(&self, model: &str) -> Option<&ModelSpend> {
        self.models.iter().find(|m| m.model == model)
    }
}

/// One model's API calls and spend over the session.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ModelSpend {
    /// The model's name as given to `api_call` (or
    /// [`OTHER_MODEL`](crate::OTHER_MODEL)).
    pub model: String,
    /// Calls made.
    pub calls: u64,
    /// Calls that failed.
    pub errors: u64,
    /// Tokens sent.
    pub input_tokens: u64,
    /// Tokens received.
    pub output_tokens: u64,
    /// Cost in US dollars.
    pub cost_usd: f64,
    /// Cost per call in US dollars.
    pub cost_per_call_usd: f64,
}

/// Process resources over the session, sampled at its start and end.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ProcessStats {
    /// Resident memory at the start, bytes.
    pub rss_start_bytes: u64,
    /// Resident memory at the end (or now, for a live report), bytes.
    pub rss_end_bytes: u64,
    /// Highest resident memory the process reached, bytes (0 where unknown).
    #[serde(default)]
    pub rss_peak_bytes: u64,
    /// CPU time the process used during the session, milliseconds.
    pub cpu_time_ms: u64,
    /// CPU time over wall time: 1.0 is one core busy throughout.
    pub cpu_utilization: f64,
    /// The share of the session's wall time, 0 to 1, in which some task of
    /// the machine (or of the process's cgroup) was ready to run but waited
    /// for a CPU: Linux's pressure stall information (`/proc/pressure/cpu`,
    /// `some`), read at the session's start and end. A busy machine
    /// stretches calls by that wait, so findings about waiting and CPU use
    /// take it into account. `None` where the kernel does not report it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_pressure: Option<f64>,
}

/// The process's resident memory over a session, read by the sampler every
/// `interval_ms` (see [`crate::Monitor::set_level`]).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MemoryStats {
    /// The first reading.
    pub start_bytes: u64,
    /// The last reading (at the session's end, for an ended session).
    pub end_bytes: u64,
    /// The highest reading.
    pub peak_bytes: u64,
    /// When the highest reading was taken, from the session's start.
    pub peak_at_ns: u64,
    /// The sampler's interval.
    pub interval_ms: f64,
    /// Readings taken.
    pub readings: u64,
    /// The readings, at most [`crate::TIMELINE_POINTS`] points evenly spread
    /// over the session (each the mean and maximum of the readings it stands for).
    pub timeline: Vec<MemoryPoint>,
    /// The stage runs that ended during the session (the latest 1,024), on
    /// the timeline's clock, so a reading can be placed within a stage.
    #[serde(default)]
    pub stages: Vec<StageSpan>,
}

/// One stage run on a memory timeline's clock.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageSpan {
    /// The stage's name.
    pub name: String,
    /// When the run began, from the session's start (0 if before it).
    pub start_ns: u64,
    /// When it ended.
    pub end_ns: u64,
}

impl MemoryStats {
    /// The stage running at `at_ns` (the innermost, if runs nest), if any.
    pub fn stage_at(&self, at_ns: u64) -> Option<&str> {
        self.stages
            .iter()
            .filter(|s| s.start_ns <= at_ns && at_ns <= s.end_ns)
            .min_by_key(|s| s.end_ns - s.start_ns)
            .map(|s| s.name.as_str())
    }
}

/// One point of a memory timeline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemoryPoint {
    /// When its first reading was taken, from the session's start.
    pub at_ns: u64,
    /// The mean of its readings.
    pub mean_bytes: u64,
    /// The highest of its readings.
    pub max_bytes: u64,
}

/// An operation that takes a large part of the session.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Bottleneck {
    /// The operation.
    pub name: String,
    /// Its total time.
    pub total_ns: u64,
    /// Its share of the session's wall time.
    pub share_of_wall: f64,
    /// Its self time (the total less its monitored callees'), summed over
    /// its calls (overlapping calls each count).
    #[serde(default)]
    pub self_ns: u64,
    /// Its self time's share of the session's wall time (can pass 1 when
    /// calls overlap).
    #[serde(default)]
    pub self_share_of_wall: f64,
    /// The wall time it held, which ranks it: its self time with
    /// overlapping calls counted once (see [`WallShare`]).
    #[serde(default)]
    pub held_ns: u64,
    /// `held_ns` over the session's wall time, 0 to 1.
    #[serde(default)]
    pub held_share: f64,
    /// What making it twice as fast would save (see
    /// [`WallShare::saving_ns`]), which ranks it first.
    #[serde(default)]
    pub saving_ns: u64,
}

pub use crate::state::flags::{QualityFlag, Severity};

/// Something the report noticed, with the figures behind it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// How much it matters.
    pub severity: Severity,
    /// A stable machine-readable kind (`"dominant_operation"`, `"failures"`, ...).
    pub kind: String,
    /// The operation, stage or counter it is about.
    #[serde(default)]
    pub subject: Option<String>,
    /// One sentence with the figures.
    pub message: String,
    /// What to try.
    #[serde(default)]
    pub recommendation: Option<String>,
    /// For a finding that is a threshold crossed (slow calls, a slow stage,
    /// stage memory, steady memory growth): the threshold and the figure
    /// that crossed it. These are what `Monitor::on_alert` hears about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crossed: Option<Crossing>,
}

/// A threshold and the figure that crossed it (see [`Finding::crossed`]);
/// the unit is the finding kind's, as [`crate::AlertKind`] describes.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Crossing {
    /// The threshold.
    pub threshold: f64,
    /// The figure that crossed it.
    pub value: f64,
}

/// Counts of what bounded tables left out, so a report never hides a gap.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dropped {
    /// Callsites refused during the session, past [`crate::MAX_CALLSITES`]
    /// (the limit is process-wide; their calls are not recorded).
    pub callsites: u64,
    /// Counter names refused during the session, past [`crate::MAX_COUNTERS`].
    pub counters: u64,
    /// Stage names past [`crate::MAX_STAGES`].
    pub stages: u64,
    /// Events this session that fell out of the event log.
    pub events: u64,
    /// Quality flags this session past [`crate::MAX_FLAGS`] (the latest are kept).
    #[serde(default)]
    pub flags: u64,
    /// Call durations left out of the histograms because a thread's page
    /// table was full (more than 32,768 distinct callsite-and-power-of-two
    /// pairs on one thread); counts and totals still include them.
    #[serde(default)]
    pub histogram_values: u64,
}

impl SessionReport {
    /// The row of the operation called `name`.
    pub fn operation(&self, name: &str) -> Option<&OperationStats> {
        self.operations.iter().find(|op| op.name == name)
    }

    /// The stage called `name`.
    pub fn stage(&self, name: &str) -> Option<&StageStats> {
        self.stages.iter().find(|s| s.name == name)
    }

    /// The session's wall time as a [`std::time::Duration`].
    pub fn wall_time(&self) -> std::time::Duration {
        std::time::Duration::from_nanos(self.wall_ns)
    }
}
