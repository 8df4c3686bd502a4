//! Integration tests live in `it/` and `ui/`. This library holds one item,
//! for doctests only: the README, whose Rust blocks are compiled (and run,
//! unless marked `no_run`) by `cargo test`, in this package because it turns
//! on every feature they use.

/// The README's code blocks.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct Readme;
