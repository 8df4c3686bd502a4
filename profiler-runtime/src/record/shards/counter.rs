//! Custom counters: names registered once, each a dense index into every
//! thread's shard, so adding through a [`Counter`] handle is a thread-owned
//! store with no lookup.

use super::recorder::Recorder;
use super::shard::MAX_COUNTERS;
use std::collections::HashMap;
use std::fmt;
use std::sync::{LazyLock, RwLock};

#[derive(Default)]
struct Names {
    by_name: HashMap<String, u32>,
    names: Vec<String>,
    dropped: u64,
}

static NAMES: LazyLock<RwLock<Names>> = LazyLock::new(Default::default);

/// The index of counter `name`, registering it; `None` past [`MAX_COUNTERS`].
fn index_of(name: &str) -> Option<u32> {
    if let Some(&i) = NAMES.read().unwrap_or_else(|e| e.into_inner()).by_name.get(name) {
        return Some(i);
    }
    let mut names = NAMES.write().unwrap_or_else(|e| e.into_inner());
    if let Some(&i) = names.by_name.get(name) {
        return Some(i);
    }
    if names.names.len() >= MAX_COUNTERS {
        names.dropped += 1;
        return None;
    }
    let i = names.names.len() as u32;
    names.names.push(name.to_owned());
    names.by_name.insert(name.to_owned(), i);
    Some(i)
}

/// Every counter name, by index.
pub(crate) fn names() -> Vec<String> {
    NAMES.read().unwrap_or_else(|e| e.into_inner()).names.clone()
}

/// Counter names refused because the table was full.
pub(crate) fn dropped() -> u64 {
    NAMES.read().unwrap_or_else(|e| e.into_inner()).dropped
}

/// A handle to one custom counter of one monitor; see `Monitor::counter`.
///
/// Cheap to copy and to use from any thread.
#[derive(Clone, Copy)]
pub struct Counter {
    recorder: &'static Recorder,
    index: Option<u32>,
}

impl fmt::Debug for Counter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Counter").field("index", &self.index).finish()
    }
}

impl Counter {
    pub(crate) fn new(recorder: &'static Recorder, name: &str) -> Counter {
        Counter { recorder, index: index_of(name) }
    }

    /// Adds `n` (nothing while the monitor or the process is disabled).
    #[inline]
    pub fn add(&self, n: u64) {
        if let Some(index) = self.index {
            self.recorder.add_counter(index, n);
        }
    }

    /// Adds one.
    #[inline]
    pub fn increment(&self) {
        self.add(1);
    }
}
