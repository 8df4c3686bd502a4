//! The `#[monitor]` attribute of [profiler-runtime]. Depend on
//! `profiler-runtime`, which re-exports it; the generated code calls into that
//! crate.
//!
//! [profiler-runtime]: https://docs.rs/profiler-runtime
#![deny(missing_docs)]

mod args;
mod expand;
mod shape;

use proc_macro::TokenStream;

/// Times every call of a function or method and records it in the current
/// monitor (the global one unless a `Monitor::scope` or `Monitor::bind` says
/// otherwise).
///
/// Use it through `profiler_runtime::monitor`. The examples below are not run
/// here (this crate cannot depend on the runtime); the runtime's docs run them.
///
/// ```ignore
/// use profiler_runtime::monitor;
///
/// #[monitor]
/// fn parse(input: &str) -> Vec<u32> {
///     input.split(',').filter_map(|s| s.trim().parse().ok()).collect()
/// }
/// ```
///
/// # Forms
///
/// - `#[monitor]`: the operation is named after the function's path inside
///   its crate (`app::parse`).
/// - `#[monitor("load_config")]`: an explicit name.
/// - `#[monitor(name = "load_config", slow = "250ms", sample = 64, component = "config", crate = "my_rt")]`:
///   key-value options, in any order, each at most once.
/// - `#[monitor]` (or `#[monitor(slow = "..", sample = N)]`) on an `impl` block or a
///   trait: every method with a body is instrumented with those options and
///   named after its type. Left alone: `const fn`s, and methods that carry
///   their own `#[monitor(..)]`, whose options win. A name is refused there
///   (it would give every method one row).
///
/// ```ignore
/// use profiler_runtime::monitor;
///
/// struct Users;
///
/// #[monitor]
/// impl Users {
///     fn get(&self, id: u32) -> Option<u32> { Some(id) } // `store::Users::get`
///     fn count(&self) -> usize { 1 }                      // `store::Users::count`
///     const fn limit() -> usize { 100 }                   // left alone
/// }
/// ```
///
/// # `name`
///
/// The operation's name in the report; `#[monitor("x")]` is the same as
/// `#[monitor(name = "x")]`. Functions sharing a name share one report row.
///
/// Without a name, the row is named after where the function is defined,
/// without the crate's name: `parse` at the crate root, `app::parse` in
/// module `app`, `store::Users::get` for a method, `store::Cache::warm` for a
/// trait's default method, `frame::<Error as From<String>>::from` for a trait
/// impl's method, `app::run::helper` for a function nested in another. Two
/// functions never share a default name: where the short forms coincide
/// (`From<io::Error>` and `From<fmt::Error>` both cut to `From<Error>`) the
/// whole paths are used, and past that the file and line.
///
/// ```ignore
/// use profiler_runtime::{monitor, Monitor};
///
/// struct Cache;
///
/// impl Cache {
///     #[monitor("Cache::get")]
///     fn get(&self, key: u32) -> Option<u32> {
///         Some(key)
///     }
/// }
///
/// let m = Monitor::new();
/// m.start_session("name");
/// m.scope(|| Cache.get(1));
/// assert_eq!(m.end_session().unwrap().operation("Cache::get").unwrap().calls, 1);
/// ```
///
/// # `slow`
///
/// Calls at least this long are counted as slow (`slow_calls` in the report).
/// A duration string: a number, then `ns`, `us` (or `µs`), `ms` or `s`;
/// decimals and `_` separators allowed (`"1.5ms"`, `"10_000ns"`).
///
/// ```ignore
/// use profiler_runtime::{monitor, Monitor};
///
/// #[monitor(slow = "1ms")]
/// fn nap() {
///     std::thread::sleep(std::time::Duration::from_millis(2));
/// }
///
/// let m = Monitor::new();
/// m.start_session("slow");
/// m.scope(nap);
/// let report = m.end_session().unwrap();
/// assert_eq!(report.operation("nap").unwrap().slow_calls, 1);
/// ```
///
/// # `sample`
///
/// Times one call in N (on average) instead of every call, for functions
/// called so often that two clock reads per call matter: `sample = 64`.
/// Every call is still counted exactly (calls, failures, error texts,
/// panics, cancellations); total and mean time are estimated from the timed
/// calls and marked as estimates in the report (`estimated`, `timed_calls`);
/// percentiles, min and max come from the timed calls. N is any whole number
/// from 1 up (1 times every call, whatever the process-wide default set by
/// `profiler_runtime::set_default_sample_rate` says). Which calls are timed
/// is drawn at random, so the estimates are unbiased even when the work has
/// a pattern (see the runtime's docs).
///
/// ```ignore
/// use profiler_runtime::{monitor, Monitor};
///
/// #[monitor(name = "hash", sample = 64)]
/// fn hash(x: u64) -> u64 {
///     x.wrapping_mul(0x9E37_79B9_7F4A_7C15)
/// }
///
/// let m = Monitor::new();
/// m.start_session("sampled");
/// m.scope(|| (0..10_000).for_each(|i| { hash(i); }));
/// let report = m.end_session().unwrap();
/// let op = report.operation("hash").unwrap();
/// assert_eq!(op.calls, 10_000);
/// assert!(op.estimated && op.timed_calls < 1_000);
/// ```
///
/// # `component`
///
/// Groups the operation under a component (`component = "storage"`): the
/// report rolls the operations of each component up (calls, failures, total
/// and self time, share of the session, the operation with the most self
/// time) into `components`, and the summary shows a component table when
/// any operation names one. Manual operations take one with
/// `Monitor::operation_in` / `start_operation_in`.
///
/// ```ignore
/// use profiler_runtime::{monitor, Monitor};
///
/// #[monitor(component = "storage")]
/// fn flush() {}
///
/// let m = Monitor::new();
/// m.start_session("components");
/// m.scope(flush);
/// let report = m.end_session().unwrap();
/// assert_eq!(report.components[0].name, "storage");
/// assert_eq!(report.components[0].calls, 1);
/// ```
///
/// # `crate`
///
/// Where the generated code finds the runtime, when it is not reachable as
/// `::profiler_runtime` (a crate that re-exports it, say). The path must lead
/// to the runtime's root; a glob re-export (`pub use profiler_runtime::*`)
/// brings along the hidden module the generated code uses.
///
/// ```ignore
/// mod rt {
///     pub use profiler_runtime::*;
/// }
///
/// #[rt::monitor(crate = "crate::rt")]
/// fn through_a_reexport() -> u8 {
///     1
/// }
///
/// fn main() {
///     assert_eq!(through_a_reexport(), 1);
/// }
/// ```
///
/// # What counts
///
/// Every way out of the function records exactly one call: falling off the
/// end, `return`, `?`. A returned `Err(e)` is a failure, and `e`'s `Display`
/// text (if it has one) becomes the operation's last error. A panic is a
/// failure and keeps unwinding unchanged. Each level of a recursion is a call.
///
/// ```ignore
/// use profiler_runtime::{monitor, Monitor};
///
/// #[monitor]
/// fn port(text: &str) -> Result<u16, std::num::ParseIntError> {
///     let port = text.parse()?;
///     Ok(port)
/// }
///
/// let m = Monitor::new();
/// m.start_session("outcomes");
/// m.scope(|| {
///     assert_eq!(port("80"), Ok(80));
///     assert!(port("eighty").is_err());
/// });
/// let report = m.end_session().unwrap();
/// let row = report.operation("port").unwrap();
/// assert_eq!((row.calls, row.failures), (2, 1));
/// assert_eq!(row.last_error.as_deref(), Some("invalid digit found in string"));
/// ```
///
/// # Async
///
/// `async fn`, and functions returning `impl Future`, `Pin<Box<dyn Future>>`
/// or `futures`' `BoxFuture` (as `async-trait` writes them), are timed from the
/// future's first poll to its completion; a future dropped before completing
/// counts as cancelled. The future stays `Send` when it was. With
/// `async-trait`, put `#[async_trait]` on the trait or `impl` and `#[monitor]`
/// on the method.
///
/// ```ignore
/// use profiler_runtime::{monitor, Monitor};
///
/// #[monitor]
/// async fn fetch(id: u32) -> Result<u32, String> {
///     Ok(id)
/// }
///
/// let m = Monitor::new();
/// m.start_session("async");
/// let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
/// rt.block_on(m.bind(fetch(1))).unwrap();
/// assert_eq!(m.end_session().unwrap().operation("fetch").unwrap().calls, 1);
/// ```
///
/// # Kept as written
///
/// The signature, attributes (doc comments, `#[must_use]`, `#[inline]`, lint
/// levels) and the body's spans are kept, so type errors point at your code.
/// A body whose return value can be a failure runs in a closure, so every
/// way out (`return`, `?`) is seen; the closure's expected type is the
/// signature's, so coercions and `?` conversions work as written (`()`
/// bodies too: it is the cheaper form per call). Otherwise the body is left
/// as the function's own and a guard records the call: `-> !` (a call is
/// recorded when it panics),
/// a non-future `impl Trait`, and any type holding an `impl Fn..` (a
/// returned closure takes its parameter types from the signature, which a
/// wrapping closure would hide: such a function compiles as written, and a
/// returned `Err` is not counted as a failure). `#[track_caller]` functions
/// are guard-only too, so the caller stays visible.
///
/// # Misuse
///
/// On a struct, an enum, a closure, a `const fn` or a method without a body;
/// a name on an `impl` block or trait; an unknown or repeated option; a bad
/// duration: a compile error at the offending tokens. The item is still emitted so the rest of the crate (and
/// the IDE) keeps working. Without the runtime's `enabled` feature the
/// attribute still checks all of this, then leaves the function unchanged.
#[proc_macro_attribute]
pub fn monitor(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::monitor(args.into(), item.into()).into()
}
