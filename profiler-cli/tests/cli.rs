//! The `profiler` binary run on good and bad files: its output and its exit
//! codes (0 done, 3 a regression, 2 bad input with one line on stderr).

use profiler_runtime::{
    Config, Histogram, Monitor, OperationStats, Recording, SessionReport, SCHEMA_VERSION,
};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A fresh directory under the temporary one, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("profiler-cli-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A real report of session `id` whose operations are set to the given
/// (name, calls, mean ns) with p50 and p99 following the mean, their calls'
/// times spread evenly from half the mean to one and a half times it.
fn report(id: &str, ops: &[(&str, u64, u64)]) -> SessionReport {
    let m = Monitor::new();
    m.start_session(id);
    m.operation("cli::template").start().finish();
    let mut report = m.end_session().unwrap();
    let template = report.operations[0].clone();
    report.operations = ops
        .iter()
        .map(|&(name, calls, mean)| OperationStats {
            name: name.to_owned(),
            calls,
            timed_calls: calls,
            total_ns: calls * mean,
            mean_ns: mean,
            p50_ns: mean * 9 / 10,
            p90_ns: mean * 2,
            p99_ns: mean * 3,
            histogram: Histogram::from_values(
                (0..calls).map(|i| mean / 2 + mean * i / calls.max(1)),
            ),
            ..template.clone()
        })
        .collect();
    report
}

fn profiler(args: &[&dyn AsRef<std::ffi::OsStr>]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_profiler"));
    for arg in args {
        command.arg(arg);
    }
    command.output().expect("the binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

/// Exit code 2 and exactly one stderr line, `profiler: ...` holding `what`.
fn assert_bad_input(output: &Output, what: &str) {
    let err = stderr(output);
    assert_eq!(output.status.code(), Some(2), "stderr: {err}");
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(err.starts_with("profiler: ") && err.contains(what), "{what:?} in {err}");
    assert!(output.stdout.is_empty(), "{}", stdout(output));
}

fn save(dir: &TempDir, name: &str, report: &SessionReport) -> PathBuf {
    let path = dir.path(name);
    report.save_json(&path).unwrap();
    path
}

#[test]
fn show_prints_the_summary_and_json_gives_the_report_back() {
    let dir = TempDir::new("show");
    let original = report("nightly", &[("load", 40, 2_000_000)]);
    let path = save(&dir, "run.json", &original);
    let out = profiler(&[&"show", &path]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("Session \"nightly\" (#1) ended after"), "{text}");
    assert!(text.contains("  load "), "{text}");
    let out = profiler(&[&"show", &"--json", &path]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(SessionReport::from_json(&stdout(&out)).unwrap(), original);
}

/// A report of a session that recorded nothing: `off`, its monitor
/// switched off all session while an operation ran; otherwise on, with
/// nothing run.
fn nothing(id: &str, off: bool) -> SessionReport {
    let m = Monitor::new();
    if off {
        m.disable();
    }
    m.start_session(id);
    if off {
        m.operation("cli::unseen").start().finish();
    }
    m.end_session().unwrap()
}

#[test]
fn show_says_first_that_recording_was_off_or_that_nothing_ran() {
    let dir = TempDir::new("show-nothing");
    let cases = [
        (
            "off",
            true,
            "Nothing recorded: recording was off all session (run with --profile or PROFILER=1)",
        ),
        (
            "empty",
            false,
            "Nothing recorded: recording was on, but nothing monitored ran in this session",
        ),
    ];
    for (status, off, line) in cases {
        let report = nothing("quiet", off);
        let path = save(&dir, &format!("{status}.json"), &report);
        let out = profiler(&[&"show", &path]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let text = stdout(&out);
        assert_eq!(text.lines().next(), Some(line), "{text}");
        assert!(text.lines().nth(1).unwrap().starts_with("Session \"quiet\""), "{text}");
        let out = profiler(&[&"show", &"--json", &path]);
        let value: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
        assert_eq!(value["recording"], status, "{value}");
    }

    // A report saved before the field existed was recorded: no such line.
    let path = save(&dir, "old.json", &report("quiet", &[("load", 4, 1_000)]));
    let mut value: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    value.as_object_mut().unwrap().remove("recording");
    std::fs::write(&path, value.to_string()).unwrap();
    let text = stdout(&profiler(&[&"show", &path]));
    assert!(text.starts_with("Session \"quiet\" (#1) ended after"), "{text}");
}

#[test]
fn diff_exits_0_without_a_regression_and_3_with_one() {
    let dir = TempDir::new("diff");
    let base = save(&dir, "base.json", &report("job", &[("parse", 100, 1_000), ("gone", 50, 10)]));
    let same = save(&dir, "same.json", &report("job", &[("parse", 100, 1_050)]));
    let slower = save(&dir, "slower.json", &report("job", &[("parse", 100, 1_300), ("new", 5, 9)]));

    let out = profiler(&[&"diff", &base, &same]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out)
            .contains("  no regressions (typical call up over 10.0% or p99 over 30.0% at p <"),
        "{}",
        stdout(&out)
    );

    let out = profiler(&[&"diff", &base, &slower]);
    assert_eq!(out.status.code(), Some(3), "{}", stdout(&out));
    let text = stdout(&out);
    assert!(text.contains("  ! parse: typical call +29.8% (p = 7.1e-8)"), "{text}");
    // One run against one: a p99 needs three times the threshold, and a
    // change this close to the noise points to a baseline of several runs.
    assert!(!text.contains("  ? parse: p99"), "{text}");
    assert!(text.contains("(profiler diff --baseline DIR --runs N)"), "{text}");
    assert!(text.contains("  + new") && text.contains("  - gone"), "{text}");
    assert!(out.stderr.is_empty());

    // As JSON: the same verdict and exit code, every change readable.
    let out = profiler(&[&"diff", &"--json", &base, &slower]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON on stdout");
    let parse = &json["operations"][0];
    assert_eq!(
        (&parse["name"], &parse["verdict"]),
        (&"parse".into(), &"regressed".into()),
        "{json}"
    );
    assert_eq!(json["added"][0]["name"], "new");
    assert_eq!(json["removed"][0]["name"], "gone");
    let typical = &parse["judgements"][0];
    assert_eq!((&typical["measure"], &typical["outcome"]), (&"typical".into(), &"rose".into()));
    assert!(
        typical["p_value"].as_f64().unwrap() < json["options"]["significance"].as_f64().unwrap()
    );
    assert_eq!(parse["judgements"][1]["outcome"], "within", "{json}");

    // A looser gate lets the same change through; too few calls gives no verdict.
    let out = profiler(&[&"diff", &"--fail-above", &"50%", &base, &slower]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let out = profiler(&[&"diff", &base, &slower, &"--min-calls", &"1000"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}

#[test]
fn diff_refuses_a_run_it_cannot_judge_with_one_line_and_exit_2() {
    let dir = TempDir::new("diff-mismatch");
    let ops = [("load", 100, 1_000), ("parse", 100, 2_000), ("score", 100, 500)];
    let base = save(&dir, "base.json", &report("job", &ops));
    let mut compiled_out = nothing("job", false);
    compiled_out.recording = Recording::CompiledOut;
    let cases = [
        ("off.json", nothing("job", true), "off.json: the report cannot be judged: recording was off all session (run with --profile or PROFILER=1)"),
        ("empty.json", nothing("job", false), "empty.json: the report cannot be judged: recording was on, but nothing monitored ran"),
        ("compiled-out.json", compiled_out, "compiled-out.json: the report cannot be judged: #[monitor] was compiled out"),
        ("no-ops.json", report("job", &[]), "no-ops.json: the report has no operations: nothing was recorded"),
        ("other.json", report("other", &ops), "other.json: the report is of session \"other\" and the baseline of session \"job\""),
        ("most-gone.json", report("job", &ops[2..]), "most-gone.json: 2 of the baseline's 3 operations are missing from the report (\"load\" and 1 more)"),
    ];
    for (name, new, says) in cases {
        let new = save(&dir, name, &new);
        assert_bad_input(&profiler(&[&"diff", &base, &new]), says);
    }
    // An empty baseline is the baseline's fault, and named so.
    let empty_base = save(&dir, "empty-base.json", &nothing("job", false));
    let new = save(&dir, "new.json", &report("job", &ops));
    assert_bad_input(
        &profiler(&[&"diff", &empty_base, &new]),
        "empty-base.json: the baseline cannot judge a run",
    );
    // One operation of three gone is a comparison, not a mismatch.
    let one_gone = save(&dir, "one-gone.json", &report("job", &ops[1..]));
    let out = profiler(&[&"diff", &base, &one_gone]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("  - load"), "{}", stdout(&out));
}

/// A run of `job` whose one operation, `load`, made 200 calls of `mean`
/// ns, started `at` ms into a fixed day.
fn run_of_job(mean: u64, at: u64) -> SessionReport {
    let mut run = report("job", &[("load", 200, mean)]);
    run.started_at_unix_ms = 1_800_000_000_000 + at;
    run
}

#[test]
fn diff_against_a_history_directory_takes_the_median_of_the_latest_runs() {
    let dir = TempDir::new("diff-baseline");
    let history = dir.path("history");
    std::fs::create_dir(&history).unwrap();
    // Five runs of 1 µs calls, one of them on a slow machine, then a run of
    // another session; the oldest run is the slowest of all.
    let means = [4_000, 1_000, 1_020, 2_000, 990, 1_010];
    for (i, mean) in means.into_iter().enumerate() {
        save(&dir, &format!("history/run{i}.json"), &run_of_job(mean, i as u64 * 1_000));
    }
    save(&dir, "history/other.json", &report("other", &[("load", 200, 9)]));
    // The new run is saved there too, as a monitor with a history directory
    // does: it is not its own baseline.
    let slower = run_of_job(1_300, 60_000);
    save(&dir, "history/new.json", &slower);
    let new = save(&dir, "new.json", &slower);

    // The latest five runs vary by twice among themselves: +30 % is within
    // what another run could do, and the text says so.
    let out = profiler(&[&"diff", &"--baseline", &history, &new]);
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("Compared with the median of 5 runs of \"job\""), "{text}");
    assert!(text.contains("  ? load: typical call +"), "{text}");
    assert!(text.contains("% but it varies by up to ±"), "{text}");

    // The latest two, steady: too few to tell how runs vary, so judged as
    // one run against one, and said so.
    let out = profiler(&[&"diff", &"--baseline", &history, &new, &"--runs", &"2"]);
    assert_eq!(out.status.code(), Some(3), "{}", stdout(&out));
    let text = stdout(&out);
    assert!(text.contains("  ! load: typical call +"), "{text}");
    assert!(text.contains("needs 3 baseline runs or more, and this baseline has 2"), "{text}");

    // Five steady runs: the same run regressed, past what they vary by.
    let steady = dir.path("steady");
    std::fs::create_dir(&steady).unwrap();
    for (i, mean) in [1_000, 1_020, 990, 1_010, 1_000].into_iter().enumerate() {
        save(&dir, &format!("steady/run{i}.json"), &run_of_job(mean, i as u64 * 1_000));
    }
    let out = profiler(&[&"diff", &"--baseline", &steady, &new]);
    assert_eq!(out.status.code(), Some(3), "{}{}", stdout(&out), stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("  ! load: typical call +"), "{text}");
    assert!(text.contains("and past the baseline runs' spread"), "{text}");

    // Against the slow machine's run alone (2 µs) it would pass.
    let out = profiler(&[&"diff", &dir.path("history/run3.json"), &new]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));

    // An unchanged run passes against the median, and --runs picks how many.
    let same = save(&dir, "same.json", &run_of_job(1_000, 70_000));
    let out = profiler(&[&"diff", &"--baseline", &history, &same, &"--runs", &"3", &"--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["baseline_runs"].as_array().unwrap().len(), 3, "{json}");

    // No run of the session, and BASE given with --baseline, are bad input.
    let stranger = save(&dir, "stranger.json", &report("nightly", &[("load", 200, 1_000)]));
    assert_bad_input(
        &profiler(&[&"diff", &"--baseline", &history, &stranger]),
        "no saved run of session \"nightly\" to compare with (it holds runs of \"job\", \"other\")",
    );
    assert_bad_input(
        &profiler(&[&"diff", &"--baseline", &history, &new, &new]),
        "--baseline DIR takes the place of BASE",
    );
    assert_bad_input(&profiler(&[&"diff", &"--baseline", &dir.path("none"), &new]), "none");
}

#[test]
fn missing_broken_foreign_and_newer_files_are_one_line_and_exit_2() {
    let dir = TempDir::new("bad");
    let good = save(&dir, "good.json", &report("job", &[("parse", 100, 1_000)]));
    let missing = dir.path("missing.json");
    assert_bad_input(&profiler(&[&"show", &missing]), "missing.json: No such file");
    assert_bad_input(&profiler(&[&"diff", &good, &missing]), "missing.json");

    let text = std::fs::read_to_string(&good).unwrap();
    let cut = dir.path("cut.json");
    std::fs::write(&cut, &text[..text.len() / 2]).unwrap();
    assert_bad_input(&profiler(&[&"show", &cut]), "cut.json: cut short");
    assert_bad_input(&profiler(&[&"diff", &cut, &good]), "cut.json: cut short");

    let foreign = dir.path("package.json");
    std::fs::write(&foreign, "{\"name\": \"web\", \"version\": \"1.0.0\"}").unwrap();
    assert_bad_input(&profiler(&[&"show", &foreign]), "package.json: not a session report");

    let newer = dir.path("newer.json");
    let version = format!("\"schema_version\": {SCHEMA_VERSION}");
    std::fs::write(&newer, text.replacen(&version, "\"schema_version\": 99", 1)).unwrap();
    assert_bad_input(
        &profiler(&[&"diff", &good, &newer]),
        "newer.json: session report has schema version 99",
    );
}

#[test]
fn bad_arguments_are_one_line_and_exit_2() {
    assert_bad_input(&profiler(&[&"show", &"a.json", &"--bogus"]), "unexpected argument '--bogus'");
    assert_bad_input(
        &profiler(&[&"diff", &"a.json", &"b.json", &"--fail-above", &"ten"]),
        "give a percentage of 0 or more",
    );
    assert_bad_input(
        &profiler(&[&"diff", &"a.json", &"b.json", &"--fail-above", &"-5%"]),
        "give a percentage",
    );
    assert_bad_input(&profiler(&[&"diff"]), "required arguments were not provided: <REPORT>");
    assert_bad_input(&profiler(&[&"diff", &"a.json"]), "give the baseline and the new report");
    assert_bad_input(&profiler(&[&"frobnicate"]), "unrecognized subcommand 'frobnicate'");
    assert_bad_input(&profiler(&[]), "no command given");
    let help = profiler(&[&"--help"]);
    assert_eq!(help.status.code(), Some(0));
    assert!(stdout(&help).contains("history"), "{}", stdout(&help));
}

#[test]
fn history_lists_the_runs_and_trends_past_a_truncated_file() {
    let dir = TempDir::new("history");
    let runs = dir.path("runs");
    let m = Monitor::new();
    m.configure(&Config::new().history_dir(&runs)).unwrap();
    for _ in 0..3 {
        m.start_session("nightly");
        m.end_session();
    }
    // Give the saved runs figures: steady, then clearly slower.
    let saved = profiler_runtime::load_history(&runs).unwrap();
    for (run, mean) in saved.runs.iter().zip([1_000, 1_010, 1_500]) {
        let mut r = run.report.clone();
        r.operations = report("nightly", &[("fetch", 100, mean)]).operations;
        r.save_json(&run.path).unwrap();
    }
    let cut = runs.join("9999999999999-0001-1-nightly.json");
    std::fs::write(&cut, "{\"schema_version\": 1, \"session_id\": \"nigh").unwrap();

    let out = profiler(&[&"history", &runs]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("3 runs in "), "{text}");
    assert!(text.contains("1 file could not be read"), "{text}");
    assert_eq!(text.matches("-nightly.json").count(), 3, "{text}");
    assert!(text.contains("Trends over 3 runs of \"nightly\""), "{text}");
    let fetch = text.lines().find(|l| l.starts_with("  fetch ")).expect(&text);
    assert!(fetch.ends_with("degrading"), "{fetch}");
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("9999999999999-0001-1-nightly.json: cut short"), "{err}");

    assert_bad_input(&profiler(&[&"history", &dir.path("none")]), "none");
    let empty = dir.path("empty");
    std::fs::create_dir(&empty).unwrap();
    let out = profiler(&[&"history", &empty]);
    assert_eq!((out.status.code(), stdout(&out).starts_with("no saved runs in ")), (Some(0), true));
}

#[test]
fn a_path_that_is_a_directory_is_bad_input() {
    let dir = TempDir::new("dir");
    assert_bad_input(&profiler(&[&"show", &Path::new(&dir.0)]), "profiler-cli-");
}

#[profiler_runtime::monitor("cli::leaf")]
fn leaf() -> u64 {
    std::hint::black_box(7)
}

#[profiler_runtime::monitor("cli::outer")]
fn outer() -> u64 {
    leaf() + leaf()
}

#[test]
fn export_writes_folded_stacks_a_flame_graph_and_a_chrome_trace_and_refuses_what_the_report_lacks()
{
    let dir = TempDir::new("export");
    let m = Monitor::new();
    m.set_level(profiler_runtime::Level::Full);
    m.start_session("export");
    m.scope(outer);
    let full = save(&dir, "full.json", &m.end_session().unwrap());

    let out = profiler(&[&"export", &full, &"--format", &"folded"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let folded = stdout(&out);
    assert!(folded.lines().any(|l| l.starts_with("cli::outer;cli::leaf ")), "{folded}");

    let out = profiler(&[&"export", &full, &"--format", &"svg"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let svg = stdout(&out);
    assert!(svg.starts_with("<?xml") && svg.contains("<svg"), "{}", &svg[..svg.len().min(300)]);
    assert!(svg.contains("cli::leaf ("), "a box per frame, titled with its time");

    let trace_file = dir.path("trace.json");
    let out = profiler(&[&"export", &full, &"--format", &"chrome", &"-o", &trace_file]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).is_empty(), "written to the file, not stdout");
    let trace: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&trace_file).unwrap()).unwrap();
    assert!(trace["traceEvents"].as_array().unwrap().iter().any(|e| e["name"] == "cli::leaf"));

    let out = profiler(&[&"export", &full, &"--format", &"openmetrics"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("profiler_calls_total{operation=\"cli::leaf\"} 2\n"));
    assert!(stdout(&out).ends_with("# EOF\n"));

    // A basic report has neither tree nor trace; a bad format is a usage error.
    let basic = save(&dir, "basic.json", &report("job", &[("parse", 100, 1_000)]));
    assert_bad_input(
        &profiler(&[&"export", &basic, &"--format", &"chrome"]),
        "basic.json: the report has no call trace for a Chrome trace: record the session at the full level",
    );
    assert_bad_input(
        &profiler(&[&"export", &basic, &"--format", &"svg"]),
        "basic.json: the report has no call tree for a flame graph: record the session at the detailed level",
    );
    assert_bad_input(&profiler(&[&"export", &basic, &"--format", &"pdf"]), "invalid value 'pdf'");
}

#[test]
fn top_refuses_a_bad_address_or_interval_and_needs_a_terminal() {
    assert_bad_input(
        &profiler(&[&"top", &"not-an-address"]),
        "invalid value 'not-an-address' for '[ADDR]': give host:port or http://host:port/",
    );
    assert_bad_input(&profiler(&[&"top", &"https://127.0.0.1:9184"]), "only http://");
    assert_bad_input(&profiler(&[&"top", &"--interval", &"0"]), "give a number of seconds over 0");
    // Here stdout is a pipe: top says so and stops rather than drawing into it.
    assert_bad_input(
        &profiler(&[&"top", &"127.0.0.1:9", &"--interval", &"0.5"]),
        "cannot draw on the terminal: stdout is not a terminal",
    );
    let help = profiler(&[&"top", &"--help"]);
    assert!(stdout(&help).contains("`c` by calls"), "{}", stdout(&help));
}
