//! Self time: a call's duration less the durations of the monitored calls
//! it made, at every level.
//!
//! Each thread keeps one running sum: the durations of the monitored
//! calls that have ended on it, where an ended call's own sum replaces those
//! of the calls it contained (so a grandchild is not counted twice). A sync
//! call notes the sum when it starts ([`mark`]); when it ends, what the sum
//! grew by is its children's time, and it sets the sum to the mark plus its
//! own duration ([`close`]). That is two thread-local accesses and one saved
//! word per call, and no stack.
//!
//! A future is a child of whatever polls it: a monitored future awaited by
//! another completes inside one of the awaiting future's polls, so its
//! duration lands in that poll. Each poll of a monitored future notes the sum
//! before and restores it after ([`poll_end`]), keeping what its children
//! added; the poll in which it completes ends like a sync call ([`close`]):
//! its children's time is what its polls kept, and its own duration goes to
//! whatever polled it. A future
//! that moves between threads carries its children's time with it; a
//! spawned task is nobody's child (the executor polls it). Children that run
//! at once (`join!`) can add up to more than their parent's duration: its
//! self time is then 0, not negative.
//!
//! Calls of a sampled callsite that are not timed have no duration: their
//! time stays in their caller's self time. Manual operations take no part
//! (they may end on another thread or out of order): their self time is
//! their duration, and it stays in the enclosing call's self time too.
//!
//! # The running call (the call graph, detailed level and up)
//!
//! A detailed call also makes itself the thread's running call for as long
//! as it runs ([`enter`]), keeping the one it replaced in the high bits of
//! its mark, and puts that one back when it ends ([`close_entered`]). The
//! running call when a call starts is its caller (see `callers.rs`). A
//! future is the running call during each of its polls, on whichever
//! thread polls it, so what it calls or awaits is its callee wherever it
//! moved; its own caller is whatever was running when its last poll began:
//! the future that awaits it, or nothing for a task an executor polls. A
//! panic out of a poll leaves nothing running ([`unwound`]). Basic calls
//! keep the graph out of their path: measured, one more thread-local store
//! at a call's start cost a basic call 1-10 ns depending on how the
//! compiler laid the end out, more than self time itself.

use std::cell::Cell;

/// An entered mark's bits for the running sum; above them, the running
/// call's slot index plus one (0: none). 2^48 ns is 78 hours: an entered
/// call's differences of the sum are taken modulo that, and [`unwrap`]
/// puts back what a call longer than that lost.
const SUM_BITS: u32 = 48;
const SUM: u64 = (1 << SUM_BITS) - 1;

const _: () = assert!(super::callsite::MAX_CALLSITES < 1 << (64 - SUM_BITS));

/// The thread's running sum and, for the call graph, its running call
/// (slot index plus one), in two cells: a basic call touches only the sum.
struct State {
    sum: Cell<u64>,
    running: Cell<u64>,
}

thread_local! {
    static STATE: State = const { State { sum: Cell::new(0), running: Cell::new(0) } };
}

/// The thread's running sum now: a basic sync call's starting mark, or a
/// basic poll's.
#[inline(always)]
pub(crate) fn mark() -> u64 {
    STATE.with(|state| state.sum.get())
}

/// Ends a basic sync call that started at `mark` and took `nanos`: returns
/// its children's time and leaves its own duration in the sum.
#[inline(always)]
pub(crate) fn close(mark: u64, nanos: u64) -> u64 {
    STATE.with(|state| {
        let children = state.sum.get().wrapping_sub(mark);
        state.sum.set(mark.wrapping_add(nanos));
        children
    })
}

/// Ends a basic poll that started at `mark`: returns what its children
/// added and puts the sum back (the future's own duration goes in when it
/// completes).
#[inline(always)]
pub(crate) fn poll_end(mark: u64) -> u64 {
    STATE.with(|state| {
        let children = state.sum.get().wrapping_sub(mark);
        state.sum.set(mark);
        children
    })
}

/// Starts a detailed sync call (or poll) of slot `index`: returns its
/// mark (the sum's low bits and the call that was running) and makes it
/// the running call, the caller of the calls made inside it.
#[inline(always)]
pub(crate) fn enter(index: usize) -> u64 {
    STATE.with(|state| {
        let mark = state.sum.get() & SUM | state.running.get() << SUM_BITS;
        state.running.set(index as u64 + 1);
        mark
    })
}

/// The slot index of the call that was running when the entered `mark`
/// was taken: the caller of the call that took it; `None` at the top of a
/// thread (or of a spawned task's poll).
#[inline(always)]
pub(crate) fn parent(mark: u64) -> Option<usize> {
    ((mark >> SUM_BITS) as usize).checked_sub(1)
}

/// The children's time of a call of `nanos` whose sum grew by `raw`
/// (modulo 2^48): the largest value that is `raw` modulo 2^48 and not more
/// than `nanos` (children that ran at once can pass it: then `raw`).
#[inline(always)]
fn unwrap(raw: u64, nanos: u64) -> u64 {
    match nanos.checked_sub(raw) {
        Some(room) => raw + (room & !SUM),
        None => raw,
    }
}

/// [`close`] for a call that started with [`enter`]: also makes its
/// caller the running call again. The sum stays whole (the mark holds
/// only its low bits), so basic calls around it still add up.
#[inline(always)]
pub(crate) fn close_entered(mark: u64, nanos: u64) -> u64 {
    STATE.with(|state| {
        let now = state.sum.get();
        let children = unwrap(now.wrapping_sub(mark) & SUM, nanos);
        state.sum.set(now.wrapping_sub(children).wrapping_add(nanos));
        state.running.set(mark >> SUM_BITS);
        children
    })
}

/// [`poll_end`] for a poll that started with [`enter`].
#[inline(always)]
pub(crate) fn poll_end_entered(mark: u64) -> u64 {
    STATE.with(|state| {
        let now = state.sum.get();
        let children = now.wrapping_sub(mark) & SUM;
        state.sum.set(now.wrapping_sub(children));
        state.running.set(mark >> SUM_BITS);
        children
    })
}

/// A panic unwound out of a poll: nothing is the running call now. The
/// unwinding goes on through the calls around the poll, and each monitored
/// sync call it passes puts its own caller back as it ends, so what runs
/// after the panic is caught sees the right caller, unless the panic is
/// caught inside a monitored sync call, whose later callees then have none.
/// (Restoring the poll's mark instead cost every async call ~10 ns.)
#[cold]
#[inline(never)]
pub(crate) fn unwound() {
    STATE.with(|state| state.running.set(0));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn children_count_once_and_grandchildren_not_again() {
        let outer = mark();
        let child = mark();
        let grandchild = mark();
        assert_eq!(close(grandchild, 30), 0);
        assert_eq!(close(child, 100), 30, "the child contains its grandchild");
        let second = mark();
        assert_eq!(close(second, 50), 0);
        assert_eq!(close(outer, 400), 150, "two children: 100 and 50, not 180");
    }

    #[test]
    fn a_future_keeps_what_its_polls_children_added_and_gives_its_own_time_to_its_poller() {
        let caller = mark();
        // First poll: an awaited child completes inside it.
        let poll = mark();
        let child = mark();
        close(child, 70);
        let kept = poll_end(poll);
        // Second poll: nothing inside; the future completes in it, giving
        // its own time to its poller as a sync call does.
        let poll = mark();
        let kept = kept + close(poll, 500);
        assert_eq!(kept, 70);
        assert_eq!(close(caller, 600), 500, "the caller sees the future, not its child again");
    }

    #[test]
    fn each_call_sees_the_call_it_started_in_as_its_parent() {
        let top = enter(7);
        assert_eq!(parent(top), None, "nothing runs at the top of a thread");
        let child = enter(3);
        assert_eq!(parent(child), Some(7));
        let grandchild = enter(3);
        assert_eq!(parent(grandchild), Some(3), "recursion is its own parent");
        close_entered(grandchild, 5);
        assert_eq!(close_entered(child, 10), 5);
        let sibling = enter(4);
        assert_eq!(parent(sibling), Some(7), "closing a child makes its caller run again");
        close_entered(sibling, 1);
        assert_eq!(close_entered(top, 20), 11);
        assert_eq!(parent(enter(1)), None, "and the top again once the top call ended");
    }

    #[test]
    fn a_poll_restores_the_running_call() {
        let caller = enter(5);
        let poll = enter(6);
        assert_eq!(parent(enter(2)), Some(6), "calls inside the poll are the future's");
        poll_end_entered(poll);
        assert_eq!(parent(enter(2)), Some(5));
        let _ = caller;
    }

    #[test]
    fn calls_longer_than_the_sums_width_keep_their_childrens_time() {
        let hours = |h: u64| h * 3_600_000_000_000;
        // A 200-hour call whose children took 150 hours: the sum's 48 bits
        // hold 78 hours; the children's time comes back whole.
        assert_eq!(unwrap(hours(150) & SUM, hours(200)), hours(150));
        assert_eq!(unwrap(30, 100), 30);
        assert_eq!(unwrap(130, 100), 130, "children that ran at once pass their parent");
        let outer = enter(0);
        let child = enter(1);
        close_entered(child, hours(150));
        assert_eq!(close_entered(outer, hours(200)), hours(150));
    }

    #[test]
    fn basic_and_entered_calls_nested_in_each_other_add_up() {
        // A basic call around an entered one around a basic one, with the
        // sum already past the entered marks' width.
        STATE.with(|state| state.sum.set(SUM + 12_345));
        let outer = mark();
        let middle = enter(2);
        let inner = mark();
        assert_eq!(close(inner, 40), 0);
        assert_eq!(close_entered(middle, 100), 40);
        assert_eq!(close(outer, 300), 100, "the outer call sees the middle one, once");
    }
}
