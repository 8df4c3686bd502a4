//! The process-wide switch (`profiler_runtime::disable`) in a test binary of
//! its own: it stops recording everywhere in the process, so it cannot share
//! a process with tests that count calls.

use profiler_runtime::{monitor, Monitor, Recording};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

#[monitor("switch::work")]
fn work(x: u64) -> u64 {
    std::hint::black_box(x) + 1
}

#[test]
fn toggling_the_switch_while_threads_record_is_safe_and_never_overcounts() {
    let m = Monitor::new();
    m.start_session("switch");
    let stop = Arc::new(AtomicBool::new(false));
    let made = Arc::new(AtomicU64::new(0));
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let (m, stop, made) = (m.clone(), stop.clone(), made.clone());
            std::thread::spawn(move || {
                m.scope(|| {
                    let mut n = 0;
                    while !stop.load(Ordering::Relaxed) {
                        work(n);
                        n += 1;
                    }
                    made.fetch_add(n, Ordering::Relaxed);
                })
            })
        })
        .collect();
    for i in 0..200 {
        if i % 2 == 0 {
            profiler_runtime::disable();
        } else {
            profiler_runtime::enable();
        }
        std::thread::yield_now();
    }
    profiler_runtime::enable();
    stop.store(true, Ordering::Relaxed);
    for w in workers {
        w.join().unwrap();
    }
    let report = m.end_session().unwrap();
    assert_eq!(report.recording, Recording::PartlyOff, "switched 200 times during the session");
    let recorded = report.operation("switch::work").map_or(0, |op| op.calls);
    let made = made.load(Ordering::Relaxed);
    assert!(recorded <= made, "recorded {recorded} of {made} calls");

    // Back on: every call counts again, exactly.
    m.start_session("after");
    m.scope(|| {
        (0..1_000).for_each(|i| {
            work(i);
        })
    });
    let report = m.end_session().unwrap();
    assert_eq!(report.operation("switch::work").unwrap().calls, 1_000);
    assert_eq!(report.recording, Recording::On);

    // Off: nothing is recorded, not even counters, and the switch reports its state.
    profiler_runtime::disable();
    assert!(!profiler_runtime::is_enabled());
    m.start_session("off");
    m.scope(|| {
        (0..1_000).for_each(|i| {
            work(i);
        })
    });
    record_the_rest(&m);
    let report = m.end_session().unwrap();
    profiler_runtime::enable();
    assert!(report.operation("switch::work").is_none());
    assert_nothing_else(&report);
    assert_eq!(report.recording, Recording::Off, "the process switch was off all session");
    assert!(report.to_text().starts_with("Nothing recorded: recording was off all session"));

    // Every monitor off (the one-load path): nothing recorded; back on: counted.
    let global = profiler_runtime::global();
    m.disable();
    global.disable();
    m.start_session("all off");
    m.scope(|| work(1));
    work(2);
    record_the_rest(&m);
    let report = m.end_session().unwrap();
    assert!(report.operation("switch::work").is_none());
    assert_nothing_else(&report);
    assert_eq!(report.recording, Recording::Off);
    global.enable();
    m.enable();
    m.start_session("all on");
    m.scope(|| work(3));
    record_the_rest(&m);
    let report = m.end_session().unwrap();
    assert_eq!(report.operation("switch::work").map(|o| o.calls), Some(1));
    assert_eq!((report.cache.hits, report.api.calls, report.counters.len()), (1, 1, 1));
    assert_eq!(report.recording, Recording::On);
}

/// Counters, cache, API, a stage and a manual operation.
fn record_the_rest(m: &Monitor) {
    m.record_cache_hit();
    m.record_api_call(10, 0.1, false);
    m.add_count("switch::count", 1);
    m.stage("switch::stage").items(1);
    m.start_operation("switch::manual").fail("off");
}

fn assert_nothing_else(report: &profiler_runtime::SessionReport) {
    assert_eq!((report.cache.hits, report.api.calls), (0, 0));
    assert!(report.counters.is_empty() && report.stages.is_empty() && report.events.is_empty());
    assert!(report.operation("switch::manual").is_none());
}
