//! The [`Monitor`]: the facade on top, where instrumented calls, counters,
//! stages and sessions meet. The process has one global monitor ([`global`]);
//! tests and embedders make their own and route calls to them with
//! [`Monitor::scope`] and [`Monitor::bind`].
//!
//! Each method hands its work to the layer below that owns it: recording
//! (`record`), shared state (`state`), sessions (`session`), the report
//! (`report`). This module only binds them together per monitor.

mod api_call;
pub use api_call::ApiCall;
mod configure;
mod recording;
mod sessions;

pub use sessions::Session;

use crate::history;
use crate::record::shards::local;
use crate::record::shards::switch;
use crate::report::SessionReport;
use crate::session::Sessions;
use crate::state::level::Level;
use crate::state::{self, Core};
use pin_project_lite::pin_project;
use std::cell::Cell;
use std::fmt;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Mutex;
use std::task::{Context, Poll};

/// One monitor: its shared state, its sessions and where their reports go.
struct Inner {
    core: &'static Core,
    sessions: Mutex<Sessions<SessionReport>>,
    /// Where each ended session's report is written (`Config::out`).
    out: Mutex<Option<PathBuf>>,
    /// Where each ended session is saved as a run (`Config::history_dir`).
    history: Mutex<history::Target>,
    /// What `on_alert` registered.
    alert_handlers: Mutex<Vec<AlertHandler>>,
    /// Sessions whose memory growth was alerted while they ran, by
    /// sequence, so their end does not alert it again.
    alerted_live: Mutex<Vec<u64>>,
}

/// A callback `Monitor::on_alert` registered.
type AlertHandler = std::sync::Arc<dyn Fn(&crate::report::alerts::Alert) + Send + Sync>;

static GLOBAL_INNER: Inner = Inner {
    core: &state::GLOBAL,
    sessions: Mutex::new(Sessions::new()),
    out: Mutex::new(None),
    history: Mutex::new(history::Target::new()),
    alert_handlers: Mutex::new(Vec::new()),
    alerted_live: Mutex::new(Vec::new()),
};
static GLOBAL: Monitor = Monitor { inner: &GLOBAL_INNER };

thread_local! {
    /// The monitor a `scope` or `bind` routes this thread to, for [`current`].
    /// The per-call path keeps its own route (`record::shards::local`), set alongside.
    static ROUTE: Cell<Option<&'static Inner>> = const { Cell::new(None) };
}

/// Times one call in `rate` (on average) of every `#[monitor]` function
/// that has no `sample = N` of its own; `1` (the default) times every call.
///
/// Every call is still counted exactly, with its failures, error texts,
/// panics and cancellations; the report estimates total and mean time from
/// the timed calls and says so (see [`OperationStats::estimated`]). Use it
/// when functions are called so often that two clock reads per call matter.
/// Functions with their own `sample = N` (including `sample = 1`) and manual
/// operations keep their rate. Takes effect for calls that start after it.
///
/// ```
/// profiler_runtime::set_default_sample_rate(64)?;
/// assert_eq!(profiler_runtime::default_sample_rate(), 64);
/// assert!(profiler_runtime::set_default_sample_rate(0).is_err());
/// profiler_runtime::set_default_sample_rate(1)?;
/// # Ok::<(), profiler_runtime::Error>(())
/// ```
///
/// [`OperationStats::estimated`]: crate::OperationStats::estimated
pub fn set_default_sample_rate(rate: u32) -> Result<(), crate::Error> {
    GLOBAL.read_environment(); // so that this call wins over the environment's file
    if rate == 0 {
        return Err(crate::Error::SampleRate { given: rate });
    }
    crate::record::sites::callsite::set_default_rate(rate);
    Ok(())
}

/// The rate [`set_default_sample_rate`] set: 1 unless it was changed.
pub fn default_sample_rate() -> u32 {
    crate::record::sites::callsite::default_rate()
}

/// Turns recording on for the whole process (it starts on).
///
/// ```
/// profiler_runtime::disable();
/// assert!(!profiler_runtime::is_enabled());
/// profiler_runtime::enable();
/// assert!(profiler_runtime::is_enabled());
/// ```
pub fn enable() {
    switch::set_process(true);
}

/// Turns recording off for the whole process, for every monitor: no call,
/// cache lookup, API call, counter, stage or manual operation is recorded
/// until [`enable`]. An instrumented call then costs one relaxed load and a
/// branch. Data already recorded is kept, and sessions still start and end.
pub fn disable() {
    switch::set_process(false);
}

/// Whether recording is on for the process (see [`enable`], [`disable`]).
pub fn is_enabled() -> bool {
    switch::process_on()
}

/// Collects timings, counters and stages, and turns them into session reports.
///
/// Use the process-wide [`global`] monitor, which `#[monitor]` records into, or
/// make your own with [`Monitor::new`] and route calls to it with
/// [`Monitor::scope`] (threads) and [`Monitor::bind`] (futures), as tests do.
///
/// ```
/// use profiler_runtime::{monitor, Monitor};
///
/// #[monitor("double")]
/// fn double(x: u64) -> u64 { x * 2 }
///
/// let m = Monitor::new();
/// m.start_session("doc");
/// m.scope(|| { double(2); double(3); });
/// m.record_cache_hit();
/// let report = m.end_session().unwrap();
/// assert_eq!(report.operation("double").unwrap().calls, 2);
/// assert_eq!(report.cache.hits, 1);
/// ```
// Not `Copy`: it was `Clone` only, and adding `Copy` would make clippy flag
// users' existing `.clone()` calls.
#[derive(Clone)]
pub struct Monitor {
    inner: &'static Inner,
}

impl fmt::Debug for Monitor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Monitor")
            .field("global", &std::ptr::eq(self.inner, &GLOBAL_INNER))
            .field("enabled", &self.is_enabled())
            .field("threads", &self.core().recorder.shard_count())
            .finish()
    }
}

/// The process-wide monitor that `#[monitor]` functions record into (unless a
/// [`Monitor::scope`] routes them elsewhere). Needs no set-up.
///
/// ```
/// let m = profiler_runtime::global();
/// m.start_session("startup");
/// m.add_count("files", 3);
/// let report = m.end_session().unwrap();
/// assert_eq!(report.counters["files"], 3);
/// ```
pub fn global() -> &'static Monitor {
    &GLOBAL
}

/// The monitor this thread's instrumented calls record into right now: the
/// innermost [`Monitor::scope`] or [`Monitor::bind`], else [`global`].
///
/// Record counters through it in library code, so a caller's scope (a test's
/// own monitor, say) sees them too.
///
/// ```
/// let m = profiler_runtime::Monitor::new();
/// m.start_session("current");
/// m.scope(|| profiler_runtime::current().record_cache_hit());
/// assert_eq!(m.end_session().unwrap().cache.hits, 1);
/// ```
pub fn current() -> Monitor {
    Monitor { inner: ROUTE.get().unwrap_or(&GLOBAL_INNER) }
}

impl Default for Monitor {
    fn default() -> Self {
        Monitor::new()
    }
}

/// Routes this thread to a monitor until dropped, then back to the previous.
struct RouteGuard {
    previous: Option<&'static Inner>,
    previous_recorder: Option<&'static crate::record::shards::recorder::Recorder>,
}

impl RouteGuard {
    fn set(inner: &'static Inner) -> RouteGuard {
        RouteGuard {
            previous: ROUTE.replace(Some(inner)),
            previous_recorder: local::set_route(Some(inner.core.recorder)),
        }
    }
}

impl Drop for RouteGuard {
    fn drop(&mut self) {
        ROUTE.set(self.previous);
        local::set_route(self.previous_recorder);
    }
}

impl Monitor {
    /// A new, independent monitor.
    ///
    /// Its storage is never freed: instrumented calls hold plain `'static`
    /// references into it so the per-call path never touches a reference
    /// count. Make a bounded number of monitors (one per test, say); dropping a
    /// `Monitor` handle does not free it. Each thread that records into it
    /// takes a shard of a few KiB plus about 400 bytes per distinct callsite
    /// it calls (a slot and its histogram pages; `examples/scale.rs` measures
    /// it), resident from the first call, so memory does not grow later. The
    /// detailed level adds 64 bytes per callsite a thread calls, the full
    /// level a 1 MiB event log per thread.
    pub fn new() -> Monitor {
        let inner = Inner {
            core: Core::leak(),
            sessions: Mutex::new(Sessions::new()),
            out: Mutex::new(None),
            history: Mutex::new(history::Target::new()),
            alert_handlers: Mutex::new(Vec::new()),
            alerted_live: Mutex::new(Vec::new()),
        };
        Monitor { inner: Box::leak(Box::new(inner)) }
    }

    fn core(&self) -> &'static Core {
        self.inner.core
    }

    /// Resumes recording into this monitor.
    pub fn enable(&self) {
        self.read_environment();
        self.core().recorder.set_enabled(true);
    }

    /// Sets what the monitor records beyond call timing (see [`Level`]).
    /// The per-call measures (CPU time and allocations at
    /// [`Level::Detailed`], the event log at [`Level::Full`]) start with the
    /// calls that start after this; the memory sampler, the session's heap
    /// and the trace with the next session.
    ///
    /// ```
    /// use profiler_runtime::{Level, Monitor};
    /// use std::time::Duration;
    ///
    /// let m = Monitor::new();
    /// m.set_level(Level::Detailed);
    /// m.set_memory_interval(Duration::from_millis(5)).unwrap();
    /// m.start_session("job");
    /// std::thread::sleep(Duration::from_millis(30));
    /// let report = m.end_session().unwrap();
    /// let memory = report.memory.expect("detailed sessions read memory");
    /// assert!(memory.readings >= 2 && memory.peak_bytes >= memory.start_bytes);
    /// ```
    pub fn set_level(&self, level: Level) {
        self.read_environment();
        self.put_level(level);
    }

    /// Sets the level in the settings (read when sessions start) and the
    /// recorder's mode (read by every call), without the environment.
    fn put_level(&self, level: Level) {
        self.core().settings.set_level(level);
        self.core().recorder.set_detail(level >= Level::Detailed, level >= Level::Full);
    }

    /// The monitor's level ([`Level::Basic`] unless set).
    pub fn level(&self) -> Level {
        self.read_environment();
        self.core().settings.level()
    }

    /// How often the memory sampler reads, from the next session on (default
    /// 100 ms); an interval under 1 ms or over an hour is an
    /// [`Error::MemoryInterval`](crate::Error::MemoryInterval).
    pub fn set_memory_interval(&self, interval: std::time::Duration) -> Result<(), crate::Error> {
        self.read_environment();
        self.core().settings.set_memory_interval(interval)
    }

    /// Stops recording into this monitor: calls routed here are not timed,
    /// and cache lookups, API calls, counters, stages and manual operations
    /// are not counted. Sessions still start and end (with nothing in them).
    /// Data already recorded is kept.
    ///
    /// While every monitor is disabled (`global().disable()` in a program
    /// with no other monitor), an instrumented call costs one load and a
    /// branch, as with the process-wide [`disable`]. While another monitor is
    /// still enabled, calls routed here also check this one's switch, out of
    /// line.
    ///
    /// ```
    /// let m = profiler_runtime::Monitor::new();
    /// m.start_session("quiet");
    /// m.disable();
    /// m.record_cache_hit();
    /// m.add_count("rows", 10);
    /// m.enable();
    /// m.record_cache_miss();
    /// let report = m.end_session().unwrap();
    /// assert_eq!((report.cache.hits, report.cache.misses), (0, 1));
    /// assert!(report.counters.is_empty());
    /// ```
    pub fn disable(&self) {
        self.read_environment();
        self.core().recorder.set_enabled(false);
    }

    /// Whether this monitor records (its own switch; see also [`is_enabled`]).
    pub fn is_enabled(&self) -> bool {
        self.read_environment();
        self.core().recorder.is_enabled()
    }

    /// Runs `f` with this thread's instrumented calls recorded into this
    /// monitor instead of the global one. Nested scopes restore the outer one.
    pub fn scope<R>(&self, f: impl FnOnce() -> R) -> R {
        let _route = RouteGuard::set(self.inner);
        f()
    }

    /// Wraps a future so every poll of it (and of what it awaits) records into
    /// this monitor, on whichever thread polls it.
    ///
    /// ```
    /// # use profiler_runtime::{monitor, Monitor};
    /// #[monitor]
    /// async fn fetch() -> u8 { 7 }
    ///
    /// let m = Monitor::new();
    /// m.start_session("bind");
    /// let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    /// assert_eq!(rt.block_on(m.bind(fetch())), 7);
    /// assert_eq!(m.end_session().unwrap().operations[0].calls, 1);
    /// ```
    pub fn bind<F: Future>(&self, future: F) -> Bound<F> {
        Bound { inner: future, monitor: self.inner }
    }
}

pin_project! {
    /// A future whose polls record into a chosen monitor; see [`Monitor::bind`].
    pub struct Bound<F> {
        #[pin]
        inner: F,
        monitor: &'static Inner,
    }
}

impl<F> fmt::Debug for Bound<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Bound").finish_non_exhaustive()
    }
}

impl<F: Future> Future for Bound<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let _route = RouteGuard::set(this.monitor);
        this.inner.poll(cx)
    }
}
