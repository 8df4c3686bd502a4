use profiler_runtime::monitor;

#[monitor(crate = "not a path!")]
fn load() {}

fn main() {
    load();
}
