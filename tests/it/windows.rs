//! Sliding windows over a series of reports, with time passed in: what
//! falls out of each window and when, sessions that follow one another, and
//! operations that stop being called.

use profiler_runtime::{Monitor, SessionReport, WindowCounts, WindowTracker};

/// A running session's report after `calls` more calls of `op` (every
/// `fail_every`-th failing, 0 for none).
fn call(m: &Monitor, op: &str, calls: u64, fail_every: u64) -> SessionReport {
    for i in 1..=calls {
        let started = m.operation(op).start();
        if fail_every > 0 && i % fail_every == 0 {
            started.fail("no");
        } else {
            started.finish();
        }
    }
    m.current_report().unwrap()
}

fn counts(calls: u64, failures: u64) -> WindowCounts {
    WindowCounts { calls, failures }
}

#[test]
fn each_window_forgets_calls_older_than_its_span() {
    let m = Monitor::new();
    m.start_session("windows::spans");
    let mut w = WindowTracker::new(0);
    w.observe(0, &m.current_report().unwrap());
    w.observe(0, &call(&m, "windows::op", 10, 5)); // 10 calls, 2 failed, at 0 s
    w.observe(120, &call(&m, "windows::op", 3, 0)); // 3 more at 2 min

    let at = |now: u64| w.windows(now).operation("windows::op").cloned();
    let now = at(120).unwrap();
    assert_eq!(now.last_minute, counts(3, 0));
    assert_eq!(now.last_hour, counts(13, 2));
    assert_eq!(now.last_24h, counts(13, 2));
    // An hour and a bucket on, the hour window has let go of both.
    let later = at(3_600 + 180).unwrap();
    assert_eq!((later.last_minute, later.last_hour), (counts(0, 0), counts(0, 0)));
    assert_eq!(later.last_24h, counts(13, 2));
    // A day and a bucket on, nothing is left in any window.
    assert!(at(86_400 + 1_000).is_none(), "an operation with no call in 24 h is not listed");
    assert_eq!(w.windows(3_600).tracked_secs, 3_600);
}

#[test]
fn a_new_session_counts_from_zero_and_an_older_one_is_ignored() {
    let m = Monitor::new();
    m.start_session("windows::first");
    let mut w = WindowTracker::new(0);
    w.observe(0, &m.current_report().unwrap());
    let first = call(&m, "windows::carried", 5, 0);
    w.observe(10, &first);
    m.end_session();

    // The next session's counts start again at 2: all 2 are new.
    m.start_session("windows::second");
    w.observe(20, &call(&m, "windows::carried", 2, 0));
    let carried = w.windows(20).operation("windows::carried").cloned().unwrap();
    assert_eq!(carried.last_minute.calls, 7, "the windows carry on across sessions");

    // A late report of the first session changes nothing.
    w.observe(25, &first);
    assert_eq!(w.windows(25).operation("windows::carried").unwrap().last_minute.calls, 7);
    assert_eq!(w.sequence(), Some(2));
}

#[test]
fn calls_made_before_tracking_began_are_in_no_window() {
    let m = Monitor::new();
    m.start_session("windows::before");
    let before = call(&m, "windows::early", 4, 0);
    let mut w = WindowTracker::new(100);
    w.observe(100, &before);
    assert!(w.windows(100).operation("windows::early").is_none());
    w.observe(101, &call(&m, "windows::early", 1, 0));
    assert_eq!(w.windows(101).operation("windows::early").unwrap().last_minute.calls, 1);
    assert_eq!(w.windows(101).tracked_secs, 1);
}

#[test]
fn the_busiest_operation_of_the_last_minute_comes_first() {
    let m = Monitor::new();
    m.start_session("windows::order");
    let mut w = WindowTracker::new(0);
    w.observe(0, &m.current_report().unwrap());
    call(&m, "windows::a_quiet", 1, 0);
    w.observe(1, &call(&m, "windows::b_busy", 9, 0));
    let names: Vec<String> = w.windows(1).operations.into_iter().map(|o| o.name).collect();
    assert_eq!(names, ["windows::b_busy", "windows::a_quiet"]);
}
