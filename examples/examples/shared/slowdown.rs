//! `EXAMPLE_SLOWDOWN=F`: one operation of an example (the quickstart's
//! `score_record`, the pipeline's `match_rule`) does F times its work (1.2:
//! 20 % more), to plant a known regression for `profiler diff` to find
//! (`bench/gate/run.sh`). The extra is more of the operation's own work,
//! not a clock-timed spin: reading a clock costs a sub-microsecond call a
//! tenth of its time, which would plant more than asked for.

use std::cell::Cell;
use std::sync::OnceLock;

/// The factor, once read from the environment.
static FACTOR: OnceLock<f64> = OnceLock::new();

thread_local! {
    /// The fraction of a unit of extra work owed from earlier calls.
    static OWED: Cell<f64> = const { Cell::new(0.0) };
}

/// Reads `EXAMPLE_SLOWDOWN`: a number from 1 up (unset: 1); anything else
/// is an error naming the variable and what it allows.
pub fn init() -> Result<(), String> {
    let factor = match std::env::var("EXAMPLE_SLOWDOWN") {
        Err(std::env::VarError::NotPresent) => 1.0,
        Ok(text) => {
            text.trim().parse::<f64>().ok().filter(|f| f.is_finite() && *f >= 1.0).ok_or_else(
                || format!("EXAMPLE_SLOWDOWN={text:?}: give a factor of 1 or more, such as 1.2"),
            )?
        }
        Err(e) => return Err(format!("EXAMPLE_SLOWDOWN: {e}")),
    };
    let _ = FACTOR.set(factor);
    Ok(())
}

/// The units of extra work a call that did `units` owes: (factor - 1)
/// times them, the fraction carried to the thread's next call, so that
/// over many calls the extra is that share of the work exactly.
pub fn extra(units: u64) -> u64 {
    let share = FACTOR.get().map_or(0.0, |f| f - 1.0);
    if share == 0.0 {
        return 0;
    }
    OWED.with(|owed| {
        let due = owed.get() + share * units as f64;
        let whole = due.floor();
        owed.set(due - whole);
        whole as u64
    })
}
