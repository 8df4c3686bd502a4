//! A monitor's shards: the [`Recorder`](recorder::Recorder) that holds a
//! monitor's [`switch`], its session epoch and its pool of thread-owned
//! [`Shard`](shard::Shard)s; [`local`], which recorder and which shard this
//! thread's calls write into; and the custom [`counter`]s written through the
//! same shards.
//!
//! What a call touches here: the process-wide flag and its monitor's mode
//! byte (read only, on lines of their own), two thread-local reads to find
//! its shard, and the shard's own fields. The pool is locked when a thread
//! takes its first shard, when it exits and when a report reads them all.
//!
//! A shard assembles the per-thread parts of [`storage`](super::storage),
//! [`detail`](super::detail) and [`sites`](super::sites), so this room sits
//! above those three and below [`call`](super::call).

pub(crate) mod counter;
pub(crate) mod local;
pub(crate) mod recorder;
pub(crate) mod shard;
pub(crate) mod switch;
