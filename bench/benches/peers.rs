//! Per-call cost of `#[monitor]` against peer instrumentation crates, all
//! timing the same tiny function in one criterion run.
//!
//! ```text
//! cargo bench -p profiler-bench --bench peers
//! # on a busy 2-core machine, shorter:
//! cargo bench -p profiler-bench --bench peers -- --warm-up-time 1 --measurement-time 3
//! ```
//!
//! Compare ratios (to `call/floor`, `call/floor_tsc`, `call/baseline`), not
//! absolute times: those move with the machine, its load and its clock source.
//!
//! Criterion measures one row after another, minutes apart, and a shared
//! machine's speed drifts between them. `interleaved` instead runs the
//! contenders in turn, one block of calls each, round after round (each
//! round in a rotated order), and prints each one's median time per call and
//! the medians of the ratios taken within a round, so drift cancels:
//!
//! ```text
//! cargo bench -p profiler-bench --bench peers -- interleaved
//! PEERS_ROUNDS=2000 cargo bench -p profiler-bench --bench peers -- interleaved
//! ```
//!
//! Group `call`, one thread, the function `black_box(x).wrapping_mul(..)`:
//! - `baseline`: the plain function, `#[inline(never)]`.
//! - `floor`: two `Instant::now()` reads around the call, the elapsed nanos
//!   added to a thread-local sum: the least an `Instant`-based timer costs.
//! - `floor_tsc`: the same with `quanta::Clock::raw()` and `delta_as_nanos`,
//!   the clock profiler-runtime reads by default.
//! - `monitor`: `#[profiler_runtime::monitor]`, recording into the global
//!   monitor (no session running).
//! - `monitor_async`: an `async fn` under `#[monitor]`, a ready future polled
//!   once with a no-op waker.
//! - `monitor_sampled_64` and `monitor_async_sampled_64`: the same with
//!   `#[monitor(sample = 64)]`: every call counted, one in 64 (at random)
//!   timed.
//! - `monitor_disabled`: `#[monitor]` after `profiler_runtime::disable()`.
//! - `monitor_global_disabled`: `#[monitor]` after
//!   `profiler_runtime::global().disable()` (the monitor's own switch).
//! - `tracing`: `#[tracing::instrument(level = "info", skip_all)]` under a
//!   global `tracing_subscriber::registry()` with one layer that stores an
//!   `Instant` in each new span's extensions and adds the span's lifetime to a
//!   thread-local sum when it closes.
//! - `fastrace`: `#[fastrace::trace]` under a local parent
//!   (`Span::root` + `set_local_parent`), with a reporter that counts and drops
//!   what the collector thread hands it. A fresh root span every
//!   `FASTRACE_SPANS_PER_ROOT` calls, its cost included: one local parent
//!   holds at most 10,240 spans and silently skips the rest, so one root per
//!   criterion batch would measure the skip, not the recording. A
//!   `fastrace::flush()` every `FASTRACE_ROOTS_PER_FLUSH` roots, off the clock
//!   (the collector's work is off the calling thread by design).
//! - `metered`: a `#[metered::metered]` impl block with `#[measure([HitCount,
//!   ResponseTime])]` on the method (metered 0.9, the latest stable release;
//!   0.10 is still a release candidate). One instance shared by all threads.
//! - `puffin`: `puffin::profile_function!()` with scopes on and a sink that
//!   drops frames; `GlobalProfiler::new_frame()` once per criterion batch,
//!   inside the timing (it runs on the calling thread).
//! - `hotpath`: `#[hotpath::measure]` (feature `hotpath`) with a
//!   `HotpathGuardBuilder` guard alive for the whole run; the guard prints
//!   hotpath's own report (calls, mean, p95) after criterion's summary. Its
//!   row always runs 1 s warm-up + 2 s measurement (see below). With
//!   `PEERS_HOTPATH_SAMPLE=64` in the environment the row is
//!   `hotpath_sampled_64`: hotpath's own time sampling at 1 in 64
//!   (`functions_time_sampling_rate`), to compare with `monitor_sampled_64`.
//! - `autometrics`: `#[autometrics]` with the `prometheus-client` backend;
//!   the call counter is read back from its registry after the row.
//!
//! Group `threads`: the function called `iters` times on each of 1 or 2
//! threads at once (started together by a barrier); the time is the mean of
//! the threads' elapsed times, so it reads as per-call cost per thread.
//! Rows: `baseline`, `floor_tsc` (two clock reads per call and no shared
//! state at all: what two threads cost on this machine whatever the crate),
//! `monitor`, and the two cheapest peers of `call` that can run there:
//! `fastrace` and `metered`.
//!
//! All six peers are in `call`. hotpath (feature `hotpath`) and autometrics
//! (the light `prometheus-client` backend) add about a minute to a cold build
//! here and record with one guard or one feature.
//!
//! After each peer row a line on stderr says what the peer recorded and how
//! the process's resident memory moved, so a row that records nothing, or
//! keeps everything, shows.
//!
//! Memory: fastrace's collector thread and hotpath's drain worker both fall
//! behind a thread calling in a tight loop, and their queues grow for as long
//! as it lasts (on a loaded 2-core machine each reached about 6 GiB in 20 s;
//! hotpath keeps the memory afterwards). fastrace is flushed off the clock to
//! stay bounded; hotpath cannot be drained from outside, so its row has a
//! fixed short time (about 2.5 GB) and no `threads` row (two threads there
//! took 18 GB in a single row).

use criterion::{criterion_group, Criterion};
use profiler_runtime::monitor;
use std::cell::Cell;
use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Barrier, LazyLock, Once};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

#[inline(never)]
fn work(x: u64) -> u64 {
    black_box(x).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

thread_local! {
    /// Where the floors and the tracing layer add their nanoseconds.
    static SUM_NS: Cell<u64> = const { Cell::new(0) };
}

fn add_ns(ns: u64) {
    SUM_NS.with(|s| s.set(s.get().wrapping_add(ns)));
}

// ---- floors -----------------------------------------------------------------

#[inline(never)]
fn floor_instant(x: u64) -> u64 {
    let start = Instant::now();
    let r = work(x);
    add_ns(start.elapsed().as_nanos() as u64);
    r
}

static TSC: LazyLock<quanta::Clock> = LazyLock::new(quanta::Clock::new);

#[inline(never)]
fn floor_tsc(x: u64) -> u64 {
    let clock = &*TSC;
    let start = clock.raw();
    let r = work(x);
    add_ns(clock.delta_as_nanos(start, clock.raw()));
    r
}

// ---- profiler-runtime -------------------------------------------------------

#[monitor("peers::work")]
#[inline(never)]
fn monitored(x: u64) -> u64 {
    black_box(x).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

#[monitor("peers::work_async")]
async fn monitored_async(x: u64) -> u64 {
    black_box(x).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

#[monitor(name = "peers::work_sampled", sample = 64)]
#[inline(never)]
fn monitored_sampled(x: u64) -> u64 {
    black_box(x).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

#[monitor(name = "peers::work_async_sampled", sample = 64)]
async fn monitored_async_sampled(x: u64) -> u64 {
    black_box(x).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

fn poll_ready<F: Future>(f: F) -> F::Output {
    let mut cx = Context::from_waker(Waker::noop());
    match pin!(f).as_mut().poll(&mut cx) {
        Poll::Ready(v) => v,
        Poll::Pending => unreachable!("the benchmarked future is always ready"),
    }
}

// ---- tracing ----------------------------------------------------------------

mod traced {
    use super::add_ns;
    use std::cell::Cell;
    use std::hint::black_box;
    use std::time::Instant;
    use tracing::span::{Attributes, Id};
    use tracing::Subscriber;
    use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
    use tracing_subscriber::registry::LookupSpan;

    thread_local! {
        pub(crate) static CLOSED: Cell<u64> = const { Cell::new(0) };
    }

    /// When a span was created, kept in its extensions.
    struct Opened(Instant);

    /// Adds each span's lifetime to the thread-local sum when it closes.
    struct SpanTimer;

    impl<S> Layer<S> for SpanTimer
    where
        S: Subscriber + for<'a> LookupSpan<'a>,
    {
        fn on_new_span(&self, _attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
            if let Some(span) = ctx.span(id) {
                span.extensions_mut().insert(Opened(Instant::now()));
            }
        }

        fn on_close(&self, id: Id, ctx: Context<'_, S>) {
            if let Some(span) = ctx.span(&id) {
                if let Some(Opened(start)) = span.extensions().get::<Opened>() {
                    add_ns(start.elapsed().as_nanos() as u64);
                    CLOSED.with(|c| c.set(c.get() + 1));
                }
            }
        }
    }

    /// Installs the registry with [`SpanTimer`] as the global default, once.
    pub(crate) fn install() {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            let subscriber = tracing_subscriber::registry().with(SpanTimer);
            tracing::subscriber::set_global_default(subscriber)
                .expect("no other global subscriber in this bench");
        });
    }

    #[tracing::instrument(level = "info", skip_all)]
    #[inline(never)]
    pub(crate) fn work(x: u64) -> u64 {
        black_box(x).wrapping_mul(0x9E37_79B9_7F4A_7C15)
    }
}

// ---- fastrace ---------------------------------------------------------------

/// Calls per root span: under the 10,240 spans one local parent can hold.
const FASTRACE_SPANS_PER_ROOT: u64 = 10_000;

/// Root spans between two `fastrace::flush()` calls, made off the clock: a
/// thread calling in a tight loop outruns the collector thread (on 2 busy
/// cores, by gigabytes within seconds), so without them memory would grow
/// for as long as the row runs.
const FASTRACE_ROOTS_PER_FLUSH: u64 = 50;

static FASTRACE_REPORTED: AtomicU64 = AtomicU64::new(0);
/// Spans started (calls and roots), to check that every one was reported.
static FASTRACE_STARTED: AtomicU64 = AtomicU64::new(0);

/// Counts the spans the collector thread reports, then drops them.
struct DropReporter;

impl fastrace::collector::Reporter for DropReporter {
    fn report(&mut self, spans: Vec<fastrace::collector::SpanRecord>) {
        // Relaxed: a tally read after `fastrace::flush()`.
        FASTRACE_REPORTED.fetch_add(spans.len() as u64, Relaxed);
    }
}

fn fastrace_install() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        fastrace::set_reporter(DropReporter, fastrace::collector::Config::default());
    });
}

#[fastrace::trace]
#[inline(never)]
fn fastraced(x: u64) -> u64 {
    black_box(x).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// `iters` traced calls on this thread, a fresh root span per
/// [`FASTRACE_SPANS_PER_ROOT`] calls; the time spent in them, flushes left out.
fn fastrace_drive(iters: u64) -> Duration {
    let mut timed = Duration::ZERO;
    let mut left = iters;
    while left > 0 {
        let start = Instant::now();
        for _ in 0..FASTRACE_ROOTS_PER_FLUSH {
            if left == 0 {
                break;
            }
            let n = left.min(FASTRACE_SPANS_PER_ROOT);
            let root =
                fastrace::Span::root("peers::batch", fastrace::prelude::SpanContext::random());
            let guard = root.set_local_parent();
            for i in 0..n {
                black_box(fastraced(black_box(i)));
            }
            drop(guard);
            drop(root);
            left -= n;
        }
        timed += start.elapsed();
        fastrace::flush();
    }
    let roots = iters.div_ceil(FASTRACE_SPANS_PER_ROOT);
    // Relaxed: a tally read after `fastrace::flush()`.
    FASTRACE_STARTED.fetch_add(iters + roots, Relaxed);
    timed
}

// ---- metered ----------------------------------------------------------------

use metered::{HitCount, ResponseTime};

#[derive(Default, Debug)]
struct Metered {
    metrics: MeteredRegistry,
}

#[metered::metered(registry = MeteredRegistry)]
impl Metered {
    #[measure([HitCount, ResponseTime])]
    #[inline(never)]
    fn work(&self, x: u64) -> u64 {
        black_box(x).wrapping_mul(0x9E37_79B9_7F4A_7C15)
    }
}

/// One instance shared by every thread, as a service's metrics are.
static METERED: LazyLock<Metered> = LazyLock::new(Metered::default);

fn metered_call(x: u64) -> u64 {
    METERED.work(x)
}

// ---- puffin -----------------------------------------------------------------

static PUFFIN_FRAMES: AtomicU64 = AtomicU64::new(0);

fn puffin_install() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        puffin::set_scopes_on(true);
        puffin::GlobalProfiler::lock().add_sink(Box::new(|_frame| {
            // Relaxed: a tally read at the end.
            PUFFIN_FRAMES.fetch_add(1, Relaxed);
        }));
    });
}

#[inline(never)]
fn puffined(x: u64) -> u64 {
    puffin::profile_function!();
    black_box(x).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

// ---- hotpath ----------------------------------------------------------------

/// Starts hotpath's profiler; it records only while this guard lives and
/// prints its report (call counts, mean, p95) when the guard drops.
fn hotpath_install() -> hotpath::HotpathGuard {
    // Its loopback metrics server (port 6770) is for a TUI nobody runs here.
    // Set before any thread exists, so no other thread reads the environment.
    std::env::set_var("HOTPATH_METRICS_SERVER_OFF", "1");
    let builder = hotpath::HotpathGuardBuilder::new("peers").functions_limit(5);
    match hotpath_sample() {
        Some(n) => builder.functions_time_sampling_rate(1.0 / f64::from(n)).build(),
        None => builder.build(),
    }
}

/// `PEERS_HOTPATH_SAMPLE=N`: hotpath times one call in N (its sampling rate
/// is process-wide, set once when its guard is built, so a run measures its
/// row either sampled or not).
fn hotpath_sample() -> Option<u32> {
    std::env::var("PEERS_HOTPATH_SAMPLE").ok()?.parse().ok().filter(|&n| n > 1)
}

#[hotpath::measure]
#[inline(never)]
fn hotpathed(x: u64) -> u64 {
    black_box(x).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

// ---- autometrics -------------------------------------------------------------

/// Autometrics' settings with its prometheus-client registry, set once.
static AUTOMETRICS: LazyLock<&'static autometrics::settings::AutometricsSettings> =
    LazyLock::new(|| {
        autometrics::settings::AutometricsSettings::builder()
            .service_name("peers")
            .try_init()
            .expect("nothing else initialises autometrics in this bench")
    });

#[autometrics::autometrics]
#[inline(never)]
fn autometered(x: u64) -> u64 {
    black_box(x).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// The `function_calls_total` line autometrics exports for [`autometered`].
fn autometrics_calls() -> String {
    let mut text = String::new();
    prometheus_client::encoding::text::encode(&mut text, AUTOMETRICS.prometheus_client_registry())
        .expect("encoding into a String cannot fail");
    text.lines()
        .find(|l| l.starts_with("function_calls_total{") && l.contains("\"autometered\""))
        .unwrap_or("no function_calls_total line")
        .to_owned()
}

// ---- helpers for the rows ---------------------------------------------------

/// The process's resident set, in KiB (0 where /proc is not there).
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Runs one bench and, if it ran (not filtered out), says on stderr what the
/// peer recorded and how resident memory moved across it.
fn row(
    g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    id: &str,
    mut f: impl FnMut(&mut criterion::Bencher<'_>),
    recorded: impl FnOnce() -> String,
) {
    let before = rss_kib();
    let mut ran = false;
    g.bench_function(id, |b| {
        ran = true;
        f(b)
    });
    if !ran {
        return;
    }
    let after = rss_kib();
    eprintln!(
        "peers: {id}: {}; rss {:+} KiB (now {} MiB)",
        recorded(),
        after as i64 - before as i64,
        after / 1024
    );
}

fn sum_ns() -> u64 {
    SUM_NS.with(Cell::get)
}

// ---- group `call` -----------------------------------------------------------

fn single_thread(c: &mut Criterion) {
    traced::install();
    fastrace_install();
    puffin_install();
    LazyLock::force(&AUTOMETRICS);

    let mut g = c.benchmark_group("call");
    g.bench_function("baseline", |b| b.iter(|| work(black_box(7))));
    g.bench_function("floor", |b| b.iter(|| floor_instant(black_box(7))));
    g.bench_function("floor_tsc", |b| b.iter(|| floor_tsc(black_box(7))));
    g.bench_function("monitor", |b| b.iter(|| monitored(black_box(7))));
    g.bench_function("monitor_async", |b| b.iter(|| poll_ready(monitored_async(black_box(7)))));
    g.bench_function("monitor_sampled_64", |b| b.iter(|| monitored_sampled(black_box(7))));
    g.bench_function("monitor_async_sampled_64", |b| {
        b.iter(|| poll_ready(monitored_async_sampled(black_box(7))))
    });
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

    row(
        &mut g,
        "tracing",
        |b| b.iter(|| traced::work(black_box(7))),
        || {
            let closed = traced::CLOSED.with(Cell::get);
            format!("{closed} spans closed, {} ns summed", sum_ns())
        },
    );
    row(
        &mut g,
        "fastrace",
        |b| b.iter_custom(fastrace_drive),
        || {
            fastrace::flush();
            let (reported, started) =
                (FASTRACE_REPORTED.load(Relaxed), FASTRACE_STARTED.load(Relaxed));
            format!("{reported} spans reported of {started} started")
        },
    );
    row(
        &mut g,
        "metered",
        |b| {
            let m = &*METERED;
            b.iter(|| m.work(black_box(7)))
        },
        || {
            let stats = &METERED.metrics.work;
            format!(
                "{} hits, {} response times",
                stats.hit_count.0.get(),
                stats.response_time.0.histogram().len()
            )
        },
    );
    row(
        &mut g,
        "puffin",
        |b| {
            b.iter_custom(|iters| {
                let start = Instant::now();
                for i in 0..iters {
                    black_box(puffined(black_box(i)));
                }
                puffin::GlobalProfiler::lock().new_frame();
                start.elapsed()
            })
        },
        || format!("{} frames sunk", PUFFIN_FRAMES.load(Relaxed)),
    );
    row(&mut g, "autometrics", |b| b.iter(|| autometered(black_box(7))), autometrics_calls);
    g.finish();

    // hotpath's drain worker falls behind a tight loop and its per-thread
    // queues keep the memory (about 0.8 GB/s here; 18 GB in a 2-thread row),
    // with no way to drain them from outside. So its row runs a fixed
    // 1 s + 2 s whatever the command line says, and it sits out `threads`.
    let mut g = c.benchmark_group("call");
    g.warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(2));
    let id = match hotpath_sample() {
        Some(n) => format!("hotpath_sampled_{n}"),
        None => "hotpath".to_owned(),
    };
    row(
        &mut g,
        &id,
        |b| b.iter(|| hotpathed(black_box(7))),
        || "its report follows the criterion summary".to_owned(),
    );
    g.finish();
}

// ---- group `threads` --------------------------------------------------------

/// Per-call cost per thread with `threads` threads each running
/// `drive(iters)` at once: the mean of the times the drivers report.
fn per_thread(threads: usize, iters: u64, drive: Drive) -> Duration {
    let barrier = Arc::new(Barrier::new(threads));
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                barrier.wait();
                drive(iters)
            })
        })
        .collect();
    let total: Duration = handles.into_iter().map(|h| h.join().unwrap()).sum();
    total / threads as u32
}

/// Makes `iters` calls on the current thread and says how long they took.
type Drive = fn(u64) -> Duration;

fn drive_baseline(iters: u64) -> Duration {
    let start = Instant::now();
    for i in 0..iters {
        black_box(work(black_box(i)));
    }
    start.elapsed()
}

fn drive_floor_tsc(iters: u64) -> Duration {
    let start = Instant::now();
    for i in 0..iters {
        black_box(floor_tsc(black_box(i)));
    }
    start.elapsed()
}

fn drive_monitor(iters: u64) -> Duration {
    let start = Instant::now();
    for i in 0..iters {
        black_box(monitored(black_box(i)));
    }
    start.elapsed()
}

fn drive_metered(iters: u64) -> Duration {
    let start = Instant::now();
    for i in 0..iters {
        black_box(metered_call(black_box(i)));
    }
    start.elapsed()
}

fn contended(c: &mut Criterion) {
    fastrace_install();
    // The two cheapest peers of `call` that can run here: fastrace and
    // metered (hotpath, as cheap as metered, sits out: see `single_thread`).
    let rows: [(&str, Drive); 5] = [
        ("baseline", drive_baseline),
        ("floor_tsc", drive_floor_tsc),
        ("monitor", drive_monitor),
        ("fastrace", fastrace_drive),
        ("metered", drive_metered),
    ];
    let mut g = c.benchmark_group("threads");
    for threads in [1, 2] {
        for (name, drive) in rows {
            g.bench_function(format!("{name}/{threads}"), |b| {
                b.iter_custom(|iters| per_thread(threads, iters, drive))
            });
        }
    }
    g.finish();
}

// ---- interleaved: the contenders in alternating blocks ------------------------

/// Calls in one block of one contender.
const BLOCK: u64 = 20_000;

/// Rounds of blocks unless `PEERS_ROUNDS` says otherwise.
const ROUNDS: usize = 600;

fn drive_monitor_async(iters: u64) -> Duration {
    let start = Instant::now();
    for i in 0..iters {
        black_box(poll_ready(monitored_async(black_box(i))));
    }
    start.elapsed()
}

fn drive_sampled(iters: u64) -> Duration {
    let start = Instant::now();
    for i in 0..iters {
        black_box(monitored_sampled(black_box(i)));
    }
    start.elapsed()
}

fn drive_disabled(iters: u64) -> Duration {
    profiler_runtime::disable();
    let start = Instant::now();
    for i in 0..iters {
        black_box(monitored(black_box(i)));
    }
    let took = start.elapsed();
    profiler_runtime::enable();
    took
}

fn drive_tracing(iters: u64) -> Duration {
    let start = Instant::now();
    for i in 0..iters {
        black_box(traced::work(black_box(i)));
    }
    start.elapsed()
}

/// One contender: its row name, its threads and what it calls.
struct Contender {
    name: &'static str,
    threads: usize,
    drive: Drive,
}

/// The rows `interleaved` alternates: the floors, `#[monitor]` in its
/// shapes, the peers whose cost stays bounded in a long loop (hotpath's and
/// puffin's do not, see above), and the `threads` rows of `monitor`.
const CONTENDERS: [Contender; 11] = [
    Contender { name: "baseline", threads: 1, drive: drive_baseline },
    Contender { name: "floor_tsc", threads: 1, drive: drive_floor_tsc },
    Contender { name: "monitor", threads: 1, drive: drive_monitor },
    Contender { name: "monitor_async", threads: 1, drive: drive_monitor_async },
    Contender { name: "monitor_sampled_64", threads: 1, drive: drive_sampled },
    Contender { name: "monitor_disabled", threads: 1, drive: drive_disabled },
    Contender { name: "tracing", threads: 1, drive: drive_tracing },
    Contender { name: "fastrace", threads: 1, drive: fastrace_drive },
    Contender { name: "metered", threads: 1, drive: drive_metered },
    Contender { name: "floor_tsc/2", threads: 2, drive: drive_floor_tsc },
    Contender { name: "monitor/2", threads: 2, drive: drive_monitor },
];

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Runs [`CONTENDERS`] in alternating blocks and prints their medians and
/// the medians of the within-round ratios.
fn interleaved() {
    traced::install();
    fastrace_install();
    let rounds = std::env::var("PEERS_ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(ROUNDS);
    let ns = |c: &Contender| per_thread(c.threads, BLOCK, c.drive).as_nanos() as f64 / BLOCK as f64;
    let n = CONTENDERS.len();
    for c in &CONTENDERS {
        ns(c); // warm-up: registration, the clock's calibration, the peers' set-up
    }
    // per_round[r][i]: contender i's ns per call in round r.
    let mut per_round = Vec::with_capacity(rounds);
    for r in 0..rounds {
        let mut row = vec![0.0; n];
        for k in 0..n {
            let i = (r + k) % n;
            row[i] = ns(&CONTENDERS[i]);
        }
        per_round.push(row);
    }
    let at = |name: &str| CONTENDERS.iter().position(|c| c.name == name).expect("a contender");
    let column = |i: usize| per_round.iter().map(|row| row[i]).collect::<Vec<f64>>();
    let ratio = |a: usize, b: &dyn Fn(&[f64]) -> f64| {
        median(per_round.iter().map(|row| row[a] / b(row)).collect())
    };
    println!("interleaved: {rounds} rounds of {BLOCK}-call blocks, medians");
    let floor = at("floor_tsc");
    for (i, c) in CONTENDERS.iter().enumerate() {
        let x_floor = ratio(i, &|row| row[floor]);
        println!("  {:<20} {:7.2} ns/call  {x_floor:5.2}x floor_tsc", c.name, median(column(i)));
    }
    let peers = [at("tracing"), at("fastrace"), at("metered")];
    let best_peer = |row: &[f64]| peers.iter().map(|&p| row[p]).fold(f64::INFINITY, f64::min);
    let (monitor, two) = (at("monitor"), at("monitor/2"));
    println!("  monitor / best peer      {:5.2}", ratio(monitor, &best_peer));
    println!("  monitor_async / monitor  {:5.2}", ratio(at("monitor_async"), &|row| row[monitor]));
    println!("  monitor 2 threads / 1    {:5.2}", ratio(two, &|row| row[monitor]));
    let floor_two = at("floor_tsc/2");
    println!("  floor_tsc 2 threads / 1  {:5.2}", ratio(floor_two, &|row| row[floor]));
}

criterion_group!(benches, single_thread, contended);

// `criterion_main!` spelled out, to keep hotpath's guard alive around the run.
fn main() {
    if std::env::args().any(|a| a == "interleaved") {
        interleaved();
        return;
    }
    let hotpath = hotpath_install();
    benches();
    Criterion::default().configure_from_args().final_summary();
    drop(hotpath);
}
