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
/// monitor (the global one unless a `Monitor::scope` says otherwise).
///
/// # Forms
///
/// - `#[monitor]`: the operation is named after the function's path inside
///   its crate (`app::parse`).
/// - `#[monitor("load_config")]`: an explicit name.
/// - `#[monitor(name = "load_config", slow = "250ms", crate = "my_rt")]`:
///   key-value options, below.
///
/// # Options
///
/// - `name = "..."`: the operation's name (the same as the bare string).
///   Functions sharing a name share one report row.
/// - `slow = "250ms"`: calls at least this long are counted as slow and
///   reported (units `ns`, `us`/`µs`, `ms`, `s`; decimals allowed).
/// - `crate = "path"`: where `profiler_runtime` is, if you renamed it.
///
/// # What counts
///
/// Every way out of the function records exactly one call: falling off the
/// end, `return`, `?`. A returned `Err(e)` is a failure, and `e`'s `Display`
/// text becomes the operation's last error. A panic is a failure and keeps
/// unwinding unchanged.
///
/// `async fn`, and functions returning `impl Future` or
/// `Pin<Box<dyn Future>>` (as `async-trait` writes them), are timed from the
/// future's first poll to its completion; a future dropped before completing
/// counts as cancelled. The future stays `Send` when it was.
///
/// Misuse (on a struct, a `const fn`, an unknown or repeated option, a bad
/// duration) is a compile error at the offending tokens; the item is still
/// emitted so the rest of the crate keeps compiling.
#[proc_macro_attribute]
pub fn monitor(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::monitor(args.into(), item.into()).into()
}
