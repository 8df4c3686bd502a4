//! The run history: a monitor saving its sessions into a directory, each
//! ended session compared with the previous run of its id, and the
//! directory read back past broken files.

use profiler_runtime::{load_history, Config, Monitor, TrendOptions, Trends, Verdict};
use std::path::PathBuf;

/// A fresh directory under the temporary one, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir =
            std::env::temp_dir().join(format!("profiler-it-history-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        TempDir(dir)
    }

    fn files(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&self.0)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// One session of `id` in which `history::step` runs `calls` times.
fn run(m: &Monitor, id: &str, calls: usize) -> profiler_runtime::SessionReport {
    m.start_session(id);
    let step = m.operation("history::step");
    for _ in 0..calls {
        step.start().finish();
    }
    m.end_session().unwrap()
}

#[test]
fn every_ended_session_is_saved_and_the_oldest_are_pruned() {
    let dir = TempDir::new("saved");
    let m = Monitor::new();
    m.configure(&Config::new().history_dir(&dir.0).history_files(3)).unwrap();
    let sequences: Vec<u64> = (0..5).map(|_| run(&m, "nightly", 1).sequence).collect();
    let files = dir.files();
    assert_eq!(files.len(), 3, "{files:?}");
    assert!(files.iter().all(|f| f.ends_with("-nightly.json")), "{files:?}");
    let saved = load_history(&dir.0).unwrap();
    assert!(saved.errors.is_empty(), "{:?}", saved.errors);
    let kept: Vec<u64> = saved.runs.iter().map(|r| r.report.sequence).collect();
    assert_eq!(kept, sequences[2..]);
}

#[test]
fn a_session_is_compared_with_the_previous_run_of_its_id_in_memory() {
    let m = Monitor::new();
    let first = run(&m, "import", 30);
    assert!(first.previous.is_none());
    run(&m, "other", 30);
    let second = run(&m, "import", 30);
    let previous = second.previous.as_ref().expect("the first import is in the history");
    assert_eq!(previous.baseline.sequence, first.sequence);
    assert_eq!(previous.operations[0].name, "history::step");
    assert_ne!(previous.operations[0].verdict, Verdict::TooFewCalls);
    assert!(second.to_text().contains("\nCompared with the previous run, \"import\" (#1"));
    // The history keeps the same report, comparison included.
    assert_eq!(m.session_history().last(), Some(&second));
}

#[test]
fn a_new_monitor_compares_with_the_latest_saved_run_past_a_truncated_file() {
    let dir = TempDir::new("across");
    let config = Config::new().history_dir(&dir.0);
    let earlier = Monitor::new();
    earlier.configure(&config).unwrap();
    let first = run(&earlier, "job", 25);
    // A later run cut short by a crash, and a stray file: neither stops anything.
    let cut = dir.0.join("9999999999999-0001-1-job.json");
    let text = first.to_json().unwrap();
    std::fs::write(&cut, &text[..text.len() / 3]).unwrap();
    std::fs::write(dir.0.join("notes.json"), "[]").unwrap();

    // Another process, as it were: nothing in memory, the directory has the run.
    let later = Monitor::new();
    later.configure(&config).unwrap();
    let second = run(&later, "job", 25);
    let previous = second.previous.as_ref().expect("compared with the saved run");
    assert_eq!(previous.baseline.started_at_unix_ms, first.started_at_unix_ms);
    assert_eq!(later.session_history()[0].previous, second.previous);

    let saved = load_history(&dir.0).unwrap();
    assert_eq!(saved.runs.len(), 2, "{:?}", saved.errors);
    assert_eq!(saved.errors.len(), 2);
    let messages: Vec<String> = saved.errors.iter().map(ToString::to_string).collect();
    assert!(messages.iter().any(|m| m.contains("-job.json: cut short")), "{messages:?}");
    assert!(
        messages.iter().any(|m| m.contains("notes.json: not a session report")),
        "{messages:?}"
    );
    // The saved second run carries its comparison.
    assert!(saved.runs[1].report.previous.is_some());
    let trends = Trends::of(&saved.reports(), &TrendOptions::default());
    assert_eq!((trends.session_id.as_str(), trends.runs), ("job", 2));
}

#[test]
fn a_history_dir_that_cannot_be_made_keeps_the_report() {
    let dir = TempDir::new("blocked");
    std::fs::create_dir_all(&dir.0).unwrap();
    let file = dir.0.join("a-file");
    std::fs::write(&file, "").unwrap();
    let m = Monitor::new();
    m.configure(&Config::new().history_dir(file.join("runs"))).unwrap();
    let report = run(&m, "blocked", 1);
    assert_eq!(report.operation("history::step").unwrap().calls, 1);
    assert_eq!(m.session_history().len(), 1);
}

#[test]
fn a_bad_history_setting_is_refused_and_nothing_applies() {
    let m = Monitor::new();
    let err = m.configure(&Config::new().history_dir("runs").history_files(0)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Config::history_files(0) is not allowed: give a whole number of files, 1 or more"
    );
    let vars = [("PROFILER_HISTORY", "target/runs")];
    let config = Config::from_vars(vars).unwrap();
    assert_eq!(config.history_dir, Some(PathBuf::from("target/runs")));
}
