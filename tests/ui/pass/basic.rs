use profiler_runtime::monitor;

#[monitor]
fn plain() {}

#[monitor("named")]
fn named() -> u8 {
    1
}

fn main() {
    plain();
    named();
}
