//! Busy versus waiting for futures: a future that sleeps mostly waits, one
//! that spins between yields is busy in many short polls, and one that
//! blocks its thread is busy in one long poll.

use profiler_runtime::{monitor, Monitor, Polling, SessionReport};
use std::time::{Duration, Instant};

#[monitor("polling::sleeps")]
async fn sleeps() {
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Polls in which `spins` spins, and how long each spins for. Enough of
/// them that a loaded machine preempting the thread once or twice between
/// polls (which counts as waiting) leaves it mostly busy; short enough that
/// preemptions inside polls do not make them look blocking (1 ms a poll).
const SPINS: u32 = 200;
const SPIN: Duration = Duration::from_micros(50);

#[monitor("polling::spins")]
async fn spins() {
    for _ in 0..SPINS {
        let started = Instant::now();
        while started.elapsed() < SPIN {
            std::hint::spin_loop();
        }
        tokio::task::yield_now().await;
    }
}

#[monitor("polling::blocks")]
async fn blocks() {
    std::thread::sleep(Duration::from_millis(20));
}

#[monitor("polling::ready")]
async fn ready() -> u32 {
    7
}

fn run(m: &Monitor, f: impl std::future::Future<Output = ()>) -> SessionReport {
    m.start_session("polling");
    let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
    rt.block_on(m.bind(f));
    m.end_session().unwrap()
}

fn polling<'a>(r: &'a SessionReport, name: &str) -> &'a Polling {
    r.operation(name).unwrap().polling.as_ref().expect("a future has polling figures")
}

#[test]
fn a_sleeping_future_mostly_waits_across_its_polls() {
    let m = Monitor::new();
    let r = run(&m, async {
        sleeps().await;
        sleeps().await;
    });
    let p = polling(&r, "polling::sleeps");
    let op = r.operation("polling::sleeps").unwrap();
    assert_eq!(p.polls, 8, "three sleeps: four polls a call");
    assert_eq!(p.polls_per_call, 4.0);
    assert_eq!(p.busy_ns + p.waiting_ns, op.total_ns, "busy and waiting make the wall time");
    assert!(p.busy_share < 0.2, "{p:?}");
    assert!(p.waiting_ns >= 2 * 3 * 5_000_000, "at least the sleeps: {p:?}");
}

#[test]
fn a_spinning_future_is_busy_in_many_short_polls() {
    let m = Monitor::new();
    let r = run(&m, spins());
    let p = polling(&r, "polling::spins");
    assert_eq!(p.polls, u64::from(SPINS) + 1);
    let spun = SPIN.as_nanos() as u64 * u64::from(SPINS);
    assert!(p.busy_ns >= spun, "every spin is inside a poll: {p:?}");
    assert!(p.mean_poll_ns >= spun / p.polls, "{p:?}");
    assert!(p.busy_share > 0.5, "{p:?}");
    assert!(r.findings.iter().all(|f| f.kind != "blocks_executor"), "short polls block nothing");
}

#[test]
fn a_blocking_future_is_one_long_busy_poll_and_a_finding() {
    let m = Monitor::new();
    let r = run(&m, blocks());
    let p = polling(&r, "polling::blocks");
    assert_eq!((p.polls, p.waiting_ns), (1, 0));
    assert_eq!(p.busy_share, 1.0);
    assert!(p.mean_poll_ns >= 20_000_000, "{p:?}");
    let finding = r.findings.iter().find(|f| f.kind == "blocks_executor").expect("a finding");
    assert!(finding.message.contains("polling::blocks"), "{}", finding.message);
    let advice = finding.recommendation.as_deref().unwrap_or_default();
    assert!(advice.contains("spawn_blocking"), "{advice}");
}

#[test]
fn a_ready_future_is_one_poll_and_sync_calls_have_no_polling() {
    let m = Monitor::new();
    let r = run(&m, async {
        for _ in 0..3 {
            ready().await;
        }
    });
    let p = polling(&r, "polling::ready");
    assert_eq!((p.polls, p.polls_per_call, p.waiting_ns), (3, 1.0, 0));
    let back = SessionReport::from_json(&r.to_json().unwrap()).unwrap();
    assert_eq!(back.operation("polling::ready").unwrap().polling.as_ref(), Some(p));
}
