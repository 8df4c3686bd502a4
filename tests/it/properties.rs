//! Properties over arbitrary input: the exact JSON round trip of real reports,
//! and the histogram's percentile error bound.

use profiler_runtime::{Histogram, Monitor, SessionReport, MAX_RELATIVE_ERROR};
use proptest::prelude::*;

/// One manual operation: its name, how often it runs, and the error text of
/// each failing run.
#[derive(Debug, Clone)]
struct OpSpec {
    name: String,
    successes: u8,
    errors: Vec<String>,
}

fn op_spec() -> impl Strategy<Value = OpSpec> {
    // Any characters, controls included.
    ("(?s).{0,24}", 0u8..5, prop::collection::vec("(?s).{0,40}", 0..4))
        .prop_map(|(name, successes, errors)| OpSpec { name, successes, errors })
}

fn counter_spec() -> impl Strategy<Value = (String, u64)> {
    ("(?s).{0,24}", 1u64..1_000_000_000_000)
}

/// Records `ops` and `counters` into a fresh monitor and returns the report.
fn build(id: &str, ops: &[OpSpec], counters: &[(String, u64)]) -> SessionReport {
    let m = Monitor::new();
    m.start_session(id);
    for spec in ops {
        // Names are process-wide: the prefix keeps them apart from other modules'.
        let name = format!("properties::{}", spec.name);
        for _ in 0..spec.successes {
            m.start_operation(&name).finish();
        }
        for error in &spec.errors {
            let mut op = m.start_operation(&name);
            op.metadata("error", error);
            op.fail(error);
        }
    }
    for (name, n) in counters {
        m.add_count(&format!("properties::{name}"), *n);
    }
    m.record_cache(ops.len() as u64, counters.len() as u64);
    m.end_session().unwrap()
}

/// The exact nearest-rank quantile: the smallest value with at least a
/// fraction `q` of the values at or below it.
fn nearest_rank(sorted: &[u64], q: f64) -> u64 {
    let rank = ((q * sorted.len() as f64).ceil() as usize).max(1);
    sorted[rank - 1]
}

proptest! {
    // No failure files: a failing case is printed, and the repository stays clean.
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::with_cases(64) })]

    #[test]
    fn a_report_of_arbitrary_operations_and_counters_round_trips_through_json(
        id in "(?s).{0,30}",
        ops in prop::collection::vec(op_spec(), 0..5),
        counters in prop::collection::vec(counter_spec(), 0..5),
    ) {
        let report = build(&id, &ops, &counters);
        let json = report.to_json().unwrap();
        let back = SessionReport::from_json(&json).unwrap();
        prop_assert_eq!(&back, &report);

        // The figures are the ones recorded.
        let mut expected_counters = std::collections::BTreeMap::new();
        for (name, n) in &counters {
            *expected_counters.entry(format!("properties::{name}")).or_insert(0) += n;
        }
        prop_assert_eq!(&report.counters, &expected_counters);
        let mut expected_calls = std::collections::BTreeMap::new();
        for spec in &ops {
            let runs = u64::from(spec.successes) + spec.errors.len() as u64;
            let entry = expected_calls.entry(format!("properties::{}", spec.name)).or_insert((0, 0));
            entry.0 += runs;
            entry.1 += spec.errors.len() as u64;
        }
        expected_calls.retain(|_, (calls, _)| *calls > 0);
        let recorded: std::collections::BTreeMap<_, _> =
            report.operations.iter().map(|op| (op.name.clone(), (op.calls, op.failures))).collect();
        prop_assert_eq!(recorded, expected_calls);
    }

    #[test]
    fn histogram_quantiles_are_within_the_stated_relative_error(
        mut values in prop::collection::vec(1u64..=1_000_000_000_000, 1..300),
        q in 0.0f64..=1.0,
    ) {
        let histogram = Histogram::from_values(values.iter().copied());
        prop_assert_eq!(histogram.count(), values.len() as u64);
        values.sort_unstable();
        let exact = nearest_rank(&values, q);
        let estimate = histogram.quantile(q).unwrap();
        let error = estimate.abs_diff(exact) as f64 / exact as f64;
        prop_assert!(
            error <= MAX_RELATIVE_ERROR,
            "q {} gave {} for exact {} (error {})", q, estimate, exact, error
        );
    }

    #[test]
    fn histogram_quantiles_never_decrease_with_q(
        values in prop::collection::vec(1u64..=1_000_000_000_000, 1..200),
        mut qs in prop::collection::vec(0.0f64..=1.0, 2..10),
    ) {
        let histogram = Histogram::from_values(values);
        qs.sort_by(f64::total_cmp);
        let estimates: Vec<u64> = qs.iter().map(|&q| histogram.quantile(q).unwrap()).collect();
        prop_assert!(estimates.windows(2).all(|w| w[0] <= w[1]), "{:?} at {:?}", estimates, qs);
    }
}

#[test]
fn the_extreme_quantiles_of_a_histogram_are_its_minimum_and_maximum_within_the_bound() {
    let values = [17u64, 1_000, 123_456_789, 999_999_999_999];
    let h = Histogram::from_values(values);
    for (q, exact) in [(0.0, 17), (1.0, 999_999_999_999)] {
        let estimate = h.quantile(q).unwrap();
        assert!(estimate.abs_diff(exact) as f64 <= exact as f64 * MAX_RELATIVE_ERROR);
    }
    assert_eq!(Histogram::default().quantile(0.5), None);
}
