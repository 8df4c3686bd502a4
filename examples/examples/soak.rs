//! A soak run: hammers the global monitor for a minute (or `--seconds N`)
//! and fails unless memory stays bounded and every count adds up.
//!
//! ```text
//! cargo run --release --example soak                 # about one minute
//! cargo run --release --example soak -- --seconds 20
//! ```
//!
//! Worker threads call 40 `#[monitor]` functions (some failing with 10 KB
//! error texts, some panicking), `async fn`s on a tokio runtime (some cut short
//! by a timeout, so cancelled), manual operations with too much metadata, and
//! cache, API and custom counters. Each worker exits after a while and a new
//! one takes its place, so threads come and go. Meanwhile the main thread
//! starts a new session every couple of milliseconds (thousands in all),
//! renders some reports as text and JSON, and samples the resident memory.
//!
//! The caps it runs into, all of which must hold memory flat:
//! - session history: [`DEFAULT_HISTORY_CAPACITY`] (32) ended reports are kept;
//! - event log: [`EVENT_LOG_CAPACITY`] (256) notable manual operations per
//!   monitor, older ones dropped and counted;
//! - error text: [`MAX_ERROR_TEXT`] bytes kept per failure;
//! - metadata: [`MAX_METADATA`] pairs per operation, each key and value cut to
//!   [`MAX_METADATA_TEXT`] bytes;
//! - thread storage: a new thread reuses the storage of one that exited.
//!
//! It exits with status 1 if the resident memory over the last quarter of the
//! run rises more than [`RSS_SLACK`] above its level after the first 10 %, if
//! the history does not hold exactly its capacity, if a report breaks a cap,
//! or if the calls, cancellations and API calls over all sessions differ from
//! those made.

use profiler_runtime::{
    monitor, SessionReport, DEFAULT_HISTORY_CAPACITY, EVENT_LOG_CAPACITY, MAX_ERROR_TEXT,
    MAX_METADATA, MAX_METADATA_TEXT,
};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How far the resident memory may rise after warm-up (allocator noise).
const RSS_SLACK: u64 = 4 << 20;
const WORKERS: usize = 3;
/// Iterations a worker thread runs before it exits and is replaced.
const WORKER_LIFETIME: u64 = 4_000;
const PLANNED_PANIC: &str = "soak: planned panic";

macro_rules! sites {
    ($($name:ident)*) => {
        $(
            #[monitor]
            fn $name(i: u64, error: &str) -> Result<u64, String> {
                if i % 97 == 0 {
                    Err(error.to_owned())
                } else {
                    Ok(std::hint::black_box(i.wrapping_mul(31)))
                }
            }
        )*
        const SITES: &[fn(u64, &str) -> Result<u64, String>] = &[$($name),*];
    };
}

sites! {
    s00 s01 s02 s03 s04 s05 s06 s07 s08 s09 s10 s11 s12 s13 s14 s15 s16 s17 s18 s19
    s20 s21 s22 s23 s24 s25 s26 s27 s28 s29 s30 s31 s32 s33 s34 s35 s36 s37 s38 s39
}

#[monitor("soak::panics")]
fn panics() {
    std::panic::panic_any(PLANNED_PANIC);
}

#[monitor("soak::fetch")]
async fn fetch(i: u64, error: Arc<str>) -> Result<u64, Arc<str>> {
    if i % 5 == 0 {
        tokio::time::sleep(Duration::from_millis(2)).await; // outlasts the timeout
    } else {
        tokio::task::yield_now().await;
    }
    if i % 7 == 0 {
        Err(error)
    } else {
        Ok(i)
    }
}

/// What the workers did, to check against the sum of every session.
#[derive(Default)]
struct Made {
    calls: AtomicU64,
    cancelled: AtomicU64,
    api_calls: AtomicU64,
}

fn worker(id: u64, made: &Made) {
    let m = profiler_runtime::global();
    let error = format!("worker {id}: {}", "upstream said no; ".repeat(600)); // ~10 KB
    let shared_error: Arc<str> = error.clone().into();
    let long_value = "v".repeat(MAX_METADATA_TEXT * 3);
    let rows = m.counter("soak::rows");
    let stage = m.stage("soak::batch");
    let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
    for i in 0..WORKER_LIFETIME {
        for (k, site) in SITES.iter().enumerate() {
            let _ = site(i + k as u64, &error);
        }
        made.calls.fetch_add(SITES.len() as u64, Relaxed);

        if i % 50 == 0 {
            assert!(std::panic::catch_unwind(panics).is_err());
            made.calls.fetch_add(1, Relaxed);
        }
        if i % 10 == 0 {
            let future = fetch(i, shared_error.clone());
            let timed = async { tokio::time::timeout(Duration::from_micros(500), future).await };
            match rt.block_on(timed) {
                Ok(_) => made.calls.fetch_add(1, Relaxed),
                Err(_) => made.cancelled.fetch_add(1, Relaxed),
            };
        }
        if i % 20 == 0 {
            let mut op =
                m.start_operation(["soak::import", "soak::export", "soak::sync"][i as usize % 3]);
            for key in 0..MAX_METADATA as u64 + 4 {
                op.metadata(format!("key-{key}"), &long_value);
            }
            if i % 40 == 0 {
                op.fail(&error);
            } else {
                op.finish();
            }
            made.calls.fetch_add(1, Relaxed);
        }
        m.record_cache(u64::from(i % 3 != 0), u64::from(i % 3 == 0));
        if i % 25 == 0 {
            m.record_api_call(150 + i % 100, 0.000_002 * (i % 100) as f64, i % 13 == 0);
            made.api_calls.fetch_add(1, Relaxed);
        }
        rows.add(3);
        m.add_count(&format!("soak::counter-{}", i % 100), 1);
        stage.items(1);
    }
}

/// What the sessions' reports add up to, and what broke in them.
#[derive(Default)]
struct Seen {
    calls: u64,
    cancelled: u64,
    api_calls: u64,
    failures: Vec<String>,
}

impl Seen {
    fn add(&mut self, report: &SessionReport) {
        self.calls += report.operations.iter().map(|op| op.calls).sum::<u64>();
        self.cancelled += report.operations.iter().map(|op| op.cancelled).sum::<u64>();
        self.api_calls += report.api.calls;
        self.failures.extend(check_caps(report));
    }
}

/// Resident memory in bytes, from `/proc/self/status` (Linux).
fn rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    Some(line.split_whitespace().nth(1)?.parse::<u64>().ok()? * 1024)
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

/// Checks the bounded parts of one report; returns what broke.
fn check_caps(report: &SessionReport) -> Vec<String> {
    let mut broken = Vec::new();
    if report.events.len() > EVENT_LOG_CAPACITY {
        broken.push(format!("{} events kept", report.events.len()));
    }
    for op in &report.operations {
        if op.last_error.as_ref().is_some_and(|e| e.len() > MAX_ERROR_TEXT) {
            broken.push(format!("{}: last error longer than {MAX_ERROR_TEXT} bytes", op.name));
        }
    }
    for event in &report.events {
        let long = event.metadata.iter().any(|(k, v)| k.len().max(v.len()) > MAX_METADATA_TEXT);
        if event.metadata.len() > MAX_METADATA || long {
            broken.push(format!("{}: metadata over its caps", event.name));
        }
        if event.error.as_ref().is_some_and(|e| e.len() > MAX_ERROR_TEXT) {
            broken.push(format!("{}: event error longer than {MAX_ERROR_TEXT} bytes", event.name));
        }
    }
    broken
}

fn parse_seconds() -> Result<u64, String> {
    let mut args = std::env::args().skip(1);
    let mut seconds = 60;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--seconds" => {
                let value = args.next().ok_or("--seconds needs a number")?;
                seconds = value.parse().map_err(|_| format!("--seconds {value}: not a number"))?;
            }
            other => return Err(format!("unknown argument {other}; usage: soak [--seconds N]")),
        }
    }
    if seconds == 0 {
        return Err("--seconds must be at least 1".into());
    }
    Ok(seconds)
}

fn main() {
    let seconds = match parse_seconds() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("soak: {e}");
            std::process::exit(2);
        }
    };
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if info.payload().downcast_ref::<&str>() != Some(&PLANNED_PANIC) {
            default_hook(info);
        }
    }));

    let m = profiler_runtime::global();
    let total = Duration::from_secs(seconds);
    let made = Arc::new(Made::default());
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let mut session = m.start_session("soak-0");

    // Keeps WORKERS threads running, replacing each one that finishes.
    let supervisor = {
        let (made, stop) = (made.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut next_id = 0;
            let mut spawn = || {
                next_id += 1;
                let (made, id) = (made.clone(), next_id);
                std::thread::spawn(move || worker(id, &made))
            };
            let mut running: Vec<_> = (0..WORKERS).map(|_| spawn()).collect();
            while !stop.load(Relaxed) {
                std::thread::sleep(Duration::from_millis(5));
                for slot in running.iter_mut().filter(|h| h.is_finished()) {
                    let finished = std::mem::replace(slot, spawn());
                    finished.join().expect("a worker panicked");
                }
            }
            running.into_iter().for_each(|h| h.join().expect("a worker panicked"));
            next_id
        })
    };

    let mut seen = Seen::default();
    let mut sessions = 1u64;
    let mut samples: Vec<(Duration, u64)> = Vec::new();
    let (mut next_sample, mut next_print) = (Duration::ZERO, Duration::ZERO);
    while started.elapsed() < total {
        std::thread::sleep(Duration::from_millis(2));
        let previous = std::mem::replace(&mut session, m.start_session(format!("soak-{sessions}")));
        sessions += 1;
        let report = previous.end().expect("the rotated session is in the history");
        seen.add(&report);
        if sessions % 100 == 0 {
            let text = report.to_text();
            let json = report.to_json().expect("a report serialises");
            assert!(!text.is_empty() && SessionReport::from_json(&json).is_ok());
            let live = m.current_report().expect("a session is running");
            seen.failures.extend(check_caps(&live));
        }
        let elapsed = started.elapsed();
        if elapsed >= next_sample {
            samples.push((elapsed, rss_bytes().unwrap_or(0)));
            next_sample += Duration::from_millis(250);
        }
        if elapsed >= next_print {
            let rss = samples.last().map_or(0, |s| s.1);
            println!(
                "{:>6.1}s  {sessions:>7} sessions  {:>11} calls  rss {}",
                elapsed.as_secs_f64(),
                seen.calls,
                mib(rss)
            );
            next_print += Duration::from_secs(5);
        }
    }
    stop.store(true, Relaxed);
    let threads = supervisor.join().expect("the supervisor panicked");
    seen.add(&session.end().expect("the last session was running"));
    let Seen { calls, cancelled, api_calls, mut failures } = seen;

    let made =
        (made.calls.load(Relaxed), made.cancelled.load(Relaxed), made.api_calls.load(Relaxed));
    let history = m.session_history().len();
    println!(
        "\n{sessions} sessions, {threads} worker threads, {} calls, {} cancelled",
        made.0, made.1
    );
    if (calls, cancelled, api_calls) != made {
        failures.push(format!(
            "sessions add up to {calls} calls, {cancelled} cancelled, {api_calls} API calls; \
             made {made:?}"
        ));
    }
    if history != DEFAULT_HISTORY_CAPACITY {
        failures.push(format!("history holds {history}, not {DEFAULT_HISTORY_CAPACITY}"));
    }
    let at = |fraction: f64| total.mul_f64(fraction);
    let baseline = samples.iter().find(|(t, _)| *t >= at(0.10)).map(|s| s.1);
    let late_peak = samples.iter().filter(|(t, _)| *t >= at(0.75)).map(|s| s.1).max();
    match (baseline, late_peak) {
        (Some(base), Some(late)) if base > 0 => {
            println!("rss after 10%: {}, highest in the last quarter: {}", mib(base), mib(late));
            if late > base + RSS_SLACK {
                failures.push(format!("memory grew: {} -> {}", mib(base), mib(late)));
            }
        }
        _ => println!("rss: not available on this platform, not checked"),
    }
    if failures.is_empty() {
        println!("soak: ok");
    } else {
        failures.dedup();
        for f in failures.iter().take(20) {
            eprintln!("soak: FAIL: {f}");
        }
        std::process::exit(1);
    }
}
