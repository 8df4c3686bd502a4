//! The common call, found and ended with nothing looked up twice: a call of
//! a callsite that times every call, on a monitor at the basic level, by a
//! thread whose last call went to the same monitor. Two shapes take it: a
//! synchronous call ([`BasicCall`]) and a future's first poll
//! ([`FirstPoll`]), which, if the future completes in it, ends exactly as a
//! synchronous call does.
//!
//! Everything the end needs (the thread's shard, the callsite's slot, the
//! session epoch, the slow-call limit) is found at the start, with loads
//! and compares only: no call, no allocation. Any other call (the first of
//! a callsite or of a thread, a sampled callsite, the detailed level, a
//! monitor switched off, a future's later polls) takes the general path in
//! `guard.rs` and `future.rs`, which does the same and more.
//!
//! Per call: two clock reads, the self-time mark ([`super::nesting`]), an
//! open and a close on the thread's in-flight stack
//! ([`crate::record::storage::flight`]), and the slot's first line plus one
//! histogram cell ([`Slot::record`]).

use super::nesting;
use super::outcome::Outcome;
use super::panic_text::PanicText;
use crate::record::clock;
use crate::record::shards::local;
use crate::record::shards::recorder::{Recorder, ON};
use crate::record::shards::shard::Shard;
use crate::record::sites::callsite::{self, Callsite};
use crate::record::storage::pauses::Pause;
use crate::record::storage::slot::Slot;

/// What a call on the basic path found at its start.
struct Begun {
    shard: &'static Shard,
    slot: &'static Slot,
    index: usize,
    /// Clock ticks at the start.
    start: u64,
    /// The self-time mark (see [`nesting::mark`]).
    mark: u64,
    epoch: u64,
    slow_ns: u64,
}

impl Begun {
    /// Finds what a call of `site` on this thread's monitor needs, if it
    /// takes the basic path. `Err` changes nothing: start the call the
    /// general way, with the clock reading it carries if the clock was read
    /// (a callsite that is sampled or not registered yet reads none here).
    #[inline(always)]
    fn find(site: &'static Callsite) -> Result<Begun, Option<u64>> {
        let index = callsite::timed_slot(site.raw_id()).ok_or(None)?;
        // Read now: the checks below run while the read is in flight.
        let start = clock::now();
        let recorder = local::current();
        if recorder.mode() != ON {
            return Err(Some(start));
        }
        let shard = local::last_shard(recorder).ok_or(Some(start))?;
        let slot = shard.allocated_slot(index).ok_or(Some(start))?;
        Ok(Begun {
            shard,
            slot,
            index,
            start,
            mark: nesting::mark(),
            epoch: recorder.epoch(),
            slow_ns: site.slow_threshold(),
        })
    }

    /// Records the call as ended now with `outcome`. Its children's time is
    /// what ended on this thread since its mark, unless it `takes_part` in
    /// self time no more (a poll a panic cut short: its self time is its
    /// whole time, as the general path records it).
    #[inline(always)]
    fn record(&self, outcome: Outcome<'_>, takes_part: bool) {
        let end = clock::now();
        let nanos = clock::nanos_between(self.start, end);
        let children = if takes_part { nesting::close(self.mark, nanos) } else { 0 };
        let failed = matches!(outcome, Outcome::Failure(_));
        self.slot.record(&self.shard.pages, self.index, nanos, failed, self.slow_ns, self.epoch);
        self.slot.record_self(nanos.saturating_sub(children));
        if let Outcome::Failure(Some(text)) = outcome {
            self.slot.record_error(&self.shard.errors, end, text);
        }
    }
}

/// A synchronous call on the basic path, started; dropped without
/// [`BasicCall::finish`] only while a panic unwinds out of it (then it
/// records a failure).
pub(crate) struct BasicCall(Begun);

impl BasicCall {
    /// Starts a call of `site` if it takes the basic path (see
    /// [`Begun::find`] for `Err`). The caller has seen the process switch on.
    #[inline(always)]
    pub(crate) fn begin(site: &'static Callsite) -> Result<BasicCall, Option<u64>> {
        let call = Begun::find(site)?;
        call.shard.flight.push(call.index);
        Ok(BasicCall(call))
    }

    /// Records the call as ended now with `outcome`.
    #[inline(always)]
    pub(crate) fn finish(self, outcome: Outcome<'_>) {
        self.end(outcome);
        // Recorded: not again as a panic.
        std::mem::forget(self);
    }

    #[inline(always)]
    fn end(&self, outcome: Outcome<'_>) {
        self.0.shard.flight.pop();
        self.0.record(outcome, true);
    }
}

impl Drop for BasicCall {
    /// Only while a panic unwinds out of the call: [`BasicCall::finish`]
    /// forgets it otherwise.
    #[cold]
    #[inline(never)]
    fn drop(&mut self) {
        self.end(Outcome::Failure(Some(&PanicText)));
    }
}

/// A future's first poll on the basic path, under way; dropped without
/// [`FirstPoll::completed`] or [`FirstPoll::pended`] only while a panic
/// unwinds out of the poll (then it records a failure).
pub(crate) struct FirstPoll {
    call: Begun,
    /// The monitor the call records on, where the general path takes it
    /// over if the future pends.
    recorder: &'static Recorder,
    /// The enclosing poll's flag (see `Flight::poll_begins`).
    outer_pending: bool,
}

impl FirstPoll {
    /// Starts the first poll of a future of `site` if it takes the basic
    /// path (see [`Begun::find`] for `Err`); checks the process switch.
    #[inline(always)]
    pub(crate) fn begin(site: &'static Callsite) -> Result<FirstPoll, Option<u64>> {
        if !crate::record::shards::switch::fast() {
            return Err(None);
        }
        let call = Begun::find(site)?;
        let outer_pending = call.shard.flight.poll_begins(call.index);
        Ok(FirstPoll { call, recorder: local::current(), outer_pending })
    }

    /// The future completed in this poll with `outcome`: recorded as a
    /// synchronous call is (its children are what ended inside the poll).
    #[inline(always)]
    pub(crate) fn completed(self, outcome: Outcome<'_>) {
        self.call.shard.flight.poll_completes(self.outer_pending);
        self.call.record(outcome, true);
        std::mem::forget(self);
    }

    /// The future returned `Pending`: what the general path carries to its
    /// next poll (see `Active::resumed`).
    #[inline(always)]
    pub(crate) fn pended(self) -> Pended {
        let call = &self.call;
        let waiting = call.shard.flight.poll_pends();
        let kids = nesting::poll_end(call.mark);
        if waiting {
            self.recorder.waiting.add(call.index);
        }
        let pause = Pause { since: clock::now(), waiting, ..Pause::default() };
        let pended =
            Pended { recorder: self.recorder, index: call.index, start: call.start, kids, pause };
        std::mem::forget(self);
        pended
    }
}

/// A future whose first poll on the basic path returned `Pending`: its
/// monitor, slot index, start, children's time so far (see
/// [`super::nesting`]) and pauses (waiting in its own code already counted
/// as such).
pub(crate) struct Pended {
    pub(crate) recorder: &'static Recorder,
    pub(crate) index: usize,
    pub(crate) start: u64,
    pub(crate) kids: u64,
    pub(crate) pause: Pause,
}

impl Drop for FirstPoll {
    /// Only while a panic unwinds out of the poll, as the general path's
    /// `InPoll` does: off the in-flight stack, a failure whose self time is
    /// its whole time.
    #[cold]
    #[inline(never)]
    fn drop(&mut self) {
        self.call.shard.flight.pop();
        self.call.record(Outcome::Failure(Some(&PanicText)), false);
    }
}
