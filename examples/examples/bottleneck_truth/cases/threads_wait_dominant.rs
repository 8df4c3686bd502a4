//! Threads waiting in parallel that are the bottleneck: counted by how much
//! of the run they cover, not summed, they still cover most of it.
//!
//! Four threads each call `read_shard`, which blocks for 80 ms (320 ms
//! summed, 80 ms of wall); then `aggregate` computes for 10 ms of CPU.
//! Twice as fast, `read_shard` saves 40 ms, `aggregate` 5 ms (under 31 ms
//! up to six times slower CPU).

use crate::case::{Case, Program};
use crate::work::{ms, routed, Speeds};
use profiler_runtime::monitor;

const READ: &str = "threads_wait_dominant::read_shard";
const AGGREGATE: &str = "threads_wait_dominant::aggregate";

pub fn case() -> Case {
    Case {
        name: "threads_wait_dominant",
        shape: "4 threads block 80 ms each in parallel, then 10 ms of CPU",
        functions: &[READ, AGGREGATE],
        bottleneck: READ,
        program: Program::Sync(main),
    }
}

#[monitor("threads_wait_dominant::read_shard")]
fn read_shard(s: Speeds, shard: u64) -> u64 {
    s.block(READ, ms(80));
    shard + 1
}

#[monitor("threads_wait_dominant::aggregate")]
fn aggregate(s: Speeds, shards: &[u64]) -> u64 {
    s.compute(AGGREGATE, ms(10));
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
