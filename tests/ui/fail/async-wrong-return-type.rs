use profiler_runtime::monitor;

#[monitor]
async fn total(items: &[u32]) -> u64 {
    let sum: u32 = items.iter().sum();
    sum
}

fn main() {
    let _ = total(&[1, 2]);
}
