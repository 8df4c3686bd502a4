//! The [`Monitor`]: where instrumented calls, counters, stages and sessions
//! meet. The process has one global monitor ([`global`]); tests and embedders
//! can make their own and route calls to them with [`Monitor::scope`] and
//! [`Monitor::bind`].

use crate::aggregate::Totals;
use crate::counters::{self, Counter};
use crate::events::EventLog;
use crate::local::{self, RouteGuard};
use crate::operation::{Operation, OperationSite};
use crate::session::Sessions;
use crate::shard::{Fixed, Shard};
use crate::stage::{Stage, StageTable};
use pin_project_lite::pin_project;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::{Mutex, MutexGuard};
use std::task::{Context, Poll};

/// The process-wide switch checked first by every instrumented call.
static ENABLED: AtomicBool = AtomicBool::new(true);

/// Turns recording on for the whole process (it starts on).
///
/// ```
/// profiler_runtime::disable();
/// assert!(!profiler_runtime::is_enabled());
/// profiler_runtime::enable();
/// assert!(profiler_runtime::is_enabled());
/// ```
pub fn enable() {
    ENABLED.store(true, Relaxed);
}

/// Turns recording off for the whole process: an instrumented call then costs
/// one relaxed atomic load and a branch. Data already recorded is kept.
pub fn disable() {
    ENABLED.store(false, Relaxed);
}

/// Whether recording is on for the process (see [`enable`], [`disable`]).
pub fn is_enabled() -> bool {
    ENABLED.load(Relaxed)
}

#[inline(always)]
pub(crate) fn globally_enabled() -> bool {
    // Relaxed: a switch; a call that races with the toggle may go either way.
    ENABLED.load(Relaxed)
}

/// Fields read by every call, on a cache line of their own so the reporter's
/// locking never invalidates them.
#[repr(align(128))]
struct Hot {
    enabled: AtomicBool,
    /// Bumped when a session starts or ends; slots reset min/max on a new epoch.
    epoch: AtomicU64,
}

/// Shards handed out to threads; returned ones are reused by new threads.
struct Pool {
    all: Vec<&'static Shard>,
    free: Vec<&'static Shard>,
}

/// A monitor's state. Lives for the rest of the process (see [`Monitor::new`]).
pub(crate) struct Core {
    hot: Hot,
    pool: Mutex<Pool>,
    pub(crate) sessions: Mutex<Sessions>,
    pub(crate) stages: Mutex<StageTable>,
    pub(crate) events: Mutex<EventLog>,
}

pub(crate) static GLOBAL_CORE: Core = Core::new();
static GLOBAL: Monitor = Monitor { core: &GLOBAL_CORE };

/// Locks a monitor mutex. No code panics while holding one, and if user code
/// ever did (a panicking `Display` inside a report), the data stays consistent,
/// so a poisoned lock is used as is: monitoring never stops over it.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Core {
    const fn new() -> Core {
        Core {
            hot: Hot { enabled: AtomicBool::new(true), epoch: AtomicU64::new(1) },
            pool: Mutex::new(Pool { all: Vec::new(), free: Vec::new() }),
            sessions: Mutex::new(Sessions::new()),
            stages: Mutex::new(StageTable::new()),
            events: Mutex::new(EventLog::new()),
        }
    }

    #[inline(always)]
    pub(crate) fn is_enabled(&self) -> bool {
        self.hot.enabled.load(Relaxed)
    }

    #[inline(always)]
    pub(crate) fn epoch(&self) -> u64 {
        self.hot.epoch.load(Relaxed)
    }

    pub(crate) fn next_epoch(&self) {
        self.hot.epoch.fetch_add(1, Relaxed);
    }

    /// A shard for a thread that has none yet.
    pub(crate) fn take_shard(&self) -> &'static Shard {
        let mut pool = lock(&self.pool);
        if let Some(shard) = pool.free.pop() {
            return shard;
        }
        let shard: &'static Shard = Box::leak(Box::new(Shard::new()));
        pool.all.push(shard);
        shard
    }

    /// A thread that exits hands its shard back; its counts stay in it.
    pub(crate) fn return_shard(&self, shard: &'static Shard) {
        lock(&self.pool).free.push(shard);
    }

    /// The sum of every shard, now.
    pub(crate) fn read_totals(&self) -> Totals {
        let epoch = self.epoch();
        let pool = lock(&self.pool);
        let mut totals = Totals::default();
        for shard in &pool.all {
            shard.read_into(epoch, &mut totals);
        }
        totals
    }

    /// Threads that have recorded into this monitor, alive or not.
    pub(crate) fn shard_count(&self) -> usize {
        lock(&self.pool).all.len()
    }
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
#[derive(Clone)]
pub struct Monitor {
    core: &'static Core,
}

impl fmt::Debug for Monitor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Monitor")
            .field("global", &std::ptr::eq(self.core, &GLOBAL_CORE))
            .field("enabled", &self.is_enabled())
            .field("threads", &self.core.shard_count())
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
    Monitor { core: local::current_core() }
}

impl Default for Monitor {
    fn default() -> Self {
        Monitor::new()
    }
}

impl Monitor {
    /// A new, independent monitor.
    ///
    /// Its storage is never freed: instrumented calls hold plain `'static`
    /// references into it so the per-call path never touches a reference
    /// count. Make a bounded number of monitors (one per test, say); dropping a
    /// `Monitor` handle does not free it. Each thread that records into it
    /// takes about 17 KiB plus 44 KiB per 8 distinct callsites it calls (the
    /// slots are resident from the first call, so memory does not grow later).
    pub fn new() -> Monitor {
        Monitor { core: Box::leak(Box::new(Core::new())) }
    }

    pub(crate) fn core(&self) -> &'static Core {
        self.core
    }

    /// Resumes recording into this monitor.
    pub fn enable(&self) {
        self.core.hot.enabled.store(true, Relaxed);
    }

    /// Stops recording into this monitor; calls routed here are not timed.
    /// Counters, stages and sessions still work. For the cheapest off switch,
    /// use the process-wide [`disable`].
    pub fn disable(&self) {
        self.core.hot.enabled.store(false, Relaxed);
    }

    /// Whether this monitor records calls.
    pub fn is_enabled(&self) -> bool {
        self.core.is_enabled()
    }

    /// Runs `f` with this thread's instrumented calls recorded into this
    /// monitor instead of the global one. Nested scopes restore the outer one.
    pub fn scope<R>(&self, f: impl FnOnce() -> R) -> R {
        let _route = RouteGuard::set(self.core);
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
        Bound { inner: future, core: self.core }
    }

    fn with_shard(&self, f: impl FnOnce(&'static Shard)) {
        local::with_shard(self.core, f)
    }

    /// Counts one cache hit (for the hit rate in the report).
    pub fn record_cache_hit(&self) {
        self.with_shard(|s| s.add_fixed(Fixed::CacheHits, 1));
    }

    /// Counts one cache miss.
    pub fn record_cache_miss(&self) {
        self.with_shard(|s| s.add_fixed(Fixed::CacheMisses, 1));
    }

    /// Counts `hits` cache hits and `misses` misses at once.
    pub fn record_cache(&self, hits: u64, misses: u64) {
        self.with_shard(|s| {
            s.add_fixed(Fixed::CacheHits, hits);
            s.add_fixed(Fixed::CacheMisses, misses);
        });
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
        let nano_usd = if cost_usd.is_finite() && cost_usd > 0.0 {
            // `as` saturates at u64::MAX for absurd costs.
            (cost_usd * 1e9).round() as u64
        } else {
            0
        };
        self.with_shard(|s| {
            s.add_fixed(Fixed::ApiCalls, 1);
            s.add_fixed(Fixed::ApiErrors, u64::from(error));
            s.add_fixed(Fixed::ApiTokens, tokens);
            s.add_fixed(Fixed::ApiCostNanoUsd, nano_usd);
        });
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
        Counter::new(self.core, counters::index_of(name))
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
        OperationSite::new(self.core, name)
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
        Stage::start(self.core, name)
    }
}

pin_project! {
    /// A future whose polls record into a chosen monitor; see [`Monitor::bind`].
    pub struct Bound<F> {
        #[pin]
        inner: F,
        core: &'static Core,
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
        let _route = RouteGuard::set(this.core);
        this.inner.poll(cx)
    }
}
