//! A two-stage pipeline over a bounded channel: the slower stage sets the
//! pace.
//!
//! A producer thread calls `produce` (0.5 ms of CPU) for each of 20 items and
//! sends them through a channel of 2 slots to the consumer, which calls
//! `store` (blocks 5 ms) for each. The stages overlap; the run lasts about
//! as long as the 20 stores (100 ms). Twice as fast, `store` saves 50 ms;
//! `produce` nothing, as the consumer is still the slower stage
//! (until CPU runs five times slower).

use crate::case::{Case, Program};
use crate::work::{ms, routed, us, Speeds};
use profiler_runtime::monitor;
use std::sync::mpsc;

const PRODUCE: &str = "pipeline::produce";
const STORE: &str = "pipeline::store";

pub fn case() -> Case {
    Case {
        name: "pipeline",
        shape: "a producer thread (0.5 ms of CPU per item) feeds 20 items to 5 ms blocking stores",
        functions: &[PRODUCE, STORE],
        bottleneck: STORE,
        program: Program::Sync(main),
    }
}

#[monitor("pipeline::produce")]
fn produce(s: Speeds, item: u64) -> u64 {
    s.compute(PRODUCE, us(500));
    item * 3
}

#[monitor("pipeline::store")]
fn store(s: Speeds, item: u64) -> u64 {
    s.block(STORE, ms(5));
    item
}

fn main(s: Speeds) {
    let (send, receive) = mpsc::sync_channel(2);
    std::thread::scope(|scope| {
        scope.spawn(routed(move || {
            for item in 0..20 {
                if send.send(produce(s, item)).is_err() {
                    return;
                }
            }
        }));
        for item in receive {
            store(s, item);
        }
    });
}
