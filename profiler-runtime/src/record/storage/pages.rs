//! Histogram pages: one thread's bucket counts, stored only for the powers of
//! two its calls actually took.
//!
//! A callsite's histogram has [`GROUPS`] groups of 16 buckets (one group per
//! power of two of the duration). A slot holds no buckets itself: the first
//! time one of its calls lands in a group, the thread takes a 64-byte page of
//! sixteen `u32` cells from its shard's page table and the slot remembers the
//! page's id for that group. A function whose calls span three powers of two
//! costs three pages, not the 5 KiB a dense `u64` histogram did.
//!
//! Cells are 32 bits. A cell about to wrap (its 2^32-th count, which takes
//! over a minute of back-to-back calls of one function on one thread landing
//! in one bucket) carries 2^32 into the shard's carry ledger under a lock and
//! restarts at zero; readers take the same lock while they read the shard's
//! pages, so they never see a cell that has wrapped without its carry.

use super::chunks::Chunks;
use super::histogram::GROUP;
use super::reading::Totals;
use crate::record::sync::lock;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering::*};
use std::sync::{Mutex, MutexGuard};

/// A page's id in its shard, from 1; 0 stands for "no page yet".
pub(crate) type PageId = u16;

/// The most pages one shard hands out (2 MiB of them: four powers of two
/// for each of 8,192 callsites); calls landing in a group that finds the
/// table full are counted as dropped histogram values. A bound rather than
/// `u16::MAX` so a thread's table of chunk pointers stays 8 KiB.
pub(crate) const MAX_PAGES: usize = 32_768;
/// Pages allocated together: 4 KiB, one memory page.
const PAGE_CHUNK: usize = 64;

/// Sixteen bucket counts: one power of two of durations, one cache line.
#[repr(align(64))]
struct Page([AtomicU32; GROUP]);

/// 2^32 counts moved out of one cell of one page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Carry {
    page: PageId,
    cell: u8,
    /// Multiples of 2^32 moved out so far.
    wraps: u64,
}

/// One shard's histogram pages. Owner thread writes; readers read.
pub(crate) struct Pages {
    table: Chunks<Page, PAGE_CHUNK>,
    /// Whose each page is: slot index << 8 | group. Readers go through the
    /// pages in this order (sequential memory) rather than slot by slot.
    owners: Chunks<AtomicU32, PAGE_CHUNK>,
    /// Pages handed out so far (single writer: the owning thread).
    used: AtomicU32,
    /// Histogram values with no page to go to (the table was full).
    lost: AtomicU64,
    carries: Mutex<Vec<Carry>>,
}

impl Pages {
    pub(crate) fn new() -> Self {
        Pages {
            table: Chunks::new(MAX_PAGES.div_ceil(PAGE_CHUNK), || {
                Page([const { AtomicU32::new(0) }; GROUP])
            }),
            owners: Chunks::new(MAX_PAGES.div_ceil(PAGE_CHUNK), || AtomicU32::new(0)),
            used: AtomicU32::new(0),
            lost: AtomicU64::new(0),
            carries: Mutex::new(Vec::new()),
        }
    }

    /// A fresh, zeroed page for group `group` of slot `slot`; `None` when
    /// the table is full (the value is counted as lost). Owner thread only;
    /// once per (slot, group).
    #[cold]
    #[inline(never)]
    pub(crate) fn take(&self, slot: usize, group: usize) -> Option<PageId> {
        let used = self.used.load(Relaxed) as usize;
        let owner = self.owners.get_or_alloc(used);
        if used >= MAX_PAGES || self.table.get_or_alloc(used).is_none() || owner.is_none() {
            crate::record::sync::bump(&self.lost, 1);
            return None;
        }
        if let Some(owner) = owner {
            owner.store((slot as u32) << 8 | group as u32, Relaxed);
        }
        // Release: a reader that sees the count sees the page and its owner.
        self.used.store(used as u32 + 1, Release);
        Some((used + 1) as PageId)
    }

    /// Counts one value in `cell` of page `id`. Owner thread only.
    #[inline(always)]
    pub(crate) fn count(&self, id: PageId, cell: usize) {
        let Some(page) = self.table.get(usize::from(id) - 1) else { return };
        let cell_ref = &page.0[cell % GROUP];
        let next = cell_ref.load(Relaxed).wrapping_add(1);
        if next == 0 {
            self.carry(id, cell % GROUP);
        } else {
            cell_ref.store(next, Relaxed);
        }
    }

    /// The 2^32-th count of a cell: moves it to the ledger, cell back to 0.
    #[cold]
    #[inline(never)]
    fn carry(&self, id: PageId, cell: usize) {
        let mut carries = lock(&self.carries);
        match carries.iter_mut().find(|c| c.page == id && usize::from(c.cell) == cell) {
            Some(c) => c.wraps += 1,
            None => carries.push(Carry { page: id, cell: cell as u8, wraps: 1 }),
        }
        // Under the lock, so a reader sees both changes or neither.
        if let Some(page) = self.table.get(usize::from(id) - 1) {
            page.0[cell].store(0, Relaxed);
        }
    }

    /// Locks the carry ledger for a reading of the whole shard.
    pub(crate) fn reading(&self) -> MutexGuard<'_, Vec<Carry>> {
        lock(&self.carries)
    }

    /// Adds every page's counts (with their carries) to its slot's totals in
    /// `out`, page by page in the order they were taken.
    pub(crate) fn read_into(&self, carries: &[Carry], out: &mut Totals) {
        let used = self.used.load(Acquire) as usize;
        for index in 0..used {
            let (Some(page), Some(owner)) = (self.table.get(index), self.owners.get(index)) else {
                continue;
            };
            let owner = owner.load(Relaxed);
            let (slot, group) = ((owner >> 8) as usize, (owner & 0xFF) as usize);
            let counts = out.site_mut(slot).buckets.group_mut(group);
            for (dst, src) in counts.iter_mut().zip(&page.0) {
                *dst += u64::from(src.load(Relaxed));
            }
            let id = (index + 1) as PageId;
            for c in carries.iter().filter(|c| c.page == id) {
                if let Some(dst) = counts.get_mut(usize::from(c.cell)) {
                    *dst += c.wraps << 32;
                }
            }
        }
    }

    /// Histogram values that found the page table full.
    pub(crate) fn lost(&self) -> u64 {
        self.lost.load(Relaxed)
    }

    /// Sets a cell's count, so tests reach a wrap without 2^32 calls.
    #[cfg(test)]
    pub(crate) fn set(&self, id: PageId, cell: usize, value: u32) {
        if let Some(page) = self.table.get(usize::from(id) - 1) {
            page.0[cell].store(value, Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Page `id`'s counts as a reading sees them (tests give page `n` to slot `n`).
    fn read(pages: &Pages, id: PageId) -> Vec<u64> {
        let mut out = Totals::default();
        pages.read_into(&pages.reading(), &mut out);
        let counts = out.site_mut(usize::from(id)).buckets.group_mut(0);
        counts.to_vec()
    }

    #[test]
    fn pages_count_per_cell() {
        let pages = Pages::new();
        let a = pages.take(1, 0).unwrap();
        let b = pages.take(2, 0).unwrap();
        assert_ne!(a, b);
        pages.count(a, 3);
        pages.count(a, 3);
        pages.count(b, 15);
        assert_eq!(read(&pages, a)[3], 2);
        assert_eq!(read(&pages, b)[15], 1);
        assert_eq!(read(&pages, a).iter().sum::<u64>(), 2);
    }

    #[test]
    fn a_full_table_refuses_pages_and_counts_what_it_lost() {
        let pages = Pages::new();
        let ids: Vec<PageId> = (0..MAX_PAGES).map(|i| pages.take(i % 8192, 3).unwrap()).collect();
        assert_eq!((ids[0], ids[MAX_PAGES - 1]), (1, MAX_PAGES as PageId));
        assert_eq!(pages.lost(), 0);
        assert_eq!(pages.take(0, 4), None);
        assert_eq!(pages.take(0, 5), None);
        assert_eq!(pages.lost(), 2);
    }

    #[test]
    fn a_full_cell_carries_into_the_ledger_without_losing_a_count() {
        let pages = Pages::new();
        let id = pages.take(1, 0).unwrap();
        pages.set(id, 5, u32::MAX - 1);
        pages.count(id, 5);
        assert_eq!(read(&pages, id)[5], u64::from(u32::MAX));
        pages.count(id, 5);
        assert_eq!(read(&pages, id)[5], 1 << 32, "the wrap moved into the ledger");
        pages.count(id, 5);
        pages.set(id, 5, u32::MAX);
        pages.count(id, 5);
        assert_eq!(read(&pages, id)[5], 2 << 32);
        assert_eq!(read(&pages, id).iter().sum::<u64>(), 2 << 32);
    }
}
