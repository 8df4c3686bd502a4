//! `profiler history`: the runs saved in a directory, and where each
//! operation of each session is heading.

use crate::cli::HistoryArgs;
use crate::date;
use crate::failure::Failure;
use crate::Outcome;
use profiler_runtime::{SessionReport, TrendOptions, Trends};
use std::fmt::Write as _;
use std::io::Write as _;

/// A duration for the listing, in the unit that suits it.
fn duration(ns: u64) -> String {
    let v = ns as f64;
    match ns {
        0..=999_999 => format!("{:.1} µs", v / 1e3),
        1_000_000..=999_999_999 => format!("{:.1} ms", v / 1e6),
        _ => format!("{:.2} s", v / 1e9),
    }
}

/// `text` with control characters escaped and cut to `chars`, for a column.
fn cell(text: &str, chars: usize) -> String {
    let clean: String = text
        .chars()
        .flat_map(|c| if c.is_control() { c.escape_default().collect::<Vec<_>>() } else { vec![c] })
        .collect();
    if clean.chars().count() <= chars {
        return clean;
    }
    let mut cut: String = clean.chars().take(chars.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// The listing and trends of the directory `args` names; each file that
/// does not load is one `profiler: ` line on stderr, and the rest still count.
pub(crate) fn run(args: &HistoryArgs) -> Result<(String, Outcome), Failure> {
    let saved = profiler_runtime::load_history(&args.dir)?;
    let mut stderr = std::io::stderr().lock();
    for e in &saved.errors {
        let _ = writeln!(stderr, "profiler: {e}; left out");
    }
    let mut out = String::new();
    let dir = args.dir.display();
    if saved.runs.is_empty() {
        let _ = writeln!(out, "no saved runs in {dir}");
        return Ok((out, Outcome::Clean));
    }
    let skipped = match saved.errors.len() {
        0 => String::new(),
        1 => "; 1 file could not be read (on stderr)".to_owned(),
        n => format!("; {n} files could not be read (on stderr)"),
    };
    let _ = writeln!(out, "{} runs in {dir}{skipped}", saved.runs.len());
    let _ = writeln!(
        out,
        "  {:<19}  {:<24} {:>5} {:>9} {:>4}  file",
        "started (UTC)", "session", "#", "wall", "ops"
    );
    for run in &saved.runs {
        let r = &run.report;
        let file =
            run.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let _ = writeln!(
            out,
            "  {:<19}  {:<24} {:>5} {:>9} {:>4}  {}",
            date::utc(r.started_at_unix_ms),
            cell(&r.session_id, 24),
            r.sequence,
            duration(r.wall_ns),
            r.operations.len(),
            cell(&file, 48)
        );
    }
    let options =
        TrendOptions { window: args.window, min_calls: args.min_calls, ..TrendOptions::default() };
    let reports = saved.reports();
    for id in sessions_newest_last(&reports) {
        let runs: Vec<SessionReport> =
            reports.iter().filter(|r| r.session_id == id).cloned().collect();
        let _ = write!(out, "\n{}", Trends::of(&runs, &options));
    }
    Ok((out, Outcome::Clean))
}

/// The session ids in `reports`, each once, ordered by their latest run.
fn sessions_newest_last(reports: &[SessionReport]) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    for r in reports {
        ids.retain(|id| *id != r.session_id);
        ids.push(r.session_id.clone());
    }
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_escape_controls_and_cut_long_text() {
        assert_eq!(cell("a\nb", 10), "a\\nb");
        assert_eq!(cell("abcdef", 4), "abc…");
        assert_eq!(duration(61_400_000), "61.4 ms");
        assert_eq!(duration(2_500_000_000), "2.50 s");
    }
}
