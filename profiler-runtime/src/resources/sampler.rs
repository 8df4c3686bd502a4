//! The memory sampler: one thread per running session at the detailed level
//! and above, reading resident memory every interval into the session's
//! timeline, stopped (and joined) when the session ends. At the basic level
//! there is no thread and no reading.

use super::memory::RssReader;
use super::timeline::Timeline;
use super::watch::Watchers;
use crate::record::clock;
use crate::record::recorder::lock;
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

struct Shared {
    stop: Mutex<bool>,
    wake: Condvar,
    timeline: Mutex<Timeline>,
}

/// Called on the sampler's thread with a copy of the timeline every
/// [`HOOK_EVERY`] readings, outside the timeline's lock (a slow hook delays
/// the next readings, never a report).
pub(crate) type Hook = Box<dyn FnMut(&Timeline) + Send>;

/// Readings between two calls of the hook.
pub(crate) const HOOK_EVERY: u64 = 16;

/// A running sampler; dropping it stops it.
pub(crate) struct Sampler {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

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
        hook: Option<Hook>,
    ) -> Option<Sampler> {
        let shared = Arc::new(Shared {
            stop: Mutex::new(false),
            wake: Condvar::new(),
            timeline: Mutex::new(Timeline::new()),
        });
        let theirs = shared.clone();
        let thread = std::thread::Builder::new()
            .name("profiler-memory".into())
            .spawn(move || run(&theirs, interval, stages, origin, hook))
            .ok()?;
        Some(Sampler { shared, thread: Some(thread) })
    }

    /// The timeline so far.
    pub(crate) fn snapshot(&self) -> Timeline {
        lock(&self.shared.timeline).clone()
    }

    /// Stops the thread (after one last reading) and returns the timeline.
    pub(crate) fn stop(mut self) -> Timeline {
        self.halt();
        std::mem::take(&mut *lock(&self.shared.timeline))
    }

    fn halt(&mut self) {
        *lock(&self.shared.stop) = true;
        self.shared.wake.notify_all();
        if let Some(thread) = self.thread.take() {
            // The thread never panics (it only reads and pushes); if it did,
            // the timeline it left is still there.
            let _ = thread.join();
        }
    }
}

impl Drop for Sampler {
    fn drop(&mut self) {
        self.halt();
    }
}

fn run(
    shared: &Shared,
    interval: Duration,
    stages: &Watchers,
    origin: u64,
    mut hook: Option<Hook>,
) {
    let started = Instant::now();
    let mut reader = RssReader::open();
    let mut read = |reader: &mut RssReader| {
        if let Some(bytes) = reader.read() {
            let at_ns = clock::nanos_between(origin, clock::now());
            let mut timeline = lock(&shared.timeline);
            timeline.push(at_ns, bytes);
            if let Some(heap) = crate::record::heap::process_totals() {
                timeline.note_heap(heap.live());
            }
            let copy =
                (hook.is_some() && timeline.readings % HOOK_EVERY == 0).then(|| timeline.clone());
            drop(timeline);
            stages.raise(bytes);
            if let (Some(hook), Some(copy)) = (hook.as_mut(), copy) {
                hook(&copy);
            }
        }
    };
    read(&mut reader);
    let mut next = started + interval;
    let mut stop = lock(&shared.stop);
    loop {
        let now = Instant::now();
        if !*stop && now < next {
            stop = shared
                .wake
                .wait_timeout(stop, next - now)
                .map_or_else(|e| e.into_inner().0, |r| r.0);
            continue;
        }
        drop(stop);
        read(&mut reader);
        stop = lock(&shared.stop);
        if *stop {
            return;
        }
        // Keep to the schedule; after a long stall, start again from now.
        next = (next + interval).max(Instant::now());
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
