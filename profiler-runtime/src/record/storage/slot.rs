//! One callsite's measures on one thread: the per-callsite record every call
//! writes, and that every later measure extends.
//!
//! # What a call touches
//!
//! A slot is three cache lines (192 bytes) and owns no histogram buckets
//! itself (see [`super::pages`]):
//!
//! | line | fields | written by |
//! |------|--------|------------|
//! | 1 | `calls`, `total_ns`, `pending`, `epoch`, `min_ns`, `max_ns`, `failures`, `slow` | every timed call (failures and slow only when they happen) |
//! | 2 | `self_ns` | every timed call (its self time, see [`crate::record::call::nesting`]) |
//! | 2 | `untimed`, `countdown` | every call of a sampled callsite that is not timed |
//! | 2 | `cancelled`, `error` | cancellations, a slot's first failure with a text (the text itself lives in the shard) |
//! | 2-3 | `pages` | read by every timed call (its page), written at a call in a new power of two |
//! | 3 | `tree_hint` | detailed calls (the call tree node the previous one used, see [`crate::record::detail::tree`]) |
//!
//! A reading touches lines 1 and 2; the pages are read from the shard, in
//! the order they were taken.
//!
//! Per call, at each kind of callsite:
//!
//! - **timed** (the default): two clock reads, line 1, and one `u32` cell of a
//!   histogram page (the previous call's, see [`Slot::record`]).
//! - **sampled, not timed** (`sample = N`, N-1 calls in N on average): no
//!   clock read; the countdown and the untimed count on line 2, plus
//!   `failures` when the call fails.
//! - **sampled, timed**: a timed call plus drawing the next countdown.
//!
//! In the peers bench (README, "Overhead"), a timed call of a trivial
//! function measured 22.9 ns against 19.8 ns for the two clock reads alone,
//! and a `sample = 64` one 4.2 ns on average (2.4 ns over the bare function;
//! 1 in 64 pays for the clock).
//!
//! # Room for the next measures
//!
//! The slot has 4 bytes spare (at the end of line 3): `tree_hint` took the
//! other four. A `u64` every call writes widens it to four lines. Measures that only some
//! levels want do not widen the slot: the detailed level's (CPU time,
//! allocations) live in the shard's table of [`crate::record::detail::Extras`],
//! indexed like the slots and allocated at a thread's first detailed call,
//! so a slot at the basic level stays 192 bytes and its calls touch the same
//! lines. Adding a measure is a field, a line in [`Slot::read_into`] (or
//! `Extras::read_into`), a field in [`SiteTotals`] and a column in the
//! report row.

use super::error_text::Errors;
use super::histogram::{self, GROUP, GROUPS};
use super::pages::{PageId, Pages};
use super::reading::SiteTotals;
use crate::record::sync::bump;
use std::fmt;
use std::sync::atomic::{AtomicU16, AtomicU32, AtomicU64, Ordering::*};

/// One callsite's measures on one thread. Single writer: the owning thread
/// (see [`crate::record::shards::shard`]).
#[repr(C, align(64))]
pub(crate) struct Slot {
    // Line 1: every timed call.
    calls: AtomicU64,
    total_ns: AtomicU64,
    /// The latest call's duration plus one (0: none), not yet in the pages.
    /// See [`Slot::record`] for why the histogram runs one call behind.
    pending: AtomicU64,
    /// The session epoch `min_ns` and `max_ns` belong to; a new session resets them.
    epoch: AtomicU64,
    min_ns: AtomicU64,
    max_ns: AtomicU64,
    failures: AtomicU64,
    slow: AtomicU64,
    // Line 2 (with the start of the page words): what readers also read.
    /// Calls counted but not timed (sampled callsites only).
    untimed: AtomicU64,
    cancelled: AtomicU64,
    /// The timed calls' self time: duration less their monitored children's
    /// (see [`crate::record::call::nesting`]).
    self_ns: AtomicU64,
    /// Calls left until the next timed one, that one included; 0: draw anew.
    countdown: AtomicU32,
    /// The shard's text of this slot's last error; 0: no failure with a text yet.
    error: AtomicU16,
    /// The page holding each group's buckets, four 16-bit ids to a word (0:
    /// none yet). Only the owner reads them: readers go through the shard's
    /// pages in order, so a reading touches two of the slot's three lines.
    pages: [AtomicU64; PAGE_WORDS],
    /// The call tree node this callsite's previous detailed call used on
    /// this thread (see [`crate::record::detail::tree`]); owner only.
    tree_hint: AtomicU32,
}

const PAGE_WORDS: usize = GROUPS.div_ceil(4);

const _: () = assert!(std::mem::size_of::<Slot>() == 192, "a slot is three cache lines");

impl Slot {
    pub(crate) fn new() -> Self {
        Slot {
            calls: AtomicU64::new(0),
            total_ns: AtomicU64::new(0),
            pending: AtomicU64::new(0),
            epoch: AtomicU64::new(0),
            min_ns: AtomicU64::new(u64::MAX),
            max_ns: AtomicU64::new(0),
            failures: AtomicU64::new(0),
            slow: AtomicU64::new(0),
            untimed: AtomicU64::new(0),
            cancelled: AtomicU64::new(0),
            self_ns: AtomicU64::new(0),
            countdown: AtomicU32::new(0),
            error: AtomicU16::new(0),
            pages: [const { AtomicU64::new(0) }; PAGE_WORDS],
            tree_hint: AtomicU32::new(0),
        }
    }

    /// Records one finished, timed call. Owner thread only.
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
    pub(crate) fn record(
        &self,
        pages: &Pages,
        index: usize,
        nanos: u64,
        failed: bool,
        slow_ns: u64,
        epoch: u64,
    ) {
        let previous = self.pending.load(Relaxed);
        // Pending first, then the bucket; readers read the pages first, then
        // pending. So a reading taken between the two stores sees this call
        // in place of the previous one, and never the previous one twice
        // (x86 keeps stores and loads in order; on weaker memory models one
        // reading may be off by one bucket, which the saturating difference
        // between readings absorbs). Quiescent readings are always exact.
        self.pending.store(nanos.saturating_add(1), Relaxed);
        if previous != 0 {
            self.count_in_histogram(pages, index, previous - 1);
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
    fn count_in_histogram(&self, pages: &Pages, index: usize, nanos: u64) {
        let bucket = histogram::bucket_of(nanos);
        let group = bucket / GROUP;
        let Some(word) = self.pages.get(group / 4) else { return };
        let mut id = (word.load(Relaxed) >> (16 * (group % 4))) as PageId;
        if id == 0 {
            match self.add_page(pages, index, group) {
                Some(new) => id = new,
                None => return,
            }
        }
        pages.count(id, bucket % GROUP);
    }

    /// The first value in `group`: takes a page for it.
    #[cold]
    #[inline(never)]
    fn add_page(&self, pages: &Pages, index: usize, group: usize) -> Option<PageId> {
        let id = pages.take(index, group)?;
        let word = &self.pages[group / 4];
        let ids = word.load(Relaxed) | u64::from(id) << (16 * (group % 4));
        // Release: a reader that sees the id sees the page's zeroed cells.
        word.store(ids, Release);
        Some(id)
    }

    /// Adds a timed call's self time. Owner thread only.
    #[inline(always)]
    pub(crate) fn record_self(&self, nanos: u64) {
        bump(&self.self_ns, nanos);
    }

    /// The call tree node hint (see [`crate::record::detail::tree`]).
    pub(crate) fn tree_hint(&self) -> u32 {
        self.tree_hint.load(Relaxed)
    }

    /// Sets the call tree node hint. Owner thread only.
    pub(crate) fn set_tree_hint(&self, id: u32) {
        self.tree_hint.store(id, Relaxed);
    }

    /// The duration of the latest timed call on this thread, if any.
    #[inline]
    pub(crate) fn last_ns(&self) -> Option<u64> {
        self.pending.load(Relaxed).checked_sub(1)
    }

    /// Counts a call of a sampled callsite that was not timed. Owner thread only.
    #[inline(always)]
    pub(crate) fn record_untimed(&self, failed: bool) {
        if failed {
            bump(&self.failures, 1);
        }
        bump(&self.untimed, 1);
    }

    /// Decides whether this call of a sampled callsite is timed: true for
    /// one call in `rate` on average, each call independently (see
    /// [`crate::record::sites::sampling`]). Owner thread only.
    #[inline(always)]
    pub(crate) fn take_sample(&self, mut draw: impl FnMut() -> u32) -> bool {
        let mut left = self.countdown.load(Relaxed);
        if left == 0 {
            left = draw();
        }
        if left > 1 {
            self.countdown.store(left - 1, Relaxed);
            false
        } else {
            // The next gap now, so the calls after this one find a countdown
            // under way and take the short path (see `Slot::skip_sample`).
            self.countdown.store(draw(), Relaxed);
            true
        }
    }

    /// The common case of [`Slot::take_sample`]: a countdown under way that
    /// does not end at this call. Counts the call down and returns true, or
    /// returns false having changed nothing.
    #[inline(always)]
    pub(crate) fn skip_sample(&self) -> bool {
        let left = self.countdown.load(Relaxed);
        if left > 1 {
            self.countdown.store(left - 1, Relaxed);
            true
        } else {
            false
        }
    }

    /// Records a future dropped before it completed. Owner thread only.
    pub(crate) fn record_cancelled(&self) {
        bump(&self.cancelled, 1);
    }

    /// Keeps a failure's text as the slot's last error. Owner thread only.
    pub(crate) fn record_error(&self, errors: &Errors, stamp: u64, text: &dyn fmt::Display) {
        let mut id = self.error.load(Relaxed);
        if id == 0 {
            let Some(new) = errors.take() else { return };
            // Release: a reader that sees the id sees the text's storage.
            self.error.store(new, Release);
            id = new;
        }
        if let Some(slot_text) = errors.get(id) {
            slot_text.write(stamp, text);
        }
    }

    /// Adds this slot's values to `out`, but for the histogram pages, which
    /// the shard reads before its slots, in the order they were taken
    /// ([`Pages::read_into`]); `errors` is the shard's table of error texts.
    pub(crate) fn read_into(&self, errors: &Errors, epoch: u64, out: &mut SiteTotals) {
        let calls = self.calls.load(Relaxed);
        let untimed = self.untimed.load(Relaxed);
        let cancelled = self.cancelled.load(Relaxed);
        if calls == 0 && untimed == 0 && cancelled == 0 {
            return;
        }
        out.calls += calls;
        out.untimed += untimed;
        out.cancelled += cancelled;
        out.failures += self.failures.load(Relaxed);
        out.slow += self.slow.load(Relaxed);
        out.total_ns += self.total_ns.load(Relaxed);
        out.self_ns += self.self_ns.load(Relaxed);
        if calls > 0 && self.epoch.load(Relaxed) == epoch {
            out.min_ns = out.min_ns.min(self.min_ns.load(Relaxed));
            out.max_ns = out.max_ns.max(self.max_ns.load(Relaxed));
        }
        // The pending call, read after the shard's pages (see `record`).
        let pending = self.pending.load(Relaxed);
        if pending != 0 {
            out.buckets.add(histogram::bucket_of(pending - 1), 1);
        }
        let error = self.error.load(Acquire);
        if let Some((stamp, text)) = errors.get(error).and_then(|e| e.read()) {
            if out.error.as_ref().is_none_or(|(s, _)| stamp > *s) {
                out.error = Some((stamp, text));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::storage::histogram::BUCKETS;

    fn read(slot: &Slot, pages: &Pages, epoch: u64) -> SiteTotals {
        read_with(slot, pages, &Errors::new(), epoch)
    }

    /// The reading of `slot` as slot 0 of a shard with these pages and errors.
    fn read_with(slot: &Slot, pages: &Pages, errors: &Errors, epoch: u64) -> SiteTotals {
        let mut out = crate::record::storage::reading::Totals::default();
        pages.read_into(&pages.reading(), &mut out);
        slot.read_into(errors, epoch, out.site_mut(0));
        out.sites.swap_remove(0)
    }

    fn dense(out: &SiteTotals) -> Vec<u64> {
        let mut dense = vec![0u64; BUCKETS];
        out.buckets.counts().for_each(|(b, n)| dense[b] += n);
        dense
    }

    #[test]
    fn a_slot_resets_min_and_max_for_a_new_epoch() {
        let (slot, pages) = (Slot::new(), Pages::new());
        slot.record(&pages, 0, 100, false, 90, 1);
        slot.record(&pages, 0, 50, true, 90, 1);
        slot.record(&pages, 0, 70, false, 90, 2);
        let out = read(&slot, &pages, 2);
        assert_eq!((out.calls, out.failures, out.slow, out.total_ns), (3, 1, 1, 220));
        assert_eq!((out.min_ns, out.max_ns), (70, 70));
        assert_eq!(dense(&out).iter().sum::<u64>(), 3);
    }

    #[test]
    fn every_call_is_in_the_histogram_including_the_pending_one() {
        let (slot, pages) = (Slot::new(), Pages::new());
        let durations = [7, 1_000, 1_000, 250_000, 3];
        for (i, &nanos) in durations.iter().enumerate() {
            slot.record(&pages, 0, nanos, false, 0, 1);
            // After each call, the reading holds exactly the calls made so far.
            let mut expected = vec![0u64; BUCKETS];
            durations[..=i].iter().for_each(|&d| expected[histogram::bucket_of(d)] += 1);
            assert_eq!(dense(&read(&slot, &pages, 1)), expected, "after call {i}");
        }
        // Pages only for the powers of two that were counted (the last call
        // is pending): 7 ns, 1,000 ns and 250,000 ns.
        let paged: u32 = slot
            .pages
            .iter()
            .map(|w| {
                (0..4).filter(|lane| w.load(Relaxed) >> (16 * lane) & 0xFFFF != 0).count() as u32
            })
            .sum();
        assert_eq!(paged, 3);
    }

    #[test]
    fn untimed_calls_count_and_fail_without_touching_the_timing() {
        let (slot, pages) = (Slot::new(), Pages::new());
        slot.record(&pages, 0, 40, false, 0, 1);
        slot.record_untimed(false);
        slot.record_untimed(true);
        let out = read(&slot, &pages, 1);
        assert_eq!((out.calls, out.untimed, out.failures, out.total_ns), (1, 2, 1, 40));
        assert_eq!(dense(&out).iter().sum::<u64>(), 1);
    }

    #[test]
    fn the_countdown_times_the_last_call_of_each_draw() {
        let slot = Slot::new();
        let mut draws = [3u32, 1, 2, 4].into_iter();
        let picks: Vec<bool> = (0..6).map(|_| slot.take_sample(|| draws.next().unwrap())).collect();
        assert_eq!(picks, [false, false, true, true, false, true]);
        assert_eq!(slot.countdown.load(Relaxed), 4, "drawn at the timed call");
    }

    /// The exact nearest-rank quantile of sorted values.
    fn nearest_rank(sorted: &[u64], q: f64) -> u64 {
        let rank = ((q * sorted.len() as f64).ceil() as usize).max(1);
        sorted[rank - 1]
    }

    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::with_cases(128) })]

        /// Durations recorded through a slot and its pages, read back, give
        /// every percentile within the stated relative error, and the count
        /// and sum exactly, whatever powers of two they span.
        #[test]
        fn percentiles_from_the_paged_storage_stay_within_the_bound(
            durations in proptest::collection::vec(
                (0u32..44, 0u64..u64::MAX).prop_map(|(bits, r)| (1u64 << bits) + r % (1u64 << bits)),
                1..400,
            ),
            quantiles in proptest::collection::vec(0.0f64..=1.0, 1..8),
        ) {
            let (slot, pages) = (Slot::new(), Pages::new());
            for &d in &durations {
                slot.record(&pages, 0, d, false, 0, 1);
            }
            let out = read(&slot, &pages, 1);
            let histogram = histogram::Histogram::from_counts(out.buckets.counts());
            prop_assert_eq!(histogram.count(), durations.len() as u64);
            prop_assert_eq!(out.total_ns, durations.iter().sum::<u64>());
            let mut sorted = durations.clone();
            sorted.sort_unstable();
            for q in quantiles {
                let exact = nearest_rank(&sorted, q) as f64;
                let got = histogram.quantile(q).unwrap() as f64;
                prop_assert!(
                    (got - exact).abs() / exact <= histogram::MAX_RELATIVE_ERROR,
                    "q {}: {} for {}", q, got, exact
                );
            }
        }
    }

    #[test]
    fn counts_past_a_cells_width_carry_into_the_reading() {
        let (slot, pages) = (Slot::new(), Pages::new());
        slot.record(&pages, 0, 100, false, 0, 1);
        slot.record(&pages, 0, 100, false, 0, 1); // counts the first 100 ns call
        let group = histogram::bucket_of(100) / GROUP;
        let id = (slot.pages[group / 4].load(Relaxed) >> (16 * (group % 4))) as PageId;
        pages.set(id, histogram::bucket_of(100) % GROUP, u32::MAX);
        slot.record(&pages, 0, 100, false, 0, 1);
        let out = read(&slot, &pages, 1);
        // u32::MAX, plus the one just counted (carried), plus the pending call.
        assert_eq!(dense(&out)[histogram::bucket_of(100)], u64::from(u32::MAX) + 2);
    }

    #[test]
    fn an_error_text_is_kept_only_once_a_call_fails() {
        let (slot, pages, errors) = (Slot::new(), Pages::new(), Errors::new());
        let other = Slot::new();
        assert_eq!(slot.error.load(Relaxed), 0);
        slot.record(&pages, 0, 10, true, 0, 1);
        slot.record_error(&errors, 5, &"disk full");
        other.record_untimed(true);
        other.record_error(&errors, 6, &"timeout");
        slot.record_error(&errors, 7, &"disk full again");
        assert_eq!(
            read_with(&slot, &pages, &errors, 1).error,
            Some((7, "disk full again".to_owned()))
        );
        assert_eq!(read_with(&other, &pages, &errors, 1).error, Some((6, "timeout".to_owned())));
        assert_ne!(slot.error.load(Relaxed), other.error.load(Relaxed));
    }
}
