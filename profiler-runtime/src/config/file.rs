//! A `profiler.toml` file: top-level keys named as [`CONFIG_KEYS`] lists, read
//! through the `toml` crate (feature `config-file`).

use super::Read;
use crate::Error;
use std::path::Path;

/// The keys a configuration file may set, one per [`Config`](crate::Config)
/// field: `enabled` (true or false), `level` ("basic", "detailed" or
/// "full"), `out` (a path), `sample_ms` (the memory interval in whole
/// milliseconds), `sample_rate` (the process-wide default sample rate),
/// `history` (ended sessions kept), `stage_min_items_per_sec` and
/// `stage_efficiency_threshold` (numbers), `history_dir` (a directory, needs
/// the `json` feature), `history_files` (saved runs kept, 1 or more), `slow`
/// (a duration such as "10ms"), `memory_growth_per_min` (bytes, or text such
/// as "8MiB"), `module_components` (module path segments, 0 to 16) and
/// `capture_panics` (a boolean).
pub const CONFIG_KEYS: &[&str] = &[
    "enabled",
    "level",
    "out",
    "sample_ms",
    "sample_rate",
    "history",
    "stage_min_items_per_sec",
    "stage_efficiency_threshold",
    "history_dir",
    "history_files",
    "slow",
    "memory_growth_per_min",
    "module_components",
    "capture_panics",
];

/// The configuration in the file at `path`; without the `config-file`
/// feature, `off()` (the caller's error naming the feature).
#[cfg(not(feature = "config-file"))]
pub(crate) fn read(_path: &Path, off: impl FnOnce() -> Error) -> Result<Read, Error> {
    Err(off())
}

/// The configuration in the file at `path`, with each key that could not
/// be used; an unreadable file or invalid TOML is the error.
#[cfg(feature = "config-file")]
pub(crate) fn read(path: &Path, _off: impl FnOnce() -> Error) -> Result<Read, Error> {
    let text = std::fs::read_to_string(path)
        .map_err(|source| Error::Io { path: path.to_owned(), source })?;
    toml_file::parse(&text, path)
}

#[cfg(feature = "config-file")]
pub(crate) mod toml_file {
    use super::super::suggest;
    use super::super::value::{self, INTERVAL_MS_ALLOWED};
    use super::super::{out, Config, Read};
    use super::CONFIG_KEYS as KEYS;
    use crate::state::thresholds::{self, DEPTH_ALLOWED, EFFICIENCY_ALLOWED, FLOOR_ALLOWED};
    use crate::{ConfigSource, Error};
    use std::path::{Path, PathBuf};
    use toml::Value;

    const LEVEL_ALLOWED: &str = r#"a string: "basic", "detailed" or "full""#;
    const SWITCH_ALLOWED: &str = "true or false";
    const RATE_ALLOWED: &str = "a whole number from 1 (time every call) up (N: time one call in N)";
    const HISTORY_ALLOWED: &str = "a whole number of sessions, 0 or more";
    const PATH_ALLOWED: &str =
        "a string: a file path (.json for JSON, any other name for the text summary)";
    const DIR_ALLOWED: &str = "a string: a directory path (made if missing)";
    const FILES_ALLOWED: &str = "a whole number of files, 1 or more";
    const SLOW_ALLOWED: &str =
        r#"a string: a duration above 0 with its unit, such as "250us", "10ms" or "1.5s""#;
    const GROWTH_ALLOWED: &str =
        r#"a whole number of bytes per minute above 0, or a string such as "8MiB""#;

    /// The configuration in `text`, read from `path` (named in errors).
    pub(crate) fn parse(text: &str, path: &Path) -> Result<Read, Error> {
        let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
            let at = e.span().map_or(0, |span| span.start);
            Error::ConfigSyntax {
                path: path.to_owned(),
                line: text.get(..at).unwrap_or(text).matches('\n').count() + 1,
                message: e.message().trim().replace('\n', "; "),
            }
        })?;
        let mut config = Config::new();
        let mut problems = Vec::new();
        for (key, v) in &table {
            if let Err(problem) = set(&mut config, key, v, path) {
                problems.push(problem);
            }
        }
        Ok(Read { config, problems })
    }

    /// Sets `key` from `v`, or says why it cannot.
    fn set(config: &mut Config, key: &str, v: &Value, path: &Path) -> Result<(), Error> {
        let origin = || ConfigSource::File(path.to_owned());
        let bad = |allowed| Error::Config {
            origin: origin(),
            key: key.to_owned(),
            value: literal(v),
            allowed,
        };
        match key {
            "enabled" => config.enabled = Some(v.as_bool().ok_or_else(|| bad(SWITCH_ALLOWED))?),
            "capture_panics" => {
                config.capture_panics = Some(v.as_bool().ok_or_else(|| bad(SWITCH_ALLOWED))?);
            }
            "level" => {
                let level = v.as_str().and_then(value::level);
                config.level = Some(level.ok_or_else(|| bad(LEVEL_ALLOWED))?);
            }
            "out" => {
                let path = v.as_str().filter(|p| !p.is_empty()).ok_or_else(|| bad(PATH_ALLOWED))?;
                let path = PathBuf::from(path);
                if let Some(feature) = out::Format::of(&path).missing_feature() {
                    return Err(Error::FeatureOff {
                        origin: origin(),
                        key: key.to_owned(),
                        value: literal(v),
                        feature,
                    });
                }
                config.out = Some(path);
            }
            "sample_ms" => {
                let interval = whole(v).and_then(value::interval_ms);
                config.memory_interval = Some(interval.ok_or_else(|| bad(INTERVAL_MS_ALLOWED))?);
            }
            "sample_rate" => {
                let rate = whole(v).and_then(|n| u32::try_from(n).ok()).filter(|&n| n > 0);
                config.sample_rate = Some(rate.ok_or_else(|| bad(RATE_ALLOWED))?);
            }
            "history" => {
                let sessions = whole(v).and_then(|n| usize::try_from(n).ok());
                config.history = Some(sessions.ok_or_else(|| bad(HISTORY_ALLOWED))?);
            }
            "stage_min_items_per_sec" => {
                let floor = number(v).filter(|&x| thresholds::floor_is_valid(x));
                config.stage_min_items_per_sec = Some(floor.ok_or_else(|| bad(FLOOR_ALLOWED))?);
            }
            "stage_efficiency_threshold" => {
                let threshold = number(v).filter(|&x| thresholds::efficiency_is_valid(x));
                config.stage_efficiency_threshold =
                    Some(threshold.ok_or_else(|| bad(EFFICIENCY_ALLOWED))?);
            }
            "history_dir" => {
                let dir = v.as_str().filter(|d| !d.is_empty()).ok_or_else(|| bad(DIR_ALLOWED))?;
                if !cfg!(feature = "json") {
                    return Err(Error::FeatureOff {
                        origin: origin(),
                        key: key.to_owned(),
                        value: literal(v),
                        feature: "json",
                    });
                }
                config.history_dir = Some(PathBuf::from(dir));
            }
            "history_files" => {
                let files = whole(v).and_then(|n| usize::try_from(n).ok()).filter(|&n| n > 0);
                config.history_files = Some(files.ok_or_else(|| bad(FILES_ALLOWED))?);
            }
            "slow" => {
                let slow = v.as_str().and_then(value::duration_text);
                config.slow = Some(slow.ok_or_else(|| bad(SLOW_ALLOWED))?);
            }
            "memory_growth_per_min" => {
                let bytes = match v {
                    Value::String(text) => value::bytes_text(text),
                    _ => whole(v).filter(|&n| n > 0),
                };
                config.memory_growth_per_min = Some(bytes.ok_or_else(|| bad(GROWTH_ALLOWED))?);
            }
            "module_components" => {
                let depth = whole(v)
                    .and_then(|n| usize::try_from(n).ok())
                    .filter(|&n| n <= thresholds::MAX_COMPONENT_DEPTH);
                config.module_components = Some(depth.ok_or_else(|| bad(DEPTH_ALLOWED))?);
            }
            _ => {
                return Err(Error::UnknownKey {
                    origin: origin(),
                    key: key.to_owned(),
                    suggestion: suggest::closest(key, KEYS),
                    allowed: KEYS,
                })
            }
        }
        Ok(())
    }

    /// A non-negative integer.
    fn whole(v: &Value) -> Option<u64> {
        v.as_integer().and_then(|n| u64::try_from(n).ok())
    }

    /// An integer or a float, as a float.
    fn number(v: &Value) -> Option<f64> {
        match v {
            Value::Integer(n) => Some(*n as f64),
            Value::Float(x) => Some(*x),
            _ => None,
        }
    }

    /// `v` as the file wrote it (arrays and tables by their kind, which is
    /// what a reader needs to see the mistake).
    fn literal(v: &Value) -> String {
        match v {
            Value::String(s) => format!("{s:?}"),
            Value::Integer(n) => n.to_string(),
            Value::Float(x) => format!("{x:?}"),
            Value::Boolean(b) => b.to_string(),
            Value::Datetime(d) => d.to_string(),
            Value::Array(_) => "an array".to_owned(),
            Value::Table(_) => "a table".to_owned(),
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use crate::state::level::Level;
        use std::time::Duration;

        fn read(text: &str) -> Read {
            match parse(text, Path::new("profiler.toml")) {
                Ok(read) => read,
                Err(e) => panic!("{e}"),
            }
        }

        fn problems(text: &str) -> Vec<String> {
            read(text).problems.iter().map(ToString::to_string).collect()
        }

        #[test]
        fn every_key_sets_its_field() {
            let read = read(
                r#"
                enabled = false
                level = "detailed"
                out = "target/run.txt"
                sample_ms = 50
                sample_rate = 8
                history = 3
                stage_min_items_per_sec = 10
                stage_efficiency_threshold = 55.5
                history_files = 7
                "#,
            );
            assert!(read.problems.is_empty());
            let expected = Config::new()
                .enabled(false)
                .level(Level::Detailed)
                .out("target/run.txt")
                .memory_interval(Duration::from_millis(50))
                .sample_rate(8)
                .history(3)
                .stage_min_items_per_sec(10.0)
                .stage_efficiency_threshold(55.5)
                .history_files(7);
            assert_eq!(read.config, expected);
        }

        #[test]
        fn an_unknown_key_suggests_the_closest_known_one() {
            assert_eq!(
                problems("levl = \"full\""),
                [format!(
                    "profiler.toml: unknown key \"levl\": did you mean `level`? allowed keys are {}",
                    KEYS.join(", ")
                )]
            );
            let far = problems("[colours]\nred = 1");
            assert!(
                far[0].starts_with("profiler.toml: unknown key \"colours\": allowed keys"),
                "{}",
                far[0]
            );
        }

        #[test]
        fn a_wrong_type_or_value_names_the_file_key_value_and_what_is_allowed() {
            let cases = [
                ("level = 3", r#"profiler.toml: level = 3 is not allowed: give a string: "basic", "detailed" or "full""#),
                ("level = \"loud\"", r#"profiler.toml: level = "loud" is not allowed: give a string: "basic", "detailed" or "full""#),
                ("enabled = \"yes\"", r#"profiler.toml: enabled = "yes" is not allowed: give true or false"#),
                ("sample_ms = 0", "profiler.toml: sample_ms = 0 is not allowed: give a whole number of milliseconds from 1 to 3600000"),
                ("sample_ms = 2.5", "profiler.toml: sample_ms = 2.5 is not allowed: give a whole number of milliseconds from 1 to 3600000"),
                ("sample_rate = 0", "profiler.toml: sample_rate = 0 is not allowed: give a whole number from 1 (time every call) up (N: time one call in N)"),
                ("history = -1", "profiler.toml: history = -1 is not allowed: give a whole number of sessions, 0 or more"),
                ("out = [\"a\"]", "profiler.toml: out = an array is not allowed: give a string: a file path (.json for JSON, any other name for the text summary)"),
                ("stage_min_items_per_sec = -5", "profiler.toml: stage_min_items_per_sec = -5 is not allowed: give a number of items per second, 0 or more"),
                ("history_files = 0", "profiler.toml: history_files = 0 is not allowed: give a whole number of files, 1 or more"),
                ("history_dir = 5", "profiler.toml: history_dir = 5 is not allowed: give a string: a directory path (made if missing)"),
                ("stage_efficiency_threshold = 120", "profiler.toml: stage_efficiency_threshold = 120 is not allowed: give a number from 0 to 100"),
            ];
            for (text, message) in cases {
                assert_eq!(problems(text), [message], "{text}");
            }
        }

        #[test]
        fn the_good_keys_count_beside_a_bad_one() {
            let read = read("level = \"full\"\nsample_ms = 0\nhistory = 2");
            assert_eq!(read.problems.len(), 1);
            assert_eq!(read.config, Config::new().level(Level::Full).history(2));
        }

        #[test]
        fn invalid_toml_is_one_error_with_its_line() {
            let err =
                parse("level = \"full\"\nsample_ms = = 3", Path::new("p.toml")).err().unwrap();
            let message = err.to_string();
            assert!(message.starts_with("p.toml:2: not valid TOML: "), "{message}");
            assert!(!message.contains('\n'), "{message}");
        }

        #[test]
        fn a_json_output_needs_the_json_feature() {
            let read = read("out = \"run.json\"");
            if cfg!(feature = "json") {
                assert!(read.problems.is_empty());
            } else {
                let message = read.problems[0].to_string();
                assert!(
                    message
                        .starts_with(r#"profiler.toml: out = "run.json" needs the `json` feature"#),
                    "{message}"
                );
            }
        }
    }
}
