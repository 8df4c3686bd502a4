use profiler_runtime::monitor;

#[monitor(slow = 10)]
fn load() {}

fn main() {
    load();
}
