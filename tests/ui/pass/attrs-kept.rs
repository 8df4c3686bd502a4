//! `#[monitor]` keeps the function's attributes: doc comments, `#[must_use]`,
//! `#[inline]`, lint levels (outer and inner) and `#[track_caller]`.
#![deny(unused_must_use, missing_docs)]

use profiler_runtime::monitor;

/// Documented, and `missing_docs` agrees.
#[must_use = "the sum is the point"]
#[inline]
#[monitor]
pub fn sum(a: u32, b: u32) -> u32 {
    a + b
}

/// An outer `#[allow]` reaches the body.
#[allow(unused_variables)]
#[monitor]
pub fn outer_allow(x: u32) {
    let y = x;
}

/// So does an inner one.
#[monitor]
pub fn inner_allow(x: u32) {
    #![allow(unused_variables)]
    let y = x;
}

/// `#[track_caller]` still reports the caller.
#[track_caller]
#[monitor]
pub fn caller_line() -> u32 {
    std::panic::Location::caller().line()
}

// That `#[must_use]` still bites is `fail/ignored-must-use.rs`.
fn main() {
    let _ = sum(1, 2);
    outer_allow(1);
    inner_allow(1);
    assert_eq!(caller_line(), line!());
}
