//! Instructions a call adds, counted by callgrind through gungraun: exact
//! where timings on a shared machine swing by tens of percent.
//!
//! ```text
//! cargo install --version 0.20.0 gungraun-runner   # the same version as the library
//! cargo bench -p profiler-bench --bench instructions -- --output-format=json \
//!   | python3 bench/instructions/check.py bench/instructions/ceilings.txt
//! ```
//!
//! Each benchmark is a loop of [`CALLS`] calls (more for a sampled call, so
//! its few timed calls average out); the function it calls was called once
//! before, in the argument's expression, which gungraun leaves out of the
//! count, so registration is not counted. A row of `ceilings.txt` is one
//! instrumented loop less its bare twin, divided by the calls: what the
//! instrumentation adds to one call, the loop and the function's own work
//! cancelled.
//!
//! | loop                  | calls                                            | less             |
//! |-----------------------|--------------------------------------------------|------------------|
//! | `clock_pair`          | two reads of `record::clock` (through `private::clock`) and their difference | `bare_sync` |
//! | `sync`                | `#[monitor]` fn, basic level                     | `bare_sync`      |
//! | `async_call`          | `#[monitor]` async fn polled once to completion  | `bare_async`     |
//! | `sampled_64`          | `#[monitor(sample = 64)]` fn                     | `bare_sampled` (as many bare calls) |
//! | `off`                 | `#[monitor]` fn after `profiler_runtime::disable()` | `bare_sync`   |
//! | `detailed_sync`       | `#[monitor]` fn, detailed level                  | `bare_sync`      |
//! | `detailed_async`      | `#[monitor]` async fn, detailed level            | `bare_async`     |
//! | `tracing_span`        | `#[tracing::instrument]` fn under the registry with `MonitorLayer` | `tracing_noop` (the same under the registry with a do-nothing layer): the bridge's share |
//!
//! Every benchmark runs in its own process, so a switch or level set for one
//! never reaches another.

use gungraun::{library_benchmark, library_benchmark_group, main};
use profiler_runtime::{monitor, Level};
use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

/// Calls in one counted loop.
const CALLS: u64 = 10_000;

/// Calls in the sampled loop: about 1,000 timed ones at 1 in 64, so the
/// random draw moves the average by well under an instruction.
const SAMPLED_CALLS: u64 = 64_000;

#[inline(never)]
fn bare(x: u64) -> u64 {
    black_box(x).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

#[inline(never)]
async fn bare_async(x: u64) -> u64 {
    black_box(x).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

#[monitor("instructions::sync")]
#[inline(never)]
fn monitored(x: u64) -> u64 {
    black_box(x).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

#[monitor("instructions::async")]
async fn monitored_async(x: u64) -> u64 {
    black_box(x).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

#[monitor(name = "instructions::sampled", sample = 64)]
#[inline(never)]
fn monitored_sampled(x: u64) -> u64 {
    black_box(x).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

#[tracing::instrument(level = "info", skip_all)]
#[inline(never)]
fn traced(x: u64) -> u64 {
    black_box(x).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// The runtime's own clock (`record::clock`, with its default `tsc` feature).
use profiler_runtime::private::clock;

/// Polls `future` once with a no-op waker: every future here is ready at once.
fn poll_ready<F: Future>(future: F) -> F::Output {
    let mut cx = Context::from_waker(Waker::noop());
    match pin!(future).as_mut().poll(&mut cx) {
        Poll::Ready(v) => v,
        Poll::Pending => unreachable!("the counted futures are ready at once"),
    }
}

// ---- set-ups: run in the argument's expression, not counted ------------------

/// `calls`, after one call of each function the loops call: registration,
/// the clock's calibration and the thread's storage happen here.
fn warm(calls: u64) -> u64 {
    black_box(clock::nanos_between(clock::now(), clock::now()));
    black_box(bare(1));
    black_box(poll_ready(bare_async(1)));
    black_box(monitored(1));
    black_box(poll_ready(monitored_async(1)));
    black_box(monitored_sampled(1));
    calls
}

/// [`warm`] with recording switched off for the process.
fn warm_off(calls: u64) -> u64 {
    let calls = warm(calls);
    profiler_runtime::disable();
    calls
}

/// [`warm`] at the detailed level.
fn warm_detailed(calls: u64) -> u64 {
    profiler_runtime::global().set_level(Level::Detailed);
    warm(calls)
}

/// A registry with `layer` as this thread's default subscriber, after one
/// span under it.
fn spans_under<L>(layer: L) -> tracing::subscriber::DefaultGuard
where
    L: tracing_subscriber::Layer<tracing_subscriber::Registry> + Send + Sync + 'static,
{
    use tracing_subscriber::layer::SubscriberExt;
    let guard = tracing::subscriber::set_default(tracing_subscriber::registry().with(layer));
    black_box(traced(1));
    guard
}

/// Spans under a registry with a layer that does nothing: the registry
/// frees a closed span's data only when a layer is stacked on it (see the
/// `spans` bench), so this is what a span costs before any bridge.
fn noop_spans() -> tracing::subscriber::DefaultGuard {
    spans_under(tracing_subscriber::layer::Identity::new())
}

/// Spans under the registry with the bridge, recording into the global monitor.
fn monitored_spans() -> tracing::subscriber::DefaultGuard {
    spans_under(profiler_runtime::tracing::MonitorLayer::new())
}

// ---- the counted loops -------------------------------------------------------

#[library_benchmark]
#[bench::bare_sync(warm(CALLS))]
#[bench::bare_sampled(warm(SAMPLED_CALLS))]
fn bare_sync(calls: u64) -> u64 {
    let mut acc = 0u64;
    for i in 0..calls {
        acc = acc.wrapping_add(bare(black_box(i)));
    }
    black_box(acc)
}

#[library_benchmark]
#[bench::bare_async(warm(CALLS))]
fn bare_async_loop(calls: u64) -> u64 {
    let mut acc = 0u64;
    for i in 0..calls {
        acc = acc.wrapping_add(poll_ready(bare_async(black_box(i))));
    }
    black_box(acc)
}

#[library_benchmark]
#[bench::clock_pair(warm(CALLS))]
fn clock_pair_loop(calls: u64) -> u64 {
    let (mut acc, mut nanos) = (0u64, 0u64);
    for i in 0..calls {
        let start = clock::now();
        acc = acc.wrapping_add(bare(black_box(i)));
        nanos = nanos.wrapping_add(clock::nanos_between(start, clock::now()));
    }
    black_box(nanos);
    black_box(acc)
}

#[library_benchmark]
#[bench::sync(warm(CALLS))]
#[bench::off(warm_off(CALLS))]
#[bench::detailed_sync(warm_detailed(CALLS))]
fn sync_loop(calls: u64) -> u64 {
    let mut acc = 0u64;
    for i in 0..calls {
        acc = acc.wrapping_add(monitored(black_box(i)));
    }
    black_box(acc)
}

#[library_benchmark]
#[bench::async_call(warm(CALLS))]
#[bench::detailed_async(warm_detailed(CALLS))]
fn async_loop(calls: u64) -> u64 {
    let mut acc = 0u64;
    for i in 0..calls {
        acc = acc.wrapping_add(poll_ready(monitored_async(black_box(i))));
    }
    black_box(acc)
}

#[library_benchmark]
#[bench::sampled_64(warm(SAMPLED_CALLS))]
fn sampled_loop(calls: u64) -> u64 {
    let mut acc = 0u64;
    for i in 0..calls {
        acc = acc.wrapping_add(monitored_sampled(black_box(i)));
    }
    black_box(acc)
}

#[library_benchmark]
#[bench::tracing_noop(noop_spans())]
#[bench::tracing_span(monitored_spans())]
fn span_loop(guard: tracing::subscriber::DefaultGuard) -> (u64, tracing::subscriber::DefaultGuard) {
    let mut acc = 0u64;
    for i in 0..CALLS {
        acc = acc.wrapping_add(traced(black_box(i)));
    }
    // Handed back, so its drop (the subscriber's) falls outside the count.
    (black_box(acc), guard)
}

library_benchmark_group!(
    name = per_call;
    benchmarks = bare_sync, bare_async_loop, clock_pair_loop, sync_loop, async_loop, sampled_loop, span_loop
);

main!(library_benchmark_groups = per_call);
