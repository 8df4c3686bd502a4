//! A program's `main` as the README writes it: the `--profile` flags read
//! with `?` and applied to the global monitor, then one session with one
//! monitored call. It prints what the session recorded on one line, for
//! `tests/profile_flags.rs` to run under chosen flags and environments.
//!
//! Its own arguments follow `--`: `code-level=LEVEL` configures that level
//! in code before the flags are applied, `pass-unknown` reads the flags with
//! `ProfileFlags::from_args_passing_unknown`.

use profiler_runtime::{global, monitor, Config, Level, ProfileFlags};

#[monitor("profile_main::work")]
fn work() -> u64 {
    std::hint::black_box(1)
}

fn main() -> Result<(), profiler_runtime::Error> {
    let own: Vec<String> = std::env::args().skip_while(|arg| arg != "--").skip(1).collect();
    let (flags, args) = if own.iter().any(|arg| arg == "pass-unknown") {
        ProfileFlags::from_args_passing_unknown(std::env::args())?
    } else {
        ProfileFlags::from_args(std::env::args())?
    };
    let code_level = own.iter().find_map(|arg| arg.strip_prefix("code-level="));
    if let Some(level) = code_level {
        let level = [Level::Basic, Level::Detailed, Level::Full]
            .into_iter()
            .find(|l| l.as_str() == level)
            .expect("code-level=basic, detailed or full");
        global().configure(&Config::new().level(level))?;
    }
    flags.apply(global())?;

    let m = global();
    m.start_session("main");
    work();
    let report = m.end_session().expect("a session was running");
    let args = args.iter().skip(1).take_while(|arg| *arg != "--").cloned().collect::<Vec<_>>();
    println!(
        "recording={} level={} args={}",
        report.recording.as_str(),
        report.level.as_str(),
        args.join(" ")
    );
    Ok(())
}
