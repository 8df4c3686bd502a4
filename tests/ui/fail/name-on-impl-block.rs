use profiler_runtime::monitor;

struct Parser;

// A name would give every method one row.
#[monitor("parser")]
impl Parser {
    fn parse(&self) -> u8 {
        1
    }
}

fn main() {
    Parser.parse();
}
