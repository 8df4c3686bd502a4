//! The largest sum of time overlaps the real work and is not the
//! bottleneck.
//!
//! Six threads each call `upload_part`, which blocks for 40 ms (240 ms
//! summed), while the main thread calls `compile`, 80 ms of CPU; the run
//! ends when both are done. Twice as fast, `compile` saves 40 ms (the
//! uploads then end with it); `upload_part` saves nothing, as the run still
//! waits for `compile`.

use crate::case::{Case, Program};
use crate::work::{ms, routed, Speeds};
use profiler_runtime::monitor;

const UPLOAD: &str = "overlapped::upload_part";
const COMPILE: &str = "overlapped::compile";

pub fn case() -> Case {
    Case {
        name: "overlapped",
        shape: "6 threads block 40 ms each while the main thread computes for 80 ms",
        functions: &[UPLOAD, COMPILE],
        bottleneck: COMPILE,
        program: Program::Sync(main),
    }
}

#[monitor("overlapped::upload_part")]
fn upload_part(s: Speeds, part: u64) -> u64 {
    s.block(UPLOAD, ms(40));
    part
}

#[monitor("overlapped::compile")]
fn compile(s: Speeds) -> u64 {
    s.compute(COMPILE, ms(80));
    42
}

fn main(s: Speeds) {
    std::thread::scope(|scope| {
        for part in 0..6 {
            scope.spawn(routed(move || upload_part(s, part)));
        }
        compile(s);
    });
}
