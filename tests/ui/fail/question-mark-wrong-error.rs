use profiler_runtime::monitor;

#[derive(Debug)]
struct MyError;

#[monitor]
fn parse(text: &str) -> Result<u32, MyError> {
    let n: u32 = text.parse()?;
    Ok(n)
}

fn main() {
    let _ = parse("1");
}
