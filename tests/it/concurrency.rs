//! Many threads, many callsites: counts stay exact while sessions rotate,
//! threads come and go, and the monitor is switched on and off.

use profiler_runtime::{monitor, Monitor, SessionReport};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

/// Defines one `#[monitor]` function per name (named after its path,
/// `concurrency::s00`, ...) and the table `SITES` of them with their names.
macro_rules! sites {
    ($($name:ident)*) => {
        $(
            #[monitor]
            fn $name(x: u64) -> u64 {
                std::hint::black_box(x ^ 0x5a)
            }
        )*
        const SITES: &[(fn(u64) -> u64, &str)] =
            &[$(($name, concat!("concurrency::", stringify!($name)))),*];
    };
}

sites! {
    s00 s01 s02 s03 s04 s05 s06 s07 s08 s09 s10 s11 s12 s13 s14 s15 s16 s17 s18 s19
    s20 s21 s22 s23 s24 s25 s26 s27 s28 s29 s30 s31 s32 s33 s34 s35 s36 s37 s38 s39
    s40 s41 s42 s43 s44 s45 s46 s47 s48 s49
}

#[monitor("concurrency::beat")]
fn beat(fail: bool) -> Result<(), &'static str> {
    if fail {
        Err("beat failed")
    } else {
        Ok(())
    }
}

/// A small deterministic generator, so each thread spreads its calls unevenly.
fn next(state: &mut u64) -> u64 {
    *state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    *state >> 33
}

fn beats(report: &SessionReport) -> (u64, u64) {
    report.operation("concurrency::beat").map_or((0, 0), |op| (op.calls, op.failures))
}

#[test]
fn eight_threads_over_fifty_callsites_give_exact_counts() {
    assert_eq!(SITES.len(), 50);
    let m = Monitor::new();
    m.start_session("fan-out");
    let expected: Vec<[u64; 50]> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..8u64)
            .map(|t| {
                let m = &m;
                s.spawn(move || {
                    let mut made = [0u64; 50];
                    let mut state = t + 1;
                    m.scope(|| {
                        for _ in 0..100_000 {
                            let i = (next(&mut state) % 50) as usize;
                            (SITES[i].0)(state);
                            made[i] += 1;
                        }
                    });
                    made
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    let report = m.end_session().unwrap();
    assert_eq!(report.operations.len(), 50);
    for (i, (_, name)) in SITES.iter().enumerate() {
        let made: u64 = expected.iter().map(|per_thread| per_thread[i]).sum();
        let row = report.operation(name).unwrap_or_else(|| panic!("no row {name}"));
        assert_eq!(row.calls, made, "{name}");
        assert_eq!(row.histogram.count(), made, "{name}");
    }
    let total: u64 = report.operations.iter().map(|op| op.calls).sum();
    assert_eq!(total, 800_000);
}

#[test]
fn sessions_rotated_while_threads_record_add_up_to_every_call() {
    let m = Monitor::new();
    m.set_history_capacity(1_000);
    let stop = AtomicBool::new(false);
    let (made, failed) = (AtomicU64::new(0), AtomicU64::new(0));
    m.start_session("rotation-0");
    std::thread::scope(|s| {
        for t in 0..4u64 {
            let (m, stop, made, failed) = (&m, &stop, &made, &failed);
            s.spawn(move || {
                m.scope(|| {
                    let mut i = 0u64;
                    while !stop.load(Ordering::Relaxed) || i < 1_000 {
                        let fail = (i + t) % 9 == 0;
                        let _ = beat(fail);
                        made.fetch_add(1, Ordering::Relaxed);
                        failed.fetch_add(u64::from(fail), Ordering::Relaxed);
                        i += 1;
                    }
                })
            });
        }
        for n in 1..=60 {
            std::thread::sleep(Duration::from_micros(300));
            m.start_session(format!("rotation-{n}"));
        }
        stop.store(true, Ordering::Relaxed);
    });
    m.end_session();
    let history = m.session_history();
    assert_eq!(history.len(), 61);
    let (calls, failures) =
        history.iter().map(beats).fold((0, 0), |(c, f), (bc, bf)| (c + bc, f + bf));
    assert_eq!(calls, made.load(Ordering::Relaxed));
    assert_eq!(failures, failed.load(Ordering::Relaxed));
}

#[test]
fn threads_that_exit_mid_session_keep_their_calls_in_the_report() {
    let m = Monitor::new();
    m.start_session("short-lived");
    let run = |threads: u64, calls: u64| {
        std::thread::scope(|s| {
            for _ in 0..threads {
                s.spawn(|| m.scope(|| (0..calls).for_each(|i| beat(i % 10 == 0).unwrap_or(()))));
            }
        });
    };
    run(4, 1_000);
    assert_eq!(beats(&m.current_report().unwrap()), (4_000, 400));
    // New threads after those exited (they reuse the exited threads' storage).
    run(2, 500);
    run(1, 250);
    assert_eq!(beats(&m.end_session().unwrap()), (5_250, 525));
}

#[test]
fn a_reading_of_many_threads_split_across_readers_adds_up_exactly() {
    // 48 live threads: past the size at which a reading is shared between
    // helper threads, so the merged reading is checked against the truth.
    const THREADS: u64 = 48;
    let m = Monitor::new();
    m.start_session("wide");
    let ready = std::sync::Barrier::new(THREADS as usize + 1);
    let done = std::sync::Barrier::new(THREADS as usize + 1);
    std::thread::scope(|s| {
        for t in 0..THREADS {
            let (m, ready, done) = (&m, &ready, &done);
            s.spawn(move || {
                m.scope(|| {
                    for i in 0..(100 + t * 10) {
                        let _ = beat(i % 7 == 0);
                        SITES[(t % 50) as usize].0(i);
                    }
                    m.add_count("concurrency::wide", t);
                });
                ready.wait();
                done.wait();
            });
        }
        ready.wait();
        let live = m.current_report().unwrap();
        done.wait();
        let calls: u64 = (0..THREADS).map(|t| 100 + t * 10).sum();
        let failures: u64 = (0..THREADS).map(|t| (100 + t * 10).div_ceil(7)).sum();
        assert_eq!(beats(&live), (calls, failures));
        let beat_row = live.operation("concurrency::beat").unwrap();
        assert_eq!(beat_row.histogram.count(), calls);
        assert_eq!(beat_row.last_error.as_deref(), Some("beat failed"));
        assert_eq!(live.counters.get("concurrency::wide"), Some(&(0..THREADS).sum::<u64>()));
        let site_calls: u64 =
            SITES.iter().filter_map(|(_, n)| live.operation(n)).map(|op| op.calls).sum();
        assert_eq!(site_calls, calls);
    });
    assert_eq!(beats(&m.end_session().unwrap()).0, (0..THREADS).map(|t| 100 + t * 10).sum::<u64>());
}

#[test]
fn many_short_threads_in_sequence_lose_nothing() {
    let m = Monitor::new();
    m.start_session("churn");
    for _ in 0..50 {
        std::thread::spawn({
            let m = m.clone();
            move || m.scope(|| (0..100).for_each(|_| beat(false).unwrap()))
        })
        .join()
        .unwrap();
    }
    assert_eq!(beats(&m.end_session().unwrap()), (5_000, 0));
}

#[test]
fn toggling_the_monitor_from_another_thread_while_calls_run_is_safe() {
    let m = Monitor::new();
    m.start_session("toggle");
    let made = AtomicU64::new(0);
    std::thread::scope(|s| {
        for _ in 0..4 {
            let (m, made) = (&m, &made);
            s.spawn(move || {
                m.scope(|| {
                    for i in 0..50_000u64 {
                        let _ = beat(i % 100 == 0);
                        made.fetch_add(1, Ordering::Relaxed);
                    }
                })
            });
        }
        s.spawn(|| {
            for i in 0..2_000 {
                if i % 2 == 0 {
                    m.disable();
                } else {
                    m.enable();
                }
                std::thread::yield_now();
            }
        });
    });
    assert!(m.is_enabled(), "the toggler ended on enable");
    m.scope(|| (0..100).for_each(|_| beat(false).unwrap()));
    let (calls, failures) = beats(&m.end_session().unwrap());
    let made = made.load(Ordering::Relaxed) + 100;
    assert!(calls <= made, "{calls} recorded of {made} made");
    assert!(calls >= 100, "the calls after the toggling are all recorded: {calls}");
    assert!(failures <= calls);
}

#[test]
fn live_reports_taken_while_threads_record_never_go_backwards() {
    let m = Monitor::new();
    m.start_session("live");
    let stop = AtomicBool::new(false);
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                m.scope(|| {
                    while !stop.load(Ordering::Relaxed) {
                        beat(false).unwrap();
                    }
                })
            });
        }
        let mut last = 0;
        for _ in 0..200 {
            let (calls, _) = beats(&m.current_report().unwrap());
            assert!(calls >= last, "{calls} after {last}");
            last = calls;
        }
        stop.store(true, Ordering::Relaxed);
    });
    let report = m.end_session().unwrap();
    let row = report.operation("concurrency::beat").unwrap();
    assert_eq!(row.histogram.count(), row.calls);
}
