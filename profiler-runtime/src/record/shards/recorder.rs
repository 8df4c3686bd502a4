//! One monitor's recording state: its on/off switch, its session epoch and the
//! pool of thread-owned shards its calls write into.
//!
//! The per-call path reads only the first cache line (switch and epoch); the
//! pool is locked when a thread takes its first shard, when one exits, and when
//! a report reads every shard.

use super::shard::Shard;
use super::switch;
use crate::record::sites::registry::MAX_CALLSITES;
use crate::record::storage::flight::Waiting;
use crate::record::storage::reading::Totals;
use crate::record::sync::lock;
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering::Relaxed};
use std::sync::Mutex;

/// Fields read by every call, on a cache line of their own so the reporter's
/// locking never invalidates them.
#[repr(align(128))]
struct Hot {
    /// Bit 0: this monitor's own switch ([`ON`]); bit 1: it records the
    /// per-call measures of the detailed level ([`DETAILED`]). One byte so
    /// a call reads both with one load.
    mode: AtomicU8,
    /// Bumped when a session starts or ends; slots reset min/max on a new epoch.
    epoch: AtomicU64,
}

/// [`Recorder::mode`]: the monitor is switched on.
pub(crate) const ON: u8 = 1;
/// [`Recorder::mode`]: calls also read the thread's CPU clock (on a
/// sample of them) and charge allocations (see [`crate::record::detail`]).
pub(crate) const DETAILED: u8 = 2;

/// [`Recorder::mode`]: calls are also logged as events (see [`crate::record::detail::trace`]).
pub(crate) const FULL: u8 = 4;

/// The most threads one reading uses.
pub(crate) const READERS: usize = 4;
/// Fewer shards than this are read by the calling thread alone: starting a
/// helper (tens of microseconds) would cost more than it saves.
const PARALLEL_FROM: usize = 32;

/// Threads a large reading may use: the cores this process may run on (asked
/// once: the answer reads cgroup files on Linux), at most [`READERS`].
fn reader_count() -> usize {
    static COUNT: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *COUNT.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()).min(READERS))
}

/// Shard by shard: a shard's slots sit together in memory, so reading them
/// in order is what the caches and the TLB do best (callsite by callsite
/// across shards measured 3.5x slower at 256 threads).
fn read_shards(shards: &[&'static Shard], epoch: u64) -> Totals {
    let mut totals = Totals::default();
    for shard in shards {
        shard.reading().read_into(epoch, &mut totals);
    }
    totals
}

/// Shards handed out to threads; returned ones are reused by new threads.
struct Pool {
    all: Vec<&'static Shard>,
    free: Vec<&'static Shard>,
}

/// The recording half of a monitor. Lives for the rest of the process.
pub(crate) struct Recorder {
    hot: Hot,
    /// Changes of the own switch (see `switch::Reading`), off the hot line.
    flips: AtomicU64,
    pool: Mutex<Pool>,
    /// Per callsite, its futures pending in their own code (see [`crate::record::storage::flight`]).
    pub(crate) waiting: Waiting<MAX_CALLSITES>,
}

/// The global monitor's recorder: where calls go unless a scope routes them.
pub(crate) static GLOBAL: Recorder = Recorder::new();

impl Recorder {
    const fn new() -> Recorder {
        Recorder {
            hot: Hot { mode: AtomicU8::new(ON), epoch: AtomicU64::new(1) },
            flips: AtomicU64::new(0),
            pool: Mutex::new(Pool { all: Vec::new(), free: Vec::new() }),
            waiting: Waiting::new(),
        }
    }

    /// A new recorder for a new monitor, never freed (calls hold `'static`
    /// references into it, so the per-call path touches no reference count).
    pub(crate) fn leak() -> &'static Recorder {
        switch::monitor_added();
        Box::leak(Box::new(Recorder::new()))
    }

    /// This monitor's own switch (the process-wide one is checked apart).
    #[inline(always)]
    pub(crate) fn is_enabled(&self) -> bool {
        self.mode() & ON != 0
    }

    /// [`ON`] and [`DETAILED`], as one byte: a call compares it with `ON`
    /// and takes the basic path when it is exactly that.
    #[inline(always)]
    pub(crate) fn mode(&self) -> u8 {
        self.hot.mode.load(Relaxed)
    }

    pub(crate) fn set_enabled(&self, on: bool) {
        switch::monitor_switched(&self.hot.mode, &self.flips, on);
    }

    /// Where this monitor's switches and the process's stand now.
    pub(crate) fn switches(&self) -> switch::Reading {
        switch::reading(&self.hot.mode, &self.flips)
    }

    /// Whether calls record the detailed level's per-call measures, and
    /// whether they are also logged as events (the full level).
    pub(crate) fn set_detail(&self, detailed: bool, full: bool) {
        let bits = if detailed { DETAILED } else { 0 } | if full { FULL } else { 0 };
        // Read-modify-write: the on/off bit shares the byte.
        let _ = self.hot.mode.fetch_update(Relaxed, Relaxed, |m| Some(m & ON | bits));
    }

    /// Where each shard's event log stands, in pool order: a session's
    /// starting point for [`Recorder::read_trace`].
    pub(crate) fn trace_positions(&self) -> Vec<u64> {
        lock(&self.pool).all.iter().map(|s| s.trace_if_any().map_or(0, |r| r.position())).collect()
    }

    /// Every shard's events since `from` (positions in pool order; shards
    /// added since start at 0), and how many were overwritten unread.
    pub(crate) fn read_trace(
        &self,
        from: &[u64],
    ) -> (Vec<crate::record::detail::trace::Event>, u64) {
        let pool = lock(&self.pool);
        let mut events = Vec::new();
        let mut dropped = 0;
        for (i, shard) in pool.all.iter().enumerate() {
            if let Some(ring) = shard.trace_if_any() {
                dropped += ring.read_since(from.get(i).copied().unwrap_or(0), &mut events);
            }
        }
        (events, dropped)
    }

    /// Whether anything sent here is recorded now: both switches on.
    #[inline(always)]
    pub(crate) fn records(&self) -> bool {
        switch::process_on() && self.is_enabled()
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
        shard.tree.unwound();
        shard.flight.clear();
        lock(&self.pool).free.push(shard);
    }

    /// The sum of every shard, now.
    ///
    /// Many shards are read by several threads at once (up to
    /// [`READERS`], one per available core): a reading is bound by memory
    /// (about 400 bytes per thread and callsite), and one core alone does
    /// not use what the memory system can deliver. A helper that cannot be
    /// started leaves its share to this thread.
    /// Calls `f(index, calls, pending)` for what is in flight in its own
    /// code now (see [`crate::record::storage::flight`]): each thread's innermost open timed
    /// call (one call, not pending), then each callsite among the first
    /// `sites` with futures pending in their own code.
    pub(crate) fn in_flight(&self, sites: usize, mut f: impl FnMut(usize, u32, bool)) {
        {
            let pool = lock(&self.pool);
            for shard in &pool.all {
                if let Some(index) = shard.flight.top() {
                    f(index, 1, false);
                }
            }
        }
        self.waiting.for_each(sites, |index, count| f(index, count, true));
    }

    pub(crate) fn read_totals(&self) -> Totals {
        let epoch = self.epoch();
        let pool = lock(&self.pool);
        let shards: &[&'static Shard] = &pool.all;
        let readers = reader_count();
        if readers < 2 || shards.len() < PARALLEL_FROM {
            return read_shards(shards, epoch);
        }
        let share = shards.len().div_ceil(readers);
        std::thread::scope(|scope| {
            let mut parts = shards.chunks(share);
            let mine = parts.next().unwrap_or_default();
            let helpers: Vec<_> = parts
                .map(|part| {
                    let spawned = std::thread::Builder::new()
                        .name("profiler-reader".into())
                        .spawn_scoped(scope, move || read_shards(part, epoch));
                    (part, spawned)
                })
                .collect();
            let mut totals = read_shards(mine, epoch);
            for (part, helper) in helpers {
                let theirs = match helper.map(|h| h.join()) {
                    Ok(Ok(theirs)) => theirs,
                    // Not started (or, never expected, panicked): read it here.
                    _ => read_shards(part, epoch),
                };
                totals.merge(theirs);
            }
            totals
        })
    }

    /// Threads that have recorded here, alive or not.
    pub(crate) fn shard_count(&self) -> usize {
        lock(&self.pool).all.len()
    }
}
