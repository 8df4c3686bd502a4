use profiler_runtime::monitor;

#[monitor]
fn total(items: &[u32]) -> u64 {
    let sum: u32 = items.iter().sum();
    sum
}

fn main() {
    total(&[1, 2]);
}
