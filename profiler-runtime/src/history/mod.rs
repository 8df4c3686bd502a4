//! The run history directory: every ended session of a monitor saved as a
//! JSON report (feature `json`), named so the files sort by time, written
//! atomically, and pruned to a bound; and reading such a directory back.
//!
//! The monitor saves into it ([`Config::history_dir`](crate::Config::history_dir));
//! [`load_history`] and [`load_report`] read it, for
//! [`Trends`](crate::Trends) and [`SessionReport::compare`](crate::SessionReport::compare).

#[cfg(feature = "json")]
mod load;
#[cfg(feature = "json")]
mod name;
#[cfg(feature = "json")]
mod store;

#[cfg(feature = "json")]
pub(crate) use load::latest_of;
#[cfg(feature = "json")]
pub use load::{load_history, load_report, SavedRun, SavedRuns};
#[cfg(feature = "json")]
pub(crate) use store::save;

/// Saved runs a history directory keeps by default; the oldest go first.
pub const DEFAULT_HISTORY_FILES: usize = 100;

/// Where a monitor saves its runs, and how many it keeps.
#[derive(Clone, Debug)]
pub(crate) struct Target {
    /// The directory; `None`: runs are not saved.
    pub(crate) dir: Option<std::path::PathBuf>,
    /// Saved runs kept.
    pub(crate) files: usize,
}

impl Target {
    /// No directory, the default bound.
    pub(crate) const fn new() -> Target {
        Target { dir: None, files: DEFAULT_HISTORY_FILES }
    }
}
