use profiler_runtime::monitor;

fn main() {
    let double = #[monitor] |x: u32| x * 2;
    double(2);
}
