//! Per-call overhead of `#[monitor]`, against the clock's own floor.
//!
//! ```text
//! cargo bench -p profiler-runtime --bench overhead
//! # the compiled-out build (the `enabled` feature off): `monitor_off`
//! cargo bench -p profiler-runtime --bench overhead --no-default-features
//! ```
//!
//! The peer crates (tracing, fastrace, metered, puffin, ...) are measured in
//! the same run by `cargo bench -p profiler-bench`, which repeats these rows.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use profiler_runtime::monitor;
use std::cell::Cell;
use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::sync::{Arc, Barrier};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

#[inline(never)]
fn work(x: u64) -> u64 {
    black_box(x).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

#[monitor("bench::work")]
#[inline(never)]
fn monitored(x: u64) -> u64 {
    black_box(x).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// A function returning a non-future `impl Trait`: a guard records the call
/// (the body stays the function's own, so no closure around it).
#[monitor("bench::work_guard")]
#[inline(never)]
fn monitored_guard(x: u64) -> impl Copy {
    black_box(x).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

#[monitor("bench::work_async")]
async fn monitored_async(x: u64) -> u64 {
    black_box(x).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// Returns `Pending` at its first poll and is ready at its second: an
/// await that suspends, without an executor.
struct YieldOnce(bool);

impl Future for YieldOnce {
    type Output = ();
    fn poll(mut self: std::pin::Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        if std::mem::replace(&mut self.0, true) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

/// A future that suspends four times: five polls a call.
async fn pausing(x: u64) -> u64 {
    for _ in 0..4 {
        YieldOnce(false).await;
    }
    black_box(x).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

#[monitor("bench::work_pausing")]
async fn monitored_pausing(x: u64) -> u64 {
    pausing(x).await
}

/// Polls `f` until it is ready (a no-op waker: it is polled again at once).
fn poll_to_end<F: Future>(f: F) -> F::Output {
    let mut cx = Context::from_waker(Waker::noop());
    let mut f = pin!(f);
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

/// One call in 64 timed, every call counted.
#[monitor(name = "bench::work_sampled", sample = 64)]
#[inline(never)]
fn monitored_sampled(x: u64) -> u64 {
    black_box(x).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// An `async fn` sampled one in 64.
#[monitor(name = "bench::work_async_sampled", sample = 64)]
async fn monitored_async_sampled(x: u64) -> u64 {
    black_box(x).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// A guard-only function (see `monitored_guard`) sampled one in 64.
#[monitor(name = "bench::work_guard_sampled", sample = 64)]
#[inline(never)]
fn monitored_guard_sampled(x: u64) -> impl Copy {
    black_box(x).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// A monitored call making one monitored call: two calls and their pair.
#[monitor("bench::parent")]
#[inline(never)]
fn monitored_parent(x: u64) -> u64 {
    monitored(x)
}

/// A second caller of `monitored`, so calls alternate between two pairs.
#[monitor("bench::other_parent")]
#[inline(never)]
fn monitored_other_parent(x: u64) -> u64 {
    monitored(x)
}

thread_local! {
    static FLOOR_SUM: Cell<u64> = const { Cell::new(0) };
}

/// The least any wall-clock instrumentation can cost: two clock reads and a
/// thread-local add.
#[inline(never)]
fn floor_instant(x: u64) -> u64 {
    let start = Instant::now();
    let r = work(x);
    let ns = start.elapsed().as_nanos() as u64;
    FLOOR_SUM.with(|s| s.set(s.get().wrapping_add(ns)));
    r
}

fn poll_ready<F: Future>(f: F) -> F::Output {
    let mut cx = Context::from_waker(Waker::noop());
    match pin!(f).as_mut().poll(&mut cx) {
        Poll::Ready(v) => v,
        Poll::Pending => unreachable!("the benchmarked future is always ready"),
    }
}

fn single_thread(c: &mut Criterion) {
    let mut g = c.benchmark_group("call");
    g.bench_function("baseline", |b| b.iter(|| work(black_box(7))));
    g.bench_function("floor", |b| b.iter(|| floor_instant(black_box(7))));
    if cfg!(feature = "enabled") {
        g.bench_function("monitor", |b| b.iter(|| monitored(black_box(7))));
        g.bench_function("monitor_guard", |b| b.iter(|| monitored_guard(black_box(7))));
        g.bench_function("monitor_async", |b| b.iter(|| poll_ready(monitored_async(black_box(7)))));
        // An `async fn` that suspends four times (five polls), bare and
        // monitored: the difference is the call plus its four pauses.
        g.bench_function("async_pausing", |b| b.iter(|| poll_to_end(pausing(black_box(7)))));
        g.bench_function("monitor_async_pausing", |b| {
            b.iter(|| poll_to_end(monitored_pausing(black_box(7))))
        });
        // Nesting: a parent and its child per iteration (the pair's cost is
        // this less two `monitor`s), and a child whose caller alternates.
        g.bench_function("monitor_nested", |b| b.iter(|| monitored_parent(black_box(7))));
        g.bench_function("monitor_nested_two_callers", |b| {
            b.iter(|| {
                monitored_parent(black_box(7));
                monitored_other_parent(black_box(7))
            })
        });
        g.bench_function("monitor_sampled_64", |b| b.iter(|| monitored_sampled(black_box(7))));
        g.bench_function("monitor_async_sampled_64", |b| {
            b.iter(|| poll_ready(monitored_async_sampled(black_box(7))))
        });
        g.bench_function("monitor_guard_sampled_64", |b| {
            b.iter(|| monitored_guard_sampled(black_box(7)))
        });
        // The two off switches. Both must cost what `baseline` does plus one
        // load and a branch. (This group runs before any `Monitor::new()`
        // of this process, so the global monitor is the only one.)
        g.bench_function("monitor_disabled", |b| {
            profiler_runtime::disable();
            b.iter(|| monitored(black_box(7)));
            profiler_runtime::enable();
        });
        g.bench_function("monitor_global_disabled", |b| {
            profiler_runtime::global().disable();
            b.iter(|| monitored(black_box(7)));
            profiler_runtime::global().enable();
        });
    } else {
        g.bench_function("monitor_off", |b| b.iter(|| monitored(black_box(7))));
    }
    g.finish();
}

/// Per-call cost per thread with `threads` threads calling the same function.
fn per_thread(threads: usize, iters: u64, f: fn(u64) -> u64) -> Duration {
    let barrier = Arc::new(Barrier::new(threads));
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                barrier.wait();
                let start = Instant::now();
                for i in 0..iters {
                    black_box(f(black_box(i)));
                }
                start.elapsed()
            })
        })
        .collect();
    let total: Duration = handles.into_iter().map(|h| h.join().unwrap()).sum();
    total / threads as u32
}

fn contended(c: &mut Criterion) {
    if !cfg!(feature = "enabled") {
        return;
    }
    let mut g = c.benchmark_group("threads");
    for threads in [1, 2] {
        g.bench_function(format!("monitor/{threads}"), |b| {
            b.iter_custom(|iters| per_thread(threads, iters, monitored))
        });
        g.bench_function(format!("baseline/{threads}"), |b| {
            b.iter_custom(|iters| per_thread(threads, iters, work))
        });
    }
    g.finish();
}

/// `end_session()` with 1,000 callsites recorded on each of 8 threads.
fn end_session(c: &mut Criterion) {
    if !cfg!(feature = "enabled") {
        return;
    }
    let m = profiler_runtime::Monitor::new();
    let names: Arc<Vec<String>> = Arc::new((0..1000).map(|i| format!("bench::site{i}")).collect());
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let (m, names) = (m.clone(), names.clone());
            std::thread::spawn(move || {
                for name in names.iter() {
                    m.start_operation(name).finish();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let mut g = c.benchmark_group("report");
    g.sample_size(30);
    g.bench_function("end_session/1000x8", |b| {
        b.iter_batched(
            || {
                m.start_session("bench");
            },
            |()| m.end_session().unwrap(),
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

/// What the detailed level's memory sampler does per reading, beside the
/// slower way: `/proc/self/statm` kept open and re-read with one `pread`
/// (the sampler's way, restated here: the reader is internal), and the file
/// opened, read and closed each time. Linux only.
fn memory_reading(c: &mut Criterion) {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::FileExt;
        let Ok(statm) = std::fs::File::open("/proc/self/statm") else { return };
        let mut g = c.benchmark_group("resources");
        g.bench_function("statm_kept_open", |b| {
            let mut buf = [0u8; 128];
            b.iter(|| statm.read_at(&mut buf, 0).map(|n| black_box(buf[..n].len())))
        });
        g.bench_function("statm_opened_each_time", |b| {
            b.iter(|| std::fs::read_to_string("/proc/self/statm").map(|t| black_box(t.len())))
        });
        g.finish();
    }
    #[cfg(not(target_os = "linux"))]
    let _ = c;
}

/// The detailed level's costs: a call on a monitor at `Level::Detailed`
/// (the CPU clock read on one call in 64, allocations counted), one thread
/// CPU clock reading (the runtime's way, restated: the reader is internal),
/// and one allocation and free through `CountingAllocator` against the
/// system allocator alone.
fn detail(c: &mut Criterion) {
    if !cfg!(feature = "enabled") {
        return;
    }
    let mut g = c.benchmark_group("detail");
    let m = profiler_runtime::Monitor::new();
    m.set_level(profiler_runtime::Level::Detailed);
    m.scope(|| {
        g.bench_function("monitor_detailed", |b| b.iter(|| monitored(black_box(7))));
        g.bench_function("monitor_async_detailed", |b| {
            b.iter(|| poll_ready(monitored_async(black_box(7))))
        });
        // The call graph: a pair per iteration, and a callee whose caller alternates.
        g.bench_function("monitor_nested_detailed", |b| b.iter(|| monitored_parent(black_box(7))));
        g.bench_function("monitor_nested_two_callers_detailed", |b| {
            b.iter(|| {
                monitored_parent(black_box(7));
                monitored_other_parent(black_box(7))
            })
        });
    });
    let full = profiler_runtime::Monitor::new();
    full.set_level(profiler_runtime::Level::Full);
    full.scope(|| {
        g.bench_function("monitor_full", |b| b.iter(|| monitored(black_box(7))));
        g.bench_function("monitor_async_full", |b| {
            b.iter(|| poll_ready(monitored_async(black_box(7))))
        });
    });
    #[cfg(unix)]
    g.bench_function("thread_cpu_clock", |b| {
        b.iter(|| black_box(rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime)))
    });
    allocation(&mut g);
    g.finish();
}

/// One 64-byte allocation and its free, through the system allocator and
/// through the counting one wrapped around it.
#[allow(unsafe_code)]
fn allocation(g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>) {
    use std::alloc::{GlobalAlloc, Layout, System};
    fn alloc_free(a: &impl GlobalAlloc) {
        let layout = Layout::from_size_align(64, 8).expect("a valid layout");
        // SAFETY: a non-zero-sized layout; the block is freed once, with the
        // layout it was allocated with, by the allocator that made it.
        unsafe {
            let p = a.alloc(layout);
            black_box(p);
            if !p.is_null() {
                a.dealloc(p, layout);
            }
        }
    }
    let counting = profiler_runtime::CountingAllocator::system();
    g.bench_function("alloc_free_system", |b| b.iter(|| alloc_free(&System)));
    g.bench_function("alloc_free_counting", |b| b.iter(|| alloc_free(&counting)));
}

criterion_group!(benches, single_thread, contended, end_session, memory_reading, detail);
criterion_main!(benches);
