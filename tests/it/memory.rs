//! Memory over a session at the detailed level: the sampler thread starts
//! and stops with sessions, the timeline is bounded, and the report shows it.
//! (The one test here that counts the sampler's threads must be the only
//! one in this binary that runs detailed sessions: the stage-memory checks
//! run inside it.)

use profiler_runtime::{Level, Monitor, TIMELINE_POINTS};
use std::time::Duration;

/// Waits (up to a second) until `threads_named(name)` is `n`, returning the
/// last count (a new thread names itself a moment after it starts).
fn settles_at(name: &str, n: usize) -> Option<usize> {
    let mut last = threads_named(name)?;
    for _ in 0..100 {
        if last == n {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
        last = threads_named(name)?;
    }
    Some(last)
}

/// Threads of this process named `name` (Linux; `None` elsewhere).
fn threads_named(name: &str) -> Option<usize> {
    let tasks = std::fs::read_dir("/proc/self/task").ok()?;
    Some(
        tasks
            .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("comm")).ok())
            .filter(|comm| comm.trim() == name)
            .count(),
    )
}

#[test]
fn a_detailed_session_samples_memory_and_its_end_stops_the_sampler() {
    let m = Monitor::new();
    m.set_level(Level::Detailed);
    m.set_memory_interval(Duration::from_millis(2)).unwrap();
    m.start_session("memory-detailed");
    if let Some(n) = settles_at("profiler-memory", 1) {
        assert_eq!(n, 1, "one sampler for the running session");
    }
    std::thread::sleep(Duration::from_millis(30));
    // 96 MiB written (so resident), held for a few readings, then freed.
    let block = vec![7u8; 96 << 20];
    std::thread::sleep(Duration::from_millis(30));
    let live = m.current_report().unwrap();
    drop(block);
    std::thread::sleep(Duration::from_millis(30));
    let report = m.end_session().unwrap();
    if let Some(n) = threads_named("profiler-memory") {
        assert_eq!(n, 0, "the sampler stops with the session");
    }
    assert_eq!(report.level, Level::Detailed);
    let memory = report.memory.as_ref().expect("a timeline at the detailed level");
    let live_memory = live.memory.as_ref().expect("the live report has the timeline so far");
    assert!(memory.readings > live_memory.readings);
    assert!(memory.readings >= 10, "{} readings", memory.readings);
    assert!(memory.timeline.len() <= TIMELINE_POINTS);
    assert!(memory.peak_bytes >= memory.start_bytes + (64 << 20), "{memory:?}");
    assert!(memory.peak_at_ns > 20_000_000 && memory.peak_at_ns < report.wall_ns);
    assert_eq!(memory.interval_ms, 2.0);
    let text = report.to_text();
    assert!(text.contains("\nMemory ("), "{text}");
    assert!(text.contains("peak "));
    let json: serde_json::Value = serde_json::from_str(&report.to_json().unwrap()).unwrap();
    assert_eq!(json["level"], "detailed");
    assert_eq!(json["memory"]["readings"], memory.readings);
    assert_eq!(json["memory"]["timeline"].as_array().map(Vec::len), Some(memory.timeline.len()));

    // Back at the basic level: no thread, no timeline.
    m.set_level(Level::Basic);
    m.start_session("memory-basic");
    if let Some(n) = threads_named("profiler-memory") {
        assert_eq!(n, 0);
    }
    let basic = m.end_session().unwrap();
    assert!(basic.memory.is_none());
    assert!(!basic.to_text().contains("\nMemory ("));
    assert!(basic.stages.iter().all(|s| s.memory.is_none()));

    a_stage_that_keeps_its_memory_scores_low_and_one_that_frees_it_scores_high();
}

#[test]
fn a_bad_interval_is_refused_and_keeps_the_old_one() {
    let m = Monitor::new();
    let err = m.set_memory_interval(Duration::ZERO).unwrap_err();
    assert!(err.to_string().contains("give 1 ms to 1 hour"), "{err}");
    assert!(m.set_memory_interval(Duration::from_secs(86_400)).is_err());
    assert_eq!(m.level(), Level::Basic);
}

/// Run by the test above, after its thread counts (two detailed sessions at
/// once would make those counts meaningless).
fn a_stage_that_keeps_its_memory_scores_low_and_one_that_frees_it_scores_high() {
    let m = Monitor::new();
    m.set_level(Level::Detailed);
    m.set_memory_interval(Duration::from_millis(1)).unwrap();
    m.start_session("stage-memory");
    let kept = {
        let _stage = m.stage("memory::keeps");
        let block = vec![5u8; 64 << 20];
        std::thread::sleep(Duration::from_millis(20));
        block
    };
    {
        let _stage = m.stage("memory::frees");
        let block = vec![6u8; 64 << 20];
        std::thread::sleep(Duration::from_millis(20));
        drop(block);
    }
    let report = m.end_session().unwrap();
    drop(kept);
    let keeps = report.stage("memory::keeps").unwrap().memory.clone().expect("measured");
    let frees = report.stage("memory::frees").unwrap().memory.clone().expect("measured");
    assert!(keeps.growth_bytes >= 48 << 20, "{keeps:?}");
    assert!(keeps.efficiency < 30.0, "{keeps:?}");
    assert!(
        frees.peak_bytes >= frees.start_bytes + (48 << 20),
        "the sampler saw the peak: {frees:?}"
    );
    assert!(frees.efficiency > 70.0, "{frees:?}");
    let flagged: Vec<&str> = report
        .findings
        .iter()
        .filter(|f| f.kind == "stage_memory")
        .map(|f| f.message.as_str())
        .collect();
    assert_eq!(flagged.len(), 1, "{flagged:?}");
    assert!(flagged[0].starts_with("stage `memory::keeps` kept "), "{}", flagged[0]);
    assert!(report.to_text().contains("Stage memory"));
    // Both runs are on the memory timeline's clock, in order.
    let spans = &report.memory.as_ref().unwrap().stages;
    let names: Vec<&str> = spans.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["memory::keeps", "memory::frees"]);
    assert!(spans[0].end_ns <= spans[1].start_ns && spans[1].end_ns <= report.wall_ns);
    let middle = (spans[1].start_ns + spans[1].end_ns) / 2;
    assert_eq!(report.memory.as_ref().unwrap().stage_at(middle), Some("memory::frees"));
}
