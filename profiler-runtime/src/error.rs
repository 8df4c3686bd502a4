//! The crate's error type, and where a configuration value came from.

use std::fmt;
use std::path::PathBuf;

/// What can go wrong saving or loading a report, or configuring a monitor.
///
/// `Debug` prints the same message as `Display`, so `main` returning
/// `Result<(), profiler_runtime::Error>` (or a `Box<dyn Error>` holding
/// one) ends with `Error: <the message>`, not with the variant's fields;
/// match on the variants to read them.
///
/// ```
/// let err = profiler_runtime::ProfileFlags::from_args(["app", "--profile-level", "loud"])
///     .unwrap_err();
/// let message = r#"--profile-level "loud" is not allowed: give basic, detailed or full"#;
/// assert_eq!(format!("{err:?}"), message);
/// assert_eq!(err.to_string(), message);
/// ```
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
    /// A [`MonitoredCache`](crate::MonitoredCache) capacity of 0; a cache
    /// holds 1 entry or more.
    #[cfg(feature = "cache")]
    CacheCapacity {
        /// The capacity given.
        given: usize,
    },
    /// Reading or writing a file failed.
    Io {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// A configuration value that is not allowed: an unknown level, an
    /// interval out of range, a value of the wrong type, a bad switch.
    Config {
        /// Where the value came from.
        origin: ConfigSource,
        /// The setting: the variable, the file's key, the flag, or the
        /// [`Config`](crate::Config) method.
        key: String,
        /// The value as it was written (a file's or code's value as a literal).
        value: String,
        /// What the setting allows.
        allowed: &'static str,
    },
    /// A key that configuration does not know, with the closest known one
    /// when one is close.
    UnknownKey {
        /// Where the key came from.
        origin: ConfigSource,
        /// The key as written.
        key: String,
        /// The known key it most likely means.
        suggestion: Option<&'static str>,
        /// Every known key.
        allowed: &'static [&'static str],
    },
    /// A setting given without its value (`--profile-level` last on the
    /// command line, say).
    MissingValue {
        /// Where the setting came from.
        origin: ConfigSource,
        /// The setting.
        key: String,
        /// What its value may be.
        allowed: &'static str,
    },
    /// A setting given more than once where only one is allowed.
    Repeated {
        /// Where the setting came from.
        origin: ConfigSource,
        /// The setting.
        key: String,
    },
    /// A setting that needs a cargo feature of this crate that is off: a
    /// `.json` output path without `json`, a configuration file without
    /// `config-file`.
    FeatureOff {
        /// Where the setting came from.
        origin: ConfigSource,
        /// The setting.
        key: String,
        /// Its value as written.
        value: String,
        /// The feature it needs.
        feature: &'static str,
    },
    /// A file that should hold a session report and does not: cut short,
    /// not JSON, JSON that is not a report, or a report from a newer version
    /// (the problem is an `Error::Json`, with the `json` feature, or an
    /// [`Error::UnsupportedSchema`]).
    ReportFile {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        problem: Box<Error>,
    },
    /// An export that needs data the report does not hold: it was recorded
    /// below the level that records it.
    NotRecorded {
        /// The export asked for.
        export: &'static str,
        /// What it is drawn from.
        needs: &'static str,
        /// The level that records it.
        level: crate::Level,
    },
    /// An export could not be drawn from the report's data.
    Export {
        /// The export asked for.
        export: &'static str,
        /// What went wrong.
        problem: String,
    },
    /// The endpoint could not start: the address does not resolve, is not
    /// loopback (and remote was not allowed), or cannot be bound.
    Serve {
        /// The address as given.
        addr: String,
        /// What went wrong, and what to give instead.
        problem: String,
    },
    /// A configuration file that is not valid TOML.
    ConfigSyntax {
        /// The file.
        path: PathBuf,
        /// The line (from 1) where the parser stopped.
        line: usize,
        /// What the parser said.
        message: String,
    },
}

/// Where a configuration value came from, so that an [`Error`] can name it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigSource {
    /// A [`Config`](crate::Config) built in code; the key is its method.
    Code,
    /// The environment; the key is the variable.
    Env,
    /// A configuration file; the key is the file's key.
    File(PathBuf),
    /// The command line; the key is the flag.
    Flag,
}

/// A setting and its value, spelled the way its source spells them:
/// `PROFILER_LEVEL="loud"`, `profiler.toml: level = "loud"`,
/// `--profile-level "loud"`, `Config::out("run.json")`.
struct Given<'a> {
    origin: &'a ConfigSource,
    key: &'a str,
    value: Option<&'a str>,
}

impl fmt::Display for Given<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (origin, key) = (self.origin, self.key);
        match (origin, self.value) {
            (ConfigSource::Code, None) => write!(f, "Config::{key}"),
            (ConfigSource::Code, Some(value)) => write!(f, "Config::{key}({value})"),
            (ConfigSource::Env | ConfigSource::Flag, None) => f.write_str(key),
            (ConfigSource::Env, Some(value)) => write!(f, "{key}={value:?}"),
            (ConfigSource::Flag, Some(value)) => write!(f, "{key} {value:?}"),
            (ConfigSource::File(path), None) => write!(f, "{}: {key}", path.display()),
            (ConfigSource::File(path), Some(value)) => {
                write!(f, "{}: {key} = {value}", path.display())
            }
        }
    }
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
            #[cfg(feature = "cache")]
            Error::CacheCapacity { given } => write!(
                f,
                "cache capacity {given} is not allowed: give 1 or more entries"
            ),
            Error::Config { origin, key, value, allowed } => {
                let given = Given { origin, key, value: Some(value) };
                write!(f, "{given} is not allowed: give {allowed}")
            }
            Error::UnknownKey { origin: ConfigSource::Flag, key, suggestion, allowed } => {
                // An argument may hold anything: escaped, it stays one line.
                write!(f, "unknown flag {}: ", key.escape_debug())?;
                if let Some(known) = suggestion {
                    write!(f, "did you mean {known}? ")?;
                }
                let (last, first) = allowed.split_last().unwrap_or((&"", &[]));
                write!(f, "(the profiling flags are {} and {last})", first.join(", "))
            }
            Error::UnknownKey { origin, key, suggestion, allowed } => {
                if let ConfigSource::File(path) = origin {
                    write!(f, "{}: ", path.display())?;
                }
                write!(f, "unknown key {key:?}: ")?;
                if let Some(known) = suggestion {
                    write!(f, "did you mean `{known}`? ")?;
                }
                write!(f, "allowed keys are {}", allowed.join(", "))
            }
            Error::MissingValue { origin, key, allowed } => {
                let given = Given { origin, key, value: None };
                write!(f, "{given} needs a value: give {allowed}")
            }
            Error::Repeated { origin, key } => {
                let given = Given { origin, key, value: None };
                write!(f, "{given} is given more than once: give it once")
            }
            Error::FeatureOff { origin, key, value, feature } => {
                let given = Given { origin, key, value: Some(value) };
                write!(
                    f,
                    "{given} needs the `{feature}` feature of profiler-runtime, which is off: turn it on in Cargo.toml"
                )?;
                if *feature == "json" && key.to_ascii_lowercase().ends_with("out") {
                    f.write_str(", or give a path not ending in .json to write the text summary")?;
                }
                Ok(())
            }
            Error::Export { export, problem } => write!(f, "cannot draw {export}: {problem}"),
            Error::Serve { addr, problem } => write!(f, "cannot serve on {addr:?}: {problem}"),
            Error::ConfigSyntax { path, line, message } => {
                write!(f, "{}:{line}: not valid TOML: {message}", path.display())
            }
            Error::NotRecorded { export, needs, level } => write!(
                f,
                "the report has no {needs} for {export}: record the session at the {} level or above",
                level.as_str()
            ),
            Error::ReportFile { path, problem } => {
                write!(f, "{}: ", path.display())?;
                match &**problem {
                    #[cfg(feature = "json")]
                    Error::Json(e) if e.is_eof() => write!(
                        f,
                        "cut short, the report ends early ({e}): give a whole report saved by profiler-runtime"
                    ),
                    #[cfg(feature = "json")]
                    Error::Json(e) => write!(
                        f,
                        "not a session report ({e}): give a report saved by profiler-runtime"
                    ),
                    other => write!(f, "{other}"),
                }
            }
        }
    }
}

/// The message, as `Display` writes it: what `?` in `main` prints.
impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            #[cfg(feature = "json")]
            Error::Json(e) => Some(e),
            Error::Io { source, .. } => Some(source),
            Error::ReportFile { problem, .. } => Some(&**problem),
            #[cfg(feature = "cache")]
            Error::CacheCapacity { .. } => None,
            Error::UnsupportedSchema { .. }
            | Error::SampleRate { .. }
            | Error::MemoryInterval { .. }
            | Error::Config { .. }
            | Error::UnknownKey { .. }
            | Error::MissingValue { .. }
            | Error::Repeated { .. }
            | Error::FeatureOff { .. }
            | Error::NotRecorded { .. }
            | Error::Serve { .. }
            | Error::Export { .. }
            | Error::ConfigSyntax { .. } => None,
        }
    }
}

#[cfg(feature = "json")]
impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Self {
        Error::Json(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_prints_the_message_as_main_returning_err_shows_it() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "gone");
        let errors = [
            Error::Config {
                origin: ConfigSource::Flag,
                key: "--profile-level".into(),
                value: "loud".into(),
                allowed: "basic, detailed or full",
            },
            Error::ReportFile {
                path: "run.json".into(),
                problem: Box::new(Error::UnsupportedSchema { found: 9, supported: 1 }),
            },
            Error::Io { path: "run.json".into(), source: io },
            Error::SampleRate { given: 0 },
        ];
        for error in errors {
            let message = error.to_string();
            assert_eq!(format!("{error:?}"), message);
            assert_eq!(format!("{error:#?}"), message);
            // What `fn main() -> Result<(), Box<dyn Error>>` prints after `Error: `.
            let boxed: Box<dyn std::error::Error> = Box::new(error);
            assert_eq!(format!("{boxed:?}"), message);
            assert!(!message.contains(" { "), "no fields: {message}");
        }
    }
}
