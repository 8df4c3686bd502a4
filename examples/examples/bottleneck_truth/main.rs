//! The ground-truth suite for the report's bottleneck ranking: small
//! programs whose monitored functions can each be sped up, timed as they
//! are and with each function in turn twice as fast. The function whose
//! speed-up saves the most wall time is the true bottleneck; the report of
//! one more run at the programs' own speed must rank it first
//! (`SessionReport::bottlenecks[0]`).
//!
//! ```text
//! cargo run --release --example bottleneck_truth                  # every case, basic and detailed
//! cargo run --release --example bottleneck_truth -- --case fanout --show-report
//! cargo run --release --example bottleneck_truth -- --list
//! ```
//!
//! Flags: `--case NAME` (repeatable; default every case), `--rounds N`
//! (timed rounds per case, default 7; an unclear experiment runs as many
//! again once), `--level basic|detailed|full` (repeatable; default basic and
//! detailed), `--show-report` (print each judged report's summary),
//! `--list` (the cases and what each does).
//!
//! Exit status 0 when every judged report ranks the truth first, 1 on any
//! miss or on a case whose experiment is unclear (it says why rather than
//! guess), 2 on a bad flag.
//!
//! A case is a file in `cases/` and one line in `cases::all()`: see
//! `cases/mod.rs` for how to write one.

mod case;
mod cases;
mod experiment;
mod judge;
mod runner;
mod work;

use case::Case;
use experiment::{Experiment, Truth, FACTOR};
use judge::Judgement;
use profiler_runtime::{Bottleneck, Level};
use runner::Runner;
use std::process::ExitCode;

/// What to run, from the command line.
struct Options {
    cases: Vec<String>,
    rounds: usize,
    levels: Vec<Level>,
    show_report: bool,
    list: bool,
}

const USAGE: &str = "usage: bottleneck_truth [--case NAME]... [--rounds N] \
                     [--level basic|detailed|full]... [--show-report] [--list]";

fn options(args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut o = Options {
        cases: Vec::new(),
        rounds: 7,
        levels: Vec::new(),
        show_report: false,
        list: false,
    };
    let mut args = args.peekable();
    while let Some(arg) = args.next() {
        let mut value = |flag: &str| args.next().ok_or(format!("{flag} needs a value; {USAGE}"));
        match arg.as_str() {
            "--case" => o.cases.push(value("--case")?),
            "--rounds" => {
                let v = value("--rounds")?;
                o.rounds = match v.parse() {
                    Ok(n @ 1..=100) => n,
                    _ => {
                        return Err(format!("--rounds {v}: expected a whole number from 1 to 100"))
                    }
                };
            }
            "--level" => {
                let v = value("--level")?;
                o.levels.push(match v.as_str() {
                    "basic" => Level::Basic,
                    "detailed" => Level::Detailed,
                    "full" => Level::Full,
                    _ => return Err(format!("--level {v}: expected basic, detailed or full")),
                });
            }
            "--show-report" => o.show_report = true,
            "--list" => o.list = true,
            "-h" | "--help" => return Err(USAGE.to_owned()),
            _ => return Err(format!("unknown flag {arg}; {USAGE}")),
        }
    }
    if o.levels.is_empty() {
        o.levels = vec![Level::Basic, Level::Detailed];
    }
    Ok(o)
}

/// How one case came out.
enum Outcome {
    /// The experiment agreed with the construction; what each level's
    /// report ranked.
    Judged { truth: &'static str, judgements: Vec<Judgement> },
    /// The experiment named no clear bottleneck, or not the constructed one,
    /// or the judged run could not be read; why.
    Unclear(String),
}

fn main() -> ExitCode {
    let o = match options(std::env::args().skip(1)) {
        Ok(o) => o,
        Err(message) => {
            eprintln!("bottleneck_truth: {message}");
            return ExitCode::from(2);
        }
    };
    let all = cases::all();
    if o.list {
        for case in &all {
            println!("{:<24} {}  (bottleneck: {})", case.name, case.shape, case.bottleneck);
        }
        return ExitCode::SUCCESS;
    }
    if let Some(unknown) = o.cases.iter().find(|n| !all.iter().any(|c| c.name == n.as_str())) {
        let names: Vec<_> = all.iter().map(|c| c.name).collect();
        eprintln!("bottleneck_truth: no case {unknown}; the cases are {}", names.join(", "));
        return ExitCode::from(2);
    }
    let chosen: Vec<&Case> =
        all.iter().filter(|c| o.cases.is_empty() || o.cases.iter().any(|n| n == c.name)).collect();

    let mut outcomes = Vec::new();
    for (i, case) in chosen.iter().enumerate() {
        println!("\n[{}/{}] {}: {}", i + 1, chosen.len(), case.name, case.shape);
        let outcome = match Runner::new(case) {
            Ok(runner) => run_case(&runner, &o),
            Err(e) => Outcome::Unclear(format!("no tokio runtime: {e}")),
        };
        if let Outcome::Unclear(why) = &outcome {
            println!("  UNCLEAR: {why}");
        }
        outcomes.push((case.name, outcome));
    }
    summary(&outcomes, &o)
}

/// Times the case, finds its truth, and judges the report at each level
/// (also when the truth is unclear, for what the report says).
fn run_case(runner: &Runner<'_>, o: &Options) -> Outcome {
    let case = runner.case;
    let Some(constructed) = case.bottleneck_index() else {
        return Outcome::Unclear(format!(
            "its bottleneck {} is not in its function list",
            case.bottleneck
        ));
    };
    let mut experiment = Experiment::default();
    experiment.run(runner, o.rounds);
    let mut verdict = truth_of(case, &experiment, constructed);
    if verdict.is_err() {
        println!("  unclear after {} rounds, running {} more", experiment.rounds(), o.rounds);
        experiment.run(runner, o.rounds);
        verdict = truth_of(case, &experiment, constructed);
    }
    print_experiment(case, &experiment, verdict.as_ref().ok().map(|&m| (constructed, m)));
    let judgements: Vec<Judgement> =
        o.levels.iter().filter_map(|&level| judge::judge(runner, level)).collect();
    let truth = verdict.is_ok().then_some(case.bottleneck);
    for j in &judgements {
        print_judgement(j, truth, o.show_report);
    }
    if let Err(why) = verdict {
        return Outcome::Unclear(why);
    }
    if judgements.len() < o.levels.len() {
        return Outcome::Unclear("a judged session ended without a report".into());
    }
    if let Some(j) = judgements.iter().find(|j| !j.unrecorded.is_empty()) {
        return Outcome::Unclear(format!(
            "the report has no calls of {}: the case cannot be judged",
            j.unrecorded.join(", ")
        ));
    }
    Outcome::Judged { truth: case.bottleneck, judgements }
}

/// The experiment's margin when its bottleneck is the one the case was
/// built around; else why the case is unclear.
fn truth_of(case: &Case, experiment: &Experiment, constructed: usize) -> Result<f64, String> {
    match experiment::truth(&experiment.savings_ns(), experiment.baseline_ns()) {
        Truth::Clear { index, margin } if index == constructed => Ok(margin),
        Truth::Clear { index, .. } => Err(format!(
            "the experiment's bottleneck is {}, not {} as the case was built",
            case.functions[index], case.bottleneck
        )),
        Truth::Ambiguous(why) => Err(why),
    }
}

fn print_experiment(case: &Case, e: &Experiment, truth: Option<(usize, f64)>) {
    let baseline = e.baseline_ns();
    println!("  {:<34} {:>10} {:>7}", format!("function ({FACTOR}x faster)"), "saves", "of run");
    for (i, (f, saved)) in case.functions.iter().zip(e.savings_ns()).enumerate() {
        let mark = match truth {
            Some((t, margin)) if t == i && margin.is_finite() => {
                format!("   true bottleneck ({margin:.1}x the runner-up)")
            }
            Some((t, _)) if t == i => "   true bottleneck (nothing else saves)".to_owned(),
            _ => String::new(),
        };
        println!("  {f:<34} {:>10} {:>6.1}%{mark}", ms(saved), 100.0 * saved / baseline);
    }
    println!("  baseline {} (median of {} rounds)", ms(baseline), e.rounds());
}

/// The report's first bottleneck at one level against `truth` (`None`:
/// the case is unclear, so it is shown but not judged).
fn print_judgement(j: &Judgement, truth: Option<&str>, show_report: bool) {
    let level = j.level.as_str();
    match (j.first(), truth) {
        (None, _) => println!("  {level:<9} report ranks no bottleneck"),
        (Some(first), None) => {
            println!("  {level:<9} report first: {}  (not judged)  {}", first.name, figures(first));
        }
        (Some(first), Some(truth)) if first.name == truth => {
            println!("  {level:<9} report first: {}  hit  {}", first.name, figures(first));
            // How close the hit was: the row it had to beat.
            if let Some(second) = j.bottlenecks.get(1) {
                println!("  {:<9} second: {}  {}", "", second.name, figures(second));
            }
        }
        (Some(first), Some(truth)) => {
            let rank = j.rank_of(truth).map_or("not ranked".to_owned(), |r| format!("ranked {r}"));
            println!(
                "  {level:<9} report first: {}  MISS (truth {rank})  {}",
                first.name,
                figures(first)
            );
            if let Some(t) = j.bottlenecks.iter().find(|b| b.name == truth) {
                println!("  {:<9} the truth's row: {}", "", figures(t));
            }
        }
    }
    if !j.unrecorded.is_empty() {
        println!("  {level:<9} no calls recorded of {}", j.unrecorded.join(", "));
    }
    if show_report {
        println!("{}", j.report);
    }
}

/// A bottleneck's figures as the report's JSON has them (whatever fields
/// the report carries), without its name.
fn figures(b: &Bottleneck) -> String {
    match serde_json::to_value(b) {
        Ok(serde_json::Value::Object(mut fields)) => {
            fields.remove("name");
            serde_json::Value::Object(fields).to_string()
        }
        Ok(other) => other.to_string(),
        Err(e) => format!("(not serializable: {e})"),
    }
}

fn ms(ns: f64) -> String {
    format!("{:.1} ms", ns / 1e6)
}

fn summary(outcomes: &[(&str, Outcome)], o: &Options) -> ExitCode {
    println!("\nSummary: the report's first bottleneck against the measured truth");
    let name_width = outcomes.iter().map(|(name, _)| name.len()).max().unwrap_or(0).max(4);
    // Wide enough for "MISS: " and any name a cell shows.
    let width = outcomes
        .iter()
        .flat_map(|(_, o)| match o {
            Outcome::Judged { truth, judgements } => {
                let firsts = judgements.iter().filter_map(|j| j.first().map(|b| b.name.len()));
                std::iter::once(truth.len()).chain(firsts).collect()
            }
            Outcome::Unclear(_) => Vec::new(),
        })
        .max()
        .unwrap_or(0)
        .max(12)
        + 6;
    let mut header = format!("  {:<name_width$} {:<width$}", "case", "true bottleneck");
    for level in &o.levels {
        header.push_str(&format!(" {:<width$}", level.as_str()));
    }
    println!("{}", header.trim_end());
    let mut hits = vec![0usize; o.levels.len()];
    let mut judged = 0;
    let mut unclear = 0;
    for (name, outcome) in outcomes {
        match outcome {
            Outcome::Judged { truth, judgements } => {
                judged += 1;
                let mut row = format!("  {name:<name_width$} {truth:<width$}");
                for (k, j) in judgements.iter().enumerate() {
                    let cell = match j.first() {
                        Some(b) if j.hits(truth) => format!("hit: {}", b.name),
                        Some(b) => format!("MISS: {}", b.name),
                        None => "MISS: none ranked".to_owned(),
                    };
                    hits[k] += usize::from(j.hits(truth));
                    row.push_str(&format!(" {cell:<width$}"));
                }
                println!("{}", row.trim_end());
            }
            Outcome::Unclear(why) => {
                unclear += 1;
                println!("  {name:<name_width$} UNCLEAR: {why}");
            }
        }
    }
    let rates: Vec<String> = o
        .levels
        .iter()
        .zip(&hits)
        .map(|(level, h)| format!("{} {h}/{judged}", level.as_str()))
        .collect();
    println!("hit rate: {}; {unclear} case(s) unclear", rates.join(", "));
    if unclear == 0 && hits.iter().all(|&h| h == judged) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
