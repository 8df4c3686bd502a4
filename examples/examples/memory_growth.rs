//! Memory stays flat under sustained calls: 10 million calls over 100
//! callsites on 4 threads must grow the process by less than 1 MiB beyond what
//! a warm-up of 100 calls of each callsite on each thread allocated (its shard
//! slots, and histogram pages for the powers of two its durations took).
//! Nothing is queued per call and no collector thread exists; what can still
//! appear is a page for a power of two no call had reached before (a call
//! preempted for a millisecond), at most 41 of 64 bytes per thread and
//! callsite.
//!
//! ```text
//! cargo run --release --example memory_growth            # 10 million calls
//! cargo run --release --example memory_growth -- 50000000
//! ```
//!
//! Exits non-zero if the growth reaches 1 MiB. Linux only (reads /proc).

use profiler_runtime::monitor;
use std::hint::black_box;

macro_rules! callsites {
    ($($name:ident)*) => {
        $(
            #[monitor]
            pub fn $name(x: u64) -> u64 {
                black_box(x).wrapping_mul(0x9E37_79B9_7F4A_7C15)
            }
        )*
        pub const ALL: &[fn(u64) -> u64] = &[$($name),*];
    };
}

macro_rules! modules {
    ($($module:ident)*) => {
        $(mod $module { use super::*; callsites!(a b c d e f g h i j); })*
        const MODULES: &[&[fn(u64) -> u64]] = &[$($module::ALL),*];
    };
}

modules!(m0 m1 m2 m3 m4 m5 m6 m7 m8 m9);

fn rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    Some(line.split_whitespace().nth(1)?.parse::<u64>().ok()? * 1024)
}

/// Runs `threads` threads that are all alive at once (each holds its own
/// shard), each making `calls_per_thread` calls round-robin over `sites`.
fn run(threads: usize, calls_per_thread: u64, sites: &'static [fn(u64) -> u64]) {
    let together = std::sync::Arc::new(std::sync::Barrier::new(threads));
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let together = together.clone();
            std::thread::spawn(move || {
                together.wait();
                let mut acc = 0u64;
                for i in 0..calls_per_thread {
                    acc = acc.wrapping_add(sites[(i % sites.len() as u64) as usize](i));
                }
                black_box(acc);
                together.wait();
            })
        })
        .collect();
    for h in handles {
        h.join().expect("worker panicked");
    }
}

fn main() {
    let total: u64 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(10_000_000);
    let threads = 4;
    let sites: &'static [fn(u64) -> u64] = Box::leak(
        MODULES.iter().flat_map(|m| m.iter().copied()).collect::<Vec<_>>().into_boxed_slice(),
    );
    assert_eq!(sites.len(), 100);

    let m = profiler_runtime::global();
    m.start_session("memory-growth");
    // Warm-up: 100 calls of every callsite on 4 concurrent threads. Threads
    // that exit hand their shards back; the next threads reuse them.
    const WARM_UP_ROUNDS: u64 = 100;
    run(threads, sites.len() as u64 * WARM_UP_ROUNDS, sites);
    let Some(before) = rss_bytes() else {
        println!("memory_growth: /proc/self/status not available; nothing measured");
        return;
    };
    run(threads, total / threads as u64, sites);
    let after = rss_bytes().unwrap_or(before);
    let report = m.end_session().expect("session running");
    let calls: u64 = report.operations.iter().map(|op| op.calls).sum();

    let growth = after as i64 - before as i64;
    println!(
        "memory_growth: {calls} calls over {} callsites on {threads} threads; RSS {:.2} MiB -> {:.2} MiB (growth {} KiB)",
        report.operations.len(),
        before as f64 / 1048576.0,
        after as f64 / 1048576.0,
        growth / 1024
    );
    assert_eq!(
        calls,
        sites.len() as u64 * WARM_UP_ROUNDS * threads as u64
            + total / threads as u64 * threads as u64
    );
    if growth >= 1 << 20 {
        eprintln!("memory_growth: FAILED, the process grew by 1 MiB or more");
        std::process::exit(1);
    }
    println!("memory_growth: ok (< 1 MiB)");
}
