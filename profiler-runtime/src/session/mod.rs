//! Sessions: a named span of the process whose data is the difference between
//! a monitor's readings at its end and at its start, and a bounded history of
//! what ended sessions became.
//!
//! This layer gathers and subtracts; it does not interpret. What an ended
//! session becomes (the report) is decided above it and handed back to be
//! archived, so the history's type is a parameter here.

mod runs;
pub(crate) mod wall;

use crate::record::clock;
use crate::record::detail::heap::{self, HeapTotals};
use crate::record::detail::trace::Event;
use crate::record::shards::counter;
use crate::record::shards::switch;
use crate::record::sites::registry;
use crate::record::storage::reading::Totals;
use crate::record::sync::lock;
use crate::resources::sampler::{Hook, Sampler};
use crate::resources::timeline::Timeline;
use crate::resources::{self, ProcessSample};
use crate::state::events::OperationEvent;
use crate::state::flags::Severity;
use crate::state::level::Level;
use crate::state::stage::StageTotals;
use crate::state::thresholds::Thresholds;
use crate::state::Core;
use std::collections::{BTreeMap, VecDeque};
use std::time::{Instant, SystemTime, UNIX_EPOCH};
use wall::{WallSampler, WallTable};

/// Ended sessions kept by default; see `Monitor::set_history_capacity`.
pub const DEFAULT_HISTORY_CAPACITY: usize = 32;

/// One monitor's sessions: the running one and the history of ended ones, as
/// `R` (the report the layer above builds).
pub(crate) struct Sessions<R> {
    running: Option<Running>,
    history: VecDeque<R>,
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
    flags_from: u64,
    process: Option<ProcessSample>,
    level: Level,
    memory_interval: std::time::Duration,
    /// Reads memory over the session, from the detailed level up.
    sampler: Option<Sampler>,
    /// Splits the wall time among the calls in flight (see [`wall`]).
    wall: Option<WallSampler>,
    /// The counting allocator's totals at the start (detailed level, installed).
    heap: Option<HeapTotals>,
    /// Where each shard's event log stood at the start (full level).
    trace_from: Option<Vec<u64>>,
    /// Process-wide refusals before the session, so it reports only its own.
    callsites_dropped: u64,
    counters_dropped: u64,
    /// The recording switches at the start.
    switches: switch::Reading,
}

/// What a session recorded, as raw figures: the difference of two readings.
pub(crate) struct SessionData {
    pub(crate) id: String,
    pub(crate) sequence: u64,
    pub(crate) started_unix_ms: u64,
    pub(crate) wall_ns: u64,
    /// `false` for a snapshot of a session that goes on.
    pub(crate) ended: bool,
    /// Everything the shards gained during the session.
    pub(crate) totals: Totals,
    /// Stages that ran during the session, by name.
    pub(crate) stages: Vec<(String, StageTotals)>,
    pub(crate) stages_dropped: u64,
    /// The component of each stage name that was given one.
    pub(crate) stage_components: BTreeMap<String, String>,
    pub(crate) events: Vec<OperationEvent>,
    pub(crate) events_dropped: u64,
    /// Quality flags raised during the session (clock stamp, severity,
    /// message), and how many were dropped.
    pub(crate) flags: Vec<(u64, Severity, String)>,
    pub(crate) flags_dropped: u64,
    /// The process at the start and now, where the platform says.
    pub(crate) process: Option<(ProcessSample, ProcessSample)>,
    /// The level the session ran at.
    pub(crate) level: Level,
    /// Memory over the session (detailed level and up).
    pub(crate) memory: Option<Timeline>,
    /// The wall time split among the calls in flight (see [`wall`]); `None`
    /// when no sampler ran (compiled out, or its thread could not start).
    pub(crate) wall: Option<WallTable>,
    /// The sampler's interval.
    pub(crate) memory_interval: std::time::Duration,
    /// The counting allocator's totals at the start and now (detailed
    /// level, with the allocator installed).
    pub(crate) heap: Option<(HeapTotals, HeapTotals)>,
    /// The full level's events since the start, and how many were
    /// overwritten before they were read; with the session's start stamp.
    pub(crate) trace: Option<(Vec<Event>, u64)>,
    /// Clock ticks at the session's start.
    pub(crate) start_stamp: u64,
    /// Stages running now: name, items so far, items expected (0: not
    /// said), nanoseconds since the stage started.
    pub(crate) running_stages: Vec<(String, u64, u64, u64)>,
    /// Stage runs that ended during the session (detailed level), as
    /// (name, start, end) in nanoseconds since the session's start.
    pub(crate) stage_runs: Vec<(String, u64, u64)>,
    pub(crate) callsites_dropped: u64,
    pub(crate) counters_dropped: u64,
    /// The monitor's thresholds when the data was read.
    pub(crate) thresholds: Thresholds,
    /// Whether recording was on (`Some(true)`) or off all along, or `None`
    /// if a switch moved during the session.
    pub(crate) recording: Option<bool>,
}

fn unix_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

impl<R: Clone> Sessions<R> {
    pub(crate) const fn new() -> Sessions<R> {
        Sessions {
            running: None,
            history: VecDeque::new(),
            capacity: DEFAULT_HISTORY_CAPACITY,
            last_sequence: 0,
        }
    }

    /// Starts session `id`, returning its sequence number and, if a session
    /// was running, that one's data, ended at the same reading the new one
    /// starts from (so nothing is lost or counted twice). `hook` sees the
    /// memory timeline as it grows, if the level runs a sampler.
    pub(crate) fn start(
        &mut self,
        core: &'static Core,
        id: String,
        hook: Option<Hook>,
    ) -> (u64, Option<SessionData>) {
        clock::warm_up();
        let totals = core.recorder.read_totals();
        let previous = self.running.take().map(|r| r.finish(core, totals.clone()));
        core.recorder.next_epoch();
        self.last_sequence += 1;
        let sequence = self.last_sequence;
        let (stages, stages_dropped) = {
            let table = lock(&core.stages);
            (table.totals.clone(), table.dropped)
        };
        let start_stamp = clock::now();
        self.running = Some(Running {
            id,
            sequence,
            started: Instant::now(),
            started_unix_ms: unix_ms(),
            start_stamp,
            baseline: totals,
            stages,
            stages_dropped,
            events_from: lock(&core.events).next_seq(),
            flags_from: lock(&core.flags).next_seq(),
            process: resources::sample(),
            level: core.settings.level(),
            memory_interval: core.settings.memory_interval(),
            sampler: start_sampler(core, start_stamp, hook),
            // No thread while the monitor records nothing: a session that
            // is switched on later ranks by self time.
            wall: (cfg!(feature = "enabled") && core.recorder.records())
                .then(|| WallSampler::start(core, wall::WALL_INTERVAL))
                .flatten(),
            heap: heap_now(core),
            trace_from: (core.settings.level() >= Level::Full)
                .then(|| core.recorder.trace_positions()),
            callsites_dropped: registry::dropped(),
            counters_dropped: counter::dropped(),
            switches: core.recorder.switches(),
        });
        (sequence, previous)
    }

    /// Ends the running session; `None` if none was running.
    pub(crate) fn end(&mut self, core: &Core) -> Option<SessionData> {
        let running = self.running.take()?;
        let totals = core.recorder.read_totals();
        core.recorder.next_epoch();
        Some(running.finish(core, totals))
    }

    /// The running session's data so far; it keeps running.
    pub(crate) fn snapshot(&self, core: &Core) -> Option<SessionData> {
        let running = self.running.as_ref()?;
        let memory = running.sampler.as_ref().map(Sampler::snapshot);
        let wall = running.wall.as_ref().map(WallSampler::snapshot);
        Some(running.data(core, core.recorder.read_totals(), false, memory, wall))
    }

    /// Whether session `sequence` is the one running.
    pub(crate) fn is_running(&self, sequence: u64) -> bool {
        self.running.as_ref().is_some_and(|r| r.sequence == sequence)
    }

    pub(crate) fn running_id(&self) -> Option<&str> {
        self.running.as_ref().map(|r| r.id.as_str())
    }

    /// Keeps an ended session's report, dropping the oldest past the capacity.
    pub(crate) fn archive(&mut self, report: R) {
        if self.capacity == 0 {
            return;
        }
        while self.history.len() >= self.capacity {
            self.history.pop_front();
        }
        self.history.push_back(report);
    }

    pub(crate) fn history(&self) -> impl Iterator<Item = &R> {
        self.history.iter()
    }

    /// The newest archived report that `is` picks, to amend.
    #[cfg(feature = "json")] // only a saved run's comparison amends one
    pub(crate) fn archived_mut(&mut self, is: impl Fn(&R) -> bool) -> Option<&mut R> {
        self.history.iter_mut().rev().find(|r| is(r))
    }

    pub(crate) fn set_capacity(&mut self, capacity: usize) {
        self.capacity = capacity;
        while self.history.len() > capacity {
            self.history.pop_front();
        }
    }
}

/// The stages running now, with their progress.
fn running_stages(core: &Core) -> Vec<(String, u64, u64, u64)> {
    let now = clock::now();
    let running = lock(&core.running_stages).now();
    running
        .iter()
        .map(|p| {
            let items = p.items.load(std::sync::atomic::Ordering::Relaxed);
            let expected = p.expected.load(std::sync::atomic::Ordering::Relaxed);
            (p.name.clone(), items, expected, clock::nanos_between(p.start, now))
        })
        .collect()
}

/// The counting allocator's totals, if installed and the level asks.
fn heap_now(core: &Core) -> Option<HeapTotals> {
    (core.settings.level() >= Level::Detailed).then(heap::process_totals).flatten()
}

/// A sampler for a session starting now, if the monitor's level asks for one
/// (never when compiled out).
fn start_sampler(core: &'static Core, origin: u64, hook: Option<Hook>) -> Option<Sampler> {
    if !cfg!(feature = "enabled") || core.settings.level() < Level::Detailed {
        return None;
    }
    Sampler::start(core.settings.memory_interval(), &core.watchers, origin, hook)
}

impl Running {
    /// The ended session's data: its sampler stopped first, so the timeline
    /// ends with the session.
    fn finish(mut self, core: &Core, end: Totals) -> SessionData {
        let memory = self.sampler.take().map(Sampler::stop);
        let wall = self.wall.take().map(WallSampler::stop);
        self.data(core, end, true, memory, wall)
    }

    fn data(
        &self,
        core: &Core,
        end: Totals,
        ended: bool,
        memory: Option<Timeline>,
        wall: Option<WallTable>,
    ) -> SessionData {
        let wall_ns = self.started.elapsed().as_nanos() as u64;
        let totals = end.since(&self.baseline, self.start_stamp);
        let (stages, stages_dropped, stage_components) = {
            let table = lock(&core.stages);
            let stages = table
                .totals
                .iter()
                .filter_map(|(name, now)| {
                    let delta = now.since(&self.stages.get(name).copied().unwrap_or_default());
                    (delta.runs > 0).then(|| (name.clone(), delta))
                })
                .collect();
            (stages, table.dropped - self.stages_dropped, table.components.clone())
        };
        let (events, events_dropped) = lock(&core.events).since(self.events_from);
        let (flags, flags_dropped) = lock(&core.flags).since(self.flags_from);
        SessionData {
            id: self.id.clone(),
            sequence: self.sequence,
            started_unix_ms: self.started_unix_ms,
            wall_ns,
            ended,
            totals,
            stages,
            stages_dropped,
            stage_components,
            events,
            events_dropped,
            flags,
            flags_dropped,
            process: self.process.zip(resources::sample()),
            level: self.level,
            memory,
            wall,
            memory_interval: self.memory_interval,
            heap: self.heap.zip(heap::process_totals()),
            trace: self.trace_from.as_ref().map(|from| core.recorder.read_trace(from)),
            start_stamp: self.start_stamp,
            stage_runs: lock(&core.stage_runs).since(self.start_stamp),
            running_stages: running_stages(core),
            callsites_dropped: registry::dropped().saturating_sub(self.callsites_dropped),
            counters_dropped: counter::dropped().saturating_sub(self.counters_dropped),
            thresholds: core.thresholds.get(),
            recording: core.recorder.switches().held_since(self.switches),
        }
    }
}
