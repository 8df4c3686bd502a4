//! Find where a Rust program spends its time, its cache hits and its API
//! money, at a few nanoseconds per instrumented call.
//!
//! Annotate functions with [`#[monitor]`](macro@monitor), count cache hits and
//! paid API calls on the [`Monitor`], and print the session's report:
//!
//! ```
//! use profiler_runtime::monitor;
//!
//! #[monitor("load_config")]
//! fn load_config(path: &str) -> Result<String, std::io::Error> {
//!     Ok(format!("config from {path}"))
//! }
//!
//! #[monitor] // named after its path: `parse` here
//! fn parse(input: &str) -> Vec<u32> {
//!     input.split(',').filter_map(|s| s.trim().parse().ok()).collect()
//! }
//!
//! # fn main() {
//! let m = profiler_runtime::global();
//! m.start_session("doc-example");
//! load_config("app.toml").unwrap();
//! parse("1, 2, 3");
//! m.record_cache_hit();
//! m.record_api_call(1_200, 0.012, false);
//! let report = m.end_session().expect("a session was running");
//! println!("{report}");
//! assert_eq!(report.operation("load_config").unwrap().calls, 1);
//! # }
//! ```
//!
//! # How it stays cheap
//!
//! Every annotated function owns a `static` [callsite](private::Callsite)
//! that gets a dense slot index on its first call. Each thread writes only its
//! own shard of slots (no shared cache line, no lock, no allocation, no
//! hashing); the clock is the CPU's time-stamp counter. Reports are built by
//! reading all shards, off the per-call path. See the README for measurements.
//!
//! # Features
//!
//! - `enabled` (default): instrumentation on. Without it `#[monitor]` leaves
//!   functions unchanged.
//! - `tsc` (default): time with the TSC through `quanta`; otherwise `Instant`.
//! - `json`: `SessionReport::to_json` and friends, and `.json` output paths.
//! - `config-file`: [`Config::from_file`] and `PROFILER_CONFIG`, through `toml`.
//! - `clap`: `ProfileArgs`, the `--profile` flags for a clap parser.
//! - `progress`: a progress bar on stderr (through `indicatif`) for a
//!   recorded stage given a total with [`Stage::expect`], while stderr is a
//!   terminal.
//!
//! # Configuration
//!
//! [`Config`] sets a monitor's level, memory interval, output path, history,
//! stage thresholds and switch, from code, the environment
//! ([`Config::from_env`]) or a file; [`ProfileFlags`] reads the `--profile`
//! flags. Which wins is one rule, the environment first and then what the
//! program does, later over earlier: see [`Config`'s precedence](Config#precedence).
#![deny(missing_docs)]
#![warn(rust_2018_idioms, unreachable_pub)]

// Layers, bottom up; each imports only those below it.
mod config; // settings from code, the environment, a file and the flags
mod error;
mod export; // renderers for other tools: folded stacks, Chrome trace
mod history; // the run history directory: saving, pruning, loading
mod integrations; // instrumented pieces on the facade: the monitored cache
mod monitor; // the facade
mod record; // the per-call path: callsites, clock, shards, guards, futures
mod report; // the report as data, its findings and renderers
mod resources; // process memory and CPU (sysinfo), beside the state
#[cfg(feature = "serve")]
mod serve; // the HTTP endpoint: /metrics, /report.json, the dashboard
mod session; // sessions: readings, differences, history
mod state; // what a monitor's layers share: recorder, stages, event log

#[doc(hidden)]
pub mod private;

#[doc(hidden)]
pub use private as __private;
/// The `tracing` bridge (feature `tracing`): [`tracing::MonitorLayer`]
/// records `tracing` spans as operations of a monitor.
#[cfg(feature = "tracing")]
pub mod tracing {
    pub use crate::integrations::tracing::MonitorLayer;
}

#[cfg(feature = "clap")]
pub use config::args::ProfileArgs;
pub use config::flags::{ProfileFlags, PROFILE_FLAG, PROFILE_LEVEL_FLAG, PROFILE_OUT_FLAG};
pub use config::{Config, CONFIG_KEYS};
pub use error::{ConfigSource, Error};
pub use history::DEFAULT_HISTORY_FILES;
#[cfg(feature = "json")]
pub use history::{load_history, load_report, SavedRun, SavedRuns};
#[cfg(feature = "cache")]
pub use integrations::cache::{CacheBuilder, CacheCounts, MonitoredCache};
pub use monitor::ApiCall;
pub use monitor::{
    current, default_sample_rate, disable, enable, global, is_enabled, set_default_sample_rate,
    Bound, Monitor, Session,
};
pub use record::call::panic_text::{capture_panic_messages, capturing_panic_messages};
pub use record::detail::trace::EVENTS_PER_THREAD;
pub use record::shards::counter::Counter;
pub use record::shards::shard::MAX_COUNTERS;
pub use record::sites::registry::MAX_CALLSITES;
pub use record::storage::error_text::MAX_ERROR_TEXT;
pub use record::storage::histogram::{Histogram, MAX_RELATIVE_ERROR};
pub use report::alerts::{Alert, AlertKind};
pub use report::compare::{
    Change, CompareOptions, Comparison, Judgement, Measure, Mismatch, OperationChange,
    OperationPresence, Outcome, RunId, Verdict, DEFAULT_MIN_CALLS, DEFAULT_SIGNIFICANCE,
    DEFAULT_THRESHOLD_PCT, MIN_SPREAD_RUNS, P99_BAR_FACTOR, P99_MIN_CALLS,
    PERCENTILE_RESOLUTION_PCT,
};
pub use report::findings::{
    BLOCKING_BUSY_SHARE, BLOCKING_POLL_NS, BOTTLENECK_COUNT, DOMINANT_SHARE,
};
pub use report::trend::{Direction, Trend, TrendOptions, Trends};
pub use report::windows::{OperationWindows, WindowCounts, WindowTracker, Windows};
pub use report::NamedCacheStats;
pub use report::{
    ApiStats, Bottleneck, CacheStats, CallEdge, CallEvent, CallEventKind, CallPath, CallTrace,
    CallTree, ComponentStats, CpuTime, Crossing, Dropped, Finding, HeapStats, HeapUse, MemoryPoint,
    MemoryStats, ModelSpend, OperationEvent, OperationKind, OperationStats, Polling, ProcessStats,
    QualityFlag, Recording, SessionReport, Severity, StageHeap, StageMemory, StageProgress,
    StageSpan, StageStats, WallShare, MAX_CALL_PATHS, MAX_TRACE_EVENTS, SCHEMA_VERSION,
    STAGE_EFFICIENCY_THRESHOLD,
};
pub use resources::allocator::CountingAllocator;
pub use resources::timeline::TIMELINE_POINTS;
#[cfg(feature = "serve")]
pub use serve::{serve, ServeHandle, ServeOptions, MAX_CONNECTIONS};
pub use session::DEFAULT_HISTORY_CAPACITY;
pub use state::api_models::{MAX_API_MODELS, OTHER_MODEL};
pub use state::cache_names::{MAX_CACHE_NAMES, OTHER_CACHES};
pub use state::events::{EVENT_LOG_CAPACITY, MAX_METADATA, MAX_METADATA_TEXT};
pub use state::flags::{MAX_FLAGS, MAX_FLAG_TEXT};
pub use state::level::{Level, DEFAULT_MEMORY_INTERVAL, MAX_MEMORY_INTERVAL, MIN_MEMORY_INTERVAL};
pub use state::operation::{Operation, OperationSite};
pub use state::stage::{Stage, MAX_STAGES};

/// Instruments a function: times every call, counts failures and records it in
/// the current [`Monitor`]. The options are described on the attribute itself;
/// these are its examples, run as tests.
///
/// A bare `#[monitor]` names the operation after the function's path inside
/// its crate; a method's name includes its type:
///
/// ```
/// use profiler_runtime::{monitor, Monitor};
///
/// #[monitor]
/// fn parse(input: &str) -> Vec<u32> {
///     input.split(',').filter_map(|s| s.trim().parse().ok()).collect()
/// }
///
/// struct Cache;
///
/// impl Cache {
///     #[monitor]
///     fn get(&self, key: u32) -> Option<u32> {
///         Some(key)
///     }
/// }
///
/// # fn main() {
/// let m = Monitor::new();
/// m.start_session("names");
/// m.scope(|| {
///     parse("1, 2");
///     Cache.get(1);
/// });
/// let report = m.end_session().unwrap();
/// assert_eq!(report.operation("parse").unwrap().calls, 1);
/// assert_eq!(report.operation("Cache::get").unwrap().calls, 1);
/// # }
/// ```
///
/// On an `impl` block (or a trait), every method with a body is
/// instrumented and named after its type; a method's own attribute wins:
///
/// ```
/// use profiler_runtime::{monitor, Monitor};
///
/// struct Store;
///
/// #[monitor(slow = "1s")]
/// impl Store {
///     fn get(&self, key: u32) -> Option<u32> {
///         Some(key)
///     }
///
///     #[monitor("store_put")]
///     fn put(&self, _key: u32) {}
///
///     const fn capacity() -> usize {
///         64 // left alone: still usable in const context
///     }
/// }
///
/// const CAPACITY: usize = Store::capacity();
///
/// # fn main() {
/// let m = Monitor::new();
/// m.start_session("impl");
/// m.scope(|| {
///     Store.get(1);
///     Store.put(CAPACITY as u32);
/// });
/// let report = m.end_session().unwrap();
/// assert_eq!(report.operation("Store::get").unwrap().calls, 1);
/// assert_eq!(report.operation("store_put").unwrap().calls, 1);
/// # }
/// ```
///
/// `slow` counts calls at or over a threshold:
///
/// ```
/// use profiler_runtime::{monitor, Monitor};
///
/// #[monitor(name = "nap", slow = "1ms")]
/// fn nap() {
///     std::thread::sleep(std::time::Duration::from_millis(2));
/// }
///
/// let m = Monitor::new();
/// m.start_session("slow");
/// m.scope(nap);
/// assert_eq!(m.end_session().unwrap().operation("nap").unwrap().slow_calls, 1);
/// ```
///
/// `component` rolls operations up per component:
///
/// ```
/// use profiler_runtime::{monitor, Monitor};
///
/// #[monitor(component = "storage")]
/// fn flush() {}
///
/// let m = Monitor::new();
/// m.start_session("components");
/// m.scope(flush);
/// let report = m.end_session().unwrap();
/// assert_eq!(report.components[0].name, "storage");
/// assert_eq!(report.components[0].calls, 1);
/// ```
///
/// `sample = N` times one call in N (chosen at random) and counts every call;
/// the report's total and mean are then estimates, and say so:
///
/// ```
/// use profiler_runtime::{monitor, Monitor};
///
/// #[monitor(name = "hash", sample = 64)]
/// fn hash(x: u64) -> u64 {
///     x.wrapping_mul(0x9E37_79B9_7F4A_7C15)
/// }
///
/// let m = Monitor::new();
/// m.start_session("sampled");
/// m.scope(|| (0..10_000).for_each(|i| { hash(i); }));
/// let report = m.end_session().unwrap();
/// let op = report.operation("hash").unwrap();
/// assert_eq!(op.calls, 10_000);
/// assert!(op.estimated && op.timed_calls < 1_000);
/// assert!(report.to_text().contains("calls timed; ~ marks estimates"));
/// ```
///
/// `crate` points the generated code at a re-export of this crate:
///
/// ```
/// mod rt {
///     pub use profiler_runtime::*;
/// }
///
/// #[rt::monitor(crate = "crate::rt")]
/// fn through_a_reexport() -> u8 {
///     1
/// }
///
/// fn main() {
///     assert_eq!(through_a_reexport(), 1);
/// }
/// ```
///
/// Every way out is one call; an `Err` is a failure with its text:
///
/// ```
/// use profiler_runtime::{monitor, Monitor};
///
/// #[monitor]
/// fn port(text: &str) -> Result<u16, std::num::ParseIntError> {
///     let port = text.parse()?;
///     Ok(port)
/// }
///
/// # fn main() {
/// let m = Monitor::new();
/// m.start_session("outcomes");
/// m.scope(|| {
///     assert_eq!(port("80"), Ok(80));
///     assert!(port("eighty").is_err());
/// });
/// let report = m.end_session().unwrap();
/// let row = report.operation("port").unwrap();
/// assert_eq!((row.calls, row.failures), (2, 1));
/// assert_eq!(row.last_error.as_deref(), Some("invalid digit found in string"));
/// # }
/// ```
///
/// An `async fn` is timed from its first poll to its completion:
///
/// ```
/// use profiler_runtime::{monitor, Monitor};
///
/// #[monitor]
/// async fn fetch(id: u32) -> Result<u32, String> {
///     Ok(id)
/// }
///
/// # fn main() {
/// let m = Monitor::new();
/// m.start_session("async");
/// let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
/// rt.block_on(m.bind(fetch(1))).unwrap();
/// assert_eq!(m.end_session().unwrap().operation("fetch").unwrap().calls, 1);
/// # }
/// ```
pub use profiler_macros::monitor;
