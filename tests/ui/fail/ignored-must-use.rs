#![deny(unused_must_use)]

use profiler_runtime::monitor;

// `#[must_use]` is kept on the instrumented function, so ignoring the result
// is still caught.
#[must_use]
#[monitor]
fn sum(a: u32, b: u32) -> u32 {
    a + b
}

fn main() {
    sum(1, 2);
}
