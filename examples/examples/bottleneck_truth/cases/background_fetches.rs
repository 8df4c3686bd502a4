//! Async waits in spawned tasks that run beside the real work and end
//! before it.
//!
//! On a two-worker runtime, the main task spawns eight tasks that each call
//! `prefetch` (awaits 60 ms), then calls `build_index` (90 ms of CPU), then
//! awaits the tasks' handles. Twice as fast, `build_index` saves 30 ms (the
//! prefetches then end the run at 60 ms; more when a loaded machine
//! stretches the CPU work); `prefetch` saves nothing.

use crate::case::{Case, Program, Task};
use crate::work::{ms, spawn, Speeds};
use profiler_runtime::monitor;

const PREFETCH: &str = "background_fetches::prefetch";
const BUILD: &str = "background_fetches::build_index";

pub fn case() -> Case {
    Case {
        name: "background_fetches",
        shape: "8 spawned 60 ms awaits while the main task computes for 90 ms",
        functions: &[PREFETCH, BUILD],
        bottleneck: BUILD,
        program: Program::Async { workers: Some(2), main },
    }
}

#[monitor("background_fetches::prefetch")]
async fn prefetch(s: Speeds, key: u64) -> u64 {
    s.wait(PREFETCH, ms(60)).await;
    key * 5
}

#[monitor("background_fetches::build_index")]
fn build_index(s: Speeds) -> u64 {
    s.compute(BUILD, ms(90));
    7
}

fn main(s: Speeds) -> Task {
    Box::pin(async move {
        let prefetches: Vec<_> = (0..8).map(|key| spawn(prefetch(s, key))).collect();
        let index = build_index(s);
        let mut sum = index;
        for p in prefetches {
            sum += p.await.expect("a prefetch task does not panic");
        }
        std::hint::black_box(sum);
    })
}
