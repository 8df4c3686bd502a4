//! The names of saved runs: sortable by time, telling which session they
//! hold, and safe on every file system.

use crate::report::SessionReport;

/// The longest session id a file name keeps (cut beyond it).
const ID_CHARS: usize = 40;

/// The file name a run is saved under:
/// `<unix ms, 13 digits>-<sequence, 4 digits>-<process id>-<session id>.json`,
/// so that names sort by start time, and two processes saving the same
/// session in the same millisecond do not overwrite each other.
pub(crate) fn file_name(report: &SessionReport, process: u32) -> String {
    format!(
        "{:013}-{:04}-{process}-{}.json",
        report.started_at_unix_ms,
        report.sequence,
        sanitized(&report.session_id)
    )
}

/// `id` with every character but ASCII letters, digits, `-` and `_`
/// replaced by `_`, cut to 40 characters; `session` if that leaves nothing.
pub(crate) fn sanitized(id: &str) -> String {
    let kept: String = id
        .chars()
        .take(ID_CHARS)
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' })
        .collect();
    if kept.is_empty() {
        "session".to_owned()
    } else {
        kept
    }
}

/// Whether `name` is one [`file_name`] wrote (so pruning may delete it).
pub(crate) fn is_run(name: &str) -> bool {
    let Some(stem) = name.strip_suffix(".json") else { return false };
    let mut parts = stem.splitn(4, '-');
    let digits = |part: Option<&str>, len: Option<usize>| {
        part.is_some_and(|p| {
            !p.is_empty()
                && p.bytes().all(|b| b.is_ascii_digit())
                && len.is_none_or(|l| p.len() >= l)
        })
    };
    digits(parts.next(), Some(13))
        && digits(parts.next(), Some(4))
        && digits(parts.next(), None)
        && parts.next().is_some_and(|id| !id.is_empty())
}

/// Whether `name` is a run of session `id` (as [`file_name`] spells it).
pub(crate) fn is_run_of(name: &str, id: &str) -> bool {
    is_run(name)
        && name
            .strip_suffix(".json")
            .and_then(|stem| stem.splitn(4, '-').nth(3))
            .is_some_and(|own| own == sanitized(id))
}

/// Whether a directory entry is a report to load: a `.json` file not hidden
/// (a leading `.` marks the temporary files saving writes first).
pub(crate) fn is_report(name: &str) -> bool {
    name.ends_with(".json") && !name.starts_with('.')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_sort_by_time_and_keep_the_id_safe() {
        let mut report = crate::report::compare::tests::report("nightly import/2", 7, vec![]);
        report.started_at_unix_ms = 1_733_131_865_123;
        let name = file_name(&report, 4321);
        assert_eq!(name, "1733131865123-0007-4321-nightly_import_2.json");
        assert!(is_run(&name) && is_report(&name));
        assert!(is_run_of(&name, "nightly import/2") && !is_run_of(&name, "nightly"));
        report.started_at_unix_ms = 999;
        let earlier = file_name(&report, 99_999);
        assert!(earlier < name, "{earlier} sorts before {name}");
    }

    #[test]
    fn odd_ids_still_make_a_name() {
        assert_eq!(sanitized(""), "session");
        assert_eq!(sanitized("../../etc/passwd"), "______etc_passwd");
        assert_eq!(sanitized("é\n"), "__");
        assert_eq!(sanitized(&"x".repeat(500)).len(), 40);
    }

    #[test]
    fn only_saved_runs_are_runs_and_hidden_files_are_not_reports() {
        for other in ["base.json", "notes.txt", "1733131865123-0001-1.json", "12-0001-1-a.json"] {
            assert!(!is_run(other), "{other}");
        }
        assert!(!is_report(".1733131865123-0001-1-a.json.tmp"));
        assert!(!is_report(".hidden.json"));
        assert!(is_report("base.json"));
    }
}
