//! Default names: two functions never share a row unless the user names them
//! alike; `#[monitor]` on an `impl` block or a trait names every method after
//! its type (or trait impl).

use profiler_runtime::{monitor, Monitor, SessionReport};
use std::fmt;

fn record<R>(f: impl FnOnce() -> R) -> SessionReport {
    let m = Monitor::new();
    m.start_session("names");
    m.scope(f);
    m.end_session().expect("a session was running")
}

fn rows(report: &SessionReport) -> Vec<(&str, u64)> {
    let mut rows: Vec<_> = report.operations.iter().map(|o| (o.name.as_str(), o.calls)).collect();
    rows.sort();
    rows
}

// Issue 14: `Db::new` and `DropGuard::new` (no `self`, no `Self` in the
// signature, one module) were one row `db::new`.
mod db {
    use profiler_runtime::monitor;

    pub struct Db;
    pub struct DropGuard;

    impl Db {
        #[monitor]
        pub fn new() -> Db {
            Db
        }
    }

    impl DropGuard {
        #[monitor]
        pub fn new() -> DropGuard {
            DropGuard
        }
    }
}

#[test]
fn associated_functions_of_two_types_are_two_rows() {
    let report = record(|| {
        db::Db::new();
        db::Db::new();
        db::DropGuard::new();
    });
    assert_eq!(rows(&report), [("names::db::Db::new", 2), ("names::db::DropGuard::new", 1)]);
}

// Issue 14: four `impl From<..> for Error` became one row `frame::from`.
mod frame {
    use profiler_runtime::monitor;

    #[derive(Debug)]
    pub struct Error(#[allow(dead_code)] pub String); // only ever built

    impl From<std::io::Error> for Error {
        #[monitor]
        fn from(e: std::io::Error) -> Error {
            Error(e.to_string())
        }
    }

    impl From<std::fmt::Error> for Error {
        #[monitor]
        fn from(e: std::fmt::Error) -> Error {
            Error(e.to_string())
        }
    }

    impl From<String> for Error {
        #[monitor]
        fn from(e: String) -> Error {
            Error(e)
        }
    }

    impl From<&str> for Error {
        #[monitor]
        fn from(e: &str) -> Error {
            Error(e.to_owned())
        }
    }
}

#[test]
fn trait_impls_of_one_trait_for_one_type_are_a_row_each() {
    let report = record(|| {
        let _ = frame::Error::from(std::io::Error::other("disk"));
        let _ = frame::Error::from(std::fmt::Error);
        let _ = frame::Error::from(String::from("a"));
        let _ = frame::Error::from("b");
        let _ = frame::Error::from("c");
    });
    let names = rows(&report);
    assert_eq!(names.len(), 4, "{names:?}");
    assert!(names.contains(&("names::frame::<Error as From<String>>::from", 1)), "{names:?}");
    assert!(names.contains(&("names::frame::<Error as From<&str>>::from", 2)), "{names:?}");
    // io::Error and fmt::Error are both `Error` when cut short: each keeps its whole path.
    assert!(names.iter().any(|(n, _)| n.ends_with("From<std::io::error::Error>>::from")));
    assert!(names.iter().any(|(n, _)| n.ends_with("From<core::fmt::Error>>::from")));
}

#[monitor("names::shared")]
fn shared_a() {}

#[monitor("names::shared")]
fn shared_b() {}

#[test]
fn explicit_names_still_merge() {
    let report = record(|| {
        shared_a();
        shared_b();
    });
    assert_eq!(rows(&report), [("names::shared", 2)]);
}

// ---- #[monitor] on impl blocks and traits ----------------------------------

pub struct Parser {
    input: String,
}

#[monitor(slow = "1ns")]
impl Parser {
    /// A `const fn` is left alone: it stays usable in const context.
    pub const fn limit() -> usize {
        64
    }

    pub fn new(input: &str) -> Parser {
        Parser { input: input.to_owned() }
    }

    pub fn words(&self) -> usize {
        self.input.split_whitespace().take(Self::limit()).count()
    }

    pub fn number(&self) -> Result<u32, std::num::ParseIntError> {
        self.input.trim().parse()
    }

    pub async fn later(&self) -> usize {
        self.words()
    }

    /// Its own attribute wins: its name, and no `slow` threshold.
    #[monitor("names::custom")]
    pub fn custom(&self) -> u8 {
        1
    }
}

const LIMIT: usize = Parser::limit();

pub struct Wrapper<T>(T);

#[monitor]
impl<T: Clone> Wrapper<T> {
    pub fn get(&self) -> T {
        self.0.clone()
    }
}

pub trait Shape {
    fn sides(&self) -> u32;

    fn describe(&self) -> String {
        format!("{} sides", self.sides())
    }
}

pub struct Square;
pub struct Triangle;

#[monitor]
impl Shape for Square {
    fn sides(&self) -> u32 {
        4
    }
}

#[monitor]
impl Shape for Triangle {
    fn sides(&self) -> u32 {
        3
    }

    fn describe(&self) -> String {
        "a triangle".to_owned()
    }
}

#[monitor]
pub trait Greet {
    /// No body: nothing to time.
    fn name(&self) -> String;

    /// A default body, named after the trait, not after a type that calls it.
    fn greet(&self) -> String {
        format!("hello, {}", self.name())
    }
}

impl Greet for Square {
    fn name(&self) -> String {
        "square".into()
    }
}

impl fmt::Display for Triangle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("triangle")
    }
}

impl Greet for Triangle {
    fn name(&self) -> String {
        self.to_string()
    }
}

#[test]
fn an_impl_block_instruments_every_method_with_a_body() {
    let m = Monitor::new();
    m.start_session("impl");
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    m.scope(|| {
        let p = Parser::new(" 42 ");
        assert_eq!(p.words(), 1);
        assert_eq!(p.number(), Ok(42));
        assert!(Parser::new("x").number().is_err());
        assert_eq!(p.custom(), 1);
        assert_eq!(LIMIT, 64);
        assert_eq!(Wrapper(1u8).get() as u32 + Wrapper(2u32).get(), 3);
    });
    let p = Parser::new("a b c");
    assert_eq!(rt.block_on(m.bind(p.later())), 3);
    let report = m.end_session().unwrap();
    assert_eq!(
        rows(&report),
        [
            ("names::Parser::later", 1),
            ("names::Parser::new", 2),
            ("names::Parser::number", 2),
            ("names::Parser::words", 2),
            ("names::Wrapper::get", 2),
            ("names::custom", 1),
        ]
    );
    assert_eq!(report.operation("names::Parser::number").unwrap().failures, 1);
    assert_eq!(report.operation("names::Parser::words").unwrap().slow_calls, 2);
    assert_eq!(report.operation("names::custom").unwrap().slow_threshold_ns, None);
}

#[test]
fn trait_impls_and_default_methods_are_named_after_their_impl_and_trait() {
    let report = record(|| {
        assert_eq!(Square.describe(), "4 sides");
        assert_eq!(Triangle.describe(), "a triangle");
        assert_eq!(Square.greet(), "hello, square");
        assert_eq!(Triangle.greet(), "hello, triangle");
    });
    assert_eq!(
        rows(&report),
        [
            ("names::<Square as Shape>::sides", 1),
            ("names::<Triangle as Shape>::describe", 1),
            ("names::Greet::greet", 2),
        ]
    );
}
