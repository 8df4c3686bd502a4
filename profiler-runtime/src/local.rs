//! Which monitor an instrumented call on this thread records into, and this
//! thread's shard of each monitor it has used.
//!
//! The common case (the same monitor as the last call) is two thread-local
//! reads with no destructor check. A thread's shards go back to their monitors'
//! pools when it exits, so nothing it recorded is lost and the next thread
//! reuses the memory.

use crate::monitor::{Core, GLOBAL_CORE};
use crate::shard::Shard;
use std::cell::{Cell, RefCell};

thread_local! {
    /// A scoped override set by `Monitor::scope` / `Monitor::bind`.
    static ROUTE: Cell<Option<&'static Core>> = const { Cell::new(None) };
    /// The last (monitor, shard) pair used on this thread.
    static LAST: Cell<Option<(&'static Core, &'static Shard)>> = const { Cell::new(None) };
    /// Every shard this thread holds; handed back on thread exit.
    static OWNED: Owned = const { Owned(RefCell::new(Vec::new())) };
}

struct Owned(RefCell<Vec<(&'static Core, &'static Shard)>>);

impl Drop for Owned {
    fn drop(&mut self) {
        // Calls made later in this thread's teardown find no shard and are
        // not recorded, rather than writing into a shard another thread owns.
        LAST.set(None);
        for (core, shard) in self.0.borrow_mut().drain(..) {
            core.return_shard(shard);
        }
    }
}

/// The monitor an instrumented call on this thread records into.
#[inline(always)]
pub(crate) fn current_core() -> &'static Core {
    ROUTE.get().unwrap_or(&GLOBAL_CORE)
}

/// This thread's shard of `core`; `None` during thread teardown.
#[inline(always)]
pub(crate) fn shard(core: &'static Core) -> Option<&'static Shard> {
    match LAST.get() {
        Some((last, shard)) if std::ptr::eq(last, core) => Some(shard),
        _ => find_shard(core),
    }
}

/// Runs `f` with this thread's shard of `core`; does nothing during thread teardown.
#[inline(always)]
pub(crate) fn with_shard(core: &'static Core, f: impl FnOnce(&'static Shard)) {
    if let Some(shard) = shard(core) {
        f(shard)
    }
}

#[cold]
#[inline(never)]
fn find_shard(core: &'static Core) -> Option<&'static Shard> {
    let shard = OWNED
        .try_with(|owned| {
            let mut owned = owned.0.borrow_mut();
            if let Some(&(_, shard)) = owned.iter().find(|(c, _)| std::ptr::eq(*c, core)) {
                return shard;
            }
            let shard = core.take_shard();
            owned.push((core, shard));
            shard
        })
        .ok()?;
    LAST.set(Some((core, shard)));
    Some(shard)
}

/// Routes this thread's instrumented calls to `core` until the guard drops.
pub(crate) struct RouteGuard {
    previous: Option<&'static Core>,
}

impl RouteGuard {
    pub(crate) fn set(core: &'static Core) -> RouteGuard {
        RouteGuard { previous: ROUTE.replace(Some(core)) }
    }
}

impl Drop for RouteGuard {
    fn drop(&mut self) {
        ROUTE.set(self.previous);
    }
}
