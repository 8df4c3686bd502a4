//! The off switches, and the one flag every instrumented call reads first.
//!
//! Two switches decide whether anything is recorded: the process-wide one
//! ([`crate::disable`]) and each monitor's own ([`crate::Monitor::disable`]).
//! Generated code checks neither directly: it loads [`fast`], which is on only
//! while the process switch is on *and* at least one monitor is enabled. So
//! in a program whose monitors are all off (the usual case: only the global
//! one, disabled) a call costs one load and a branch, whichever switch turned
//! it off. While some monitor is still on, a call routed to a disabled one
//! also checks that monitor's switch, out of line.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering::Relaxed};
use std::sync::Mutex;

/// The process-wide switch.
static PROCESS: AtomicBool = AtomicBool::new(true);
/// `PROCESS` and "some monitor is enabled", kept in step under `STATE`.
static FAST: AtomicBool = AtomicBool::new(true);

struct State {
    process: bool,
    /// Times `process` changed: a session that sees the same count at its
    /// start and end knows the process switch held still in between.
    process_flips: u64,
    /// Enabled monitors, the global one included (it starts enabled).
    enabled_monitors: usize,
}

static STATE: Mutex<State> =
    Mutex::new(State { process: true, process_flips: 0, enabled_monitors: 1 });

fn update(change: impl FnOnce(&mut State)) {
    // A poisoned lock still holds a consistent count: nothing panics under it.
    let mut state = STATE.lock().unwrap_or_else(|e| e.into_inner());
    change(&mut state);
    PROCESS.store(state.process, Relaxed);
    FAST.store(state.process && state.enabled_monitors > 0, Relaxed);
}

/// Whether a call may be recorded at all: the process switch is on and some
/// monitor is enabled. The first thing every instrumented call reads.
#[inline(always)]
pub(crate) fn fast() -> bool {
    // Relaxed: a switch; a call racing with a toggle may go either way.
    FAST.load(Relaxed)
}

/// The process-wide switch alone.
#[inline(always)]
pub(crate) fn process_on() -> bool {
    PROCESS.load(Relaxed)
}

pub(crate) fn set_process(on: bool) {
    update(|s| {
        s.process_flips += u64::from(s.process != on);
        s.process = on;
    });
}

/// A monitor was made (enabled, as every monitor starts).
pub(crate) fn monitor_added() {
    update(|s| s.enabled_monitors += 1);
}

/// A monitor's own switch (bit 0 of its mode byte, see
/// `Recorder::mode`) moved to `now`; `flips` counts its changes.
pub(crate) fn monitor_switched(mode: &AtomicU8, flips: &AtomicU64, now: bool) {
    update(|s| {
        // Under the lock, so the count follows every monitor's flag exactly.
        // Read-modify-write: the level's bits share the byte.
        let before = if now { mode.fetch_or(1, Relaxed) } else { mode.fetch_and(!1, Relaxed) };
        let was = before & 1 != 0;
        match (was, now) {
            (false, true) => s.enabled_monitors += 1,
            (true, false) => s.enabled_monitors -= 1,
            _ => {}
        }
        if was != now {
            // Relaxed: written under the lock that `reading` takes too.
            flips.fetch_add(1, Relaxed);
        }
    });
}

/// Where one monitor's switches stood at one moment: whether it recorded,
/// and how often its switch or the process's had changed until then.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Reading {
    on: bool,
    flips: u64,
}

impl Reading {
    /// Whether recording held still from `start` to this reading: `Some(on)`
    /// if neither switch changed in between, `None` if one did (it was off
    /// for part of the time, or off all along while the two switches took
    /// turns, which a session reports the same way).
    pub(crate) fn held_since(self, start: Reading) -> Option<bool> {
        (self.flips == start.flips && self.on == start.on).then_some(self.on)
    }
}

/// The switches of the monitor whose own switch is `mode` (bit 0) and whose
/// changes `flips` counts, read together under the lock.
pub(crate) fn reading(mode: &AtomicU8, flips: &AtomicU64) -> Reading {
    let state = STATE.lock().unwrap_or_else(|e| e.into_inner());
    // Relaxed: both are written under this lock.
    let own = mode.load(Relaxed) & 1 != 0;
    Reading { on: state.process && own, flips: state.process_flips + flips.load(Relaxed) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reading_holds_still_only_while_neither_switch_moves() {
        // Counted as a monitor, as `Recorder::leak` does, so that switching
        // it off never takes the count below what other tests rely on.
        monitor_added();
        let (mode, flips) = (AtomicU8::new(1), AtomicU64::new(0));
        let start = reading(&mode, &flips);
        assert_eq!(reading(&mode, &flips).held_since(start), Some(true));
        monitor_switched(&mode, &flips, true); // already on: no change
        assert_eq!(reading(&mode, &flips).held_since(start), Some(true));
        monitor_switched(&mode, &flips, false);
        let off = reading(&mode, &flips);
        assert_eq!(off.held_since(start), None);
        assert_eq!(reading(&mode, &flips).held_since(off), Some(false));
        monitor_switched(&mode, &flips, true);
        assert_eq!(reading(&mode, &flips).held_since(off), None, "on again: partly off");
    }
}
