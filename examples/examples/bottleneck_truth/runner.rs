//! Runs a case's program once, timed, recording into the case's own monitor.

use crate::case::{Case, Program, Task};
use crate::work::Speeds;
use profiler_runtime::Monitor;
use std::time::{Duration, Instant};

/// A case ready to run: its monitor, and its tokio runtime if it is async
/// (built once, so building it is in no run's time).
pub struct Runner<'a> {
    pub case: &'a Case,
    pub monitor: Monitor,
    engine: Engine,
}

enum Engine {
    Sync(fn(Speeds)),
    Async(fn(Speeds) -> Task, tokio::runtime::Runtime),
}

impl<'a> Runner<'a> {
    /// A runner for `case`, its monitor switched off until a judged run.
    pub fn new(case: &'a Case) -> std::io::Result<Runner<'a>> {
        let engine = match case.program {
            Program::Sync(main) => Engine::Sync(main),
            Program::Async { workers, main } => {
                let mut builder = match workers {
                    None => tokio::runtime::Builder::new_current_thread(),
                    Some(n) => {
                        let mut b = tokio::runtime::Builder::new_multi_thread();
                        b.worker_threads(n);
                        b
                    }
                };
                Engine::Async(main, builder.enable_time().build()?)
            }
        };
        let monitor = Monitor::new();
        monitor.disable();
        Ok(Runner { case, monitor, engine })
    }

    /// Runs the program once at `speeds`; how long it took.
    pub fn time(&self, speeds: Speeds) -> Duration {
        let start = Instant::now();
        match &self.engine {
            Engine::Sync(main) => self.monitor.scope(|| main(speeds)),
            Engine::Async(main, runtime) => runtime.block_on(self.monitor.bind(main(speeds))),
        }
        start.elapsed()
    }

    /// The case at its own speed.
    pub fn baseline(&self) -> Speeds {
        Speeds::baseline(self.case.functions)
    }
}
