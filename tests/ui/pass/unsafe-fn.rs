//! `unsafe fn` and calls of it keep their meaning (the `it` tests forbid
//! `unsafe_code`, so this lives here).
#![deny(unsafe_op_in_unsafe_fn)]

use profiler_runtime::{monitor, Monitor};

/// # Safety
/// `ptr` must be valid for reads.
#[monitor("unsafe_fn::read")]
unsafe fn read(ptr: *const u32) -> u32 {
    // SAFETY: the caller promises `ptr` is valid.
    unsafe { *ptr }
}

fn main() {
    let m = Monitor::new();
    m.start_session("unsafe");
    let value = 41;
    // SAFETY: `value` is a live local.
    let read_back = m.scope(|| unsafe { read(&value) });
    assert_eq!(read_back, 41);
    assert_eq!(m.end_session().unwrap().operation("unsafe_fn::read").unwrap().calls, 1);
}
