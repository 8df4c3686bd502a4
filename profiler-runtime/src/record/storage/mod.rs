//! A thread's storage: the parts a shard is built from. A [`Slot`](slot::Slot)
//! per callsite the thread called, allocated in [`chunks`]; the [`histogram`]
//! buckets and the [`pages`] that hold a thread's counts of them; each slot's
//! last [`error_text`]; a callsite's future [`pauses`]; the stack of calls in
//! [`flight`]; and [`reading`], what summing them gives.
//!
//! What a call touches here: its slot (three cache lines), one histogram
//! cell, and its thread's in-flight stack when it is timed; every cell is
//! written by its owning thread alone, with a plain load and store
//! ([`bump`](super::sync::bump)), and read by reports while it writes.
//!
//! Imports the sites' registry (for its size) and the leaves only; the
//! shard that assembles these parts lives in [`shards`](super::shards).

pub(crate) mod chunks;
pub(crate) mod error_text;
pub(crate) mod flight;
pub(crate) mod histogram;
pub(crate) mod pages;
pub(crate) mod pauses;
pub(crate) mod reading;
pub(crate) mod slot;
