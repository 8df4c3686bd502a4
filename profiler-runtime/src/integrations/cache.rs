//! [`MonitoredCache`]: a bounded LRU cache with an optional time to live per
//! entry, whose lookups count as cache hits and misses in a monitor, both in
//! the session's totals (`report.cache`) and per cache name
//! (`report.cache.caches`).
//!
//! # Why `lru` behind a `Mutex`
//!
//! Chosen among `lru` 0.19, `quick_cache` 0.7 and `moka` 0.12 (sync) with
//! `cargo bench -p profiler-bench --bench cache` (2026-12-02, a 2-core
//! x86-64 KVM guest; medians of one full run, ns per operation per thread,
//! one thread or two sharing one cache of 1,024 `u64` entries):
//!
//! | crate | hit, 1 thread | hit, 2 | insert that evicts, 1 | 2 | strict LRU | time to live | evictions seen | crates added |
//! | --- | ---: | ---: | ---: | ---: | --- | --- | --- | ---: |
//! | `lru` + `Mutex` | 15.5 | 93.9 | 44.9 | 401 | yes | no | returned by `push` | 3 |
//! | `quick_cache` | 9.2 | 36.2 | 44.4 | 147 | no (CLOCK-Pro-like) | no | a lifecycle hook | 10 |
//! | `moka` | 152 | 262 | 633 | 1,184 | no (TinyLFU may refuse a new key) | yes, on its own clock | a listener, run by later maintenance | 14 |
//!
//! On one thread `lru` and `quick_cache` are close (an `lru` hit measured
//! 9.1 to 15.6 ns over runs on this machine, `quick_cache` 8.5 to 9.8;
//! inserts alike); `moka` is 10 to 16 times slower at both. Two threads
//! hammering one cache is where the mutex costs: `quick_cache`'s sharded
//! locks kept a hit at 17 to 36 ns where `lru`'s mutex ranged from 21 to
//! 268 ns. What decided it: this is an LRU cache, and only `lru` keeps
//! strict LRU order (the tests hold it to that); the insert that evicts hands
//! the evicted entry back, so evictions are counted exactly and at once; the
//! time to live is kept here in each entry whichever crate holds it (none of
//! the three expires on a clock a test can move); and `lru` adds 3 crates to
//! the build (itself, `hashbrown`, `foldhash`) where `quick_cache` adds 10
//! and `moka` 14. A cache hit by many threads in a hot loop, where order
//! matters less, would do better on `quick_cache`.
//!
//! What the monitoring adds, same run: a hit through
//! [`MonitoredCache::get`] took 21.4 ns recording into `current()`, 19.2 ns
//! with [`CacheBuilder::monitor`], 15.9 ns with the process switch off,
//! against 15.5 ns for the bare `lru` behind a `Mutex` (2 to 6 ns of
//! recording a lookup over runs).
//!
//! # What is counted where
//! - a lookup ([`get`](MonitoredCache::get), and the lookup half of
//!   [`get_or_insert_with`](MonitoredCache::get_or_insert_with) and
//!   [`try_get_or_insert_with`](MonitoredCache::try_get_or_insert_with)) is a
//!   hit or a miss, in the monitor's totals and in the cache's row;
//! - an entry found past its time to live is removed and counts as a miss
//!   and an expiration;
//! - an insert into a full cache that pushes the least recently used entry
//!   out counts as an eviction (whether or not that entry had expired);
//! - [`stats`](MonitoredCache::stats) is the cache's own count since it was
//!   made, whatever the monitor's switches and sessions.
//!
//! The cache's counters in a monitor are taken once (the first time a
//! lookup records into that monitor, or at construction for an explicit
//! [`monitor`](CacheBuilder::monitor)), so a lookup adds to them with no name
//! lookup: one thread-owned store each for the total and the row.

use crate::record::sync::lock;
use crate::state::cache_names::CacheCounters;
use crate::{Error, Monitor};
use lru::LruCache;
use std::borrow::Borrow;
use std::fmt;
use std::hash::Hash;
use std::marker::PhantomData;
use std::num::NonZeroUsize;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// The capacity of a cache built without [`CacheBuilder::capacity`].
const DEFAULT_CAPACITY: usize = 1024;

/// The most monitors besides the first whose counters a cache keeps; past
/// them a lookup in yet another monitor takes its counters afresh (correct,
/// only slower).
const MAX_OTHER_MONITORS: usize = 8;

/// Where expiry reads the time: `Instant::now`, or a clock given to
/// [`CacheBuilder::clock`].
type Clock = Box<dyn Fn() -> Instant + Send + Sync>;

/// A cache's own counts since it was made, from [`MonitoredCache::stats`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CacheCounts {
    /// Lookups that found a live entry.
    pub hits: u64,
    /// Lookups that found none, or an expired one.
    pub misses: u64,
    /// Entries pushed out to make room for a new one.
    pub evictions: u64,
    /// Entries found past their time to live (by a lookup, an insert over
    /// them or [`MonitoredCache::invalidate`]) and removed.
    pub expirations: u64,
    /// Values stored, new keys and replacements alike.
    pub inserts: u64,
}

impl CacheCounts {
    /// Hits and misses together.
    pub fn lookups(&self) -> u64 {
        self.hits + self.misses
    }

    /// Hits over lookups; `None` before the first lookup.
    ///
    /// ```
    /// let counts = profiler_runtime::CacheCounts { hits: 3, misses: 1, ..Default::default() };
    /// assert_eq!(counts.hit_rate(), Some(0.75));
    /// ```
    pub fn hit_rate(&self) -> Option<f64> {
        let lookups = self.lookups();
        (lookups > 0).then(|| self.hits as f64 / lookups as f64)
    }
}

/// A bounded, thread-safe LRU cache whose lookups are counted in a
/// [`Monitor`]: in the session's cache totals and in a row of its own,
/// under its name (feature `cache`).
///
/// Every method takes `&self`; share the cache between threads with an
/// `Arc` (it is `Send` and `Sync` when its keys and values are `Send`).
/// Values are cloned out: keep them small or behind an `Arc`.
///
/// ```
/// use profiler_runtime::{Monitor, MonitoredCache};
///
/// let m = Monitor::new();
/// m.start_session("lookups");
/// let users: MonitoredCache<u32, String> = MonitoredCache::new("users", 100)?;
/// m.scope(|| {
///     let name = users.get_or_insert_with(7, || "alice".to_owned()); // a miss
///     assert_eq!(name, "alice");
///     assert_eq!(users.get(&7).as_deref(), Some("alice")); // a hit
/// });
/// let report = m.end_session().unwrap();
/// assert_eq!((report.cache.hits, report.cache.misses), (1, 1));
/// let row = report.cache.cache("users").unwrap();
/// assert_eq!((row.hits, row.misses), (1, 1));
/// # Ok::<(), profiler_runtime::Error>(())
/// ```
///
/// A lookup holds the cache's lock while it finds the entry and clones its
/// value; the closures of [`get_or_insert_with`](Self::get_or_insert_with)
/// run without it.
pub struct MonitoredCache<K, V> {
    name: String,
    capacity: NonZeroUsize,
    default_ttl: Option<Duration>,
    clock: Option<Clock>,
    state: Mutex<State<K, V>>,
    target: Target,
}

/// What the lock guards: the entries and the cache's own counts.
struct State<K, V> {
    entries: LruCache<K, Entry<V>>,
    counts: CacheCounts,
}

struct Entry<V> {
    value: V,
    /// `None`: it never expires.
    expires_at: Option<Instant>,
}

/// Which monitor lookups record into.
enum Target {
    /// The one given to [`CacheBuilder::monitor`], with its counters.
    Fixed(Route),
    /// The monitor in effect at each lookup ([`crate::current`]): the first
    /// one seen, and the counters of any others.
    Current { first: OnceLock<Route>, others: Mutex<Vec<Route>> },
}

/// One monitor and this cache's counters in it.
struct Route {
    monitor: Monitor,
    counters: CacheCounters,
}

impl Route {
    fn new(monitor: Monitor, name: &str) -> Route {
        let counters = monitor.cache_counters(name);
        Route { monitor, counters }
    }
}

/// What a lookup found.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Found {
    Hit,
    Miss,
    /// An entry past its time to live: a miss and an expiration.
    Expired,
}

/// Builds a [`MonitoredCache`] with a capacity, a default time to live, a
/// monitor of its own or a clock; from [`MonitoredCache::builder`].
///
/// ```
/// use profiler_runtime::{Monitor, MonitoredCache};
/// use std::time::Duration;
///
/// let m = Monitor::new();
/// m.start_session("sessions");
/// let tokens: MonitoredCache<String, u64> = MonitoredCache::builder("tokens")
///     .capacity(10_000)
///     .ttl(Duration::from_secs(300))
///     .monitor(&m)
///     .build()?;
/// tokens.insert("alice".to_owned(), 42);
/// assert_eq!(tokens.get("alice"), Some(42));
/// assert_eq!(m.end_session().unwrap().cache.hits, 1);
/// # Ok::<(), profiler_runtime::Error>(())
/// ```
#[must_use = "a builder makes nothing until `.build()`"]
pub struct CacheBuilder<K, V> {
    name: String,
    capacity: usize,
    default_ttl: Option<Duration>,
    monitor: Option<Monitor>,
    clock: Option<Clock>,
    /// The cache's key and value types, so that `build` follows the type the
    /// caller asks for. Holds neither: `Send` and `Sync` whatever they are.
    types: PhantomData<fn() -> (K, V)>,
}

impl<K: Hash + Eq, V> CacheBuilder<K, V> {
    /// The most entries the cache holds (default 1,024); past it, an insert
    /// of a new key evicts the least recently used entry. 0 is an
    /// [`Error::CacheCapacity`] from [`build`](Self::build).
    pub fn capacity(mut self, entries: usize) -> CacheBuilder<K, V> {
        self.capacity = entries;
        self
    }

    /// How long an entry stays valid after it is stored, for
    /// [`insert`](MonitoredCache::insert) and the `get_or_insert_with`
    /// methods (default: for ever).
    /// [`insert_with_ttl`](MonitoredCache::insert_with_ttl) gives one entry
    /// its own.
    pub fn ttl(mut self, ttl: Duration) -> CacheBuilder<K, V> {
        self.default_ttl = Some(ttl);
        self
    }

    /// Records into `monitor` whichever monitor is in effect where the cache
    /// is used. Without it, each lookup records into
    /// [`current()`](crate::current), so a [`Monitor::scope`] routes it.
    pub fn monitor(mut self, monitor: &Monitor) -> CacheBuilder<K, V> {
        self.monitor = Some(monitor.clone());
        self
    }

    /// Reads the time for expiry from `clock` instead of `Instant::now`: for
    /// tests that move time on without sleeping. It is read only for entries
    /// with a time to live (when one is stored, and when it is looked up).
    ///
    /// ```
    /// use profiler_runtime::MonitoredCache;
    /// use std::sync::{Arc, Mutex};
    /// use std::time::{Duration, Instant};
    ///
    /// let now = Arc::new(Mutex::new(Instant::now()));
    /// let clock = Arc::clone(&now);
    /// let cache: MonitoredCache<&str, u32> = MonitoredCache::builder("rates")
    ///     .ttl(Duration::from_secs(60))
    ///     .clock(move || *clock.lock().unwrap())
    ///     .build()?;
    /// cache.insert("eur", 108);
    /// *now.lock().unwrap() += Duration::from_secs(59);
    /// assert_eq!(cache.get(&"eur"), Some(108));
    /// *now.lock().unwrap() += Duration::from_secs(1);
    /// assert_eq!(cache.get(&"eur"), None, "expired at 60 s");
    /// assert_eq!(cache.stats().expirations, 1);
    /// # Ok::<(), profiler_runtime::Error>(())
    /// ```
    pub fn clock(
        mut self,
        clock: impl Fn() -> Instant + Send + Sync + 'static,
    ) -> CacheBuilder<K, V> {
        self.clock = Some(Box::new(clock));
        self
    }

    /// The cache, or [`Error::CacheCapacity`] for a capacity of 0.
    pub fn build(self) -> Result<MonitoredCache<K, V>, Error> {
        let capacity = NonZeroUsize::new(self.capacity)
            .ok_or(Error::CacheCapacity { given: self.capacity })?;
        let target = match self.monitor {
            Some(monitor) => Target::Fixed(Route::new(monitor, &self.name)),
            None => Target::Current { first: OnceLock::new(), others: Mutex::new(Vec::new()) },
        };
        Ok(MonitoredCache {
            state: Mutex::new(State {
                entries: LruCache::new(capacity),
                counts: CacheCounts::default(),
            }),
            name: self.name,
            capacity,
            default_ttl: self.default_ttl,
            clock: self.clock,
            target,
        })
    }
}

impl<K, V> fmt::Debug for CacheBuilder<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CacheBuilder")
            .field("name", &self.name)
            .field("capacity", &self.capacity)
            .field("ttl", &self.default_ttl)
            .field("monitor", &self.monitor)
            .field("clock", &self.clock.as_ref().map(|_| "custom"))
            .finish()
    }
}

impl<K: Hash + Eq, V> MonitoredCache<K, V> {
    /// A cache named `name` holding at most `capacity` entries, with no
    /// time to live, recording each lookup into
    /// [`current()`](crate::current). A capacity of 0 is an
    /// [`Error::CacheCapacity`].
    ///
    /// ```
    /// use profiler_runtime::{Error, MonitoredCache};
    ///
    /// let cache = MonitoredCache::<u64, u64>::new("squares", 2)?;
    /// assert_eq!((cache.name(), cache.capacity()), ("squares", 2));
    /// let empty = MonitoredCache::<u64, u64>::new("none", 0);
    /// assert!(matches!(empty, Err(Error::CacheCapacity { given: 0 })));
    /// # Ok::<(), Error>(())
    /// ```
    pub fn new(name: &str, capacity: usize) -> Result<MonitoredCache<K, V>, Error> {
        MonitoredCache::builder(name).capacity(capacity).build()
    }
}

impl<K, V> MonitoredCache<K, V> {
    /// A builder for a cache named `name`: see [`CacheBuilder`].
    pub fn builder(name: &str) -> CacheBuilder<K, V> {
        CacheBuilder {
            name: name.to_owned(),
            capacity: DEFAULT_CAPACITY,
            default_ttl: None,
            monitor: None,
            clock: None,
            types: PhantomData,
        }
    }

    /// The cache's name, as given (its report row may be
    /// [`OTHER_CACHES`](crate::OTHER_CACHES) past
    /// [`MAX_CACHE_NAMES`](crate::MAX_CACHE_NAMES) names in one monitor).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The most entries it holds.
    pub fn capacity(&self) -> usize {
        self.capacity.get()
    }

    /// Its own counts since it was made (recorded whatever the monitor's
    /// switches; the monitor's counts are per session).
    ///
    /// ```
    /// let cache = profiler_runtime::MonitoredCache::<u8, u8>::new("tiny", 1)?;
    /// cache.insert(1, 1);
    /// cache.insert(2, 2); // evicts 1
    /// assert_eq!(cache.get(&1), None);
    /// let counts = cache.stats();
    /// assert_eq!((counts.inserts, counts.evictions, counts.misses), (2, 1, 1));
    /// # Ok::<(), profiler_runtime::Error>(())
    /// ```
    pub fn stats(&self) -> CacheCounts {
        self.guard().counts
    }

    fn guard(&self) -> std::sync::MutexGuard<'_, State<K, V>> {
        lock(&self.state)
    }

    fn now(&self) -> Instant {
        match &self.clock {
            Some(clock) => clock(),
            None => Instant::now(),
        }
    }

    /// When an entry stored now with `ttl` expires (`None`: never, also
    /// when the sum would overflow).
    fn expiry(&self, ttl: Option<Duration>) -> Option<Instant> {
        ttl.and_then(|ttl| self.now().checked_add(ttl))
    }

    fn is_expired(&self, entry: &Entry<V>) -> bool {
        entry.expires_at.is_some_and(|at| self.now() >= at)
    }

    /// Calls `f` with the counters of the monitor lookups record into.
    #[inline]
    fn with_route(&self, f: impl FnOnce(&Route)) {
        match &self.target {
            Target::Fixed(route) => f(route),
            Target::Current { first, others } => {
                let monitor = crate::current();
                match first.get() {
                    Some(route) if route.monitor.is(&monitor) => f(route),
                    _ => self.other_route(first, others, monitor, f),
                }
            }
        }
    }

    /// [`Self::with_route`] for a monitor other than the first one seen, or
    /// the first lookup of all: takes the monitor's counters once.
    #[cold]
    #[inline(never)]
    fn other_route(
        &self,
        first: &OnceLock<Route>,
        others: &Mutex<Vec<Route>>,
        monitor: Monitor,
        f: impl FnOnce(&Route),
    ) {
        let route = first.get_or_init(|| Route::new(monitor.clone(), &self.name));
        if route.monitor.is(&monitor) {
            return f(route);
        }
        let mut others = lock(others);
        if let Some(route) = others.iter().find(|r| r.monitor.is(&monitor)) {
            return f(route);
        }
        let route = Route::new(monitor, &self.name);
        f(&route);
        if others.len() < MAX_OTHER_MONITORS {
            others.push(route);
        }
    }

    /// Records what a lookup found.
    fn record(&self, found: Found) {
        self.with_route(|route| {
            let (m, c) = (&route.monitor, &route.counters);
            match found {
                Found::Hit => {
                    m.record_cache_hit();
                    c.hits.increment();
                }
                Found::Miss => {
                    m.record_cache_miss();
                    c.misses.increment();
                }
                Found::Expired => {
                    m.record_cache_miss();
                    c.misses.increment();
                    c.expirations.increment();
                }
            }
        });
    }

    fn record_expiration(&self) {
        self.with_route(|route| route.counters.expirations.increment());
    }

    fn record_eviction(&self) {
        self.with_route(|route| route.counters.evictions.increment());
    }
}

impl<K: Hash + Eq, V> MonitoredCache<K, V> {
    /// The entries it holds, counting expired ones no lookup has found yet.
    pub fn len(&self) -> usize {
        self.guard().entries.len()
    }

    /// Whether it holds no entry.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Removes every entry (counted neither as evictions nor as
    /// expirations).
    pub fn clear(&self) {
        let fresh = LruCache::new(self.capacity);
        let old = std::mem::replace(&mut self.guard().entries, fresh);
        // Dropped outside the lock: values may run code of their own.
        drop(old);
    }

    /// Looks `key` up, counting a hit or a miss (an expired entry is removed
    /// and counts as a miss and an expiration), and marks it the most
    /// recently used.
    ///
    /// ```
    /// use profiler_runtime::MonitoredCache;
    ///
    /// let cache: MonitoredCache<String, u32> = MonitoredCache::new("ages", 10)?;
    /// cache.insert("alice".to_owned(), 31);
    /// assert_eq!(cache.get("alice"), Some(31)); // any borrowed form of the key
    /// assert_eq!(cache.get("bob"), None);
    /// assert_eq!((cache.stats().hits, cache.stats().misses), (1, 1));
    /// # Ok::<(), profiler_runtime::Error>(())
    /// ```
    pub fn get<Q>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
        V: Clone,
    {
        let (value, found) = self.look_up(key);
        self.record(found);
        value
    }

    /// The lookup itself, counted in [`Self::stats`] only.
    fn look_up<Q>(&self, key: &Q) -> (Option<V>, Found)
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
        V: Clone,
    {
        let mut state = self.guard();
        let expired = match state.entries.get(key) {
            None => None,
            Some(entry) if self.is_expired(entry) => Some(()),
            Some(entry) => {
                let value = entry.value.clone();
                state.counts.hits += 1;
                return (Some(value), Found::Hit);
            }
        };
        state.counts.misses += 1;
        if expired.is_none() {
            return (None, Found::Miss);
        }
        state.counts.expirations += 1;
        let stale = state.entries.pop(key);
        drop(state);
        drop(stale);
        (None, Found::Expired)
    }

    /// Stores `value` under `key` with the default time to live (see
    /// [`CacheBuilder::ttl`]), as the most recently used entry; returns the
    /// value it replaces, if that was live. A new key in a full cache
    /// evicts the least recently used entry.
    pub fn insert(&self, key: K, value: V) -> Option<V> {
        self.store(key, value, self.default_ttl)
    }

    /// [`Self::insert`] with a time to live of this entry's own, in place of
    /// the default. `Duration::MAX` never expires.
    ///
    /// ```
    /// use profiler_runtime::MonitoredCache;
    /// use std::time::Duration;
    ///
    /// let cache: MonitoredCache<&str, &str> = MonitoredCache::builder("pages")
    ///     .ttl(Duration::from_secs(60))
    ///     .build()?;
    /// cache.insert_with_ttl("home", "<html>..", Duration::ZERO); // already stale
    /// assert_eq!(cache.get(&"home"), None);
    /// assert_eq!(cache.stats().expirations, 1);
    /// # Ok::<(), profiler_runtime::Error>(())
    /// ```
    pub fn insert_with_ttl(&self, key: K, value: V, ttl: Duration) -> Option<V> {
        self.store(key, value, Some(ttl))
    }

    fn store(&self, key: K, value: V, ttl: Option<Duration>) -> Option<V> {
        let entry = Entry { value, expires_at: self.expiry(ttl) };
        let mut state = self.guard();
        state.counts.inserts += 1;
        let (previous, evicted) = match state.entries.get_mut(&key) {
            Some(slot) => (Some(std::mem::replace(slot, entry)), None),
            None => (None, state.entries.push(key, entry)),
        };
        let previous_expired = previous.as_ref().is_some_and(|e| self.is_expired(e));
        if previous_expired {
            state.counts.expirations += 1;
        }
        if evicted.is_some() {
            state.counts.evictions += 1;
        }
        drop(state);
        if previous_expired {
            self.record_expiration();
        }
        if evicted.is_some() {
            self.record_eviction();
        }
        previous.filter(|_| !previous_expired).map(|e| e.value)
    }

    /// The value under `key`, or, on a miss, the one `make` returns, stored
    /// with the default time to live. Counts one hit or one miss; `make`
    /// runs only on a miss, without the cache's lock (two threads missing
    /// the same key at once may both run it; the later value stays).
    ///
    /// ```
    /// use profiler_runtime::MonitoredCache;
    ///
    /// let cache: MonitoredCache<u64, u64> = MonitoredCache::new("squares", 100)?;
    /// let mut computed = 0;
    /// for _ in 0..3 {
    ///     let v = cache.get_or_insert_with(12, || {
    ///         computed += 1;
    ///         12 * 12
    ///     });
    ///     assert_eq!(v, 144);
    /// }
    /// assert_eq!(computed, 1);
    /// assert_eq!((cache.stats().hits, cache.stats().misses), (2, 1));
    /// # Ok::<(), profiler_runtime::Error>(())
    /// ```
    pub fn get_or_insert_with(&self, key: K, make: impl FnOnce() -> V) -> V
    where
        V: Clone,
    {
        if let Some(value) = self.get(&key) {
            return value;
        }
        let value = make();
        self.store(key, value.clone(), self.default_ttl);
        value
    }

    /// [`Self::get_or_insert_with`] for a `make` that can fail: its error is
    /// handed back and nothing is stored (the lookup still counts as a
    /// miss).
    ///
    /// ```
    /// use profiler_runtime::MonitoredCache;
    ///
    /// let cache: MonitoredCache<&str, u16> = MonitoredCache::new("ports", 10)?;
    /// let bad = cache.try_get_or_insert_with("web", || "eighty".parse::<u16>());
    /// assert!(bad.is_err());
    /// assert!(cache.is_empty());
    /// assert_eq!(cache.try_get_or_insert_with("web", || "80".parse::<u16>()), Ok(80));
    /// assert_eq!(cache.get(&"web"), Some(80));
    /// # Ok::<(), profiler_runtime::Error>(())
    /// ```
    pub fn try_get_or_insert_with<E>(
        &self,
        key: K,
        make: impl FnOnce() -> Result<V, E>,
    ) -> Result<V, E>
    where
        V: Clone,
    {
        if let Some(value) = self.get(&key) {
            return Ok(value);
        }
        let value = make()?;
        self.store(key, value.clone(), self.default_ttl);
        Ok(value)
    }

    /// Removes the entry under `key`, returning its value if it was live (an
    /// expired one is removed too, and counts as an expiration). Not a
    /// lookup: counts neither a hit nor a miss.
    ///
    /// ```
    /// let cache = profiler_runtime::MonitoredCache::<u8, char>::new("letters", 4)?;
    /// cache.insert(1, 'a');
    /// assert_eq!(cache.invalidate(&1), Some('a'));
    /// assert_eq!(cache.invalidate(&1), None);
    /// assert!(cache.is_empty());
    /// # Ok::<(), profiler_runtime::Error>(())
    /// ```
    pub fn invalidate<Q>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let mut state = self.guard();
        let entry = state.entries.pop(key)?;
        let expired = self.is_expired(&entry);
        if expired {
            state.counts.expirations += 1;
        }
        drop(state);
        if expired {
            self.record_expiration();
            return None;
        }
        Some(entry.value)
    }
}

impl<K: Hash + Eq, V> fmt::Debug for MonitoredCache<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.guard();
        f.debug_struct("MonitoredCache")
            .field("name", &self.name)
            .field("len", &state.entries.len())
            .field("capacity", &self.capacity)
            .field("ttl", &self.default_ttl)
            .field("counts", &state.counts)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn is_send_and_sync_for_send_keys_and_values() {
        assert_send_sync::<MonitoredCache<String, Vec<u8>>>();
        assert_send_sync::<CacheBuilder<std::rc::Rc<u8>, std::cell::Cell<u8>>>();
    }

    #[test]
    fn a_replaced_key_is_neither_an_eviction_nor_a_second_entry() {
        let cache = MonitoredCache::<u8, u8>::new("replace", 2).unwrap();
        assert_eq!(cache.insert(1, 10), None);
        assert_eq!(cache.insert(1, 11), Some(10));
        assert_eq!(cache.len(), 1);
        assert_eq!(cache.stats(), CacheCounts { inserts: 2, ..Default::default() });
    }

    #[test]
    fn a_ttl_past_the_end_of_time_never_expires() {
        let cache = MonitoredCache::<u8, u8>::builder("forever").build().unwrap();
        cache.insert_with_ttl(1, 1, Duration::MAX);
        assert_eq!(cache.get(&1), Some(1));
    }
}
