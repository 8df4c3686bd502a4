//! Threads waiting in parallel, then CPU work.
//!
//! Four threads each call `read_shard`, which blocks for 30 ms (120 ms
//! summed, 30 ms of wall); then `aggregate` computes for 60 ms of CPU.
//! Twice as fast, `aggregate` saves 30 ms (more when a loaded machine
//! stretches its CPU time), `read_shard` 15 ms.

use crate::case::{Case, Program};
use crate::work::{ms, routed, Speeds};
use profiler_runtime::monitor;

const READ: &str = "threads_wait::read_shard";
const AGGREGATE: &str = "threads_wait::aggregate";

pub fn case() -> Case {
    Case {
        name: "threads_wait",
        shape: "4 threads block 30 ms each in parallel, then 60 ms of CPU",
        functions: &[READ, AGGREGATE],
        bottleneck: AGGREGATE,
        program: Program::Sync(main),
    }
}

#[monitor("threads_wait::read_shard")]
fn read_shard(s: Speeds, shard: u64) -> u64 {
    s.block(READ, ms(30));
    shard + 1
}

#[monitor("threads_wait::aggregate")]
fn aggregate(s: Speeds, shards: &[u64]) -> u64 {
    s.compute(AGGREGATE, ms(60));
    shards.iter().sum()
}

fn main(s: Speeds) {
    let shards: Vec<u64> = std::thread::scope(|scope| {
        let readers: Vec<_> =
            (0..4).map(|shard| scope.spawn(routed(move || read_shard(s, shard)))).collect();
        readers.into_iter().map(|r| r.join().expect("a reader does not panic")).collect()
    });
    aggregate(s, &shards);
}
