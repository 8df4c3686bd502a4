//! Panic messages as failure texts. Capture is process-wide, so these tests
//! have a binary of their own (the `it` binary's tests expect `panicked`),
//! and run one after another under one lock.

use profiler_runtime::{capture_panic_messages, monitor, Config, Monitor};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

static SERIAL: Mutex<()> = Mutex::new(());

#[monitor("panics::parse")]
fn parse(row: &str) -> u64 {
    row.parse().expect("a whole number")
}

#[monitor("panics::check")]
fn check(row: &str) -> usize {
    assert!(row.len() < 4, "bad row {row}");
    row.len()
}

#[monitor("panics::outer")]
fn outer(row: &str) -> u64 {
    parse(row) + 1
}

#[monitor("panics::load")]
async fn load(fail: bool) -> u64 {
    tokio::task::yield_now().await;
    assert!(!fail, "row {} is missing", 7);
    7
}

fn last_error(m: &Monitor, op: &str) -> String {
    let report = m.end_session().unwrap();
    report.operation(op).unwrap().last_error.clone().unwrap()
}

#[test]
fn a_captured_message_is_the_failure_text_of_every_call_it_unwinds_and_the_old_hook_still_runs() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    // A hook installed before capture: it must still be called.
    let seen = Arc::new(AtomicUsize::new(0));
    let previous = std::panic::take_hook();
    let counted = Arc::clone(&seen);
    std::panic::set_hook(Box::new(move |info| {
        counted.fetch_add(1, Ordering::SeqCst);
        previous(info);
    }));
    capture_panic_messages(true);

    let m = Monitor::new();
    m.start_session("panics::sync");
    assert!(catch_unwind(AssertUnwindSafe(|| m.scope(|| outer("x")))).is_err());
    let report = m.end_session().unwrap();
    for op in ["panics::parse", "panics::outer"] {
        let text = report.operation(op).unwrap().last_error.clone().unwrap();
        assert!(text.starts_with("panicked at tests/panics.rs:"), "{op}: {text}");
        assert!(text.contains("a whole number"), "{op}: {text}");
    }
    assert_eq!(seen.load(Ordering::SeqCst), 1, "the previous hook ran once");

    // A future that panics in a poll.
    let m = Monitor::new();
    m.start_session("panics::async");
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let caught = catch_unwind(AssertUnwindSafe(|| rt.block_on(m.bind(load(true)))));
    assert!(caught.is_err());
    let text = last_error(&m, "panics::load");
    assert!(text.contains("row 7 is missing"), "{text}");

    // Off again: `panicked`, and the hook still hands on.
    capture_panic_messages(false);
    let m = Monitor::new();
    m.start_session("panics::off");
    assert!(catch_unwind(AssertUnwindSafe(|| m.scope(|| parse("y")))).is_err());
    assert_eq!(last_error(&m, "panics::parse"), "panicked");
    assert_eq!(seen.load(Ordering::SeqCst), 3);
    // The counting hook stays: it hands on to whatever is beneath it.
}

#[test]
fn a_long_message_is_cut_to_the_error_text_limit_and_config_turns_capture_on() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let m = Monitor::new();
    m.configure(&Config::new().capture_panics(true)).unwrap();
    m.start_session("panics::long");
    let long = "é".repeat(400);
    assert!(catch_unwind(AssertUnwindSafe(|| m.scope(|| check(&long)))).is_err());
    let text = last_error(&m, "panics::check");
    assert!(text.len() <= profiler_runtime::MAX_ERROR_TEXT, "{}", text.len());
    assert!(
        text.len() > profiler_runtime::MAX_ERROR_TEXT - 2,
        "cut at a character boundary near the limit"
    );
    assert!(text.starts_with("panicked at ") && text.contains("bad row éé"), "{text}");
    // A successful call after the panic does not carry its text.
    m.start_session("panics::after");
    m.scope(|| check("ok"));
    let report = m.end_session().unwrap();
    assert_eq!(report.operation("panics::check").unwrap().failures, 0);
    assert_eq!(report.operation("panics::check").unwrap().last_error, None);
    m.configure(&Config::new().capture_panics(false)).unwrap();
    assert!(!profiler_runtime::capturing_panic_messages());
}
