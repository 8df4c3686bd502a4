//! A monitored coordinator that spawns tasks and awaits their handles.
//!
//! `coordinate` does 2 ms of CPU, spawns five tasks on a two-worker runtime
//! (each `download`, awaiting 60 ms, then `checksum`, 2 ms of CPU), awaits
//! their `JoinHandle`s, then calls `merge` (6 ms of CPU). `coordinate` is
//! open for the whole run, but its own work is 2 ms: the time it spends
//! awaiting handles is the tasks'. Twice as fast, `download` saves 30 ms,
//! `merge` 3 ms, `checksum` under 5 ms, `coordinate` 1 ms (CPU
//! work stretched by load saves more, but under 30 ms up to six times).

use crate::case::{Case, Program, Task};
use crate::work::{ms, spawn, Speeds};
use profiler_runtime::monitor;

const COORDINATE: &str = "coordinator::coordinate";
const DOWNLOAD: &str = "coordinator::download";
const CHECKSUM: &str = "coordinator::checksum";
const MERGE: &str = "coordinator::merge";

pub fn case() -> Case {
    Case {
        name: "coordinator",
        shape: "a coordinator spawns 5 tasks (60 ms download, 2 ms checksum), awaits them, merges",
        functions: &[COORDINATE, DOWNLOAD, CHECKSUM, MERGE],
        bottleneck: DOWNLOAD,
        program: Program::Async { workers: Some(2), main },
    }
}

#[monitor("coordinator::coordinate")]
async fn coordinate(s: Speeds) -> u64 {
    s.compute(COORDINATE, ms(2));
    let tasks: Vec<_> = (0..5)
        .map(|part| {
            spawn(async move {
                let bytes = download(s, part).await;
                checksum(s, bytes)
            })
        })
        .collect();
    let mut sums = Vec::new();
    for task in tasks {
        sums.push(task.await.expect("a download task does not panic"));
    }
    merge(s, &sums)
}

#[monitor("coordinator::download")]
async fn download(s: Speeds, part: u64) -> u64 {
    s.wait(DOWNLOAD, ms(60)).await;
    part * 1_000
}

#[monitor("coordinator::checksum")]
fn checksum(s: Speeds, bytes: u64) -> u64 {
    s.compute(CHECKSUM, ms(2));
    bytes % 255
}

#[monitor("coordinator::merge")]
fn merge(s: Speeds, sums: &[u64]) -> u64 {
    s.compute(MERGE, ms(6));
    sums.iter().sum()
}

fn main(s: Speeds) -> Task {
    Box::pin(async move {
        coordinate(s).await;
    })
}
