//! Configuration: a [`Config`] built in code, read from the environment
//! (`env`), from a `profiler.toml` file (`file`, feature `config-file`) or
//! from the `--profile` flags (`flags`, and `args` for clap), layered with
//! [`Config::over`] and applied to a monitor by `Monitor::configure`.
//!
//! This layer reads and checks settings; it does not apply them. The facade
//! above applies them, and writes the report to `out` (through `out`) when a
//! session ends.

#[cfg(feature = "clap")]
pub(crate) mod args;
pub(crate) mod env;
mod file;
pub(crate) mod flags;
pub(crate) mod out;
mod suggest; // "did you mean" for the file's keys and the flags
pub(crate) mod value;

use crate::state::level::{Level, MAX_MEMORY_INTERVAL, MIN_MEMORY_INTERVAL};
use crate::state::thresholds::{self, EFFICIENCY_ALLOWED, FLOOR_ALLOWED};
use crate::{ConfigSource, Error};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use file::CONFIG_KEYS;

/// Settings for a [`Monitor`](crate::Monitor), applied together with
/// [`Monitor::configure`](crate::Monitor::configure).
///
/// Every field is optional: a field left `None` leaves the monitor's current
/// value alone. Build one in code with the methods below, read one from the
/// environment ([`Config::from_env`]) or a file ([`Config::from_file`]), and
/// layer them with [`Config::over`]:
///
/// ```
/// use profiler_runtime::{Config, Level, Monitor};
/// use std::time::Duration;
///
/// let m = Monitor::new();
/// let config = Config::new()
///     .level(Level::Detailed)
///     .memory_interval(Duration::from_millis(20))
///     .history(8)
///     .stage_min_items_per_sec(50.0);
/// m.configure(&config)?;
/// assert_eq!(m.level(), Level::Detailed);
///
/// // Nothing is applied when a value is not allowed.
/// let bad = Config::new().level(Level::Full).memory_interval(Duration::ZERO);
/// assert!(m.configure(&bad).is_err());
/// assert_eq!(m.level(), Level::Detailed);
/// # Ok::<(), profiler_runtime::Error>(())
/// ```
///
/// # Precedence
///
/// One rule settles every setting, whether to record at all included: **the
/// environment first, then what the program does, later over earlier**.
///
/// 1. The `PROFILER*` variables, over the file `PROFILER_CONFIG` names
///    ([`Config::from_env`] reads both). The global monitor applies them by
///    itself, once, before anything else reaches it: its first
///    `configure`, session, or setting read or set. Monitors made with
///    [`Monitor::new`](crate::Monitor::new) never read them.
/// 2. Over that, each call the program makes, in the order it makes them,
///    each setting only what it names:
///    [`Monitor::configure`](crate::Monitor::configure),
///    [`ProfileFlags::apply`](crate::ProfileFlags::apply), `set_level`,
///    `enable` and `disable`. So code wins over the environment, and
///    `apply` called after your own `configure` lets the command line win
///    over both.
///
/// The `--profile` flags are an opt-in, and a missing flag never undoes the
/// environment: without a flag,
/// [`ProfileFlags::apply`](crate::ProfileFlags::apply) switches recording
/// off only when the environment does not ask to profile (`PROFILER=1`, or
/// `PROFILER_LEVEL` or `PROFILER_OUT` with `PROFILER` unset, as
/// `--profile-level` and `--profile-out` imply `--profile`). After
/// `ProfileFlags::from_args(std::env::args())?.0.apply(global())?`:
///
/// | flags | environment | recording, level, output |
/// | --- | --- | --- |
/// | none | none | off |
/// | none | `PROFILER=1` | on |
/// | none | `PROFILER_OUT=run.json` | on, written to `run.json` |
/// | none | `PROFILER_LEVEL=full` | on, full |
/// | none | `PROFILER=0 PROFILER_LEVEL=full` | off |
/// | `--profile` | `PROFILER=0` | on |
/// | `--profile` | `PROFILER_LEVEL=full` | on, full |
/// | `--profile-level basic` | `PROFILER_LEVEL=full` | on, basic |
/// | `--profile-out a.txt` | `PROFILER_OUT=b.txt` | on, written to `a.txt` |
///
/// Configurations layered in code follow the same order with
/// [`Config::over`], the upper one being the later:
///
/// ```
/// use profiler_runtime::{Config, Level};
/// use std::time::Duration;
///
/// let env = Config::from_vars([("PROFILER_LEVEL", "full"), ("PROFILER_SAMPLE_MS", "20")])?;
/// let config = Config::new().level(Level::Basic).over(env);
/// assert_eq!(config.level, Some(Level::Basic)); // code wins
/// assert_eq!(config.memory_interval, Some(Duration::from_millis(20))); // the rest from the environment
/// # Ok::<(), profiler_runtime::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct Config {
    /// Whether the monitor records (its own switch, see
    /// [`Monitor::disable`](crate::Monitor::disable)).
    pub enabled: Option<bool>,
    /// What it records beyond call timing.
    pub level: Option<Level>,
    /// How often its memory sampler reads (1 ms to 1 hour).
    pub memory_interval: Option<Duration>,
    /// Where each ended session's report is written: JSON when the name ends
    /// in `.json` (needs the `json` feature), the text summary otherwise.
    pub out: Option<PathBuf>,
    /// The process-wide default sample rate (see
    /// [`set_default_sample_rate`](crate::set_default_sample_rate)).
    pub sample_rate: Option<u32>,
    /// How many ended sessions the history keeps.
    pub history: Option<usize>,
    /// Items per second under which a stage is a `slow_stage` finding. By
    /// default there is no floor (a fair rate depends on the stage's work);
    /// 0 removes one set before.
    pub stage_min_items_per_sec: Option<f64>,
    /// Memory efficiency (0 to 100) under which a stage is a `stage_memory`
    /// finding (default
    /// [`STAGE_EFFICIENCY_THRESHOLD`](crate::STAGE_EFFICIENCY_THRESHOLD)).
    pub stage_efficiency_threshold: Option<f64>,
    /// A directory where every ended session's report is saved as JSON
    /// (needs the `json` feature), for `load_history`
    /// and `profiler history`; see [`Config::history_dir`].
    pub history_dir: Option<PathBuf>,
    /// How many saved runs the history directory keeps, 1 or more (default
    /// [`DEFAULT_HISTORY_FILES`](crate::DEFAULT_HISTORY_FILES)).
    pub history_files: Option<usize>,
    /// The slow-call threshold of every operation that sets none with
    /// `#[monitor(slow = "..")]`; see [`Config::slow`].
    pub slow: Option<Duration>,
    /// Whether a panic's message becomes its call's failure text; see
    /// [`Config::capture_panics`].
    pub capture_panics: Option<bool>,
    /// Steady memory growth, in bytes per minute, from which the
    /// `memory_growth` finding (and its alert) is raised; see
    /// [`Config::memory_growth_per_min`].
    pub memory_growth_per_min: Option<u64>,
    /// How many leading segments of an operation's module path name its
    /// component when it has none; see [`Config::module_components`].
    pub module_components: Option<usize>,
}

impl Config {
    /// A configuration that sets nothing.
    pub fn new() -> Config {
        Config::default()
    }

    /// Sets [`Config::enabled`].
    pub fn enabled(mut self, on: bool) -> Config {
        self.enabled = Some(on);
        self
    }

    /// Sets [`Config::level`].
    pub fn level(mut self, level: Level) -> Config {
        self.level = Some(level);
        self
    }

    /// Sets [`Config::memory_interval`].
    pub fn memory_interval(mut self, interval: Duration) -> Config {
        self.memory_interval = Some(interval);
        self
    }

    /// Sets [`Config::out`].
    pub fn out(mut self, path: impl Into<PathBuf>) -> Config {
        self.out = Some(path.into());
        self
    }

    /// Sets [`Config::sample_rate`].
    pub fn sample_rate(mut self, rate: u32) -> Config {
        self.sample_rate = Some(rate);
        self
    }

    /// Sets [`Config::history`].
    pub fn history(mut self, sessions: usize) -> Config {
        self.history = Some(sessions);
        self
    }

    /// Sets [`Config::stage_min_items_per_sec`].
    pub fn stage_min_items_per_sec(mut self, floor: f64) -> Config {
        self.stage_min_items_per_sec = Some(floor);
        self
    }

    /// Sets [`Config::stage_efficiency_threshold`].
    pub fn stage_efficiency_threshold(mut self, threshold: f64) -> Config {
        self.stage_efficiency_threshold = Some(threshold);
        self
    }

    /// Sets [`Config::history_dir`]: every session the monitor ends from then
    /// on is saved there as `<start, unix ms>-<sequence>-<pid>-<id>.json`
    /// (the directory is made if missing), written to a temporary file and
    /// renamed, so a crash never leaves half a report under a run's name.
    /// Past [`Config::history_files`] runs the oldest are deleted (other
    /// files are left alone). A save that fails prints one line on stderr;
    /// the report is still returned. An ended session whose id was saved
    /// before (or is in the monitor's history) gets
    /// [`SessionReport::previous`](crate::SessionReport::previous).
    ///
    /// Needs the `json` feature: without it, `configure` returns an
    /// [`Error::FeatureOff`] naming it.
    pub fn history_dir(mut self, dir: impl Into<PathBuf>) -> Config {
        self.history_dir = Some(dir.into());
        self
    }

    /// Sets [`Config::history_files`].
    pub fn history_files(mut self, files: usize) -> Config {
        self.history_files = Some(files);
        self
    }

    /// Sets [`Config::capture_panics`]: on, a monitored call a panic
    /// unwinds through records the panic's message and location as its
    /// failure text instead of `panicked` (see
    /// [`capture_panic_messages`](crate::capture_panic_messages), which it
    /// calls; the setting is process-wide).
    pub fn capture_panics(mut self, on: bool) -> Config {
        self.capture_panics = Some(on);
        self
    }

    /// Sets [`Config::slow`]: operations without their own `slow = ".."`
    /// count their calls of `threshold` or longer as slow (the `slow_calls`
    /// finding and its alert). Their count comes from the histogram when the
    /// report is built, so it costs the calls nothing; a call within the
    /// histogram's resolution (3.125 %) of the threshold may fall on either
    /// side. Above 0.
    ///
    /// ```
    /// use profiler_runtime::{Config, Monitor};
    /// use std::time::Duration;
    ///
    /// let m = Monitor::new();
    /// m.configure(&Config::new().slow(Duration::from_millis(1)))?;
    /// m.start_session("slow");
    /// m.operation("query").start().finish();
    /// let report = m.end_session().unwrap();
    /// assert_eq!(report.operation("query").unwrap().slow_threshold_ns, Some(1_000_000));
    /// # Ok::<(), profiler_runtime::Error>(())
    /// ```
    pub fn slow(mut self, threshold: Duration) -> Config {
        self.slow = Some(threshold);
        self
    }

    /// Sets [`Config::memory_growth_per_min`]: steady growth is a finding
    /// (and an alert) only from this rate, in bytes per minute, up. Without
    /// it, any steady rise of 4 MiB and 5 % is. Above 0.
    pub fn memory_growth_per_min(mut self, bytes: u64) -> Config {
        self.memory_growth_per_min = Some(bytes);
        self
    }

    /// Sets [`Config::module_components`]: an operation with no component
    /// of its own gets the first `segments` of its module path as one
    /// (`2`: `app::storage::segments` is in `app::storage`); manual
    /// operations keep none. 0 (the default) turns it off; at most 16.
    ///
    /// ```
    /// use profiler_runtime::{Config, Monitor};
    ///
    /// let m = Monitor::new();
    /// m.configure(&Config::new().module_components(1))?;
    /// # Ok::<(), profiler_runtime::Error>(())
    /// ```
    pub fn module_components(mut self, segments: usize) -> Config {
        self.module_components = Some(segments);
        self
    }

    /// This configuration with `lower`'s values where this one sets none:
    /// `code.over(env).over(file)` lets code win over the environment, and
    /// the environment over the file.
    ///
    /// ```
    /// use profiler_runtime::{Config, Level};
    ///
    /// let file = Config::new().level(Level::Full).history(4);
    /// let code = Config::new().level(Level::Basic);
    /// let both = code.over(file);
    /// assert_eq!((both.level, both.history), (Some(Level::Basic), Some(4)));
    /// ```
    pub fn over(self, lower: Config) -> Config {
        Config {
            enabled: self.enabled.or(lower.enabled),
            level: self.level.or(lower.level),
            memory_interval: self.memory_interval.or(lower.memory_interval),
            out: self.out.or(lower.out),
            sample_rate: self.sample_rate.or(lower.sample_rate),
            history: self.history.or(lower.history),
            stage_min_items_per_sec: self.stage_min_items_per_sec.or(lower.stage_min_items_per_sec),
            stage_efficiency_threshold: self
                .stage_efficiency_threshold
                .or(lower.stage_efficiency_threshold),
            history_dir: self.history_dir.or(lower.history_dir),
            history_files: self.history_files.or(lower.history_files),
            slow: self.slow.or(lower.slow),
            capture_panics: self.capture_panics.or(lower.capture_panics),
            memory_growth_per_min: self.memory_growth_per_min.or(lower.memory_growth_per_min),
            module_components: self.module_components.or(lower.module_components),
        }
    }

    /// The environment's configuration: the file `PROFILER_CONFIG` names (if
    /// set), with the other variables over it. An empty variable counts as
    /// unset; other variables are ignored.
    ///
    /// | variable | value |
    /// | --- | --- |
    /// | `PROFILER` | `1`/`0`, `true`/`false`, `on`/`off`, `yes`/`no`: [`Config::enabled`] |
    /// | `PROFILER_LEVEL` | `basic`, `detailed` or `full` |
    /// | `PROFILER_OUT` | a path: [`Config::out`] |
    /// | `PROFILER_SAMPLE_MS` | the memory interval in whole milliseconds, 1 to 3600000 |
    /// | `PROFILER_HISTORY` | a directory: [`Config::history_dir`] (feature `json`) |
    /// | `PROFILER_SLOW` | a duration such as `10ms`: [`Config::slow`] |
    /// | `PROFILER_CAPTURE_PANICS` | `1`/`0` (or `true`/`false`, `on`/`off`): [`Config::capture_panics`] |
    /// | `PROFILER_CONFIG` | a `profiler.toml` to read first (feature `config-file`) |
    ///
    /// The first value that is not allowed is the error, naming the
    /// variable (or the file and key), the value and what is allowed.
    pub fn from_env() -> Result<Config, Error> {
        Config::from_vars(std::env::vars_os())
    }

    /// [`Config::from_env`] over the given variables instead of the
    /// process's, as `(name, value)` pairs (a later pair wins over an earlier
    /// one with the same name).
    ///
    /// ```
    /// use profiler_runtime::{Config, Level};
    ///
    /// let config = Config::from_vars([("PROFILER", "on"), ("PROFILER_LEVEL", "detailed")])?;
    /// assert_eq!((config.enabled, config.level), (Some(true), Some(Level::Detailed)));
    ///
    /// let err = Config::from_vars([("PROFILER_LEVEL", "loud")]).unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     r#"PROFILER_LEVEL="loud" is not allowed: give basic, detailed or full"#
    /// );
    /// # Ok::<(), profiler_runtime::Error>(())
    /// ```
    pub fn from_vars<I, K, V>(vars: I) -> Result<Config, Error>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<OsStr>,
        V: AsRef<OsStr>,
    {
        env::read(vars).strict()
    }

    /// The configuration in a TOML file (feature `config-file`; without it,
    /// an [`Error::FeatureOff`] naming it). The keys are [`CONFIG_KEYS`]:
    ///
    /// ```toml
    /// enabled = true
    /// level = "detailed"                 # basic, detailed or full
    /// out = "target/profile.json"        # .json: JSON (feature `json`); else text
    /// sample_ms = 50                     # memory interval, 1 to 3600000 ms
    /// sample_rate = 1                    # time one call in N (process-wide)
    /// history = 32                       # ended sessions kept
    /// stage_min_items_per_sec = 1000.0   # slow_stage floor (default: none)
    /// stage_efficiency_threshold = 70.0  # stage_memory threshold, 0 to 100
    /// history_dir = "target/runs"        # save every ended session (feature `json`)
    /// history_files = 100                # saved runs kept, 1 or more
    /// slow = "10ms"                      # slow-call threshold where none is set
    /// capture_panics = true              # a panic's message as its failure text
    /// memory_growth_per_min = "8MiB"     # memory_growth finding from this rate
    /// module_components = 1              # module path segments naming a component
    /// ```
    ///
    /// An unreadable file, invalid TOML, an unknown key (with the closest
    /// known one suggested), a value of the wrong type or out of range: the
    /// first is the error, naming the file, the key, the value and what is
    /// allowed.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Config, Error> {
        let path = path.as_ref();
        let off = || Error::FeatureOff {
            origin: ConfigSource::Code,
            key: "from_file".to_owned(),
            value: format!("{path:?}"),
            feature: "config-file",
        };
        file::read(path, off)?.strict()
    }

    /// Whether this configuration (the environment's) asks to profile: it
    /// switches recording on, or, saying nothing of that, names a level or
    /// an output, as `--profile-level` and `--profile-out` imply
    /// `--profile`.
    pub(crate) fn asks_to_profile(&self) -> bool {
        self.enabled.unwrap_or(self.level.is_some() || self.out.is_some())
    }

    /// Checks the values set in code; `Monitor::configure` calls it before
    /// applying anything.
    pub(crate) fn check(&self) -> Result<(), Error> {
        if let Some(interval) = self.memory_interval {
            if !(MIN_MEMORY_INTERVAL..=MAX_MEMORY_INTERVAL).contains(&interval) {
                return Err(Error::MemoryInterval { given: interval });
            }
        }
        if let Some(0) = self.sample_rate {
            return Err(Error::SampleRate { given: 0 });
        }
        let code = |key: &str, value: String, allowed| Error::Config {
            origin: ConfigSource::Code,
            key: key.to_owned(),
            value,
            allowed,
        };
        if let Some(floor) = self.stage_min_items_per_sec {
            if !thresholds::floor_is_valid(floor) {
                return Err(code("stage_min_items_per_sec", format!("{floor:?}"), FLOOR_ALLOWED));
            }
        }
        if let Some(threshold) = self.stage_efficiency_threshold {
            if !thresholds::efficiency_is_valid(threshold) {
                let value = format!("{threshold:?}");
                return Err(code("stage_efficiency_threshold", value, EFFICIENCY_ALLOWED));
            }
        }
        if let Some(slow) = self.slow {
            if slow.is_zero() || slow.as_nanos() >= 1 << 63 {
                return Err(code("slow", format!("{slow:?}"), value::SLOW_ALLOWED));
            }
        }
        if let Some(0) = self.memory_growth_per_min {
            return Err(code("memory_growth_per_min", "0".to_owned(), thresholds::GROWTH_ALLOWED));
        }
        if let Some(depth) = self.module_components {
            if depth > thresholds::MAX_COMPONENT_DEPTH {
                return Err(code(
                    "module_components",
                    depth.to_string(),
                    thresholds::DEPTH_ALLOWED,
                ));
            }
        }
        if let Some(0) = self.history_files {
            return Err(code("history_files", "0".to_owned(), value::HISTORY_FILES_ALLOWED));
        }
        if let Some(dir) = &self.history_dir {
            if dir.as_os_str().is_empty() {
                return Err(code("history_dir", "\"\"".to_owned(), value::DIR_ALLOWED));
            }
            if !cfg!(feature = "json") {
                return Err(Error::FeatureOff {
                    origin: ConfigSource::Code,
                    key: "history_dir".to_owned(),
                    value: format!("{dir:?}"),
                    feature: "json",
                });
            }
        }
        if let Some(path) = &self.out {
            if path.as_os_str().is_empty() {
                return Err(code("out", "\"\"".to_owned(), value::PATH_ALLOWED));
            }
            if let Some(feature) = out::Format::of(path).missing_feature() {
                return Err(Error::FeatureOff {
                    origin: ConfigSource::Code,
                    key: "out".to_owned(),
                    value: format!("{path:?}"),
                    feature,
                });
            }
        }
        Ok(())
    }
}

/// A configuration read from text, and the settings in it that could not
/// be used (each left unset in `config`).
pub(crate) struct Read {
    pub(crate) config: Config,
    pub(crate) problems: Vec<Error>,
}

impl Read {
    /// The configuration, or the first problem.
    pub(crate) fn strict(self) -> Result<Config, Error> {
        match self.problems.into_iter().next() {
            Some(problem) => Err(problem),
            None => Ok(self.config),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn every_field() -> Config {
        Config::new()
            .enabled(false)
            .level(Level::Full)
            .memory_interval(Duration::from_millis(7))
            .out("a.txt")
            .sample_rate(3)
            .history(5)
            .stage_min_items_per_sec(1.5)
            .stage_efficiency_threshold(20.0)
            .history_dir("runs")
            .history_files(4)
    }

    #[test]
    fn the_environment_asks_to_profile_by_its_switch_or_else_a_level_or_an_output() {
        let asks = |vars: &[(&str, &str)]| {
            Config::from_vars(vars.iter().copied()).unwrap().asks_to_profile()
        };
        assert!(!asks(&[]));
        assert!(asks(&[("PROFILER", "1")]));
        assert!(asks(&[("PROFILER_OUT", "run.txt")]));
        assert!(asks(&[("PROFILER_LEVEL", "full")]));
        assert!(!asks(&[("PROFILER", "0"), ("PROFILER_OUT", "run.txt")]), "the switch says no");
        assert!(!asks(&[("PROFILER_SAMPLE_MS", "20"), ("PROFILER_SLOW", "1ms")]));
    }

    #[test]
    fn over_keeps_the_upper_value_and_fills_in_the_rest() {
        let upper = Config::new().level(Level::Basic).history(0);
        let layered = upper.over(every_field());
        assert_eq!(layered.level, Some(Level::Basic));
        assert_eq!(layered.history, Some(0));
        assert_eq!(Config { level: Some(Level::Full), history: Some(5), ..layered }, every_field());
        assert_eq!(Config::new().over(Config::new()), Config::new());
    }

    #[test]
    fn check_refuses_each_bad_value_set_in_code() {
        // A history directory needs `json`; its own test covers both builds.
        let json = cfg!(feature = "json");
        let good = if json { every_field() } else { Config { history_dir: None, ..every_field() } };
        assert!(good.check().is_ok());
        let bad = [
            Config::new().memory_interval(Duration::from_micros(10)),
            Config::new().sample_rate(0),
            Config::new().stage_min_items_per_sec(-1.0),
            Config::new().stage_min_items_per_sec(f64::NAN),
            Config::new().stage_efficiency_threshold(101.0),
            Config::new().out(""),
            Config::new().history_dir(""),
            Config::new().history_files(0),
        ];
        for config in bad {
            assert!(config.check().is_err(), "{config:?}");
        }
        let err = Config::new().stage_efficiency_threshold(101.0).check().unwrap_err();
        assert_eq!(
            err.to_string(),
            "Config::stage_efficiency_threshold(101.0) is not allowed: give a number from 0 to 100"
        );
    }

    #[test]
    fn a_history_dir_needs_the_json_feature() {
        let result = Config::new().history_dir("runs").check();
        if cfg!(feature = "json") {
            assert!(result.is_ok());
        } else {
            assert_eq!(
                result.unwrap_err().to_string(),
                r#"Config::history_dir("runs") needs the `json` feature of profiler-runtime, which is off: turn it on in Cargo.toml"#
            );
        }
    }

    #[test]
    fn a_json_output_needs_the_json_feature() {
        let result = Config::new().out("run.json").check();
        if cfg!(feature = "json") {
            assert!(result.is_ok());
        } else {
            let err = result.unwrap_err().to_string();
            assert!(
                err.starts_with(r#"Config::out("run.json") needs the `json` feature"#),
                "{err}"
            );
        }
    }
}
