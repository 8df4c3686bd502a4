//! Async fan-out, then a sequential tail (the shape of issue 29's batch job).
//!
//! Ten items are fetched concurrently on a two-worker runtime; three are in
//! a cache already, so seven `fetch_item` calls of 40 ms wait side by side
//! (280 ms summed, 40 ms of wall). Then five `call_llm` calls of 16 ms run
//! one after another (80 ms) and `score` computes 0.5 ms per item (5 ms).
//! Twice as fast, `call_llm` saves 40 ms, `fetch_item` 20 ms, `score` 2.5 ms (more on a loaded
//! machine, where CPU work stretches, but under 40 ms up to eight times).

use crate::case::{Case, Program, Task};
use crate::work::{ms, spawn, us, Speeds};
use profiler_runtime::{monitor, MonitoredCache};
use std::sync::Arc;

const FETCH: &str = "fanout::fetch_item";
const LLM: &str = "fanout::call_llm";
const SCORE: &str = "fanout::score";

pub fn case() -> Case {
    Case {
        name: "fanout",
        shape: "10 concurrent fetches (3 cached), then 5 sequential model calls",
        functions: &[FETCH, LLM, SCORE],
        bottleneck: LLM,
        program: Program::Async { workers: Some(2), main },
    }
}

#[monitor("fanout::fetch_item")]
async fn fetch_item(s: Speeds, id: u64) -> u64 {
    s.wait(FETCH, ms(40)).await;
    id * 7
}

#[monitor("fanout::call_llm")]
async fn call_llm(s: Speeds, items: &[u64]) -> u64 {
    s.wait(LLM, ms(16)).await;
    items.iter().sum()
}

#[monitor("fanout::score")]
fn score(s: Speeds, item: u64) -> u64 {
    s.compute(SCORE, us(500));
    item % 13
}

fn main(s: Speeds) -> Task {
    Box::pin(async move {
        let items: Arc<MonitoredCache<u64, u64>> =
            Arc::new(MonitoredCache::new("fanout::items", 64).expect("a capacity above 0"));
        for id in [0, 3, 6] {
            items.insert(id, id * 7);
        }
        let fetches: Vec<_> = (0..10)
            .map(|id| {
                let items = Arc::clone(&items);
                spawn(async move {
                    if let Some(item) = items.get(&id) {
                        return item;
                    }
                    let item = fetch_item(s, id).await;
                    items.insert(id, item);
                    item
                })
            })
            .collect();
        let mut fetched = Vec::new();
        for fetch in fetches {
            fetched.push(fetch.await.expect("a fetch task does not panic"));
        }
        for pair in fetched.chunks(2) {
            call_llm(s, pair).await;
        }
        for &item in &fetched {
            score(s, item);
        }
    })
}
