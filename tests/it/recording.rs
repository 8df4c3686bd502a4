//! `SessionReport::recording`: a report says whether it was recorded, and an
//! empty or partial one says why in its summary's first line and its JSON.
//! The process-wide switch is covered in `global_switch.rs` (its own binary),
//! the compiled-out build in `tests/compiled-out`.

use profiler_runtime::{monitor, Monitor, Recording, SessionReport};

#[monitor("recording::work")]
fn work(x: u64) -> u64 {
    std::hint::black_box(x) + 1
}

fn first_line(report: &SessionReport) -> String {
    report.to_text().lines().next().unwrap_or_default().to_owned()
}

fn json_recording(report: &SessionReport) -> serde_json::Value {
    let value: serde_json::Value = serde_json::from_str(&report.to_json().unwrap()).unwrap();
    value["recording"].clone()
}

#[test]
fn a_recorded_session_is_on_and_its_summary_starts_with_the_session() {
    let m = Monitor::new();
    m.start_session("on");
    m.scope(|| work(1));
    let report = m.end_session().unwrap();
    assert_eq!(report.recording, Recording::On);
    assert_eq!(report.recording_note(), None);
    assert!(first_line(&report).starts_with("Session \"on\" (#1) ended after"));
    assert_eq!(json_recording(&report), "on");
}

#[test]
fn a_counter_alone_is_something_recorded() {
    let m = Monitor::new();
    m.start_session("counted");
    m.add_count("recording::rows", 3);
    assert_eq!(m.end_session().unwrap().recording, Recording::On);
}

#[test]
fn a_session_where_nothing_ran_says_so_first() {
    let m = Monitor::new();
    m.start_session("idle");
    let report = m.end_session().unwrap();
    assert_eq!(report.recording, Recording::Empty);
    assert_eq!(
        first_line(&report),
        "Nothing recorded: recording was on, but nothing monitored ran in this session"
    );
    assert!(report.to_text().lines().nth(1).unwrap().starts_with("Session \"idle\""));
    assert_eq!(json_recording(&report), "empty");
}

#[test]
fn a_monitor_switched_off_all_session_is_off_and_says_how_to_record() {
    let m = Monitor::new();
    m.disable();
    m.start_session("off");
    m.scope(|| work(2));
    m.record_cache_hit();
    let report = m.end_session().unwrap();
    assert_eq!(report.recording, Recording::Off);
    assert!(report.operations.is_empty());
    assert_eq!(
        first_line(&report),
        "Nothing recorded: recording was off all session (run with --profile or PROFILER=1)"
    );
    assert_eq!(json_recording(&report), "off");
    let back = SessionReport::from_json(&report.to_json().unwrap()).unwrap();
    assert_eq!(back.recording, Recording::Off);
}

#[test]
fn switching_during_a_session_makes_it_partly_off_either_way() {
    let m = Monitor::new();
    m.start_session("off midway");
    m.scope(|| work(3));
    m.disable();
    let report = m.end_session().unwrap();
    assert_eq!(report.recording, Recording::PartlyOff);
    assert!(first_line(&report).starts_with("Incomplete: recording was off for part"));
    assert_eq!(json_recording(&report), "partly_off");

    m.start_session("on midway");
    m.enable();
    m.scope(|| work(4));
    assert_eq!(m.end_session().unwrap().recording, Recording::PartlyOff);

    // Off then on again before anything ran: still only part of the session.
    m.start_session("blink");
    m.disable();
    m.enable();
    m.scope(|| work(5));
    assert_eq!(m.end_session().unwrap().recording, Recording::PartlyOff);

    // Held still again: the next session is whole.
    m.start_session("steady");
    m.scope(|| work(6));
    assert_eq!(m.end_session().unwrap().recording, Recording::On);
}

#[test]
fn another_monitors_switch_does_not_touch_this_ones_status() {
    let (m, other) = (Monitor::new(), Monitor::new());
    m.start_session("mine");
    other.disable();
    m.scope(|| work(7));
    other.enable();
    assert_eq!(m.end_session().unwrap().recording, Recording::On);
}

#[test]
fn a_live_report_says_what_it_holds_so_far() {
    let m = Monitor::new();
    m.start_session("live");
    assert_eq!(m.current_report().unwrap().recording, Recording::Empty);
    m.scope(|| work(8));
    assert_eq!(m.current_report().unwrap().recording, Recording::On);
    m.end_session();
}

#[test]
fn a_report_saved_before_the_field_existed_loads_as_on() {
    let m = Monitor::new();
    m.disable();
    m.start_session("old");
    let report = m.end_session().unwrap();
    let mut value: serde_json::Value = serde_json::from_str(&report.to_json().unwrap()).unwrap();
    assert!(value.as_object_mut().unwrap().remove("recording").is_some());
    let loaded = SessionReport::from_json(&value.to_string()).unwrap();
    assert_eq!(loaded.recording, Recording::On);
    assert!(first_line(&loaded).starts_with("Session \"old\""));
}
