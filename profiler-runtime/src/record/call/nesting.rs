//! Self time: a call's duration less the durations of the monitored calls
//! it made, at every level.
//!
//! Each thread keeps one running sum, `DONE`: the durations of the monitored
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

use std::cell::Cell;

thread_local! {
    static DONE: Cell<u64> = const { Cell::new(0) };
}

/// The thread's running sum now: a sync call's starting mark, or a poll's.
#[inline(always)]
pub(crate) fn mark() -> u64 {
    DONE.with(Cell::get)
}

/// Ends a sync call that started at `mark` and took `nanos`: returns its
/// children's time and leaves its own duration in the sum.
#[inline(always)]
pub(crate) fn close(mark: u64, nanos: u64) -> u64 {
    DONE.with(|done| {
        let children = done.get().wrapping_sub(mark);
        done.set(mark.wrapping_add(nanos));
        children
    })
}

/// Ends a poll that started at `mark`: returns what its children added and
/// puts the sum back (the future's own duration goes in when it completes).
#[inline(always)]
pub(crate) fn poll_end(mark: u64) -> u64 {
    DONE.with(|done| {
        let children = done.get().wrapping_sub(mark);
        done.set(mark);
        children
    })
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
}
