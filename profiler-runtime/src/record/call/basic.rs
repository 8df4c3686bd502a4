//! The common call, found and ended with nothing looked up twice: a
//! synchronous call of a callsite that times every call, on a monitor at
//! the basic level, by a thread whose last call went to the same monitor.
//!
//! Everything its end needs (the thread's shard, the callsite's slot, the
//! session epoch, the slow-call limit) is found at its start, with loads
//! and compares only: no call, no allocation. Any other call (the first of
//! a callsite or of a thread, a sampled callsite, the detailed level, a
//! monitor switched off) takes the general path in `guard.rs`, which does
//! the same and more.
//!
//! Per call: two clock reads, the self-time mark ([`super::nesting`]), one
//! push and one pop on the thread's in-flight stack ([`crate::record::storage::flight`]),
//! and the slot's first line plus one histogram cell ([`Slot::record`]).

use super::nesting;
use super::outcome::Outcome;
use crate::record::clock;
use crate::record::shards::local;
use crate::record::shards::recorder::ON;
use crate::record::shards::shard::Shard;
use crate::record::sites::callsite::{self, Callsite};
use crate::record::storage::slot::Slot;

/// A call on the basic path, started; dropped without [`BasicCall::finish`]
/// only while a panic unwinds out of it (then it records a failure).
pub(crate) struct BasicCall {
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

impl BasicCall {
    /// Starts a call of `site` on this thread's monitor if it takes the
    /// basic path. `Err` changes nothing: start the call the general way,
    /// with the clock reading it carries if the clock was read (a callsite
    /// that is sampled or not registered yet reads none here).
    /// The caller has seen the process switch on.
    #[inline(always)]
    pub(crate) fn begin(site: &'static Callsite) -> Result<BasicCall, Option<u64>> {
        let index = callsite::timed_slot(site.raw_id()).ok_or(None)?;
        // Read now: the checks below run while the read is in flight.
        let start = clock::now();
        let recorder = local::current();
        if recorder.mode() != ON {
            return Err(Some(start));
        }
        let shard = local::last_shard(recorder).ok_or(Some(start))?;
        let slot = shard.allocated_slot(index).ok_or(Some(start))?;
        shard.flight.push(index);
        Ok(BasicCall {
            shard,
            slot,
            index,
            start,
            mark: nesting::mark(),
            epoch: recorder.epoch(),
            slow_ns: site.slow_threshold(),
        })
    }

    /// Records the call as ended now with `outcome`.
    #[inline(always)]
    pub(crate) fn finish(self, outcome: Outcome<'_>) {
        self.record(outcome);
        // Recorded: not again as a panic.
        std::mem::forget(self);
    }

    #[inline(always)]
    fn record(&self, outcome: Outcome<'_>) {
        let end = clock::now();
        let nanos = clock::nanos_between(self.start, end);
        let children = nesting::close(self.mark, nanos);
        let shard = self.shard;
        shard.flight.pop();
        let failed = matches!(outcome, Outcome::Failure(_));
        self.slot.record(&shard.pages, self.index, nanos, failed, self.slow_ns, self.epoch);
        self.slot.record_self(nanos.saturating_sub(children));
        if let Outcome::Failure(Some(text)) = outcome {
            self.slot.record_error(&shard.errors, end, text);
        }
    }
}

impl Drop for BasicCall {
    /// Only while a panic unwinds out of the call: [`BasicCall::finish`]
    /// forgets it otherwise.
    #[cold]
    #[inline(never)]
    fn drop(&mut self) {
        self.record(Outcome::Failure(Some(&super::panic_text::PanicText)));
    }
}
