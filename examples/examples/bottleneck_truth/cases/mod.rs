//! The cases, one file each.
//!
//! To add one: a file here with its monitored functions and a `case()`
//! returning a [`Case`], and a line in [`all`]. Name each function's
//! operation `FILE::function` (operation names are process-wide), list every
//! one in `functions`, and do each one's work through [`Speeds`] under that
//! name: `s.compute(NAME, ms(..))` for CPU, `s.block(..)` for a blocking
//! wait, `s.wait(..).await` for an async one. Route threads and tasks the
//! case starts with [`work::routed`] and [`work::spawn`], so they record
//! into the case's monitor. Build it so the bottleneck's saving when twice
//! as fast is at least twice the runner-up's, also when CPU work runs two or
//! three times slower on a loaded machine, and keep a run to a few hundred
//! ms; the suite checks the experiment agrees with `bottleneck`.
//!
//! [`Speeds`]: crate::work::Speeds
//! [`work::routed`]: crate::work::routed
//! [`work::spawn`]: crate::work::spawn

use crate::case::Case;

mod async_nested;
mod background_fetches;
mod blocking_in_async;
mod cached;
mod coordinator;
mod fanout;
mod fanout_dominant;
mod join_local;
mod nested;
mod overlapped;
mod overlapped_long;
mod parallel_cpu;
mod parallel_then_reduce;
mod pipeline;
mod sequential_awaits;
mod threads_wait;
mod threads_wait_dominant;

/// Every case, in the order the suite runs them.
pub fn all() -> Vec<Case> {
    vec![
        fanout::case(),
        fanout_dominant::case(),
        threads_wait::case(),
        threads_wait_dominant::case(),
        nested::case(),
        async_nested::case(),
        sequential_awaits::case(),
        join_local::case(),
        blocking_in_async::case(),
        cached::case(),
        coordinator::case(),
        parallel_cpu::case(),
        parallel_then_reduce::case(),
        overlapped::case(),
        overlapped_long::case(),
        background_fetches::case(),
        pipeline::case(),
    ]
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    #[test]
    fn every_case_is_well_formed() {
        let cases = super::all();
        let mut names = HashSet::new();
        for case in &cases {
            assert!(names.insert(case.name), "two cases are named {}", case.name);
            assert!(case.bottleneck_index().is_some(), "{}: bottleneck not listed", case.name);
            assert!(case.functions.len() >= 2, "{}: nothing to rank against", case.name);
            let mut functions = HashSet::new();
            for f in case.functions {
                assert!(functions.insert(f), "{}: {f} listed twice", case.name);
                let prefix = format!("{}::", case.name);
                assert!(f.starts_with(&prefix), "{}: {f} is not named {prefix}..", case.name);
            }
        }
    }
}
