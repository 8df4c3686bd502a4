//! Which monitor a call records into: `scope` on threads, `bind` on futures,
//! nested and unwound.

use profiler_runtime::{monitor, Monitor, SessionReport};
use std::future::Future;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

#[monitor("routing::step")]
fn step() {}

#[monitor("routing::task")]
async fn task() {
    step();
}

fn steps(report: &SessionReport) -> u64 {
    report.operation("routing::step").map_or(0, |op| op.calls)
}

fn started(id: &str) -> Monitor {
    let m = Monitor::new();
    m.start_session(id);
    m
}

struct NoopWake;

impl Wake for NoopWake {
    fn wake(self: Arc<Self>) {}
}

#[test]
fn nested_scopes_record_into_the_innermost_and_restore_the_outer() {
    let (outer, inner) = (started("outer"), started("inner"));
    outer.scope(|| {
        step();
        inner.scope(|| {
            step();
            step();
        });
        step();
    });
    assert_eq!(steps(&outer.end_session().unwrap()), 2);
    assert_eq!(steps(&inner.end_session().unwrap()), 2);
}

#[test]
fn a_panic_inside_a_scope_restores_the_outer_route() {
    let (outer, inner) = (started("outer"), started("inner"));
    outer.scope(|| {
        let caught = std::panic::catch_unwind(|| {
            inner.scope(|| {
                step();
                panic!("inside the inner scope");
            })
        });
        assert!(caught.is_err());
        step();
    });
    assert_eq!(steps(&outer.end_session().unwrap()), 1);
    assert_eq!(steps(&inner.end_session().unwrap()), 1);
}

#[test]
fn a_bound_future_records_into_its_monitor_inside_another_scope() {
    let (scoped, bound) = (started("scoped"), started("bound"));
    let waker = Waker::from(Arc::new(NoopWake));
    scoped.scope(|| {
        let mut future = Box::pin(bound.bind(task()));
        let polled = future.as_mut().poll(&mut Context::from_waker(&waker));
        assert_eq!(polled, Poll::Ready(()));
        step(); // after the poll, the scope's route is back
    });
    let bound_report = bound.end_session().unwrap();
    assert_eq!(steps(&bound_report), 1);
    assert_eq!(bound_report.operation("routing::task").map(|op| op.calls), Some(1));
    let scoped_report = scoped.end_session().unwrap();
    assert_eq!(steps(&scoped_report), 1);
    assert!(scoped_report.operation("routing::task").is_none());
}
