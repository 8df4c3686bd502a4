//! A small instrumented program for runs under valgrind (and heaptrack and
//! the like): sync, failing and async calls, nested, at the level given,
//! then whether the thread CPU clock was read and calls traced, and one
//! line per operation with its calls and failures. CI runs it under memcheck at
//! every level and checks the counts.
//!
//! ```text
//! cargo build --example valgrind_levels
//! valgrind --error-exitcode=1 target/debug/examples/valgrind_levels detailed
//! ```

use profiler_runtime::{monitor, CountingAllocator, Level, Monitor};
use std::future::Future;
use std::pin::pin;
use std::process::ExitCode;
use std::task::{Context, Poll, Waker};

// The detailed level's per-call allocation counts go through it.
#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator::system();

/// Calls of each operation the run makes.
const CALLS: u64 = 200;

#[monitor]
fn leaf(n: u64) -> u64 {
    (0..n).fold(0, |a, b| std::hint::black_box(a ^ b))
}

#[monitor]
fn parent(n: u64) -> Vec<u64> {
    (0..4).map(|i| leaf(n + i)).collect()
}

#[monitor]
fn check(n: u64) -> Result<u64, String> {
    if n % 2 == 0 {
        Ok(n)
    } else {
        Err(format!("{n} is odd"))
    }
}

#[monitor]
async fn fetch(n: u64) -> u64 {
    Yield(n % 2 == 1).await;
    leaf(n)
}

/// Pending once when asked to, then ready: a future that needs two polls.
struct Yield(bool);

impl Future for Yield {
    type Output = ();
    fn poll(mut self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if std::mem::take(&mut self.0) {
            cx.waker().wake_by_ref();
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    }
}

/// Polls `future` on this thread until it is ready.
fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
    }
}

fn main() -> ExitCode {
    let level = match std::env::args().nth(1).as_deref() {
        Some("basic") | None => Level::Basic,
        Some("detailed") => Level::Detailed,
        Some("full") => Level::Full,
        Some(other) => {
            eprintln!("valgrind_levels: unknown level {other:?}: give basic, detailed or full");
            return ExitCode::from(2);
        }
    };
    let m = Monitor::new();
    m.set_level(level);
    let report = m.scope(|| {
        m.start_session("valgrind");
        let mut sum = 0u64;
        for n in 0..CALLS {
            sum = sum.wrapping_add(parent(n).iter().sum::<u64>());
            sum = sum.wrapping_add(check(n).unwrap_or(0));
            sum = sum.wrapping_add(block_on(fetch(n)));
        }
        std::hint::black_box(sum);
        m.end_session()
    });
    let Some(report) = report else {
        eprintln!("valgrind_levels: no report");
        return ExitCode::FAILURE;
    };
    // What CI checks: the counts, and at the higher levels that the thread
    // CPU clock was read (`cpu_readings`) and calls were traced (`traced`).
    println!("level {}", level.as_str());
    let readings: u64 =
        report.operations.iter().filter_map(|op| op.cpu.as_ref()).map(|c| c.readings).sum();
    println!("cpu_readings {}", if readings > 0 { "some" } else { "none" });
    let traced = report.trace.as_ref().map_or(0, |t| t.events.len());
    println!("traced {}", if traced > 0 { "some" } else { "none" });
    for op in &report.operations {
        println!("{} calls={} failures={}", op.name, op.calls, op.failures);
    }
    ExitCode::SUCCESS
}
