use profiler_runtime::monitor;

#[monitor(slow = "10 parsecs")]
fn load() {}

fn main() {
    load();
}
