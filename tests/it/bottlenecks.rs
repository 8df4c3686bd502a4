//! The first bottleneck is what a speed-up would save most, known here by
//! construction: overlapping calls count once, a call waiting while other
//! work runs holds only its part of that time, and a sequence of awaits on
//! a slow call holds all of it. Sleeps, not spins, so a loaded machine
//! stretches nothing the answers depend on. (The ground-truth suite, in the
//! examples, checks the same by experiment.)

use profiler_runtime::{monitor, Monitor, SessionReport, WallShare};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

fn wall<'a>(report: &'a SessionReport, name: &str) -> &'a WallShare {
    let op = report.operations.iter().find(|op| op.name == name);
    op.and_then(|op| op.wall.as_ref()).unwrap_or_else(|| panic!("no wall share for {name}"))
}

fn first(report: &SessionReport) -> &str {
    &report.bottlenecks[0].name
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[monitor("bottlenecks::fetch")]
async fn fetch(n: u64) -> u64 {
    tokio::time::sleep(ms(n)).await;
    n
}

#[monitor("bottlenecks::call_llm")]
async fn call_llm() {
    tokio::time::sleep(ms(12)).await;
}

#[monitor("bottlenecks::fan_out")]
async fn fan_out() -> u64 {
    JoinAll((90..100).map(|n| Some(Box::pin(fetch(n)))).collect(), 0).await
}

/// Awaits every future at once, polling them all from its own poll (so
/// they are its children), and sums their outputs.
struct JoinAll<F>(Vec<Option<Pin<Box<F>>>>, u64);

impl<F: Future<Output = u64>> Future for JoinAll<F> {
    type Output = u64;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u64> {
        let this = &mut *self;
        for slot in &mut this.0 {
            if let Some(future) = slot {
                if let Poll::Ready(n) = future.as_mut().poll(cx) {
                    this.1 += n;
                    *slot = None;
                }
            }
        }
        if this.0.iter().all(Option::is_none) {
            Poll::Ready(this.1)
        } else {
            Poll::Pending
        }
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

#[test]
fn a_fan_out_holds_its_stage_once_and_a_sequential_tail_that_is_longer_comes_first() {
    // Ten fetches of about 95 ms at once (about 100 ms of the wall, 950 ms
    // summed), then 20 sequential model calls of 12 ms (240 ms of the wall).
    let m = Monitor::new();
    m.start_session("fan-out");
    runtime().block_on(m.bind(async {
        fan_out().await;
        for _ in 0..20 {
            call_llm().await;
        }
    }));
    let report = m.end_session().unwrap();
    assert_eq!(first(&report), "bottlenecks::call_llm", "{report}");
    let fetch = wall(&report, "bottlenecks::fetch");
    assert!(fetch.share < 0.5, "the fan-out is about a third of the session: {fetch:?}");
    assert!(fetch.overlap > 5.0, "ten calls at once, counted once: {fetch:?}");
    assert!(fetch.waiting_share > 0.9, "asleep, not running: {fetch:?}");
    let fan_out = wall(&report, "bottlenecks::fan_out");
    assert!(fan_out.share < 0.05, "it only waits on its monitored children: {fan_out:?}");
    let shares: f64 =
        report.operations.iter().filter_map(|op| op.wall.as_ref()).map(|w| w.share).sum();
    assert!(shares <= 1.0 + 1e-9, "shares of one wall add up to at most all of it: {shares}");
}

#[test]
fn the_same_fan_out_comes_first_when_it_is_the_longer_part() {
    // Must-not-fire twin: a short tail (3 x 12 ms) after the ~100 ms fan-out.
    let m = Monitor::new();
    m.start_session("fan-out-first");
    runtime().block_on(m.bind(async {
        fan_out().await;
        for _ in 0..3 {
            call_llm().await;
        }
    }));
    let report = m.end_session().unwrap();
    assert_eq!(first(&report), "bottlenecks::fetch", "{report}");
}

#[monitor("bottlenecks::wait_io")]
fn wait_io() {
    std::thread::sleep(ms(60));
}

#[monitor("bottlenecks::crunch")]
fn crunch(d: Duration) {
    std::thread::sleep(d);
}

#[monitor("bottlenecks::parallel_wait")]
fn parallel_wait(m: &Monitor) {
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| m.scope(wait_io));
        }
    });
}

fn threads_then_work(tail: Duration) -> SessionReport {
    let m = Monitor::new();
    m.start_session("threads");
    m.scope(|| {
        parallel_wait(&m);
        crunch(tail);
    });
    m.end_session().unwrap()
}

#[test]
fn threads_waiting_in_parallel_count_by_the_wall_they_cover_not_summed() {
    // Four threads wait 60 ms at once (240 ms summed), then 100 ms of work.
    let report = threads_then_work(ms(100));
    assert_eq!(first(&report), "bottlenecks::crunch", "{report}");
    let wait = wall(&report, "bottlenecks::wait_io");
    assert!(wait.overlap > 2.5, "{wait:?}");
    // Twin: 20 ms of work after the same wait: the wait comes first.
    let report = threads_then_work(ms(20));
    assert_eq!(first(&report), "bottlenecks::wait_io", "{report}");
}

#[monitor("bottlenecks::query")]
async fn query() {
    tokio::time::sleep(ms(8)).await;
}

#[monitor("bottlenecks::handler")]
async fn handler() {
    for _ in 0..15 {
        query().await;
    }
    std::thread::sleep(ms(20));
}

#[test]
fn sequential_awaits_on_a_slow_call_hold_all_of_its_time() {
    // 15 awaits of 8 ms (120 ms) against 20 ms of the handler's own work.
    let m = Monitor::new();
    m.start_session("sequential");
    runtime().block_on(m.bind(handler()));
    let report = m.end_session().unwrap();
    assert_eq!(first(&report), "bottlenecks::query", "{report}");
    let query = wall(&report, "bottlenecks::query");
    assert!(query.share > 0.6, "{query:?}");
    assert!(query.overlap < 1.2, "one at a time: {query:?}");
}

#[monitor("bottlenecks::remote")]
async fn remote(d: Duration) {
    tokio::time::sleep(d).await;
}

#[monitor("bottlenecks::local")]
fn local(d: Duration) {
    std::thread::sleep(d);
}

#[test]
fn a_future_waiting_while_local_work_runs_holds_only_its_share() {
    // join!(remote 100 ms, local 70 ms of blocking work), then remote again
    // alone for 30 ms: remote must come first (its speed-up shortens both
    // parts), and local holds only part of its 70 ms.
    let m = Monitor::new();
    m.start_session("joined");
    runtime().block_on(m.bind(async {
        let r = remote(ms(100));
        let l = async { local(ms(70)) };
        tokio::join!(r, l);
        remote(ms(30)).await;
    }));
    let report = m.end_session().unwrap();
    assert_eq!(first(&report), "bottlenecks::remote", "{report}");
    // `local` held a good part of the run, but the join waited for
    // `remote` anyway: no "start here" on it.
    let local = wall(&report, "bottlenecks::local");
    assert!(local.share > 0.2, "{local:?}");
    assert_eq!(local.saving_ns, 0, "{local:?}");
    let dominant = |name: &str| {
        report
            .findings
            .iter()
            .any(|f| f.kind == "dominant_operation" && f.subject.as_deref() == Some(name))
    };
    assert!(!dominant("bottlenecks::local"), "{report}");
    assert!(dominant("bottlenecks::remote"), "{report}");
}

#[monitor("bottlenecks::load")]
fn load() {
    std::thread::sleep(ms(4));
}

fn dominant_advice(report: &SessionReport, name: &str) -> String {
    let finding = report
        .findings
        .iter()
        .find(|f| f.kind == "dominant_operation" && f.subject.as_deref() == Some(name));
    finding.and_then(|f| f.recommendation.clone()).unwrap_or_else(|| panic!("{report}"))
}

#[test]
fn the_advice_on_a_dominant_operation_names_the_cache_already_in_front_of_it() {
    // 40 lookups, 10 misses: `load` runs on each miss.
    let m = Monitor::new();
    m.start_session("cached");
    m.scope(|| {
        for i in 0..40 {
            if i % 4 == 0 {
                m.record_cache_miss();
                load();
            } else {
                m.record_cache_hit();
            }
        }
    });
    let report = m.end_session().unwrap();
    let advice = dominant_advice(&report, "bottlenecks::load");
    assert!(advice.contains("already sits behind a cache (75.0% hit rate"), "{advice}");
    // Must not fire: the same calls with no cache counted.
    let m = Monitor::new();
    m.start_session("uncached");
    m.scope(|| (0..10).for_each(|_| load()));
    let report = m.end_session().unwrap();
    let advice = dominant_advice(&report, "bottlenecks::load");
    assert!(!advice.contains("cache"), "{advice}");
}

#[test]
fn the_flame_graph_counts_overlapping_calls_once() {
    // The fan-out at the detailed level: ten overlapping fetches summed
    // would make the graph about 950 ms wide, several times the session.
    let m = Monitor::new();
    m.set_level(profiler_runtime::Level::Detailed);
    m.start_session("flame");
    runtime().block_on(m.bind(async {
        fan_out().await;
    }));
    let report = m.end_session().unwrap();
    let svg = report.to_flamegraph_svg().unwrap();
    let total = svg
        .split("all (")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .map(|n| n.replace(',', "").parse::<u64>().unwrap())
        .unwrap_or_else(|| panic!("no total in the graph"));
    assert!(total <= report.wall_ns, "{total} ns drawn for a {} ns session", report.wall_ns);
    let fetch = report.operations.iter().find(|op| op.name == "bottlenecks::fetch").unwrap();
    assert!(fetch.self_time_ns() > 3 * report.wall_ns, "the calls do overlap: {report}");
}

#[monitor("bottlenecks::naps_then_panics")]
async fn naps_then_panics() {
    tokio::time::sleep(ms(10)).await;
    panic!("after its nap");
}

#[test]
fn a_future_that_panics_after_waiting_stops_counting_as_waiting() {
    // It waits 10 ms in its own code, then panics in the poll that resumes
    // it. In the next session a 40 ms call runs alone: had the panicked
    // future stayed counted as pending, the call would hold only half of
    // its time.
    let m = Monitor::new();
    m.start_session("panics");
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        runtime().block_on(m.bind(naps_then_panics()))
    }));
    assert!(outcome.is_err());
    m.start_session("after");
    m.scope(|| crunch(ms(40)));
    let report = m.end_session().unwrap();
    let crunch = wall(&report, "bottlenecks::crunch");
    assert!(crunch.held_ns > 36_000_000, "it shared its time with a phantom: {crunch:?}");
}
