//! Process memory and CPU time, read through `sysinfo` at session boundaries
//! (never on the per-call path), and at the detailed level a [`sampler`]
//! thread that reads resident memory the cheap way ([`memory`]) into a
//! bounded [`timeline`]. Compiled out (without the `enabled` feature) there is
//! no `sysinfo` and no sample.

pub(crate) mod allocator;
pub(crate) mod memory;
pub(crate) mod periodic;
pub(crate) mod sampler;
pub(crate) mod timeline;
pub(crate) mod watch;

/// One reading of the process's resources.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct ProcessSample {
    pub(crate) rss_bytes: u64,
    pub(crate) cpu_time_ms: u64,
    /// The machine's CPU pressure so far, where the kernel reports it
    /// ([`cpu_pressure_us`]).
    pub(crate) cpu_pressure_us: Option<u64>,
}

#[cfg(feature = "enabled")]
mod source {
    use super::ProcessSample;
    use std::sync::{LazyLock, Mutex};
    use sysinfo::{Pid, ProcessRefreshKind, ProcessesToUpdate, System};

    static SYSTEM: LazyLock<Option<(Pid, Mutex<System>)>> =
        LazyLock::new(|| Some((sysinfo::get_current_pid().ok()?, Mutex::new(System::new()))));

    pub(crate) fn sample() -> Option<ProcessSample> {
        let (pid, system) = SYSTEM.as_ref()?;
        let mut system = system.lock().unwrap_or_else(|e| e.into_inner());
        system.refresh_processes_specifics(
            ProcessesToUpdate::Some(&[*pid]),
            false,
            ProcessRefreshKind::nothing().with_memory().with_cpu(),
        );
        let process = system.process(*pid)?;
        Some(ProcessSample {
            rss_bytes: process.memory(),
            cpu_time_ms: process.accumulated_cpu_time(),
            cpu_pressure_us: super::cpu_pressure_us(),
        })
    }
}

#[cfg(not(feature = "enabled"))]
mod source {
    pub(crate) fn sample() -> Option<super::ProcessSample> {
        None
    }
}

/// Reads the process's resident memory and CPU time; `None` where the
/// platform does not say, and when compiled out.
pub(crate) fn sample() -> Option<ProcessSample> {
    source::sample()
}

/// Microseconds in which some task of the machine (of the cgroup, in a
/// container that has its own view) was ready to run but waited for a CPU,
/// since boot: Linux's pressure stall information (`some total=` in
/// `/proc/pressure/cpu`). `None` elsewhere, and where the kernel keeps none.
/// Only an enabled build samples the process.
#[cfg(feature = "enabled")]
pub(crate) fn cpu_pressure_us() -> Option<u64> {
    parse_cpu_pressure(&std::fs::read_to_string("/proc/pressure/cpu").ok()?)
}

/// The `some` line's `total=` of a `/proc/pressure/cpu` text.
#[cfg(any(feature = "enabled", test))]
fn parse_cpu_pressure(text: &str) -> Option<u64> {
    let some = text.lines().find(|l| l.starts_with("some "))?;
    some.split_whitespace().find_map(|field| field.strip_prefix("total="))?.parse().ok()
}

/// The highest resident memory of the process so far (Linux `VmHWM`); 0 elsewhere.
pub(crate) fn peak_rss_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
            let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
            Some(kib * 1024)
        })
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_pressure_is_the_some_lines_total() {
        let text = "some avg10=7.06 avg60=46.55 avg300=63.13 total=2138118594\n\
                    full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n";
        assert_eq!(parse_cpu_pressure(text), Some(2_138_118_594));
        assert_eq!(parse_cpu_pressure("full avg10=0.00 total=5\n"), None);
        assert_eq!(parse_cpu_pressure("some avg10=0.00 total=x\n"), None);
    }

    #[test]
    #[cfg(feature = "enabled")]
    fn the_process_has_memory_and_cpu_time() {
        let a = sample().expect("sysinfo supports this platform");
        assert!(a.rss_bytes > 1 << 20, "rss {}", a.rss_bytes);
        let mut x = 0u64;
        for i in 0..30_000_000u64 {
            x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(i));
        }
        let b = sample().unwrap();
        assert!(b.cpu_time_ms >= a.cpu_time_ms);
        if cfg!(target_os = "linux") {
            assert!(peak_rss_bytes() >= b.rss_bytes / 2);
        }
    }
}
