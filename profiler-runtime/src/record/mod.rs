//! The per-call path, at the bottom of the crate: what an instrumented call
//! touches, and the storage it writes into. One room per job, bottom up;
//! each imports only the rooms beneath it (`crate::record::room::file`
//! paths, so `module-cycles.py` sees every arrow):
//!
//! - leaves: [`clock`], the time-stamp counter every duration comes from,
//!   and [`sync`], the runtime's lock and the single-writer add.
//! - [`sites`]: the `static` callsite every `#[monitor]` function owns, the
//!   registry that gives it a dense slot index and a name, and which calls
//!   of a sampled callsite are timed.
//! - [`storage`]: the parts a thread's shard is built from: slots, histogram
//!   pages, error texts, pauses, the in-flight stack, and the readings they
//!   sum to.
//! - [`detail`]: the detailed level's per-call measures (CPU time,
//!   allocations, the call tree) and the full level's event log.
//! - [`shards`]: a monitor's recording state (its switch, its epoch, the
//!   pool of thread-owned shards), which shard this thread writes, and
//!   custom counters.
//! - [`call`]: a call being timed, sync and async, or counted untimed; its
//!   outcome, its panic message and its self time.
//!
//! Nothing here locks, allocates or hashes per call; the registry and the
//! pool lock once per callsite and once per thread, a thread allocates its
//! slots 16 at a time and its histogram pages 64 at a time at their first
//! use, and an error text at a slot's first failure with one. A histogram
//! cell's 2^32-th count takes its shard's carry lock (see
//! [`pages`](storage::pages)).

pub(crate) mod call;
pub(crate) mod clock;
pub(crate) mod detail;
pub(crate) mod shards;
pub(crate) mod sites;
pub(crate) mod storage;
pub(crate) mod sync;
