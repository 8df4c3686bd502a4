use profiler_runtime::monitor;

trait Store {
    #[monitor]
    fn get(&self, key: u32) -> u32;
}

impl Store for () {
    fn get(&self, key: u32) -> u32 {
        key
    }
}

fn main() {
    ().get(1);
}
