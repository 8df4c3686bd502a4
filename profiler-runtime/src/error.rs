//! The crate's error type.

use std::fmt;
use std::path::PathBuf;

/// What can go wrong saving or loading a report.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The text is not a report: bad JSON, or missing or mistyped fields.
    #[cfg(feature = "json")]
    Json(serde_json::Error),
    /// The report was written by a newer version of this crate.
    UnsupportedSchema {
        /// The version the report carries.
        found: u32,
        /// The newest version this crate reads.
        supported: u32,
    },
    /// A sample rate of 0 was given; rates are 1 (time every call) or more
    /// (time one call in N).
    SampleRate {
        /// The rate given.
        given: u32,
    },
    /// A memory-sampler interval outside 1 ms to 1 hour.
    MemoryInterval {
        /// The interval given.
        given: std::time::Duration,
    },
    /// Reading or writing a file failed.
    Io {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            #[cfg(feature = "json")]
            Error::Json(e) => write!(f, "not a valid session report: {e}"),
            Error::UnsupportedSchema { found, supported } => write!(
                f,
                "session report has schema version {found}; this version of profiler-runtime reads versions 1 to {supported}"
            ),
            Error::Io { path, source } => write!(f, "{}: {source}", path.display()),
            Error::MemoryInterval { given } => write!(
                f,
                "memory sample interval {given:?} is not allowed: give 1 ms to 1 hour (the default is 100 ms)"
            ),
            Error::SampleRate { given } => write!(
                f,
                "sample rate {given} is not allowed: give 1 to time every call, or N > 1 to time one call in N"
            ),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            #[cfg(feature = "json")]
            Error::Json(e) => Some(e),
            Error::Io { source, .. } => Some(source),
            Error::UnsupportedSchema { .. }
            | Error::SampleRate { .. }
            | Error::MemoryInterval { .. } => None,
        }
    }
}

#[cfg(feature = "json")]
impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Self {
        Error::Json(e)
    }
}
