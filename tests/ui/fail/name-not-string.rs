use profiler_runtime::monitor;

#[monitor(name = 42)]
fn answer() -> u32 {
    42
}

fn main() {
    answer();
}
