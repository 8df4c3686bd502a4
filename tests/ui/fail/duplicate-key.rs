use profiler_runtime::monitor;

#[monitor(slow = "10ms", slow = "20ms")]
fn load() {}

fn main() {
    load();
}
