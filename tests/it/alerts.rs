//! Alerts: each threshold an ended session crossed reaches every callback
//! once; live reports raise none; a panicking callback stops nothing.

use profiler_runtime::{monitor, AlertKind, Config, Monitor};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[monitor(name = "alerts::nap", slow = "1ms")]
fn nap(ms: u64) {
    std::thread::sleep(Duration::from_millis(ms));
}

fn recorder(m: &Monitor) -> Arc<Mutex<Vec<(AlertKind, String)>>> {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    m.on_alert(move |a| sink.lock().unwrap().push((a.kind, a.subject.clone())));
    seen
}

#[test]
fn each_crossing_reaches_every_callback_once_at_the_sessions_end() {
    let m = Monitor::new();
    m.configure(&Config::new().stage_min_items_per_sec(1_000.0)).unwrap();
    let (first, second) = (recorder(&m), recorder(&m));
    m.start_session("alerts::run");
    m.scope(|| {
        nap(2);
        nap(2);
    });
    {
        let stage = m.stage("alerts::parse");
        stage.items(1);
        std::thread::sleep(Duration::from_millis(3)); // about 330 items/s, under the floor set
    }
    let _live = m.current_report().unwrap();
    assert!(first.lock().unwrap().is_empty(), "a live report raises no alert");
    let report = m.end_session().unwrap();
    let expected = [
        (AlertKind::SlowCalls, "alerts::nap".to_owned()),
        (AlertKind::SlowStage, "alerts::parse".to_owned()),
    ];
    assert_eq!(*first.lock().unwrap(), expected);
    assert_eq!(*second.lock().unwrap(), expected);
    assert_eq!(report.operation("alerts::nap").unwrap().slow_calls, 2, "two slow calls, one alert");

    // A session that crosses nothing raises nothing.
    first.lock().unwrap().clear();
    m.start_session("alerts::quiet");
    m.end_session();
    assert!(first.lock().unwrap().is_empty());
}

#[test]
fn a_panicking_callback_stops_neither_the_others_nor_the_report() {
    let m = Monitor::new();
    m.configure(&Config::new().stage_min_items_per_sec(1_000.0)).unwrap();
    m.on_alert(|_| panic!("a broken alert handler"));
    let seen = recorder(&m);
    m.start_session("alerts::panicky");
    {
        let stage = m.stage("alerts::slow_stage");
        stage.items(1);
        std::thread::sleep(Duration::from_millis(3));
    }
    let report = m.end_session().expect("the report survives the handler's panic");
    assert_eq!(report.stages[0].name, "alerts::slow_stage");
    assert_eq!(seen.lock().unwrap().len(), 1);
    assert_eq!(m.session_history().len(), 1);
}

/// Keeps what the `log` facade is given (the process's one logger).
struct Captured(Mutex<Vec<String>>);

impl log::Log for Captured {
    fn enabled(&self, m: &log::Metadata<'_>) -> bool {
        m.target() == "profiler"
    }
    fn log(&self, record: &log::Record<'_>) {
        if record.target() == "profiler" && record.level() == log::Level::Warn {
            self.0.lock().unwrap().push(record.args().to_string());
        }
    }
    fn flush(&self) {}
}

static CAPTURED: Captured = Captured(Mutex::new(Vec::new()));

#[test]
fn with_the_log_feature_alerts_and_findings_go_to_the_log_facade() {
    // Other tests may have set no logger; this is the only one that does.
    let _ = log::set_logger(&CAPTURED);
    log::set_max_level(log::LevelFilter::Warn);
    let m = Monitor::new();
    m.start_session("alerts::logged");
    m.flag(profiler_runtime::Severity::Warning, "alerts::3 rows rejected");
    m.scope(|| nap(2));
    m.end_session();
    let lines = CAPTURED.0.lock().unwrap().clone();
    let mine: Vec<_> = lines.iter().filter(|l| l.contains("\"alerts::logged\"")).collect();
    assert!(
        mine.iter().any(|l| l.starts_with("alert in session") && l.contains("alerts::nap")),
        "{mine:?}"
    );
    assert!(mine.iter().any(|l| l.contains("alerts::3 rows rejected")), "{mine:?}");
}
