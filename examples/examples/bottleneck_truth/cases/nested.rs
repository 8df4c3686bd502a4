//! Nested sync calls, where self time decides.
//!
//! Three requests, each `handle` (4 ms of its own CPU) calling `plan` (30 ms
//! of its own) calling `lookup` (8 ms). `handle` has the most total time
//! (42 ms a request) but little of its own. Twice as fast, `plan` saves
//! 45 ms, `lookup` 12 ms, `handle` 6 ms (all CPU: a loaded machine
//! stretches them alike).

use crate::case::{Case, Program};
use crate::work::{ms, Speeds};
use profiler_runtime::monitor;

const HANDLE: &str = "nested::handle";
const PLAN: &str = "nested::plan";
const LOOKUP: &str = "nested::lookup";

pub fn case() -> Case {
    Case {
        name: "nested",
        shape: "3 requests: handle (4 ms own) > plan (30 ms own) > lookup (8 ms), all CPU",
        functions: &[HANDLE, PLAN, LOOKUP],
        bottleneck: PLAN,
        program: Program::Sync(main),
    }
}

#[monitor("nested::handle")]
fn handle(s: Speeds, request: u64) -> u64 {
    s.compute(HANDLE, ms(2));
    let planned = plan(s, request);
    s.compute(HANDLE, ms(2));
    planned
}

#[monitor("nested::plan")]
fn plan(s: Speeds, request: u64) -> u64 {
    s.compute(PLAN, ms(30));
    lookup(s, request) + 1
}

#[monitor("nested::lookup")]
fn lookup(s: Speeds, request: u64) -> u64 {
    s.compute(LOOKUP, ms(8));
    request * 3
}

fn main(s: Speeds) {
    for request in 0..3 {
        handle(s, request);
    }
}
