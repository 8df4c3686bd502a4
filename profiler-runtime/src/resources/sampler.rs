//! The memory sampler: one thread per running session at the detailed level
//! and above, reading resident memory every interval into the session's
//! timeline, stopped (and joined) when the session ends. At the basic level
//! there is no thread and no reading.

use super::memory::RssReader;
use super::periodic::Periodic;
use super::timeline::Timeline;
use super::watch::Watchers;
use crate::record::clock;
use crate::record::sync::lock;
use std::sync::Mutex;
use std::time::Duration;

/// Called on the sampler's thread with a copy of the timeline every
/// [`HOOK_EVERY`] readings, outside the timeline's lock (a slow hook delays
/// the next readings, never a report).
pub(crate) type Hook = Box<dyn FnMut(&Timeline) + Send>;

/// Readings between two calls of the hook.
pub(crate) const HOOK_EVERY: u64 = 16;

/// A running sampler; dropping it stops it.
pub(crate) struct Sampler(Periodic<Timeline>);

impl Sampler {
    /// Starts reading every `interval`, the first reading at once; `None` if
    /// the thread cannot be started (the session then has no timeline).
    /// Each reading also raises the running stages' peaks in `stages`, and
    /// is stamped in nanoseconds since `origin` (clock ticks: the session's
    /// start, so readings and stage runs share one time line).
    pub(crate) fn start(
        interval: Duration,
        stages: &'static Watchers,
        origin: u64,
        mut hook: Option<Hook>,
    ) -> Option<Sampler> {
        let mut reader = RssReader::open();
        let read = move |timeline: &Mutex<Timeline>| {
            let Some(bytes) = reader.read() else { return };
            let at_ns = clock::nanos_between(origin, clock::now());
            let mut timeline = lock(timeline);
            timeline.push(at_ns, bytes);
            if let Some(heap) = crate::record::detail::heap::process_totals() {
                timeline.note_heap(heap.live());
            }
            let copy =
                (hook.is_some() && timeline.readings % HOOK_EVERY == 0).then(|| timeline.clone());
            drop(timeline);
            stages.raise(bytes);
            if let (Some(hook), Some(copy)) = (hook.as_mut(), copy) {
                hook(&copy);
            }
        };
        Periodic::start("profiler-memory", interval, Timeline::new(), read).map(Sampler)
    }

    /// The timeline so far.
    pub(crate) fn snapshot(&self) -> Timeline {
        self.0.snapshot()
    }

    /// Stops the thread (after one last reading) and returns the timeline.
    pub(crate) fn stop(self) -> Timeline {
        self.0.stop()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::Ordering::Relaxed;

    #[test]
    #[cfg(feature = "enabled")]
    fn the_sampler_reads_until_stopped_and_then_stops() {
        static STAGES: Watchers = Watchers::new();
        let peak = STAGES.watch(0);
        let seen = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        let theirs = seen.clone();
        let hook: Hook = Box::new(move |t: &Timeline| theirs.store(t.readings, Relaxed));
        let sampler = Sampler::start(Duration::from_millis(2), &STAGES, clock::now(), Some(hook))
            .expect("a thread can start");
        std::thread::sleep(Duration::from_millis(60));
        let live = sampler.snapshot();
        assert!(live.readings >= 3, "{} readings", live.readings);
        let done = sampler.stop();
        assert!(done.readings > live.readings, "a last reading at the stop");
        assert!(done.peak.is_some_and(|(_, bytes)| bytes > 1 << 20));
        assert_eq!(peak.load(Relaxed), done.peak.unwrap().1);
        let seen = seen.load(Relaxed);
        assert!(seen >= HOOK_EVERY && seen % HOOK_EVERY == 0, "the hook saw {seen} readings");
    }
}
