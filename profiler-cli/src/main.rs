//! `profiler`: reads the JSON reports `profiler-runtime` saves.
//!
//! ```text
//! profiler show run.json                          # the report's summary (--json: the JSON again)
//! profiler diff base.json new.json --fail-above 10%   # what changed; exit 3 on a regression
//! profiler diff --baseline target/runs new.json   # against the median of the last 5 saved runs
//! profiler history target/runs                    # saved runs, and each operation's trend
//! profiler export run.json --format folded        # flame graph input (chrome: a Perfetto trace)
//! profiler top 127.0.0.1:9184                     # a running program's live figures (`serve`)
//! ```
//!
//! Exit codes: 0 done (and, for `diff`, nothing regressed), 3 `diff` found
//! a regression, 2 bad input (a missing or broken file, an unknown flag, a
//! bad value, or for `diff` reports it cannot judge: an empty or unrecorded
//! run, another session, most operations gone), with one line on stderr:
//! `profiler: <what is wrong>`.

mod cli;
mod date;
mod diff;
mod endpoint;
mod export;
mod failure;
mod history;
mod show;
mod top;

use failure::Failure;
use std::io::Write;
use std::process::ExitCode;

/// What a command found, as the exit code says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// Done; nothing regressed.
    Clean,
    /// `diff` found a regression.
    Regressed,
}

fn main() -> ExitCode {
    let command = match cli::parse(std::env::args_os()) {
        Ok(cli::Parsed::Run(command)) => command,
        Ok(cli::Parsed::Print(text)) => {
            emit(&text);
            return ExitCode::SUCCESS;
        }
        Err(failure) => return fail(&failure),
    };
    let result = match command {
        cli::Command::Show(args) => show::run(&args),
        cli::Command::Diff(args) => diff::run(&args),
        cli::Command::History(args) => history::run(&args),
        cli::Command::Export(args) => export::run(&args),
        cli::Command::Top(args) => top::run(&args),
    };
    match result {
        Ok((text, outcome)) => {
            emit(&text);
            match outcome {
                Outcome::Clean => ExitCode::SUCCESS,
                Outcome::Regressed => ExitCode::from(3),
            }
        }
        Err(failure) => fail(&failure),
    }
}

/// Writes `text` to stdout; a reader that went away (`| head`) is not an error.
fn emit(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}

/// The one line on stderr, and exit code 2.
fn fail(failure: &Failure) -> ExitCode {
    let _ = writeln!(std::io::stderr(), "profiler: {failure}");
    ExitCode::from(2)
}
