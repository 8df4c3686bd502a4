//! `profiler show`: a saved report's summary, or its JSON again.

use crate::cli::ShowArgs;
use crate::failure::Failure;
use crate::Outcome;

/// The summary (or the JSON) of the report `args` names.
pub(crate) fn run(args: &ShowArgs) -> Result<(String, Outcome), Failure> {
    let report = profiler_runtime::load_report(&args.report)?;
    let text = if args.json { report.to_json()? + "\n" } else { report.to_text() };
    Ok((text, Outcome::Clean))
}
