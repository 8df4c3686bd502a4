//! What the `tracing` bridge adds to a span: an `#[tracing::instrument]`
//! function called under a `tracing_subscriber::registry()` alone, and
//! under the registry with `profiler_runtime::tracing::MonitorLayer`.
//!
//! ```text
//! cargo bench -p profiler-bench --bench spans
//! ```
//!
//! The registry row is what every span already costs once a subscriber
//! keeps spans (an id, a slab entry, its extensions); the layer row less it
//! is the bridge's share: its timing kept in the span's extensions and one
//! call recorded at the close.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use profiler_runtime::tracing::MonitorLayer;
use profiler_runtime::Monitor;
use tracing::Dispatch;
use tracing_subscriber::layer::SubscriberExt;

#[tracing::instrument(level = "info", skip_all)]
fn traced(x: u64) -> u64 {
    black_box(x).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

fn spans(c: &mut Criterion) {
    let mut g = c.benchmark_group("span");
    let registry = Dispatch::new(tracing_subscriber::registry());
    g.bench_function("registry", |b| {
        tracing::dispatcher::with_default(&registry, || b.iter(|| traced(black_box(7))))
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
