//! The report as JSON, and back.

use super::compare::Comparison;
use super::trend::Trends;
use super::{SessionReport, SCHEMA_VERSION};
use crate::error::Error;
use std::path::Path;

impl SessionReport {
    /// The report as pretty-printed JSON.
    ///
    /// ```
    /// let m = profiler_runtime::Monitor::new();
    /// m.start_session("json");
    /// let report = m.end_session().unwrap();
    /// let text = report.to_json()?;
    /// assert_eq!(profiler_runtime::SessionReport::from_json(&text)?, report);
    /// # Ok::<(), profiler_runtime::Error>(())
    /// ```
    pub fn to_json(&self) -> Result<String, Error> {
        Ok(serde_json::to_string_pretty(self)?)
    }

    /// Reads a report written by [`to_json`](Self::to_json), refusing layouts
    /// newer than this crate knows.
    pub fn from_json(text: &str) -> Result<SessionReport, Error> {
        #[derive(serde::Deserialize)]
        struct Version {
            schema_version: u32,
        }
        let version: Version = serde_json::from_str(text)?;
        if version.schema_version > SCHEMA_VERSION || version.schema_version == 0 {
            return Err(Error::UnsupportedSchema {
                found: version.schema_version,
                supported: SCHEMA_VERSION,
            });
        }
        Ok(serde_json::from_str(text)?)
    }

    /// Writes the report as JSON to `path`, replacing the file.
    pub fn save_json(&self, path: impl AsRef<Path>) -> Result<(), Error> {
        let path = path.as_ref();
        let text = self.to_json()?;
        std::fs::write(path, text).map_err(|source| Error::Io { path: path.to_owned(), source })
    }

    /// Reads a report from a JSON file written by [`save_json`](Self::save_json).
    pub fn load_json(path: impl AsRef<Path>) -> Result<SessionReport, Error> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path)
            .map_err(|source| Error::Io { path: path.to_owned(), source })?;
        SessionReport::from_json(&text)
    }
}

impl Comparison {
    /// The comparison as pretty-printed JSON (every change, the regressions
    /// flagged, what was added and removed), for CI tools to read.
    ///
    /// ```
    /// let m = profiler_runtime::Monitor::new();
    /// m.start_session("run");
    /// let baseline = m.end_session().unwrap();
    /// m.start_session("run");
    /// let report = m.end_session().unwrap();
    /// let json = report.compare(&baseline, &Default::default()).to_json()?;
    /// assert!(json.contains("\"baseline\""));
    /// # Ok::<(), profiler_runtime::Error>(())
    /// ```
    pub fn to_json(&self) -> Result<String, Error> {
        Ok(serde_json::to_string_pretty(self)?)
    }
}

impl Trends {
    /// The trends as pretty-printed JSON.
    pub fn to_json(&self) -> Result<String, Error> {
        Ok(serde_json::to_string_pretty(self)?)
    }
}
