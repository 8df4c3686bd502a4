//! The wall sampler: one thread per running session that, every
//! [`WALL_INTERVAL`] (2 ms), looks at which monitored calls are in flight in their
//! own code (see [`crate::record::storage::flight`]) and splits the time since its
//! last look evenly among them.
//!
//! What an operation is given is its share of the session's wall time: the
//! time it held alone, plus its part of the time it ran beside other calls
//! (two calls in flight: half each). Shares add up to at most the session's
//! wall time, however calls overlap, so they rank what a speed-up would
//! save: ten overlapping calls of `fetch` during a 200 ms fan-out hold
//! 200 ms between them, not the 2 s their durations add up to, and a call
//! waiting while other work runs holds only its part of that time.
//!
//! Per callsite the table keeps four sums: the time held, the time in flight
//! summed over its calls (what its self time would be if every call were
//! seen), the time with at least one call in flight (its coverage), and the
//! time held while pending (waiting, not running). The report scales the
//! exact self time by held over in-flight, so sampling only estimates how
//! much of an operation's time it shared, never how long its calls took.
//!
//! Cost: a wake-up per interval reading each thread's innermost open call
//! and, when futures pend, the pending counts of the registered callsites.
//! Nothing on the calls' side but the in-flight stack (see `flight`).

use super::runs::{self, Run};
use crate::record::clock;
use crate::record::sites::registry;
use crate::record::sync::lock;
use crate::resources::periodic::Periodic;
use crate::state::Core;
use std::sync::Mutex;
use std::time::Duration;

/// How often the wall sampler looks: every millisecond cost 2.5 % of a core
/// in wake-ups on the development machine, every 2 ms 1.5 %, and the
/// ground-truth suite ranks as well at 2 ms.
pub(crate) const WALL_INTERVAL: Duration = Duration::from_millis(2);

/// One callsite's sums over a session, in nanoseconds.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct SiteWall {
    /// Its share of the wall time (calls in flight at once split it).
    pub(crate) held_ns: f64,
    /// Time in flight, summed over its calls.
    pub(crate) in_flight_ns: f64,
    /// Time with at least one of its calls in flight.
    pub(crate) covered_ns: f64,
    /// The part of `held_ns` held by futures pending in their own code.
    pub(crate) waiting_ns: f64,
    /// `held_ns` per stage running at the time (an index into
    /// [`WallTable::stages`]); the time outside any stage is not kept.
    pub(crate) by_stage: Vec<(usize, f64)>,
    /// The last look that covered it, so coverage counts a look once.
    seen: u64,
    /// When its current run started (see [`super::runs`]), while it is in
    /// flight; whether it was only pending at the latest look, and the most
    /// calls in flight at one look.
    run_start: Option<f64>,
    run_pending: bool,
    run_peak: u32,
}

/// What the wall sampler gathered over a session.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct WallTable {
    /// Indexed by callsite slot.
    pub(crate) sites: Vec<SiteWall>,
    /// Time looked at in all.
    pub(crate) sampled_ns: f64,
    /// Time with no monitored call in flight.
    pub(crate) idle_ns: f64,
    /// Looks taken.
    pub(crate) looks: u64,
    /// Names of the stages seen running, in the order first seen.
    pub(crate) stages: Vec<String>,
    /// Each callsite's runs that ended (see [`super::runs`]), at most
    /// [`MAX_RUNS`].
    runs: Vec<Run>,
    /// Runs left out past [`MAX_RUNS`]: savings are then not estimated.
    pub(crate) runs_dropped: u64,
}

/// Runs a session keeps (24 bytes each): enough for hours of operations
/// that come and go every few milliseconds.
pub(crate) const MAX_RUNS: usize = 200_000;

impl WallTable {
    /// Splits `dt` nanoseconds among `calls`: (slot, calls of it, pending).
    fn add(&mut self, dt: f64, calls: &[(usize, u32, bool)], stage: Option<usize>) {
        self.looks += 1;
        let previous = self.sampled_ns;
        self.sampled_ns += dt;
        self.track_runs(previous, calls);
        let total: u32 = calls.iter().map(|c| c.1).sum();
        if total == 0 {
            self.idle_ns += dt;
            return;
        }
        let each = dt / f64::from(total);
        for &(index, n, pending) in calls {
            if self.sites.len() <= index {
                self.sites.resize_with(index + 1, SiteWall::default);
            }
            let site = &mut self.sites[index];
            let held = each * f64::from(n);
            site.held_ns += held;
            site.in_flight_ns += dt * f64::from(n);
            if pending {
                site.waiting_ns += held;
            }
            if site.seen != self.looks {
                site.seen = self.looks;
                site.covered_ns += dt;
            }
            if let Some(stage) = stage {
                match site.by_stage.iter_mut().find(|(s, _)| *s == stage) {
                    Some((_, ns)) => *ns += held,
                    None => site.by_stage.push((stage, held)),
                }
            }
        }
    }

    /// Ends the runs of callsites no longer in flight at the look before
    /// this one (`previous`), and starts runs for those newly in flight.
    fn track_runs(&mut self, previous: f64, calls: &[(usize, u32, bool)]) {
        for (index, site) in self.sites.iter_mut().enumerate() {
            let Some(start) = site.run_start else { continue };
            if calls.iter().any(|c| c.0 == index) {
                continue;
            }
            site.run_start = None;
            let run = Run {
                site: index as u32,
                start,
                end: previous,
                pending: site.run_pending,
                peak: site.run_peak,
            };
            if self.runs.len() < MAX_RUNS {
                self.runs.push(run);
            } else {
                self.runs_dropped += 1;
            }
        }
        for &(index, _, _) in calls {
            if self.sites.len() <= index {
                self.sites.resize_with(index + 1, SiteWall::default);
            }
            let site = &mut self.sites[index];
            if site.run_start.is_none() {
                site.run_start = Some(previous);
                site.run_peak = 0;
            }
            let mine = calls.iter().filter(|c| c.0 == index);
            site.run_pending = mine.clone().all(|c| c.2);
            site.run_peak = site.run_peak.max(mine.map(|c| c.1).sum());
        }
    }

    /// What making each callsite twice as fast would save (see
    /// [`super::runs`]), runs still going counted to the last look; `None`
    /// when runs were dropped.
    pub(crate) fn savings(&self) -> Option<Vec<f64>> {
        if self.runs_dropped > 0 {
            return None;
        }
        let mut runs = self.runs.clone();
        for (index, site) in self.sites.iter().enumerate() {
            if let Some(start) = site.run_start {
                runs.push(Run {
                    site: index as u32,
                    start,
                    end: self.sampled_ns,
                    pending: site.run_pending,
                    peak: site.run_peak,
                });
            }
        }
        Some(runs::savings(&runs, self.sites.len()))
    }

    /// The index of stage `name`, added if new.
    fn stage(&mut self, name: &str) -> usize {
        match self.stages.iter().position(|s| s == name) {
            Some(i) => i,
            None => {
                self.stages.push(name.to_owned());
                self.stages.len() - 1
            }
        }
    }
}

/// A running wall sampler; dropping it stops it.
pub(crate) struct WallSampler(Periodic<WallTable>);

impl WallSampler {
    /// Starts looking at `core`'s calls every `interval`; `None` if the
    /// thread cannot be started (the report then ranks by self time).
    pub(crate) fn start(core: &'static Core, interval: Duration) -> Option<WallSampler> {
        let mut last = clock::now();
        let mut calls: Vec<(usize, u32, bool)> = Vec::new();
        let look = move |table: &Mutex<WallTable>| {
            calls.clear();
            core.recorder
                .in_flight(registry::count(), |index, n, pending| calls.push((index, n, pending)));
            let now = clock::now();
            let dt = clock::nanos_between(last, now) as f64;
            last = now;
            let newest = lock(&core.running_stages).newest();
            let mut table = lock(table);
            // By name, holding no reference: a stage that ends must stop
            // showing as running at once.
            let stage_index = newest.map(|progress| table.stage(&progress.name));
            table.add(dt, &calls, stage_index);
        };
        Periodic::start("profiler-wall", interval, WallTable::default(), look).map(WallSampler)
    }

    /// The table so far.
    pub(crate) fn snapshot(&self) -> WallTable {
        self.0.snapshot()
    }

    /// Stops the thread (after one last look) and returns the table.
    pub(crate) fn stop(self) -> WallTable {
        self.0.stop()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlapping_calls_split_the_time_and_shares_never_pass_the_time_looked_at() {
        let mut table = WallTable::default();
        // 100 ns with ten calls of slot 0 pending: slot 0 holds it all.
        table.add(100.0, &[(0, 10, true)], None);
        // 100 ns with slot 1 running alone.
        table.add(100.0, &[(1, 1, false)], None);
        // 100 ns with one call each of 1 and 2.
        table.add(100.0, &[(1, 1, false), (2, 1, false)], Some(0));
        // 100 ns with nothing in flight.
        table.add(100.0, &[], None);
        let s = &table.sites;
        assert_eq!(s[0].held_ns, 100.0);
        assert_eq!(s[0].in_flight_ns, 1000.0, "ten calls' worth of self time");
        assert_eq!(s[0].covered_ns, 100.0);
        assert_eq!(s[0].waiting_ns, 100.0);
        assert_eq!(s[1].held_ns, 150.0);
        assert_eq!(s[2].held_ns, 50.0);
        assert_eq!(s[2].by_stage, [(0, 50.0)]);
        assert_eq!(table.idle_ns, 100.0);
        let held: f64 = s.iter().map(|w| w.held_ns).sum();
        assert_eq!(held + table.idle_ns, table.sampled_ns);
    }

    #[test]
    fn runs_follow_the_looks_and_a_lone_run_saves_half_its_length() {
        let mut table = WallTable::default();
        let ms = 1_000_000.0;
        for _ in 0..10 {
            table.add(ms, &[(0, 1, false)], None);
        }
        for _ in 0..4 {
            table.add(ms, &[(1, 1, false)], None);
        }
        let savings = table.savings().unwrap();
        assert_eq!(savings, [5.0 * ms, 2.0 * ms]);
    }

    #[test]
    fn two_calls_of_one_callsite_in_one_look_cover_it_once() {
        let mut table = WallTable::default();
        table.add(10.0, &[(3, 1, false), (3, 2, true)], None);
        assert_eq!(table.sites[3].covered_ns, 10.0);
        assert_eq!(table.sites[3].held_ns, 10.0);
        assert!((table.sites[3].waiting_ns - 10.0 * 2.0 / 3.0).abs() < 1e-9);
    }
}
