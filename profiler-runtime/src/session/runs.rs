//! What making an operation twice as fast would save, estimated from its
//! *runs*: the stretches of time during which the wall sampler saw at least
//! one of its calls in flight in its own code (see `wall`).
//!
//! A run's saving is how much earlier the session could go on if the run
//! took half as long, given what ran beside it. Overlapping runs are taken
//! to be joined at their ends, as a fan-out, a `join!` or threads joined by
//! a scope are:
//!
//! - a run that other work outlives saves nothing: the session waits for
//!   that work anyway (`join!(slow, fast)`: speeding `fast` saves nothing);
//! - a run that outlives the others forked with it saves at most the time
//!   it runs on alone after the last of them ended (`join!(100 ms, 90 ms)`:
//!   halving the first saves 10 ms, not 50);
//! - a run alone saves half its length.
//!
//! Three kinds of overlap are not joins, and are left out:
//!
//! - work that started well before the run and outlives it (a background
//!   task, a server's loop): it was not forked with the run;
//! - work that starts in the second half of the run (a callee taking over
//!   from its caller, the next step of each task as the run's calls end):
//!   work forked beside the run starts with it;
//! - a waiter whose end follows the end of work that started after it (a
//!   coordinator awaiting the tasks it spawned, a future that was ready but
//!   waited for its thread to be free): its end is the other work's end.
//!
//! Times are nanoseconds since the sampler's first look; a run's ends are
//! known to one look interval, and [`TIE`] absorbs that.

/// Ends or starts closer than this are taken as one moment: a look and a
/// half (see `wall::WALL_INTERVAL`).
pub(crate) const TIE: f64 = 3_000_000.0;

/// How long after the work it waited on a waiter may end (a thread
/// joined, a task's handle polled on a busy machine): five looks.
pub(crate) const WAKE: f64 = 10_000_000.0;

/// One run of a callsite: from the look before the first that saw it in
/// flight to the last that did.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Run {
    pub(crate) site: u32,
    pub(crate) start: f64,
    pub(crate) end: f64,
    /// At its last look, its calls were all futures pending, none running.
    pub(crate) pending: bool,
    /// The most of its calls in flight at one look.
    pub(crate) peak: u32,
}

/// Of two overlapping runs that end together, whether `x`'s end waited on
/// `y`'s: a pending future that ends with a call running on a thread was
/// ready and waiting for the thread, a waiter that started before the
/// other waited on work it forked, and of two that started together the one
/// with fewer calls in flight waited on the one with more.
fn waited_on(x: &Run, y: &Run) -> bool {
    if x.pending != y.pending {
        x.pending
    } else if (x.start - y.start).abs() > TIE {
        x.start < y.start
    } else {
        x.peak < y.peak
    }
}

/// The saving of each run's callsite if its runs took half as long, summed
/// per callsite (indexed by site, `sites` long).
pub(crate) fn savings(runs: &[Run], sites: usize) -> Vec<f64> {
    let mut by_start: Vec<Run> = runs.to_vec();
    by_start.sort_by(|a, b| a.start.total_cmp(&b.start));
    let mut by_end: Vec<Run> = runs.to_vec();
    by_end.sort_by(|a, b| a.end.total_cmp(&b.end));
    // Whether `y` ended waiting on a run that ended just before it.
    let explained = |y: &Run| -> bool {
        let from = by_end.partition_point(|z| z.end < y.end - WAKE);
        by_end[from..]
            .iter()
            .take_while(|z| z.end <= y.end)
            .any(|z| z.site != y.site && z.start < y.end && waited_on(y, z))
    };
    let mut out = vec![0.0; sites];
    for x in runs {
        // Every rule below is about work forked with `x` or after it: runs
        // that start from a moment before `x` to its end. So each run looks
        // at its neighbours, not at every run.
        let from = by_start.partition_point(|r| r.start < x.start - TIE);
        let to = by_start.partition_point(|r| r.start < x.end);
        let mut last_other_end = f64::NEG_INFINITY;
        let mut blocked = false;
        for y in &by_start[from..to.max(from)] {
            if y.site == x.site || y.end <= x.start {
                continue;
            }
            // Only work forked with `x` is joined with it; work that
            // started later or earlier and ends inside it runs beside it
            // (a pipeline's other stage, a callee's helper).
            let forked_with = (y.start - x.start).abs() <= TIE;
            if !forked_with && y.end <= x.end + TIE {
                continue;
            }
            if y.end <= x.end && x.end - y.end <= TIE {
                // Ending together, `x` last: it saves nothing if it waited
                // on `y`; if neither waited on the other, each bounds the other.
                if waited_on(x, y) || !waited_on(y, x) {
                    last_other_end = last_other_end.max(y.end);
                }
            } else if y.end > x.end && y.end - x.end <= TIE {
                // Ending together, `y` last: unless `y` only waited on `x`,
                // `x` has nothing to itself.
                if !waited_on(y, x) {
                    last_other_end = last_other_end.max(x.end);
                }
            } else if y.end < x.end {
                last_other_end = last_other_end.max(y.end);
            } else if y.start >= x.start - TIE
                && y.start < (x.start + (x.end - x.start) / 2.0).max(x.start + TIE)
                && !explained(y)
            {
                blocked = true;
                break;
            }
        }
        if blocked {
            continue;
        }
        let half = x.start + (x.end - x.start) / 2.0;
        let saving = x.end - half.max(last_other_end);
        if let Some(slot) = out.get_mut(x.site as usize) {
            *slot += saving.max(0.0);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: f64 = 1_000_000.0;

    fn run(site: u32, start: f64, end: f64) -> Run {
        Run { site, start: start * MS, end: end * MS, pending: false, peak: 1 }
    }

    fn pending(site: u32, start: f64, end: f64) -> Run {
        Run { pending: true, ..run(site, start, end) }
    }

    fn wide(site: u32, start: f64, end: f64, peak: u32) -> Run {
        Run { peak, ..run(site, start, end) }
    }

    fn saved(runs: &[Run]) -> Vec<f64> {
        savings(runs, 4).into_iter().map(|ns| (ns / MS * 10.0).round() / 10.0).collect()
    }

    #[test]
    fn a_run_alone_saves_half_its_length() {
        assert_eq!(saved(&[run(0, 0.0, 100.0), run(1, 100.0, 140.0)]), [50.0, 20.0, 0.0, 0.0]);
    }

    #[test]
    fn of_two_joined_runs_the_longer_saves_only_what_it_runs_on_alone() {
        // join!(a 100 ms, b 90 ms), then c 95 ms: c first.
        let runs = [run(0, 0.0, 100.0), run(1, 0.0, 90.0), run(2, 100.0, 195.0)];
        assert_eq!(saved(&runs), [10.0, 0.0, 47.5, 0.0]);
    }

    #[test]
    fn background_work_that_outlives_a_run_does_not_block_it() {
        // A loop from the start to the end; a 40 ms run in the middle.
        let runs = [run(0, 0.0, 500.0), run(1, 200.0, 240.0)];
        assert_eq!(saved(&runs)[1], 20.0);
    }

    #[test]
    fn a_callee_taking_over_as_its_caller_leaves_is_not_overlap() {
        // outer 0-10, inner 10-50 (seen from 9 by the sampler), outer 50-60.
        let runs = [run(0, 0.0, 10.0), run(1, 9.0, 50.0), run(0, 50.0, 60.0)];
        assert_eq!(saved(&runs), [10.0, 20.5, 0.0, 0.0]);
    }

    #[test]
    fn a_waiter_that_ends_with_the_work_it_waited_for_blocks_nothing() {
        // A coordinator pends 0-71 on tasks: downloads 1-68 (five at
        // once), then checksums 63-71.
        let runs = [pending(0, 0.0, 71.0), Run { pending: true, ..wide(1, 1.0, 68.0, 5) }];
        let s = saved(&runs);
        assert_eq!(s[1], 33.5, "the downloads are what the coordinator waits for");
        assert_eq!(s[0], 3.0, "the coordinator only outlives them by 3 ms");
        // A sync function that joins four threads it started.
        let runs = [run(0, 0.0, 60.4), wide(1, 0.0, 60.4, 4), run(2, 60.4, 90.4)];
        assert_eq!(saved(&runs), [0.0, 30.2, 15.0, 0.0]);
    }

    #[test]
    fn a_future_ready_while_its_thread_was_blocked_does_not_block_the_blocker() {
        // Three joins of a 30 ms await with a 60 ms blocking call on one
        // thread: both are in flight throughout; the future only ends when
        // the thread is free.
        let runs = [pending(0, 0.0, 180.0), run(1, 0.0, 180.0)];
        assert_eq!(saved(&runs), [0.0, 90.0, 0.0, 0.0]);
        // Once, with the future ending a look after the blocking call.
        let runs = [pending(0, 0.0, 101.0), run(1, 2.0, 100.0)];
        assert_eq!(saved(&runs)[..2], [1.0, 49.0], "the future's last look is its own");
    }

    #[test]
    fn the_next_step_of_tasks_that_outlives_the_run_does_not_block_it() {
        // Downloads 1-68 (five at once), each task's checksum after it:
        // checksums 63-75 outlive the downloads but follow them.
        let runs = [Run { pending: true, ..wide(1, 1.0, 68.0, 5) }, run(2, 63.0, 75.0)];
        assert_eq!(saved(&runs)[1], 33.5);
    }

    #[test]
    fn a_waiter_joined_late_on_a_busy_machine_still_blocks_nothing() {
        // A sync function joins four threads 8 ms after their waits end.
        let runs = [run(0, 0.0, 68.0), wide(1, 0.5, 60.0, 4), run(2, 68.0, 98.0)];
        let s = saved(&runs);
        assert_eq!(s[1], 29.8);
        assert_eq!(s[2], 15.0);
    }

    #[test]
    fn the_stages_of_a_pipeline_do_not_bound_each_other() {
        // A consumer stores 3-105; the producer's items come in short runs
        // between its sends, the last ending at 95.
        let mut runs = vec![run(1, 3.0, 105.0)];
        runs.extend((0..20).map(|i| run(0, i as f64 * 5.0, i as f64 * 5.0 + 2.0)));
        let s = saved(&runs);
        assert_eq!(s[1], 51.0, "the consumer is the pipeline's pace");
        assert_eq!(s[0], 20.0, "the producer's runs, each alone beside a stage started before");
    }

    #[test]
    fn a_full_table_of_runs_is_estimated_run_by_run() {
        // 200,000 short runs of two alternating callsites beside one run
        // as long as the session: each looks at its neighbours, not at
        // every other run (this finishes at once; every pair would take
        // minutes).
        let mut runs: Vec<Run> =
            (0..200_000).map(|i| run(i % 2, i as f64 * 2.0, i as f64 * 2.0 + 1.0)).collect();
        runs.push(run(2, 0.0, 400_000.0));
        let s = savings(&runs, 3);
        assert_eq!((s[0] / MS).round(), 50_000.0, "each short run alone saves half of itself");
    }

    #[test]
    fn two_alike_runs_that_end_together_bound_each_other() {
        // join!(a, b) of equal length, one call each: halving either saves nothing.
        let runs = [run(0, 0.0, 100.0), run(1, 0.0, 100.0)];
        assert_eq!(saved(&runs)[..2], [0.0, 0.0]);
    }

    #[test]
    fn a_longer_wait_joined_with_local_work_blocks_it() {
        // join!(remote 0-100, local 0-70): the remote is what the join waits for.
        let runs = [run(0, 0.0, 100.0), run(1, 0.5, 70.0)];
        assert_eq!(saved(&runs), [30.0, 0.0, 0.0, 0.0]);
    }
}
