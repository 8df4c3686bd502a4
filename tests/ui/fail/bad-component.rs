use profiler_runtime::monitor;

#[monitor(component = 3)]
fn numbered() {}

#[monitor(component = "  ")]
fn blank() {}

fn main() {
    numbered();
    blank();
}
