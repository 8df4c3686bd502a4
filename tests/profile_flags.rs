//! `ProfileFlags::apply` in a test binary of its own: without `--profile` it
//! switches recording off for the whole process, which would stop the
//! counting of any test running beside it.

use profiler_runtime::{monitor, Level, Monitor, ProfileFlags};

#[monitor("flags::work")]
fn work(x: u64) -> u64 {
    std::hint::black_box(x) + 1
}

fn calls(m: &Monitor) -> u64 {
    m.start_session("flags");
    m.scope(|| work(1));
    m.end_session().unwrap().operation("flags::work").map_or(0, |op| op.calls)
}

#[test]
fn without_profile_the_process_records_nothing_and_with_it_records_again() {
    let m = Monitor::new();
    let (flags, rest) = ProfileFlags::from_args(["app", "input.csv"]).unwrap();
    assert_eq!(rest, ["app", "input.csv"]);
    flags.apply(&m).unwrap();
    assert!(!profiler_runtime::is_enabled());
    assert_eq!(calls(&m), 0);

    let (flags, _) = ProfileFlags::from_args(["app", "--profile-level", "full"]).unwrap();
    flags.apply(&m).unwrap();
    assert!(profiler_runtime::is_enabled());
    assert_eq!(m.level(), Level::Full);
    assert_eq!(calls(&m), 1);
}
