//! Synchronous `#[monitor]` calls: every way out of a function, failures and
//! their text, panics, the statistics of a row, `slow`, and names. Manual
//! operations, stages and the on/off switch are in `operations`.

use profiler_runtime::{
    monitor, Monitor, OperationKind, OperationStats, SessionReport, MAX_ERROR_TEXT,
};
use std::fmt;
use std::num::ParseIntError;
use std::time::{Duration, Instant};

#[monitor("calls::explicit_return")]
fn explicit_return(x: u32) -> u32 {
    if x > 5 {
        return 1;
    }
    2
}

#[monitor("calls::question_mark")]
fn question_mark(text: &str) -> Result<u32, ParseIntError> {
    let n: u32 = text.parse()?;
    Ok(n * 2)
}

#[monitor("calls::falls_off_the_end")]
fn falls_off_the_end(out: &mut Vec<u32>) {
    out.push(1);
}

#[monitor("calls::early_return_in_loop")]
fn early_return_in_loop(values: &[u32]) -> Option<usize> {
    for (i, v) in values.iter().enumerate() {
        if *v == 0 {
            return Some(i);
        }
    }
    None
}

/// An error with a readable text, as real code has.
#[derive(Debug)]
struct LoadError(String);

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot load {}", self.0)
    }
}

#[monitor("calls::load")]
fn load(path: &str) -> Result<usize, LoadError> {
    if path.ends_with(".toml") {
        Ok(path.len())
    } else {
        Err(LoadError(path.to_owned()))
    }
}

#[monitor("calls::long_error")]
fn long_error(text: &str) -> Result<(), String> {
    Err(text.to_owned())
}

/// An error type without `Display`.
#[derive(Debug)]
struct Opaque;

#[monitor("calls::opaque")]
fn opaque(fail: bool) -> Result<u8, Opaque> {
    if fail {
        Err(Opaque)
    } else {
        Ok(1)
    }
}

#[monitor("calls::explode")]
fn explode(n: u32) -> u32 {
    if n > 0 {
        panic!("kaboom {n}");
    }
    n
}

#[monitor("calls::outer_of_panic")]
fn outer_of_panic() -> u32 {
    explode(7) + 1
}

#[monitor("calls::spin")]
fn spin(rounds: u64) -> u64 {
    let mut x = rounds;
    for i in 0..rounds {
        x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(i));
    }
    x
}

#[monitor(name = "calls::sometimes_slow", slow = "20ms")]
fn sometimes_slow(slow: bool) {
    if slow {
        std::thread::sleep(Duration::from_millis(25));
    }
}

#[monitor("calls::shared")]
fn shared_a() {}

#[monitor("calls::shared")]
fn shared_b() -> u8 {
    2
}

#[monitor]
fn helper() -> u8 {
    3
}

mod inner {
    #[profiler_runtime::monitor]
    pub(super) fn deep() {}
}

struct Users;
struct Orders;

impl Users {
    #[monitor]
    fn get(&self) -> u8 {
        1
    }
}

impl Orders {
    #[monitor]
    fn get(&self) -> u8 {
        2
    }
}

fn op<'r>(report: &'r SessionReport, name: &str) -> &'r OperationStats {
    report.operation(name).unwrap_or_else(|| panic!("no row {name} in {:?}", report.operations))
}

/// Runs `f` routed to a fresh monitor inside one session and returns the report.
fn session(f: impl FnOnce(&Monitor)) -> SessionReport {
    let m = Monitor::new();
    m.start_session("calls");
    m.scope(|| f(&m));
    m.end_session().unwrap()
}

#[test]
fn every_return_path_records_exactly_one_call() {
    let report = session(|_| {
        let mut out = Vec::new();
        for x in 0..10 {
            explicit_return(x); // 4 early returns, 6 by the tail expression
            falls_off_the_end(&mut out);
        }
        for text in ["1", "2", "x", "", "40"] {
            let _ = question_mark(text); // 3 Ok, 2 Err through `?`
        }
        early_return_in_loop(&[3, 0, 2]); // returns inside the loop
        early_return_in_loop(&[3, 4]); // runs the loop out
        early_return_in_loop(&[]);
    });
    assert_eq!(op(&report, "calls::explicit_return").calls, 10);
    assert_eq!(op(&report, "calls::falls_off_the_end").calls, 10);
    let q = op(&report, "calls::question_mark");
    assert_eq!((q.calls, q.failures), (5, 2));
    assert_eq!(op(&report, "calls::early_return_in_loop").calls, 3);
    assert_eq!(op(&report, "calls::explicit_return").failures, 0);
}

#[test]
fn an_err_return_counts_as_a_failure_with_its_text() {
    let report = session(|_| {
        load("a.toml").unwrap();
        let _ = load("first.ini");
        let _ = load("latest.yaml");
        load("b.toml").unwrap();
    });
    let row = op(&report, "calls::load");
    assert_eq!((row.calls, row.failures), (4, 2));
    assert_eq!(row.last_error.as_deref(), Some("cannot load latest.yaml"));
    assert!((row.failure_rate() - 0.5).abs() < 1e-12);
}

#[test]
fn a_question_mark_error_keeps_its_text() {
    let report = session(|_| {
        let _ = question_mark("12x");
    });
    let expected = "12x".parse::<u32>().unwrap_err().to_string();
    assert_eq!(op(&report, "calls::question_mark").last_error.as_deref(), Some(&*expected));
}

#[test]
fn a_long_error_text_is_cut_to_the_limit_at_a_character_boundary() {
    // 3-byte characters after one ASCII byte: no multiple of 3 fits exactly.
    let text = format!("x{}", "日".repeat(10 * 1024 / 3));
    let report = session(|_| {
        let _ = long_error(&text);
    });
    let kept = op(&report, "calls::long_error").last_error.clone().expect("the text is kept");
    assert!(kept.len() <= MAX_ERROR_TEXT, "{} bytes kept", kept.len());
    assert!(kept.len() > MAX_ERROR_TEXT - 3, "only {} bytes kept", kept.len());
    assert!(text.starts_with(&kept), "the kept text is a prefix of the error");
}

#[test]
fn an_error_without_display_counts_as_a_failure_without_text() {
    let report = session(|_| {
        let _ = opaque(true);
        let _ = opaque(false);
    });
    let row = op(&report, "calls::opaque");
    assert_eq!((row.calls, row.failures), (2, 1));
    assert_eq!(row.last_error, None);
}

#[test]
fn errors_from_an_earlier_session_are_not_this_sessions_last_error() {
    let m = Monitor::new();
    m.start_session("failing");
    m.scope(|| load("bad.ini").unwrap_err());
    m.start_session("clean");
    m.scope(|| load("good.toml").unwrap());
    let row = op(&m.end_session().unwrap(), "calls::load").clone();
    assert_eq!((row.calls, row.failures, row.last_error), (1, 0, None));
}

#[test]
fn a_panic_is_a_failure_and_reaches_the_caller_unchanged() {
    let report = session(|_| {
        let caught = std::panic::catch_unwind(|| explode(42)).expect_err("it panicked");
        let text = caught.downcast_ref::<String>().expect("a formatted panic payload");
        assert_eq!(text, "kaboom 42");
        // Monitoring keeps working afterwards.
        assert_eq!(explode(0), 0);
        assert_eq!(explode(0), 0);
    });
    let row = op(&report, "calls::explode");
    assert_eq!((row.calls, row.failures), (3, 1));
    assert!(row.last_error.is_some(), "a panic leaves a text");
}

#[test]
fn a_panic_unwinding_through_two_instrumented_frames_fails_both() {
    let report = session(|_| {
        let caught = std::panic::catch_unwind(outer_of_panic).unwrap_err();
        assert_eq!(caught.downcast_ref::<String>().map(String::as_str), Some("kaboom 7"));
    });
    assert_eq!(op(&report, "calls::outer_of_panic").failures, 1);
    assert_eq!(op(&report, "calls::explode").failures, 1);
}

#[test]
fn percentiles_are_ordered_and_the_mean_matches_the_total() {
    let report = session(|_| {
        for i in 0..300u64 {
            spin(if i % 10 == 0 { 20_000 } else { 100 + i });
        }
    });
    let row = op(&report, "calls::spin");
    assert_eq!(row.calls, 300);
    assert_eq!(row.histogram.count(), 300);
    assert!(row.min_ns > 0);
    let ordered = [row.min_ns, row.p50_ns, row.p90_ns, row.p99_ns, row.max_ns];
    assert!(ordered.windows(2).all(|w| w[0] <= w[1]), "{ordered:?}");
    // The mean is the total divided by the calls, rounded down.
    assert!(row.mean_ns * row.calls <= row.total_ns);
    assert!(row.total_ns < (row.mean_ns + 1) * row.calls);
    assert!(row.total_ns >= row.max_ns && row.max_ns >= row.mean_ns);
    assert_eq!(row.kind, OperationKind::Sync);
}

#[test]
fn the_slow_option_counts_calls_over_its_threshold() {
    // A call that does not sleep is slow only if the machine stalled it for
    // 20 ms; `Instant` around each call says which could have been.
    let mut stalled = 0;
    let report = session(|_| {
        for i in 0..10 {
            let started = Instant::now();
            sometimes_slow(i % 4 == 0); // calls 0, 4 and 8 sleep 25 ms
            if i % 4 != 0 && started.elapsed() >= Duration::from_millis(20) {
                stalled += 1;
            }
        }
    });
    let row = op(&report, "calls::sometimes_slow");
    assert_eq!(row.slow_threshold_ns, Some(20_000_000));
    assert_eq!(row.calls, 10);
    assert!((3..=3 + stalled).contains(&row.slow_calls), "{} slow calls", row.slow_calls);
    assert!(report.findings.iter().any(|f| f.kind == "slow_calls"));
    // Without the option there is no threshold and nothing is slow.
    let plain = session(|_| {
        spin(10);
    });
    let spin_row = op(&plain, "calls::spin");
    assert_eq!((spin_row.slow_threshold_ns, spin_row.slow_calls), (None, 0));
}

#[test]
fn functions_sharing_a_name_share_one_row() {
    let report = session(|_| {
        shared_a();
        shared_a();
        shared_b();
    });
    let rows: Vec<_> = report.operations.iter().filter(|o| o.name == "calls::shared").collect();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].calls, 3);
    assert_eq!(rows[0].histogram.count(), 3);
}

#[test]
fn an_unnamed_function_is_named_after_its_path_without_the_crate() {
    let report = session(|_| {
        helper();
        inner::deep();
    });
    let row = op(&report, "calls::helper");
    assert_eq!(row.module_path, module_path!());
    assert!(row.file.ends_with("calls.rs"), "{}", row.file);
    assert!(row.line > 0);
    assert_eq!(op(&report, "calls::inner::deep").calls, 1);
}

#[test]
fn unnamed_methods_of_two_types_get_a_row_each() {
    let report = session(|_| {
        Users.get();
        Orders.get();
        Orders.get();
    });
    // The documented default is the function's path inside its crate; a
    // method's path includes its type.
    let rows: Vec<_> = report.operations.iter().map(|o| (o.name.as_str(), o.calls)).collect();
    assert_eq!(rows.len(), 2, "{rows:?}");
}
