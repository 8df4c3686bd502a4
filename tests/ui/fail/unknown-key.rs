use profiler_runtime::monitor;

#[monitor(nmae = "load")]
fn load() {}

fn main() {
    load();
}
