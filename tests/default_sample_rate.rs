//! The process-wide default sample rate, in a test binary of its own: it
//! changes how every `#[monitor]` function in the process is timed.

use profiler_runtime::{monitor, set_default_sample_rate, Error, Monitor};

#[monitor("default_rate::plain")]
fn plain(i: u64) -> u64 {
    i + 1
}

#[monitor(name = "default_rate::own", sample = 1)]
fn own(i: u64) -> u64 {
    i + 2
}

#[test]
fn the_default_rate_samples_functions_without_their_own_and_can_be_undone() {
    let m = Monitor::new();
    m.start_session("before");
    m.scope(|| {
        (0..1_000).for_each(|i| {
            plain(i);
        })
    });
    let before = m.end_session().unwrap();
    assert_eq!(before.operation("default_rate::plain").unwrap().timed_calls, 1_000);

    set_default_sample_rate(32).unwrap();
    assert_eq!(profiler_runtime::default_sample_rate(), 32);
    m.start_session("sampled");
    m.scope(|| {
        (0..10_000).for_each(|i| {
            plain(i);
            own(i);
        })
    });
    let sampled = m.end_session().unwrap();
    // An already registered callsite follows the new default...
    let op = sampled.operation("default_rate::plain").unwrap();
    assert_eq!(op.calls, 10_000);
    assert!(op.estimated && (150..500).contains(&op.timed_calls), "{}", op.timed_calls);
    // ...one with its own `sample = 1` does not, and manual operations never are.
    let own_row = sampled.operation("default_rate::own").unwrap();
    assert_eq!((own_row.timed_calls, own_row.estimated), (10_000, false));
    m.start_session("manual");
    (0..100).for_each(|_| m.start_operation("default_rate::manual").finish());
    let manual = m.end_session().unwrap();
    assert_eq!(manual.operation("default_rate::manual").unwrap().timed_calls, 100);

    set_default_sample_rate(1).unwrap();
    m.start_session("after");
    m.scope(|| {
        (0..1_000).for_each(|i| {
            plain(i);
        })
    });
    let after = m.end_session().unwrap();
    let op = after.operation("default_rate::plain").unwrap();
    assert_eq!((op.calls, op.timed_calls, op.estimated), (1_000, 1_000, false));
}

#[test]
fn a_zero_rate_is_refused_with_what_is_allowed() {
    let err = set_default_sample_rate(0).unwrap_err();
    assert!(matches!(err, Error::SampleRate { given: 0 }));
    assert!(err.to_string().contains("give 1 to time every call"), "{err}");
}
