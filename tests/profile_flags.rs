//! `ProfileFlags::apply` in a test binary of its own: without `--profile` it
//! switches recording off for the whole process, which would stop the
//! counting of any test running beside it. The precedence of flags,
//! environment and code (the table in `Config`'s rustdoc, row by row) is
//! tested on `bin/profile_main.rs`, run with chosen flags and variables, so
//! that no test sets this process's environment.

use profiler_runtime::{monitor, Level, Monitor, ProfileFlags};

#[monitor("flags::work")]
fn work(x: u64) -> u64 {
    std::hint::black_box(x) + 1
}

fn calls(m: &Monitor) -> u64 {
    m.start_session("flags");
    m.scope(|| work(1));
    m.end_session().unwrap().operation("flags::work").map_or(0, |op| op.calls)
}

#[test]
fn without_profile_the_process_records_nothing_and_with_it_records_again() {
    let m = Monitor::new();
    let (flags, rest) = ProfileFlags::from_args(["app", "input.csv"]).unwrap();
    assert_eq!(rest, ["app", "input.csv"]);
    flags.apply(&m).unwrap();
    assert!(!profiler_runtime::is_enabled());
    assert_eq!(calls(&m), 0);

    let (flags, _) = ProfileFlags::from_args(["app", "--profile-level", "full"]).unwrap();
    flags.apply(&m).unwrap();
    assert!(profiler_runtime::is_enabled());
    assert_eq!(m.level(), Level::Full);
    assert_eq!(calls(&m), 1);
}

/// Every variable the environment's configuration reads: each run starts
/// from none of them, whatever the test runner's environment holds.
const VARIABLES: [&str; 8] = [
    "PROFILER",
    "PROFILER_LEVEL",
    "PROFILER_OUT",
    "PROFILER_SAMPLE_MS",
    "PROFILER_CONFIG",
    "PROFILER_HISTORY",
    "PROFILER_SLOW",
    "PROFILER_CAPTURE_PANICS",
];

/// `bin/profile_main.rs` run with `args` and only the `env` variables of
/// the profiler's set: its exit code, stdout and stderr.
fn run_main(args: &[&str], env: &[(&str, &str)]) -> (Option<i32>, String, String) {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_profile-main"));
    command.args(args);
    for name in VARIABLES {
        command.env_remove(name);
    }
    command.envs(env.iter().copied());
    let out = command.output().expect("the test program runs");
    let text = |bytes: Vec<u8>| String::from_utf8(bytes).unwrap();
    (out.status.code(), text(out.stdout), text(out.stderr))
}

/// What the program's session recorded: `recording=.. level=.. args=..`.
fn recorded(args: &[&str], env: &[(&str, &str)]) -> String {
    let (code, stdout, stderr) = run_main(args, env);
    assert_eq!(code, Some(0), "{args:?} {env:?}: {stderr}");
    assert_eq!(stderr, "", "{args:?} {env:?}");
    stdout.trim_end().to_owned()
}

/// A file name under the temporary directory, removed first.
fn temp(name: &str) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("profile-flags-{}-{name}", std::process::id()));
    let _ = std::fs::remove_file(&path);
    path
}

#[test]
fn without_a_flag_recording_follows_the_environment_and_is_off_when_it_says_nothing() {
    assert_eq!(recorded(&[], &[]), "recording=off level=basic args=");
    assert_eq!(
        recorded(&["input.csv"], &[("PROFILER", "1")]),
        "recording=on level=basic args=input.csv"
    );
    assert_eq!(recorded(&[], &[("PROFILER", "yes")]), "recording=on level=basic args=");
    assert_eq!(recorded(&[], &[("PROFILER_LEVEL", "full")]), "recording=on level=full args=");
    assert_eq!(recorded(&[], &[("PROFILER", "0")]), "recording=off level=basic args=");
    // The switch, when set, wins over what a level or an output implies.
    let off = recorded(&[], &[("PROFILER", "0"), ("PROFILER_LEVEL", "full")]);
    assert_eq!(off, "recording=off level=full args=");
    // Settings that do not ask to profile leave the flags' default: off.
    assert_eq!(recorded(&[], &[("PROFILER_SLOW", "1ms")]), "recording=off level=basic args=");
}

#[test]
fn an_output_in_the_environment_asks_to_profile_and_gets_the_report() {
    let path = temp("env-out.txt");
    let out = path.to_str().unwrap();
    assert_eq!(recorded(&[], &[("PROFILER_OUT", out)]), "recording=on level=basic args=");
    let written = std::fs::read_to_string(&path).unwrap();
    assert!(written.starts_with("Session \"main\""), "{written}");
    assert!(written.contains("profile_main::work"), "{written}");
    let _ = std::fs::remove_file(&path);
}

#[test]
fn a_flag_wins_over_the_environment_setting_for_setting() {
    assert_eq!(recorded(&["--profile"], &[("PROFILER", "0")]), "recording=on level=basic args=");
    let kept = recorded(&["--profile"], &[("PROFILER_LEVEL", "full")]);
    assert_eq!(
        kept, "recording=on level=full args=",
        "a flag that sets no level leaves the variable's"
    );
    let flag = recorded(&["--profile-level", "basic"], &[("PROFILER_LEVEL", "full")]);
    assert_eq!(flag, "recording=on level=basic args=");

    let (flag_out, env_out) = (temp("flag-out.txt"), temp("env-out-unused.txt"));
    let args = ["--profile-out", flag_out.to_str().unwrap()];
    recorded(&args, &[("PROFILER_OUT", env_out.to_str().unwrap())]);
    assert!(flag_out.exists() && !env_out.exists(), "the flag's output, not the variable's");
    let _ = std::fs::remove_file(&flag_out);
}

#[test]
fn code_wins_over_the_environment_and_flags_applied_after_it_win_over_code() {
    let code = recorded(&["--profile", "--", "code-level=detailed"], &[("PROFILER_LEVEL", "full")]);
    assert!(code.starts_with("recording=on level=detailed"), "{code}");
    let flag = recorded(&["--profile-level=basic", "--", "code-level=detailed"], &[]);
    assert!(flag.starts_with("recording=on level=basic"), "{flag}");
    // Code that sets a level does not ask to profile: the flags decide.
    let off = recorded(&["--", "code-level=detailed"], &[]);
    assert!(off.starts_with("recording=off level=detailed"), "{off}");
}

#[test]
fn a_mistyped_flag_ends_main_with_its_message_not_its_fields() {
    let (code, stdout, stderr) =
        run_main(&["--profile-levle=full", "input.csv"], &[("PROFILER", "1")]);
    assert_eq!(code, Some(1), "`main` returned the error");
    assert_eq!(stdout, "");
    assert_eq!(
        stderr,
        "Error: unknown flag --profile-levle: did you mean --profile-level? \
         (the profiling flags are --profile, --profile-level and --profile-out)\n"
    );
    let (_, _, stderr) = run_main(&["--profile-level", "loud"], &[]);
    assert_eq!(
        stderr,
        "Error: --profile-level \"loud\" is not allowed: give basic, detailed or full\n"
    );
    for look_alike in ["--Profile", "--profile_out=r.txt", "-profile"] {
        let (code, _, stderr) = run_main(&[look_alike], &[]);
        assert_eq!(code, Some(1), "{look_alike}");
        assert!(
            stderr.starts_with(&format!(
                "Error: unknown flag {}",
                look_alike.split('=').next().unwrap()
            )),
            "{stderr}"
        );
    }
}

#[test]
fn a_program_that_opts_in_gets_look_alikes_back_with_its_arguments() {
    let args = ["--profiles", "a,b", "--profile", "--", "pass-unknown"];
    assert_eq!(recorded(&args, &[]), "recording=on level=basic args=--profiles a,b");
    let args = ["--profile-levle=full", "--", "pass-unknown"];
    assert_eq!(recorded(&args, &[]), "recording=off level=basic args=--profile-levle=full");
}
