use profiler_runtime::monitor;

#[monitor]
const fn square(x: u32) -> u32 {
    x * x
}

const NINE: u32 = square(3);

fn main() {
    assert_eq!(square(NINE), 81);
}
