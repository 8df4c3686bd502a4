//! `profiler diff`: one report against a baseline, as a CI gate.

use crate::cli::DiffArgs;
use crate::failure::Failure;
use crate::Outcome;
use profiler_runtime::CompareOptions;

/// The comparison of the two reports `args` names, and whether something regressed.
pub(crate) fn run(args: &DiffArgs) -> Result<(String, Outcome), Failure> {
    let base = profiler_runtime::load_report(&args.base)?;
    let new = profiler_runtime::load_report(&args.new)?;
    let options = CompareOptions { threshold_pct: args.fail_above, min_calls: args.min_calls };
    let comparison = new.compare(&base, &options);
    let outcome =
        if comparison.regressions().next().is_some() { Outcome::Regressed } else { Outcome::Clean };
    let text = if args.json { comparison.to_json()? + "\n" } else { comparison.to_string() };
    Ok((text, outcome))
}
