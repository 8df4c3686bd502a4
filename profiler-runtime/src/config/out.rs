//! The `out` setting: which renderer a path asks for, and writing a report
//! there when a session ends.

use crate::report::SessionReport;
use crate::Error;
use std::path::Path;

/// How a report is written to an output path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Format {
    /// `SessionReport::to_json` (the `json` feature), for paths ending in `.json`.
    Json,
    /// The text summary, for every other path.
    Text,
}

impl Format {
    /// The format `path` asks for: JSON when it ends in `.json` (in any case).
    pub(crate) fn of(path: &Path) -> Format {
        match path.extension() {
            Some(ext) if ext.eq_ignore_ascii_case("json") => Format::Json,
            _ => Format::Text,
        }
    }

    /// The cargo feature this format needs and this build lacks, if any.
    pub(crate) fn missing_feature(self) -> Option<&'static str> {
        (self == Format::Json && !cfg!(feature = "json")).then_some("json")
    }
}

/// Writes `report` to `path` in the format its name asks for.
pub(crate) fn write(report: &SessionReport, path: &Path) -> Result<(), Error> {
    let text = match Format::of(path) {
        Format::Text => report.to_text() + "\n",
        #[cfg(feature = "json")]
        Format::Json => report.to_json()?,
        #[cfg(not(feature = "json"))]
        Format::Json => {
            return Err(Error::FeatureOff {
                origin: crate::ConfigSource::Code,
                key: "out".to_owned(),
                value: format!("{path:?}"),
                feature: "json",
            })
        }
    };
    std::fs::write(path, text).map_err(|source| Error::Io { path: path.to_owned(), source })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_extension_picks_the_format() {
        assert_eq!(Format::of(Path::new("run.json")), Format::Json);
        assert_eq!(Format::of(Path::new("out/RUN.JSON")), Format::Json);
        assert_eq!(Format::of(Path::new("run.txt")), Format::Text);
        assert_eq!(Format::of(Path::new("json")), Format::Text);
        assert_eq!(Format::of(Path::new("run.json.txt")), Format::Text);
        assert_eq!(Format::Text.missing_feature(), None);
        assert_eq!(Format::Json.missing_feature().is_some(), !cfg!(feature = "json"));
    }
}
