//! The `tracing` bridge: real `#[tracing::instrument]` spans under a
//! `Registry` with `MonitorLayer`, sync and async, nested, beside
//! `#[monitor]` functions, and closed on another thread.

use profiler_runtime::tracing::MonitorLayer;
use profiler_runtime::{monitor, Monitor, OperationKind, SessionReport};
use std::time::Duration;
use tracing::Dispatch;
use tracing_subscriber::layer::SubscriberExt;

fn dispatch(m: &Monitor) -> Dispatch {
    Dispatch::new(tracing_subscriber::registry().with(MonitorLayer::with_monitor(m)))
}

fn traced(name: &str, f: impl FnOnce()) -> SessionReport {
    let m = Monitor::new();
    m.start_session(name);
    // Scoped too, so the `#[monitor]` functions record into `m` as well.
    tracing::dispatcher::with_default(&dispatch(&m), || m.scope(f));
    m.end_session().unwrap()
}

#[tracing::instrument]
fn spans_parse(n: u64) -> u64 {
    std::thread::sleep(Duration::from_millis(2));
    n * 2
}

#[tracing::instrument]
fn spans_load() -> u64 {
    spans_parse(1) + spans_parse(2) + spans_counted()
}

#[monitor("spans::counted")]
fn spans_counted() -> u64 {
    std::thread::sleep(Duration::from_millis(1));
    3
}

#[tracing::instrument]
async fn spans_fetch() -> u64 {
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(3)).await;
    }
    7
}

#[test]
fn an_instrumented_function_is_an_operation_named_after_its_span() {
    let r = traced("spans::sync", || {
        for n in 0..3 {
            spans_parse(n);
        }
    });
    let op = r.operation("spans_parse").expect("the span's name");
    assert_eq!(op.calls, 3);
    assert_eq!(op.kind, OperationKind::Span);
    assert_eq!(op.component.as_deref(), Some("it::spans"), "the span's target");
    assert!(op.total_ns >= 3 * 2_000_000, "{}", op.total_ns);
    let p = op.polling.as_ref().unwrap();
    assert_eq!((p.polls, p.polls_per_call), (3, 1.0), "one enter a call");
    assert!(p.busy_share > 0.9, "{p:?}");
}

#[test]
fn nested_spans_and_monitored_calls_are_children_of_the_span_they_run_in() {
    let r = traced("spans::nested", || {
        spans_load();
    });
    let load = r.operation("spans_load").unwrap();
    let parse = r.operation("spans_parse").unwrap();
    let counted = r.operation("spans::counted").unwrap();
    assert_eq!((load.calls, parse.calls, counted.calls), (1, 2, 1));
    let busy = |op: &profiler_runtime::OperationStats| op.polling.as_ref().unwrap().busy_ns;
    // Self time is the span's busy time less its children's: the inner
    // spans' busy time and the monitored call's whole time.
    assert_eq!(
        load.self_ns.unwrap(),
        busy(load) - busy(parse) - counted.total_ns,
        "{load:?} {parse:?} {counted:?}"
    );
    // No wall-clock bound (the suite runs in parallel): the children slept
    // 5 ms, so the span's self time is below its busy time by that much.
    assert!(load.self_ns.unwrap() + 5_000_000 <= busy(load), "{load:?}");
}

#[test]
fn an_async_span_is_busy_while_polled_and_waits_between_polls() {
    let m = Monitor::new();
    m.start_session("spans::async");
    let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
    let d = dispatch(&m);
    tracing::dispatcher::with_default(&d, || {
        rt.block_on(async {
            spans_fetch().await;
            spans_fetch().await;
        })
    });
    let r = m.end_session().unwrap();
    let op = r.operation("spans_fetch").unwrap();
    assert_eq!(op.calls, 2);
    let p = op.polling.as_ref().unwrap();
    // Four polls a call, and the drop: `tracing` drops the inner future
    // inside its span too.
    assert_eq!(p.polls, 10, "five enters a call");
    assert!(p.waiting_ns >= 2 * 3 * 3_000_000, "{p:?}");
    assert!(p.busy_share < 0.2, "{p:?}");
    assert_eq!(p.busy_ns + p.waiting_ns, op.total_ns);
}

#[test]
fn a_span_closed_on_another_thread_is_recorded_once() {
    let m = Monitor::new();
    m.start_session("spans::moved");
    let d = dispatch(&m);
    let span = tracing::dispatcher::with_default(&d, || {
        let span = tracing::info_span!("spans_moved");
        span.in_scope(|| std::thread::sleep(Duration::from_millis(1)));
        span
    });
    let d2 = d.clone();
    std::thread::spawn(move || {
        tracing::dispatcher::with_default(&d2, || {
            span.in_scope(|| std::thread::sleep(Duration::from_millis(1)));
            drop(span);
        })
    })
    .join()
    .unwrap();
    let r = m.end_session().unwrap();
    let op = r.operation("spans_moved").unwrap();
    assert_eq!(op.calls, 1);
    assert_eq!(op.polling.as_ref().unwrap().polls, 2, "entered on two threads");
}

#[test]
fn without_a_monitor_of_its_own_the_layer_follows_the_scope() {
    let m = Monitor::new();
    m.start_session("spans::scoped");
    let d = Dispatch::new(tracing_subscriber::registry().with(MonitorLayer::new()));
    tracing::dispatcher::with_default(&d, || {
        m.scope(|| spans_parse(5));
    });
    assert_eq!(m.end_session().unwrap().operation("spans_parse").unwrap().calls, 1);
}

#[test]
fn a_span_entered_again_inside_itself_is_one_enter_until_its_outer_exit() {
    let r = traced("spans::reentered", || {
        let span = tracing::info_span!("spans_reentered");
        let outer = span.enter();
        {
            let _inner = span.enter();
            spans_counted();
        }
        spans_counted();
        drop(outer);
    });
    let op = r.operation("spans_reentered").unwrap();
    let counted = r.operation("spans::counted").unwrap();
    assert_eq!(op.calls, 1);
    let p = op.polling.as_ref().unwrap();
    assert_eq!(p.polls, 1, "the inner enter is inside the outer one: {p:?}");
    // Both monitored calls ran inside the one enter: its busy time holds them.
    assert_eq!(op.self_ns.unwrap(), p.busy_ns - counted.total_ns, "{op:?} {counted:?}");
    assert!(p.busy_ns >= 2_000_000, "{p:?}");
}
