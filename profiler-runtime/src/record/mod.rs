//! The per-call path, at the bottom of the crate: what an instrumented call
//! touches, and the storage it writes into.
//!
//! - [`callsite`]: the `static` every `#[monitor]` function owns; the
//!   [`registry`] gives it a dense slot index and its name (via [`naming`]).
//! - [`clock`]: the time-stamp counter every duration comes from.
//! - [`switch`]: the off switches and the one flag each call reads first.
//! - [`recorder`]: one monitor's recording state (its switch, its session
//!   epoch, the pool of shards), and [`local`], which thread writes where.
//! - [`shard`]: thread-owned storage: a [`slot`] per callsite the thread
//!   called (allocated in [`chunks`]), the [`histogram`] [`pages`] its slots
//!   point into; [`error_text`] keeps a slot's last error without a lock.
//! - [`sampling`]: which calls of a `sample = N` callsite are timed.
//! - [`guard`] and [`future`]: a call being timed, sync and async (its
//!   [`outcome`]); [`untimed`]: a sampled call that is not.
//! - [`detail`]: the detailed level's per-call measures: CPU time (from
//!   [`cpu_clock`]) and allocations (from [`heap`], which the counting
//!   allocator feeds).
//! - [`flight`]: which calls are in flight now, for the wall sampler.
//! - [`counter`]: custom counters, written through the same shards.
//! - [`reading`]: what summing every shard gives, and the difference of two.
//!
//! Nothing here locks, allocates or hashes per call; the registry and the
//! pool lock once per callsite and once per thread, a thread allocates its
//! slots 16 at a time and its histogram pages 64 at a time at their first
//! use, and an error text at a slot's first failure with one. A histogram
//! cell's 2^32-th count takes its shard's carry lock (see [`pages`]).

pub(crate) mod basic;
pub(crate) mod callsite;
pub(crate) mod chunks;
pub(crate) mod clock;
pub(crate) mod counter;
pub(crate) mod cpu_clock;
pub(crate) mod detail;
pub(crate) mod error_text;
pub(crate) mod flight;
pub(crate) mod future;
pub(crate) mod guard;
pub(crate) mod heap;
pub(crate) mod histogram;
pub(crate) mod local;
pub(crate) mod naming;
pub(crate) mod nesting;
pub(crate) mod outcome;
pub(crate) mod pages;
pub(crate) mod panic_text;
pub(crate) mod pauses;
pub(crate) mod reading;
pub(crate) mod recorder;
pub(crate) mod registry;
pub(crate) mod sampling;
pub(crate) mod shard;
pub(crate) mod slot;
pub(crate) mod switch;
pub(crate) mod sync;
pub(crate) mod trace;
pub(crate) mod tree;
pub(crate) mod untimed;
