//! How much a monitor records beyond call timing, and how often its memory
//! sampler reads the process.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering::Relaxed};
use std::time::Duration;

/// A monitor's detail level: what it records beyond calls and counters.
///
/// Each level adds to the one below. A call at the basic level costs what
/// it always did (the higher levels' bits share the byte every call already
/// reads); the README's overhead table gives each level's per-call cost.
///
/// ```
/// use profiler_runtime::{Level, Monitor};
///
/// let m = Monitor::new();
/// assert_eq!(m.level(), Level::Basic);
/// m.set_level(Level::Detailed);
/// assert!(m.level() >= Level::Detailed);
/// ```
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Call timing, failures, cache, API and custom counters, stages. No
    /// thread, no syscall beyond a session's start and end.
    #[default]
    Basic,
    /// Basic, plus the process's resident memory over the session: a sampler
    /// thread reads it every [`crate::Monitor::set_memory_interval`] while a
    /// session runs, and the report gains a memory timeline, its peak and
    /// findings on steady growth and spikes; stage memory; per operation,
    /// CPU time next to wall time ([`crate::CpuTime`]) and, with
    /// [`crate::CountingAllocator`] installed, what its calls allocated
    /// ([`crate::HeapUse`]) and the session's heap ([`crate::HeapStats`]).
    /// Manual operations get neither per-call measure.
    Detailed,
    /// Detailed, plus a bounded log of every monitored call and poll: its
    /// start, duration, thread and parent ([`crate::CallTrace`]), for trace
    /// exports and call trees.
    Full,
}

impl Level {
    /// The level's name as configuration spells it: `basic`, `detailed`, `full`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Basic => "basic",
            Level::Detailed => "detailed",
            Level::Full => "full",
        }
    }

    fn from_u8(n: u8) -> Level {
        match n {
            2 => Level::Full,
            1 => Level::Detailed,
            _ => Level::Basic,
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How often the memory sampler reads by default.
pub const DEFAULT_MEMORY_INTERVAL: Duration = Duration::from_millis(100);
/// The shortest interval the sampler accepts.
pub const MIN_MEMORY_INTERVAL: Duration = Duration::from_millis(1);
/// The longest interval the sampler accepts.
pub const MAX_MEMORY_INTERVAL: Duration = Duration::from_secs(3600);

/// One monitor's level and sampler interval, read when a session starts.
pub(crate) struct Settings {
    level: AtomicU8,
    interval_ns: AtomicU64,
}

impl Settings {
    pub(crate) const fn new() -> Settings {
        Settings {
            level: AtomicU8::new(Level::Basic as u8),
            interval_ns: AtomicU64::new(DEFAULT_MEMORY_INTERVAL.as_nanos() as u64),
        }
    }

    pub(crate) fn level(&self) -> Level {
        Level::from_u8(self.level.load(Relaxed))
    }

    pub(crate) fn set_level(&self, level: Level) {
        self.level.store(level as u8, Relaxed);
    }

    pub(crate) fn memory_interval(&self) -> Duration {
        Duration::from_nanos(self.interval_ns.load(Relaxed))
    }

    /// Sets the sampler's interval, refusing one outside the allowed range.
    pub(crate) fn set_memory_interval(&self, interval: Duration) -> Result<(), crate::Error> {
        if !(MIN_MEMORY_INTERVAL..=MAX_MEMORY_INTERVAL).contains(&interval) {
            return Err(crate::Error::MemoryInterval { given: interval });
        }
        self.interval_ns.store(interval.as_nanos() as u64, Relaxed);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_are_ordered_and_round_trip() {
        assert!(Level::Basic < Level::Detailed && Level::Detailed < Level::Full);
        let s = Settings::new();
        for level in [Level::Full, Level::Detailed, Level::Basic] {
            s.set_level(level);
            assert_eq!(s.level(), level);
        }
        assert_eq!(Level::Detailed.to_string(), "detailed");
    }

    #[test]
    fn the_interval_is_bounded() {
        let s = Settings::new();
        assert_eq!(s.memory_interval(), DEFAULT_MEMORY_INTERVAL);
        assert!(s.set_memory_interval(Duration::ZERO).is_err());
        assert!(s.set_memory_interval(Duration::from_secs(7200)).is_err());
        s.set_memory_interval(Duration::from_millis(20)).unwrap();
        assert_eq!(s.memory_interval(), Duration::from_millis(20));
    }
}
