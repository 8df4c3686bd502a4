//! What the `tracing` bridge adds to a span: an `#[tracing::instrument]`
//! function called under a `tracing_subscriber::registry()` with a layer
//! that does nothing, and under the registry with
//! `profiler_runtime::tracing::MonitorLayer`.
//!
//! ```text
//! cargo bench -p profiler-bench --bench spans
//! ```
//!
//! The first row is what every span already costs once a subscriber keeps
//! spans (an id, a slab entry, its extensions, freed at its close). A
//! registry with no layer at all is no baseline: it never frees a closed
//! span's data (tracing issue 900), so its memory grows with every span (to
//! 1.6 GB in five seconds of this loop). The second row less the first is
//! the bridge's share: its timing kept in the thread's table, two clock
//! reads and one call recorded at the close.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use profiler_runtime::tracing::MonitorLayer;
use profiler_runtime::Monitor;
use tracing::Dispatch;
use tracing_subscriber::layer::{Identity, SubscriberExt};

#[tracing::instrument(level = "info", skip_all)]
fn traced(x: u64) -> u64 {
    black_box(x).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

fn spans(c: &mut Criterion) {
    let mut g = c.benchmark_group("span");
    // A registry with a layer that does nothing: the registry frees a
    // closed span's data only when a layer is stacked on it (tracing issue
    // 900), so this is what every span costs a program that keeps spans.
    let noop = Dispatch::new(tracing_subscriber::registry().with(Identity::new()));
    g.bench_function("registry_noop_layer", |b| {
        tracing::dispatcher::with_default(&noop, || b.iter(|| traced(black_box(7))))
    });
    let m = Monitor::new();
    m.start_session("bench-spans");
    let layered =
        Dispatch::new(tracing_subscriber::registry().with(MonitorLayer::with_monitor(&m)));
    g.bench_function("registry_monitor_layer", |b| {
        tracing::dispatcher::with_default(&layered, || b.iter(|| traced(black_box(7))))
    });
    g.finish();
    let report = m.end_session().expect("the session is running");
    assert!(report.operation("traced").is_some_and(|op| op.calls > 0), "the layer recorded");
}

criterion_group!(benches, spans);
criterion_main!(benches);
