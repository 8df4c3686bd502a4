//! The per-call path of a synchronous instrumented function.
//!
//! `Active::start` reads the clock; `finish` (or `Drop`, for guard-only
//! functions and when the body panics) reads it again and records into the
//! calling thread's shard. No lock, no allocation,
//! no hashing: a relaxed load of the on/off switch, the callsite's cached slot
//! index, two clock reads and a handful of thread-owned stores.

use super::callsite::Callsite;
use super::recorder::Recorder;
use super::{clock, local, switch};
use std::fmt;

/// How a call ended, as the instrumented function's return value says.
#[derive(Clone, Copy)]
pub enum Outcome<'a> {
    /// The call succeeded.
    Success,
    /// The call failed (`Err`, or a panic), with the error's text when it has one.
    Failure(Option<&'a dyn fmt::Display>),
}

impl fmt::Debug for Outcome<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Success => f.write_str("Success"),
            Outcome::Failure(None) => f.write_str("Failure"),
            Outcome::Failure(Some(e)) => write!(f, "Failure({e})"),
        }
    }
}

/// A call being timed: where it records and when it started.
#[derive(Clone, Copy)]
pub(crate) struct Active {
    recorder: &'static Recorder,
    site: &'static Callsite,
    /// A full word, so the struct has no padding: an async call's state moves
    /// it, and a copy made of two half-word stores read back as one word
    /// cannot be forwarded by the CPU (measured: 15-20 ns per async call).
    slot: usize,
    start: u64,
}

impl fmt::Debug for Active {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Active").field("slot", &self.slot).finish_non_exhaustive()
    }
}

impl Active {
    /// Starts timing a call of `site` on `recorder`, or `None` when recording
    /// is off (process-wide or for that monitor).
    #[inline(always)]
    pub(crate) fn start(recorder: &'static Recorder, site: &'static Callsite) -> Option<Active> {
        if !switch::fast() {
            return None;
        }
        Active::start_enabled(recorder, site)
    }

    /// [`Active::start`] for callers that have just seen [`switch::fast`] on
    /// (the generated code checks it inline), so it is not read twice.
    #[inline(always)]
    pub(crate) fn start_enabled(
        recorder: &'static Recorder,
        site: &'static Callsite,
    ) -> Option<Active> {
        // The clock first: the checks below then run while the read is still
        // in flight instead of before it (measured: 1-3 ns less per call).
        // Only a monitor switched off while another is on pays for the read.
        let start = clock::now();
        if !recorder.is_enabled() {
            return None;
        }
        match site.registered_slot() {
            Some(slot) => Some(Active { recorder, site, slot: slot as usize, start }),
            None => Active::start_unregistered(recorder, site),
        }
    }

    /// The first call of a callsite: registers it, then starts the clock, so
    /// the registration is not part of the call's time.
    #[cold]
    #[inline(never)]
    fn start_unregistered(recorder: &'static Recorder, site: &'static Callsite) -> Option<Active> {
        let slot = site.slot()?;
        Some(Active { recorder, site, slot: slot as usize, start: clock::now() })
    }

    /// Records the call as ended now with `outcome`; returns its duration.
    #[inline(always)]
    pub(crate) fn finish(self, outcome: Outcome<'_>) -> u64 {
        let end = clock::now();
        let nanos = clock::nanos_between(self.start, end);
        let epoch = self.recorder.epoch();
        let slow = self.site.slow_threshold();
        // No closure here: captured references would be spilled to the stack
        // and passed to an out-of-line call on every recorded call.
        let Some(slot) = local::shard(self.recorder).and_then(|shard| shard.slot(self.slot)) else {
            return nanos;
        };
        let failed = matches!(outcome, Outcome::Failure(_));
        slot.record(nanos, failed, slow, epoch);
        if let Outcome::Failure(Some(text)) = outcome {
            slot.record_error(end, text);
        }
        nanos
    }

    /// Records a future dropped before it completed.
    pub(crate) fn cancel(self) {
        local::with_shard(self.recorder, |shard| {
            if let Some(slot) = shard.slot(self.slot) {
                slot.record_cancelled();
            }
        });
    }

    /// Records a call whose guard was dropped without `finish`: the way out
    /// of functions whose return value is not classified (see [`enter`]); a
    /// failure while a panic unwinds, else a success.
    #[inline(always)]
    pub(crate) fn exited(self) {
        if std::thread::panicking() {
            self.panicked();
        } else {
            self.finish(Outcome::Success);
        }
    }

    /// Records a panic that is unwinding through the call.
    #[cold]
    pub(crate) fn panicked(self) {
        self.finish(Outcome::Failure(Some(&"panicked")));
    }
}

/// Times one call of an instrumented function whose return value is not
/// classified: functions returning `!`, a non-future `impl Trait` or a type
/// holding an `impl Fn..`, and `#[track_caller]` ones, whose bodies are not wrapped in a closure (see
/// [`enter`]). Dropped, it records the call: a failure while a panic unwinds,
/// a success otherwise. [`crate::private::timed`] uses it too, and finishes it
/// with the outcome instead.
#[must_use = "a call guard records the call when dropped"]
#[derive(Debug)]
pub struct CallGuard {
    active: Option<Active>,
}

/// Starts timing a call of the function `site` describes, on the monitor in
/// effect on this thread.
///
/// Only [`switch::fast`] is checked inline; the rest is out of line so a
/// disabled call adds one load and a branch to the caller.
#[inline(always)]
pub fn enter(site: &'static Callsite) -> CallGuard {
    if !switch::fast() {
        return CallGuard { active: None };
    }
    enter_enabled(site)
}

#[inline(never)]
fn enter_enabled(site: &'static Callsite) -> CallGuard {
    CallGuard::start_enabled(site)
}

impl CallGuard {
    /// Starts timing on this thread's monitor; the caller has seen
    /// [`switch::fast`] on.
    #[inline(always)]
    pub(crate) fn start_enabled(site: &'static Callsite) -> CallGuard {
        CallGuard { active: Active::start_enabled(local::current(), site) }
    }

    /// Records the call as ended with `outcome`.
    #[inline(always)]
    pub(crate) fn finish(mut self, outcome: Outcome<'_>) {
        if let Some(active) = self.active.take() {
            active.finish(outcome);
        }
    }
}

impl Drop for CallGuard {
    #[inline(always)]
    fn drop(&mut self) {
        if let Some(active) = self.active.take() {
            exit(active);
        }
    }
}

/// The out-of-line half of a guard's drop, so the caller's code stays small.
#[inline(never)]
fn exit(active: Active) {
    active.exited();
}
