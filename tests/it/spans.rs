//! The `tracing` bridge: real `#[tracing::instrument]` spans under a
//! `Registry` with `MonitorLayer`, sync and async, nested, beside
//! `#[monitor]` functions, and closed on another thread.

use profiler_runtime::tracing::MonitorLayer;
use profiler_runtime::{monitor, Monitor, OperationKind, SessionReport};
use std::time::Duration;
use tracing::instrument::WithSubscriber;
use tracing::Dispatch;
use tracing_subscriber::layer::SubscriberExt;

fn dispatch(m: &Monitor) -> Dispatch {
    Dispatch::new(tracing_subscriber::registry().with(MonitorLayer::with_monitor(m)))
}

/// A monitor with session `name` running, and a dispatcher recording into it.
fn session(name: &str) -> (Monitor, Dispatch) {
    let m = Monitor::new();
    m.start_session(name);
    let d = dispatch(&m);
    (m, d)
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
    let (m, d) = session("spans::async");
    let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
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
    let (m, d) = session("spans::moved");
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

/// Every span's timing is held by one thread at a time and taken over by
/// the thread that enters or closes it next: these tests move spans
/// between threads in each way that can happen.
fn polls(r: &SessionReport, name: &str) -> (u64, u64) {
    let op = r.operation(name).unwrap_or_else(|| panic!("no row {name}"));
    (op.calls, op.polling.as_ref().unwrap().polls)
}

#[test]
fn a_span_created_on_one_thread_and_first_entered_on_another_is_one_call() {
    let (m, d) = session("spans::handed");
    let span = tracing::dispatcher::with_default(&d, || tracing::info_span!("spans_handed"));
    let (d2, there) = (d.clone(), span.clone());
    std::thread::spawn(move || {
        tracing::dispatcher::with_default(&d2, || {
            there.in_scope(|| std::thread::sleep(Duration::from_millis(1)));
            there.in_scope(spans_counted);
        })
    })
    .join()
    .unwrap();
    // Back on the thread that created it and never entered it: this enter
    // goes on the same call, and so does the close.
    tracing::dispatcher::with_default(&d, || span.in_scope(spans_counted));
    drop(span);
    let r = m.end_session().unwrap();
    assert_eq!(polls(&r, "spans_handed"), (1, 3));
    let op = r.operation("spans_handed").unwrap();
    assert_eq!(op.component.as_deref(), Some("it::spans"), "named from its metadata");
}

#[test]
fn a_span_entered_on_two_threads_at_once_keeps_the_first_enter() {
    let (m, d) = session("spans::overlap");
    tracing::dispatcher::with_default(&d, || {
        let span = tracing::info_span!("spans_overlap");
        let entered = span.enter();
        let (other, d2) = (span.clone(), d.clone());
        std::thread::spawn(move || {
            tracing::dispatcher::with_default(&d2, || {
                // Entered here while the main thread is inside it: this
                // enter is left out, and its exit must not end that one.
                let _also = other.enter();
                spans_counted();
            })
        })
        .join()
        .unwrap();
        std::thread::sleep(Duration::from_millis(5));
        drop(entered);
    });
    let r = m.end_session().unwrap();
    assert_eq!(polls(&r, "spans_overlap"), (1, 1));
    let busy = r.operation("spans_overlap").unwrap().polling.as_ref().unwrap().busy_ns;
    // The main thread's enter ran until after the 5 ms sleep that followed the other's exit.
    assert!(busy >= 5_000_000, "{busy}");
}

#[test]
fn a_span_shared_by_threads_in_turn_is_one_call_with_every_enter() {
    let (m, d) = session("spans::turns");
    let span = tracing::dispatcher::with_default(&d, || tracing::info_span!("spans_turns"));
    let turn = std::sync::Arc::new(std::sync::Mutex::new(()));
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let (span, d, turn) = (span.clone(), d.clone(), turn.clone());
            std::thread::spawn(move || {
                tracing::dispatcher::with_default(&d, || {
                    for _ in 0..25 {
                        // One thread inside at a time, so no enter overlaps another.
                        let _turn = turn.lock().unwrap();
                        span.in_scope(|| std::hint::black_box(7));
                    }
                })
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    drop(span);
    let r = m.end_session().unwrap();
    assert_eq!(polls(&r, "spans_turns"), (1, 100));
}

#[test]
fn a_span_created_in_a_scope_records_there_wherever_it_is_entered() {
    let m = Monitor::new();
    m.start_session("spans::scoped_moved");
    let d = Dispatch::new(tracing_subscriber::registry().with(MonitorLayer::new()));
    let span = tracing::dispatcher::with_default(&d, || {
        m.scope(|| tracing::info_span!("spans_scoped_moved"))
    });
    let d2 = d.clone();
    std::thread::spawn(move || {
        tracing::dispatcher::with_default(&d2, || span.in_scope(spans_counted));
    })
    .join()
    .unwrap();
    let r = m.end_session().unwrap();
    assert_eq!(polls(&r, "spans_scoped_moved"), (1, 1));
}

#[test]
fn a_span_never_entered_records_nothing_wherever_it_closes() {
    let (m, d) = session("spans::idle");
    let moved = tracing::dispatcher::with_default(&d, || {
        drop(tracing::info_span!("spans_idle_here"));
        tracing::info_span!("spans_idle_moved")
    });
    std::thread::spawn(move || drop(moved)).join().unwrap();
    let r = m.end_session().unwrap();
    assert!(r.operation("spans_idle_here").is_none_or(|op| op.calls == 0));
    assert!(r.operation("spans_idle_moved").is_none_or(|op| op.calls == 0));
}

#[test]
fn spans_entered_in_another_order_than_created_keep_their_names() {
    let r = traced("spans::order", || {
        let first = tracing::info_span!("spans_first");
        let second = tracing::info_span!("spans_second");
        second.in_scope(|| first.in_scope(spans_counted));
        first.in_scope(spans_counted);
    });
    assert_eq!(polls(&r, "spans_first"), (1, 2));
    assert_eq!(polls(&r, "spans_second"), (1, 1));
}

#[tracing::instrument]
async fn spans_yielding(n: u64) -> u64 {
    for _ in 0..3 {
        tokio::task::yield_now().await;
    }
    n
}

#[test]
fn async_spans_polled_by_a_multi_thread_runtime_are_each_one_call() {
    let (m, d) = session("spans::workers");
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap();
    let d2 = d.clone();
    let total = tracing::dispatcher::with_default(&d, || {
        rt.block_on(async move {
            let tasks: Vec<_> = (0..200)
                .map(|n| {
                    // Each worker polls under the same dispatcher.
                    let d = d2.clone();
                    tokio::spawn(spans_yielding(n).with_subscriber(d))
                })
                .collect();
            let mut total = 0;
            for t in tasks {
                total += t.await.unwrap();
            }
            total
        })
    });
    drop(rt);
    assert_eq!(total, (0..200).sum::<u64>());
    let r = m.end_session().unwrap();
    // Four polls and the drop's enter each, on whichever worker ran them.
    assert_eq!(polls(&r, "spans_yielding"), (200, 1000));
}

#[test]
fn spans_created_in_a_batch_before_any_is_entered_are_each_one_call() {
    // More than a thread keeps marked fresh: the oldest are found by a search.
    let r = traced("spans::batch", || {
        let batch: Vec<_> = (0..20).map(|_| tracing::info_span!("spans_batch")).collect();
        for span in &batch {
            span.in_scope(spans_counted);
        }
        for span in batch.iter().rev() {
            span.in_scope(|| std::hint::black_box(1));
        }
    });
    assert_eq!(polls(&r, "spans_batch"), (20, 40));
    assert_eq!(r.operation("spans::counted").unwrap().calls, 20);
}
