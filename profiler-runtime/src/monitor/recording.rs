//! The monitor's recording methods: cache lookups, paid API calls, custom
//! counters, manual operations and stages. Each is a no-op while the monitor
//! (or the process) is disabled.

use super::Monitor;
use crate::record::shards::counter::Counter;
use crate::record::shards::recorder::Recorder;
use crate::record::storage::reading::Fixed;
use crate::record::sync::lock;
use crate::state::cache_names::{self, CacheCounters, Field};
use crate::state::operation::{Operation, OperationSite};
use crate::state::stage::Stage;

impl Monitor {
    pub(crate) fn recorder(&self) -> &'static Recorder {
        self.core().recorder
    }

    /// Counts one cache hit (for the hit rate in the report).
    pub fn record_cache_hit(&self) {
        self.recorder().add_fixed(Fixed::CacheHits, 1);
    }

    /// Counts one cache miss.
    pub fn record_cache_miss(&self) {
        self.recorder().add_fixed(Fixed::CacheMisses, 1);
    }

    /// Counts `hits` cache hits and `misses` misses at once.
    pub fn record_cache(&self, hits: u64, misses: u64) {
        let recorder = self.recorder();
        recorder.add_fixed(Fixed::CacheHits, hits);
        recorder.add_fixed(Fixed::CacheMisses, misses);
    }

    /// The counters of the cache named `name` in this monitor: the name
    /// admitted among the monitor's cache names (at most
    /// [`MAX_CACHE_NAMES`](crate::MAX_CACHE_NAMES)), each figure's counter
    /// registered. Taken once per cache and monitor.
    // Only `MonitoredCache` takes them, which is behind the `cache` feature.
    #[cfg_attr(not(feature = "cache"), allow(dead_code))]
    pub(crate) fn cache_counters(&self, name: &str) -> CacheCounters {
        let name = self.core().cache_names.admit(name);
        let counter = |field| self.counter(&cache_names::counter_name(&name, field));
        CacheCounters {
            hits: counter(Field::Hits),
            misses: counter(Field::Misses),
            evictions: counter(Field::Evictions),
            expirations: counter(Field::Expirations),
        }
    }

    /// Whether `self` and `other` are the same monitor.
    // Only `MonitoredCache` asks, which is behind the `cache` feature.
    #[cfg_attr(not(feature = "cache"), allow(dead_code))]
    pub(crate) fn is(&self, other: &Monitor) -> bool {
        std::ptr::eq(self.inner, other.inner)
    }

    /// Counts one call to a paid API: the tokens it used, its estimated cost in
    /// US dollars, and whether it failed.
    ///
    /// Costs add up exactly to the billionth of a dollar; a negative or
    /// non-finite cost counts as zero.
    ///
    /// ```
    /// let m = profiler_runtime::Monitor::new();
    /// m.start_session("llm");
    /// m.record_api_call(1_200, 0.012, false);
    /// m.record_api_call(300, 0.003, true);
    /// let api = m.end_session().unwrap().api;
    /// assert_eq!((api.calls, api.errors, api.tokens), (2, 1, 1_500));
    /// assert!((api.cost_usd - 0.015).abs() < 1e-12);
    /// ```
    pub fn record_api_call(&self, tokens: u64, cost_usd: f64, error: bool) {
        let nano_usd = super::api_call::nano_usd(cost_usd);
        let recorder = self.recorder();
        recorder.add_fixed(Fixed::ApiCalls, 1);
        recorder.add_fixed(Fixed::ApiErrors, u64::from(error));
        recorder.add_fixed(Fixed::ApiTokens, tokens);
        recorder.add_fixed(Fixed::ApiCostNanoUsd, nano_usd);
    }

    /// Adds `n` to the custom counter `name`, creating it on first use.
    ///
    /// This looks the name up each time; in a hot loop, take a [`Counter`]
    /// handle once with [`Monitor::counter`].
    pub fn add_count(&self, name: &str, n: u64) {
        self.counter(name).add(n);
    }

    /// A handle to the custom counter `name`: adding through it does no lookup.
    ///
    /// ```
    /// let m = profiler_runtime::Monitor::new();
    /// m.start_session("rows");
    /// let rows = m.counter("rows_written");
    /// for _ in 0..10 { rows.add(100); }
    /// assert_eq!(m.end_session().unwrap().counters["rows_written"], 1_000);
    /// ```
    pub fn counter(&self, name: &str) -> Counter {
        Counter::new(self.recorder(), name)
    }

    /// Starts timing an operation that cannot be annotated with `#[monitor]`.
    /// It is recorded under `name` when finished, failed or dropped.
    ///
    /// ```
    /// let m = profiler_runtime::Monitor::new();
    /// m.start_session("manual");
    /// let mut op = m.start_operation("import_file");
    /// op.metadata("path", "data/users.csv");
    /// op.fail("bad header");
    /// let report = m.end_session().unwrap();
    /// let row = report.operation("import_file").unwrap();
    /// assert_eq!((row.calls, row.failures), (1, 1));
    /// assert_eq!(row.last_error.as_deref(), Some("bad header"));
    /// ```
    ///
    /// This looks the name up each time (a lock and a hash); where operations
    /// start in a hot loop, take an [`OperationSite`] once with
    /// [`Monitor::operation`].
    pub fn start_operation(&self, name: &str) -> Operation {
        self.operation(name).start()
    }

    /// A handle to the manual operation `name`: starting through it does no
    /// lookup.
    ///
    /// ```
    /// let m = profiler_runtime::Monitor::new();
    /// m.start_session("rows");
    /// let write = m.operation("write_row");
    /// for _ in 0..3 {
    ///     write.start().finish();
    /// }
    /// assert_eq!(m.end_session().unwrap().operation("write_row").unwrap().calls, 3);
    /// ```
    pub fn operation(&self, name: &str) -> OperationSite {
        OperationSite::new(self.core(), name, None)
    }

    /// Raises a quality flag: something the code noticed about the data or
    /// the run ("12 malformed rows"), which the session's report lists in
    /// `flags` and among its findings. A monitor keeps the latest
    /// [`MAX_FLAGS`](crate::MAX_FLAGS); a session's report counts what it
    /// dropped. Takes a lock: for events, not for every row. Not recorded
    /// while the monitor is off.
    ///
    /// ```
    /// use profiler_runtime::{Monitor, Severity};
    ///
    /// let m = Monitor::new();
    /// m.start_session("import");
    /// m.flag(Severity::Warning, format_args!("{} malformed rows", 12));
    /// let report = m.end_session().unwrap();
    /// assert_eq!(report.flags[0].message, "12 malformed rows");
    /// assert!(report.findings.iter().any(|f| f.kind == "flag" && f.message == "12 malformed rows"));
    /// ```
    pub fn flag(&self, severity: crate::Severity, message: impl std::fmt::Display) {
        let core = self.core();
        if !core.recorder.records() {
            return;
        }
        let message = message.to_string();
        lock(&core.flags).push(crate::record::clock::now(), severity, &message);
    }

    /// [`Monitor::start_operation`] for an operation of `component`, which
    /// the report's component table rolls it into (as
    /// `#[monitor(component = "..")]` does for functions).
    pub fn start_operation_in(&self, component: &str, name: &str) -> Operation {
        self.operation_in(component, name).start()
    }

    /// [`Monitor::operation`] for an operation of `component`. A name keeps
    /// the component it was first given.
    ///
    /// ```
    /// let m = profiler_runtime::Monitor::new();
    /// m.start_session("components");
    /// m.operation_in("storage", "flush").start().finish();
    /// let report = m.end_session().unwrap();
    /// assert_eq!(report.operation("flush").unwrap().component.as_deref(), Some("storage"));
    /// assert_eq!(report.components[0].name, "storage");
    /// ```
    pub fn operation_in(&self, component: &str, name: &str) -> OperationSite {
        OperationSite::new(self.core(), name, Some(component))
    }

    /// Starts a stage of work whose throughput (items per second) the report
    /// shows. Add items with [`Stage::items`]; the stage ends when dropped.
    ///
    /// ```
    /// let m = profiler_runtime::Monitor::new();
    /// m.start_session("etl");
    /// {
    ///     let parsing = m.stage("parsing");
    ///     parsing.items(50_000);
    /// }
    /// let report = m.end_session().unwrap();
    /// assert_eq!(report.stages[0].items, 50_000);
    /// ```
    pub fn stage(&self, name: &str) -> Stage {
        Stage::start(self.core(), name, None)
    }

    /// [`Monitor::stage`] for a stage of `component`: the report's stage
    /// row names it, and the component's roll-up counts the stage's runs
    /// and time. A name keeps the component it was first given.
    ///
    /// ```
    /// let m = profiler_runtime::Monitor::new();
    /// m.start_session("etl");
    /// m.stage_in("ingest", "parsing").items(10);
    /// let report = m.end_session().unwrap();
    /// assert_eq!(report.stages[0].component.as_deref(), Some("ingest"));
    /// assert_eq!(report.components[0].name, "ingest");
    /// assert_eq!(report.components[0].stages, 1);
    /// ```
    pub fn stage_in(&self, component: &str, name: &str) -> Stage {
        Stage::start(self.core(), name, Some(component))
    }
}
