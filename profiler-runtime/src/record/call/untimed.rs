//! A call of a sampled callsite that is not timed: counted, with its
//! outcome, and no clock read (see [`crate::record::sites::sampling`] for which calls).

use super::outcome::Outcome;
use crate::record::clock;
use crate::record::shards::local;
use crate::record::shards::shard::Shard;
use crate::record::sites::callsite::{self, Callsite, SAMPLED};
use crate::record::storage::slot::Slot;
use std::fmt;

/// A sampled call that is not timed, with the slot it counts into.
#[derive(Clone, Copy)]
pub(crate) struct Untimed {
    shard: &'static Shard,
    slot: &'static Slot,
    /// The slot's index, for a future that looks its slot up again where it ends.
    pub(crate) index: usize,
}

impl Untimed {
    /// The untimed call of a sampled callsite in its common case (the
    /// callsite this thread left untimed last, still recording, countdown
    /// not ending): found with loads, one compare and one store, no call.
    /// `None` sends the call to [`Untimed::try_found`], nothing changed.
    #[inline(always)]
    pub(crate) fn try_fast(site: &'static Callsite) -> Option<Untimed> {
        // The same callsite as this thread's last untimed call: its slot
        // is known. Its monitor may have been switched off since.
        if let Some(last) = local::last_sampled(site) {
            if last.recorder.is_enabled() && last.slot.skip_sample() {
                return Some(Untimed { shard: last.shard, slot: last.slot, index: last.index });
            }
        }
        None
    }

    /// [`Untimed::try_fast`] for any callsite (sampled, recording, same
    /// monitor as the thread's last call, slot allocated, countdown not
    /// ending): found through its id and this thread's shard, then
    /// remembered for the next call. `None` changes nothing: time the call.
    #[inline(always)]
    pub(crate) fn try_found(site: &'static Callsite) -> Option<Untimed> {
        let id = site.raw_id();
        if id & SAMPLED == 0 {
            return None;
        }
        let recorder = local::current();
        if !recorder.is_enabled() {
            return None;
        }
        let index = callsite::slot_of(id)? as usize;
        let shard = local::last_shard(recorder)?;
        let slot = shard.allocated_slot(index)?;
        // Only a callsite declared `sample = N` comes here, and its own
        // rate never changes, so it stays sampled while remembered; a new
        // route forgets it (see `local::set_route`).
        local::remember_sampled(local::LastSampled { site, recorder, shard, slot, index });
        slot.skip_sample().then_some(Untimed { shard, slot, index })
    }

    /// An untimed call of `slot` (index `index`) of `shard`.
    #[inline(always)]
    pub(crate) fn new(shard: &'static Shard, slot: &'static Slot, index: usize) -> Untimed {
        Untimed { shard, slot, index }
    }

    /// Counts the call. Only on the thread that started it (a synchronous
    /// call); a future looks its slot up again where it ends.
    #[inline(always)]
    fn finish(self, outcome: Outcome<'_>) {
        self.slot.record_untimed(matches!(outcome, Outcome::Failure(_)));
        if let Outcome::Failure(Some(text)) = outcome {
            self.failed_with(text);
        }
    }

    #[cold]
    #[inline(never)]
    fn failed_with(self, text: &dyn fmt::Display) {
        // The stamp only orders errors across threads: read the clock for it here.
        self.slot.record_error(&self.shard.errors, clock::now(), text);
    }
}

/// An untimed sampled call; dropped without `finish` only by a panic.
pub(crate) struct UntimedGuard(Option<Untimed>);

impl From<Untimed> for UntimedGuard {
    #[inline(always)]
    fn from(call: Untimed) -> Self {
        UntimedGuard(Some(call))
    }
}

impl UntimedGuard {
    /// Counts the call as ended with `outcome`.
    #[inline(always)]
    pub(crate) fn finish(mut self, outcome: Outcome<'_>) {
        if let Some(call) = self.0.take() {
            call.finish(outcome);
        }
    }
}

impl Drop for UntimedGuard {
    #[inline(always)]
    fn drop(&mut self) {
        if let Some(call) = self.0.take() {
            untimed_panicked(call);
        }
    }
}

#[cold]
#[inline(never)]
fn untimed_panicked(call: Untimed) {
    call.finish(Outcome::Failure(Some(&super::panic_text::PanicText)));
}
