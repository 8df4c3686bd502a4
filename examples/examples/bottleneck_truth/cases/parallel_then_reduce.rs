//! Parallel CPU work on threads that is not the bottleneck, though its
//! calls' times sum to more than anything else.
//!
//! Eight threads each call `hash_chunk`, 4 ms of CPU (32 ms of CPU: 16 ms
//! of wall on two cores, 32 ms on one, and each call open for about that
//! long, as the threads share the cores, so their times sum to 128 ms or
//! more); then `reduce` computes for 80 ms. Twice as fast, `reduce` saves
//! 40 ms, `hash_chunk` 8 to 16 ms.

use crate::case::{Case, Program};
use crate::work::{ms, routed, Speeds};
use profiler_runtime::monitor;

const HASH: &str = "parallel_then_reduce::hash_chunk";
const REDUCE: &str = "parallel_then_reduce::reduce";

pub fn case() -> Case {
    Case {
        name: "parallel_then_reduce",
        shape: "8 threads compute 4 ms each, then 80 ms of CPU reducing",
        functions: &[HASH, REDUCE],
        bottleneck: REDUCE,
        program: Program::Sync(main),
    }
}

#[monitor("parallel_then_reduce::hash_chunk")]
fn hash_chunk(s: Speeds, chunk: u64) -> u64 {
    s.compute(HASH, ms(4));
    chunk.wrapping_mul(0x9e37_79b9)
}

#[monitor("parallel_then_reduce::reduce")]
fn reduce(s: Speeds, hashes: &[u64]) -> u64 {
    s.compute(REDUCE, ms(80));
    hashes.iter().fold(0, |a, h| a ^ h)
}

fn main(s: Speeds) {
    let hashes: Vec<u64> = std::thread::scope(|scope| {
        let workers: Vec<_> =
            (0..8).map(|chunk| scope.spawn(routed(move || hash_chunk(s, chunk)))).collect();
        workers.into_iter().map(|w| w.join().expect("a worker does not panic")).collect()
    });
    reduce(s, &hashes);
}
