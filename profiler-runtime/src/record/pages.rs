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
use super::recorder::lock;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering::*};
use std::sync::{Mutex, MutexGuard};

/// A page's id in its shard, from 1; 0 stands for "no page yet".
pub(crate) type PageId = u16;

/// The most pages one shard hands out (4 MiB of them); calls landing in a
/// group that finds the table full are counted as dropped histogram values.
const MAX_PAGES: usize = PageId::MAX as usize;
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
            used: AtomicU32::new(0),
            lost: AtomicU64::new(0),
            carries: Mutex::new(Vec::new()),
        }
    }

    /// A fresh, zeroed page; `None` when the table is full (the value is
    /// counted as lost). Owner thread only; once per (slot, group).
    #[cold]
    #[inline(never)]
    pub(crate) fn take(&self) -> Option<PageId> {
        let used = self.used.load(Relaxed) as usize;
        if used >= MAX_PAGES || self.table.get_or_alloc(used).is_none() {
            super::shard::bump(&self.lost, 1);
            return None;
        }
        self.used.store(used as u32 + 1, Relaxed);
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

    /// Adds page `id`'s counts (with their carries) to `out`, 16 buckets.
    pub(crate) fn read_into(&self, id: PageId, carries: &[Carry], out: &mut [u64]) {
        let Some(page) = usize::from(id).checked_sub(1).and_then(|i| self.table.get(i)) else {
            return;
        };
        for (dst, src) in out.iter_mut().zip(&page.0) {
            *dst += u64::from(src.load(Relaxed));
        }
        for c in carries.iter().filter(|c| c.page == id) {
            if let Some(dst) = out.get_mut(usize::from(c.cell)) {
                *dst += c.wraps << 32;
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

    fn read(pages: &Pages, id: PageId) -> Vec<u64> {
        let mut out = vec![0; GROUP];
        let carries = pages.reading();
        pages.read_into(id, &carries, &mut out);
        out
    }

    #[test]
    fn pages_count_per_cell() {
        let pages = Pages::new();
        let a = pages.take().unwrap();
        let b = pages.take().unwrap();
        assert_ne!(a, b);
        pages.count(a, 3);
        pages.count(a, 3);
        pages.count(b, 15);
        assert_eq!(read(&pages, a)[3], 2);
        assert_eq!(read(&pages, b)[15], 1);
        assert_eq!(read(&pages, a).iter().sum::<u64>(), 2);
    }

    #[test]
    fn a_full_cell_carries_into_the_ledger_without_losing_a_count() {
        let pages = Pages::new();
        let id = pages.take().unwrap();
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
