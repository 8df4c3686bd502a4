//! Stages: coarse phases of work with an item count, reported as items per
//! second (rows parsed, segments written, ...).

use super::Core;
use crate::record::clock;
use crate::record::recorder::lock;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// The most distinct stage names per monitor; later ones are counted as dropped.
pub const MAX_STAGES: usize = 1024;

/// Cumulative totals of one stage name.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct StageTotals {
    pub(crate) runs: u64,
    pub(crate) total_ns: u64,
    pub(crate) items: u64,
}

pub(crate) struct StageTable {
    pub(crate) totals: BTreeMap<String, StageTotals>,
    pub(crate) dropped: u64,
}

impl StageTotals {
    /// What was added since `before`.
    pub(crate) fn since(&self, before: &StageTotals) -> StageTotals {
        StageTotals {
            runs: self.runs - before.runs,
            total_ns: self.total_ns - before.total_ns,
            items: self.items - before.items,
        }
    }
}

impl StageTable {
    pub(crate) const fn new() -> StageTable {
        StageTable { totals: BTreeMap::new(), dropped: 0 }
    }

    fn add(&mut self, name: &str, nanos: u64, items: u64) {
        if !self.totals.contains_key(name) && self.totals.len() >= MAX_STAGES {
            self.dropped += 1;
            return;
        }
        let t = self.totals.entry(name.to_owned()).or_default();
        t.runs += 1;
        t.total_ns += nanos;
        t.items += items;
    }
}

/// A running stage; see [`crate::Monitor::stage`]. Ends when dropped or [`Stage::end`]ed.
///
/// `items` takes `&self`, so worker threads can share one stage. A stage
/// started while its monitor (or the process) is disabled is not recorded.
pub struct Stage {
    /// `None` when recording was off at the start.
    core: Option<&'static Core>,
    name: String,
    start: u64,
    items: AtomicU64,
}

impl fmt::Debug for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Stage")
            .field("name", &self.name)
            .field("items", &self.items.load(Relaxed))
            .finish()
    }
}

impl Stage {
    pub(crate) fn start(core: &'static Core, name: &str) -> Stage {
        let core = core.recorder.records().then_some(core);
        Stage { core, name: name.to_owned(), start: clock::now(), items: AtomicU64::new(0) }
    }

    /// Adds `n` processed items to the stage.
    pub fn items(&self, n: u64) {
        // Shared across threads by reference, so a real read-modify-write here.
        self.items.fetch_add(n, Relaxed);
    }

    /// Ends the stage now (the same as dropping it).
    pub fn end(self) {}
}

impl Drop for Stage {
    fn drop(&mut self) {
        let Some(core) = self.core else { return };
        let nanos = clock::nanos_between(self.start, clock::now());
        lock(&core.stages).add(&self.name, nanos, self.items.load(Relaxed));
    }
}
