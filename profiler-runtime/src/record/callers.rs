//! Who called whom: per thread, one edge per (caller, callee) pair of
//! callsites with its calls and their time, at every level.
//!
//! A call learns its caller from the thread's running call (see
//! [`super::nesting`]). A call with no monitored caller writes nothing
//! here. One with a caller bumps two counters of its edge, found through
//! the callee slot's hint (the edge its previous call used), so a function
//! called from one place over and over touches one edge and no list.
//! When the hint misses, the slot's list of edges is walked (a function's
//! callers on this thread, newest first), and a pair seen for the first
//! time is appended to the shard's table.
//!
//! The table is append-only and single-writer, like the rest of the shard:
//! a reader takes the published length (`Acquire`) and reads every edge
//! below it, whose caller and callee were written before the length was.
//! [`MAX_EDGES`] pairs per thread; later ones are counted as lost.

use super::chunks::Chunks;
use super::detail;
use super::shard::bump;
use super::slot::Slot;
use std::collections::btree_map::{BTreeMap, Entry};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering::*};
use std::sync::OnceLock;

/// Distinct (caller, callee) pairs one thread keeps per monitor.
pub(crate) const MAX_EDGES: usize = 16_384;
/// Edges allocated together (2 KiB).
const EDGE_CHUNK: usize = 64;

/// One (caller, callee) pair on one thread.
struct Edge {
    caller: AtomicU32,
    callee: AtomicU32,
    /// The next edge (plus one) of the callee's list; only the owner reads it.
    next: AtomicU32,
    calls: AtomicU64,
    nanos: AtomicU64,
}

impl Edge {
    fn new() -> Edge {
        Edge {
            caller: AtomicU32::new(0),
            callee: AtomicU32::new(0),
            next: AtomicU32::new(0),
            calls: AtomicU64::new(0),
            nanos: AtomicU64::new(0),
        }
    }

    #[inline(always)]
    fn add(&self, nanos: u64) {
        bump(&self.calls, 1);
        bump(&self.nanos, nanos);
    }
}

/// One thread's edges. Its chunk table is made at the thread's first
/// nested call, so a thread that never nests pays nothing.
pub(crate) struct Callers {
    edges: OnceLock<Chunks<Edge, EDGE_CHUNK>>,
    /// Edges published to readers.
    len: AtomicU32,
    /// Calls whose pair found the table full.
    lost: AtomicU64,
}

impl Callers {
    pub(crate) fn new() -> Callers {
        Callers { edges: OnceLock::new(), len: AtomicU32::new(0), lost: AtomicU64::new(0) }
    }

    /// Records a call of slot `callee` (whose record is `slot`) made by
    /// slot `caller`, taking `nanos`. Owner thread only. Out of line: inlined
    /// into a call's end, it cost every call 9-11 ns, nested or not (it
    /// changed how the whole end was compiled), where a call to it costs a
    /// nested call about 2 ns.
    #[inline(never)]
    pub(crate) fn record(&self, slot: &Slot, caller: usize, callee: usize, nanos: u64) {
        let (hint, _) = slot.callers();
        if let Some(edge) = self.edge(hint) {
            if edge.caller.load(Relaxed) as usize == caller {
                edge.add(nanos);
                return;
            }
        }
        self.record_missed(slot, caller, callee, nanos);
    }

    /// The edge whose index plus one is `id` (0: none).
    #[inline(always)]
    fn edge(&self, id: u32) -> Option<&Edge> {
        let index = (id as usize).checked_sub(1)?;
        self.edges.get()?.get(index)
    }

    /// [`Callers::record`] when the hint is another caller's edge: walks the
    /// callee's list, else appends a new edge.
    #[inline(never)]
    fn record_missed(&self, slot: &Slot, caller: usize, callee: usize, nanos: u64) {
        let (_, head) = slot.callers();
        let mut id = head;
        while let Some(edge) = self.edge(id) {
            if edge.caller.load(Relaxed) as usize == caller {
                edge.add(nanos);
                slot.set_callers(id, head);
                return;
            }
            id = edge.next.load(Relaxed);
        }
        let index = self.len.load(Relaxed) as usize;
        // The table and its chunks are the recorder's: charged to no call.
        let edge = detail::uncharged(|| {
            let table = self.edges.get_or_init(|| Chunks::new(MAX_EDGES / EDGE_CHUNK, Edge::new));
            table.get_or_alloc(index)
        });
        let Some(edge) = edge else {
            bump(&self.lost, 1);
            return;
        };
        edge.caller.store(caller as u32, Relaxed);
        edge.callee.store(callee as u32, Relaxed);
        edge.next.store(head, Relaxed);
        edge.add(nanos);
        // Release: a reader that sees the length sees the edge's pair.
        self.len.store(index as u32 + 1, Release);
        let id = index as u32 + 1;
        slot.set_callers(id, id);
    }

    /// Adds every edge's counts to `out`.
    pub(crate) fn read_into(&self, out: &mut EdgeTotals) {
        out.lost += self.lost.load(Relaxed);
        let len = self.len.load(Acquire) as usize;
        let Some(table) = self.edges.get() else { return };
        for (_, edge) in table.iter().take_while(|(i, _)| *i < len) {
            let pair = (edge.caller.load(Relaxed), edge.callee.load(Relaxed));
            let totals = out.pairs.entry(pair).or_default();
            totals.calls += edge.calls.load(Relaxed);
            totals.nanos = totals.nanos.wrapping_add(edge.nanos.load(Relaxed));
        }
    }
}

/// One pair's calls and their time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct PairTotals {
    pub(crate) calls: u64,
    pub(crate) nanos: u64,
}

/// Every pair's totals across threads, by (caller, callee) slot index.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct EdgeTotals {
    pub(crate) pairs: BTreeMap<(u32, u32), PairTotals>,
    /// Calls whose pair found a thread's table full.
    pub(crate) lost: u64,
}

impl EdgeTotals {
    /// Adds another reading.
    pub(crate) fn merge(&mut self, other: EdgeTotals) {
        for (pair, t) in other.pairs {
            let mine = self.pairs.entry(pair).or_default();
            mine.calls += t.calls;
            mine.nanos = mine.nanos.wrapping_add(t.nanos);
        }
        self.lost += other.lost;
    }

    /// Takes an earlier reading away; pairs with no call left are dropped.
    pub(crate) fn subtract(&mut self, start: &EdgeTotals) {
        for (pair, t) in &start.pairs {
            if let Entry::Occupied(mut mine) = self.pairs.entry(*pair) {
                let m = mine.get_mut();
                m.calls = m.calls.saturating_sub(t.calls);
                m.nanos = m.nanos.wrapping_sub(t.nanos);
                if m.calls == 0 {
                    mine.remove();
                }
            }
        }
        self.lost = self.lost.saturating_sub(start.lost);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(callers: &Callers) -> Vec<((u32, u32), u64, u64)> {
        let mut out = EdgeTotals::default();
        callers.read_into(&mut out);
        out.pairs.into_iter().map(|(pair, t)| (pair, t.calls, t.nanos)).collect()
    }

    #[test]
    fn each_pair_counts_its_own_calls_whichever_order_they_come_in() {
        let callers = Callers::new();
        let (a, b) = (Slot::new(), Slot::new());
        callers.record(&a, 7, 1, 10);
        callers.record(&a, 7, 1, 20);
        callers.record(&a, 8, 1, 5); // a second caller of slot 1
        callers.record(&a, 7, 1, 1); // back to the first: a walk, not a new edge
        callers.record(&b, 7, 2, 3);
        callers.record(&a, 8, 1, 5);
        assert_eq!(read(&callers), [((7, 1), 3, 31), ((7, 2), 1, 3), ((8, 1), 2, 10)]);
        assert_eq!(callers.len.load(Relaxed), 3, "one edge per pair");
    }

    #[test]
    fn pairs_past_the_table_are_lost_and_counted() {
        let callers = Callers::new();
        let slots: Vec<Slot> = (0..MAX_EDGES + 5).map(|_| Slot::new()).collect();
        for (callee, slot) in slots.iter().enumerate() {
            callers.record(slot, 3, callee, 1);
        }
        let mut out = EdgeTotals::default();
        callers.read_into(&mut out);
        assert_eq!(out.pairs.len(), MAX_EDGES);
        assert_eq!(out.lost, 5);
        // A kept pair still counts; a lost one is lost again.
        callers.record(&slots[0], 3, 0, 1);
        callers.record(&slots[MAX_EDGES], 3, MAX_EDGES, 1);
        let mut again = EdgeTotals::default();
        callers.read_into(&mut again);
        assert_eq!(again.pairs[&(3, 0)].calls, 2);
        assert_eq!(again.lost, 6);
    }

    #[test]
    fn a_session_is_the_difference_of_two_readings() {
        let callers = Callers::new();
        let slot = Slot::new();
        callers.record(&slot, 1, 0, 100);
        let mut start = EdgeTotals::default();
        callers.read_into(&mut start);
        callers.record(&slot, 2, 0, 7);
        let mut end = EdgeTotals::default();
        callers.read_into(&mut end);
        end.subtract(&start);
        assert_eq!(end.pairs.len(), 1, "the pair with no call in the session is gone");
        assert_eq!(end.pairs[&(2, 0)], PairTotals { calls: 1, nanos: 7 });
    }
}
