//! What one monitor's layers share, above the per-call path: its recorder, its
//! stages and its log of notable manual operations. Sessions read it; the
//! handles users hold ([`stage::Stage`], [`operation::Operation`]) write it.

pub(crate) mod api_models;
pub(crate) mod cache_names;
pub(crate) mod events;
pub(crate) mod flags;
pub(crate) mod level;
pub(crate) mod operation;
pub(crate) mod progress_bar;
pub(crate) mod reserved;
pub(crate) mod stage;
pub(crate) mod thresholds;

use crate::record::shards::recorder::{self, Recorder};
use crate::resources::watch::Watchers;
use events::EventLog;
use level::Settings;
use stage::{StageRuns, StageTable};
use std::sync::Mutex;
use thresholds::SharedThresholds;

/// One monitor's shared state. Lives for the rest of the process.
pub(crate) struct Core {
    pub(crate) recorder: &'static Recorder,
    pub(crate) stages: Mutex<StageTable>,
    pub(crate) events: Mutex<EventLog>,
    /// Its quality flags.
    pub(crate) flags: Mutex<flags::FlagLog>,
    /// Its level and memory-sampler interval.
    pub(crate) settings: Settings,
    /// What its findings compare stages against.
    pub(crate) thresholds: SharedThresholds,
    /// The memory peaks of its running stages (detailed level).
    pub(crate) watchers: Watchers,
    /// Its latest stage runs (detailed level).
    pub(crate) stage_runs: Mutex<StageRuns>,
    /// Its stages running now.
    pub(crate) running_stages: Mutex<stage::Running>,
    /// The API models it keeps apart.
    pub(crate) api_models: reserved::BoundedNames,
    /// The cache names it keeps apart.
    pub(crate) cache_names: reserved::BoundedNames,
}

/// The global monitor's state.
pub(crate) static GLOBAL: Core = Core::with(&recorder::GLOBAL);

impl Core {
    const fn with(recorder: &'static Recorder) -> Core {
        Core {
            recorder,
            stages: Mutex::new(StageTable::new()),
            events: Mutex::new(EventLog::new()),
            flags: Mutex::new(flags::FlagLog::new()),
            settings: Settings::new(),
            thresholds: SharedThresholds::new(),
            watchers: Watchers::new(),
            stage_runs: Mutex::new(StageRuns::new()),
            running_stages: Mutex::new(stage::Running::new()),
            api_models: api_models::models(),
            cache_names: cache_names::cache_names(),
        }
    }

    /// A new monitor's state, never freed (see [`Recorder::leak`]).
    pub(crate) fn leak() -> &'static Core {
        Box::leak(Box::new(Core::with(Recorder::leak())))
    }
}
