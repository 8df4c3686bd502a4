//! The `spans` comparison made robust to a shared machine's drift: the
//! registry with a do-nothing layer and with `MonitorLayer`, run in
//! alternating blocks of 20,000 `#[tracing::instrument]` calls, 400 blocks
//! each; prints the medians of each and of the per-pair difference (the
//! bridge's share), and that share as a ratio of the registry's own cost.
//!
//! ```text
//! cargo bench -p profiler-bench --bench spans_interleaved
//! ```
//!
//! Criterion measures the two rows minutes apart, so on a machine whose
//! speed drifts their difference moves by tens of nanoseconds between
//! runs; here each layered block is paired with the block just before it.

use profiler_runtime::tracing::MonitorLayer;
use profiler_runtime::Monitor;
use std::hint::black_box;
use std::time::Instant;
use tracing::Dispatch;
use tracing_subscriber::layer::{Identity, SubscriberExt};

#[tracing::instrument(level = "info", skip_all)]
fn traced(x: u64) -> u64 {
    black_box(x).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

const BLOCK: u64 = 20_000;
const PAIRS: usize = 400;

/// Nanoseconds per call over one block under `dispatch`.
fn block(dispatch: &Dispatch) -> f64 {
    tracing::dispatcher::with_default(dispatch, || {
        let start = Instant::now();
        for i in 0..BLOCK {
            black_box(traced(i));
        }
        start.elapsed().as_nanos() as f64 / BLOCK as f64
    })
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` would not run this.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let m = Monitor::new();
    m.start_session("bench-spans-interleaved");
    let noop = Dispatch::new(tracing_subscriber::registry().with(Identity::new()));
    let layered =
        Dispatch::new(tracing_subscriber::registry().with(MonitorLayer::with_monitor(&m)));
    for _ in 0..20 {
        block(&noop);
        block(&layered);
    }
    let (mut registry, mut with_layer, mut share) = (vec![], vec![], vec![]);
    for _ in 0..PAIRS {
        let (a, b) = (block(&noop), block(&layered));
        registry.push(a);
        with_layer.push(b);
        share.push(b - a);
    }
    let report = m.end_session().expect("the session is running");
    let calls = report.operation("traced").map_or(0, |op| op.calls);
    assert_eq!(calls, BLOCK * (20 + PAIRS as u64), "the layer recorded every span");
    let (r, l, s) = (median(registry), median(with_layer), median(share));
    println!("span/registry_noop_layer      {r:7.1} ns (median of {PAIRS} blocks)");
    println!("span/registry_monitor_layer   {l:7.1} ns");
    println!("span/monitor_layer_share      {s:7.1} ns (median of the pairs' differences)");
    println!("share / registry               {:7.2}", s / r);
}
