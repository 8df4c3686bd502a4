//! Thread-owned storage: every thread writes only its own shard, so an
//! instrumented call touches no cache line another thread writes.
//!
//! Each field is an atomic so the reporter can read it while the owner writes,
//! but the owner never does a read-modify-write: it `load`s and `store`s with
//! `Relaxed` ordering (plain moves on x86 and ARM). That is sound because a
//! shard has exactly one writer at a time: the thread that took it from its
//! monitor's pool, which it hands back (under the pool's lock, so the next owner
//! sees every value) only when the thread exits.

use super::error_text::ErrorText;
use super::histogram::{self, BUCKETS};
use super::reading::{Fixed, SiteTotals, FIXED_COUNT};
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::OnceLock;

/// Adds to a single-writer counter without a locked instruction.
#[inline(always)]
pub(crate) fn bump(cell: &AtomicU64, by: u64) {
    // Relaxed load/store, not fetch_add: only the owning thread writes (see module docs).
    cell.store(cell.load(Relaxed).wrapping_add(by), Relaxed);
}

/// A fixed-capacity table allocated `LEN` elements at a time, on first use of
/// an index in that chunk. Readers see only initialised chunks. `LEN` is a
/// power-of-two constant so finding an element is a shift and a mask.
pub(crate) struct Chunks<T, const LEN: usize> {
    chunks: Box<[OnceLock<Box<[T; LEN]>>]>,
    make: fn() -> T,
    /// Writes every page of a new element, so its memory is resident from the
    /// first call rather than growing later as new histogram buckets fill.
    touch: fn(&T),
}

impl<T, const LEN: usize> Chunks<T, LEN> {
    fn new(chunk_count: usize, make: fn() -> T, touch: fn(&T)) -> Self {
        Chunks { chunks: (0..chunk_count).map(|_| OnceLock::new()).collect(), make, touch }
    }

    /// The element at `index`, allocating its chunk on first use; `None` past the capacity.
    #[inline(always)]
    pub(crate) fn get_or_alloc(&self, index: usize) -> Option<&T> {
        let chunk = self.chunks.get(index / LEN)?;
        let items = match chunk.get() {
            Some(items) => items,
            None => self.alloc(chunk),
        };
        Some(&items[index % LEN])
    }

    #[cold]
    #[inline(never)]
    fn alloc<'a>(&self, chunk: &'a OnceLock<Box<[T; LEN]>>) -> &'a [T; LEN] {
        chunk.get_or_init(|| {
            let items: Vec<T> = (0..LEN).map(|_| (self.make)()).collect();
            items.iter().for_each(self.touch);
            match items.into_boxed_slice().try_into() {
                Ok(array) => array,
                Err(_) => unreachable!("the vector has exactly LEN elements"),
            }
        })
    }

    /// Every allocated element with its index.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (usize, &T)> {
        self.chunks.iter().enumerate().flat_map(move |(c, chunk)| {
            chunk
                .get()
                .into_iter()
                .flat_map(move |items| items.iter().enumerate().map(move |(i, t)| (c * LEN + i, t)))
        })
    }
}

/// One callsite's measures on one thread.
///
/// New measures (busy time, allocation bytes, ...) are new fields here, a line
/// in [`Slot::read_into`], and a column in the report row.
#[repr(align(64))]
pub(crate) struct Slot {
    calls: AtomicU64,
    failures: AtomicU64,
    cancelled: AtomicU64,
    slow: AtomicU64,
    total_ns: AtomicU64,
    /// The session epoch `min_ns` and `max_ns` belong to; a new session resets them.
    epoch: AtomicU64,
    min_ns: AtomicU64,
    max_ns: AtomicU64,
    /// The latest call's duration plus one (0: none), not yet in `buckets`.
    /// See [`Slot::record`] for why the histogram runs one call behind.
    pending: AtomicU64,
    /// One bit per histogram group that has a count, so readers skip empty ones.
    groups: AtomicU64,
    buckets: [AtomicU64; BUCKETS],
    error: ErrorText,
}

impl Slot {
    fn new() -> Self {
        Slot {
            calls: AtomicU64::new(0),
            failures: AtomicU64::new(0),
            cancelled: AtomicU64::new(0),
            slow: AtomicU64::new(0),
            total_ns: AtomicU64::new(0),
            epoch: AtomicU64::new(0),
            min_ns: AtomicU64::new(u64::MAX),
            max_ns: AtomicU64::new(0),
            pending: AtomicU64::new(0),
            groups: AtomicU64::new(0),
            buckets: [const { AtomicU64::new(0) }; BUCKETS],
            error: ErrorText::new(),
        }
    }

    /// Faults in the slot's pages (the allocator may hand out untouched zero
    /// pages, which would make memory grow later, on the hot path's watch).
    fn touch(&self) {
        for bucket in &self.buckets {
            bucket.store(0, Relaxed);
        }
    }

    /// Records one finished call. Owner thread only.
    ///
    /// The call's histogram bucket is counted at the *next* call (a reader
    /// adds the pending duration itself, so readings stay exact). The bucket's
    /// address depends on the clock reading that just ended the call; storing
    /// there right away held back the next call's clock read until the address
    /// was known: 7-13 ns per call on the development machine (AMD EPYC under
    /// KVM), measured by a microbenchmark and by `call/monitor` in the peers
    /// bench. The previous call's duration was stored a whole call earlier, so
    /// its bucket is found while this call's clock read is still in flight.
    /// Everything else here (sums, min, max) writes fixed addresses.
    #[inline(always)]
    pub(crate) fn record(&self, nanos: u64, failed: bool, slow_ns: u64, epoch: u64) {
        let previous = self.pending.load(Relaxed);
        // Pending first, then the bucket; readers read the buckets first, then
        // pending. So a reading taken between the two stores sees this call
        // in place of the previous one, and never the previous one twice
        // (x86 keeps stores and loads in order; on weaker memory models one
        // reading may be off by one bucket, which the saturating difference
        // between readings absorbs). Quiescent readings are always exact.
        self.pending.store(nanos.saturating_add(1), Relaxed);
        if previous != 0 {
            self.count_in_histogram(previous - 1);
        }
        bump(&self.total_ns, nanos);
        if self.epoch.load(Relaxed) != epoch {
            self.min_ns.store(nanos, Relaxed);
            self.max_ns.store(nanos, Relaxed);
            self.epoch.store(epoch, Relaxed);
        } else {
            if nanos < self.min_ns.load(Relaxed) {
                self.min_ns.store(nanos, Relaxed);
            }
            if nanos > self.max_ns.load(Relaxed) {
                self.max_ns.store(nanos, Relaxed);
            }
        }
        if failed {
            bump(&self.failures, 1);
        }
        if slow_ns != 0 && nanos >= slow_ns {
            bump(&self.slow, 1);
        }
        bump(&self.calls, 1);
    }

    #[inline(always)]
    fn count_in_histogram(&self, nanos: u64) {
        let bucket = histogram::bucket_of(nanos);
        let cell = &self.buckets[bucket];
        let count = cell.load(Relaxed);
        cell.store(count + 1, Relaxed);
        if count == 0 {
            // A bucket's first count: mark its group (rarely taken).
            let groups = self.groups.load(Relaxed);
            self.groups.store(groups | 1u64 << histogram::group_of(bucket), Relaxed);
        }
    }

    /// Records a future dropped before it completed. Owner thread only.
    pub(crate) fn record_cancelled(&self) {
        bump(&self.cancelled, 1);
    }

    /// Keeps a failure's text as the slot's last error. Owner thread only.
    pub(crate) fn record_error(&self, stamp: u64, text: &dyn fmt::Display) {
        self.error.write(stamp, text);
    }

    /// Adds this slot's values to `out`.
    pub(crate) fn read_into(&self, epoch: u64, out: &mut SiteTotals) {
        let calls = self.calls.load(Relaxed);
        let cancelled = self.cancelled.load(Relaxed);
        if calls == 0 && cancelled == 0 {
            return;
        }
        out.calls += calls;
        out.cancelled += cancelled;
        out.failures += self.failures.load(Relaxed);
        out.slow += self.slow.load(Relaxed);
        out.total_ns += self.total_ns.load(Relaxed);
        if calls > 0 && self.epoch.load(Relaxed) == epoch {
            out.min_ns = out.min_ns.min(self.min_ns.load(Relaxed));
            out.max_ns = out.max_ns.max(self.max_ns.load(Relaxed));
        }
        let mut groups = self.groups.load(Relaxed);
        if groups != 0 {
            out.dense_buckets();
        }
        while groups != 0 {
            let group = groups.trailing_zeros() as usize;
            groups &= groups - 1;
            let range = group * histogram::GROUP..(group + 1) * histogram::GROUP;
            for (dst, src) in out.buckets[range.clone()].iter_mut().zip(&self.buckets[range]) {
                *dst += src.load(Relaxed);
            }
        }
        // After the buckets (see `record`): a bucket that already holds the
        // previous call is only seen once the newer pending value is.
        let pending = self.pending.load(Relaxed);
        if pending != 0 {
            out.dense_buckets()[histogram::bucket_of(pending - 1)] += 1;
        }
        if let Some((stamp, text)) = self.error.read() {
            if out.error.as_ref().is_none_or(|(s, _)| stamp > *s) {
                out.error = Some((stamp, text));
            }
        }
    }
}

/// The most distinct custom counter names; later ones are counted as dropped.
pub const MAX_COUNTERS: usize = 4096;
const COUNTER_CHUNK: usize = 64;

/// One thread's share of one monitor.
pub(crate) struct Shard {
    slots: Chunks<Slot, SLOT_CHUNK>,
    counters: Chunks<AtomicU64, COUNTER_CHUNK>,
    fixed: [AtomicU64; FIXED_COUNT],
}

const SLOT_CHUNK: usize = 8;

impl Shard {
    pub(crate) fn new() -> Self {
        Shard {
            slots: Chunks::new(super::callsite::MAX_CALLSITES / SLOT_CHUNK, Slot::new, Slot::touch),
            counters: Chunks::new(MAX_COUNTERS / COUNTER_CHUNK, || AtomicU64::new(0), |_| {}),
            fixed: [const { AtomicU64::new(0) }; FIXED_COUNT],
        }
    }

    #[inline(always)]
    pub(crate) fn slot(&self, index: usize) -> Option<&Slot> {
        self.slots.get_or_alloc(index)
    }

    #[inline(always)]
    pub(crate) fn add_fixed(&self, which: Fixed, by: u64) {
        bump(&self.fixed[which as usize], by);
    }

    #[inline]
    pub(crate) fn add_counter(&self, index: u32, by: u64) {
        if let Some(cell) = self.counters.get_or_alloc(index as usize) {
            bump(cell, by);
        }
    }

    /// Adds this shard's values to `out`.
    pub(crate) fn read_into(&self, epoch: u64, out: &mut super::reading::Totals) {
        for (index, slot) in self.slots.iter() {
            let site = out.site_mut(index);
            slot.read_into(epoch, site);
        }
        for (index, cell) in self.counters.iter() {
            let value = cell.load(Relaxed);
            if value != 0 {
                if out.counters.len() <= index {
                    out.counters.resize(index + 1, 0);
                }
                out.counters[index] += value;
            }
        }
        for (dst, src) in out.fixed.iter_mut().zip(&self.fixed) {
            *dst += src.load(Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slot_resets_min_and_max_for_a_new_epoch() {
        let slot = Slot::new();
        slot.record(100, false, 90, 1);
        slot.record(50, true, 90, 1);
        slot.record(70, false, 90, 2);
        let mut out = SiteTotals::default();
        slot.read_into(2, &mut out);
        assert_eq!((out.calls, out.failures, out.slow, out.total_ns), (3, 1, 1, 220));
        assert_eq!((out.min_ns, out.max_ns), (70, 70));
        assert_eq!(out.buckets.iter().sum::<u64>(), 3);
    }

    #[test]
    fn every_call_is_in_the_histogram_including_the_pending_one() {
        let slot = Slot::new();
        let durations = [7, 1_000, 1_000, 250_000];
        let mut seen = Vec::new();
        for (i, &nanos) in durations.iter().enumerate() {
            slot.record(nanos, false, 0, 1);
            let mut out = SiteTotals::default();
            slot.read_into(1, &mut out);
            // After each call, the reading holds exactly the calls made so far.
            let mut expected = vec![0u64; BUCKETS];
            durations[..=i].iter().for_each(|&d| expected[histogram::bucket_of(d)] += 1);
            assert_eq!(out.buckets, expected, "after call {i}");
            seen.push(out.calls);
        }
        assert_eq!(seen, [1, 2, 3, 4]);
        // The last call is still pending: only three are in the buckets themselves.
        let folded: u64 = slot.buckets.iter().map(|b| b.load(Relaxed)).sum();
        assert_eq!(folded, 3);
    }

    #[test]
    fn chunks_allocate_on_demand_and_refuse_past_capacity() {
        let shard = Shard::new();
        assert!(shard.slot(3).is_some());
        assert!(shard.slot(crate::record::callsite::MAX_CALLSITES).is_none());
        assert_eq!(shard.slots.iter().count(), SLOT_CHUNK);
    }
}
