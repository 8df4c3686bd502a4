//! Waits that cover most of the run but end before the CPU work beside
//! them: the work is the bottleneck, though the waits overlap it.
//!
//! Eight threads each call `upload_part`, which blocks for 60 ms, while the
//! main thread calls `compile`, 90 ms of CPU; the run ends when both are
//! done. For 60 of its 90 ms the run has nine calls open, eight of them
//! waiting. Twice as fast, `compile` saves 30 ms (the uploads then end the
//! run at 60 ms; more when a loaded machine stretches the CPU work);
//! `upload_part` saves nothing.

use crate::case::{Case, Program};
use crate::work::{ms, routed, Speeds};
use profiler_runtime::monitor;

const UPLOAD: &str = "overlapped_long::upload_part";
const COMPILE: &str = "overlapped_long::compile";

pub fn case() -> Case {
    Case {
        name: "overlapped_long",
        shape: "8 threads block 60 ms each while the main thread computes for 90 ms",
        functions: &[UPLOAD, COMPILE],
        bottleneck: COMPILE,
        program: Program::Sync(main),
    }
}

#[monitor("overlapped_long::upload_part")]
fn upload_part(s: Speeds, part: u64) -> u64 {
    s.block(UPLOAD, ms(60));
    part
}

#[monitor("overlapped_long::compile")]
fn compile(s: Speeds) -> u64 {
    s.compute(COMPILE, ms(90));
    42
}

fn main(s: Speeds) {
    std::thread::scope(|scope| {
        for part in 0..8 {
            scope.spawn(routed(move || upload_part(s, part)));
        }
        compile(s);
    });
}
