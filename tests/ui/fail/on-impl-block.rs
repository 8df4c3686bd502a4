use profiler_runtime::monitor;

struct Parser;

#[monitor]
impl Parser {
    fn parse(&self) -> u8 {
        1
    }
}

fn main() {
    Parser.parse();
}
