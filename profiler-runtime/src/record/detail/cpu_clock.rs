//! The calling thread's CPU time: what the detailed level compares with a
//! call's wall time to tell computing from waiting.
//!
//! On Linux this is `clock_gettime(CLOCK_THREAD_CPUTIME_ID)`, which the vDSO
//! does not serve: each reading is a system call (about 0.6 µs on the
//! development machine, see the overhead bench's `detail/thread_cpu_clock`
//! row), so the detailed level reads it on a sample of calls only (see
//! [`crate::record::detail`]). Where there is no such clock, [`now`] returns `None`
//! and reports carry no CPU time.
//!
//! The call goes through libc (rustix's `use-libc` backend): rustix's raw
//! Linux backend locates the vDSO by parsing the auxiliary vector's image,
//! which crashes a program run under valgrind (rustix issue #1559). The libc
//! call costs the same system call and 44 user-space instructions
//! (`examples/valgrind_levels` runs under memcheck in CI at every level).

/// The calling thread's CPU time in nanoseconds, if the platform has the clock.
#[cfg(all(unix, feature = "enabled"))]
#[inline]
pub(crate) fn now() -> Option<u64> {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
    let nanos = u64::try_from(t.tv_sec).ok()?.checked_mul(1_000_000_000)?;
    nanos.checked_add(u64::try_from(t.tv_nsec).ok()?)
}

/// The CPU time a reading itself adds to the difference of two readings:
/// the way out of the first system call and into the second, which a
/// call's CPU time would otherwise include (about 0.6 µs here: as much as a
/// short call's whole time). The median of 31 back-to-back pairs, measured
/// once; [`crate::record::detail`] takes it off every difference.
pub(crate) fn read_cost() -> u64 {
    static COST: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    // No allocation: this first runs inside a call whose allocations count.
    *COST.get_or_init(|| {
        let mut pairs = [0u64; 31];
        for pair in &mut pairs {
            let (Some(a), Some(b)) = (now(), now()) else { return 0 };
            *pair = b.saturating_sub(a);
        }
        pairs.sort_unstable();
        pairs[pairs.len() / 2]
    })
}

/// The calling thread's CPU time: not available on this platform.
#[cfg(not(all(unix, feature = "enabled")))]
#[inline]
pub(crate) fn now() -> Option<u64> {
    None
}

#[cfg(test)]
mod tests {
    #[test]
    #[cfg(unix)]
    fn the_thread_clock_counts_work_and_not_sleep() {
        let start = super::now().expect("unix has a thread CPU clock");
        std::thread::sleep(std::time::Duration::from_millis(30));
        let slept = super::now().unwrap() - start;
        // A fixed amount of work, not of wall time: the CPU it takes does not
        // depend on how often the shared machine preempts this thread.
        let mut x = 0u64;
        for i in 0..20_000_000u64 {
            x = std::hint::black_box(x.wrapping_add(i));
        }
        let worked = super::now().unwrap() - start - slept;
        assert!(slept < 15_000_000, "sleeping 30 ms used {slept} ns of CPU");
        assert!(worked > 1_000_000, "20 million additions used only {worked} ns of CPU");
        assert!(worked > 4 * slept, "work {worked} ns, sleep {slept} ns");
    }

    #[test]
    #[cfg(unix)]
    fn a_reading_costs_something_and_less_than_a_millisecond() {
        let cost = super::read_cost();
        assert!(cost > 0 && cost < 1_000_000, "{cost} ns");
    }
}
