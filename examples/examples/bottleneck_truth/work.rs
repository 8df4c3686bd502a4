//! The work a case's monitored functions do, scaled by the speed-up under
//! test: CPU time spun on the calling thread, or time spent asleep.
//!
//! Spinning counts the thread's own CPU time, not wall time: a function
//! asked for 10 ms of work does 10 ms of work however often a loaded machine
//! preempts it, so halving it halves the work itself, and threads that share
//! two cores really do compete for them.

use std::future::Future;
use std::time::Duration;

/// Which monitored function of a case runs faster in this run, and by how
/// much. Every function's work goes through one of its methods, named by
/// the function's operation name.
#[derive(Clone, Copy, Debug)]
pub struct Speeds {
    /// The case's monitored functions, as it lists them.
    functions: &'static [&'static str],
    /// The index in `functions` of the one sped up, and its factor.
    faster: Option<(usize, f64)>,
}

impl Speeds {
    /// Every function at its own speed.
    pub fn baseline(functions: &'static [&'static str]) -> Speeds {
        Speeds { functions, faster: None }
    }

    /// `functions[index]` does its work `factor` times faster.
    pub fn faster(functions: &'static [&'static str], index: usize, factor: f64) -> Speeds {
        Speeds { functions, faster: Some((index, factor)) }
    }

    /// How long `work` takes for `function` in this run.
    fn scaled(self, function: &str, work: Duration) -> Duration {
        let Some(index) = self.functions.iter().position(|f| *f == function) else {
            // A case that names work after a function it does not list would
            // never have that work sped up: its experiment would be wrong.
            panic!("`{function}` does work but is not in its case's function list");
        };
        match self.faster {
            Some((faster, factor)) if faster == index => work.div_f64(factor),
            _ => work,
        }
    }

    /// `function` computes for `work` of this thread's CPU time.
    pub fn compute(self, function: &str, work: Duration) {
        spin(self.scaled(function, work));
    }

    /// `function` blocks its thread for `work` (a blocking read, a lock).
    pub fn block(self, function: &str, work: Duration) {
        std::thread::sleep(self.scaled(function, work));
    }

    /// `function` awaits for `work` without holding its thread (a request
    /// to another service).
    pub fn wait(self, function: &str, work: Duration) -> impl Future<Output = ()> {
        tokio::time::sleep(self.scaled(function, work))
    }
}

/// Milliseconds, the unit the cases are written in.
pub const fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Microseconds, for the short work of a cache hit.
pub const fn us(n: u64) -> Duration {
    Duration::from_micros(n)
}

/// Spins until this thread has used `work` more CPU time.
fn spin(work: Duration) {
    let end = thread_cpu_ns().saturating_add(work.as_nanos() as u64);
    let mut x = 0u64;
    // Reading the clock is a system call (about 0.6 µs); a few µs of
    // arithmetic between readings keeps the spin mostly arithmetic and its
    // end within a few µs of the mark.
    while thread_cpu_ns() < end {
        for i in 0..4_000u64 {
            x = std::hint::black_box(x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(i));
        }
    }
    std::hint::black_box(x);
}

/// This thread's CPU time in nanoseconds.
fn thread_cpu_ns() -> u64 {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
    (t.tv_sec as u64).saturating_mul(1_000_000_000).saturating_add(t.tv_nsec as u64)
}

/// Spawns `task` on the tokio runtime, recording into the monitor of the
/// spawning code (a spawned task does not inherit it by itself).
pub fn spawn<F>(task: F) -> tokio::task::JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    tokio::spawn(profiler_runtime::current().bind(task))
}

/// `f`, to run on another thread recording into the monitor of the code
/// that made it (a new thread does not inherit it by itself).
pub fn routed<R>(f: impl FnOnce() -> R + Send) -> impl FnOnce() -> R + Send {
    let monitor = profiler_runtime::current();
    move || monitor.scope(f)
}
