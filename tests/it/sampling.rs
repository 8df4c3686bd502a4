//! `#[monitor(sample = N)]`: every call counted exactly (calls, failures,
//! error texts, panics, cancellations), one in N timed, and the report's
//! totals marked as estimates.

use profiler_runtime::{monitor, Monitor, OperationStats, SessionReport};
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

#[monitor(name = "sampling::parse", sample = 16)]
fn parse(i: u64) -> Result<u64, String> {
    if i % 7 == 0 {
        return Err(format!("row {i} is malformed"));
    }
    Ok(i * 2)
}

#[monitor(name = "sampling::explode", sample = 8)]
fn explode(i: u64) -> u64 {
    if i % 5 == 0 {
        panic!("boom {i}");
    }
    i
}

#[monitor(name = "sampling::fetch", sample = 4)]
async fn fetch(i: u64, yields: bool) -> Result<u64, &'static str> {
    if yields {
        Pending1(false).await;
    }
    if i % 3 == 0 {
        Err("upstream refused")
    } else {
        Ok(i)
    }
}

/// Pending once, then ready: a future that can be dropped half-way.
struct Pending1(bool);

impl Future for Pending1 {
    type Output = ();
    fn poll(mut self: std::pin::Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            self.0 = true;
            Poll::Pending
        }
    }
}

fn poll_once<F: Future>(f: std::pin::Pin<&mut F>) -> Poll<F::Output> {
    f.poll(&mut Context::from_waker(Waker::noop()))
}

fn row<'a>(report: &'a SessionReport, name: &str) -> &'a OperationStats {
    report.operation(name).unwrap_or_else(|| panic!("no row {name}"))
}

#[test]
fn a_sampled_function_counts_every_call_and_failure_exactly() {
    let m = Monitor::new();
    m.start_session("sampling-exact");
    let failures = m.scope(|| (0..20_000).filter(|&i| parse(i).is_err()).count() as u64);
    let report = m.end_session().unwrap();
    let op = row(&report, "sampling::parse");
    assert_eq!((op.calls, op.failures), (20_000, failures));
    assert_eq!(failures, 2_858);
    assert!(op.estimated);
    // One in 16 on average: 1,250 expected, the bounds are over 8 standard deviations out.
    assert!((950..1_550).contains(&op.timed_calls), "{} timed", op.timed_calls);
    assert_eq!(op.histogram.count(), op.timed_calls);
    // The last error is the last failing call's, timed or not.
    assert_eq!(op.last_error.as_deref(), Some("row 19999 is malformed"));
    assert!(op.min_ns <= op.p50_ns && op.p50_ns <= op.max_ns);
    assert!(op.total_ns > 0 && op.mean_ns > 0);
}

#[test]
fn panics_in_a_sampled_function_are_failures_whether_timed_or_not() {
    let m = Monitor::new();
    m.start_session("sampling-panics");
    let panics = m.scope(|| {
        (0..400u64).filter(|&i| std::panic::catch_unwind(|| explode(i)).is_err()).count() as u64
    });
    let report = m.end_session().unwrap();
    let op = row(&report, "sampling::explode");
    assert_eq!((op.calls, op.failures, panics), (400, 80, 80));
    assert_eq!(op.last_error.as_deref(), Some("panicked"));
    // About 50 timed; all 400 would be a 50-standard-deviation event.
    assert!(op.timed_calls < 200);
}

#[test]
fn sampled_futures_count_calls_failures_and_cancellations_exactly() {
    let m = Monitor::new();
    m.start_session("sampling-async");
    let mut errors = 0;
    for i in 0..3_000u64 {
        let mut call = pin!(m.bind(fetch(i, i % 2 == 0)));
        match poll_once(call.as_mut()) {
            Poll::Ready(result) => errors += u64::from(result.is_err()),
            // Every other yielding call is dropped half-way: cancelled.
            Poll::Pending if i % 4 == 0 => continue,
            Poll::Pending => match poll_once(call.as_mut()) {
                Poll::Ready(result) => errors += u64::from(result.is_err()),
                Poll::Pending => unreachable!("ready on the second poll"),
            },
        }
    }
    let report = m.end_session().unwrap();
    let op = row(&report, "sampling::fetch");
    // 750 of the 3,000 calls are dropped after their first poll.
    assert_eq!((op.calls, op.cancelled, op.failures), (2_250, 750, errors));
    assert_eq!(errors, 750);
    assert_eq!(op.last_error.as_deref(), Some("upstream refused"));
    assert!(op.estimated && (300..900).contains(&op.timed_calls), "{}", op.timed_calls);
}

#[monitor(name = "sampling::spin", sample = 4)]
fn spin_for(at_least: Duration) {
    let start = Instant::now();
    while start.elapsed() < at_least {
        std::hint::spin_loop();
    }
}

#[test]
fn the_estimate_of_a_fixed_duration_function_is_its_duration_times_its_calls() {
    const CALLS: u32 = 400;
    const EACH: Duration = Duration::from_micros(50);
    // (estimate, what the loop took) of each attempt.
    let mut attempts = Vec::new();
    for _ in 0..3 {
        let m = Monitor::new();
        m.start_session("sampling-fixed");
        let outside = Instant::now();
        m.scope(|| (0..CALLS).for_each(|_| spin_for(EACH)));
        let outside = outside.elapsed();
        let report = m.end_session().unwrap();
        let op = row(&report, "sampling::spin");
        assert_eq!(op.calls, u64::from(CALLS));
        // Every call takes at least EACH, so the estimate (calls x the timed
        // calls' mean) cannot be below CALLS x EACH...
        assert!(op.total_ns >= u64::from(CALLS) * EACH.as_nanos() as u64);
        assert!(
            op.p50_ns as f64
                >= EACH.as_nanos() as f64 * (1.0 - profiler_runtime::MAX_RELATIVE_ERROR)
        );
        // ...and is near what the whole loop took. A loose bound, and one
        // met by any of three attempts: a call preempted while it is timed
        // counts four times, so on a loaded machine one attempt can miss it
        // by chance, where an estimator that is off misses it every time.
        if (op.total_ns as u128) < outside.as_nanos() * 2 {
            return;
        }
        attempts.push((op.total_ns, outside));
    }
    panic!("every attempt's estimate was over twice the loop's time: {attempts:?}");
}

#[test]
fn the_report_marks_estimates_in_text_and_json() {
    let m = Monitor::new();
    m.start_session("sampling-render");
    m.scope(|| (0..5_000).for_each(|i| drop(parse(i))));
    let report = m.end_session().unwrap();
    let op = row(&report, "sampling::parse");
    let text = report.to_text();
    let table_row = text.lines().find(|l| l.trim_start().starts_with("sampling::parse ")).unwrap();
    assert_eq!(table_row.matches('~').count(), 3, "total, self and mean marked: {table_row}");
    // About 312 timed calls: no thousands separator to format.
    assert!(op.timed_calls < 1_000);
    let note = format!(
        "sampling::parse: sampled, {} of 5,000 calls timed; ~ marks estimates",
        op.timed_calls
    );
    assert!(text.contains(&note), "{text}");
    let json: serde_json::Value = serde_json::from_str(&report.to_json().unwrap()).unwrap();
    let row = json["operations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "sampling::parse")
        .unwrap();
    assert_eq!(row["estimated"], true);
    assert_eq!(row["timed_calls"], op.timed_calls);
    assert_eq!(row["calls"], 5_000);
}

#[monitor(name = "sampling::hot", sample = 8, slow = "1ns")]
fn hot(i: u64) -> u64 {
    std::hint::black_box(i).wrapping_mul(3)
}

#[test]
fn findings_about_a_sampled_operation_say_they_are_estimates() {
    let m = Monitor::new();
    m.start_session("sampling-findings");
    m.scope(|| {
        for i in 0..20_000 {
            hot(i);
        }
    });
    let report = m.end_session().unwrap();
    let op = row(&report, "sampling::hot");
    // Every timed call is at least 1 ns, so every call is estimated slow.
    assert_eq!(op.slow_calls, op.calls);
    let slow = report.findings.iter().find(|f| f.kind == "slow_calls").unwrap();
    let expected = format!("estimated from {} timed calls", op.timed_calls);
    assert!(slow.message.contains("about 20,000 of 20,000 calls"), "{}", slow.message);
    assert!(slow.message.ends_with(&expected), "{}", slow.message);
}

#[monitor(name = "sampling::every", sample = 1)]
fn every(i: u64) -> u64 {
    i + 1
}

#[test]
fn sample_one_times_every_call() {
    let m = Monitor::new();
    m.start_session("sampling-one");
    m.scope(|| {
        (0..500).for_each(|i| {
            every(i);
        })
    });
    let report = m.end_session().unwrap();
    let op = row(&report, "sampling::every");
    assert_eq!((op.calls, op.timed_calls, op.estimated), (500, 500, false));
    assert!(!report.to_text().contains("sampled,"));
}

#[monitor("sampling::plain")]
fn plain(i: u64) -> u64 {
    i + 1
}

/// Makes sampled and plain calls into its monitor when dropped.
struct CallsOnExit(Monitor);

impl Drop for CallsOnExit {
    fn drop(&mut self) {
        // Runs during thread exit, before or after the thread's shards are
        // handed back (the order of thread-local destructors is not fixed).
        self.0.scope(|| {
            for i in 0..100 {
                let _ = parse(i);
                plain(i);
            }
        });
    }
}

thread_local! {
    static ON_EXIT: std::cell::RefCell<Option<CallsOnExit>> = const { std::cell::RefCell::new(None) };
}

#[test]
fn calls_from_a_thread_local_destructor_do_not_panic_and_count_at_most_once() {
    let m = Monitor::new();
    m.start_session("sampling-teardown");
    let theirs = m.clone();
    std::thread::spawn(move || {
        theirs.scope(|| {
            for i in 0..1_000 {
                let _ = parse(i);
                plain(i);
            }
        });
        ON_EXIT.with(|slot| *slot.borrow_mut() = Some(CallsOnExit(theirs)));
    })
    .join()
    .expect("a call during thread teardown must not panic");
    let report = m.end_session().unwrap();
    // The destructor's calls are counted if the shard was still the
    // thread's, and dropped if it had been handed back: never half-way.
    for name in ["sampling::parse", "sampling::plain"] {
        let calls = row(&report, name).calls;
        assert!(calls == 1_000 || calls == 1_100, "{name}: {calls}");
    }
    assert_eq!(row(&report, "sampling::parse").calls, row(&report, "sampling::plain").calls);
}

#[monitor(name = "sampling::routed", sample = 32)]
fn routed(i: u64) -> u64 {
    std::hint::black_box(i)
}

/// A thread that calls one sampled function under one monitor, then
/// another, then with the first switched off: each call counts where it
/// was routed and only there, though the thread keeps the slot of its last
/// sampled callsite for the next call.
#[test]
fn untimed_calls_count_on_the_monitor_they_are_routed_to_and_stop_when_it_is_off() {
    let (a, b) = (Monitor::new(), Monitor::new());
    a.start_session("sampling-route-a");
    b.start_session("sampling-route-b");
    for round in 0..4u64 {
        a.scope(|| {
            (0..1_000 + round).for_each(|i| {
                std::hint::black_box(routed(i));
            })
        });
        b.scope(|| {
            (0..500).for_each(|i| {
                std::hint::black_box(routed(i));
            })
        });
    }
    a.disable();
    a.scope(|| {
        (0..700).for_each(|i| {
            std::hint::black_box(routed(i));
        })
    });
    a.enable();
    a.scope(|| {
        (0..10).for_each(|i| {
            std::hint::black_box(routed(i));
        })
    });
    let (ra, rb) = (a.end_session().unwrap(), b.end_session().unwrap());
    assert_eq!(row(&ra, "sampling::routed").calls, 4_006 + 10, "a: its rounds, none while off");
    assert_eq!(row(&rb, "sampling::routed").calls, 2_000);
}
