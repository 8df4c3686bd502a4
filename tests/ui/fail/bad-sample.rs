use profiler_runtime::monitor;

#[monitor(sample = 0)]
fn never_timed() {}

#[monitor(sample = "64")]
fn quoted() {}

fn main() {
    never_timed();
    quoted();
}
