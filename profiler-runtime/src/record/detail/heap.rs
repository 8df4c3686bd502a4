//! Allocation counts kept by [`crate::CountingAllocator`], for the detailed
//! level to charge to calls and sessions.
//!
//! Two kinds of count, both updated on every allocation through the counting
//! allocator and neither behind a lock:
//!
//! - **The thread's own** running totals (bytes and allocations), plain
//!   thread-local cells. A call at the detailed level reads them when it
//!   starts and ends (see [`crate::record::detail`]), so what it is charged is what its
//!   own thread allocated meanwhile, less what the monitored calls it made
//!   were charged.
//! - **The process's** totals (bytes and allocations made, bytes freed), in a
//!   block per thread: the first [`BLOCKS`] threads that allocate each take a
//!   block of their own and update it with plain loads and stores (one writer);
//!   later threads share one block and update it with atomic additions. A
//!   block outlives its thread, so the sums stay exact. Sessions and stages
//!   difference the sums; the memory sampler reads the live heap (made less
//!   freed) for its peak.
//!
//! Thread-local storage here is `const`-initialised and has no destructor, so
//! touching it never allocates, which is what makes it usable from inside an
//! allocator.

use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::Relaxed};

/// Threads that get a block of their own; later ones share [`SHARED`].
pub(crate) const BLOCKS: usize = 256;

/// One thread's (or, for [`SHARED`], several threads') process-wide counts.
#[repr(align(64))]
struct Block {
    allocated: AtomicU64,
    allocations: AtomicU64,
    freed: AtomicU64,
}

impl Block {
    const fn new() -> Block {
        Block {
            allocated: AtomicU64::new(0),
            allocations: AtomicU64::new(0),
            freed: AtomicU64::new(0),
        }
    }
}

static BLOCK_TABLE: [Block; BLOCKS] = [const { Block::new() }; BLOCKS];
static SHARED: Block = Block::new();
/// Blocks handed out so far (may run past [`BLOCKS`]: those threads share).
static NEXT_BLOCK: AtomicUsize = AtomicUsize::new(0);
/// Set by the first allocation through the counting allocator.
static INSTALLED: AtomicBool = AtomicBool::new(false);

/// This thread's block: unassigned, its own (index), or the shared one.
const UNASSIGNED: usize = usize::MAX;
const SHARED_BLOCK: usize = usize::MAX - 1;

thread_local! {
    static BLOCK: Cell<usize> = const { Cell::new(UNASSIGNED) };
    static THREAD_BYTES: Cell<u64> = const { Cell::new(0) };
    static THREAD_ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

/// Which block this thread writes, taking one on its first allocation.
#[inline(always)]
fn block() -> Option<(&'static Block, bool)> {
    let index = BLOCK.try_with(Cell::get).ok()?;
    let index = if index == UNASSIGNED { assign() } else { index };
    Some(match BLOCK_TABLE.get(index) {
        Some(own) => (own, true),
        None => (&SHARED, false),
    })
}

#[cold]
fn assign() -> usize {
    INSTALLED.store(true, Relaxed);
    let taken = NEXT_BLOCK.fetch_add(1, Relaxed);
    let index = if taken < BLOCKS { taken } else { SHARED_BLOCK };
    let _ = BLOCK.try_with(|b| b.set(index));
    index
}

#[inline(always)]
fn add(cell: &AtomicU64, by: u64, own: bool) {
    if own {
        // One writer (this thread): a plain load and store, no locked add.
        cell.store(cell.load(Relaxed).wrapping_add(by), Relaxed);
    } else {
        cell.fetch_add(by, Relaxed);
    }
}

/// Counts an allocation of `bytes` on this thread.
#[inline(always)]
pub(crate) fn allocated(bytes: u64) {
    let _ = THREAD_BYTES.try_with(|c| c.set(c.get().wrapping_add(bytes)));
    let _ = THREAD_ALLOCATIONS.try_with(|c| c.set(c.get().wrapping_add(1)));
    if let Some((block, own)) = block() {
        add(&block.allocated, bytes, own);
        add(&block.allocations, 1, own);
    }
}

/// Counts `bytes` freed on this thread (whichever thread allocated them).
#[inline(always)]
pub(crate) fn freed(bytes: u64) {
    if let Some((block, own)) = block() {
        add(&block.freed, bytes, own);
    }
}

/// This thread's running totals: (bytes, allocations) it has allocated.
#[inline(always)]
pub(crate) fn thread_totals() -> (u64, u64) {
    let bytes = THREAD_BYTES.try_with(Cell::get).unwrap_or(0);
    let allocations = THREAD_ALLOCATIONS.try_with(Cell::get).unwrap_or(0);
    (bytes, allocations)
}

/// Whether any allocation has gone through the counting allocator.
pub(crate) fn installed() -> bool {
    INSTALLED.load(Relaxed)
}

/// The process's totals since it started.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct HeapTotals {
    /// Bytes allocated (a reallocation counts its new size).
    pub(crate) allocated: u64,
    /// Allocations made (a reallocation counts as one).
    pub(crate) allocations: u64,
    /// Bytes freed (a reallocation frees its old size).
    pub(crate) freed: u64,
}

impl HeapTotals {
    /// Bytes allocated and not yet freed.
    pub(crate) fn live(&self) -> u64 {
        self.allocated.saturating_sub(self.freed)
    }

    /// What was added between `start` and `self`.
    pub(crate) fn since(&self, start: &HeapTotals) -> HeapTotals {
        HeapTotals {
            allocated: self.allocated.saturating_sub(start.allocated),
            allocations: self.allocations.saturating_sub(start.allocations),
            freed: self.freed.saturating_sub(start.freed),
        }
    }
}

/// The process's totals now, or `None` if the counting allocator is not
/// installed. Reads every block in use.
pub(crate) fn process_totals() -> Option<HeapTotals> {
    if !installed() {
        return None;
    }
    let used = NEXT_BLOCK.load(Relaxed).min(BLOCKS);
    let mut t = HeapTotals::default();
    for block in BLOCK_TABLE[..used].iter().chain(std::iter::once(&SHARED)) {
        t.allocated = t.allocated.wrapping_add(block.allocated.load(Relaxed));
        t.allocations = t.allocations.wrapping_add(block.allocations.load(Relaxed));
        t.freed = t.freed.wrapping_add(block.freed.load(Relaxed));
    }
    Some(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_go_to_the_thread_and_the_process() {
        // The unit-test binary has no counting allocator: these calls are
        // the only counts, apart from other tests' own calls of them.
        let (bytes, allocations) = thread_totals();
        allocated(1000);
        allocated(24);
        freed(1000);
        assert_eq!(thread_totals(), (bytes + 1024, allocations + 2));
        let t = process_totals().expect("counting marks the allocator installed");
        assert!(t.allocated >= 1024 && t.freed >= 1000 && t.allocations >= 2);
        let later = HeapTotals {
            allocated: t.allocated + 10,
            allocations: t.allocations + 1,
            freed: t.freed,
        };
        assert_eq!(later.since(&t), HeapTotals { allocated: 10, allocations: 1, freed: 0 });
        assert_eq!(HeapTotals { allocated: 5, allocations: 1, freed: 9 }.live(), 0);
    }

    #[test]
    fn threads_past_the_table_share_a_block_and_lose_nothing() {
        // Other tests may take blocks too; this only needs the table to be
        // full once, and the counts to add up across the threads here.
        let before = process_totals().unwrap_or_default();
        let handles: Vec<_> =
            (0..BLOCKS + 8).map(|_| std::thread::spawn(|| allocated(3))).collect();
        handles.into_iter().for_each(|h| h.join().unwrap());
        let after = process_totals().unwrap();
        assert!(after.since(&before).allocated >= 3 * (BLOCKS as u64 + 8));
        assert!(NEXT_BLOCK.load(Relaxed) > BLOCKS);
    }
}
