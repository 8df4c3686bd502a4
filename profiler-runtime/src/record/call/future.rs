//! The future adapter behind `#[monitor]` on `async fn` and on functions that
//! return a future.
//!
//! Timing starts at the first `poll` (not when the future is built) and stops
//! when the inner future completes, so the recorded time is the future's wall
//! time. A future dropped before completing counts as cancelled; one whose
//! `poll` panics counts as a failure. The adapter is `Send`/`Sync`/`Unpin`
//! exactly when the inner future is.

use super::basic::FirstPoll;
use super::guard::{Active, Shape};
use super::nesting;
use super::outcome::Outcome;
use super::word::PollToken;
use crate::record::clock;
use crate::record::shards::local;
use crate::record::sites::callsite::Callsite;
use crate::record::storage::flight::Flight;
use crate::record::storage::pauses::Pause;
use pin_project_lite::pin_project;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

enum State {
    NotStarted,
    /// Between polls: the call, and its pauses so far.
    Running(Active, Pause),
    Done,
}

pin_project! {
    /// A future timed from its first poll to its completion.
    ///
    /// Built by `#[monitor]`; `C` turns the output into an [`Outcome`] so an
    /// `Err` counts as a failure.
    pub struct Instrumented<F, C> {
        #[pin]
        inner: F,
        site: &'static Callsite,
        classify: C,
        state: State,
    }

    impl<F, C> PinnedDrop for Instrumented<F, C> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            if let State::Running(active, pause) = std::mem::replace(this.state, State::Done) {
                if pause.waiting {
                    active.set_waiting(false);
                }
                if std::thread::panicking() {
                    active.panicked_polled();
                } else {
                    active.cancel();
                }
            }
        }
    }
}

impl<F, C> fmt::Debug for Instrumented<F, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Instrumented").field("site", &self.site).finish_non_exhaustive()
    }
}

/// Wraps `inner` so it is timed; `classify` decides whether its output is a
/// failure.
///
/// `T` is spelled out by the macro so an `async` block's output type is known
/// before its body is checked (coercions and `?` then work as in the original).
pub fn instrument<T, F, C>(site: &'static Callsite, inner: F, classify: C) -> Instrumented<F, C>
where
    F: Future<Output = T>,
    C: for<'a> FnMut(&'a T) -> Outcome<'a>,
{
    Instrumented { inner, site, classify, state: State::NotStarted }
}

/// A classifier for outputs that cannot fail (or whose type the macro cannot name).
pub fn always_success<T>(_: &T) -> Outcome<'_> {
    Outcome::Success
}

impl<F, C> Future for Instrumented<F, C>
where
    F: Future,
    C: for<'a> FnMut(&'a F::Output) -> Outcome<'a>,
{
    type Output = F::Output;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        // The call is held by a guard while the inner future runs (the state
        // says `Done` meanwhile), so a panic out of `poll` is a failure even if
        // the caller catches it and drops this future later (which would
        // otherwise look like a cancellation). Kept in a local rather than
        // written to the state first: a future that is ready at once never
        // stores it.
        let (active, mut pause) = match std::mem::replace(this.state, State::Done) {
            State::NotStarted => match FirstPoll::begin(this.site) {
                Ok(first) => {
                    // The common first poll: found once, and ended as a
                    // sync call if the future completes in it.
                    let polled = this.inner.poll(cx);
                    return match polled {
                        Poll::Ready(output) => {
                            first.completed((this.classify)(&output));
                            Poll::Ready(output)
                        }
                        Poll::Pending => {
                            let p = first.pended();
                            let active =
                                Active::resumed(p.recorder, this.site, p.index, p.start, p.kids);
                            *this.state = State::Running(active, p.pause);
                            Poll::Pending
                        }
                    };
                }
                Err(read) => (
                    Active::start_from(local::current(), this.site, Shape::Polls, read),
                    Pause::default(),
                ),
            },
            State::Running(active, mut pause) => {
                // Running now, not waiting: a poll that computes for long
                // after a wake-up must not count twice.
                if pause.waiting {
                    active.set_waiting(false);
                    pause.waiting = false;
                }
                // Resumed: the pause since the last `Pending` was waiting.
                if active.is_timed() {
                    // Clock ticks, turned into nanoseconds once at the end.
                    pause.waited =
                        pause.waited.wrapping_add(clock::now().wrapping_sub(pause.since));
                    pause.pauses += 1;
                }
                (Some(active), pause)
            }
            State::Done => (None, Pause::default()),
        };
        // At the detailed level, each poll is a frame of its own (see `detail`).
        let frame = match &active {
            Some(active) if active.is_detailed() => active.open_poll(),
            _ => PollToken::default(),
        };
        // Self time's mark: only for a call being recorded, so a future whose
        // monitor is off pays for no thread-local access.
        let mark = if active.is_some() { nesting::mark() } else { 0 };
        // Only timed futures are in flight: an untimed one's time stays in
        // its poller's, as for self time. One shard lookup for the poll.
        let shard = match &active {
            Some(active) if active.is_timed() => active.shard(),
            _ => None,
        };
        let flight = shard.map(|shard| &shard.flight);
        let outer_pending =
            flight.is_some_and(|f| f.poll_begins(active.as_ref().map_or(0, Active::index)));
        let guard = InPoll { active, flight };
        let polled = this.inner.poll(cx);
        let mut active = guard.disarm();
        if let Some(flight) = flight {
            match polled {
                Poll::Pending => pause.waiting = flight.poll_pends(),
                Poll::Ready(_) => flight.poll_completes(outer_pending),
            }
            if let Some(active) = active.as_ref().filter(|_| pause.waiting) {
                active.set_waiting(true);
            }
        }
        if frame.is_open() {
            if let Some(active) = &active {
                active.close_poll(frame);
            }
        }
        let output = match polled {
            Poll::Ready(output) => output,
            Poll::Pending => {
                // What this poll's children added stays with the future.
                if let Some(active) = &mut active {
                    active.add_children(nesting::poll_end(mark));
                    if active.is_timed() {
                        pause.since = clock::now();
                    }
                    *this.state = State::Running(*active, pause);
                }
                return Poll::Pending;
            }
        };
        if let Some(active) = active {
            let (recorder, index) = active.pauses_at();
            active.finish_polled(shard, (this.classify)(&output), mark);
            if pause.pauses > 0 {
                Active::record_pauses(recorder, index, pause);
            }
        }
        Poll::Ready(output)
    }
}

/// A call in the middle of a `poll`, with the in-flight stack its poll
/// opened on; dropped armed only by a panic.
struct InPoll {
    active: Option<Active>,
    flight: Option<&'static Flight>,
}

impl InPoll {
    #[inline(always)]
    fn disarm(mut self) -> Option<Active> {
        self.active.take()
    }
}

impl Drop for InPoll {
    #[inline]
    fn drop(&mut self) {
        if let Some(active) = self.active.take() {
            if let Some(flight) = self.flight {
                flight.pop();
            }
            active.panicked_polled();
        }
    }
}
