use profiler_runtime::monitor;

#[monitor]
struct Config {
    path: String,
}

fn main() {
    let _ = Config { path: String::new() }.path;
}
