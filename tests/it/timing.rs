//! Duration accuracy: what the runtime records agrees with `Instant`
//! measured around the same calls.

use profiler_runtime::{monitor, Monitor};
use std::time::{Duration, Instant};

#[monitor("timing::sleep_10ms")]
fn sleep_10ms() {
    std::thread::sleep(Duration::from_millis(10));
}

#[test]
fn recorded_durations_agree_with_instant_within_two_percent() {
    let m = Monitor::new();
    // Before the session: registers the callsite and this thread's storage.
    m.scope(sleep_10ms);
    m.start_session("timing");
    let mut theirs = Duration::ZERO;
    m.scope(|| {
        for _ in 0..10 {
            let started = Instant::now();
            sleep_10ms();
            theirs += started.elapsed();
        }
    });
    let report = m.end_session().unwrap();
    let row = report.operation("timing::sleep_10ms").unwrap();
    assert_eq!(row.calls, 10);
    let (ours, theirs) = (row.total_ns, theirs.as_nanos() as u64);
    // `Instant` brackets each call from outside, so it reads a little more.
    assert!(ours <= theirs, "recorded {ours} ns > Instant {theirs} ns");
    assert!(ours as f64 >= theirs as f64 * 0.98, "recorded {ours} ns < 98% of {theirs} ns");
}
