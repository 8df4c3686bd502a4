use profiler_runtime::monitor;

#[monitor]
fn plain() {}

#[monitor("named")]
fn named() -> u8 {
    1
}

#[monitor(name = "stored", component = "storage", slow = "1ms", sample = 8)]
fn every_option() -> u8 {
    2
}

fn main() {
    plain();
    named();
    every_option();
}
