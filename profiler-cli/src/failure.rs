//! What stops a command: bad arguments, a report that cannot be read, or
//! reports `diff` cannot judge.

use std::fmt;

/// Why a command could not run; printed as `profiler: <this>`, exit code 2.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The command line: an unknown flag, a missing argument, a bad value,
    /// or arguments that do not fit together (a history directory with no
    /// run to compare with).
    Usage(String),
    /// A report or a directory that could not be read (the error names it).
    Report(profiler_runtime::Error),
    /// `top` could not draw: no terminal, or the terminal went away.
    Terminal(std::io::Error),
    /// `diff` was given reports it cannot judge: the file or directory at
    /// fault, and why.
    Mismatch(std::path::PathBuf, profiler_runtime::Mismatch),
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Usage(message) => f.write_str(message),
            Failure::Report(e) => write!(f, "{e}"),
            Failure::Terminal(e) => write!(f, "cannot draw on the terminal: {e}"),
            Failure::Mismatch(path, why) => write!(f, "{}: {why}", path.display()),
        }
    }
}

impl From<profiler_runtime::Error> for Failure {
    fn from(e: profiler_runtime::Error) -> Self {
        Failure::Report(e)
    }
}
