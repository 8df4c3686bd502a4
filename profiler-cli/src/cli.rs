//! The command line: the three commands and their flags, parsed by clap,
//! with clap's own errors cut to one line.

use crate::endpoint::{Endpoint, DEFAULT_ADDR};
use crate::failure::Failure;
use clap::error::ErrorKind;
use clap::{Args, Parser, Subcommand};
use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

/// Reads the JSON reports profiler-runtime saves: show one, compare two,
/// follow a history directory.
#[derive(Debug, Parser)]
#[command(name = "profiler", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// A command to run.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Print a saved report's summary.
    Show(ShowArgs),
    /// Compare a report with a baseline: exit 3 if something regressed.
    Diff(DiffArgs),
    /// List the runs saved in a history directory, with each operation's trend.
    History(HistoryArgs),
    /// Write a saved report in another tool's format.
    Export(ExportArgs),
    /// Watch a running program's live report (its `serve` endpoint) in the
    /// terminal.
    ///
    /// Redraws every interval. Keys: `s` sorts the operations by self time,
    /// `c` by calls, `p` by p99, `f` by failures; `q`, Esc or Ctrl-C quits.
    /// A program that stops answering shows as disconnected, with its last
    /// figures, until it answers again.
    Top(TopArgs),
}

/// The formats `profiler export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    /// Folded stacks (`outer;inner 1234`, self time in ns) for flame graph
    /// tools; needs a report recorded at the detailed level.
    Folded,
    /// An SVG flame graph of the call tree (open it in a browser: hover for
    /// times, click to zoom); needs a report recorded at the detailed level.
    Svg,
    /// Chrome trace event JSON for Perfetto and chrome://tracing; needs a
    /// report recorded at the full level.
    Chrome,
    /// The Prometheus text exposition format (0.0.4).
    Prometheus,
    /// OpenMetrics 1.0 text.
    Openmetrics,
}

/// `profiler export`.
#[derive(Debug, Args)]
pub(crate) struct ExportArgs {
    /// The report (JSON, as `save_json` or a history directory writes it).
    pub(crate) report: PathBuf,
    /// The format to write.
    #[arg(long, value_enum)]
    pub(crate) format: Format,
    /// Write to this file instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
}

/// `profiler show`.
#[derive(Debug, Args)]
pub(crate) struct ShowArgs {
    /// The report (JSON, as `save_json` or a history directory writes it).
    pub(crate) report: PathBuf,
    /// Print the report as JSON again instead of its summary.
    #[arg(long)]
    pub(crate) json: bool,
}

/// `profiler diff`.
#[derive(Debug, Args)]
pub(crate) struct DiffArgs {
    /// BASE NEW: the baseline report, then the report to compare with it.
    /// With --baseline, NEW alone.
    #[arg(value_name = "REPORT", required = true, num_args = 1..=2)]
    pub(crate) reports: Vec<PathBuf>,
    /// Compare with the median of the latest runs of NEW's session saved in
    /// this history directory, instead of with a BASE report. From 3 runs
    /// on, a change must also be past what those runs vary by between
    /// themselves; within it, the operation gets no verdict.
    #[arg(long, value_name = "DIR")]
    pub(crate) baseline: Option<PathBuf>,
    /// With --baseline: the latest runs the median is taken over.
    #[arg(long, value_name = "N", default_value = "5", value_parser = runs, requires = "baseline")]
    pub(crate) runs: usize,
    /// A rise in an operation's typical call or p99 by more than this, with
    /// evidence, is a regression (exit code 3). Against one run, a p99 must
    /// rise by three times this.
    #[arg(long, value_name = "PERCENT", default_value = "10%", value_parser = percent, allow_hyphen_values = true)]
    pub(crate) fail_above: f64,
    /// Timed calls an operation needs on each side before its typical call
    /// is judged (its p99 needs 100, or this if more).
    #[arg(long, value_name = "N", default_value_t = profiler_runtime::DEFAULT_MIN_CALLS)]
    pub(crate) min_calls: u64,
    /// The chance of a false alarm the whole comparison allows; each test
    /// must reach it divided by the number of tests.
    #[arg(long, value_name = "P", default_value = "0.001", value_parser = significance)]
    pub(crate) significance: f64,
    /// Print the comparison as JSON instead of a table (the exit code is the same).
    #[arg(long)]
    pub(crate) json: bool,
}

/// `profiler top`.
#[derive(Debug, Args)]
pub(crate) struct TopArgs {
    /// The program's endpoint: `host:port` or `http://host:port/`.
    #[arg(
        value_name = "ADDR",
        default_value = DEFAULT_ADDR,
        value_parser = Endpoint::parse
    )]
    pub(crate) addr: Endpoint,
    /// Seconds between two reads of the report (fractions allowed).
    #[arg(
        long,
        value_name = "SECS",
        default_value = "1",
        value_parser = interval,
        allow_hyphen_values = true
    )]
    pub(crate) interval: Duration,
}

/// `profiler history`.
#[derive(Debug, Args)]
pub(crate) struct HistoryArgs {
    /// The history directory (`Config::history_dir`, `PROFILER_HISTORY`).
    pub(crate) dir: PathBuf,
    /// Previous runs each trend compares the latest with, at most.
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub(crate) window: usize,
    /// Runs where an operation made fewer calls are left out of its trend.
    #[arg(long, value_name = "N", default_value_t = profiler_runtime::DEFAULT_MIN_CALLS)]
    pub(crate) min_calls: u64,
}

/// A percentage: `10%` or `10`, 0 or more.
fn percent(text: &str) -> Result<f64, String> {
    let number = text.trim().strip_suffix('%').unwrap_or(text.trim());
    match number.trim().parse::<f64>() {
        Ok(p) if p.is_finite() && p >= 0.0 => Ok(p),
        _ => Err("give a percentage of 0 or more, such as 10%".to_owned()),
    }
}

/// A number of runs: a whole number from 1 up.
fn runs(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err("give a whole number of runs from 1 up, such as 5".to_owned()),
    }
}

/// A significance level: above 0 and below 1.
/// The longest interval accepted: a day.
const MAX_INTERVAL_SECS: f64 = 86_400.0;

/// Parses `--interval`: seconds, more than 0 (`1`, `0.5`, `2s`).
fn interval(text: &str) -> Result<Duration, String> {
    let number = text.trim().strip_suffix('s').unwrap_or(text.trim());
    match number.trim().parse::<f64>() {
        Ok(secs) if secs > 0.0 && secs <= MAX_INTERVAL_SECS => Ok(Duration::from_secs_f64(secs)),
        _ => Err("give a number of seconds over 0 and at most 86400, such as 1 or 0.5".to_owned()),
    }
}

fn significance(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(p) if p > 0.0 && p < 1.0 => Ok(p),
        _ => Err("give a probability above 0 and below 1, such as 0.001".to_owned()),
    }
}

/// What the command line asks for.
#[derive(Debug)]
pub(crate) enum Parsed {
    /// Run a command.
    Run(Command),
    /// Print this (`--help`, `--version`) and stop.
    Print(String),
}

/// Parses the arguments (the program's name first).
pub(crate) fn parse<I: IntoIterator<Item = OsString>>(args: I) -> Result<Parsed, Failure> {
    match Cli::try_parse_from(args) {
        Ok(cli) => Ok(Parsed::Run(cli.command)),
        Err(e) if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) => {
            let text = e.to_string();
            Ok(Parsed::Print(if text.ends_with('\n') { text } else { text + "\n" }))
        }
        Err(e) if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            Err(Failure::Usage(
                "no command given: give show, diff, history, export or top (see profiler --help)"
                    .to_owned(),
            ))
        }
        Err(e) => Err(Failure::Usage(one_line(&e.to_string()))),
    }
}

/// clap's first paragraph on one line (`error: unexpected argument '--x'
/// found`, or the missing arguments after their heading), without its
/// `error: `, pointing at `--help` for the rest.
fn one_line(clap_text: &str) -> String {
    let paragraph: Vec<&str> = clap_text
        .lines()
        .skip_while(|l| l.trim().is_empty())
        .take_while(|l| !l.trim().is_empty())
        .map(str::trim)
        .collect();
    let text = paragraph.join(" ");
    let text = text.strip_prefix("error: ").unwrap_or(&text);
    let text = if text.is_empty() { "bad arguments" } else { text };
    format!("{text} (see profiler --help)")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_line(line: &str) -> Result<Parsed, Failure> {
        parse(line.split_whitespace().map(OsString::from))
    }

    #[test]
    fn percentages_take_an_optional_sign_and_refuse_the_rest() {
        assert_eq!(percent("10%"), Ok(10.0));
        assert_eq!(percent("2.5"), Ok(2.5));
        assert_eq!(percent("0%"), Ok(0.0));
        for bad in ["-1%", "ten", "%", "", "NaN", "inf%"] {
            assert!(percent(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn intervals_are_positive_seconds() {
        assert_eq!(interval("1"), Ok(Duration::from_secs(1)));
        assert_eq!(interval("0.5"), Ok(Duration::from_millis(500)));
        assert_eq!(interval("2s"), Ok(Duration::from_secs(2)));
        for bad in ["0", "-1", "ten", "", "NaN", "inf", "1e9"] {
            assert!(interval(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn diff_takes_its_flags_and_defaults() {
        let Ok(Parsed::Run(Command::Diff(args))) = parse_line("profiler diff a.json b.json") else {
            panic!("not a diff")
        };
        assert_eq!((args.fail_above, args.min_calls, args.significance), (10.0, 20, 0.001));
        assert_eq!((args.reports.len(), args.baseline.is_none(), args.runs), (2, true, 5));
        let line =
            "profiler diff a.json b.json --fail-above 2.5% --min-calls 3 --significance 0.01";
        let Ok(Parsed::Run(Command::Diff(args))) = parse_line(line) else { panic!("not a diff") };
        assert_eq!((args.fail_above, args.min_calls, args.significance), (2.5, 3, 0.01));
        let line = "profiler diff --baseline runs new.json --runs 9";
        let Ok(Parsed::Run(Command::Diff(args))) = parse_line(line) else { panic!("not a diff") };
        assert_eq!((args.reports.len(), args.baseline.is_some(), args.runs), (1, true, 9));
    }

    #[test]
    fn errors_are_one_line_naming_the_problem() {
        let message = |line: &str| match parse_line(line) {
            Err(e) => e.to_string(),
            Ok(other) => panic!("{line}: {other:?}"),
        };
        let unknown = message("profiler show a.json --bogus");
        assert!(unknown.starts_with("unexpected argument '--bogus' found"), "{unknown}");
        let bad = message("profiler diff a b --fail-above ten");
        assert!(bad.contains("'ten'") && bad.contains("give a percentage of 0 or more"), "{bad}");
        let runs = message("profiler diff --baseline d new.json --runs 0");
        assert!(runs.contains("give a whole number of runs from 1 up"), "{runs}");
        let level = message("profiler diff a b --significance 1");
        assert!(level.contains("give a probability above 0 and below 1"), "{level}");
        let alone = message("profiler diff a b --runs 3");
        assert!(alone.contains("--baseline"), "{alone}");
        assert!(message("profiler").starts_with("no command given"));
        let missing = message("profiler diff");
        assert!(
            missing.starts_with("the following required arguments were not provided: <REPORT>"),
            "{missing}"
        );
        for text in [unknown, bad, runs, level, alone] {
            assert!(!text.contains('\n'), "{text}");
        }
        assert!(matches!(parse_line("profiler --help"), Ok(Parsed::Print(_))));
    }
}
