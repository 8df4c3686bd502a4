//! The two ways the runtime writes shared state: through a mutex that a
//! poisoning never stops, and, on the per-call path, through a counter only
//! one thread writes, so it needs no locked instruction.
//!
//! A leaf beneath every room of `record/`, and the crate's layers above it.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Mutex, MutexGuard};

/// Locks a mutex of the runtime. No code panics while holding one, and if user
/// code ever did (a panicking `Display` inside a report), the data stays
/// consistent, so a poisoned lock is used as is: monitoring never stops over it.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Adds to a single-writer counter without a locked instruction.
#[inline(always)]
pub(crate) fn bump(cell: &AtomicU64, by: u64) {
    // Relaxed load/store, not fetch_add: only the owning thread writes (see the shard's docs).
    cell.store(cell.load(Relaxed).wrapping_add(by), Relaxed);
}
