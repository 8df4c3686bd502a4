//! Sequential awaits on a slow call: the run waits on every one of them.
//!
//! Six rounds of `query` (awaits 20 ms, almost no CPU) then `decode` (1.5
//! ms of CPU), on a one-thread runtime. Twice as fast, `query` saves 60 ms,
//! `decode` 4.5 ms (under 46 ms up to ten times slower CPU): waiting that the whole run waits on is the bottleneck,
//! though it is not busy.

use crate::case::{Case, Program, Task};
use crate::work::{ms, us, Speeds};
use profiler_runtime::monitor;

const QUERY: &str = "sequential_awaits::query";
const DECODE: &str = "sequential_awaits::decode";

pub fn case() -> Case {
    Case {
        name: "sequential_awaits",
        shape: "6 x (await a 20 ms query, then 1.5 ms of CPU decoding it)",
        functions: &[QUERY, DECODE],
        bottleneck: QUERY,
        program: Program::Async { workers: None, main },
    }
}

#[monitor("sequential_awaits::query")]
async fn query(s: Speeds, row: u64) -> u64 {
    s.wait(QUERY, ms(20)).await;
    row * 11
}

#[monitor("sequential_awaits::decode")]
fn decode(s: Speeds, raw: u64) -> u64 {
    s.compute(DECODE, us(1_500));
    raw / 11
}

fn main(s: Speeds) -> Task {
    Box::pin(async move {
        for row in 0..6 {
            let raw = query(s, row).await;
            decode(s, raw);
        }
    })
}
