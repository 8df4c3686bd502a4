//! The clock every measurement reads.
//!
//! With the `tsc` feature (on by default) this is the CPU's time-stamp counter,
//! calibrated against the OS clock by `quanta`: one read costs about half an
//! `Instant::now()`. `quanta` falls back to the OS monotonic clock where the
//! counter is not invariant, so a cheap read never means a wrong duration.
//! Without the feature it is `std::time::Instant`.
//!
//! Callers keep raw ticks (`now`) and convert only differences (`nanos_between`).

#[cfg(all(feature = "enabled", feature = "tsc"))]
mod source {
    use std::sync::LazyLock as Lazy;

    static CLOCK: Lazy<quanta::Clock> = Lazy::new(quanta::Clock::new);

    #[inline(always)]
    pub(crate) fn now() -> u64 {
        CLOCK.raw()
    }

    #[inline(always)]
    pub(crate) fn nanos_between(start: u64, end: u64) -> u64 {
        CLOCK.delta_as_nanos(start, end)
    }

    pub(crate) fn warm_up() {
        Lazy::force(&CLOCK);
    }

    pub(crate) const NAME: &str = "tsc (quanta)";
}

#[cfg(not(all(feature = "enabled", feature = "tsc")))]
mod source {
    use std::sync::LazyLock as Lazy;
    use std::time::Instant;

    static ORIGIN: Lazy<Instant> = Lazy::new(Instant::now);

    #[inline(always)]
    pub(crate) fn now() -> u64 {
        // u64 nanoseconds cover 584 years of process uptime.
        ORIGIN.elapsed().as_nanos() as u64
    }

    #[inline(always)]
    pub(crate) fn nanos_between(start: u64, end: u64) -> u64 {
        end.saturating_sub(start)
    }

    pub(crate) fn warm_up() {
        Lazy::force(&ORIGIN);
    }

    pub(crate) const NAME: &str = "std::time::Instant";
}

pub(crate) use source::{nanos_between, now, warm_up, NAME};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn differences_follow_the_os_clock() {
        warm_up();
        let wall = std::time::Instant::now();
        let start = now();
        std::thread::sleep(std::time::Duration::from_millis(20));
        let ours = nanos_between(start, now());
        let theirs = wall.elapsed().as_nanos() as u64;
        // Both brackets contain the same sleep; they differ only by the reads around it.
        let diff = ours.abs_diff(theirs);
        assert!(diff < theirs / 20, "clock {ours} ns vs Instant {theirs} ns");
    }

    #[test]
    fn a_reversed_pair_is_zero_not_a_wraparound() {
        let a = now();
        let b = now();
        assert_eq!(nanos_between(b.max(a) + 1000, a.min(b)), 0);
    }
}
