//! Thread-owned storage: every thread writes only its own shard, so an
//! instrumented call touches no cache line another thread writes.
//!
//! Each field is an atomic so the reporter can read it while the owner writes,
//! but the owner never does a read-modify-write: it `load`s and `store`s with
//! `Relaxed` ordering (plain moves on x86 and ARM). That is sound because a
//! shard has exactly one writer at a time: the thread that took it from its
//! monitor's pool, which it hands back (under the pool's lock, so the next owner
//! sees every value) only when the thread exits.
//!
//! A shard holds a [`Slot`] per callsite the thread has called (allocated
//! sixteen at a time, on first use), the histogram [`Pages`] those slots point
//! into, and the thread's cache, API and custom counters. What one thread
//! costs is therefore what it called: about 200 bytes per callsite plus 64
//! bytes per power of two its durations took (see `examples/scale.rs`).

use crate::record::detail::trace::Ring;
use crate::record::detail::tree::Tree;
use crate::record::detail::Extras;
use crate::record::sites::sampling::Draws;
use crate::record::storage::chunks::Chunks;
use crate::record::storage::error_text::Errors;
use crate::record::storage::flight::Flight;
use crate::record::storage::pages::{Carry, Pages};
use crate::record::storage::pauses::Pauses;
use crate::record::storage::reading::{Fixed, Totals, FIXED_COUNT};
use crate::record::storage::slot::Slot;
use crate::record::sync::bump;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{MutexGuard, OnceLock};

/// The most distinct custom counter names; later ones are counted as dropped.
pub const MAX_COUNTERS: usize = 4096;
const COUNTER_CHUNK: usize = 64;
/// Slots allocated together (3 KiB): a thread's table of chunk pointers
/// stays 8 KiB.
const SLOT_CHUNK: usize = 16;

/// One thread's share of one monitor.
pub(crate) struct Shard {
    slots: Chunks<Slot, SLOT_CHUNK>,
    /// The detailed level's measures, by slot index: the table made at the
    /// thread's first detailed call, each chunk at a slot's first one (so
    /// a thread at the basic level pays nothing for it).
    extras: OnceLock<Chunks<Extras, SLOT_CHUNK>>,
    /// Futures' pauses, by slot index: made at the thread's first future
    /// that completes after a `Pending` (see [`crate::record::storage::pauses`]).
    pauses: OnceLock<Chunks<Pauses, SLOT_CHUNK>>,
    pub(crate) pages: Pages,
    pub(crate) errors: Errors,
    /// The random source of sampled callsites' countdowns.
    pub(crate) draws: Draws,
    /// The full level's event log, made at the thread's first traced call.
    trace: OnceLock<Ring>,
    /// The detailed level's call tree of this thread.
    pub(crate) tree: Tree,
    counters: Chunks<AtomicU64, COUNTER_CHUNK>,
    fixed: [AtomicU64; FIXED_COUNT],
    /// The thread's open timed calls, for the wall sampler.
    pub(crate) flight: Flight,
}

impl Shard {
    pub(crate) fn new() -> Self {
        Shard {
            slots: Chunks::new(
                crate::record::sites::registry::MAX_CALLSITES / SLOT_CHUNK,
                Slot::new,
            ),
            extras: OnceLock::new(),
            pauses: OnceLock::new(),
            pages: Pages::new(),
            errors: Errors::new(),
            draws: Draws::new(),
            trace: OnceLock::new(),
            tree: Tree::new(),
            counters: Chunks::new(MAX_COUNTERS / COUNTER_CHUNK, || AtomicU64::new(0)),
            fixed: [const { AtomicU64::new(0) }; FIXED_COUNT],
            flight: Flight::new(),
        }
    }

    #[inline(always)]
    pub(crate) fn slot(&self, index: usize) -> Option<&Slot> {
        self.slots.get_or_alloc(index)
    }

    /// The slot at `index` if its chunk is allocated (no allocation).
    /// The event log, made on first use (owner thread, full level).
    pub(crate) fn trace(&self) -> Option<&Ring> {
        Some(self.trace.get_or_init(Ring::new))
    }

    /// The event log, if the thread ever traced a call.
    pub(crate) fn trace_if_any(&self) -> Option<&Ring> {
        self.trace.get()
    }

    /// The detailed measures of slot `index`, allocated on first use.
    #[inline]
    pub(crate) fn extras(&self, index: usize) -> Option<&Extras> {
        self.extras
            .get_or_init(|| {
                Chunks::new(crate::record::sites::registry::MAX_CALLSITES / SLOT_CHUNK, Extras::new)
            })
            .get_or_alloc(index)
    }

    /// The pauses of slot `index`, allocated on first use.
    pub(crate) fn pauses(&self, index: usize) -> Option<&Pauses> {
        self.pauses
            .get_or_init(|| {
                Chunks::new(crate::record::sites::registry::MAX_CALLSITES / SLOT_CHUNK, Pauses::new)
            })
            .get_or_alloc(index)
    }

    #[inline(always)]
    pub(crate) fn allocated_slot(&self, index: usize) -> Option<&Slot> {
        self.slots.get(index)
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

    /// Starts a reading of this shard: locks its carry ledger until the
    /// reading is dropped (see [`crate::record::storage::pages`]).
    pub(crate) fn reading(&self) -> Reading<'_> {
        Reading { shard: self, carries: self.pages.reading() }
    }
}

/// A shard being read, its carry ledger locked.
pub(crate) struct Reading<'a> {
    shard: &'a Shard,
    carries: MutexGuard<'a, Vec<Carry>>,
}

impl Reading<'_> {
    /// Adds everything this shard holds to `out`: the histogram pages in
    /// the order they were taken, then the slots in index order (both
    /// sequential in memory), then the counters. Pages before slots: see
    /// [`Slot::record`] for why that never counts a call twice.
    pub(crate) fn read_into(&self, epoch: u64, out: &mut Totals) {
        let shard = self.shard;
        shard.pages.read_into(&self.carries, out);
        for (index, slot) in shard.slots.iter() {
            slot.read_into(&shard.errors, epoch, out.site_mut(index));
        }
        for (index, extras) in shard.extras.get().into_iter().flat_map(Chunks::iter) {
            extras.read_into(out.site_mut(index));
        }
        for (index, pauses) in shard.pauses.get().into_iter().flat_map(Chunks::iter) {
            pauses.read_into(out.site_mut(index));
        }
        out.histogram_dropped += shard.pages.lost();
        shard.tree.read_into(&mut out.tree);
        for (index, cell) in shard.counters.iter() {
            let value = cell.load(Relaxed);
            if value != 0 {
                if out.counters.len() <= index {
                    out.counters.resize(index + 1, 0);
                }
                out.counters[index] += value;
            }
        }
        for (dst, src) in out.fixed.iter_mut().zip(&shard.fixed) {
            *dst += src.load(Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_allocated_in_chunks_and_refused_past_capacity() {
        let shard = Shard::new();
        assert!(shard.slot(3).is_some());
        assert!(shard.slot(crate::record::sites::registry::MAX_CALLSITES).is_none());
        assert_eq!(shard.slots.iter().count(), SLOT_CHUNK);
    }
}
