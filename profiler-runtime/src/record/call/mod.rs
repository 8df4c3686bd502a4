//! The call itself: [`basic`] times the common synchronous call (a callsite
//! that times every call, on a monitor at the basic level) and [`guard`]
//! every other one, [`future`] an asynchronous call poll by poll, and
//! [`untimed`] counts a sampled call that is not timed; [`outcome`] says how
//! a call ended, [`panic_text`] keeps a panic's message as its failure text,
//! and [`nesting`] takes the monitored calls a call made out of its self
//! time.
//!
//! What a call touches here: its own guard (on its stack) or future, and the
//! self-time thread-local; a call that panics also reads its panic message.
//! Everything else it writes lives in the rooms below: its shard
//! ([`shards`](super::shards)), its slot ([`storage`](super::storage)), its
//! callsite ([`sites`](super::sites)) and, at the detailed level and above,
//! [`detail`](super::detail).
//!
//! The top of `record/`: nothing else in it imports this room; the macro's
//! hidden door (`private`), the monitor and the `tracing` bridge do.

pub(crate) mod basic;
pub(crate) mod future;
pub(crate) mod guard;
pub(crate) mod nesting;
pub(crate) mod outcome;
pub(crate) mod panic_text;
pub(crate) mod untimed;
pub(crate) mod word;
