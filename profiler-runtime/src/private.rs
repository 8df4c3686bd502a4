//! The one door `#[monitor]`'s generated code goes through.
//!
//! **Not public API.** Everything here may change in any release; the macro
//! crate is pinned to this crate's exact version so they always match.

use crate::record::call::basic::BasicCall;
pub use crate::record::call::future::{always_success, instrument, Instrumented};
use crate::record::call::guard::SyncCall;
pub use crate::record::call::guard::{enter, CallGuard};
pub use crate::record::call::outcome::Outcome;
use crate::record::shards::switch;
pub use crate::record::sites::callsite::{Callsite, DefPath};

pub use std::boxed::Box;

/// The runtime's clock, for the instruction bench's clock-pair row (so the
/// row counts what a call reads, not a copy of it).
pub mod clock {
    pub use crate::record::clock::{nanos_between, now};
}
use std::fmt::Display;

/// Whether an instrumented call may be recorded at all: the process-wide
/// switch is on and some monitor is enabled. Checked inline by generated code
/// before anything else: one load and a branch.
#[inline(always)]
pub fn enabled() -> bool {
    switch::fast()
}

/// Returns `body` unchanged, giving the closure the function's return type as
/// its expected type (so coercions and `?` conversions in the body work as in
/// the original) before it is called on either path.
#[inline(always)]
pub fn hint<T, F: FnOnce() -> T>(body: F) -> F {
    body
}

/// Runs `body` timed: the whole enabled path of a synchronous call, out of
/// line so the caller's disabled path stays a load and a branch. Called only
/// after [`enabled`] returned `true`.
#[inline(never)]
pub fn timed<T, F, C>(site: &'static Callsite, body: F, classify: C) -> T
where
    F: FnOnce() -> T,
    C: for<'a> FnOnce(&'a T) -> Outcome<'a>,
{
    let call = match BasicCall::begin(site) {
        Ok(call) => SyncCall::Basic(call),
        Err(read) => SyncCall::start(site, read),
    };
    let value = body();
    call.finish(classify(&value));
    value
}

/// [`timed`] for functions declared `#[monitor(sample = N)]`: the untimed
/// path (most calls) is laid out first and carries no clock read; a timed
/// call, or a callsite that is not sampled after all (`sample = 1`), goes
/// out of line. Called only after [`enabled`] returned `true`.
#[inline(never)]
pub fn sampled<T, F, C>(site: &'static Callsite, body: F, classify: C) -> T
where
    F: FnOnce() -> T,
    C: for<'a> FnOnce(&'a T) -> Outcome<'a>,
{
    // No call on this path, so it needs no saved registers. Every other
    // case (a timed call, a countdown ending, a first call, recording off,
    // `sample = 1`) is what `timed` does for any callsite.
    if let Some(call) = SyncCall::try_untimed(site) {
        let value = body();
        call.finish(classify(&value));
        return value;
    }
    sampled_other(site, body, classify)
}

/// [`sampled`] for a callsite other than the one this thread called last
/// (or a timed call): out of line, so the common path saves no register.
#[inline(never)]
fn sampled_other<T, F, C>(site: &'static Callsite, body: F, classify: C) -> T
where
    F: FnOnce() -> T,
    C: for<'a> FnOnce(&'a T) -> Outcome<'a>,
{
    let call = match SyncCall::try_untimed_found(site) {
        Some(call) => SyncCall::Untimed(call),
        // A sampled callsite never takes the basic path: start it the
        // general way, which times it or counts it.
        None => SyncCall::start(site, None),
    };
    let value = body();
    call.finish(classify(&value));
    value
}

/// Wraps a reference to a function's return value so method resolution can
/// pick the most specific outcome rule (autoref specialisation, three levels):
/// `Result<T, E: Display>` keeps the error text, any other `Result` counts an
/// `Err` without text, anything else is a success.
#[derive(Debug)]
pub struct Probe<'a, T>(pub &'a T);

/// Level 1: a `Result` whose error has a text.
pub trait ResultDisplayOutcome<'a> {
    /// The call's outcome.
    fn __monitor_outcome(&self) -> Outcome<'a>;
}

impl<'a, T, E: Display + 'a> ResultDisplayOutcome<'a> for &&Probe<'a, Result<T, E>> {
    #[inline(always)]
    fn __monitor_outcome(&self) -> Outcome<'a> {
        match self.0 {
            Ok(_) => Outcome::Success,
            Err(e) => Outcome::Failure(Some(e)),
        }
    }
}

/// Level 2: any other `Result`.
pub trait ResultOutcome<'a> {
    /// The call's outcome.
    fn __monitor_outcome(&self) -> Outcome<'a>;
}

impl<'a, T, E> ResultOutcome<'a> for &Probe<'a, Result<T, E>> {
    #[inline(always)]
    fn __monitor_outcome(&self) -> Outcome<'a> {
        match self.0 {
            Ok(_) => Outcome::Success,
            Err(_) => Outcome::Failure(None),
        }
    }
}

/// Level 3: every other return type.
pub trait AnyOutcome<'a> {
    /// The call's outcome.
    fn __monitor_outcome(&self) -> Outcome<'a>;
}

impl<'a, T> AnyOutcome<'a> for Probe<'a, T> {
    #[inline(always)]
    fn __monitor_outcome(&self) -> Outcome<'a> {
        Outcome::Success
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct NoDisplay;

    fn kind(o: Outcome<'_>) -> String {
        format!("{o:?}")
    }

    #[test]
    // The triple reference is the point: it is what generated code writes.
    #[allow(clippy::needless_borrow)]
    fn the_most_specific_rule_wins() {
        let ok: Result<u8, String> = Ok(1);
        let err: Result<u8, String> = Err("boom".into());
        let opaque: Result<u8, NoDisplay> = Err(NoDisplay);
        let plain = 5u32;
        assert_eq!(kind((&&&Probe(&ok)).__monitor_outcome()), "Success");
        assert_eq!(kind((&&&Probe(&err)).__monitor_outcome()), "Failure(boom)");
        assert_eq!(kind((&&&Probe(&opaque)).__monitor_outcome()), "Failure");
        assert_eq!(kind((&&&Probe(&plain)).__monitor_outcome()), "Success");
    }
}
