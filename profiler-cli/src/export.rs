//! `profiler export`: a saved report in another tool's format, on stdout
//! or into a file.

use crate::cli::{ExportArgs, Format};
use crate::failure::Failure;
use crate::Outcome;

/// The export `args` asks for: its text for stdout, or nothing once it is
/// written to `--output`.
pub(crate) fn run(args: &ExportArgs) -> Result<(String, Outcome), Failure> {
    let report = profiler_runtime::load_report(&args.report)?;
    let text = match args.format {
        Format::Folded => report.to_folded(),
        Format::Svg => report.to_flamegraph_svg(),
        Format::Chrome => report.to_chrome_trace(),
        Format::Prometheus => Ok(report.to_prometheus()),
        Format::Openmetrics => Ok(report.to_openmetrics()),
    }
    .map_err(|e| Failure::Usage(format!("{}: {e}", args.report.display())))?;
    match &args.output {
        Some(path) => {
            std::fs::write(path, &text).map_err(|source| {
                Failure::Report(profiler_runtime::Error::Io { path: path.clone(), source })
            })?;
            Ok((String::new(), Outcome::Clean))
        }
        None => Ok((text, Outcome::Clean)),
    }
}
