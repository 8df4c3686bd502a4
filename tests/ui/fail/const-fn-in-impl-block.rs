use profiler_runtime::monitor;

struct Limits;

// A `const fn` in a `#[monitor]` impl is left alone, so it stays usable in
// const context; the mistake below is the user's own and reported as such.
#[monitor]
impl Limits {
    const fn max() -> usize {
        8
    }

    fn check(&self, n: usize) -> bool {
        n <= Self::max()
    }
}

const MAX: usize = Limits::max();

fn main() {
    let _: [u8; MAX] = [0; 8];
    let _: bool = Limits.check(3u8);
}
