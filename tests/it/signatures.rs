//! Signature coverage: every function shape users write compiles unchanged
//! under `#[monitor]` and each call is counted once.
//!
//! Free functions keep their default names (`signatures::fn_name`); methods get
//! explicit ones, because two methods with the same name in different `impl`s
//! would share the default name and so one report row.

use profiler_runtime::{monitor, Monitor, OperationKind, SessionReport};
use std::error::Error;
use std::fmt::{Debug, Display};
use std::future::Future;
use std::pin::Pin;

/// Runs `f` routed to a fresh monitor and returns its session's report.
fn record<R>(f: impl FnOnce() -> R) -> SessionReport {
    let m = Monitor::new();
    m.start_session("signatures");
    m.scope(f);
    m.end_session().expect("a session was running")
}

/// The same for a future, polled to completion on a current-thread runtime.
fn record_async<F: Future>(fut: F) -> SessionReport {
    let m = Monitor::new();
    m.start_session("signatures");
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(m.bind(fut));
    m.end_session().expect("a session was running")
}

/// Asserts each named operation's call count, listing every mismatch at once.
fn assert_calls(report: &SessionReport, expected: &[(&str, u64)]) {
    let wrong: Vec<String> = expected
        .iter()
        .filter_map(|&(name, calls)| {
            let got = report.operation(name).map(|op| op.calls);
            (got != Some(calls)).then(|| format!("{name}: expected {calls}, got {got:?}"))
        })
        .collect();
    let names: Vec<&str> = report.operations.iter().map(|op| op.name.as_str()).collect();
    assert!(wrong.is_empty(), "{wrong:#?}\nrecorded: {names:?}");
}

// ---- Generics, lifetimes, const generics ----------------------------------

#[monitor]
fn largest<T: PartialOrd + Copy>(items: &[T]) -> Option<T> {
    let mut best = *items.first()?;
    for &item in items {
        if item > best {
            best = item;
        }
    }
    Some(best)
}

#[monitor]
fn describe<K, V>(pairs: &[(K, V)]) -> String
where
    K: Display,
    V: Debug,
{
    pairs.iter().map(|(k, v)| format!("{k}={v:?}")).collect::<Vec<_>>().join(",")
}

#[monitor]
fn longest<'a>(a: &'a str, b: &'a str) -> &'a str {
    if a.len() >= b.len() {
        a
    } else {
        b
    }
}

#[monitor]
fn first_mut<'a, T>(items: &'a mut [T]) -> Option<&'a mut T> {
    items.first_mut()
}

#[monitor]
fn split_pair<'a, 'b: 'a>(s: &'b str, at: usize) -> (&'a str, &'b str) {
    s.split_at(at)
}

#[monitor]
fn sum_array<const N: usize>(values: [u32; N]) -> u32 {
    values.iter().sum()
}

#[monitor]
fn generic_result<T: std::str::FromStr>(text: &str) -> Result<T, T::Err>
where
    T::Err: Display,
{
    text.parse()
}

#[test]
fn generics_lifetimes_and_const_generics() {
    let report = record(|| {
        assert_eq!(largest(&[3, 9, 2]), Some(9));
        assert_eq!(largest::<f64>(&[]), None);
        assert_eq!(describe(&[("a", 1)]), "a=1");
        assert_eq!(longest("abc", "de"), "abc");
        let mut v = vec![1, 2];
        *first_mut(&mut v).unwrap() = 7;
        assert_eq!(v, [7, 2]);
        assert_eq!(split_pair("hello", 2), ("he", "llo"));
        assert_eq!(sum_array([1, 2, 3]) + sum_array([4]), 10);
        assert_eq!(generic_result::<u8>("7"), Ok(7));
        assert!(generic_result::<u8>("x").is_err());
    });
    assert_calls(
        &report,
        &[
            ("signatures::largest", 2),
            ("signatures::describe", 1),
            ("signatures::longest", 1),
            ("signatures::first_mut", 1),
            ("signatures::split_pair", 1),
            ("signatures::sum_array", 2),
            ("signatures::generic_result", 2),
        ],
    );
    let parse = report.operation("signatures::generic_result").unwrap();
    assert_eq!(parse.failures, 1, "an Err of a generic type is a failure");
    assert!(parse.last_error.as_deref().unwrap().contains("invalid digit"));
}

// ---- impl Trait, Box<dyn Error>, iterators ---------------------------------

#[monitor]
fn show(value: impl Display, times: usize) -> String {
    value.to_string().repeat(times)
}

#[monitor]
fn evens(limit: u32) -> impl Iterator<Item = u32> {
    (0..limit).filter(|n| n % 2 == 0)
}

#[monitor]
fn checked(value: i32) -> Result<impl Display, String> {
    if value < 0 {
        return Err(format!("{value} is negative"));
    }
    Ok(value * 2)
}

#[monitor]
fn boxed_error(input: &str) -> Result<u32, Box<dyn Error>> {
    if input.is_empty() {
        // A `&str` error, converted by `?`.
        Err("empty input")?;
    }
    if input == "io" {
        // A concrete error boxed and coerced at a `return`.
        return Err(Box::new(std::io::Error::other("io failed")));
    }
    let n: u32 = input.parse()?; // ParseIntError, converted by `?`.
    if n == 0 {
        return Err(std::fmt::Error.into());
    }
    Ok(n)
}

#[monitor]
fn first_char(s: &str) -> Option<char> {
    let c = s.chars().next()?;
    Some(c.to_ascii_uppercase())
}

#[monitor]
fn first_negative(rows: &[Vec<i32>]) -> Option<(usize, usize)> {
    for (i, row) in rows.iter().enumerate() {
        for (j, &x) in row.iter().enumerate() {
            if x < 0 {
                return Some((i, j));
            }
        }
    }
    None
}

#[test]
fn impl_trait_question_mark_and_early_returns() {
    let report = record(|| {
        assert_eq!(show(4, 3), "444");
        assert_eq!(evens(7).collect::<Vec<_>>(), [0, 2, 4, 6]);
        assert_eq!(checked(2).unwrap().to_string(), "4");
        assert!(checked(-1).is_err());
        assert_eq!(boxed_error("5").unwrap(), 5);
        for bad in ["", "io", "x", "0"] {
            assert!(boxed_error(bad).is_err());
        }
        assert_eq!(first_char("abc"), Some('A'));
        assert_eq!(first_char(""), None);
        assert_eq!(first_negative(&[vec![1], vec![2, -3]]), Some((1, 1)));
        assert_eq!(first_negative(&[vec![1]]), None);
    });
    assert_calls(
        &report,
        &[
            ("signatures::show", 1),
            ("signatures::evens", 1),
            ("signatures::checked", 2),
            ("signatures::boxed_error", 5),
            ("signatures::first_char", 2),
            ("signatures::first_negative", 2),
        ],
    );
    assert_eq!(report.operation("signatures::checked").unwrap().failures, 1);
    let boxed = report.operation("signatures::boxed_error").unwrap();
    assert_eq!(boxed.failures, 4, "every early `return Err` and `?` is a failure");
    // `None` from `?` is not an error: only `Result::Err` is.
    assert_eq!(report.operation("signatures::first_char").unwrap().failures, 0);
}

// ---- Returned closures (issue 14): the body keeps its expected type --------

pub struct Bucket<K, V> {
    hash: u64,
    key: K,
    value: V,
}

// indexmap's shape: the closure's parameter type comes from the return type.
#[monitor]
fn get_hash<K, V>(entries: &[Bucket<K, V>]) -> impl Fn(&usize) -> u64 + use<'_, K, V> {
    move |&i| entries[i].hash
}

// A higher-ranked signature that only the expected type can give the closure.
#[monitor]
fn key_to_cmp<T, K, F>(mut key: F) -> impl FnMut(&T, &T) -> std::cmp::Ordering
where
    F: FnMut(&T) -> K,
    K: Ord,
{
    move |a, b| key(a).cmp(&key(b))
}

#[monitor]
fn shorter() -> impl Fn(&str, &str) -> bool {
    |a, b| a.len() < b.len()
}

#[monitor]
fn pair_sum() -> impl Fn((u8, u8), &[u8]) -> u8 {
    |(a, b), rest| a + b + rest.iter().sum::<u8>()
}

#[monitor]
fn doubled_evens(items: &[u32]) -> impl Iterator<Item = u32> + '_ {
    items.iter().filter(|x| *x % 2 == 0).map(|&x| x * 2)
}

#[monitor]
fn boxed_empty() -> Box<dyn Fn(&str) -> bool> {
    Box::new(|s| s.is_empty())
}

type Order<'a> = dyn FnMut(&u8, &u8) -> std::cmp::Ordering + 'a;

#[monitor]
fn boxed_order<'a>() -> Box<Order<'a>> {
    Box::new(|a, b| b.cmp(a))
}

#[monitor]
fn maybe_longer(strict: bool) -> Option<impl Fn(&str) -> bool> {
    if strict {
        Some(|s: &str| s.len() > 3)
    } else {
        None
    }
}

#[monitor]
fn checked_adder(ok: bool) -> Result<impl Fn(&u8) -> u8, String> {
    if ok {
        Ok(|x: &u8| x + 1)
    } else {
        Err("no adder".into())
    }
}

#[monitor]
fn parsed_all(text: &str) -> Result<impl Iterator<Item = u8> + '_, String> {
    if text.is_empty() {
        return Err("empty".into());
    }
    Ok(text.split(',').filter_map(|t| t.trim().parse().ok()))
}

#[monitor]
async fn async_adder() -> impl Fn(&u8) -> u8 {
    |x| x + 1
}

#[monitor]
fn total(items: &[i32]) -> i32 {
    items.iter().sum()
}

#[test]
fn returned_closures_keep_their_expected_type() {
    let report = record(|| {
        let entries =
            [Bucket { hash: 7, key: "a", value: 1 }, Bucket { hash: 9, key: "b", value: 2 }];
        assert_eq!(get_hash(&entries)(&1), 9);
        assert_eq!((entries[0].key, entries[1].value), ("a", 2));
        let mut words = vec!["ccc", "a", "bb"];
        words.sort_by(key_to_cmp(|w: &&str| w.len()));
        assert_eq!(words, ["a", "bb", "ccc"]);
        assert!(shorter()("a", "bb"));
        assert_eq!(pair_sum()((1, 2), &[3, 4]), 10);
        assert_eq!(doubled_evens(&[1, 2, 3, 4]).collect::<Vec<_>>(), [4, 8]);
        assert!(boxed_empty()(""));
        let mut order = boxed_order();
        assert_eq!(order(&1, &2), std::cmp::Ordering::Greater);
        assert!(maybe_longer(true).is_some_and(|f| f("long")));
        assert!(maybe_longer(false).is_none());
        assert_eq!(checked_adder(true).map(|f| f(&1)), Ok(2));
        assert!(checked_adder(false).is_err());
        assert_eq!(parsed_all("1, 2,x").map(|i| i.collect::<Vec<_>>()), Ok(vec![1, 2]));
        assert!(parsed_all("").is_err());
        assert_eq!(total(&[1, 2, 3]), 6);
    });
    fn assert_send<T: Send>(_: &T) {}
    assert_send(&async_adder()); // the guard inside it keeps the future `Send`
    let async_report = record_async(async { assert_eq!(async_adder().await(&1), 2) });
    assert_calls(&async_report, &[("signatures::async_adder", 1)]);
    assert_calls(
        &report,
        &[
            ("signatures::get_hash", 1),
            ("signatures::key_to_cmp", 1),
            ("signatures::shorter", 1),
            ("signatures::pair_sum", 1),
            ("signatures::doubled_evens", 1),
            ("signatures::boxed_empty", 1),
            ("signatures::boxed_order", 1),
            ("signatures::maybe_longer", 2),
            ("signatures::checked_adder", 2),
            ("signatures::parsed_all", 2),
            ("signatures::total", 1),
        ],
    );
    // A `Result` that holds an `impl Fn` is not classified (the body runs as
    // written, so its closure gets its type); one that does not, is.
    assert_eq!(report.operation("signatures::checked_adder").unwrap().failures, 0);
    assert_eq!(report.operation("signatures::parsed_all").unwrap().failures, 1);
}

// ---- Receivers, inherent and trait methods ---------------------------------

#[derive(Debug, Default)]
struct Counter {
    n: u32,
    items: Vec<u32>,
}

impl Counter {
    #[monitor("sig::Counter::new")]
    fn new() -> Self {
        Counter { n: 0, items: vec![1, 2, 3] }
    }

    #[monitor("sig::Counter::get")]
    fn get(&self) -> u32 {
        self.n
    }

    #[monitor("sig::Counter::bump")]
    fn bump(&mut self) -> &mut Self {
        self.n += 1;
        self
    }

    #[monitor("sig::Counter::into_n")]
    fn into_n(self) -> u32 {
        self.n
    }

    #[monitor("sig::Counter::reset")]
    fn reset(mut self) -> Self {
        self.n = 0;
        self
    }

    #[monitor("sig::Counter::boxed")]
    fn boxed(self: Box<Self>) -> u32 {
        self.n
    }

    #[monitor("sig::Counter::pinned")]
    fn pinned(self: Pin<&mut Self>) -> u32 {
        self.get_mut().n
    }

    #[monitor("sig::Counter::items")]
    fn items(&self) -> impl Iterator<Item = &u32> + '_ {
        self.items.iter()
    }

    #[monitor("sig::Counter::n_mut")]
    fn n_mut<'a>(&'a mut self) -> &'a mut u32 {
        &mut self.n
    }
}

trait Shape {
    fn area(&self) -> f64;

    // A default method with a body, instrumented where it is written.
    #[monitor("sig::Shape::describe")]
    fn describe(&self) -> String {
        format!("area {}", self.area())
    }
}

struct Square(f64);

impl Shape for Square {
    #[monitor("sig::Square::area")]
    fn area(&self) -> f64 {
        self.0 * self.0
    }
}

trait Make: Sized {
    fn make(side: f64) -> Self;

    // A generic default method bounded on `Self`.
    #[monitor("sig::Make::make_all")]
    fn make_all<I>(sides: I) -> Vec<Self>
    where
        I: IntoIterator<Item = f64>,
    {
        sides.into_iter().map(Self::make).collect()
    }
}

impl Make for Square {
    #[monitor("sig::Square::make")]
    fn make(side: f64) -> Self {
        Square(side)
    }
}

struct Labelled<T>(T);

impl<T: Display> Labelled<T> {
    #[monitor("sig::Labelled::label")]
    fn label<const WIDTH: usize>(&self) -> String {
        format!("{:>WIDTH$}", self.0)
    }
}

#[test]
fn every_receiver_form() {
    let report = record(|| {
        let mut c = Counter::new();
        c.bump().bump();
        assert_eq!(c.get(), 2);
        *c.n_mut() += 1;
        assert_eq!(c.items().count(), 3);
        let mut pinned = Counter::default();
        assert_eq!(Pin::new(&mut pinned).pinned(), 0);
        assert_eq!(Box::new(c.reset()).boxed(), 0);
        assert_eq!(Counter::new().into_n(), 0);
        assert_eq!(Square(2.0).describe(), "area 4");
        assert_eq!(Square::make_all([1.0, 2.0]).len(), 2);
        assert_eq!(Labelled(7).label::<3>(), "  7");
    });
    assert_calls(
        &report,
        &[
            ("sig::Counter::new", 2),
            ("sig::Counter::bump", 2),
            ("sig::Counter::get", 1),
            ("sig::Counter::n_mut", 1),
            ("sig::Counter::items", 1),
            ("sig::Counter::pinned", 1),
            ("sig::Counter::reset", 1),
            ("sig::Counter::boxed", 1),
            ("sig::Counter::into_n", 1),
            ("sig::Shape::describe", 1),
            ("sig::Square::area", 1),
            ("sig::Make::make_all", 1),
            ("sig::Square::make", 2),
            ("sig::Labelled::label", 1),
        ],
    );
}

// ---- Async: async fn, -> impl Future, native and async-trait traits --------

#[monitor]
async fn fetch(id: u32) -> Result<u32, String> {
    tokio::task::yield_now().await;
    if id == 0 {
        return Err("no id 0".into());
    }
    Ok(id * 10)
}

#[monitor]
fn deferred<'a>(name: &'a str) -> impl Future<Output = usize> + Send + 'a {
    async move { name.len() }
}

#[monitor]
async fn sum_parsed(texts: &[&str]) -> Result<u32, Box<dyn Error + Send + Sync>> {
    let mut sum = 0;
    for text in texts {
        if text.is_empty() {
            return Err("empty".into());
        }
        sum += text.parse::<u32>()?;
    }
    Ok(sum)
}

// A hand-written boxed future that is not `Box::pin(async move {..})`.
#[monitor]
fn ready_boxed(x: u8) -> Pin<Box<dyn Future<Output = u8> + Send>> {
    Box::pin(std::future::ready(x))
}

trait Store {
    async fn load(&self, key: u32) -> u32;

    // Native `async fn` in a trait, with a default body.
    #[monitor("sig::Store::load_twice")]
    async fn load_twice(&self, key: u32) -> u32 {
        self.load(key).await + self.load(key).await
    }
}

struct Memory;

impl Store for Memory {
    #[monitor("sig::Memory::load")]
    async fn load(&self, key: u32) -> u32 {
        key
    }
}

// With `async-trait`, `#[async_trait]` goes on the trait or impl and
// `#[monitor]` on the method. The outer attribute expands first and rewrites
// the method to return `Pin<Box<dyn Future + Send + '_>>`, which `#[monitor]`
// recognises and times as a future. (`#[monitor]` on the impl itself is an
// error: it only goes on functions.)
#[async_trait::async_trait]
trait Fetcher {
    async fn one(&self, key: u32) -> u32;

    #[monitor("sig::Fetcher::many")]
    async fn many(&self, keys: &[u32]) -> u32 {
        let mut total = 0;
        for &k in keys {
            total += self.one(k).await;
        }
        total
    }
}

struct Remote;

#[async_trait::async_trait]
impl Fetcher for Remote {
    #[monitor("sig::Remote::one")]
    async fn one(&self, key: u32) -> u32 {
        tokio::task::yield_now().await;
        key + 1
    }
}

#[test]
fn async_shapes() {
    let report = record_async(async {
        assert_eq!(fetch(2).await, Ok(20));
        assert!(fetch(0).await.is_err());
        assert_eq!(deferred("four").await, 4);
        assert_eq!(sum_parsed(&["1", "2"]).await.unwrap(), 3);
        assert!(sum_parsed(&["1", "x"]).await.is_err());
        assert!(sum_parsed(&[""]).await.is_err());
        assert_eq!(ready_boxed(3).await, 3);
        assert_eq!(Memory.load_twice(3).await, 6);
        assert_eq!(Remote.many(&[1, 2]).await, 5);
        // Built but never polled: not a call.
        drop(fetch(9));
    });
    assert_calls(
        &report,
        &[
            ("signatures::fetch", 2),
            ("signatures::deferred", 1),
            ("signatures::sum_parsed", 3),
            ("signatures::ready_boxed", 1),
            ("sig::Store::load_twice", 1),
            ("sig::Memory::load", 2),
            ("sig::Fetcher::many", 1),
            ("sig::Remote::one", 2),
        ],
    );
    assert_eq!(report.operation("signatures::fetch").unwrap().failures, 1);
    assert_eq!(report.operation("signatures::sum_parsed").unwrap().failures, 2);
    assert_eq!(report.operation("sig::Remote::one").unwrap().kind, OperationKind::Async);
}

// ---- Patterns, extern "C", recursion, `-> !` -----------------------

struct Point {
    x: i32,
    y: i32,
}

#[monitor]
fn patterns((a, b): (u8, u8), Point { x, y }: Point, mut acc: u32, _: &str) -> u32 {
    acc += u32::from(a) + u32::from(b);
    acc + x.unsigned_abs() + y.unsigned_abs()
}

// `unsafe fn` is covered by `ui/pass/unsafe-fn.rs`: this package forbids
// `unsafe_code`, so it could not call one.

#[monitor]
extern "C" fn c_abi(x: i32) -> i32 {
    x + 1
}

#[monitor]
fn factorial(n: u64) -> u64 {
    if n <= 1 {
        1
    } else {
        n * factorial(n - 1)
    }
}

#[monitor]
fn give_up(why: &str) -> ! {
    panic!("giving up: {why}")
}

#[test]
fn patterns_extern_and_recursion() {
    let report = record(|| {
        assert_eq!(patterns((1, 2), Point { x: -3, y: 4 }, 10, "ignored"), 20);
        assert_eq!(c_abi(1), 2);
        assert_eq!(factorial(5), 120);
    });
    assert_calls(
        &report,
        &[
            ("signatures::patterns", 1),
            ("signatures::c_abi", 1),
            ("signatures::factorial", 5), // each level of the recursion
        ],
    );
}

#[test]
fn a_never_returning_function_that_panics_is_a_failure() {
    let report = record(|| {
        let caught = std::panic::catch_unwind(|| give_up("test"));
        assert!(caught.is_err());
    });
    assert_calls(&report, &[("signatures::give_up", 1)]);
    assert_eq!(report.operation("signatures::give_up").unwrap().failures, 1);
}

// ---- Attributes, macro_rules!, cfg_attr ------------------------------------

/// Doubles a number (a doc comment, kept).
#[must_use]
#[inline]
#[monitor]
fn doubled(x: u32) -> u32 {
    x * 2
}

#[monitor]
#[track_caller]
fn caller_line() -> u32 {
    std::panic::Location::caller().line()
}

macro_rules! monitored_getters {
    ($($name:ident => $value:expr),* $(,)?) => {
        $(
            #[monitor]
            fn $name() -> u32 {
                $value
            }
        )*
    };
}

monitored_getters!(from_macro_a => 1, from_macro_b => 2);

#[cfg_attr(not(any()), monitor)]
fn cfg_on() -> u8 {
    1
}

#[cfg_attr(any(), monitor)]
fn cfg_off() -> u8 {
    2
}

#[test]
fn attributes_macros_and_cfg_attr() {
    let report = record(|| {
        assert_eq!(doubled(2), 4);
        let line = line!() + 1;
        assert_eq!(caller_line(), line, "#[track_caller] still sees the caller");
        assert_eq!(from_macro_a() + from_macro_b(), 3);
        assert_eq!(cfg_on() + cfg_off(), 3);
    });
    assert_calls(
        &report,
        &[
            ("signatures::doubled", 1),
            ("signatures::caller_line", 1),
            ("signatures::from_macro_a", 1),
            ("signatures::from_macro_b", 1),
            ("signatures::cfg_on", 1),
        ],
    );
    assert!(report.operation("signatures::cfg_off").is_none(), "cfg_attr off: not monitored");
}
