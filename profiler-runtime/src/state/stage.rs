//! Stages: coarse phases of work with an item count, reported as items per
//! second (rows parsed, segments written, ...).

use super::level::Level;
use super::progress_bar::StageBar;
use super::Core;
use crate::record::clock;
use crate::record::detail::heap::{self, HeapTotals};
use crate::record::sync::lock;
use crate::resources::memory::resident_now;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Weak};

/// The most distinct stage names per monitor; later ones are counted as dropped.
pub const MAX_STAGES: usize = 1024;

/// The latest stage runs at the detailed level, for placing memory readings
/// (a spike) within the stage that was running: at most this many are kept.
pub(crate) const STAGE_RUNS_KEPT: usize = 1024;

/// Ended stage runs, oldest first, as (name, start, end) clock ticks.
pub(crate) struct StageRuns {
    runs: std::collections::VecDeque<(String, u64, u64)>,
}

impl StageRuns {
    pub(crate) const fn new() -> StageRuns {
        StageRuns { runs: std::collections::VecDeque::new() }
    }

    fn push(&mut self, name: &str, start: u64, end: u64) {
        if self.runs.len() >= STAGE_RUNS_KEPT {
            self.runs.pop_front();
        }
        self.runs.push_back((name.to_owned(), start, end));
    }

    /// Runs that ended after `origin`, in nanoseconds since it (a run that
    /// began before it starts at 0).
    pub(crate) fn since(&self, origin: u64) -> Vec<(String, u64, u64)> {
        self.runs
            .iter()
            .filter(|(_, _, end)| *end > origin)
            .map(|(name, start, end)| {
                let from = if *start > origin { clock::nanos_between(origin, *start) } else { 0 };
                (name.clone(), from, clock::nanos_between(origin, *end))
            })
            .collect()
    }
}

/// Cumulative totals of one stage name.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct StageTotals {
    pub(crate) runs: u64,
    pub(crate) total_ns: u64,
    pub(crate) items: u64,
    /// Resident memory around its runs at the detailed level.
    pub(crate) memory: StageMemoryTotals,
    /// What the process allocated during its runs (detailed level, with
    /// the counting allocator): runs measured, bytes, allocations.
    pub(crate) heap: (u64, u64, u64),
}

/// Resident memory around one stage name's runs (detailed level): sums, so
/// a session's share is a difference, and the latest run's readings.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct StageMemoryTotals {
    pub(crate) runs: u64,
    /// Sum over runs of peak minus start.
    pub(crate) peak_growth: u64,
    /// Sum over runs of peak minus end: what the runs gave back.
    pub(crate) released: u64,
    /// The latest run: start, end and peak.
    pub(crate) last: (u64, u64, u64),
}

/// Resident memory at a stage run's start and end, and its peak in between.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RunMemory {
    pub(crate) start: u64,
    pub(crate) end: u64,
    pub(crate) peak: u64,
}

pub(crate) struct StageTable {
    pub(crate) totals: BTreeMap<String, StageTotals>,
    /// The component of each stage name given one (the first it was given).
    pub(crate) components: BTreeMap<String, String>,
    pub(crate) dropped: u64,
}

impl StageTotals {
    /// What was added since `before`.
    pub(crate) fn since(&self, before: &StageTotals) -> StageTotals {
        StageTotals {
            runs: self.runs - before.runs,
            total_ns: self.total_ns - before.total_ns,
            items: self.items - before.items,
            memory: StageMemoryTotals {
                runs: self.memory.runs - before.memory.runs,
                peak_growth: self.memory.peak_growth - before.memory.peak_growth,
                released: self.memory.released - before.memory.released,
                last: self.memory.last,
            },
            heap: (
                self.heap.0 - before.heap.0,
                self.heap.1.wrapping_sub(before.heap.1),
                self.heap.2.wrapping_sub(before.heap.2),
            ),
        }
    }
}

impl StageTable {
    pub(crate) const fn new() -> StageTable {
        StageTable { totals: BTreeMap::new(), components: BTreeMap::new(), dropped: 0 }
    }

    fn add(
        &mut self,
        name: &str,
        component: Option<&str>,
        nanos: u64,
        items: u64,
        memory: Option<RunMemory>,
        heap: Option<HeapTotals>,
    ) {
        if !self.totals.contains_key(name) && self.totals.len() >= MAX_STAGES {
            self.dropped += 1;
            return;
        }
        if let Some(component) = component {
            if !self.components.contains_key(name) {
                self.components.insert(name.to_owned(), component.to_owned());
            }
        }
        let t = self.totals.entry(name.to_owned()).or_default();
        t.runs += 1;
        t.total_ns += nanos;
        t.items += items;
        if let Some(m) = memory {
            let peak = m.peak.max(m.start).max(m.end);
            t.memory.runs += 1;
            t.memory.peak_growth += peak - m.start;
            t.memory.released += peak - m.end;
            t.memory.last = (m.start, m.end, peak);
        }
        if let Some(h) = heap {
            t.heap.0 += 1;
            t.heap.1 = t.heap.1.wrapping_add(h.allocated);
            t.heap.2 = t.heap.2.wrapping_add(h.allocations);
        }
    }
}

/// A running stage; see [`crate::Monitor::stage`]. Ends when dropped or [`Stage::end`]ed.
///
/// `items` takes `&self`, so worker threads can share one stage. A stage
/// started while its monitor (or the process) is disabled is not recorded.
pub struct Stage {
    /// `None` when recording was off at the start.
    core: Option<&'static Core>,
    progress: Arc<Progress>,
    /// At the detailed level: resident memory at the start, and the peak
    /// since (raised by the memory sampler).
    memory: Option<(u64, Arc<AtomicU64>)>,
    /// At the detailed level with the counting allocator: its totals at the start.
    heap: Option<HeapTotals>,
    /// Its bar on stderr, once given a total (feature `progress`).
    bar: StageBar,
    /// The component it belongs to, if it was given one.
    component: Option<String>,
}

/// A running stage's progress, shared with live reports.
pub(crate) struct Progress {
    pub(crate) name: String,
    /// Clock ticks at the start.
    pub(crate) start: u64,
    pub(crate) items: AtomicU64,
    /// Items expected in all; 0: not said.
    pub(crate) expected: AtomicU64,
}

/// The stages running now, for live reports.
pub(crate) struct Running {
    live: Vec<Weak<Progress>>,
}

impl Running {
    pub(crate) const fn new() -> Running {
        Running { live: Vec::new() }
    }

    fn add(&mut self, progress: &Arc<Progress>) {
        self.live.retain(|w| w.strong_count() > 0);
        self.live.push(Arc::downgrade(progress));
    }

    /// The stage started last of those running, if any: the innermost, when
    /// stages nest.
    pub(crate) fn newest(&self) -> Option<Arc<Progress>> {
        self.live.iter().rev().find_map(Weak::upgrade)
    }

    /// The running stages, oldest first.
    pub(crate) fn now(&self) -> Vec<Arc<Progress>> {
        self.live.iter().filter_map(Weak::upgrade).collect()
    }
}

impl fmt::Debug for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Stage")
            .field("name", &self.progress.name)
            .field("items", &self.progress.items.load(Relaxed))
            .finish()
    }
}

impl Stage {
    pub(crate) fn start(core: &'static Core, name: &str, component: Option<&str>) -> Stage {
        let core = core.recorder.records().then_some(core);
        let detailed =
            |c: &&'static Core| cfg!(feature = "enabled") && c.settings.level() >= Level::Detailed;
        let memory = core.filter(detailed).and_then(|c| {
            let start = resident_now()?;
            Some((start, c.watchers.watch(start)))
        });
        let progress = Arc::new(Progress {
            name: name.to_owned(),
            start: clock::now(),
            items: AtomicU64::new(0),
            expected: AtomicU64::new(0),
        });
        if let Some(core) = core {
            lock(&core.running_stages).add(&progress);
        }
        let heap = if memory.is_some() { heap::process_totals() } else { None };
        let component = component.map(str::to_owned);
        Stage { core, progress, memory, heap, bar: StageBar::none(), component }
    }

    /// Adds `n` processed items to the stage.
    pub fn items(&self, n: u64) {
        // Shared across threads by reference, so a real read-modify-write here.
        self.progress.items.fetch_add(n, Relaxed);
        self.bar.add(n);
    }

    /// Adds `n` processed items (the same as [`Stage::items`]), as work proceeds.
    pub fn add(&self, n: u64) {
        self.items(n);
    }

    /// Says how many items the stage will process in all, so a live report
    /// (`current_report()`) shows its progress and an estimate of when it
    /// ends.
    ///
    /// With the `progress` feature, a recorded stage also draws a bar on
    /// stderr while stderr is a terminal: its name, items done of `total`,
    /// the rate and the time left, advanced by [`Stage::add`] and cleared
    /// when the stage ends. Whatever else the program prints to the same
    /// terminal meanwhile can leave a copy of the bar behind.
    ///
    /// ```
    /// let m = profiler_runtime::Monitor::new();
    /// m.start_session("import");
    /// let parse = m.stage("parse").expect(50_000);
    /// parse.add(12_500);
    /// let live = m.current_report().unwrap();
    /// let running = &live.running_stages[0];
    /// assert_eq!((running.items, running.expected), (12_500, Some(50_000)));
    /// assert_eq!(running.percent_done, Some(25.0));
    /// assert!(running.eta_ns.is_some());
    /// ```
    #[must_use = "expect returns the stage: keep it, or it ends at once"]
    pub fn expect(mut self, total: u64) -> Stage {
        self.progress.expected.store(total, Relaxed);
        let done = self.progress.items.load(Relaxed);
        self.bar.expect(&self.progress.name, done, total, self.core.is_some());
        self
    }

    /// Ends the stage now (the same as dropping it).
    pub fn end(self) {}
}

impl Drop for Stage {
    fn drop(&mut self) {
        self.bar.finish();
        let Some(core) = self.core else { return };
        let end = clock::now();
        let (name, start) = (&self.progress.name, self.progress.start);
        let nanos = clock::nanos_between(start, end);
        if self.memory.is_some() {
            lock(&core.stage_runs).push(name, start, end);
        }
        let memory = self.memory.as_ref().and_then(|(start, peak)| {
            let end = resident_now()?;
            Some(RunMemory { start: *start, end, peak: peak.load(Relaxed) })
        });
        let heap = self.heap.zip(heap::process_totals()).map(|(start, end)| end.since(&start));
        let items = self.progress.items.load(Relaxed);
        let component = self.component.as_deref();
        lock(&core.stages).add(name, component, nanos, items, memory, heap);
    }
}

#[cfg(all(test, feature = "progress"))]
mod tests {
    use super::*;

    #[test]
    fn a_stage_started_while_recording_is_off_draws_no_bar() {
        let core = Core::leak();
        core.recorder.set_enabled(false);
        let stage = Stage::start(core, "parse", None).expect(1_000);
        stage.add(10);
        assert!(stage.core.is_none());
        assert_eq!(stage.bar.position(), None);
    }
}
