//! What a cache lookup costs: the three cache crates `MonitoredCache` could be
//! built on, and `MonitoredCache` itself against the bare crate it wraps.
//!
//! ```text
//! cargo bench -p profiler-bench --bench cache
//! # on a busy 2-core machine, shorter:
//! cargo bench -p profiler-bench --bench cache -- --warm-up-time 1 --measurement-time 3
//! ```
//!
//! Every cache holds `CAPACITY` entries of `u64` keys and values, each crate
//! with its default hasher. Rows, one thread and (`/2`) two threads sharing
//! one cache, each doing the same number of operations at once (started by a
//! barrier; the time is the mean of their elapsed times, so it reads as the
//! cost of one operation on one thread):
//! - `get_hit/*`: a lookup of a key that is in the cache, the keys visited in
//!   a scattered order, the value cloned out.
//! - `insert/*`: an insert of a new key into a full cache, so each insert
//!   also evicts one entry.
//!
//! Contenders:
//! - `lru_mutex`: `lru::LruCache` behind a `std::sync::Mutex`; its entries
//!   carry an optional expiry `Instant`, as `MonitoredCache`'s do.
//! - `quick_cache`: `quick_cache::sync::Cache` (sharded, CLOCK-Pro-like
//!   eviction, not strict LRU).
//! - `moka`: `moka::sync::Cache` (TinyLFU admission, maintenance batched on
//!   later calls).
//! - `monitored`: `profiler_runtime::MonitoredCache` recording into the
//!   global monitor (`profiler_runtime::current()` at each lookup, no session
//!   running), and `monitored_explicit` built with `.monitor(&m)`.
//! - `monitored_off`: the same after `profiler_runtime::disable()`: the
//!   cache with its recording switched off.

use criterion::{criterion_group, criterion_main, Criterion};
use profiler_runtime::{Monitor, MonitoredCache};
use std::hint::black_box;
use std::num::NonZeroUsize;
use std::sync::{Arc, Barrier, Mutex};
use std::time::{Duration, Instant};

const CAPACITY: u64 = 1024;

/// The `i`th key of a scattered walk over `0..CAPACITY` (an odd stride
/// visits every key once per round).
#[inline]
fn key(i: u64) -> u64 {
    i.wrapping_mul(617) % CAPACITY
}

/// One cache under test, shareable between threads.
trait Subject: Send + Sync + 'static {
    fn get(&self, k: u64) -> Option<u64>;
    fn insert(&self, k: u64, v: u64);
}

struct LruMutex(Mutex<lru::LruCache<u64, (u64, Option<Instant>)>>);

impl Subject for LruMutex {
    #[inline]
    fn get(&self, k: u64) -> Option<u64> {
        let mut cache = self.0.lock().unwrap_or_else(|e| e.into_inner());
        cache.get(&k).map(|(v, _)| *v)
    }

    #[inline]
    fn insert(&self, k: u64, v: u64) {
        let mut cache = self.0.lock().unwrap_or_else(|e| e.into_inner());
        black_box(cache.push(k, (v, None)));
    }
}

struct Quick(quick_cache::sync::Cache<u64, u64>);

impl Subject for Quick {
    #[inline]
    fn get(&self, k: u64) -> Option<u64> {
        self.0.get(&k)
    }

    #[inline]
    fn insert(&self, k: u64, v: u64) {
        self.0.insert(k, v);
    }
}

struct Moka(moka::sync::Cache<u64, u64>);

impl Subject for Moka {
    #[inline]
    fn get(&self, k: u64) -> Option<u64> {
        self.0.get(&k)
    }

    #[inline]
    fn insert(&self, k: u64, v: u64) {
        self.0.insert(k, v);
    }
}

struct Monitored(MonitoredCache<u64, u64>);

impl Subject for Monitored {
    #[inline]
    fn get(&self, k: u64) -> Option<u64> {
        self.0.get(&k)
    }

    #[inline]
    fn insert(&self, k: u64, v: u64) {
        black_box(self.0.insert(k, v));
    }
}

fn lru_mutex() -> Arc<dyn Subject> {
    let capacity = NonZeroUsize::new(CAPACITY as usize).expect("a capacity");
    Arc::new(LruMutex(Mutex::new(lru::LruCache::new(capacity))))
}

fn quick() -> Arc<dyn Subject> {
    Arc::new(Quick(quick_cache::sync::Cache::new(CAPACITY as usize)))
}

fn moka() -> Arc<dyn Subject> {
    Arc::new(Moka(moka::sync::Cache::new(CAPACITY)))
}

fn monitored() -> Arc<dyn Subject> {
    Arc::new(Monitored(MonitoredCache::new("bench", CAPACITY as usize).expect("a capacity")))
}

fn monitored_explicit() -> Arc<dyn Subject> {
    // Leaked: the monitor outlives every row that uses it.
    let m: &'static Monitor = Box::leak(Box::new(Monitor::new()));
    let cache = MonitoredCache::builder("bench").capacity(CAPACITY as usize).monitor(m).build();
    Arc::new(Monitored(cache.expect("a capacity")))
}

/// `subject` filled with every key, for the hit rows.
fn filled(subject: Arc<dyn Subject>) -> Arc<dyn Subject> {
    for k in 0..CAPACITY {
        subject.insert(k, k);
    }
    // Twice over: moka admits an entry it has seen before more readily,
    // and runs its pending maintenance on later calls.
    for k in 0..CAPACITY {
        subject.insert(k, k);
        subject.get(k);
    }
    subject
}

#[derive(Clone, Copy)]
enum Op {
    GetHit,
    Insert,
}

/// The mean time per thread of `iters` operations on each of `threads`
/// threads sharing `subject`.
fn run(subject: &Arc<dyn Subject>, op: Op, threads: usize, iters: u64) -> Duration {
    let barrier = Arc::new(Barrier::new(threads));
    let handles: Vec<_> = (0..threads as u64)
        .map(|t| {
            let (subject, barrier) = (Arc::clone(subject), Arc::clone(&barrier));
            std::thread::spawn(move || {
                // Each thread's inserts use keys no other thread uses.
                let base = (t + 1) << 40;
                barrier.wait();
                let start = Instant::now();
                match op {
                    Op::GetHit => {
                        for i in 0..iters {
                            black_box(subject.get(key(i + t)));
                        }
                    }
                    Op::Insert => {
                        for i in 0..iters {
                            subject.insert(base + i, i);
                        }
                    }
                }
                start.elapsed()
            })
        })
        .collect();
    let total: Duration = handles.into_iter().map(|h| h.join().expect("a bench thread")).sum();
    total / threads as u32
}

type Make = fn() -> Arc<dyn Subject>;

const CONTENDERS: [(&str, Make); 5] = [
    ("lru_mutex", lru_mutex),
    ("quick_cache", quick),
    ("moka", moka),
    ("monitored", monitored),
    ("monitored_explicit", monitored_explicit),
];

fn crates(c: &mut Criterion) {
    for (group, op) in [("get_hit", Op::GetHit), ("insert", Op::Insert)] {
        let mut g = c.benchmark_group(group);
        for (name, make) in CONTENDERS {
            for threads in [1, 2] {
                let subject = filled(make());
                g.bench_function(format!("{name}/{threads}"), |b| {
                    b.iter_custom(|iters| run(&subject, op, threads, iters))
                });
            }
        }
        g.finish();
    }
}

/// The monitored cache with every monitor off: what is left is the cache.
/// Last, because the switch is process-wide.
fn switched_off(c: &mut Criterion) {
    profiler_runtime::disable();
    let mut g = c.benchmark_group("get_hit");
    for threads in [1, 2] {
        let subject = filled(monitored());
        g.bench_function(format!("monitored_off/{threads}"), |b| {
            b.iter_custom(|iters| run(&subject, Op::GetHit, threads, iters))
        });
    }
    g.finish();
    profiler_runtime::enable();
}

criterion_group!(benches, crates, switched_off);
criterion_main!(benches);
