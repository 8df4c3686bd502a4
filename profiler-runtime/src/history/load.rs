//! Reading a history directory back: every report that loads, and for each
//! file that does not, an error naming it.

use super::name;
use crate::report::SessionReport;
use crate::Error;
use std::fs;
use std::path::{Path, PathBuf};

/// A report read from a file.
#[derive(Clone, Debug, PartialEq)]
pub struct SavedRun {
    /// The file it was read from.
    pub path: PathBuf,
    /// The report.
    pub report: SessionReport,
}

/// What [`load_history`](crate::load_history) found in a directory.
#[derive(Debug)]
pub struct SavedRuns {
    /// The reports that loaded, oldest first (by start time, then sequence,
    /// then file name).
    pub runs: Vec<SavedRun>,
    /// One error per `.json` file that did not load, each naming the file
    /// and what is wrong with it.
    pub errors: Vec<Error>,
}

impl SavedRuns {
    /// The reports alone, oldest first (for [`Trends::of`](crate::Trends::of)).
    pub fn reports(&self) -> Vec<SessionReport> {
        self.runs.iter().map(|run| run.report.clone()).collect()
    }
}

/// Reads the report in the file at `path`; every error names the file: an
/// [`Error::Io`] when it cannot be read, else an [`Error::ReportFile`]
/// saying what is wrong with what it holds (cut short, not a report, a newer
/// schema).
///
/// ```
/// let dir = std::env::temp_dir().join(format!("profiler-doc-load-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let path = dir.join("cut.json");
/// std::fs::write(&path, "{\"schema_version\": 1, \"session_id\": ")?;
/// let err = profiler_runtime::load_report(&path).unwrap_err();
/// assert!(err.to_string().contains("cut.json: cut short"), "{err}");
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn load_report(path: impl AsRef<Path>) -> Result<SessionReport, Error> {
    let path = path.as_ref();
    let text =
        fs::read_to_string(path).map_err(|source| Error::Io { path: path.to_owned(), source })?;
    SessionReport::from_json(&text)
        .map_err(|problem| Error::ReportFile { path: path.to_owned(), problem: Box::new(problem) })
}

/// Every report in the directory `dir`: each `.json` file in it (not in
/// folders below it; hidden files, such as a save's temporary file, are
/// skipped) is read with [`load_report`]. A file that does not load is an
/// error in [`SavedRuns::errors`] and the others still load. A directory
/// that cannot be read is the error.
///
/// ```
/// use profiler_runtime::{load_history, Config, Monitor};
///
/// let dir = std::env::temp_dir().join(format!("profiler-doc-history-{}", std::process::id()));
/// let m = Monitor::new();
/// m.configure(&Config::new().history_dir(&dir).history_files(10))?;
/// for _ in 0..2 {
///     m.start_session("nightly");
///     m.end_session();
/// }
/// std::fs::write(dir.join("notes.json"), "{}")?;
/// let saved = load_history(&dir)?;
/// assert_eq!(saved.runs.len(), 2);
/// assert!(saved.errors[0].to_string().contains("notes.json: not a session report"));
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn load_history(dir: impl AsRef<Path>) -> Result<SavedRuns, Error> {
    let dir = dir.as_ref();
    let entries = fs::read_dir(dir).map_err(|source| Error::Io { path: dir.to_owned(), source })?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let keep = name::is_report(&entry.file_name().to_string_lossy())
                && !entry.file_type().is_ok_and(|t| t.is_dir());
            keep.then(|| entry.path())
        })
        .collect();
    paths.sort();
    let (mut runs, mut errors) = (Vec::new(), Vec::new());
    for path in paths {
        match load_report(&path) {
            Ok(report) => runs.push(SavedRun { path, report }),
            Err(e) => errors.push(e),
        }
    }
    runs.sort_by_key(|run| (run.report.started_at_unix_ms, run.report.sequence));
    Ok(SavedRuns { runs, errors })
}

/// The newest saved run of session `id` in `dir`, if one loads (files that
/// do not are passed over: this only looks for something to compare with).
pub(crate) fn latest_of(dir: &Path, id: &str) -> Option<SessionReport> {
    let runs = super::store::runs_in(dir).ok()?;
    runs.iter()
        .rev()
        .filter(|path| path.file_name().is_some_and(|n| name::is_run_of(&n.to_string_lossy(), id)))
        .filter_map(|path| load_report(path).ok())
        .find(|report| report.session_id == id)
}

#[cfg(test)]
mod tests {
    use super::super::store::{save, tests::TempDir};
    use super::*;
    use crate::report::compare::tests::report;
    use crate::SCHEMA_VERSION;

    #[test]
    fn every_bad_file_is_one_error_naming_it_and_the_rest_load() {
        let dir = TempDir::new("load");
        for sequence in [2, 1, 3] {
            save(&dir.0, &report("job", sequence, vec![]), 10).unwrap();
        }
        let whole = report("job", 9, vec![]).to_json().unwrap();
        fs::write(dir.0.join("cut.json"), &whole[..whole.len() / 2]).unwrap();
        fs::write(dir.0.join("foreign.json"), "{\"name\": \"package.json\"}").unwrap();
        let newer = whole.replacen(
            &format!("\"schema_version\": {SCHEMA_VERSION}"),
            "\"schema_version\": 99",
            1,
        );
        fs::write(dir.0.join("newer.json"), newer).unwrap();
        fs::write(dir.0.join("notes.txt"), "not a report, not read").unwrap();
        fs::create_dir(dir.0.join("folder.json")).unwrap();

        let saved = load_history(&dir.0).unwrap();
        let sequences: Vec<u64> = saved.runs.iter().map(|r| r.report.sequence).collect();
        assert_eq!(sequences, [1, 2, 3]);
        let messages: Vec<String> = saved.errors.iter().map(ToString::to_string).collect();
        assert_eq!(messages.len(), 3, "{messages:#?}");
        let says = |file: &str, what: &str| {
            let found = messages.iter().any(|m| m.contains(file) && m.contains(what));
            assert!(found, "no error for {file} saying {what:?}: {messages:#?}");
        };
        says("cut.json", ": cut short, the report ends early (EOF while parsing");
        says("foreign.json", ": not a session report (missing field `schema_version`");
        says("newer.json", ": session report has schema version 99; this version of profiler-runtime reads versions 1 to");
        assert!(messages.iter().all(|m| !m.contains('\n')), "{messages:#?}");
    }

    #[test]
    fn a_missing_directory_or_file_is_an_error_naming_it() {
        let dir = TempDir::new("missing");
        let err = load_history(&dir.0).unwrap_err();
        assert!(matches!(err, Error::Io { .. }) && err.to_string().contains("missing"), "{err}");
        let err = load_report(dir.0.join("none.json")).unwrap_err();
        assert!(err.to_string().contains("none.json"), "{err}");
    }

    #[test]
    fn the_latest_run_of_an_id_is_found_past_a_broken_newer_file() {
        let dir = TempDir::new("latest");
        assert!(latest_of(&dir.0, "job").is_none());
        save(&dir.0, &report("job", 1, vec![]), 10).unwrap();
        save(&dir.0, &report("job", 2, vec![]), 10).unwrap();
        save(&dir.0, &report("other", 3, vec![]), 10).unwrap();
        let broken = super::super::name::file_name(&report("job", 4, vec![]), 1);
        fs::write(dir.0.join(broken), "{").unwrap();
        assert_eq!(latest_of(&dir.0, "job").map(|r| r.sequence), Some(2));
        assert_eq!(latest_of(&dir.0, "other").map(|r| r.sequence), Some(3));
    }
}
