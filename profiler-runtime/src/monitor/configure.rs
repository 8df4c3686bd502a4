//! Applying a [`Config`] to a monitor, the global monitor's own reading of
//! the environment, and [`ProfileFlags::apply`] (which needs a monitor, so it
//! lives here, above the configuration layer).

use super::{Monitor, GLOBAL_INNER};
use crate::config::flags::ProfileFlags;
use crate::config::{env, Config};
use crate::record::sites::callsite;
use crate::record::sync::lock;
use crate::Error;
use std::ffi::OsStr;
use std::io::Write;
use std::sync::Once;

/// Whether the global monitor has read the environment.
static ENVIRONMENT: Once = Once::new();

impl Monitor {
    /// Applies every setting `config` sets, leaving the others as they are;
    /// if any value is not allowed, applies none and returns the error.
    ///
    /// `sample_rate` is process-wide (see
    /// [`set_default_sample_rate`](crate::set_default_sample_rate)); the
    /// other settings are this monitor's. The level and the memory interval
    /// take effect from the next session, the thresholds when a report is
    /// next built, `out` when a session next ends.
    ///
    /// The global monitor first reads the environment (once per process:
    /// [`Config::from_env`], where a value that is not allowed prints one
    /// line to stderr, `profiler: <error>; using the default`, and leaves
    /// that setting alone), so code configures over it. It does so too when
    /// its first session starts, ends or reports, and when one of its
    /// settings is first read or set. Monitors made with [`Monitor::new`]
    /// never read the environment.
    ///
    /// ```
    /// use profiler_runtime::{Config, Level, Monitor};
    ///
    /// let m = Monitor::new();
    /// m.configure(&Config::new().level(Level::Full).history(2))?;
    /// assert_eq!(m.level(), Level::Full);
    /// m.configure(&Config::new().history(4))?; // the level stays
    /// assert_eq!(m.level(), Level::Full);
    /// # Ok::<(), profiler_runtime::Error>(())
    /// ```
    pub fn configure(&self, config: &Config) -> Result<(), Error> {
        self.read_environment();
        self.apply(config)
    }

    fn apply(&self, config: &Config) -> Result<(), Error> {
        config.check()?;
        let core = self.core();
        if let Some(on) = config.enabled {
            core.recorder.set_enabled(on);
        }
        if let Some(level) = config.level {
            self.put_level(level);
        }
        if let Some(interval) = config.memory_interval {
            core.settings.set_memory_interval(interval)?;
        }
        if let Some(path) = &config.out {
            *lock(&self.inner.out) = Some(path.clone());
        }
        if let Some(rate) = config.sample_rate {
            callsite::set_default_rate(rate);
        }
        if let Some(sessions) = config.history {
            lock(&self.inner.sessions).set_capacity(sessions);
        }
        if let Some(floor) = config.stage_min_items_per_sec {
            core.thresholds.set_stage_min_items_per_sec(floor);
        }
        if let Some(threshold) = config.stage_efficiency_threshold {
            core.thresholds.set_stage_efficiency_threshold(threshold);
        }
        if let Some(on) = config.capture_panics {
            crate::record::call::panic_text::capture_panic_messages(on);
        }
        if let Some(slow) = config.slow {
            core.thresholds.set_default_slow_ns(slow.as_nanos() as u64);
        }
        if let Some(bytes) = config.memory_growth_per_min {
            core.thresholds.set_memory_growth_per_min(bytes);
        }
        if let Some(depth) = config.module_components {
            core.thresholds.set_module_components(depth);
        }
        let mut history = lock(&self.inner.history);
        if let Some(dir) = &config.history_dir {
            history.dir = Some(dir.clone());
        }
        if let Some(files) = config.history_files {
            history.files = files;
        }
        Ok(())
    }

    /// For the global monitor, the first time only: applies the
    /// environment's configuration, warning on stderr about what it cannot use.
    pub(super) fn read_environment(&self) {
        if std::ptr::eq(self.inner, &GLOBAL_INNER) {
            ENVIRONMENT
                .call_once(|| self.apply_environment(std::env::vars_os(), &mut std::io::stderr()));
        }
    }

    /// Applies the configuration in `vars`, writing one line to `warnings`
    /// for each setting it cannot use (which keeps its current value).
    fn apply_environment<I, K, V>(&self, vars: I, warnings: &mut dyn Write)
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<OsStr>,
        V: AsRef<OsStr>,
    {
        let read = env::read(vars);
        let failed = self.apply(&read.config).err();
        for problem in read.problems.iter().chain(&failed) {
            // A warning that cannot be written has nowhere better to go.
            let _ = writeln!(warnings, "profiler: {problem}; using the default");
        }
    }
}

impl ProfileFlags {
    /// Acts on the flags: with `--profile` (or a flag implying it),
    /// switches recording on for the process ([`enable`](crate::enable))
    /// and applies [`ProfileFlags::config`] to `monitor`, over what was set
    /// before (the environment included). Without a flag, switches recording
    /// off for the whole process ([`disable`](crate::disable)) unless the
    /// environment asks to profile: `PROFILER=1`, or `PROFILER_LEVEL` or
    /// `PROFILER_OUT` with `PROFILER` unset (as `--profile-level` and
    /// `--profile-out` imply `--profile`); then it leaves everything as the
    /// environment set it. See [`Config`'s precedence](crate::Config#precedence).
    ///
    /// ```
    /// use profiler_runtime::{Level, Monitor, ProfileFlags};
    ///
    /// let (flags, _rest) = ProfileFlags::from_args(["app", "--profile-level", "detailed"])?;
    /// let m = Monitor::new();
    /// flags.apply(&m)?;
    /// assert_eq!(m.level(), Level::Detailed);
    /// # Ok::<(), profiler_runtime::Error>(())
    /// ```
    pub fn apply(&self, monitor: &Monitor) -> Result<(), Error> {
        if self.profile {
            monitor.configure(&self.config())?;
            crate::enable();
        } else if !env::read(std::env::vars_os()).config.asks_to_profile() {
            crate::disable();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::level::Level;
    use std::time::Duration;

    fn warnings_of(m: &Monitor, vars: &[(&str, &str)]) -> Vec<String> {
        let mut out = Vec::new();
        m.apply_environment(vars.iter().copied(), &mut out);
        String::from_utf8(out).unwrap().lines().map(str::to_owned).collect()
    }

    #[test]
    fn the_environment_sets_what_it_can_and_warns_once_per_bad_setting() {
        let m = Monitor::new();
        m.set_memory_interval(Duration::from_millis(40)).unwrap();
        let warnings = warnings_of(
            &m,
            &[("PROFILER_LEVEL", "loud"), ("PROFILER_SAMPLE_MS", "0"), ("PROFILER", "off")],
        );
        assert_eq!(
            warnings,
            [
                r#"profiler: PROFILER_LEVEL="loud" is not allowed: give basic, detailed or full; using the default"#,
                r#"profiler: PROFILER_SAMPLE_MS="0" is not allowed: give a whole number of milliseconds from 1 to 3600000; using the default"#,
            ]
        );
        assert_eq!(m.level(), Level::Basic);
        assert_eq!(m.core().settings.memory_interval(), Duration::from_millis(40));
        assert!(!m.is_enabled(), "PROFILER=off was good and applied");
    }

    #[test]
    fn a_good_environment_applies_without_a_word() {
        let m = Monitor::new();
        let warnings =
            warnings_of(&m, &[("PROFILER_LEVEL", "detailed"), ("PROFILER_SAMPLE_MS", "15")]);
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(m.level(), Level::Detailed);
        let mode = m.core().recorder.mode();
        assert_ne!(
            mode & crate::record::shards::recorder::DETAILED,
            0,
            "calls record the detailed measures"
        );
        assert_eq!(m.core().settings.memory_interval(), Duration::from_millis(15));
    }

    #[cfg(feature = "config-file")]
    #[test]
    fn a_bad_key_in_the_environments_file_is_one_warning_and_the_rest_applies() {
        let dir =
            std::env::temp_dir().join(format!("profiler-unit-env-file-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("profiler.toml");
        std::fs::write(&path, "level = \"full\"\nhistroy = 3\nsample_ms = 12\n").unwrap();
        let m = Monitor::new();
        let path_text = path.to_str().unwrap();
        let warnings =
            warnings_of(&m, &[("PROFILER_CONFIG", path_text), ("PROFILER_SAMPLE_MS", "9")]);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0].starts_with(&format!(
                "profiler: {path_text}: unknown key \"histroy\": did you mean `history`?"
            )),
            "{}",
            warnings[0]
        );
        assert!(warnings[0].ends_with("; using the default"));
        assert_eq!(m.level(), Level::Full);
        // The variable wins over the file.
        assert_eq!(m.core().settings.memory_interval(), Duration::from_millis(9));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
