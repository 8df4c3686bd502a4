use profiler_runtime::{monitor, Monitor};

#[monitor("core_api::add")]
fn add(a: u64, b: u64) -> u64 {
    a + b
}

#[test]
fn calls_are_counted_in_their_own_monitor() {
    let m = Monitor::new();
    m.start_session("core");
    m.scope(|| {
        for i in 0..10 {
            add(i, 1);
        }
    });
    let report = m.end_session().unwrap();
    assert_eq!(report.operation("core_api::add").unwrap().calls, 10);
}
