//! Parallel CPU work on threads that is the bottleneck.
//!
//! Four threads each call `hash_chunk`, 25 ms of CPU (100 ms of CPU on two
//! cores: 50 ms of wall, 100 ms on one), then `reduce` computes for 5 ms.
//! Twice as fast, `hash_chunk` saves 25 to 50 ms, `reduce` 2.5 ms (both
//! more on a loaded machine).

use crate::case::{Case, Program};
use crate::work::{ms, routed, Speeds};
use profiler_runtime::monitor;

const HASH: &str = "parallel_cpu::hash_chunk";
const REDUCE: &str = "parallel_cpu::reduce";

pub fn case() -> Case {
    Case {
        name: "parallel_cpu",
        shape: "4 threads compute 25 ms each, then 5 ms of CPU reducing",
        functions: &[HASH, REDUCE],
        bottleneck: HASH,
        program: Program::Sync(main),
    }
}

#[monitor("parallel_cpu::hash_chunk")]
fn hash_chunk(s: Speeds, chunk: u64) -> u64 {
    s.compute(HASH, ms(25));
    chunk.wrapping_mul(0x9e37_79b9)
}

#[monitor("parallel_cpu::reduce")]
fn reduce(s: Speeds, hashes: &[u64]) -> u64 {
    s.compute(REDUCE, ms(5));
    hashes.iter().fold(0, |a, h| a ^ h)
}

fn main(s: Speeds) {
    let hashes: Vec<u64> = std::thread::scope(|scope| {
        let workers: Vec<_> =
            (0..4).map(|chunk| scope.spawn(routed(move || hash_chunk(s, chunk)))).collect();
        workers.into_iter().map(|w| w.join().expect("a worker does not panic")).collect()
    });
    reduce(s, &hashes);
}
