//! Async fan-out that is the bottleneck, though its calls overlap: counted
//! once, the concurrent wait still covers most of the run.
//!
//! Eight `fetch_page` calls await 80 ms side by side on a two-worker
//! runtime (640 ms summed, 80 ms of wall), then three `summarize` calls
//! await 8 ms each in turn. Twice as fast, `fetch_page` saves 40 ms,
//! `summarize` 12 ms.

use crate::case::{Case, Program, Task};
use crate::work::{ms, spawn, Speeds};
use profiler_runtime::monitor;

const FETCH: &str = "fanout_dominant::fetch_page";
const SUMMARIZE: &str = "fanout_dominant::summarize";

pub fn case() -> Case {
    Case {
        name: "fanout_dominant",
        shape: "8 concurrent 80 ms fetches, then 3 sequential 8 ms calls",
        functions: &[FETCH, SUMMARIZE],
        bottleneck: FETCH,
        program: Program::Async { workers: Some(2), main },
    }
}

#[monitor("fanout_dominant::fetch_page")]
async fn fetch_page(s: Speeds, page: u64) -> u64 {
    s.wait(FETCH, ms(80)).await;
    page * 10
}

#[monitor("fanout_dominant::summarize")]
async fn summarize(s: Speeds, pages: &[u64]) -> u64 {
    s.wait(SUMMARIZE, ms(8)).await;
    pages.iter().sum()
}

fn main(s: Speeds) -> Task {
    Box::pin(async move {
        let fetches: Vec<_> = (0..8).map(|page| spawn(fetch_page(s, page))).collect();
        let mut pages = Vec::new();
        for fetch in fetches {
            pages.push(fetch.await.expect("a fetch task does not panic"));
        }
        for part in pages.chunks(3) {
            summarize(s, part).await;
        }
    })
}
