//! A thread that fills a state every interval until it is stopped: what the
//! memory sampler and the wall sampler both run on. The state lives behind
//! a lock so a live report can copy it while the thread goes on.

use crate::record::sync::lock;
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

struct Shared<T> {
    stop: Mutex<bool>,
    wake: Condvar,
    state: Mutex<T>,
}

/// A running periodic thread over a `T`; dropping it stops it.
pub(crate) struct Periodic<T> {
    shared: Arc<Shared<T>>,
    thread: Option<JoinHandle<()>>,
}

impl<T: Clone + Default + Send + 'static> Periodic<T> {
    /// Starts a thread named `name` that calls `tick` with the lock on the
    /// state (`initial` at first) at once, then every `interval`, and once
    /// more when stopped; `None` if the thread cannot be started.
    pub(crate) fn start(
        name: &str,
        interval: Duration,
        initial: T,
        mut tick: impl FnMut(&Mutex<T>) + Send + 'static,
    ) -> Option<Periodic<T>> {
        let shared = Arc::new(Shared {
            stop: Mutex::new(false),
            wake: Condvar::new(),
            state: Mutex::new(initial),
        });
        let theirs = shared.clone();
        let thread = std::thread::Builder::new()
            .name(name.into())
            .spawn(move || run(&theirs, interval, &mut tick))
            .ok()?;
        Some(Periodic { shared, thread: Some(thread) })
    }

    /// The state so far.
    pub(crate) fn snapshot(&self) -> T {
        lock(&self.shared.state).clone()
    }

    /// Stops the thread (after one last tick) and returns the state.
    pub(crate) fn stop(mut self) -> T {
        self.halt();
        std::mem::take(&mut *lock(&self.shared.state))
    }
}

impl<T> Periodic<T> {
    fn halt(&mut self) {
        *lock(&self.shared.stop) = true;
        self.shared.wake.notify_all();
        if let Some(thread) = self.thread.take() {
            // A tick never panics (it only reads and writes its state); if
            // one did, the state it left is still there.
            let _ = thread.join();
        }
    }
}

impl<T> Drop for Periodic<T> {
    fn drop(&mut self) {
        self.halt();
    }
}

fn run<T>(shared: &Shared<T>, interval: Duration, tick: &mut impl FnMut(&Mutex<T>)) {
    tick(&shared.state);
    let mut next = Instant::now() + interval;
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
        tick(&shared.state);
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

    #[test]
    fn it_ticks_at_once_on_schedule_and_once_more_when_stopped() {
        let thread = Periodic::<u32>::start("test-periodic", Duration::from_millis(1), 0, |n| {
            *lock(n) += 1;
        })
        .unwrap();
        while thread.snapshot() < 3 {
            std::thread::yield_now();
        }
        let ticks = thread.stop();
        assert!(ticks >= 4, "three ticks seen, then the last one: {ticks}");
    }
}
