//! A blocking call inside async code: it holds the runtime's one thread,
//! so the future joined with it cannot finish until it returns.
//!
//! Three rounds, on a one-thread runtime, of `tokio::join!` of
//! `fetch_rates` (awaits 30 ms) and `legacy_lookup` (blocks the thread for
//! 60 ms with a blocking sleep, as a synchronous client called from async
//! code does). The fetch's timer fires during the block, but it is polled
//! again only after it, so each of its calls is open at least as long as
//! the blocking one. Twice as fast, `legacy_lookup` saves 90 ms (30 a
//! round: the fetch's 30 ms then bound the round); `fetch_rates` nothing.

use crate::case::{Case, Program, Task};
use crate::work::{ms, Speeds};
use profiler_runtime::monitor;

const FETCH: &str = "blocking_in_async::fetch_rates";
const LEGACY: &str = "blocking_in_async::legacy_lookup";

pub fn case() -> Case {
    Case {
        name: "blocking_in_async",
        shape: "3 x join! a 30 ms await with a 60 ms blocking call, on one thread",
        functions: &[FETCH, LEGACY],
        bottleneck: LEGACY,
        program: Program::Async { workers: None, main },
    }
}

#[monitor("blocking_in_async::fetch_rates")]
async fn fetch_rates(s: Speeds, day: u64) -> u64 {
    s.wait(FETCH, ms(30)).await;
    day * 2
}

#[monitor("blocking_in_async::legacy_lookup")]
async fn legacy_lookup(s: Speeds, day: u64) -> u64 {
    s.block(LEGACY, ms(60));
    day + 1
}

fn main(s: Speeds) -> Task {
    Box::pin(async move {
        for day in 0..3 {
            let (rates, legacy) = tokio::join!(fetch_rates(s, day), legacy_lookup(s, day));
            std::hint::black_box(rates + legacy);
        }
    })
}
