//! Where each open span's timing lives: in a table of the thread that
//! created it or entered it last, so the common span (created, entered,
//! exited and closed on one thread) touches neither another thread's table
//! nor the registry. A thread that enters or closes a span another thread
//! holds takes it over ([`Threads::take_over`]); every span is in one table
//! at a time.

use super::timing::Timing;
use crate::record::sites::callsite::Callsite;
use spin::mutex::{SpinMutex, SpinMutexGuard};
use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use thread_local::ThreadLocal;
use tracing_core::Metadata;

/// The lock on a thread's open spans: taken by its thread at every enter,
/// exit and close, by another only to take a span over. A spin lock's
/// release is a plain store where `std`'s is an atomic exchange (measured:
/// a few nanoseconds a span, see the `spans` bench); a thread that finds it
/// held yields, so a holder that lost its processor does not starve it.
type Lock<T> = SpinMutex<T, spin::relax::Yield>;

/// A map keyed by a word that is already unique (an address, a span id):
/// mixed by one multiplication rather than hashed (SipHash was a tenth of
/// the layer's cost per span).
pub(super) type WordMap<V> = HashMap<u64, V, BuildHasherDefault<WordHasher>>;

#[derive(Default)]
pub(super) struct WordHasher(u64);

impl Hasher for WordHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8 | u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_u64(&mut self, n: u64) {
        // Fibonacci hashing: the high bits, which the table uses, depend on all of `n`.
        self.0 = n.wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(32);
    }
}

/// A metadata's address: the key of its callsite.
pub(super) fn address(meta: &'static Metadata<'static>) -> u64 {
    meta as *const Metadata<'static> as usize as u64
}

/// One thread's part of a layer.
#[derive(Default)]
pub(super) struct Local {
    /// The ids of the spans this thread created last, while they have not
    /// been entered anywhere (0: none). Set by this thread without the lock
    /// (a plain store); cleared by this thread under its lock, or by
    /// another under this thread's lock with a compare-exchange.
    fresh: [AtomicU64; FRESH],
    held: Lock<Held>,
}

/// The open spans one thread holds.
#[derive(Default)]
pub(super) struct Held {
    pub(super) open: Open,
    /// Spans entered here while another thread had them entered: that
    /// thread's enter goes on, this one's time is left out and its exit
    /// does nothing.
    pub(super) foreign: Vec<u64>,
    /// This thread's copy of the layer's callsites, read without the
    /// shared lock.
    sites: WordMap<&'static Callsite>,
    /// The callsite found last (a loop enters one span after another of
    /// the same callsite), by its metadata's address.
    last_site: Option<(u64, &'static Callsite)>,
}

impl Held {
    /// The callsite of span callsite `meta`, from this thread's copy of
    /// the layer's, else from `shared` (and copied).
    #[inline]
    pub(super) fn site(
        &mut self,
        meta: &'static Metadata<'static>,
        shared: impl FnOnce() -> &'static Callsite,
    ) -> &'static Callsite {
        let key = address(meta);
        match self.last_site {
            Some((last, site)) if last == key => site,
            _ => {
                let site = *self.sites.entry(key).or_insert_with(shared);
                self.last_site = Some((key, site));
                site
            }
        }
    }
}

/// Open spans by id: a few, searched from the newest (a span is most
/// often entered, exited and closed right after the spans it encloses);
/// past [`Open::INDEXED`] of them, found through an index.
#[derive(Default)]
pub(super) struct Open {
    spans: Vec<(u64, Timing)>,
    /// Each span's position in `spans`, while there are many.
    index: Option<WordMap<usize>>,
}

impl Open {
    /// From this many spans on, an index finds them.
    const INDEXED: usize = 32;

    #[inline]
    fn position(&self, id: u64) -> Option<usize> {
        match &self.index {
            None => self.spans.iter().rposition(|(k, _)| *k == id),
            Some(index) => index.get(&id).copied(),
        }
    }

    #[inline]
    pub(super) fn get_mut(&mut self, id: u64) -> Option<&mut Timing> {
        let i = self.position(id)?;
        Some(&mut self.spans[i].1)
    }

    #[inline]
    fn get(&self, id: u64) -> Option<&Timing> {
        self.position(id).map(|i| &self.spans[i].1)
    }

    /// Adds span `id`, which is not in the table; its timing there.
    #[inline]
    pub(super) fn insert(&mut self, id: u64, timing: Timing) -> &mut Timing {
        self.spans.push((id, timing));
        let len = self.spans.len();
        match &mut self.index {
            Some(index) => {
                index.insert(id, len - 1);
            }
            None if len >= Open::INDEXED => {
                self.index =
                    Some(self.spans.iter().enumerate().map(|(i, (k, _))| (*k, i)).collect());
            }
            None => {}
        }
        &mut self.spans[len - 1].1
    }

    #[inline]
    pub(super) fn remove(&mut self, id: u64) -> Option<Timing> {
        let i = self.position(id)?;
        let (_, timing) = self.spans.swap_remove(i);
        if let Some(index) = &mut self.index {
            index.remove(&id);
            if let Some((moved, _)) = self.spans.get(i) {
                index.insert(*moved, i);
            }
            // Half the threshold, so a table near it does not rebuild at every span.
            if self.spans.len() < Open::INDEXED / 2 {
                self.index = None;
            }
        }
        Some(timing)
    }

    /// How many spans the table holds.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.spans.len()
    }
}

/// How many spans a thread created and has not entered yet are found
/// without a search of every thread (`join!` of a few instrumented futures
/// creates their spans before it polls any).
const FRESH: usize = 8;

/// A span this thread created, while it waits for its first enter: what
/// only its thread needs of it (the shared half is [`Local::fresh`]).
#[derive(Clone, Copy)]
struct Fresh {
    /// The layer that saw it created ([`Threads::key`]).
    layer: u64,
    id: u64,
    meta: &'static Metadata<'static>,
}

/// The spans this thread created last, the newest at `next - 1`.
struct Recent {
    next: usize,
    spans: [Option<Fresh>; FRESH],
}

thread_local! {
    static RECENT: RefCell<Recent> = const { RefCell::new(Recent { next: 0, spans: [None; FRESH] }) };
}

/// Tells layers apart in [`RECENT`] (an address could be reused).
static LAYERS: AtomicU64 = AtomicU64::new(1);

/// Where a span another thread held went (see [`Threads::take_over`]).
pub(super) enum Found {
    /// Taken from its table.
    Taken(Timing),
    /// Entered on the thread that holds it: left there.
    Entered,
    /// In no table: no timing yet. Never entered (its creating thread's
    /// fresh mark, if it still had one, is taken away), or created where
    /// this layer did not see it.
    Nowhere,
}

/// Every thread's table of a layer.
pub(super) struct Threads {
    /// This layer among others, for [`RECENT`].
    key: u64,
    locals: ThreadLocal<Local>,
    /// Held while a span moves from one thread's table to another's, so
    /// two threads looking for one span cannot both miss it in flight.
    moving: Mutex<()>,
}

impl Default for Threads {
    fn default() -> Threads {
        Threads {
            // Relaxed: only uniqueness matters.
            key: LAYERS.fetch_add(1, Ordering::Relaxed),
            locals: ThreadLocal::new(),
            moving: Mutex::new(()),
        }
    }
}

/// This thread's table, locked.
pub(super) struct Mine<'a> {
    local: &'a Local,
    pub(super) held: SpinMutexGuard<'a, Held>,
}

impl Mine<'_> {
    /// Whether span `id` is one this thread created lately and entered
    /// nowhere since (it then no longer is), with its metadata when this
    /// thread still has it.
    #[inline]
    pub(super) fn take_fresh(
        &mut self,
        threads: &Threads,
        id: u64,
    ) -> Option<Option<&'static Metadata<'static>>> {
        RECENT.with_borrow(|recent| {
            // Newest first: most spans are entered right after they are made.
            (1..=FRESH).map(|back| (recent.next + FRESH - back) % FRESH).find_map(|at| {
                let mark = &self.local.fresh[at];
                // Under this thread's lock: no other thread clears a mark meanwhile.
                if mark.load(Ordering::Relaxed) != id {
                    return None;
                }
                mark.store(0, Ordering::Relaxed);
                // `None` inside: another layer on this thread marked a span there since.
                let mine = recent.spans[at].filter(|f| f.id == id && f.layer == threads.key);
                Some(mine.map(|f| f.meta))
            })
        })
    }
}

impl Threads {
    /// Marks span `id`, just created on this thread, fresh: its first
    /// enter here finds it without a lock; another thread that enters or
    /// closes it first takes the mark away.
    #[inline]
    pub(super) fn created(&self, id: u64, meta: &'static Metadata<'static>) {
        let at = RECENT.with_borrow_mut(|recent| {
            let at = recent.next;
            recent.spans[at] = Some(Fresh { layer: self.key, id, meta });
            recent.next = (at + 1) % FRESH;
            at
        });
        // Relaxed: a thread that enters the span got it from this one
        // through something that orders this store before its look. The
        // span marked here before, if still unentered, is then found by a
        // search instead.
        self.locals.get_or_default().fresh[at].store(id, Ordering::Relaxed);
    }

    /// This thread's table, locked.
    #[inline]
    pub(super) fn mine(&self) -> Mine<'_> {
        let local = self.locals.get_or_default();
        Mine { local, held: local.held.lock() }
    }

    /// Takes span `key` over from the thread that holds it: out of that
    /// thread's table, unless that thread has it entered (a span entered
    /// on two threads at once stays with the first). The guard it returns
    /// keeps other threads from looking until the span is in its new table.
    #[cold]
    #[inline(never)]
    pub(super) fn take_over(&self, key: u64) -> (MutexGuard<'_, ()>, Found) {
        let moving = self.moving.lock().unwrap_or_else(|e| e.into_inner());
        for local in self.locals.iter() {
            let mut other = local.held.lock();
            match other.open.get(key) {
                Some(t) if t.is_entered() => return (moving, Found::Entered),
                Some(_) => {
                    let found = other.open.remove(key).map_or(Found::Nowhere, Found::Taken);
                    return (moving, found);
                }
                None => {}
            }
            // AcqRel under that thread's lock: its thread clears the mark
            // only under the same lock.
            let claim = |f: &AtomicU64| {
                f.compare_exchange(key, 0, Ordering::AcqRel, Ordering::Relaxed).is_ok()
            };
            if local.fresh.iter().any(claim) {
                return (moving, Found::Nowhere);
            }
        }
        (moving, Found::Nowhere)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::shards::local;
    use crate::record::sites::callsite::Callsite;

    fn timing() -> Timing {
        static SITE: Callsite = Callsite::new("held_test", "held", "held.rs", 1);
        Timing::new(local::global(), &SITE)
    }

    #[test]
    fn the_table_finds_spans_by_id_with_and_without_its_index() {
        let mut open = Open::default();
        let n = Open::INDEXED as u64 * 2;
        for id in 1..=n {
            open.insert(id, timing());
        }
        assert!(open.index.is_some(), "indexed past the threshold");
        // Out of order, so swap_remove moves the last span into the hole.
        for id in (1..=n).step_by(3) {
            assert!(open.remove(id).is_some(), "{id}");
            assert!(open.remove(id).is_none(), "{id} removed twice");
        }
        for id in 1..=n {
            assert_eq!(open.get(id).is_some(), (id - 1) % 3 != 0, "{id}");
        }
        while let Some(&(id, _)) = open.spans.first() {
            open.remove(id);
            for (i, (k, _)) in open.spans.iter().enumerate() {
                assert_eq!(open.position(*k), Some(i), "position of {k} after removing {id}");
            }
        }
        assert_eq!(open.len(), 0);
        assert!(open.index.is_none(), "the index goes when the table is small again");
    }
}
