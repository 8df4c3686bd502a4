//! Running stages' memory peaks: each stage that runs at the detailed level
//! registers a cell holding the highest reading seen since it started, and
//! the memory sampler raises every live cell at each reading.

use crate::record::sync::lock;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex, Weak};

/// The cells of the stages running now.
pub(crate) struct Watchers {
    live: Mutex<Vec<Weak<AtomicU64>>>,
}

impl Watchers {
    pub(crate) const fn new() -> Watchers {
        Watchers { live: Mutex::new(Vec::new()) }
    }

    /// A cell that starts at `bytes` and follows the sampler's readings up;
    /// it stops being raised once dropped.
    pub(crate) fn watch(&self, bytes: u64) -> Arc<AtomicU64> {
        let cell = Arc::new(AtomicU64::new(bytes));
        let mut live = lock(&self.live);
        live.retain(|w| w.strong_count() > 0);
        live.push(Arc::downgrade(&cell));
        cell
    }

    /// A reading of `bytes`: every live cell keeps the higher of the two.
    pub(crate) fn raise(&self, bytes: u64) {
        let mut live = lock(&self.live);
        live.retain(|w| match w.upgrade() {
            Some(cell) => {
                cell.fetch_max(bytes, Relaxed);
                true
            }
            None => false,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn live_cells_follow_readings_up_and_dropped_ones_are_forgotten() {
        let w = Watchers::new();
        let a = w.watch(100);
        w.raise(150);
        let b = w.watch(120);
        w.raise(130);
        assert_eq!((a.load(Relaxed), b.load(Relaxed)), (150, 130));
        drop(a);
        w.raise(500);
        assert_eq!(b.load(Relaxed), 500);
        assert_eq!(lock(&w.live).len(), 1);
    }
}
