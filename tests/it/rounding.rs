//! Comparing a report with its copy read back from JSON, allowing for the one
//! known gap: `serde_json`, as the runtime builds it (without its
//! `float_roundtrip` feature), can read a float back one bit off. Every other
//! field must match exactly. The exact comparison is `report_json`'s
//! `a_float_field_round_trips_through_json_bit_for_bit` (ignored: a bug).

use profiler_runtime::SessionReport;

/// Asserts `back` equals `report` except for floats within a few units of
/// their last place, which it checks apart.
pub(crate) fn assert_same_report(back: &SessionReport, report: &SessionReport) {
    let (back_floats, back_rest) = split_floats(back);
    let (floats, rest) = split_floats(report);
    assert_eq!(back_rest, rest);
    assert_eq!(back_floats.len(), floats.len());
    for (i, (a, b)) in back_floats.iter().zip(&floats).enumerate() {
        assert!(close(*a, *b), "float {i}: read back {a:?}, written {b:?}");
    }
}

fn close(a: f64, b: f64) -> bool {
    a == b || (a - b).abs() <= 4.0 * f64::EPSILON * a.abs().max(b.abs())
}

/// Every float field of `report`, and the report with those fields zeroed.
fn split_floats(report: &SessionReport) -> (Vec<f64>, SessionReport) {
    let mut rest = report.clone();
    let mut floats = Vec::new();
    let mut take = |f: &mut f64| floats.push(std::mem::take(f));
    for op in &mut rest.operations {
        take(&mut op.share_of_wall);
    }
    for stage in &mut rest.stages {
        if let Some(rate) = &mut stage.items_per_sec {
            take(rate);
        }
    }
    if let Some(rate) = &mut rest.cache.hit_rate {
        take(rate);
    }
    take(&mut rest.api.cost_usd);
    if let Some(process) = &mut rest.process {
        take(&mut process.cpu_utilization);
    }
    for bottleneck in &mut rest.bottlenecks {
        take(&mut bottleneck.share_of_wall);
    }
    (floats, rest)
}
