use profiler_runtime::monitor;

#[monitor("  ")]
fn load() {}

fn main() {
    load();
}
