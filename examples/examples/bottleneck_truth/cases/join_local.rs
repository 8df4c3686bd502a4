//! Futures joined with local work: the wait hides the CPU beside it.
//!
//! Three rounds, on a one-thread runtime, of `tokio::join!` of
//! `fetch_profile` (awaits 60 ms) and `render` (5 ms of CPU on the same
//! thread, done while the fetch waits), then `persist` (awaits 8 ms). Each
//! round lasts as long as the fetch. Twice as fast, `fetch_profile` saves
//! 90 ms, `persist` 12 ms and `render` nothing (also with `render`
//! stretched six times by a loaded machine).

use crate::case::{Case, Program, Task};
use crate::work::{ms, Speeds};
use profiler_runtime::monitor;

const FETCH: &str = "join_local::fetch_profile";
const RENDER: &str = "join_local::render";
const PERSIST: &str = "join_local::persist";

pub fn case() -> Case {
    Case {
        name: "join_local",
        shape: "3 x (join! a 60 ms fetch with 5 ms of local CPU, then await 8 ms)",
        functions: &[FETCH, RENDER, PERSIST],
        bottleneck: FETCH,
        program: Program::Async { workers: None, main },
    }
}

#[monitor("join_local::fetch_profile")]
async fn fetch_profile(s: Speeds, user: u64) -> u64 {
    s.wait(FETCH, ms(60)).await;
    user + 100
}

#[monitor("join_local::render")]
async fn render(s: Speeds, user: u64) -> u64 {
    s.compute(RENDER, ms(5));
    user * 2
}

#[monitor("join_local::persist")]
async fn persist(s: Speeds, profile: u64, page: u64) -> u64 {
    s.wait(PERSIST, ms(8)).await;
    profile ^ page
}

fn main(s: Speeds) -> Task {
    Box::pin(async move {
        for user in 0..3 {
            let (profile, page) = tokio::join!(fetch_profile(s, user), render(s, user));
            persist(s, profile, page).await;
        }
    })
}
