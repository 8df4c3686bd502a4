//! The full level's per-call event log: each monitored call (and each poll
//! of a monitored future) as an event with its start, duration, thread and
//! parent, in a bounded ring per thread.
//!
//! A thread writes only its own shard's ring, [`EVENTS_PER_THREAD`] events
//! of 64 bytes (1 MiB), allocated 256 events at a time as it fills the first
//! time; after that the oldest events are overwritten and a reading counts
//! them as dropped. Writing an event is eight plain stores and two counter
//! stores, no lock. A reader on another thread checks, seqlock fashion, that
//! what it read was not overwritten while it read.
//!
//! Ids: a frame's id is its thread's number (from 1, in the order threads
//! first traced a call) times 2^40 plus the thread's frame count; an
//! `async` call's id has the top bit set and a process-wide count below.

use crate::record::storage::chunks::Chunks;
use std::sync::atomic::{fence, AtomicU32, AtomicU64, AtomicU8, Ordering::*};
use std::sync::Mutex;

/// The events a thread's ring holds before it overwrites the oldest.
pub const EVENTS_PER_THREAD: usize = 16_384;
const CHUNK: usize = 256;

/// What an event stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A synchronous call, start to end.
    Call = 0,
    /// One poll of a monitored future.
    Poll = 1,
    /// A monitored future from its first poll to its completion.
    AsyncCall = 2,
}

/// One event as written and read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Event {
    pub(crate) kind: Kind,
    /// The callsite's slot index.
    pub(crate) site: u32,
    /// The thread's trace number (see [`thread_number`]).
    pub(crate) thread: u32,
    /// Clock ticks at the end.
    pub(crate) end: u64,
    pub(crate) duration_ns: u64,
    pub(crate) id: u64,
    /// The enclosing frame's id; 0: none.
    pub(crate) parent: u64,
    /// For a poll, its future's id; 0 otherwise.
    pub(crate) call: u64,
}

#[repr(C, align(64))]
struct Cell {
    kind: AtomicU8,
    site: AtomicU32,
    thread: AtomicU32,
    end: AtomicU64,
    duration_ns: AtomicU64,
    id: AtomicU64,
    parent: AtomicU64,
    call: AtomicU64,
}

impl Cell {
    fn new() -> Cell {
        Cell {
            kind: AtomicU8::new(0),
            site: AtomicU32::new(0),
            thread: AtomicU32::new(0),
            end: AtomicU64::new(0),
            duration_ns: AtomicU64::new(0),
            id: AtomicU64::new(0),
            parent: AtomicU64::new(0),
            call: AtomicU64::new(0),
        }
    }
}

/// One thread's ring of events. Single writer: the shard's owner.
pub(crate) struct Ring {
    cells: Chunks<Cell, CHUNK>,
    /// Events whose writing has begun (the seqlock's first counter).
    begun: AtomicU64,
    /// Events written in full.
    written: AtomicU64,
}

impl Ring {
    pub(crate) fn new() -> Ring {
        Ring {
            cells: Chunks::new(EVENTS_PER_THREAD / CHUNK, Cell::new),
            begun: AtomicU64::new(0),
            written: AtomicU64::new(0),
        }
    }

    /// Appends `e`, overwriting the oldest event once the ring is full.
    /// Owner thread only.
    #[inline]
    pub(crate) fn push(&self, e: Event) {
        let n = self.written.load(Relaxed);
        let Some(cell) = self.cells.get_or_alloc(n as usize % EVENTS_PER_THREAD) else { return };
        self.begun.store(n + 1, Relaxed);
        // A reader that sees any of the stores below sees `begun` too.
        fence(Release);
        cell.kind.store(e.kind as u8, Relaxed);
        cell.site.store(e.site, Relaxed);
        cell.thread.store(e.thread, Relaxed);
        cell.end.store(e.end, Relaxed);
        cell.duration_ns.store(e.duration_ns, Relaxed);
        cell.id.store(e.id, Relaxed);
        cell.parent.store(e.parent, Relaxed);
        cell.call.store(e.call, Relaxed);
        self.written.store(n + 1, Release);
    }

    /// Events written so far (a position for [`Ring::read_since`]).
    pub(crate) fn position(&self) -> u64 {
        self.written.load(Acquire)
    }

    /// Appends the events written since position `from` to `out`, oldest
    /// first; returns how many of them were overwritten before they could
    /// be read.
    pub(crate) fn read_since(&self, from: u64, out: &mut Vec<Event>) -> u64 {
        let end = self.written.load(Acquire);
        let start = from.max(end.saturating_sub(EVENTS_PER_THREAD as u64));
        let first = out.len();
        for n in start..end {
            let Some(cell) = self.cells.get(n as usize % EVENTS_PER_THREAD) else { continue };
            let kind = match cell.kind.load(Relaxed) {
                1 => Kind::Poll,
                2 => Kind::AsyncCall,
                _ => Kind::Call,
            };
            out.push(Event {
                kind,
                site: cell.site.load(Relaxed),
                thread: cell.thread.load(Relaxed),
                end: cell.end.load(Relaxed),
                duration_ns: cell.duration_ns.load(Relaxed),
                id: cell.id.load(Relaxed),
                parent: cell.parent.load(Relaxed),
                call: cell.call.load(Relaxed),
            });
        }
        fence(Acquire);
        // Positions the writer may have begun to overwrite while we read.
        let safe_from = self.begun.load(Relaxed).saturating_sub(EVENTS_PER_THREAD as u64);
        let torn = safe_from.saturating_sub(start).min(end - start) as usize;
        out.drain(first..first + torn);
        start - from.min(start) + torn as u64
    }
}

/// Threads that have traced a call, by number (index + 1): their names.
static THREADS: Mutex<Vec<String>> = Mutex::new(Vec::new());

thread_local! {
    static NUMBER: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// This thread's trace number, from 1, given the first time it traces a
/// call (its name is kept for the report); 0 during thread teardown.
#[inline]
pub(crate) fn thread_number() -> u32 {
    NUMBER.try_with(|n| if n.get() != 0 { n.get() } else { assign(n) }).unwrap_or(0)
}

#[cold]
fn assign(cell: &std::cell::Cell<u32>) -> u32 {
    let current = std::thread::current();
    let name = current.name().map_or_else(|| format!("{:?}", current.id()), str::to_owned);
    let mut threads = crate::record::sync::lock(&THREADS);
    threads.push(name);
    let number = threads.len() as u32;
    cell.set(number);
    number
}

/// The names of threads `1..=n` that have traced calls.
pub(crate) fn thread_names() -> Vec<String> {
    crate::record::sync::lock(&THREADS).clone()
}

/// Ids of `async` calls at the full level (the low 32 bits of their id).
static ASYNC_IDS: AtomicU32 = AtomicU32::new(1);

/// A new `async` call's id, as it travels in the call's word (32 bits).
pub(crate) fn next_async_id() -> u32 {
    ASYNC_IDS.fetch_add(1, Relaxed).max(1)
}

/// The full id of the `async` call with word id `id`.
pub(crate) fn async_call_id(id: u32) -> u64 {
    1 << 63 | u64::from(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(n: u64) -> Event {
        Event {
            kind: Kind::Call,
            site: 1,
            thread: 2,
            end: n,
            duration_ns: n,
            id: n,
            parent: 0,
            call: 0,
        }
    }

    #[test]
    fn a_ring_reads_back_what_it_was_given_in_order() {
        let ring = Ring::new();
        let from = ring.position();
        for n in 1..=5 {
            ring.push(event(n));
        }
        let mut out = Vec::new();
        assert_eq!(ring.read_since(from, &mut out), 0);
        assert_eq!(out.iter().map(|e| e.id).collect::<Vec<_>>(), [1, 2, 3, 4, 5]);
        out.clear();
        assert_eq!(ring.read_since(3, &mut out), 0);
        assert_eq!(out.len(), 2);
    }

    #[test]
    fn a_full_ring_keeps_the_latest_and_counts_the_rest_as_dropped() {
        let ring = Ring::new();
        let total = EVENTS_PER_THREAD as u64 + 100;
        for n in 1..=total {
            ring.push(event(n));
        }
        let mut out = Vec::new();
        assert_eq!(ring.read_since(0, &mut out), 100);
        assert_eq!(out.len(), EVENTS_PER_THREAD);
        assert_eq!(out[0].id, 101);
        assert_eq!(out.last().unwrap().id, total);
    }

    #[test]
    fn a_reader_racing_the_writer_never_keeps_an_event_from_another_position() {
        use std::sync::atomic::AtomicBool;
        static RING: std::sync::LazyLock<Ring> = std::sync::LazyLock::new(Ring::new);
        static DONE: AtomicBool = AtomicBool::new(false);
        let writer = std::thread::spawn(|| {
            for n in 1..=(EVENTS_PER_THREAD as u64 * 8) {
                // Every field carries its position, so a torn event shows.
                RING.push(Event {
                    kind: Kind::Poll,
                    site: n as u32,
                    thread: n as u32,
                    end: n,
                    duration_ns: n,
                    id: n,
                    parent: n,
                    call: n,
                });
            }
            DONE.store(true, Relaxed);
        });
        let mut checked = 0;
        while !DONE.load(Relaxed) || checked == 0 {
            let mut out = Vec::new();
            let from = RING.position().saturating_sub(2 * EVENTS_PER_THREAD as u64);
            RING.read_since(from, &mut out);
            for e in &out {
                assert!(
                    e.site == e.id as u32 && e.end == e.id && e.parent == e.id && e.call == e.id,
                    "{e:?}"
                );
            }
            checked += 1;
        }
        writer.join().unwrap();
    }
}
