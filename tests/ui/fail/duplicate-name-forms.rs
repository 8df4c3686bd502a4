use profiler_runtime::monitor;

#[monitor("a", name = "b")]
fn load() {}

fn main() {
    load();
}
