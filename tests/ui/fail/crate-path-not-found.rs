use profiler_runtime::monitor;

#[monitor(crate = "profiler_runtim")]
fn load() -> Result<u8, String> {
    Ok(1)
}

#[monitor(crate = "profiler_runtim")]
async fn fetch() -> u8 {
    1
}

fn main() {
    let _ = load();
    let _ = fetch();
}
