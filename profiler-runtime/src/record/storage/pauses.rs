//! Where a future's time goes between its polls: busy (inside `poll`) or
//! waiting (between a `Pending` and the next poll).
//!
//! A future ready at its first poll was busy throughout, so only futures
//! that return `Pending` record here: the time between each `Pending` and
//! the next poll (two clock reads per pause, the second at the next poll's
//! start), and the number of pauses. Per callsite the busy time is then its
//! wall time less its pauses, and its polls its calls plus its pauses.
//! Kept beside the slots rather than in them (16 bytes per callsite, in a
//! table a thread allocates at its first future that pauses), so a slot
//! stays three cache lines and sync calls touch nothing new.

use super::reading::SiteTotals;
use crate::record::sync::bump;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// One callsite's pauses on one thread (the thread its futures completed on).
pub(crate) struct Pauses {
    waited_ns: AtomicU64,
    pauses: AtomicU64,
}

impl Pauses {
    pub(crate) fn new() -> Pauses {
        Pauses { waited_ns: AtomicU64::new(0), pauses: AtomicU64::new(0) }
    }

    /// Adds one completed future's pauses. Owner thread only.
    #[inline]
    pub(crate) fn add(&self, waited_ns: u64, pauses: u64) {
        bump(&self.waited_ns, waited_ns);
        bump(&self.pauses, pauses);
    }

    pub(crate) fn read_into(&self, out: &mut SiteTotals) {
        out.pauses.waited_ns = out.pauses.waited_ns.wrapping_add(self.waited_ns.load(Relaxed));
        out.pauses.pauses += self.pauses.load(Relaxed);
    }
}

/// A running future's pauses so far, kept in the future between polls.
#[derive(Clone, Copy, Default)]
pub(crate) struct Pause {
    /// The clock when the last poll returned `Pending`.
    pub(crate) since: u64,
    /// Clock ticks between each `Pending` and the next poll.
    pub(crate) waited: u64,
    pub(crate) pauses: u64,
    /// Whether it is counted as pending in its own code (see
    /// the recorder's `Waiting`) since its last `Pending`.
    pub(crate) waiting: bool,
}
