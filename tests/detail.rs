//! The detailed level's per-call measures, in a binary of their own with the
//! counting allocator installed: CPU time against wall time, and allocations
//! charged to the innermost running monitored call.

use profiler_runtime::{monitor, CountingAllocator, Level, Monitor, SessionReport};
use std::hint::black_box;
use std::time::Duration;

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator::system();

const MIB: usize = 1 << 20;

fn detailed() -> Monitor {
    let m = Monitor::new();
    m.set_level(Level::Detailed);
    m
}

fn row<'a>(report: &'a SessionReport, name: &str) -> &'a profiler_runtime::OperationStats {
    report.operation(name).unwrap_or_else(|| panic!("no row {name} in\n{report}"))
}

#[monitor("nap")]
fn nap() {
    std::thread::sleep(Duration::from_millis(4));
}

#[monitor("spin")]
fn spin() -> u64 {
    // A fixed amount of work (a few ms in a debug build), so its CPU time
    // does not depend on how often the shared machine preempts it. Kept
    // small: on a loaded machine its wall time stretches, and `nap` must
    // still hold the 5% of the session that the waiting finding asks for.
    (0..500_000u64).fold(0, |x, i| black_box(x.wrapping_mul(31).wrapping_add(i)))
}

#[test]
fn a_sleeping_function_reads_as_waiting_and_a_spinning_one_as_cpu() {
    let m = detailed();
    m.start_session("cpu");
    m.scope(|| {
        for _ in 0..8 {
            nap();
            spin();
        }
    });
    let report = m.end_session().unwrap();
    let (nap, spin) = (row(&report, "nap"), row(&report, "spin"));
    let (nap_cpu, spin_cpu) = (nap.cpu.as_ref().unwrap(), spin.cpu.as_ref().unwrap());
    // Every call after the first follows one over 20 µs, so reads the clock.
    assert!(nap_cpu.readings >= 7 && spin_cpu.readings >= 7, "{nap_cpu:?} {spin_cpu:?}");
    assert!(
        nap_cpu.cpu_share < 0.2,
        "sleeping used {:.2} of its wall time on CPU",
        nap_cpu.cpu_share
    );
    // Other tests share the two cores, so the spinning thread is not always
    // running; it still reads as computing far more than the sleeper.
    assert!(
        spin_cpu.cpu_share > 4.0 * nap_cpu.cpu_share,
        "spinning {:.2}, sleeping {:.2}",
        spin_cpu.cpu_share,
        nap_cpu.cpu_share
    );
    assert!(spin_cpu.cpu_ns > 4 * nap_cpu.cpu_ns);
    assert!(spin_cpu.cpu_ns <= spin.total_ns + spin.total_ns / 10);
    let text = report.to_text();
    assert!(text.contains("CPU and allocations"), "{text}");
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.kind == "operation_waiting" && f.subject.as_deref() == Some("nap")),
        "{text}"
    );
}

#[test]
fn the_basic_level_measures_neither() {
    let m = Monitor::new();
    m.start_session("basic");
    m.scope(|| {
        nap();
        let _ = black_box(vec![0u8; 1000]);
    });
    let report = m.end_session().unwrap();
    assert!(row(&report, "nap").cpu.is_none() && row(&report, "nap").heap.is_none());
}

#[monitor("allocate_mib")]
fn allocate_mib() -> usize {
    let v = black_box(vec![1u8; MIB]);
    v.len()
}

#[monitor("outer")]
fn outer() -> usize {
    let own = black_box(vec![2u8; 10_000]);
    own.len() + allocate_mib() + allocate_mib()
}

#[test]
fn a_function_that_allocates_one_mib_is_charged_about_one_mib() {
    let m = detailed();
    m.start_session("heap");
    m.scope(|| {
        for _ in 0..3 {
            black_box(allocate_mib());
        }
    });
    let report = m.end_session().unwrap();
    let heap =
        row(&report, "allocate_mib").heap.clone().expect("the counting allocator is installed");
    assert_eq!(heap.measured_calls, 3);
    assert!(!heap.estimated);
    let per_call = heap.bytes_per_call(3);
    assert!((MIB as f64..MIB as f64 * 1.01).contains(&per_call), "{per_call} bytes a call");
    assert!((3..=6).contains(&heap.allocations), "{} allocations", heap.allocations);
}

#[test]
fn the_innermost_monitored_call_pays_for_what_it_allocates() {
    let m = detailed();
    m.start_session("nested");
    m.scope(|| black_box(outer()));
    let report = m.end_session().unwrap();
    let inner = row(&report, "allocate_mib").heap.clone().unwrap();
    let outer = row(&report, "outer").heap.clone().unwrap();
    assert!(inner.bytes >= 2 * MIB as u64 && inner.bytes < 2 * MIB as u64 + 4096, "{inner:?}");
    assert!(
        outer.bytes >= 10_000 && outer.bytes < 20_000,
        "the outer call's own bytes only: {outer:?}"
    );
}

#[monitor("fetch")]
async fn fetch(ready: tokio::sync::oneshot::Receiver<()>) -> usize {
    let first = black_box(vec![3u8; 50_000]);
    ready.await.ok();
    let second = black_box(vec![4u8; 70_000]);
    first.len() + second.len()
}

#[test]
fn an_async_call_is_charged_its_polls_and_not_what_runs_while_it_waits() {
    let m = detailed();
    m.start_session("async");
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let task_monitor = m.clone();
    let n = rt.block_on(m.bind(async move {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let task = tokio::spawn(task_monitor.bind(fetch(rx)));
        tokio::task::yield_now().await; // `fetch` runs to its await
                                        // Allocated while `fetch` waits, on the same thread: not its bytes.
        let unrelated = black_box(vec![5u8; 900_000]);
        tx.send(()).unwrap();
        let n = task.await.unwrap();
        drop(unrelated);
        n
    }));
    assert_eq!(n, 120_000);
    let report = m.end_session().unwrap();
    let heap = row(&report, "fetch").heap.clone().unwrap();
    assert!(heap.bytes >= 120_000 && heap.bytes < 200_000, "{heap:?}");
}

#[test]
fn a_detailed_session_reports_the_heap_and_each_stage_allocations() {
    let m = detailed();
    m.set_memory_interval(Duration::from_millis(1)).unwrap();
    m.start_session("heap-session");
    let kept = {
        let _stage = m.stage("build");
        let kept = black_box(vec![7u8; 4 * MIB]);
        std::thread::sleep(Duration::from_millis(20)); // the sampler sees it live
        kept
    };
    drop(kept);
    let report = m.end_session().unwrap();
    let heap = report.heap.clone().expect("installed allocator, detailed level");
    assert!(heap.allocated_bytes >= 4 * MIB as u64, "{heap:?}");
    // The heap is the process's, and the other tests of this binary run
    // meanwhile: what they held at the start may be freed before the vector
    // is, so the peak is only sure to hold the vector itself.
    assert!(heap.peak_live_bytes >= 4 * MIB as u64, "{heap:?}");
    assert!(heap.freed_bytes >= 4 * MIB as u64, "the vector was freed in the session: {heap:?}");
    let stage = report.stages.iter().find(|s| s.name == "build").unwrap();
    let stage_heap = stage.heap.as_ref().expect("stage heap at the detailed level");
    assert_eq!(stage_heap.runs, 1);
    assert!(stage_heap.allocated_bytes >= 4 * MIB as u64);
    assert!(report.to_text().contains("Heap (counting allocator)"));
}

#[monitor("leaf")]
fn leaf(n: u64) -> u64 {
    black_box(n * 3)
}

#[monitor("branch")]
fn branch() -> u64 {
    leaf(1) + leaf(2)
}

#[test]
fn the_full_level_logs_each_call_with_its_parent_thread_and_times() {
    let m = Monitor::new();
    m.set_level(Level::Full);
    m.start_session("trace");
    std::thread::Builder::new()
        .name("tracer".into())
        .spawn({
            let m = m.clone();
            move || m.scope(|| black_box(branch()))
        })
        .unwrap()
        .join()
        .unwrap();
    let report = m.end_session().unwrap();
    let trace = report.trace.as_ref().expect("full sessions keep a trace");
    assert_eq!(trace.dropped, 0);
    let branch = trace.events.iter().find(|e| e.operation == "branch").unwrap();
    let leaves: Vec<_> = trace.events.iter().filter(|e| e.operation == "leaf").collect();
    assert_eq!(leaves.len(), 2, "{:?}", trace.events);
    for leaf in &leaves {
        assert_eq!(leaf.kind, profiler_runtime::CallEventKind::Call);
        assert_eq!(leaf.parent, Some(branch.id));
        assert_eq!(leaf.thread, branch.thread);
        assert!(leaf.start_ns >= branch.start_ns);
        assert!(leaf.start_ns + leaf.duration_ns <= branch.start_ns + branch.duration_ns);
    }
    assert!(leaves[0].start_ns <= leaves[1].start_ns, "events are in start order");
    assert_eq!(branch.parent, None);
    assert_eq!(trace.threads[branch.thread as usize - 1], "tracer");
}

#[monitor("waits_once")]
async fn waits_once() -> u8 {
    tokio::task::yield_now().await;
    7
}

#[test]
fn the_full_level_logs_a_future_and_each_of_its_polls() {
    let m = Monitor::new();
    m.set_level(Level::Full);
    m.start_session("async-trace");
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    assert_eq!(rt.block_on(m.bind(waits_once())), 7);
    let report = m.end_session().unwrap();
    let trace = report.trace.as_ref().unwrap();
    let mine: Vec<_> = trace.events.iter().filter(|e| e.operation == "waits_once").collect();
    let whole = mine.iter().find(|e| e.kind == profiler_runtime::CallEventKind::AsyncCall).unwrap();
    let polls: Vec<_> =
        mine.iter().filter(|e| e.kind == profiler_runtime::CallEventKind::Poll).collect();
    assert_eq!(polls.len(), 2, "pending once, then ready: {mine:?}");
    assert!(polls.iter().all(|p| p.call == Some(whole.id)));
    assert!(polls[0].start_ns >= whole.start_ns);
    assert!(polls[1].start_ns + polls[1].duration_ns <= whole.start_ns + whole.duration_ns + 1_000);
    assert!(report.to_text().contains("Trace"));
}

#[test]
fn below_the_full_level_there_is_no_trace() {
    let m = detailed();
    m.start_session("no-trace");
    m.scope(|| black_box(branch()));
    assert!(m.end_session().unwrap().trace.is_none());
}

/// Steady growth is alerted while the session runs, from the sampler's
/// thread, and not again when it ends.
#[test]
fn steady_memory_growth_is_alerted_while_the_session_runs_and_once() {
    use profiler_runtime::AlertKind;
    use std::sync::{Arc, Mutex};
    let m = detailed();
    m.set_memory_interval(Duration::from_millis(1)).unwrap();
    type Seen = Vec<(AlertKind, Option<String>)>;
    let seen: Arc<Mutex<Seen>> = Arc::default();
    let sink = seen.clone();
    m.on_alert(move |alert| {
        let thread = std::thread::current().name().map(str::to_owned);
        sink.lock().unwrap().push((alert.kind, thread));
    });
    m.start_session("growth");
    // 1 MiB more every 5 ms, kept: a steady rise the sampler sees. It goes
    // on for a while after the alert, so the ended session's own rule sees
    // it too (and must not alert it again).
    let mut kept: Vec<Vec<u8>> = Vec::new();
    let mut raised_while_running = false;
    let mut steps_after = 0;
    for _ in 0..400 {
        kept.push(black_box(vec![1u8; MIB]));
        std::thread::sleep(Duration::from_millis(5));
        if raised_while_running {
            steps_after += 1;
            if steps_after == 40 {
                break;
            }
        } else if seen.lock().unwrap().iter().any(|(kind, _)| *kind == AlertKind::MemoryGrowth) {
            raised_while_running = true;
        }
    }
    let report = m.end_session().unwrap();
    drop(kept);
    assert!(raised_while_running, "no alert while running; findings: {:?}", report.findings);
    let growth: Vec<_> = seen
        .lock()
        .unwrap()
        .iter()
        .filter(|(k, _)| *k == AlertKind::MemoryGrowth)
        .cloned()
        .collect();
    assert_eq!(growth.len(), 1, "once per session: {growth:?}");
    assert_eq!(growth[0].1.as_deref(), Some("profiler-memory"), "from the sampler's thread");
    assert!(report.findings.iter().any(|f| f.kind == "memory_growth"), "{report}");
}
