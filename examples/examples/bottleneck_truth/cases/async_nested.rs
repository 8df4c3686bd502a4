//! Nested async calls: the outer call is open for the whole request, its
//! own share is small, and the slow inner await is the bottleneck.
//!
//! Four requests in turn, on a one-thread runtime: `handle` (2 ms of its
//! own CPU) awaits `authorize` (5 ms) then `query` (35 ms). Twice as fast,
//! `query` saves 70 ms, `authorize` 10 ms, `handle` 4 ms (under 54 ms up to
//! thirteen times slower CPU).

use crate::case::{Case, Program, Task};
use crate::work::{ms, Speeds};
use profiler_runtime::monitor;

const HANDLE: &str = "async_nested::handle";
const AUTHORIZE: &str = "async_nested::authorize";
const QUERY: &str = "async_nested::query";

pub fn case() -> Case {
    Case {
        name: "async_nested",
        shape: "4 requests: handle (2 ms own CPU) awaits authorize (5 ms) then query (35 ms)",
        functions: &[HANDLE, AUTHORIZE, QUERY],
        bottleneck: QUERY,
        program: Program::Async { workers: None, main },
    }
}

#[monitor("async_nested::handle")]
async fn handle(s: Speeds, request: u64) -> u64 {
    s.compute(HANDLE, ms(2));
    let user = authorize(s, request).await;
    query(s, user).await
}

#[monitor("async_nested::authorize")]
async fn authorize(s: Speeds, request: u64) -> u64 {
    s.wait(AUTHORIZE, ms(5)).await;
    request + 7
}

#[monitor("async_nested::query")]
async fn query(s: Speeds, user: u64) -> u64 {
    s.wait(QUERY, ms(35)).await;
    user * 3
}

fn main(s: Speeds) -> Task {
    Box::pin(async move {
        for request in 0..4 {
            handle(s, request).await;
        }
    })
}
