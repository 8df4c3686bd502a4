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

use std::sync::atomic::{AtomicBool, AtomicU8, Ordering::Relaxed};
use std::sync::Mutex;

/// The process-wide switch.
static PROCESS: AtomicBool = AtomicBool::new(true);
/// `PROCESS` and "some monitor is enabled", kept in step under `STATE`.
static FAST: AtomicBool = AtomicBool::new(true);

struct State {
    process: bool,
    /// Enabled monitors, the global one included (it starts enabled).
    enabled_monitors: usize,
}

static STATE: Mutex<State> = Mutex::new(State { process: true, enabled_monitors: 1 });

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
    update(|s| s.process = on);
}

/// A monitor was made (enabled, as every monitor starts).
pub(crate) fn monitor_added() {
    update(|s| s.enabled_monitors += 1);
}

/// A monitor's own switch (bit 0 of its mode byte, see
/// `Recorder::mode`) moved to `now`.
pub(crate) fn monitor_switched(mode: &AtomicU8, now: bool) {
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
    });
}
