//! How the toolkit's memory and report time grow with the size of a program:
//! T live threads each calling the same 1,000 `#[monitor]` functions.
//!
//! ```text
//! cargo run --release --example scale                  # 64 threads
//! cargo run --release --example scale -- --threads 256
//! ```
//!
//! Prints the resident memory each (thread, callsite) pair costs once it has
//! recorded (durations spread over a few powers of two, as real functions'
//! are), and how long `current_report()` and `end_session()` take while every
//! thread is still alive, each against the targets the scale work aims for
//! (512 bytes a pair; 20 ms a report at 256 threads). It measures; it does
//! not fail. Linux only (reads /proc).

use profiler_runtime::Monitor;
use std::hint::black_box;
use std::sync::{Arc, Barrier};
use std::time::Instant;

/// Work of about `x % 64` multiply steps, so durations span a few octaves.
fn spin(x: u64) -> u64 {
    let mut acc = x;
    for _ in 0..(x % 64) {
        acc = black_box(acc).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
    acc
}

macro_rules! callsites {
    ($($name:ident)*) => {
        $(
            #[profiler_runtime::monitor]
            pub fn $name(x: u64) -> u64 {
                super::super::spin(x)
            }
        )*
        pub const ALL: &[fn(u64) -> u64] = &[$($name),*];
    };
}

macro_rules! tens {
    ($($module:ident)*) => {
        $(pub mod $module { callsites!(a b c d e f g h i j); })*
        pub const ALL: &[&[fn(u64) -> u64]] = &[$($module::ALL),*];
    };
}

macro_rules! hundreds {
    ($($module:ident)*) => {
        $(mod $module { tens!(t0 t1 t2 t3 t4 t5 t6 t7 t8 t9); })*
        const HUNDREDS: &[&[&[fn(u64) -> u64]]] = &[$($module::ALL),*];
    };
}

hundreds!(h0 h1 h2 h3 h4 h5 h6 h7 h8 h9);

fn sites() -> Vec<fn(u64) -> u64> {
    HUNDREDS.iter().flat_map(|h| h.iter()).flat_map(|t| t.iter()).copied().collect()
}

/// `current_report()` readings taken; the median is printed.
const REPORT_RUNS: usize = 9;

fn rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok());
    kib.unwrap_or(0) * 1024
}

fn threads_arg() -> Result<usize, String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [] => Ok(64),
        [flag, n] if flag == "--threads" => match n.parse::<usize>() {
            Ok(n) if (1..=4096).contains(&n) => Ok(n),
            _ => Err(format!("--threads takes a whole number from 1 to 4096, not {n:?}")),
        },
        _ => Err(format!("usage: scale [--threads N] (got {args:?})")),
    }
}

fn main() {
    let threads = match threads_arg() {
        Ok(n) => n,
        Err(e) => {
            eprintln!("scale: {e}");
            std::process::exit(2);
        }
    };
    let sites = Arc::new(sites());
    let m = Monitor::new();
    m.start_session("scale");
    let before = rss_bytes();

    // Every thread records every callsite a few times, then stays alive (and
    // keeps its shard) until the reports are taken.
    let recorded = Arc::new(Barrier::new(threads + 1));
    let release = Arc::new(Barrier::new(threads + 1));
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let (m, sites) = (m.clone(), sites.clone());
            let (recorded, release) = (recorded.clone(), release.clone());
            std::thread::spawn(move || {
                m.scope(|| {
                    for round in 0..4u64 {
                        for (i, f) in sites.iter().enumerate() {
                            black_box(f(black_box(round * 1_000 + i as u64 + t as u64)));
                        }
                    }
                });
                recorded.wait();
                release.wait();
            })
        })
        .collect();
    recorded.wait();
    let after = rss_bytes();
    let pairs = (threads * sites.len()) as u64;
    let per_pair = after.saturating_sub(before) / pairs;

    // The median of several readings: one alone moves with the VM's noise.
    let mut live_runs = Vec::new();
    let mut live = None;
    for _ in 0..REPORT_RUNS {
        let started = Instant::now();
        live = Some(m.current_report().expect("a session is running"));
        live_runs.push(started.elapsed().as_secs_f64() * 1e3);
    }
    live_runs.sort_by(f64::total_cmp);
    let live_ms = live_runs[live_runs.len() / 2];
    let live = live.expect("at least one reading");
    let started = Instant::now();
    let report = m.end_session().expect("a session is running");
    let end_ms = started.elapsed().as_secs_f64() * 1e3;
    release.wait();
    for h in handles {
        h.join().expect("a worker thread panicked");
    }

    let calls: u64 = report.operations.iter().map(|op| op.calls).sum();
    assert_eq!(calls, pairs * 4, "every call counted");
    assert_eq!(live.operations.len(), sites.len());
    let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
    println!("scale: {threads} threads x {} callsites = {pairs} pairs, {calls} calls", sites.len());
    println!(
        "scale: RSS {:.1} MiB -> {:.1} MiB: {per_pair} bytes per (thread, callsite) pair (target 512)",
        mib(before),
        mib(after)
    );
    println!(
        "scale: current_report() {live_ms:.1} ms (median of {REPORT_RUNS}; {:.1} to {:.1}), end_session() {end_ms:.1} ms (target 20 ms each at 256 threads)",
        live_runs[0],
        live_runs[live_runs.len() - 1]
    );
}
