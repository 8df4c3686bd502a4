//! Configuration: the builder applied to a monitor, precedence over the
//! environment (injected pairs, never the process's) and the file, every
//! error naming its source, the `--profile` flags and their clap form, and
//! reports written to `out` when a session ends.

use clap::Parser;
use profiler_runtime::{
    Config, ConfigSource, Error, Level, Monitor, ProfileArgs, ProfileFlags, SessionReport,
    CONFIG_KEYS,
};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A fresh directory under the system's temporary one, unique to this test.
fn temp_dir(test: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("profiler-it-config-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn code_wins_over_the_environment_which_wins_over_the_file_which_wins_over_the_defaults() {
    let dir = temp_dir("precedence");
    let file = write(
        &dir,
        "profiler.toml",
        "level = \"full\"\nsample_ms = 50\nhistory = 3\nstage_min_items_per_sec = 2.0\n",
    );
    let env = Config::from_vars([
        ("PROFILER_CONFIG", file.to_str().unwrap()),
        ("PROFILER_LEVEL", "detailed"),
        ("PROFILER_SAMPLE_MS", "30"),
    ])
    .unwrap();
    let config = Config::new().memory_interval(Duration::from_millis(20)).over(env);
    assert_eq!(config.memory_interval, Some(Duration::from_millis(20)), "code over env and file");
    assert_eq!(config.level, Some(Level::Detailed), "env over file");
    assert_eq!(config.history, Some(3), "the file over the defaults");
    assert_eq!(config.stage_min_items_per_sec, Some(2.0));
    assert_eq!(config.stage_efficiency_threshold, None, "nothing set: the default stays");

    let m = Monitor::new();
    m.configure(&config).unwrap();
    assert_eq!(m.level(), Level::Detailed);
    // Sessions at the basic level: a detailed one starts a memory sampler,
    // and `memory.rs` counts those threads in this binary.
    m.set_level(Level::Basic);
    for i in 0..5 {
        m.start_session(format!("s{i}"));
    }
    m.end_session();
    assert_eq!(m.session_history().len(), 3);
}

#[test]
fn a_config_leaves_what_it_does_not_set_alone() {
    let m = Monitor::new();
    m.set_level(Level::Full);
    m.disable();
    m.configure(&Config::new().history(1)).unwrap();
    assert_eq!(m.level(), Level::Full);
    assert!(!m.is_enabled());
    m.configure(&Config::new().enabled(true)).unwrap();
    assert!(m.is_enabled());
}

#[test]
fn a_bad_value_in_code_applies_nothing() {
    let m = Monitor::new();
    let bad = Config::new().level(Level::Full).stage_efficiency_threshold(-3.0);
    let err = m.configure(&bad).unwrap_err();
    assert!(
        matches!(&err, Error::Config { origin: ConfigSource::Code, key, .. } if key == "stage_efficiency_threshold")
    );
    assert_eq!(m.level(), Level::Basic);
    assert!(matches!(
        m.configure(&Config::new().sample_rate(0)),
        Err(Error::SampleRate { given: 0 })
    ));
    assert!(matches!(
        m.configure(&Config::new().memory_interval(Duration::from_secs(7200))),
        Err(Error::MemoryInterval { .. })
    ));
}

/// A stage of `items` items taking at least 2 ms, in a session of its own.
fn stage_report(m: &Monitor, items: u64) -> SessionReport {
    m.start_session("config::stage");
    {
        let stage = m.stage("config::load");
        stage.items(items);
        std::thread::sleep(Duration::from_millis(2));
    }
    m.end_session().unwrap()
}

fn slow_stage(report: &SessionReport) -> bool {
    report.findings.iter().any(|f| f.kind == "slow_stage")
}

#[test]
fn the_slow_stage_floor_is_the_monitors_own_and_none_by_default() {
    let m = Monitor::new();
    // 1 item in over 2 ms: about 500 items/s, and no floor to be under.
    assert!(!slow_stage(&stage_report(&m, 1)));
    m.configure(&Config::new().stage_min_items_per_sec(1_000.0)).unwrap();
    assert!(slow_stage(&stage_report(&m, 1)));
    // 0 takes the floor away again.
    m.configure(&Config::new().stage_min_items_per_sec(0.0)).unwrap();
    assert!(!slow_stage(&stage_report(&m, 1)));
    m.configure(&Config::new().stage_min_items_per_sec(1e12)).unwrap();
    let report = stage_report(&m, 1_000);
    let finding = report.findings.iter().find(|f| f.kind == "slow_stage").expect("a finding");
    assert!(finding.message.contains("under the floor of 1000000000000"), "{}", finding.message);
    // Another monitor keeps the default: no floor.
    assert!(!slow_stage(&stage_report(&Monitor::new(), 1)));
}

#[test]
fn the_file_errors_name_the_file_the_key_the_value_and_what_is_allowed() {
    let dir = temp_dir("file-errors");
    let cases = [
        ("levl = \"full\"\n", "unknown key \"levl\": did you mean `level`? allowed keys are "),
        (
            "level = \"loud\"\n",
            "level = \"loud\" is not allowed: give a string: \"basic\", \"detailed\" or \"full\"",
        ),
        (
            "sample_ms = 0\n",
            "sample_ms = 0 is not allowed: give a whole number of milliseconds from 1 to 3600000",
        ),
        (
            "history = \"ten\"\n",
            "history = \"ten\" is not allowed: give a whole number of sessions, 0 or more",
        ),
        ("enabled = 1\n", "enabled = 1 is not allowed: give true or false"),
    ];
    for (i, (text, message)) in cases.into_iter().enumerate() {
        let path = write(&dir, &format!("bad{i}.toml"), text);
        let err = Config::from_file(&path).unwrap_err().to_string();
        assert!(err.starts_with(&format!("{}: {message}", path.display())), "{err}");
    }
    let err = Config::from_file(dir.join("missing.toml")).unwrap_err();
    assert!(matches!(&err, Error::Io { path, .. } if path.ends_with("missing.toml")), "{err}");
    assert!(err.to_string().contains("missing.toml"));
    assert!(CONFIG_KEYS.contains(&"stage_efficiency_threshold"));
}

#[test]
fn the_environment_names_the_variable_and_the_file_it_points_at() {
    let err = Config::from_vars([("PROFILER", "sometimes")]).unwrap_err();
    assert_eq!(
        err.to_string(),
        r#"PROFILER="sometimes" is not allowed: give 1, 0, true, false, on, off, yes or no"#
    );
    let err = Config::from_vars([("PROFILER_SAMPLE_MS", "86400000")]).unwrap_err();
    assert!(err.to_string().starts_with(r#"PROFILER_SAMPLE_MS="86400000" is not allowed"#));
    let dir = temp_dir("env-file");
    let file = write(&dir, "profiler.toml", "sample_rate = 0\n");
    let err = Config::from_vars([("PROFILER_CONFIG", &file)]).unwrap_err();
    assert!(err.to_string().starts_with(&format!("{}: sample_rate = 0", file.display())), "{err}");
}

#[test]
fn the_plain_flag_parser_configures_a_monitor() {
    let args = ["app", "--profile", "run", "--profile-level=detailed"].map(String::from);
    let (flags, rest) = ProfileFlags::from_args(args).unwrap();
    assert_eq!(rest, ["app", "run"]);
    let m = Monitor::new();
    flags.apply(&m).unwrap(); // with --profile: process-wide on, config applied
    assert_eq!(m.level(), Level::Detailed);
    assert!(profiler_runtime::is_enabled());
}

#[derive(Parser)]
struct Cli {
    #[arg(long)]
    dry_run: bool,
    input: Option<String>,
    #[command(flatten)]
    profile: ProfileArgs,
}

#[test]
fn the_clap_args_flatten_into_a_users_parser() {
    let cli =
        Cli::try_parse_from(["app", "--dry-run", "--profile-out", "r.txt", "in.csv"]).unwrap();
    assert!(cli.dry_run);
    assert_eq!(cli.input.as_deref(), Some("in.csv"));
    let flags = ProfileFlags::from(cli.profile);
    assert!(flags.profile, "--profile-out implies --profile");
    assert_eq!(flags.out, Some(PathBuf::from("r.txt")));
    assert_eq!(flags.config(), Config::new().enabled(true).out("r.txt"));

    let none = Cli::try_parse_from(["app"]).unwrap();
    assert!(!ProfileFlags::from(none.profile).profile);
    let err = Cli::try_parse_from(["app", "--profile-level", "loud"]).err().unwrap().to_string();
    assert!(err.contains("loud") && err.contains("basic"), "{err}");
}

#[test]
fn an_ended_session_is_written_to_out_as_text_or_json() {
    let dir = temp_dir("out");
    let m = Monitor::new();
    let text = dir.join("summary.txt");
    m.configure(&Config::new().out(&text)).unwrap();
    m.start_session("config::text");
    m.record_cache_hit();
    let report = m.end_session().unwrap();
    let written = std::fs::read_to_string(&text).unwrap();
    assert_eq!(written, report.to_text() + "\n");

    let json = dir.join("run.json");
    m.configure(&Config::new().out(&json)).unwrap();
    let session = m.start_session("config::json");
    m.record_api_call(10, 0.5, false);
    let report = session.end().unwrap();
    assert_eq!(SessionReport::load_json(&json).unwrap(), report);

    // A session ended by the next one starting is written too.
    m.start_session("config::first");
    m.start_session("config::second");
    assert_eq!(SessionReport::load_json(&json).unwrap().session_id, "config::first");
    m.end_session();
}

#[test]
fn a_failed_write_keeps_the_report() {
    let dir = temp_dir("out-fails");
    let m = Monitor::new();
    m.configure(&Config::new().out(dir.join("no-such-dir").join("r.txt"))).unwrap();
    m.start_session("config::unwritable");
    m.record_cache_miss();
    let report = m.end_session().expect("the report is still returned");
    assert_eq!(report.cache.misses, 1);
    assert_eq!(
        m.session_history().last().map(|r| r.session_id.as_str()),
        Some("config::unwritable")
    );
}

#[profiler_runtime::monitor("config::sleepy")]
fn sleepy(ms: u64) {
    std::thread::sleep(Duration::from_millis(ms));
}

#[profiler_runtime::monitor(name = "config::own_threshold", slow = "1s")]
fn own_threshold() {
    std::thread::sleep(Duration::from_millis(3));
}

#[test]
fn the_default_slow_threshold_counts_the_calls_of_operations_without_their_own() {
    let m = Monitor::new();
    let env = Config::from_vars([("PROFILER_SLOW", "2ms")]).unwrap();
    m.configure(&env).unwrap();
    m.start_session("config::slow");
    m.scope(|| {
        sleepy(4);
        sleepy(0);
        sleepy(5);
        own_threshold();
    });
    let r = m.end_session().unwrap();
    let row = r.operation("config::sleepy").unwrap();
    assert_eq!((row.slow_threshold_ns, row.slow_calls), (Some(2_000_000), 2), "{r}");
    let own = r.operation("config::own_threshold").unwrap();
    assert_eq!((own.slow_threshold_ns, own.slow_calls), (Some(1_000_000_000), 0), "its own wins");
    let slow: Vec<_> = r.findings.iter().filter(|f| f.kind == "slow_calls").collect();
    assert_eq!(slow.len(), 1, "{r}");
    assert_eq!(slow[0].subject.as_deref(), Some("config::sleepy"));
    assert_eq!(slow[0].crossed.as_ref().map(|c| c.threshold), Some(2e6));
}

#[test]
fn module_components_name_the_component_of_untagged_operations() {
    let m = Monitor::new();
    m.configure(&Config::new().module_components(2)).unwrap();
    m.start_session("config::components");
    m.scope(|| sleepy(0));
    m.operation("config::manual").start().finish();
    let r = m.end_session().unwrap();
    // This file's module path is `it::config`.
    assert_eq!(r.operation("config::sleepy").unwrap().component.as_deref(), Some("it::config"));
    assert_eq!(r.operation("config::manual").unwrap().component, None, "manual ones keep none");
    assert_eq!(r.components.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["it::config"]);

    m.configure(&Config::new().module_components(1)).unwrap();
    m.start_session("config::components_1");
    m.scope(|| sleepy(0));
    let r = m.end_session().unwrap();
    assert_eq!(r.operation("config::sleepy").unwrap().component.as_deref(), Some("it"));
}

#[test]
fn the_threshold_keys_read_from_a_file_and_refuse_what_is_not_allowed() {
    let dir = temp_dir("threshold-keys");
    let file = write(
        &dir,
        "profiler.toml",
        "slow = \"1.5ms\"\nmemory_growth_per_min = \"8MiB\"\nmodule_components = 1\n",
    );
    let config = Config::from_file(&file).unwrap();
    assert_eq!(config.slow, Some(Duration::from_micros(1500)));
    assert_eq!(config.memory_growth_per_min, Some(8 << 20));
    assert_eq!(config.module_components, Some(1));
    let cases = [
        ("slow = \"10\"\n", "slow = \"10\" is not allowed: give a string: a duration above 0"),
        ("slow = 10\n", "slow = 10 is not allowed"),
        ("memory_growth_per_min = 0\n", "memory_growth_per_min = 0 is not allowed"),
        ("memory_growth_per_min = \"8 TiB\"\n", "memory_growth_per_min = \"8 TiB\" is not allowed"),
        ("module_components = 17\n", "module_components = 17 is not allowed: give a whole number"),
    ];
    for (i, (text, message)) in cases.into_iter().enumerate() {
        let path = write(&dir, &format!("bad{i}.toml"), text);
        let err = Config::from_file(&path).unwrap_err().to_string();
        assert!(err.starts_with(&format!("{}: {message}", path.display())), "{err}");
    }
    let err = Config::from_vars([("PROFILER_SLOW", "fast")]).unwrap_err().to_string();
    assert!(err.starts_with(r#"PROFILER_SLOW="fast" is not allowed: give a duration"#), "{err}");
    let m = Monitor::new();
    let err = m.configure(&Config::new().slow(Duration::ZERO)).unwrap_err().to_string();
    assert!(err.contains("slow"), "{err}");
    assert!(m.configure(&Config::new().module_components(40)).is_err());
    assert!(m.configure(&Config::new().memory_growth_per_min(0)).is_err());
}

#[test]
fn capture_panics_is_read_from_the_environment_and_the_file_and_checked() {
    let on = Config::from_vars([("PROFILER_CAPTURE_PANICS", "1")]).unwrap();
    assert_eq!(on.capture_panics, Some(true));
    let off = Config::from_vars([("PROFILER_CAPTURE_PANICS", "off")]).unwrap();
    assert_eq!(off.capture_panics, Some(false));
    let err = Config::from_vars([("PROFILER_CAPTURE_PANICS", "maybe")]).unwrap_err().to_string();
    assert!(err.starts_with(r#"PROFILER_CAPTURE_PANICS="maybe" is not allowed"#), "{err}");
    let dir = std::env::temp_dir().join(format!("config-panics-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("profiler.toml");
    std::fs::write(&file, "capture_panics = true\n").unwrap();
    assert_eq!(Config::from_file(&file).unwrap().capture_panics, Some(true));
    std::fs::write(&file, "capture_panics = \"yes\"\n").unwrap();
    let err = Config::from_file(&file).unwrap_err().to_string();
    assert!(err.contains("capture_panics = \"yes\" is not allowed: give true or false"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}
