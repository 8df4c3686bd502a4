//! Instrumented functions need no set-up: no guard in `main`, no init call.
//! A test binary of its own, so the calls here really are the process's first.

use profiler_runtime::monitor;
use std::sync::{Arc, Barrier};

#[monitor("no_setup::first")]
fn first(x: u64) -> u64 {
    x + 1
}

#[monitor("no_setup::second")]
async fn second(x: u64) -> Result<u64, String> {
    Ok(x * 2)
}

#[monitor("no_setup::third")]
fn third(x: u64) -> Result<u64, String> {
    if x % 10 == 0 {
        Err(format!("{x} is a multiple of ten"))
    } else {
        Ok(x)
    }
}

#[test]
fn the_first_calls_of_a_process_from_racing_threads_never_panic_and_are_counted() {
    // Before any session exists: calls from several threads at once, racing
    // to register the callsites and create their shards. Nothing to see yet,
    // but nothing may panic.
    let racers = |calls: u64, with_third: bool| {
        let barrier = Arc::new(Barrier::new(8));
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let barrier = barrier.clone();
                std::thread::spawn(move || {
                    barrier.wait();
                    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
                    for i in 0..calls {
                        first(i);
                        rt.block_on(second(i)).unwrap();
                        if with_third {
                            let _ = third(i);
                        }
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().expect("an instrumented call panicked");
        }
    };
    racers(10, false);

    // The global monitor is usable as is; calls from new threads are counted,
    // including those of `third`, whose registration races inside the session.
    let m = profiler_runtime::global();
    m.start_session("after-the-race");
    racers(500, true);
    let report = m.end_session().unwrap();
    assert_eq!(report.operation("no_setup::first").unwrap().calls, 8 * 500);
    assert_eq!(report.operation("no_setup::second").unwrap().calls, 8 * 500);
    assert_eq!(report.operation("no_setup::second").unwrap().failures, 0);
    let third = report.operation("no_setup::third").unwrap();
    assert_eq!((third.calls, third.failures), (8 * 500, 8 * 50));
}
