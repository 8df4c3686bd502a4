//! Saving a run into a history directory: written whole or not at all, and
//! the oldest runs pruned past the bound.

use super::name;
use crate::report::SessionReport;
use crate::Error;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes `text` to `path` through a hidden temporary file in the same
/// directory, renamed over `path` once written and flushed to disk: a crash
/// mid-write leaves the temporary file, never a truncated `path`.
pub(crate) fn write_atomically(path: &Path, text: &str) -> Result<(), Error> {
    let io = |path: &Path, source| Error::Io { path: path.to_owned(), source };
    let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let temp = path.with_file_name(format!(".{file_name}.tmp"));
    let written = (|| {
        let mut file = fs::File::create(&temp)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()
    })();
    if let Err(source) = written {
        let _ = fs::remove_file(&temp); // nothing useful was written
        return Err(io(&temp, source));
    }
    fs::rename(&temp, path).map_err(|source| {
        let _ = fs::remove_file(&temp);
        io(path, source)
    })
}

/// Saves `report` into `dir` (created if missing) under its
/// [`name::file_name`], then deletes the oldest saved runs until at most
/// `keep` remain (other files in the directory are left alone). Returns the
/// file written.
pub(crate) fn save(dir: &Path, report: &SessionReport, keep: usize) -> Result<PathBuf, Error> {
    fs::create_dir_all(dir).map_err(|source| Error::Io { path: dir.to_owned(), source })?;
    let path = dir.join(name::file_name(report, std::process::id()));
    write_atomically(&path, &report.to_json()?)?;
    prune(dir, keep.max(1))?;
    Ok(path)
}

/// Deletes the oldest saved runs in `dir` until at most `keep` remain.
fn prune(dir: &Path, keep: usize) -> Result<(), Error> {
    let mut runs = runs_in(dir)?;
    let excess = runs.len().saturating_sub(keep);
    for old in runs.drain(..excess) {
        match fs::remove_file(&old) {
            // Another process pruning the same directory got there first.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            other => other.map_err(|source| Error::Io { path: old, source })?,
        }
    }
    Ok(())
}

/// The saved runs in `dir`, oldest first.
pub(crate) fn runs_in(dir: &Path) -> Result<Vec<PathBuf>, Error> {
    let entries = fs::read_dir(dir).map_err(|source| Error::Io { path: dir.to_owned(), source })?;
    let mut names: Vec<String> = entries
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|n| name::is_run(n))
        .collect();
    names.sort();
    Ok(names.into_iter().map(|n| dir.join(n)).collect())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::report::compare::tests::report;

    /// A fresh directory under the temporary one, removed when dropped.
    pub(crate) struct TempDir(pub(crate) PathBuf);

    impl TempDir {
        pub(crate) fn new(name: &str) -> TempDir {
            let dir = std::env::temp_dir()
                .join(format!("profiler-unit-history-{}-{name}", std::process::id()));
            let _ = fs::remove_dir_all(&dir);
            TempDir(dir)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn saving_creates_the_directory_and_keeps_the_newest_runs() {
        let dir = TempDir::new("prune");
        fs::create_dir_all(&dir.0).unwrap();
        fs::write(dir.0.join("notes.json"), "mine").unwrap();
        for sequence in 1..=5 {
            save(&dir.0, &report("job", sequence, vec![]), 3).unwrap();
        }
        let kept: Vec<u64> = runs_in(&dir.0)
            .unwrap()
            .iter()
            .map(|p| SessionReport::load_json(p).unwrap().sequence)
            .collect();
        assert_eq!(kept, [3, 4, 5]);
        assert_eq!(fs::read_to_string(dir.0.join("notes.json")).unwrap(), "mine");
        let hidden = fs::read_dir(&dir.0)
            .unwrap()
            .filter_map(|e| e.ok())
            .any(|e| e.file_name().to_string_lossy().starts_with('.'));
        assert!(!hidden, "no temporary file is left behind");
    }

    #[test]
    fn a_failed_write_leaves_the_old_file_whole() {
        let dir = TempDir::new("atomic");
        fs::create_dir_all(&dir.0).unwrap();
        let path = dir.0.join("run.json");
        write_atomically(&path, "old").unwrap();
        // The temporary name taken by a directory: the write fails before the rename.
        fs::create_dir(dir.0.join(".run.json.tmp")).unwrap();
        let err = write_atomically(&path, "new").unwrap_err();
        assert!(err.to_string().contains(".run.json.tmp"), "{err}");
        assert_eq!(fs::read_to_string(&path).unwrap(), "old");
    }

    #[test]
    fn a_directory_that_cannot_be_made_is_an_error_naming_it() {
        let dir = TempDir::new("blocked");
        fs::create_dir_all(&dir.0).unwrap();
        let file = dir.0.join("a-file");
        fs::write(&file, "").unwrap();
        let err = save(&file.join("runs"), &report("job", 1, vec![]), 3).unwrap_err();
        assert!(matches!(err, Error::Io { .. }), "{err:?}");
        assert!(err.to_string().contains("a-file"), "{err}");
    }
}
