//! Sliding windows: each operation's calls and failures in the last minute,
//! hour and 24 hours, for services that run longer than any one question
//! about them.
//!
//! A [`WindowTracker`] is fed reports (each carries cumulative counts) by a
//! background thread, the endpoint's, and adds what each operation gained
//! since the last report into fixed rings of time buckets: 12 of 5 s, 60 of
//! 1 min and 96 of 15 min, so memory is bounded per operation whatever the
//! uptime. Time is passed in (seconds on any monotonic scale), so tests
//! drive it without sleeping. A window's figure covers its span to within one
//! bucket: "last minute" is the current 5 s bucket and the 11 before it.

use super::SessionReport;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Calls and failures within one window.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WindowCounts {
    /// Calls that completed in the window.
    pub calls: u64,
    /// Of those, calls that failed.
    pub failures: u64,
}

/// One operation's windows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperationWindows {
    /// The operation's name, as in [`OperationStats::name`](super::OperationStats::name).
    pub name: String,
    /// The last minute (12 buckets of 5 s).
    pub last_minute: WindowCounts,
    /// The last hour (60 buckets of 1 min).
    pub last_hour: WindowCounts,
    /// The last 24 hours (96 buckets of 15 min).
    pub last_24h: WindowCounts,
}

/// Every tracked operation's windows, as a served report carries them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Windows {
    /// How long the windows have been tracked, in seconds: a window longer
    /// than this holds only this long.
    pub tracked_secs: u64,
    /// Operations with calls in the last 24 hours, most calls in the last
    /// minute first (then the last hour, then the name).
    pub operations: Vec<OperationWindows>,
}

impl Windows {
    /// The windows of operation `name`, if it had calls in the last 24 hours.
    pub fn operation(&self, name: &str) -> Option<&OperationWindows> {
        self.operations.iter().find(|o| o.name == name)
    }
}

/// One window's ring: `N` buckets `width` seconds wide.
#[derive(Clone)]
struct Ring<const N: usize> {
    buckets: [WindowCounts; N],
    /// The bucket number (time / width) the newest bucket holds.
    newest: u64,
}

impl<const N: usize> Ring<N> {
    fn new(now: u64, width: u64) -> Self {
        Ring { buckets: [WindowCounts::default(); N], newest: now / width }
    }

    /// Adds `delta` at time `now`, first emptying the buckets that time
    /// has passed since the newest.
    fn add(&mut self, now: u64, width: u64, delta: WindowCounts) {
        self.advance(now, width);
        let slot = &mut self.buckets[(self.newest % N as u64) as usize];
        slot.calls += delta.calls;
        slot.failures += delta.failures;
    }

    fn advance(&mut self, now: u64, width: u64) {
        let bucket = now / width;
        if bucket <= self.newest {
            return; // the same bucket, or a clock that stood still
        }
        let passed = (bucket - self.newest).min(N as u64);
        for step in 1..=passed {
            self.buckets[((self.newest + step) % N as u64) as usize] = WindowCounts::default();
        }
        self.newest = bucket;
    }

    /// The sum over the ring as seen at `now` (buckets older than the ring
    /// spans count nothing).
    fn total(&self, now: u64, width: u64) -> WindowCounts {
        let mut ring = self.clone();
        ring.advance(now, width);
        ring.buckets.iter().fold(WindowCounts::default(), |sum, b| WindowCounts {
            calls: sum.calls + b.calls,
            failures: sum.failures + b.failures,
        })
    }
}

const MINUTE_WIDTH: u64 = 5;
const HOUR_WIDTH: u64 = 60;
const DAY_WIDTH: u64 = 900;

/// One operation's rings and the cumulative counts last seen.
#[derive(Clone)]
struct Tracked {
    seen: WindowCounts,
    minute: Ring<12>,
    hour: Ring<60>,
    day: Ring<96>,
    /// When the operation last gained a call, to forget it after a day.
    last_call: u64,
}

/// Turns a series of reports into sliding windows of calls and failures.
///
/// Feed it the reports of a running session (and the next ones: a new
/// session's counts start again from zero, and the windows carry on across
/// it), each with the time it was taken; read the windows at any time.
///
/// ```
/// use profiler_runtime::{Monitor, WindowTracker};
///
/// let m = Monitor::new();
/// m.start_session("service");
/// let mut windows = WindowTracker::new(0);
/// windows.observe(0, &m.current_report().unwrap()); // where counting starts
/// m.operation("handle").start().finish();
/// windows.observe(10, &m.current_report().unwrap());
/// m.operation("handle").start().finish();
/// windows.observe(100, &m.current_report().unwrap());
///
/// let seen = windows.windows(100);
/// let handle = seen.operation("handle").unwrap();
/// assert_eq!(handle.last_minute.calls, 1); // the call before 10 s is over a minute old
/// assert_eq!(handle.last_hour.calls, 2);
/// ```
#[derive(Clone)]
pub struct WindowTracker {
    started: u64,
    /// The session whose cumulative counts `seen` holds.
    sequence: Option<u64>,
    operations: HashMap<String, Tracked>,
}

impl std::fmt::Debug for WindowTracker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WindowTracker")
            .field("started", &self.started)
            .field("sequence", &self.sequence)
            .field("operations", &self.operations.len())
            .finish()
    }
}

impl WindowTracker {
    /// A tracker that starts at `now` (seconds, any monotonic origin).
    pub fn new(now: u64) -> WindowTracker {
        WindowTracker { started: now, sequence: None, operations: HashMap::new() }
    }

    /// The session the last observed report came from (its
    /// [`SessionReport::sequence`]).
    pub fn sequence(&self) -> Option<u64> {
        self.sequence
    }

    /// Adds what each operation of `report` gained since the last report
    /// observed, at time `now`. The first report is where counting starts
    /// (when its calls happened is unknown, so none is in a window); a
    /// report of a later session counts from zero; a report of an earlier
    /// session than the last one seen is ignored.
    pub fn observe(&mut self, now: u64, report: &SessionReport) {
        let Some(seen) = self.sequence else {
            self.sequence = Some(report.sequence);
            for op in &report.operations {
                let tracked = self.track(now, &op.name);
                tracked.seen = WindowCounts { calls: op.calls, failures: op.failures };
            }
            return;
        };
        if report.sequence < seen {
            return;
        }
        if report.sequence != seen {
            for tracked in self.operations.values_mut() {
                tracked.seen = WindowCounts::default();
            }
            self.sequence = Some(report.sequence);
        }
        for op in &report.operations {
            let now_counts = WindowCounts { calls: op.calls, failures: op.failures };
            let tracked = self.track(now, &op.name);
            let delta = WindowCounts {
                calls: now_counts.calls.saturating_sub(tracked.seen.calls),
                failures: now_counts.failures.saturating_sub(tracked.seen.failures),
            };
            tracked.seen = now_counts;
            if delta.calls == 0 && delta.failures == 0 {
                continue;
            }
            tracked.minute.add(now, MINUTE_WIDTH, delta);
            tracked.hour.add(now, HOUR_WIDTH, delta);
            tracked.day.add(now, DAY_WIDTH, delta);
            tracked.last_call = now;
        }
        // Bounded: an operation with no call in a day (and no longer in the
        // running session) is forgotten.
        let day = 96 * DAY_WIDTH;
        let names: std::collections::HashSet<&str> =
            report.operations.iter().map(|o| o.name.as_str()).collect();
        self.operations.retain(|name, t| {
            names.contains(name.as_str()) || now.saturating_sub(t.last_call) < day
        });
    }

    fn track(&mut self, now: u64, name: &str) -> &mut Tracked {
        self.operations.entry(name.to_owned()).or_insert_with(|| Tracked {
            seen: WindowCounts::default(),
            minute: Ring::new(now, MINUTE_WIDTH),
            hour: Ring::new(now, HOUR_WIDTH),
            day: Ring::new(now, DAY_WIDTH),
            last_call: now,
        })
    }

    /// The windows as of `now`.
    pub fn windows(&self, now: u64) -> Windows {
        let mut operations: Vec<OperationWindows> = self
            .operations
            .iter()
            .map(|(name, t)| OperationWindows {
                name: name.clone(),
                last_minute: t.minute.total(now, MINUTE_WIDTH),
                last_hour: t.hour.total(now, HOUR_WIDTH),
                last_24h: t.day.total(now, DAY_WIDTH),
            })
            .filter(|o| o.last_24h.calls > 0 || o.last_24h.failures > 0)
            .collect();
        operations.sort_by(|a, b| {
            (b.last_minute.calls, b.last_hour.calls)
                .cmp(&(a.last_minute.calls, a.last_hour.calls))
                .then_with(|| a.name.cmp(&b.name))
        });
        Windows { tracked_secs: now.saturating_sub(self.started), operations }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(calls: u64) -> WindowCounts {
        WindowCounts { calls, failures: 0 }
    }

    #[test]
    fn a_ring_forgets_buckets_older_than_its_span() {
        let mut ring: Ring<12> = Ring::new(0, 5);
        ring.add(0, 5, counts(3));
        ring.add(30, 5, counts(4));
        assert_eq!(ring.total(30, 5).calls, 7);
        // At 59 s the bucket of 0-4 s is the oldest of the twelve.
        assert_eq!(ring.total(59, 5).calls, 7);
        // At 60 s it has fallen out; the 30 s bucket stays until 90 s.
        assert_eq!(ring.total(60, 5).calls, 4);
        assert_eq!(ring.total(89, 5).calls, 4);
        assert_eq!(ring.total(90, 5).calls, 0);
        // A long gap empties the ring once, not bucket by bucket forever.
        ring.add(1_000_000, 5, counts(1));
        assert_eq!(ring.total(1_000_000, 5).calls, 1);
    }

    #[test]
    fn a_clock_that_goes_back_adds_into_the_newest_bucket() {
        let mut ring: Ring<12> = Ring::new(100, 5);
        ring.add(100, 5, counts(1));
        ring.add(90, 5, counts(1));
        assert_eq!(ring.total(100, 5).calls, 2);
    }
}
