//! The loop `ablate.sh` counts: N sync and N async `#[monitor]` calls of a
//! trivial function, and the same loops over the bare function. Built
//! against a copy of the runtime with one measure removed.

use profiler_runtime::monitor;
use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

#[inline(never)]
fn bare(x: u64) -> u64 {
    black_box(x.wrapping_mul(3))
}

#[monitor("ablate::sync")]
#[inline(never)]
fn sync_call(x: u64) -> u64 {
    black_box(x.wrapping_mul(3))
}

async fn bare_async(x: u64) -> u64 {
    black_box(x.wrapping_mul(3))
}

#[monitor("ablate::async")]
async fn async_call(x: u64) -> u64 {
    black_box(x.wrapping_mul(3))
}

#[inline(never)]
fn loop_bare(n: u64) -> u64 {
    (0..n).map(bare).fold(0, u64::wrapping_add)
}

#[inline(never)]
fn loop_sync(n: u64) -> u64 {
    (0..n).map(sync_call).fold(0, u64::wrapping_add)
}

fn ready<F: Future<Output = u64>>(future: F) -> u64 {
    match pin!(future).as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(v) => v,
        Poll::Pending => unreachable!("ready at once"),
    }
}

#[inline(never)]
fn loop_bare_async(n: u64) -> u64 {
    (0..n).map(|i| ready(bare_async(i))).fold(0, u64::wrapping_add)
}

#[inline(never)]
fn loop_async(n: u64) -> u64 {
    (0..n).map(|i| ready(async_call(i))).fold(0, u64::wrapping_add)
}

fn main() {
    let n: u64 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let m = profiler_runtime::global();
    m.start_session("ablate");
    // Registration, the thread's storage and the clock's calibration first.
    black_box((sync_call(1), ready(async_call(1))));
    black_box((loop_bare(n), loop_sync(n), loop_bare_async(n), loop_async(n)));
    let _ = m.end_session();
}
