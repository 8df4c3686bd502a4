//! Generated code raises no lint in a strict crate: every function shape
//! under rustc's opt-in lints, denied. (Clippy on generated code is checked
//! by running clippy on the `it` tests, which hold every shape.)
#![deny(warnings, rust_2018_idioms, unused, unused_qualifications, unused_results)]
#![deny(unused_must_use, unreachable_code, unused_variables, unused_mut, non_snake_case)]
#![deny(unused_lifetimes, single_use_lifetimes, trivial_casts, trivial_numeric_casts)]
#![deny(unused_import_braces, let_underscore_drop, redundant_lifetimes, unit_bindings)]
#![deny(missing_debug_implementations, unreachable_pub, variant_size_differences)]
#![deny(clippy::all, clippy::pedantic)]

use profiler_runtime::{monitor, Monitor};
use std::fmt;
use std::future::Future;
use std::pin::Pin;

#[monitor]
fn unit() {}

#[monitor]
fn value(x: u32) -> u32 {
    x + 1
}

#[monitor]
fn mutated(mut x: u32) -> u32 {
    x *= 2;
    x
}

#[monitor]
fn fallible(x: u32) -> Result<u32, String> {
    if x == 0 {
        return Err("zero".to_owned());
    }
    Ok(x)
}

#[monitor]
fn question_mark(text: &str) -> Result<u32, std::num::ParseIntError> {
    let n: u32 = text.parse()?;
    Ok(n)
}

#[monitor]
fn opaque_error() -> Result<(), Opaque> {
    Err(Opaque)
}

#[monitor]
fn never() -> ! {
    panic!("never returns")
}

#[monitor]
async fn asynchronous(x: u32) -> Result<u32, String> {
    fallible(x)
}

#[monitor]
fn future() -> impl Future<Output = u32> {
    async { 1 }
}

#[monitor]
fn boxed<'a>(x: &'a str) -> Pin<Box<dyn Future<Output = bool> + Send + 'a>> {
    Box::pin(async move { !x.is_empty() })
}

/// An error type without `Display`.
#[derive(Debug)]
struct Opaque;

#[derive(Debug)]
struct Thing(u32);

impl Thing {
    #[monitor]
    fn get(&self) -> u32 {
        self.0
    }

    #[monitor]
    fn set(&mut self, x: u32) {
        self.0 = x;
    }

    #[monitor]
    async fn get_later(&self) -> u32 {
        self.0
    }
}

impl fmt::Display for Thing {
    #[monitor]
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "thing {}", self.0)
    }
}

#[async_trait::async_trait]
trait Load {
    async fn load(&self) -> u32;
}

#[async_trait::async_trait]
impl Load for Thing {
    #[monitor]
    async fn load(&self) -> u32 {
        self.0
    }
}

/// A whole `impl` block and a trait under the attribute, with a `const fn`
/// and a method with its own attribute among them.
#[derive(Debug)]
struct Block;

#[monitor]
impl Block {
    const fn limit() -> u32 {
        3
    }

    fn size(&self) -> u32 {
        Self::limit()
    }

    fn closure(&self) -> impl Fn(&u32) -> u32 {
        |x| x + 1
    }

    #[monitor("lints::named")]
    fn named(&self) -> Result<u32, fmt::Error> {
        Ok(1)
    }
}

#[monitor]
trait Sized2 {
    fn twice(&self) -> u32;

    fn four(&self) -> u32 {
        self.twice() * 2
    }
}

impl Sized2 for Block {
    fn twice(&self) -> u32 {
        2
    }
}

fn main() {
    let m = Monitor::new();
    let session = m.start_session("lints");
    let mut thing = Thing(1);
    m.scope(|| {
        unit();
        assert_eq!(value(1) + mutated(1), 4);
        assert!(fallible(0).is_err() && question_mark("x").is_err() && opaque_error().is_err());
        assert_eq!(Block.size() + Block.closure()(&1) + Block.named().unwrap() + Block.four(), 10);
        thing.set(2);
        assert_eq!(thing.get(), 2);
        assert_eq!(thing.to_string(), "thing 2");
        std::panic::set_hook(Box::new(|_| {})); // quiet: the panic is expected
        assert!(std::panic::catch_unwind(|| never()).is_err());
        drop(std::panic::take_hook());
    });
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let total = rt.block_on(m.bind(async {
        asynchronous(1).await.unwrap() + future().await + u32::from(boxed("ab").await)
            + thing.get_later().await
            + thing.load().await
    }));
    assert_eq!(total, 7);
    let report = session.end().unwrap();
    assert_eq!(report.operations.len(), 19);
}
