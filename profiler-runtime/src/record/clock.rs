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
    use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
    use std::sync::LazyLock as Lazy;

    /// Nanoseconds in 2^32 ticks, taken from `quanta`'s calibration when the
    /// clock is made: a difference then converts with a multiply and a
    /// shift, without going through the clock (its lazy initialisation and
    /// its choice of source) on every call. 0 until the clock is made.
    static SCALE: AtomicU64 = AtomicU64::new(0);

    static CLOCK: Lazy<quanta::Clock> = Lazy::new(|| {
        let clock = quanta::Clock::new();
        // Before the clock is published: whoever reads a tick reads this.
        SCALE.store(clock.delta_as_nanos(0, 1 << 32), Relaxed);
        clock
    });

    /// The clock now, in raw ticks.
    #[inline(always)]
    pub fn now() -> u64 {
        CLOCK.raw()
    }

    /// Nanoseconds from tick `start` to tick `end`; 0 if `end` is not later.
    #[inline(always)]
    pub fn nanos_between(start: u64, end: u64) -> u64 {
        if end <= start {
            return 0;
        }
        // Ticks come from `now`, which made the clock (and set the scale)
        // on this thread or before the tick reached it; a caller with a
        // tick from nowhere makes it here.
        let scale = match SCALE.load(Relaxed) {
            0 => first_scale(),
            scale => scale,
        };
        ((u128::from(end - start) * u128::from(scale)) >> 32) as u64
    }

    #[cold]
    #[inline(never)]
    fn first_scale() -> u64 {
        Lazy::force(&CLOCK);
        SCALE.load(Relaxed)
    }

    pub(crate) fn warm_up() {
        Lazy::force(&CLOCK);
    }

    /// `quanta`'s own conversion, for the test that ours matches it.
    #[cfg(test)]
    pub(crate) fn quanta_nanos_between(start: u64, end: u64) -> u64 {
        CLOCK.delta_as_nanos(start, end)
    }

    pub(crate) const NAME: &str = "tsc (quanta)";
}

#[cfg(not(all(feature = "enabled", feature = "tsc")))]
mod source {
    use std::sync::LazyLock as Lazy;
    use std::time::Instant;

    static ORIGIN: Lazy<Instant> = Lazy::new(Instant::now);

    /// The clock now, in raw ticks.
    #[inline(always)]
    pub fn now() -> u64 {
        // u64 nanoseconds cover 584 years of process uptime.
        ORIGIN.elapsed().as_nanos() as u64
    }

    /// Nanoseconds from tick `start` to tick `end`; 0 if `end` is not later.
    #[inline(always)]
    pub fn nanos_between(start: u64, end: u64) -> u64 {
        end.saturating_sub(start)
    }

    pub(crate) fn warm_up() {
        Lazy::force(&ORIGIN);
    }

    pub(crate) const NAME: &str = "std::time::Instant";
}

pub use source::{nanos_between, now};
pub(crate) use source::{warm_up, NAME};

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

    /// The conversion by the scale taken once agrees with `quanta`'s
    /// calibration to the nanosecond, from one tick to hours of them.
    #[cfg(all(feature = "enabled", feature = "tsc"))]
    #[test]
    fn the_scale_converts_as_the_calibration_does() {
        warm_up();
        let start = now();
        for ticks in [1u64, 7, 1_000, 123_457, 1 << 32, 3 << 40, 1 << 46] {
            let ours = nanos_between(start, start + ticks);
            let theirs = source::quanta_nanos_between(start, start + ticks);
            // Both round down products of slightly different roundings of
            // one ratio: within 1 ns plus a part in 2^30.
            assert!(ours.abs_diff(theirs) <= 1 + theirs / (1 << 30), "{ticks}: {ours} vs {theirs}");
        }
    }

    #[test]
    fn a_reversed_pair_is_zero_not_a_wraparound() {
        let a = now();
        let b = now();
        assert_eq!(nanos_between(b.max(a) + 1000, a.min(b)), 0);
    }
}
