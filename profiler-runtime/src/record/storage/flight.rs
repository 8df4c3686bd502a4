//! Which monitored calls are in flight now, for the wall sampler that
//! splits the session's wall time among them (see `session::wall`).
//!
//! A call is *in flight in its own code* while it runs on a thread with no
//! monitored call open inside it, or while it is a future that returned
//! `Pending` without a monitored future pending inside it (it waits on a
//! timer, I/O, a lock or an unmonitored task, not on a monitored callee).
//! Those are the calls a speed-up of their own code would shorten.
//!
//! Two structures answer "what is in flight":
//!
//! - [`Flight`], one per shard (so per thread): the thread's open timed
//!   calls and polls as a stack of slot indices, innermost last. A sync call
//!   pushes at its start and pops at its end; a future pushes around each
//!   poll. The owner writes, the sampler reads the top. Per call: one load
//!   and two stores at the start, a load and a store at the end, on a line
//!   the thread owns.
//! - [`Waiting`], one per recorder: per callsite, how many of its futures are
//!   pending in their own code. Futures move between threads, so these are
//!   shared counters: one read-modify-write when such a future pends and one
//!   when it is polled again or dropped (while polled, it is on its thread's
//!   stack instead). Sync calls never touch them.
//!
//! Whether a pending future waits in its own code is told by a flag beside
//! the stack that each monitored poll sets when it returns `Pending`: the
//! enclosing poll finds it set when a monitored child is what it waits on.

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering::*};

/// Open calls a thread's stack keeps before it wraps around (see
/// [`Flight::push`]).
pub(crate) const FLIGHT_DEPTH: usize = 32;

/// One thread's open timed calls and polls, innermost last. Single writer:
/// the owning thread.
pub(crate) struct Flight {
    depth: AtomicU32,
    /// Set by a monitored poll that returned `Pending`, for the poll
    /// around it (see [`Flight::poll_pends`]).
    child_pending: AtomicBool,
    /// Slot index plus one of each open call, outermost first.
    stack: [AtomicU32; FLIGHT_DEPTH],
}

impl Flight {
    pub(crate) const fn new() -> Flight {
        Flight {
            depth: AtomicU32::new(0),
            child_pending: AtomicBool::new(false),
            stack: [const { AtomicU32::new(0) }; FLIGHT_DEPTH],
        }
    }

    /// A call or poll of slot `index` opens. Owner thread only.
    ///
    /// Past [`FLIGHT_DEPTH`] the stack wraps: a call that deep overwrites an
    /// outer entry, so after a deep recursion of other functions an outer
    /// call may be seen as the deep one until it ends (sampling error, not
    /// lost calls), and no bounds check is paid on every call.
    #[inline(always)]
    pub(crate) fn push(&self, index: usize) {
        let depth = self.depth.load(Relaxed);
        self.stack[depth as usize % FLIGHT_DEPTH].store(index as u32 + 1, Relaxed);
        // Release: a sampler that reads this depth reads the entry above.
        self.depth.store(depth.wrapping_add(1), Release);
    }

    /// The innermost open call or poll closes. Owner thread only; every pop
    /// follows its push.
    #[inline(always)]
    pub(crate) fn pop(&self) {
        self.depth.store(self.depth.load(Relaxed).wrapping_sub(1), Relaxed);
    }

    /// A monitored poll of slot `index` starts: opens it, and returns the
    /// flag to give back if it completes. Owner thread only.
    #[inline]
    pub(crate) fn poll_begins(&self, index: usize) -> bool {
        self.push(index);
        let outer = self.child_pending.load(Relaxed);
        self.child_pending.store(false, Relaxed);
        outer
    }

    /// The poll returned `Pending`: closes it, and says whether the future
    /// waits in its own code (no monitored future pending inside it). Tells
    /// the enclosing poll that a monitored child of its pends.
    #[inline]
    pub(crate) fn poll_pends(&self) -> bool {
        self.pop();
        let child = self.child_pending.load(Relaxed);
        self.child_pending.store(true, Relaxed);
        !child
    }

    /// The poll completed the future: closes it, and puts back the
    /// enclosing poll's flag as it was.
    #[inline]
    pub(crate) fn poll_completes(&self, outer: bool) {
        self.pop();
        self.child_pending.store(outer, Relaxed);
    }

    /// Forgets every open call: the thread gave its shard back, or a panic
    /// cut polls short.
    pub(crate) fn clear(&self) {
        self.depth.store(0, Relaxed);
        self.child_pending.store(false, Relaxed);
    }

    /// The slot index of the innermost open call, if any (any thread).
    pub(crate) fn top(&self) -> Option<usize> {
        let depth = self.depth.load(Acquire) as usize;
        // A depth past any real stack is a pop without its push: nothing.
        if depth == 0 || depth > u32::MAX as usize / 2 {
            return None;
        }
        let entry = self.stack[(depth - 1) % FLIGHT_DEPTH].load(Relaxed);
        entry.checked_sub(1).map(|index| index as usize)
    }
}

/// Per callsite of one recorder (`N` of them at most), its futures pending
/// in their own code.
pub(crate) struct Waiting<const N: usize> {
    counts: [AtomicU32; N],
}

impl<const N: usize> Waiting<N> {
    pub(crate) const fn new() -> Waiting<N> {
        Waiting { counts: [const { AtomicU32::new(0) }; N] }
    }

    /// A future of slot `index` pends in its own code.
    #[inline]
    pub(crate) fn add(&self, index: usize) {
        if let Some(count) = self.counts.get(index) {
            // Relaxed: the sampler's view may lag a poll; it only estimates.
            count.fetch_add(1, Relaxed);
        }
    }

    /// That future is polled again, or dropped.
    #[inline]
    pub(crate) fn remove(&self, index: usize) {
        if let Some(count) = self.counts.get(index) {
            count.fetch_sub(1, Relaxed);
        }
    }

    /// Calls `f(index, count)` for each callsite among the first `sites`
    /// with futures pending in their own code.
    pub(crate) fn for_each(&self, sites: usize, mut f: impl FnMut(usize, u32)) {
        for (index, count) in self.counts.iter().take(sites).enumerate() {
            let count = count.load(Relaxed);
            // A count read between a remove and its add on another thread
            // can wrap below zero for an instant: skip it.
            if count != 0 && count < u32::MAX / 2 {
                f(index, count);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_top_is_the_innermost_open_call_even_past_the_kept_depth() {
        let flight = Flight::new();
        assert_eq!(flight.top(), None);
        flight.push(3);
        flight.push(7);
        assert_eq!(flight.top(), Some(7));
        flight.pop();
        assert_eq!(flight.top(), Some(3));
        for _ in 0..FLIGHT_DEPTH + 5 {
            flight.push(9);
        }
        flight.push(11);
        assert_eq!(flight.top(), Some(11), "the innermost, wrapped around");
        flight.pop();
        assert_eq!(flight.top(), Some(9));
        for _ in 0..FLIGHT_DEPTH + 5 {
            flight.pop();
        }
        // Back at depth 1, whose entry the 33rd push overwrote: the
        // documented sampling error, and the depth itself is right.
        assert_eq!(flight.top(), Some(9));
        flight.pop();
        assert_eq!(flight.top(), None);
        flight.pop();
        assert_eq!(flight.top(), None, "a pop without its push reads as nothing open");
    }

    #[test]
    fn waiting_counts_are_listed_only_while_futures_pend() {
        let waiting = Waiting::<16>::new();
        let list = |w: &Waiting<16>| {
            let mut seen = Vec::new();
            w.for_each(16, |i, n| seen.push((i, n)));
            seen
        };
        waiting.add(4);
        waiting.add(4);
        waiting.add(2);
        assert_eq!(list(&waiting), [(2, 1), (4, 2)]);
        waiting.remove(4);
        waiting.remove(2);
        assert_eq!(list(&waiting), [(4, 1)]);
        waiting.remove(4);
        assert_eq!(list(&waiting), []);
    }

    #[test]
    fn a_poll_waits_in_its_own_code_unless_a_monitored_child_pends_inside_it() {
        let flight = Flight::new();
        // Outer poll: a child pends inside it.
        let outer = flight.poll_begins(1);
        let child = flight.poll_begins(2);
        assert_eq!(flight.top(), Some(2));
        assert!(flight.poll_pends(), "the child waits on something unmonitored");
        let _ = child;
        assert!(!flight.poll_pends(), "the outer future waits on its child");
        assert_eq!(flight.top(), None);
        let _ = outer;
        // A poll whose child completes, then pends on its own.
        let outer = flight.poll_begins(1);
        let child = flight.poll_begins(2);
        flight.poll_completes(child);
        assert!(flight.poll_pends(), "nothing monitored pends inside it");
        assert_eq!(flight.top(), None);
        let _ = outer;
        // A poll that completes gives its enclosing poll's flag back.
        let outer = flight.poll_begins(1);
        let child = flight.poll_begins(2);
        assert!(flight.poll_pends());
        let _ = child;
        let sibling = flight.poll_begins(3);
        assert!(sibling, "the sibling that pended before it");
        flight.poll_completes(sibling);
        assert!(!flight.poll_pends(), "the first child still pends inside it");
        let _ = outer;
    }
}
