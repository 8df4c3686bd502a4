//! Which recorder an instrumented call on this thread writes into, and this
//! thread's shard of each recorder it has used.
//!
//! The common case (the same recorder as the last call) is two thread-local
//! reads with no destructor check. A thread's shards go back to their
//! recorders' pools when it exits, so nothing it recorded is lost and the next
//! thread reuses the memory.

use super::recorder::{Recorder, GLOBAL};
use super::shard::Shard;
use crate::record::sites::callsite::Callsite;
use crate::record::storage::reading::Fixed;
use crate::record::storage::slot::Slot;
use std::cell::{Cell, RefCell};

thread_local! {
    /// A scoped override set by `Monitor::scope` / `Monitor::bind`.
    static ROUTE: Cell<Option<&'static Recorder>> = const { Cell::new(None) };
    /// The last (recorder, shard) pair used on this thread.
    static LAST: Cell<Option<(&'static Recorder, &'static Shard)>> = const { Cell::new(None) };
    /// The sampled callsite whose call this thread left untimed last.
    static LAST_SAMPLED: Cell<Option<LastSampled>> = const { Cell::new(None) };
    /// Every shard this thread holds; handed back on thread exit.
    static OWNED: Owned = const { Owned(RefCell::new(Vec::new())) };
}

struct Owned(RefCell<Vec<(&'static Recorder, &'static Shard)>>);

impl Drop for Owned {
    fn drop(&mut self) {
        // Calls made later in this thread's teardown find no shard and are
        // not recorded, rather than writing into a shard another thread owns.
        LAST.set(None);
        LAST_SAMPLED.set(None);
        for (recorder, shard) in self.0.borrow_mut().drain(..) {
            recorder.return_shard(shard);
        }
    }
}

/// The recorder an instrumented call on this thread writes into.
#[inline(always)]
pub(crate) fn current() -> &'static Recorder {
    ROUTE.get().unwrap_or(&GLOBAL)
}

/// The recorder a scope routes this thread's calls to; `None`: the global one.
#[cfg(feature = "tracing")]
#[inline(always)]
pub(crate) fn routed() -> Option<&'static Recorder> {
    ROUTE.get()
}

/// The global monitor's recorder.
#[cfg(feature = "tracing")]
#[inline(always)]
pub(crate) fn global() -> &'static Recorder {
    &GLOBAL
}

/// Routes this thread's calls to `recorder` (or back to the global one, for
/// `None`); returns the route it replaced, for the caller to restore.
pub(crate) fn set_route(recorder: Option<&'static Recorder>) -> Option<&'static Recorder> {
    // What the thread kept for its last sampled callsite was for the old route.
    LAST_SAMPLED.set(None);
    ROUTE.replace(recorder)
}

/// Where the untimed calls of one sampled callsite count on this thread:
/// kept for the next call of the same callsite, which then finds its slot
/// with one compare (see `untimed.rs`).
#[derive(Clone, Copy)]
pub(crate) struct LastSampled {
    pub(crate) site: &'static Callsite,
    pub(crate) recorder: &'static Recorder,
    pub(crate) shard: &'static Shard,
    pub(crate) slot: &'static Slot,
    pub(crate) index: usize,
}

/// Where the last untimed call of `site` on this thread counted, if `site`
/// is the sampled callsite this thread called last. Its monitor may have
/// been switched off since: the caller checks.
#[inline(always)]
pub(crate) fn last_sampled(site: &'static Callsite) -> Option<LastSampled> {
    LAST_SAMPLED.get().filter(|last| std::ptr::eq(last.site, site))
}

/// Keeps where an untimed call of a sampled callsite counted, for the next.
#[inline(always)]
pub(crate) fn remember_sampled(last: LastSampled) {
    LAST_SAMPLED.set(Some(last));
}

/// This thread's shard of `recorder`; `None` during thread teardown.
#[inline(always)]
pub(crate) fn shard(recorder: &'static Recorder) -> Option<&'static Shard> {
    match LAST.get() {
        Some((last, shard)) if std::ptr::eq(last, recorder) => Some(shard),
        _ => find_shard(recorder),
    }
}

/// This thread's shard of `recorder` if it is the one the last call used;
/// `None` otherwise (then [`shard`] finds it). No call, no registration.
#[inline(always)]
pub(crate) fn last_shard(recorder: &'static Recorder) -> Option<&'static Shard> {
    match LAST.get() {
        Some((last, shard)) if std::ptr::eq(last, recorder) => Some(shard),
        _ => None,
    }
}

/// Runs `f` with this thread's shard of `recorder`; does nothing during
/// thread teardown.
#[inline(always)]
pub(crate) fn with_shard(recorder: &'static Recorder, f: impl FnOnce(&'static Shard)) {
    if let Some(shard) = shard(recorder) {
        f(shard)
    }
}

// Counts a monitor takes outside a call go through the same thread's shard.
impl Recorder {
    /// Adds to one of the counters every shard has (cache, API), if recording.
    #[inline]
    pub(crate) fn add_fixed(&'static self, which: Fixed, by: u64) {
        if self.records() {
            with_shard(self, |s| s.add_fixed(which, by));
        }
    }

    /// Adds to custom counter `index`, if recording.
    #[inline]
    pub(crate) fn add_counter(&'static self, index: u32, by: u64) {
        if self.records() {
            with_shard(self, |s| s.add_counter(index, by));
        }
    }
}

#[cold]
#[inline(never)]
fn find_shard(recorder: &'static Recorder) -> Option<&'static Shard> {
    let shard = OWNED
        .try_with(|owned| {
            let mut owned = owned.0.borrow_mut();
            if let Some(&(_, shard)) = owned.iter().find(|(r, _)| std::ptr::eq(*r, recorder)) {
                return shard;
            }
            let shard = recorder.take_shard();
            owned.push((recorder, shard));
            shard
        })
        .ok()?;
    LAST.set(Some((recorder, shard)));
    Some(shard)
}
