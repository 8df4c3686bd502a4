//! The environment's settings: `PROFILER`, `PROFILER_LEVEL`, `PROFILER_OUT`,
//! `PROFILER_SAMPLE_MS`, `PROFILER_HISTORY`, `PROFILER_SLOW` and
//! `PROFILER_CONFIG`, read from any list of
//! `(name, value)` pairs so that tests never touch the process's own.

use super::value::{self, INTERVAL_MS_ALLOWED, LEVEL_ALLOWED, SLOW_ALLOWED, SWITCH_ALLOWED};
use super::{file, out, Config, Read};
use crate::{ConfigSource, Error};
use std::ffi::{OsStr, OsString};
use std::path::PathBuf;

/// Switches recording on or off.
pub(crate) const ENABLED: &str = "PROFILER";
/// The level.
pub(crate) const LEVEL: &str = "PROFILER_LEVEL";
/// Where reports are written.
pub(crate) const OUT: &str = "PROFILER_OUT";
/// The memory sampler's interval in milliseconds.
pub(crate) const SAMPLE_MS: &str = "PROFILER_SAMPLE_MS";
/// A configuration file read beneath the other variables.
pub(crate) const CONFIG: &str = "PROFILER_CONFIG";
/// The run history directory.
pub(crate) const HISTORY: &str = "PROFILER_HISTORY";
/// The default slow-call threshold.
pub(crate) const SLOW: &str = "PROFILER_SLOW";
/// Whether panic messages become failure texts.
pub(crate) const CAPTURE_PANICS: &str = "PROFILER_CAPTURE_PANICS";

const NAMES: [&str; 8] = [ENABLED, LEVEL, OUT, SAMPLE_MS, CONFIG, HISTORY, SLOW, CAPTURE_PANICS];

/// The configuration in `vars`: the file `PROFILER_CONFIG` names, with the
/// other variables over it, and every setting that could not be used.
pub(crate) fn read<I, K, V>(vars: I) -> Read
where
    I: IntoIterator<Item = (K, V)>,
    K: AsRef<OsStr>,
    V: AsRef<OsStr>,
{
    // The last value of each known variable; empty ones count as unset.
    let mut found: [Option<OsString>; 8] = Default::default();
    for (name, value) in vars {
        let Some(slot) = NAMES.iter().position(|known| OsStr::new(known) == name.as_ref()) else {
            continue;
        };
        let value = value.as_ref();
        found[slot] = (!value.is_empty()).then(|| value.to_owned());
    }
    let [enabled, level, out, sample_ms, config_file, history, slow, capture_panics] = found;

    let mut problems = Vec::new();
    let lower = match config_file {
        Some(path) => {
            let path = PathBuf::from(path);
            let off = || Error::FeatureOff {
                origin: ConfigSource::Env,
                key: CONFIG.to_owned(),
                value: path.to_string_lossy().into_owned(),
                feature: "config-file",
            };
            match file::read(&path, off) {
                Ok(read) => {
                    problems.extend(read.problems);
                    read.config
                }
                Err(whole_file) => {
                    problems.push(whole_file);
                    Config::new()
                }
            }
        }
        None => Config::new(),
    };

    let config = Config {
        enabled: parse(ENABLED, enabled, value::switch, SWITCH_ALLOWED, &mut problems),
        level: parse(LEVEL, level, value::level, LEVEL_ALLOWED, &mut problems),
        memory_interval: parse(
            SAMPLE_MS,
            sample_ms,
            value::interval_text,
            INTERVAL_MS_ALLOWED,
            &mut problems,
        ),
        out: out.map(PathBuf::from).and_then(|path| output(path, &mut problems)),
        history_dir: history.map(PathBuf::from).and_then(|dir| history_dir(dir, &mut problems)),
        slow: parse(SLOW, slow, value::duration_text, SLOW_ALLOWED, &mut problems),
        capture_panics: parse(
            CAPTURE_PANICS,
            capture_panics,
            value::switch,
            SWITCH_ALLOWED,
            &mut problems,
        ),
        ..Config::new()
    };
    Read { config: config.over(lower), problems }
}

/// Variable `name`'s value read by `read`, or a problem saying what is allowed.
fn parse<T>(
    name: &str,
    text: Option<OsString>,
    read: fn(&str) -> Option<T>,
    allowed: &'static str,
    problems: &mut Vec<Error>,
) -> Option<T> {
    let text = text?;
    let parsed = text.to_str().and_then(read);
    if parsed.is_none() {
        problems.push(Error::Config {
            origin: ConfigSource::Env,
            key: name.to_owned(),
            value: text.to_string_lossy().into_owned(),
            allowed,
        });
    }
    parsed
}

/// `PROFILER_OUT`'s path, unless it asks for a format this build lacks.
fn output(path: PathBuf, problems: &mut Vec<Error>) -> Option<PathBuf> {
    let Some(feature) = out::Format::of(&path).missing_feature() else { return Some(path) };
    problems.push(Error::FeatureOff {
        origin: ConfigSource::Env,
        key: OUT.to_owned(),
        value: path.to_string_lossy().into_owned(),
        feature,
    });
    None
}

/// `PROFILER_HISTORY`'s directory, unless this build lacks `json`.
fn history_dir(dir: PathBuf, problems: &mut Vec<Error>) -> Option<PathBuf> {
    if cfg!(feature = "json") {
        return Some(dir);
    }
    problems.push(Error::FeatureOff {
        origin: ConfigSource::Env,
        key: HISTORY.to_owned(),
        value: dir.to_string_lossy().into_owned(),
        feature: "json",
    });
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::level::Level;
    use std::time::Duration;

    #[test]
    fn each_variable_sets_its_field_and_others_are_ignored() {
        let read = read([
            ("PROFILER", "yes"),
            ("PROFILER_LEVEL", "full"),
            ("PROFILER_OUT", "target/run.txt"),
            ("PROFILER_SAMPLE_MS", "25"),
            ("PROFILER_COLOUR", "blue"),
            ("PATH", "/bin"),
        ]);
        assert!(read.problems.is_empty());
        let c = read.config;
        assert_eq!(c.enabled, Some(true));
        assert_eq!(c.level, Some(Level::Full));
        assert_eq!(c.out, Some(PathBuf::from("target/run.txt")));
        assert_eq!(c.memory_interval, Some(Duration::from_millis(25)));
        assert_eq!((c.sample_rate, c.history), (None, None));
    }

    #[test]
    fn profiler_history_names_the_history_directory_where_json_is_on() {
        let read = read([("PROFILER_HISTORY", "target/runs")]);
        if cfg!(feature = "json") {
            assert!(read.problems.is_empty());
            assert_eq!(read.config.history_dir, Some(PathBuf::from("target/runs")));
        } else {
            assert_eq!(
                read.problems[0].to_string(),
                r#"PROFILER_HISTORY="target/runs" needs the `json` feature of profiler-runtime, which is off: turn it on in Cargo.toml"#
            );
            assert_eq!(read.config.history_dir, None);
        }
    }

    #[test]
    fn the_last_value_wins_and_an_empty_one_unsets() {
        let c = read([("PROFILER_LEVEL", "full"), ("PROFILER_LEVEL", "basic")]).config;
        assert_eq!(c.level, Some(Level::Basic));
        let read = read([("PROFILER_LEVEL", "full"), ("PROFILER_LEVEL", ""), ("PROFILER", "")]);
        assert!(read.problems.is_empty());
        assert_eq!(read.config, Config::new());
    }

    #[test]
    fn a_bad_value_is_a_problem_and_the_other_variables_still_count() {
        let read = read([
            ("PROFILER", "maybe"),
            ("PROFILER_LEVEL", "detailed"),
            ("PROFILER_SAMPLE_MS", "0"),
        ]);
        let messages: Vec<String> = read.problems.iter().map(ToString::to_string).collect();
        assert_eq!(
            messages,
            [
                r#"PROFILER="maybe" is not allowed: give 1, 0, true, false, on, off, yes or no"#,
                r#"PROFILER_SAMPLE_MS="0" is not allowed: give a whole number of milliseconds from 1 to 3600000"#,
            ]
        );
        assert_eq!(read.config, Config::new().level(Level::Detailed));
    }

    #[test]
    fn an_absurd_interval_is_refused() {
        for absurd in ["3600001", "99999999999999999999", "-1", "1.5", "20ms"] {
            let read = read([("PROFILER_SAMPLE_MS", absurd)]);
            assert_eq!(read.problems.len(), 1, "{absurd}");
            assert!(read.problems[0].to_string().contains(absurd));
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_value_that_is_not_unicode_is_named_lossily() {
        use std::os::unix::ffi::OsStrExt;
        let odd = OsStr::from_bytes(b"fu\xffll");
        let read = read([(OsStr::new("PROFILER_LEVEL"), odd)]);
        let message = read.problems[0].to_string();
        assert!(message.starts_with("PROFILER_LEVEL=\"fu\u{fffd}ll\""), "{message}");
    }

    #[cfg(not(feature = "config-file"))]
    #[test]
    fn a_config_file_without_the_feature_says_which_feature() {
        let read = read([("PROFILER_CONFIG", "profiler.toml"), ("PROFILER_LEVEL", "full")]);
        assert_eq!(
            read.problems[0].to_string(),
            r#"PROFILER_CONFIG="profiler.toml" needs the `config-file` feature of profiler-runtime, which is off: turn it on in Cargo.toml"#
        );
        assert_eq!(read.config.level, Some(Level::Full));
    }
}
