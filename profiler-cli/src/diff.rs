//! `profiler diff`: one report against a baseline, as a CI gate. Reports it
//! cannot judge (an empty or unrecorded run, another session, most
//! operations gone) are bad input, never a pass. Against a history
//! directory, a change must also be past what its runs vary by.

use crate::cli::DiffArgs;
use crate::failure::Failure;
use crate::Outcome;
use profiler_runtime::{CompareOptions, RunId, SessionReport};
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// The comparison of the reports `args` names, and whether something regressed.
pub(crate) fn run(args: &DiffArgs) -> Result<(String, Outcome), Failure> {
    let (base_path, base, runs, new_path, new) =
        match (&args.baseline, args.reports.as_slice()) {
            (None, [base_path, new_path]) => {
                let base = profiler_runtime::load_report(base_path)?;
                let new = profiler_runtime::load_report(new_path)?;
                (base_path, base, Vec::new(), new_path, new)
            }
            (Some(dir), [new_path]) => {
                let new = profiler_runtime::load_report(new_path)?;
                let runs = latest_runs(dir, &new, args.runs)?;
                let base =
                    SessionReport::median_of(&runs).ok_or_else(|| no_runs(dir, &new, &[]))?;
                (dir, base, runs, new_path, new)
            }
            (None, _) => return Err(Failure::Usage(
                "give the baseline and the new report (BASE NEW), or the new report alone with \
                 --baseline DIR (see profiler diff --help)"
                    .to_owned(),
            )),
            (Some(_), _) => return Err(Failure::Usage(
                "--baseline DIR takes the place of BASE: give the new report alone (see profiler \
                 diff --help)"
                    .to_owned(),
            )),
        };
    new.check_comparable(&base).map_err(|why| {
        let at_fault = if why.about_baseline() { base_path } else { new_path };
        Failure::Mismatch(at_fault.clone(), why)
    })?;
    let options = CompareOptions {
        threshold_pct: args.fail_above,
        min_calls: args.min_calls,
        significance: args.significance,
    };
    let comparison = match new.compare_with_runs(&runs, &options) {
        Some(comparison) => comparison,
        None => new.compare(&base, &options),
    };
    let outcome =
        if comparison.regressions().next().is_some() { Outcome::Regressed } else { Outcome::Clean };
    let text = if args.json { comparison.to_json()? + "\n" } else { comparison.to_string() };
    Ok((text, outcome))
}

/// The latest `count` runs of `new`'s session saved in `dir` (oldest
/// first), `new` itself left out when it was saved there too. A file that
/// does not load is a `profiler: ` line on stderr, and the rest still count.
fn latest_runs(
    dir: &Path,
    new: &SessionReport,
    count: usize,
) -> Result<Vec<SessionReport>, Failure> {
    let saved = profiler_runtime::load_history(dir)?;
    let mut stderr = std::io::stderr().lock();
    for e in &saved.errors {
        let _ = writeln!(stderr, "profiler: {e}; left out");
    }
    let own = RunId::of(new);
    let reports = saved.reports();
    let mut runs: Vec<SessionReport> = reports
        .iter()
        .filter(|r| r.session_id == new.session_id && RunId::of(r) != own)
        .cloned()
        .collect();
    if runs.is_empty() {
        return Err(no_runs(dir, new, &reports));
    }
    let keep = runs.len().saturating_sub(count);
    Ok(runs.split_off(keep))
}

/// `dir` holds no run of `new`'s session: one line naming the sessions it
/// does hold.
fn no_runs(dir: &Path, new: &SessionReport, reports: &[SessionReport]) -> Failure {
    let mut ids: Vec<&str> = reports.iter().map(|r| r.session_id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    let held = match ids.as_slice() {
        [] => "it holds no saved runs".to_owned(),
        ids => {
            let shown: Vec<String> = ids.iter().take(5).map(|id| format!("{id:?}")).collect();
            let more =
                if ids.len() > 5 { format!(" and {} more", ids.len() - 5) } else { String::new() };
            format!("it holds runs of {}{more}", shown.join(", "))
        }
    };
    Failure::Usage(format!(
        "{}: no saved run of session {:?} to compare with ({held})",
        PathBuf::from(dir).display(),
        new.session_id
    ))
}
