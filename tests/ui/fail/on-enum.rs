use profiler_runtime::monitor;

#[monitor]
enum Mode {
    Fast,
    Slow,
}

fn main() {
    let _ = [Mode::Fast, Mode::Slow];
}
