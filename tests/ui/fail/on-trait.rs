use profiler_runtime::monitor;

#[monitor]
trait Load {
    fn load(&self) -> u8 {
        1
    }
}

impl Load for () {}

fn main() {
    ().load();
}
