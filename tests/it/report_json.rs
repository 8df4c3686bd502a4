//! The report as JSON: round trips, files, and the errors of bad input.

use profiler_runtime::{monitor, Error, Monitor, SessionReport, SCHEMA_VERSION};
use std::path::PathBuf;
use std::time::Duration;

#[monitor("report_json::parse")]
fn parse(text: &str) -> Result<u32, std::num::ParseIntError> {
    text.parse()
}

#[monitor("report_json::fetch")]
async fn fetch(ms: u64) -> u64 {
    tokio::time::sleep(Duration::from_millis(ms)).await;
    ms
}

/// A report with something in every section: operations (sync, async,
/// manual, failed, cancelled), stages, cache, API, counters and events.
fn full_report() -> SessionReport {
    let m = Monitor::new();
    m.start_session("json-full");
    m.scope(|| {
        for text in ["1", "22", "x", "333"] {
            let _ = parse(text);
        }
    });
    let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
    rt.block_on(m.bind(async {
        fetch(2).await;
        let _ = tokio::time::timeout(Duration::from_millis(1), fetch(1_000)).await;
    }));
    let mut op = m.start_operation("report_json::import");
    op.metadata("path", "users.csv");
    op.fail("bad header");
    {
        let stage = m.stage("report_json::stage");
        stage.items(1_000);
        std::thread::sleep(Duration::from_millis(1));
    }
    m.record_cache(7, 3);
    m.record_api_call(1_000, 0.0123, true);
    m.add_count("report_json::rows", 42);
    m.end_session().unwrap()
}

/// A path in the temporary directory that is removed when dropped.
struct TempFile(PathBuf);

impl TempFile {
    fn new(name: &str) -> TempFile {
        let unique = format!("profiler-it-{}-{name}.json", std::process::id());
        TempFile(std::env::temp_dir().join(unique))
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[test]
fn the_full_report_has_every_section() {
    let report = full_report();
    for name in ["report_json::parse", "report_json::fetch", "report_json::import"] {
        assert!(report.operation(name).is_some(), "no {name}");
    }
    assert_eq!(report.operation("report_json::fetch").unwrap().cancelled, 1);
    assert!(report.stage("report_json::stage").is_some());
    assert_eq!(report.events.len(), 1);
    assert!(!report.findings.is_empty() && !report.bottlenecks.is_empty());
}

#[test]
fn a_real_report_round_trips_through_json_exactly() {
    // Several reports: each has a handful of floats from real timings, and
    // without exact float parsing about one float in ten reads back a bit off.
    for _ in 0..5 {
        let report = full_report();
        let text = report.to_json().unwrap();
        assert_eq!(SessionReport::from_json(&text).unwrap(), report);
    }
}

#[test]
fn a_float_field_round_trips_through_json_bit_for_bit() {
    let mut report = full_report();
    // A throughput a real run produced, which a parser without exact float
    // reading (serde_json without `float_roundtrip`) reads back as ...052.
    report.stages[0].items_per_sec = Some(929_143.515_507_405_3);
    let back = SessionReport::from_json(&report.to_json().unwrap()).unwrap();
    assert_eq!(back.stages[0].items_per_sec, report.stages[0].items_per_sec);
    assert_eq!(back, report);
}

#[test]
fn the_json_is_plain_data_with_the_schema_version() {
    let report = full_report();
    let value: serde_json::Value = serde_json::from_str(&report.to_json().unwrap()).unwrap();
    assert_eq!(value["schema_version"], SCHEMA_VERSION);
    assert_eq!(value["session_id"], "json-full");
    assert_eq!(value["counters"]["report_json::rows"], 42);
    assert_eq!(value["cache"]["hits"], 7);
    let ops = value["operations"].as_array().unwrap();
    assert!(ops.iter().any(|op| op["name"] == "report_json::parse" && op["failures"] == 1));
}

#[test]
fn a_report_saved_to_a_file_loads_back_equal() {
    let report = full_report();
    let file = TempFile::new("save-load");
    report.save_json(&file.0).unwrap();
    assert_eq!(std::fs::read_to_string(&file.0).unwrap(), report.to_json().unwrap());
    assert_eq!(SessionReport::load_json(&file.0).unwrap(), report);
    // Saving again replaces the file.
    let mut other = report.clone();
    other.session_id = "replaced".into();
    other.save_json(&file.0).unwrap();
    assert_eq!(SessionReport::load_json(&file.0).unwrap().session_id, "replaced");
}

#[test]
fn garbage_is_a_json_error_with_a_readable_message() {
    for text in ["", "not json", "{\"schema_version\": 1", "[1, 2, 3]", "{\"schema_version\": 1}"] {
        let error = SessionReport::from_json(text).unwrap_err();
        assert!(matches!(error, Error::Json(_)), "{text:?} gave {error:?}");
        let message = error.to_string();
        assert!(message.starts_with("not a valid session report: "), "{message}");
        assert!(message.len() > "not a valid session report: ".len(), "{message}");
        assert!(std::error::Error::source(&error).is_some());
    }
}

#[test]
fn a_newer_or_zero_schema_version_is_refused() {
    let text = full_report().to_json().unwrap();
    let current = format!("\"schema_version\": {SCHEMA_VERSION}");
    assert!(text.contains(&current), "{text}");
    for version in [999, 0] {
        let changed = text.replacen(&current, &format!("\"schema_version\": {version}"), 1);
        match SessionReport::from_json(&changed) {
            Err(Error::UnsupportedSchema { found, supported }) => {
                assert_eq!((found, supported), (version, SCHEMA_VERSION));
            }
            other => panic!("version {version}: {other:?}"),
        }
    }
    let error = SessionReport::from_json(&text.replacen(&current, "\"schema_version\": 999", 1))
        .unwrap_err();
    assert!(error.to_string().contains("999"), "{error}");
}

#[test]
fn a_report_without_the_optional_sections_still_loads() {
    let report = full_report();
    let mut value: serde_json::Value = serde_json::from_str(&report.to_json().unwrap()).unwrap();
    let object = value.as_object_mut().unwrap();
    for key in ["stages", "cache", "api", "counters", "process", "findings", "events", "dropped"] {
        object.remove(key);
    }
    let loaded = SessionReport::from_json(&value.to_string()).unwrap();
    assert_eq!(loaded.operations, report.operations);
    assert!(loaded.stages.is_empty() && loaded.counters.is_empty() && loaded.events.is_empty());
}

#[test]
fn loading_a_missing_file_is_an_io_error_naming_the_path() {
    let file = TempFile::new("does-not-exist");
    match SessionReport::load_json(&file.0) {
        Err(error @ Error::Io { .. }) => {
            let Error::Io { path, source } = &error else { unreachable!() };
            assert_eq!(path, &file.0);
            assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
            assert!(error.to_string().contains(&*file.0.to_string_lossy()), "{error}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn loading_a_file_of_garbage_is_a_json_error() {
    let file = TempFile::new("garbage");
    std::fs::write(&file.0, "{ definitely not a report").unwrap();
    assert!(matches!(SessionReport::load_json(&file.0), Err(Error::Json(_))));
}

#[test]
fn saving_into_a_missing_directory_is_an_io_error_naming_the_path() {
    let path = std::env::temp_dir().join("profiler-it-no-such-dir").join("r.json");
    match full_report().save_json(&path) {
        Err(Error::Io { path: named, .. }) => assert_eq!(named, path),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_loaded_histogram_with_a_bucket_this_version_lacks_does_not_panic() {
    // A report from a build with more buckets (a later version, same schema)
    // or a damaged file: loading succeeds, so reading it must not panic.
    let report = full_report();
    let mut value: serde_json::Value = serde_json::from_str(&report.to_json().unwrap()).unwrap();
    value["operations"][0]["histogram"]["counts"] = serde_json::json!([[65_535, 3]]);
    let loaded = SessionReport::from_json(&value.to_string()).expect("the layout is valid");
    let histogram = &loaded.operations[0].histogram;
    assert_eq!(histogram.count(), 3);
    let quantile = std::panic::catch_unwind(|| histogram.quantile(0.5));
    assert!(quantile.is_ok(), "quantile() panicked on a loaded histogram");
}
