//! With the `enabled` feature off, `#[monitor]` must leave every function as
//! written: nothing recorded, nothing timed. Counters are not the macro's and
//! keep working. Exits non-zero, saying why, on any difference.

use profiler_runtime::monitor;
use std::future::Future;
use std::pin::pin;
use std::process::ExitCode;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

#[monitor]
fn add(a: u32, b: u32) -> u32 {
    a + b
}

#[monitor("compiled_out::parse", slow = "1ns")]
fn parse(text: &str) -> Result<u32, std::num::ParseIntError> {
    text.parse()
}

#[monitor]
async fn fetch(x: u32) -> u32 {
    x * 2
}

#[monitor]
fn later(x: u32) -> impl Future<Output = u32> {
    let doubled = x * 2;
    async move { doubled + 1 }
}

struct Nothing;

impl Wake for Nothing {
    fn wake(self: Arc<Self>) {}
}

/// Polls a future that never waits (all of these are ready at once).
fn ready<F: Future>(future: F) -> F::Output {
    let waker = Waker::from(Arc::new(Nothing));
    let mut future = pin!(future);
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut Context::from_waker(&waker)) {
            return out;
        }
    }
}

fn main() -> ExitCode {
    let m = profiler_runtime::global();
    m.start_session("compiled-out");
    let mut total = add(1, 2) + ready(fetch(3)) + ready(later(2));
    total += parse("4").unwrap_or(0);
    let failed = parse("x").is_err();
    m.add_count("compiled_out::items", 3);
    m.record_cache_hit();
    let report = m.end_session().expect("a session was running");

    let mut problems = Vec::new();
    if total != 18 || !failed {
        problems.push(format!("functions changed behaviour: total {total}, failed {failed}"));
    }
    if !report.operations.is_empty() {
        let names: Vec<_> = report.operations.iter().map(|op| op.name.as_str()).collect();
        problems.push(format!("operations were recorded: {names:?}"));
    }
    if report.counters.get("compiled_out::items") != Some(&3) || report.cache.hits != 1 {
        problems.push(format!(
            "counters stopped working: {:?}, cache hits {}",
            report.counters, report.cache.hits
        ));
    }
    if report.recording != profiler_runtime::Recording::CompiledOut {
        problems.push(format!("the report says recording {:?}", report.recording));
    }
    let first = report.to_text().lines().next().unwrap_or_default().to_owned();
    if !first.starts_with("Nothing timed: #[monitor] is compiled out") {
        problems.push(format!("the summary does not start by saying so: {first:?}"));
    }
    if problems.is_empty() {
        println!("compiled-out: ok");
        ExitCode::SUCCESS
    } else {
        for problem in &problems {
            eprintln!("compiled-out: {problem}");
        }
        ExitCode::FAILURE
    }
}
