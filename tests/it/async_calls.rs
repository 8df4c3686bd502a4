//! Futures: `async fn`, `-> impl Future`, `Pin<Box<dyn Future>>` and
//! `async-trait` methods, timed from first poll to completion on a real tokio
//! runtime; cancellation, failures, panics and `Send`.

use profiler_runtime::{monitor, Monitor, OperationKind, OperationStats, SessionReport};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

/// Returns `Pending` once (waking itself), then `Ready`: a step a task may
/// be moved across.
struct YieldOnce(bool);

impl Future for YieldOnce {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            return Poll::Ready(());
        }
        self.0 = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

struct NoopWake;

impl Wake for NoopWake {
    fn wake(self: Arc<Self>) {}
}

/// Polls `future` once on the current thread.
fn poll_once<F: Future + ?Sized>(future: Pin<&mut F>) -> Poll<F::Output> {
    let waker = Waker::from(Arc::new(NoopWake));
    future.poll(&mut Context::from_waker(&waker))
}

#[monitor("async_calls::hop")]
async fn hop(steps: u32) -> u32 {
    for _ in 0..steps {
        tokio::task::yield_now().await;
    }
    steps
}

#[monitor("async_calls::two_steps")]
async fn two_steps() -> u32 {
    YieldOnce(false).await;
    5
}

#[monitor("async_calls::nap")]
async fn nap(ms: u64) -> u64 {
    tokio::time::sleep(Duration::from_millis(ms)).await;
    ms
}

#[monitor("async_calls::fetch_user")]
async fn fetch_user(id: u64) -> Result<String, String> {
    tokio::task::yield_now().await;
    if id % 4 == 0 {
        Err(format!("user {id}: upstream returned 503"))
    } else {
        Ok(format!("user-{id}"))
    }
}

#[monitor("async_calls::explode")]
async fn explode() -> u32 {
    tokio::task::yield_now().await;
    panic!("async boom");
}

#[monitor("async_calls::explode_after_a_step")]
async fn explode_after_a_step() -> u32 {
    YieldOnce(false).await;
    panic!("boom after a step");
}

#[monitor("async_calls::deferred")]
fn deferred(ms: u64) -> impl Future<Output = u64> {
    async move {
        tokio::time::sleep(Duration::from_millis(ms)).await;
        ms
    }
}

#[monitor("async_calls::deferred_explode")]
fn deferred_explode() -> impl Future<Output = u32> {
    async {
        YieldOnce(false).await;
        panic!("deferred boom");
    }
}

#[monitor("async_calls::deferred_fail")]
fn deferred_fail(reason: &'static str) -> impl Future<Output = Result<(), String>> {
    async move {
        tokio::task::yield_now().await;
        Err(reason.to_owned())
    }
}

#[monitor("async_calls::boxed")]
fn boxed(ms: u64) -> Pin<Box<dyn Future<Output = u64> + Send>> {
    Box::pin(async move {
        tokio::time::sleep(Duration::from_millis(ms)).await;
        ms
    })
}

#[async_trait::async_trait]
trait Store {
    async fn get(&self, key: u64) -> Result<u64, String>;
}

struct SlowStore;

#[async_trait::async_trait]
impl Store for SlowStore {
    #[monitor("async_calls::store_get")]
    async fn get(&self, key: u64) -> Result<u64, String> {
        tokio::time::sleep(Duration::from_millis(10)).await;
        if key == 0 {
            Err("key 0 is reserved".to_owned())
        } else {
            Ok(key * 10)
        }
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(4).enable_time().build().unwrap()
}

fn op<'r>(report: &'r SessionReport, name: &str) -> &'r OperationStats {
    report.operation(name).unwrap_or_else(|| panic!("no row {name} in {:?}", report.operations))
}

/// Runs `f(monitor)` to completion on a multi-thread runtime inside a session.
fn session<F: Future>(f: impl FnOnce(Monitor) -> F) -> SessionReport {
    let m = Monitor::new();
    m.start_session("async");
    runtime().block_on(m.bind(f(m.clone())));
    m.end_session().unwrap()
}

#[test]
fn many_tasks_on_a_multi_thread_runtime_are_counted_exactly() {
    let report = session(|m| async move {
        let tasks: Vec<_> = (0..400).map(|i| tokio::spawn(m.bind(hop(i % 7)))).collect();
        for (i, task) in tasks.into_iter().enumerate() {
            assert_eq!(task.await.unwrap(), i as u32 % 7);
        }
    });
    let row = op(&report, "async_calls::hop");
    assert_eq!((row.calls, row.failures, row.cancelled), (400, 0, 0));
    assert_eq!(row.kind, OperationKind::Async);
}

#[test]
fn a_future_moved_to_another_thread_between_polls_is_counted_once() {
    let m = Monitor::new();
    m.start_session("migrate");
    let future = Box::pin(m.bind(two_steps()));
    let mut future = std::thread::spawn(move || {
        let mut future = future;
        assert!(poll_once(future.as_mut()).is_pending(), "the first poll stops at the yield");
        future
    })
    .join()
    .unwrap();
    let second = std::thread::spawn(move || poll_once(future.as_mut())).join().unwrap();
    assert_eq!(second, Poll::Ready(5));
    let row = op(&m.end_session().unwrap(), "async_calls::two_steps").clone();
    assert_eq!((row.calls, row.failures, row.cancelled), (1, 0, 0));
}

#[test]
fn an_async_call_records_its_wall_time_from_first_poll_to_completion() {
    let report = session(|m| async move {
        for ms in [20, 25] {
            tokio::spawn(m.bind(nap(ms))).await.unwrap();
        }
    });
    let row = op(&report, "async_calls::nap");
    assert_eq!(row.calls, 2);
    assert!(row.min_ns >= 20_000_000, "min {} ns", row.min_ns);
    assert!(row.total_ns >= 45_000_000, "total {} ns", row.total_ns);
}

#[test]
fn a_future_dropped_before_completing_is_cancelled_not_a_call() {
    let report = session(|_| async {
        let timed_out = tokio::time::timeout(Duration::from_millis(5), nap(10_000)).await;
        assert!(timed_out.is_err());
    });
    let row = op(&report, "async_calls::nap");
    assert_eq!((row.calls, row.failures, row.cancelled), (0, 0, 1));
    assert!(report.findings.iter().any(|f| f.kind == "cancelled"));
}

#[test]
fn a_future_dropped_after_one_poll_is_cancelled_and_one_never_polled_is_nothing() {
    let m = Monitor::new();
    m.start_session("drop");
    let mut polled = Box::pin(m.bind(two_steps()));
    assert!(poll_once(polled.as_mut()).is_pending());
    drop(polled);
    drop(m.bind(two_steps()));
    let report = m.end_session().unwrap();
    let row = op(&report, "async_calls::two_steps");
    assert_eq!((row.calls, row.cancelled), (0, 1));
}

#[test]
fn an_async_err_is_a_failure_with_its_text() {
    let report = session(|m| async move {
        for id in 1..=8 {
            let _ = tokio::spawn(m.bind(fetch_user(id))).await.unwrap();
        }
    });
    let row = op(&report, "async_calls::fetch_user");
    assert_eq!((row.calls, row.failures), (8, 2));
    assert_eq!(row.last_error.as_deref(), Some("user 8: upstream returned 503"));
}

#[test]
fn an_async_panic_is_a_failure_and_the_join_error_carries_the_payload() {
    let report = session(|m| async move {
        let error = tokio::spawn(m.bind(explode())).await.unwrap_err();
        assert!(error.is_panic());
        let payload = error.into_panic();
        assert_eq!(payload.downcast_ref::<&str>(), Some(&"async boom"));
        assert_eq!(tokio::spawn(m.bind(hop(1))).await.unwrap(), 1, "monitoring goes on");
    });
    let row = op(&report, "async_calls::explode");
    assert_eq!((row.calls, row.failures, row.cancelled), (1, 1, 0));
    assert_eq!(op(&report, "async_calls::hop").calls, 1);
}

/// Polls `future` to a panic: once to its first step, then under
/// `catch_unwind`, as `futures::FutureExt::catch_unwind` and tower-http's
/// `CatchPanic` do; the future is dropped only after unwinding ended.
fn panic_in_a_caught_poll<F: Future<Output = u32>>(m: &Monitor, future: F, payload: &str) {
    let mut future = Box::pin(m.bind(future));
    assert!(poll_once(future.as_mut()).is_pending());
    let caught =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| poll_once(future.as_mut())));
    assert_eq!(caught.unwrap_err().downcast_ref::<&str>(), Some(&payload));
    drop(future);
}

#[test]
fn an_async_fn_whose_poll_panic_is_caught_around_the_poll_is_a_failure() {
    let m = Monitor::new();
    m.start_session("caught");
    panic_in_a_caught_poll(&m, explode_after_a_step(), "boom after a step");
    let report = m.end_session().unwrap();
    let row = op(&report, "async_calls::explode_after_a_step");
    assert_eq!((row.calls, row.failures, row.cancelled), (1, 1, 0));
}

#[test]
fn a_returned_future_whose_poll_panic_is_caught_around_the_poll_is_a_failure() {
    let m = Monitor::new();
    m.start_session("caught");
    panic_in_a_caught_poll(&m, deferred_explode(), "deferred boom");
    let report = m.end_session().unwrap();
    let row = op(&report, "async_calls::deferred_explode");
    assert_eq!((row.calls, row.failures, row.cancelled), (1, 1, 0));
}

#[test]
fn instrumented_futures_stay_send() {
    fn assert_send<T: Send>(_: &T) {}
    let m = Monitor::new();
    assert_send(&fetch_user(1));
    assert_send(&m.bind(fetch_user(1)));
    assert_send(&deferred(1));
    assert_send(&boxed(1));
    assert_send(&SlowStore.get(1));
}

#[test]
fn a_function_returning_impl_future_records_until_the_future_completes() {
    let report = session(|m| async move {
        assert_eq!(tokio::spawn(m.bind(deferred(20))).await.unwrap(), 20);
    });
    let row = op(&report, "async_calls::deferred");
    assert_eq!((row.calls, row.kind), (1, OperationKind::Async));
    assert!(row.total_ns >= 20_000_000, "{} ns: only the construction was timed", row.total_ns);
}

#[test]
fn a_returned_future_is_timed_from_its_first_poll_not_its_construction() {
    let m = Monitor::new();
    m.start_session("lazy");
    let future = m.scope(|| deferred(0));
    std::thread::sleep(Duration::from_millis(30)); // built, not yet polled
    let rt = runtime();
    let polled = Instant::now();
    rt.block_on(m.bind(future));
    let bracket = polled.elapsed().as_nanos() as u64;
    let row = op(&m.end_session().unwrap(), "async_calls::deferred").clone();
    assert_eq!(row.calls, 1);
    // Slack for the two clocks' calibration; the 30 ms wait is far outside it.
    assert!(row.total_ns <= bracket + bracket / 100 + 1_000, "{} > {bracket}", row.total_ns);
}

#[test]
fn a_returned_future_that_yields_err_is_a_failure_with_its_text() {
    let report = session(|m| async move {
        let outcome = m.bind(deferred_fail("quota exceeded")).await;
        assert_eq!(outcome, Err("quota exceeded".to_owned()));
    });
    let row = op(&report, "async_calls::deferred_fail");
    assert_eq!((row.calls, row.failures), (1, 1));
    assert_eq!(row.last_error.as_deref(), Some("quota exceeded"));
}

#[test]
fn a_function_returning_a_boxed_future_records_until_it_completes() {
    let report = session(|m| async move {
        assert_eq!(tokio::spawn(m.bind(boxed(15))).await.unwrap(), 15);
    });
    let row = op(&report, "async_calls::boxed");
    assert_eq!((row.calls, row.kind), (1, OperationKind::Async));
    assert!(row.total_ns >= 15_000_000, "{} ns", row.total_ns);
}

#[test]
fn an_async_trait_method_is_timed_with_its_failures() {
    let report = session(|_| async {
        assert_eq!(SlowStore.get(3).await, Ok(30));
        assert!(SlowStore.get(0).await.is_err());
    });
    let row = op(&report, "async_calls::store_get");
    assert_eq!((row.calls, row.failures), (2, 1));
    assert_eq!(row.last_error.as_deref(), Some("key 0 is reserved"));
    assert!(row.min_ns >= 10_000_000, "min {} ns", row.min_ns);
}
