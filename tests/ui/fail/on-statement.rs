use profiler_runtime::monitor;

fn main() {
    #[monitor]
    let total = 1 + 2;
    let _ = total;
}
