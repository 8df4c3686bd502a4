use profiler_runtime::monitor;
use std::future::Future;
use std::rc::Rc;

async fn tick() {}

#[monitor]
async fn count_refs() -> usize {
    let shared = Rc::new(5);
    tick().await;
    Rc::strong_count(&shared)
}

/// Stands in for `tokio::spawn` (same bound, no dependency in the output).
fn spawn<F: Future + Send + 'static>(future: F) {
    drop(future);
}

fn main() {
    spawn(count_refs());
}
