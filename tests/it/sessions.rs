//! Sessions: start and end, live reports, the history and its capacity,
//! rotation (a session started while one runs), handles and sequence numbers.

use profiler_runtime::{monitor, Monitor, SessionReport, DEFAULT_HISTORY_CAPACITY};
use std::time::{Duration, Instant};

#[monitor("sessions::work")]
fn work(x: u64) -> u64 {
    std::hint::black_box(x + 1)
}

#[monitor("sessions::nap")]
fn nap(ms: u64) {
    std::thread::sleep(Duration::from_millis(ms));
}

/// Makes `n` instrumented calls routed to `m`.
fn calls(m: &Monitor, n: u64) {
    m.scope(|| {
        for i in 0..n {
            work(i);
        }
    });
}

fn work_calls(report: &SessionReport) -> u64 {
    report.operation("sessions::work").map_or(0, |op| op.calls)
}

fn ids(history: &[SessionReport]) -> Vec<String> {
    history.iter().map(|r| r.session_id.clone()).collect()
}

#[test]
fn a_session_reports_the_calls_made_between_its_start_and_end() {
    let m = Monitor::new();
    assert_eq!(m.current_session_id(), None);
    m.start_session("basic");
    assert_eq!(m.current_session_id().as_deref(), Some("basic"));
    calls(&m, 5);
    let report = m.end_session().expect("a session was running");
    assert_eq!(report.session_id, "basic");
    assert!(report.ended);
    assert_eq!(work_calls(&report), 5);
    assert_eq!(m.current_session_id(), None);
}

#[test]
fn ending_without_a_running_session_gives_none() {
    let m = Monitor::new();
    assert!(m.end_session().is_none());
    m.start_session("once");
    assert!(m.end_session().is_some());
    assert!(m.end_session().is_none(), "a session ends only once");
    assert!(m.current_report().is_none());
}

#[test]
fn a_live_report_is_not_ended_and_the_session_keeps_running() {
    let m = Monitor::new();
    m.start_session("live");
    calls(&m, 3);
    let live = m.current_report().expect("a session is running");
    assert!(!live.ended);
    assert_eq!(live.session_id, "live");
    assert_eq!(work_calls(&live), 3);
    assert!(m.session_history().is_empty(), "a live report is not archived");

    calls(&m, 2);
    assert_eq!(m.current_session_id().as_deref(), Some("live"));
    let ended = m.end_session().unwrap();
    assert!(ended.ended);
    assert_eq!(work_calls(&ended), 5, "the live report did not reset the session");
    assert!(ended.wall_ns >= live.wall_ns);
}

#[test]
fn the_history_keeps_ended_sessions_oldest_first() {
    let m = Monitor::new();
    for i in 0..5 {
        m.start_session(format!("h{i}"));
        calls(&m, i);
        m.end_session();
    }
    let history = m.session_history();
    assert_eq!(ids(&history), ["h0", "h1", "h2", "h3", "h4"]);
    let counts: Vec<u64> = history.iter().map(work_calls).collect();
    assert_eq!(counts, [0, 1, 2, 3, 4]);
    assert!(history.iter().all(|r| r.ended));
}

#[test]
fn the_history_holds_the_default_capacity_of_32_newest_sessions() {
    assert_eq!(DEFAULT_HISTORY_CAPACITY, 32);
    let m = Monitor::new();
    for i in 0..40 {
        m.start_session(format!("s{i}"));
        m.end_session();
    }
    let history = m.session_history();
    assert_eq!(history.len(), DEFAULT_HISTORY_CAPACITY);
    assert_eq!(history.first().unwrap().session_id, "s8");
    assert_eq!(history.last().unwrap().session_id, "s39");
}

#[test]
fn a_smaller_capacity_drops_the_oldest_at_once_and_zero_keeps_none() {
    let m = Monitor::new();
    for i in 0..5 {
        m.start_session(format!("c{i}"));
        m.end_session();
    }
    m.set_history_capacity(2);
    assert_eq!(ids(&m.session_history()), ["c3", "c4"]);

    m.start_session("c5");
    m.end_session();
    assert_eq!(ids(&m.session_history()), ["c4", "c5"]);

    m.set_history_capacity(0);
    assert!(m.session_history().is_empty());
    m.start_session("unkept");
    calls(&m, 1);
    let report = m.end_session().expect("ending still returns the report");
    assert_eq!(work_calls(&report), 1);
    assert!(m.session_history().is_empty());
}

#[test]
fn starting_a_session_while_one_runs_ends_the_first_into_the_history() {
    let m = Monitor::new();
    m.start_session("first");
    calls(&m, 3);
    m.start_session("second");
    assert_eq!(m.current_session_id().as_deref(), Some("second"));
    let history = m.session_history();
    assert_eq!(ids(&history), ["first"]);
    assert!(history[0].ended);
    assert_eq!(work_calls(&history[0]), 3);

    calls(&m, 4);
    assert_eq!(work_calls(&m.end_session().unwrap()), 4);
}

#[test]
fn rotated_sessions_add_up_to_every_call_made() {
    let m = Monitor::new();
    let mut made = 0;
    m.start_session("r0");
    for i in 1..=20u64 {
        let n = (i * 37) % 11;
        calls(&m, n);
        made += n;
        m.start_session(format!("r{i}"));
    }
    calls(&m, 6);
    made += 6;
    m.end_session();
    let history = m.session_history();
    assert_eq!(history.len(), 21);
    assert_eq!(history.iter().map(work_calls).sum::<u64>(), made);
}

#[test]
fn a_session_handle_ends_its_own_session() {
    let m = Monitor::new();
    let session = m.start_session("own");
    assert_eq!(session.id(), "own");
    calls(&m, 2);
    let report = session.end().expect("the session was running");
    assert_eq!((report.session_id.as_str(), work_calls(&report)), ("own", 2));
    assert!(report.ended);
    assert_eq!(m.current_session_id(), None);
}

#[test]
fn the_handle_of_a_rotated_session_returns_its_report_from_the_history() {
    let m = Monitor::new();
    let a = m.start_session("a");
    calls(&m, 2);
    let b = m.start_session("b");
    calls(&m, 5);
    let a_report = a.clone().end().expect("a is in the history");
    assert_eq!((a_report.session_id.as_str(), work_calls(&a_report)), ("a", 2));
    assert_eq!(m.current_session_id().as_deref(), Some("b"), "ending a must not end b");
    assert_eq!(a.end(), Some(a_report), "ending again gives the same report");
    assert_eq!(work_calls(&b.end().unwrap()), 5);
}

#[test]
fn the_handle_of_a_session_gone_from_the_history_gives_none() {
    let m = Monitor::new();
    m.set_history_capacity(1);
    let old = m.start_session("old");
    m.start_session("middle");
    m.start_session("new");
    assert!(old.end().is_none());
    assert_eq!(m.current_session_id().as_deref(), Some("new"));
}

#[test]
fn a_handle_finds_its_own_session_among_sessions_sharing_its_id() {
    let m = Monitor::new();
    let first = m.start_session("same");
    calls(&m, 1);
    let second = m.start_session("same");
    calls(&m, 2);
    assert_eq!(work_calls(&second.end().unwrap()), 2);
    assert_eq!(work_calls(&first.end().unwrap()), 1);
}

#[test]
fn sequence_numbers_count_the_sessions_of_each_monitor() {
    let m = Monitor::new();
    m.start_session("one");
    m.start_session("two"); // rotation
    m.end_session();
    m.start_session("three");
    let three = m.end_session().unwrap();
    let sequences: Vec<u64> = m.session_history().iter().map(|r| r.sequence).collect();
    assert_eq!(sequences, [1, 2, 3]);
    assert_eq!(three.sequence, 3);

    let other = Monitor::new();
    other.start_session("elsewhere");
    assert_eq!(other.end_session().unwrap().sequence, 1, "numbering is per monitor");
}

#[test]
fn wall_time_is_positive_and_agrees_with_instant_around_the_session() {
    let m = Monitor::new();
    let outer = Instant::now();
    m.start_session("wall");
    std::thread::sleep(Duration::from_millis(30));
    let report = m.end_session().unwrap();
    let bracket = outer.elapsed();
    assert!(report.wall_ns > 0);
    assert_eq!(report.wall_time(), Duration::from_nanos(report.wall_ns));
    assert!(report.wall_time() >= Duration::from_millis(30), "{:?}", report.wall_time());
    assert!(report.wall_time() <= bracket, "{:?} > {bracket:?}", report.wall_time());
    // Loose: the session lies inside the bracket and holds the whole sleep.
    let (ours, theirs) = (report.wall_ns as f64, bracket.as_nanos() as f64);
    assert!(ours >= theirs * 0.5 - 5e6, "{ours} ns vs {theirs} ns");
}

#[test]
fn calls_made_outside_any_session_are_not_in_the_next_one() {
    let m = Monitor::new();
    calls(&m, 7);
    m.start_session("after-idle");
    calls(&m, 2);
    assert_eq!(work_calls(&m.end_session().unwrap()), 2);

    calls(&m, 5);
    m.start_session("after-gap");
    let report = m.end_session().unwrap();
    assert!(report.operation("sessions::work").is_none(), "{:?}", report.operations);
}

#[test]
fn min_and_max_belong_to_the_session_they_were_measured_in() {
    let m = Monitor::new();
    m.start_session("slow-one");
    m.scope(|| nap(25));
    let first = m.end_session().unwrap();
    assert!(first.operation("sessions::nap").unwrap().max_ns >= 25_000_000);

    m.start_session("fast-ones");
    m.scope(|| {
        nap(0);
        nap(0);
    });
    let second = m.end_session().unwrap();
    let op = second.operation("sessions::nap").unwrap();
    assert_eq!(op.calls, 2);
    // A correct maximum is one of the two calls, so it cannot exceed their sum;
    // the 25 ms call of the previous session would.
    assert!(op.max_ns <= op.total_ns, "max {} ns > total {} ns", op.max_ns, op.total_ns);
    assert!(op.min_ns <= op.max_ns);
}
