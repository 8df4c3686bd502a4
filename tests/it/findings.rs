//! Findings from small programs whose right answer is known by
//! construction: a tail where a tenth of the calls sleep, none where one
//! call in 45 is slower, and the slow calls of a cache-fronted function
//! described as its cache's misses, not as a tail.
//!
//! Slow calls sleep, so a loaded machine can only make them slower; fast
//! calls do next to nothing, and the rules leave room for a few of them to
//! be preempted. Where the kernel reports the machine busy, no tail is
//! claimed at all, and the tail test checks that instead.

use profiler_runtime::{monitor, Monitor, MonitoredCache, SessionReport};
use std::time::Duration;

#[monitor("findings::uneven")]
fn uneven(i: u32) -> u32 {
    if i % 10 == 0 {
        std::thread::sleep(Duration::from_millis(4));
    }
    std::hint::black_box(i)
}

#[monitor("findings::steady")]
fn steady(i: u32) -> u32 {
    std::thread::sleep(Duration::from_millis(if i == 7 { 9 } else { 2 }));
    i
}

#[monitor("findings::cached_fetch")]
fn cached_fetch(cache: &MonitoredCache<u32, u32>, id: u32) -> u32 {
    if let Some(v) = cache.get(&id) {
        return v;
    }
    std::thread::sleep(Duration::from_millis(4));
    cache.insert(id, id * 2);
    id * 2
}

fn subjects<'a>(report: &'a SessionReport, kind: &str) -> Vec<&'a str> {
    report.findings.iter().filter(|f| f.kind == kind).filter_map(|f| f.subject.as_deref()).collect()
}

#[test]
fn a_tenth_of_calls_holding_most_of_the_time_is_a_tail_and_one_slow_call_in_45_is_not() {
    let m = Monitor::new();
    m.start_session("findings::tails");
    m.scope(|| {
        for i in 0..400 {
            uneven(i);
        }
        for i in 0..45 {
            steady(i);
        }
    });
    let report = m.end_session().unwrap();
    if busy(&report) {
        // Calls stretched by waits for a core look like a tail: none is
        // claimed, and the report says why (the unit tests hold the rule).
        assert!(subjects(&report, "tail_latency").is_empty(), "{report}");
        assert!(report.findings.iter().any(|f| f.kind == "busy_machine"), "{report}");
        return;
    }
    assert_eq!(subjects(&report, "tail_latency"), ["findings::uneven"], "{report}");
    let tail = report.findings.iter().find(|f| f.kind == "tail_latency").unwrap();
    assert!(
        tail.message.starts_with("`findings::uneven`: its slowest 10% of calls (40 over p90 "),
        "{}",
        tail.message
    );
}

/// Whether the kernel said the machine was busy during the session (Linux
/// CPU pressure over a quarter of it), where no tail is claimed.
fn busy(report: &SessionReport) -> bool {
    report.process.as_ref().and_then(|p| p.cpu_pressure).is_some_and(|p| p >= 0.25)
}

#[test]
fn the_slow_calls_of_a_cache_fronted_function_are_its_misses_not_a_tail() {
    let m = Monitor::new();
    let cache =
        MonitoredCache::builder("findings::items").capacity(64).monitor(&m).build().unwrap();
    m.start_session("findings::cached");
    m.scope(|| {
        // 20 ids asked for 10 times each: 20 misses, 180 hits.
        for i in 0..200 {
            cached_fetch(&cache, i % 20);
        }
    });
    let report = m.end_session().unwrap();
    assert_eq!(subjects(&report, "cache_bimodal"), ["findings::cached_fetch"], "{report}");
    assert!(subjects(&report, "tail_latency").is_empty(), "{report}");
    let bimodal = report.findings.iter().find(|f| f.kind == "cache_bimodal").unwrap();
    assert!(
        bimodal.message.contains(
            "matching cache `findings::items`'s 90.0% hit rate (180 hits in 200 lookups)"
        ),
        "{}",
        bimodal.message
    );
}
