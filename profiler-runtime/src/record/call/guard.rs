//! The per-call path of a synchronous instrumented function.
//!
//! `Active::start` reads the clock; `finish` (or `Drop`, for guard-only
//! functions and when the body panics) reads it again and records into the
//! calling thread's shard. No lock, no allocation,
//! no hashing: a relaxed load of the on/off switch, the callsite's cached slot
//! index, two clock reads and a handful of thread-owned stores.

use super::basic::BasicCall;
use super::nesting;
use super::outcome::Outcome;
use super::untimed::{Untimed, UntimedGuard};
use crate::record::clock;
use crate::record::detail::trace::{self, Event, Kind};
use crate::record::detail::{self, CPU_SAMPLE_RATE};
use crate::record::shards::local;
use crate::record::shards::recorder::{Recorder, DETAILED, FULL, ON};
use crate::record::shards::shard::Shard;
use crate::record::shards::switch;
use crate::record::sites::callsite::{self, Callsite, SAMPLED};
use crate::record::storage::pauses::Pause;
use std::fmt;

/// How a call of a sampled callsite starts.
enum Sampled {
    Off,
    Timed(Active),
    Untimed(Untimed),
}

/// The start of a sampled call that is not timed: no clock reading is `u64::MAX`.
const UNTIMED: u64 = u64::MAX;

/// [`Active::slot`]'s low bits: the slot index. Above them, for calls at
/// the detailed level only: the call's frame token ([`detail::push`]; sync
/// calls), [`DETAIL`], and its CPU reading's weight class ([`CPU_SHIFT`]).
/// A basic call's word is its index alone, so its end tests one compare.
const SLOT_MASK: usize = 0xFFFF;
const TOKEN_SHIFT: u32 = 16;
const TOKEN_MASK: usize = 0xFF;
const DETAIL: usize = 1 << 24;
const CPU_SHIFT: u32 = 25;
/// The call is traced (the full level): it, or each of its polls, is an
/// event in its thread's log. A future's id travels above bit 32.
const TRACED: usize = 1 << 27;
const ASYNC_ID_SHIFT: u32 = 32;
/// The call is a future: its polls had frames of their own.
const POLLED: usize = 1 << 28;
/// A sync call's call tree node (see [`crate::record::detail::tree`]), above bit 32 (a
/// future's word has its async id there; its polls carry their nodes in
/// their frame tokens instead).
const NODE_SHIFT: u32 = 32;
const NODE_MASK: u64 = 0xFFFF;

const _: () = assert!(crate::record::detail::tree::MAX_NODES as u64 <= NODE_MASK);
/// Weight classes: no CPU reading, weight 1, weight [`CPU_SAMPLE_RATE`].
const CPU_NONE: usize = 0;
const CPU_ALWAYS: usize = 1;
const CPU_SAMPLED: usize = 2;

const _: () = assert!(crate::record::sites::registry::MAX_CALLSITES <= SLOT_MASK + 1);
const _: () = assert!(detail::MAX_DEPTH <= TOKEN_MASK);

/// How a call at the detailed level keeps its frame (see [`detail`]).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Framing {
    /// A synchronous call: one frame, from its start to its end.
    Call,
    /// A future: a frame around each poll (see `future.rs`).
    Polls,
    /// A manual operation, which may end on another thread or out of
    /// order: timed, with none of the detailed level's measures.
    None,
}

/// The weight of the CPU readings of the call whose word is `slot`.
#[inline(always)]
fn weight_of(slot: usize) -> u32 {
    match slot >> CPU_SHIFT & 3 {
        CPU_ALWAYS => 1,
        CPU_SAMPLED => CPU_SAMPLE_RATE,
        _ => 0,
    }
}

/// A poll's frame (see [`detail::push`]) and call tree node, out of line:
/// the frame's token, with the node above [`NODE_SHIFT`].
#[inline(never)]
fn open_frame(recorder: &'static Recorder, slot: usize) -> usize {
    // No room for the node in a 32-bit word: no tree there.
    let node = local::shard(recorder)
        .filter(|_| usize::BITS >= 64)
        .and_then(|shard| Some(shard.tree.enter(shard.slot(slot & SLOT_MASK)?, slot & SLOT_MASK)))
        .unwrap_or(0);
    let token = detail::push(weight_of(slot) != 0, slot & TRACED != 0, true);
    token | (node as usize).checked_shl(NODE_SHIFT).unwrap_or(0)
}

/// The call tree node in a word (a sync call's, or a poll's frame token).
fn node_of(word: usize) -> u32 {
    ((word as u64).checked_shr(NODE_SHIFT).unwrap_or(0) & NODE_MASK) as u32
}

/// A panic unwound out of a poll of a detailed future: nothing runs in
/// `recorder`'s tree on this thread now.
#[cold]
#[inline(never)]
fn unwound(recorder: &'static Recorder) {
    if let Some(shard) = local::shard(recorder) {
        shard.tree.unwound();
    }
}

/// The id of the traced future whose word is `slot` (0 where a word has
/// no room for it: 32-bit targets).
fn async_id(slot: usize) -> u64 {
    let id = (slot as u64).checked_shr(ASYNC_ID_SHIFT).unwrap_or(0) as u32;
    if id == 0 {
        0
    } else {
        trace::async_call_id(id)
    }
}

/// Writes an event into this thread's log in `shard`.
fn log(shard: &Shard, event: Event) {
    if let Some(ring) = shard.trace() {
        ring.push(event);
    }
}

/// Ends a poll's frame and charges it to the slot of the call whose word
/// is `slot` on this thread. Takes words, not the `Active`, so the caller's
/// stays in registers.
#[inline(never)]
fn close_frame(recorder: &'static Recorder, slot: usize, token: usize) {
    let Some(shard) = local::shard(recorder) else { return };
    shard.tree.exit_poll(node_of(token));
    let Some(spent) = detail::pop(token & TOKEN_MASK) else { return };
    if let Some(extras) = shard.extras(slot & SLOT_MASK) {
        extras.charge_poll(spent, weight_of(slot));
    }
    if let Some(t) = spent.traced {
        let event = Event {
            kind: Kind::Poll,
            site: (slot & SLOT_MASK) as u32,
            thread: trace::thread_number(),
            end: t.end,
            duration_ns: clock::nanos_between(t.start, t.end),
            id: t.id,
            parent: t.parent,
            call: async_id(slot),
        };
        log(shard, event);
    }
}

/// Closes the frame of a sync call at the detailed level (none for a
/// future's end: its polls had theirs), parking what it used for
/// [`finish_detail`].
#[inline(never)]
fn close_call_frame(slot: usize) {
    detail::close(slot >> TOKEN_SHIFT & TOKEN_MASK);
}

/// The end of a call at the detailed level, after it was recorded as a
/// basic one: what its frame used and its wall time `nanos` go to its
/// slot's extras and its call tree node on this thread.
#[inline(never)]
fn finish_detail(recorder: &'static Recorder, slot: usize, end: u64, nanos: u64) {
    let spent = detail::take_closed();
    let Some(shard) = local::shard(recorder) else { return };
    if slot & POLLED != 0 {
        shard.tree.complete(nanos);
    } else {
        shard.tree.exit_call(node_of(slot), nanos);
    }
    let Some(extras) = shard.extras(slot & SLOT_MASK) else { return };
    let weight = weight_of(slot);
    if slot & POLLED != 0 {
        extras.finish_future(nanos, weight);
    } else {
        extras.finish_call(spent, nanos, weight);
    }
    if slot & TRACED == 0 {
        return;
    }
    // A sync call is its frame's event; a future's whole span is one more
    // event, beside its polls'.
    let event = match spent.and_then(|s| s.traced) {
        Some(t) => Event {
            kind: Kind::Call,
            site: (slot & SLOT_MASK) as u32,
            thread: trace::thread_number(),
            end,
            duration_ns: nanos,
            id: t.id,
            parent: t.parent,
            call: 0,
        },
        None => {
            // A future's word carries its id; a sync call's (whose frame
            // was too deep to keep) carries its tree node there instead.
            if slot & POLLED == 0 {
                return;
            }
            let Some(event) = async_call_event(slot, end, nanos) else { return };
            event
        }
    };
    log(shard, event);
}

/// The event of a whole traced future (or span) whose word is `slot`,
/// beside its polls'; `None` where its word has no id (32-bit targets).
fn async_call_event(slot: usize, end: u64, nanos: u64) -> Option<Event> {
    let id = async_id(slot);
    (id != 0).then(|| Event {
        kind: Kind::AsyncCall,
        site: (slot & SLOT_MASK) as u32,
        thread: trace::thread_number(),
        end,
        duration_ns: nanos,
        id,
        parent: 0,
        call: 0,
    })
}

/// Where a detailed span's latest enter ended: the shard it ran on (its
/// address; 0: none) and its call tree node there.
#[cfg(feature = "tracing")]
#[derive(Clone, Copy, Default, Debug)]
pub(crate) struct SpanExit {
    shard: usize,
    node: u32,
}

/// The end of a span at the detailed level, after it was recorded as a
/// basic call: its wall time goes to its slot's extras and, closed on the
/// thread its last enter ran on, to that enter's call tree node; closed on
/// another, its call is one the tree lost (that thread's tree has no
/// place for it, and the node's is not this thread's to write).
#[cfg(feature = "tracing")]
#[inline(never)]
fn finish_span_detail(
    recorder: &'static Recorder,
    slot: usize,
    end: u64,
    nanos: u64,
    exit: SpanExit,
) {
    let Some(shard) = local::shard(recorder) else { return };
    if exit.shard == shard as *const Shard as usize {
        shard.tree.complete_at(exit.node, nanos);
    } else {
        shard.tree.lose();
    }
    if let Some(extras) = shard.extras(slot & SLOT_MASK) {
        extras.finish_future(nanos, weight_of(slot));
    }
    if slot & TRACED != 0 {
        if let Some(event) = async_call_event(slot, end, nanos) {
            log(shard, event);
        }
    }
}

/// The `kids` word a call starts with: a sync call's mark, else 0.
#[inline(always)]
/// What a call starting now notes for self time; a sync call also opens on
/// its thread's in-flight stack (see [`crate::record::storage::flight`]).
fn kids_at_start(recorder: &'static Recorder, index: usize, framing: Framing) -> u64 {
    match framing {
        Framing::Call => {
            if let Some(shard) = local::shard(recorder) {
                shard.flight.push(index);
            }
            nesting::mark()
        }
        Framing::Polls | Framing::None => 0,
    }
}

/// A call being timed: where it records and when it started.
#[derive(Clone, Copy)]
pub(crate) struct Active {
    recorder: &'static Recorder,
    site: &'static Callsite,
    /// A full word, so the struct has no padding: an async call's state moves
    /// it, and a copy made of two half-word stores read back as one word
    /// cannot be forwarded by the CPU (measured: 15-20 ns per async call).
    slot: usize,
    /// Clock ticks at the start, or [`UNTIMED`].
    start: u64,
    /// For self time (see [`super::nesting`]): a sync call's mark, a
    /// future's children's time so far.
    kids: u64,
}

/// How a call takes part in self time (see [`super::nesting`]).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Nest {
    /// A sync call: its mark is in `kids`.
    Call,
    /// A future ending in the poll that started at `poll_mark`: its
    /// earlier polls' children's time is in `kids`.
    Future { poll_mark: u64 },
    /// A manual operation, or a future that panicked: no part.
    None,
}

impl fmt::Debug for Active {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Active").field("slot", &self.slot).finish_non_exhaustive()
    }
}

impl Active {
    /// Starts timing a call of `site` on `recorder`, or `None` when recording
    /// is off (process-wide or for that monitor).
    #[inline(always)]
    pub(crate) fn start(
        recorder: &'static Recorder,
        site: &'static Callsite,
        framing: Framing,
    ) -> Option<Active> {
        if !switch::fast() {
            return None;
        }
        Active::start_enabled(recorder, site, framing)
    }

    /// [`Active::start`] for callers that have just seen [`switch::fast`] on
    /// (the generated code checks it inline), so it is not read twice.
    #[inline(always)]
    pub(crate) fn start_enabled(
        recorder: &'static Recorder,
        site: &'static Callsite,
        framing: Framing,
    ) -> Option<Active> {
        let id = site.raw_id();
        if id & SAMPLED != 0 {
            return match Active::start_sampled(recorder, site, id, framing) {
                Sampled::Timed(active) => Some(active),
                Sampled::Untimed(call) => {
                    Some(Active { recorder, site, slot: call.index, start: UNTIMED, kids: 0 })
                }
                Sampled::Off => None,
            };
        }
        Active::start_unsampled(recorder, site, id, framing)
    }

    /// A call of a callsite that times every call; `id` is its id word.
    #[inline(always)]
    fn start_unsampled(
        recorder: &'static Recorder,
        site: &'static Callsite,
        id: u32,
        framing: Framing,
    ) -> Option<Active> {
        // The clock next: the checks below then run while the read is still
        // in flight instead of before it (measured: 1-3 ns less per call).
        // Only a monitor switched off while another is on pays for the read.
        let mut start = clock::now();
        let mode = recorder.mode();
        if mode & ON == 0 {
            return None;
        }
        match callsite::slot_of(id) {
            Some(slot) => {
                let mut slot = slot as usize;
                if mode != ON {
                    slot |= Active::detail_bits(recorder, slot, framing, mode);
                    start = clock::now();
                }
                let kids = kids_at_start(recorder, slot & SLOT_MASK, framing);
                Some(Active { recorder, site, slot, start, kids })
            }
            None => Active::start_unregistered(recorder, site, framing),
        }
    }

    /// The detailed level's bits for a call of slot `index` starting now
    /// (0: none): chooses whether it reads the CPU clock and opens its frame
    /// (a sync call). The caller then reads the wall clock again, so this
    /// bookkeeping is not part of the call's time. Returns a word, not an
    /// `Active`, so the basic path's `Active` stays in registers.
    #[inline(never)]
    fn detail_bits(recorder: &'static Recorder, index: usize, framing: Framing, mode: u8) -> usize {
        if framing == Framing::None {
            return 0;
        }
        let traced = mode & FULL != 0;
        let Some(shard) = local::shard(recorder) else { return 0 };
        let record = shard.slot(index);
        let last = record.and_then(|slot| slot.last_ns());
        let Some(extras) = shard.extras(index) else { return 0 };
        let weight = extras.cpu_weight(last, || shard.draws.gap(CPU_SAMPLE_RATE));
        let class = match weight {
            0 => CPU_NONE,
            1 => CPU_ALWAYS,
            _ => CPU_SAMPLED,
        };
        // Above bit 32 (room on 64-bit targets): a sync call's tree node, a
        // traced future's id.
        let (token, high) = match framing {
            Framing::Call => {
                let node = match record {
                    Some(slot) if usize::BITS >= 64 => shard.tree.enter(slot, index),
                    _ => 0,
                };
                let token = detail::push(class != CPU_NONE, traced, false);
                (token, (node as usize).checked_shl(NODE_SHIFT).unwrap_or(0))
            }
            Framing::Polls if traced && usize::BITS >= 64 => {
                (0, (trace::next_async_id() as usize).checked_shl(ASYNC_ID_SHIFT).unwrap_or(0))
            }
            Framing::Polls | Framing::None => (0, 0),
        };
        let traced = if traced { TRACED } else { 0 };
        let polled = if framing == Framing::Polls { POLLED } else { 0 };
        token << TOKEN_SHIFT | polled | DETAIL | class << CPU_SHIFT | traced | high
    }

    /// The slot index, without the detailed level's bits.
    #[inline(always)]
    pub(crate) fn index(&self) -> usize {
        self.slot & SLOT_MASK
    }

    /// Whether the call is timed (not a sampled call left untimed).
    #[inline(always)]
    pub(crate) fn is_timed(&self) -> bool {
        self.start != UNTIMED
    }

    /// Records a completed future's pauses (see [`crate::record::storage::pauses`]) on the
    /// thread it completed on. Out of line: only futures that paused pay.
    #[cold]
    #[inline(never)]
    pub(crate) fn record_pauses(recorder: &'static Recorder, index: usize, pause: Pause) {
        Active::record_waited(recorder, index, clock::nanos_between(0, pause.waited), pause.pauses);
    }

    fn record_waited(recorder: &'static Recorder, index: usize, waited_ns: u64, pauses: u64) {
        if let Some(table) = local::shard(recorder).and_then(|s| s.pauses(index)) {
            table.add(waited_ns, pauses);
        }
    }

    /// Records a closed `tracing` span that started with this call (at its
    /// first enter, [`Framing::Polls`]) and ended at its last exit, `end`
    /// (clock ticks; `wall_ns` its wall time when the caller has it): its
    /// wall time, its self time (busy for `busy_ns`) less what its
    /// monitored children took (added to `kids` enter by enter), and its
    /// enters after the first as pauses whose time is the wall time it was
    /// not entered. At the detailed level its enters were frames of their
    /// own, like a future's polls; `exit` is where the last one ended.
    #[cfg(feature = "tracing")]
    #[cold]
    #[inline(never)]
    pub(crate) fn finish_span(
        self,
        end: u64,
        wall_ns: Option<u64>,
        busy_ns: u64,
        enters: u64,
        exit: SpanExit,
    ) {
        if self.start == UNTIMED {
            self.finish_untimed(Outcome::Success);
            return;
        }
        let nanos = wall_ns.unwrap_or_else(|| clock::nanos_between(self.start, end));
        let busy_ns = busy_ns.min(nanos);
        let self_ns = busy_ns.saturating_sub(self.kids);
        let (recorder, index) = self.pauses_at();
        Active { slot: index, ..self }.record(end, nanos, self_ns, Outcome::Success, false);
        if enters > 1 || busy_ns < nanos {
            Active::record_waited(recorder, index, nanos - busy_ns, enters.saturating_sub(1));
        }
        if self.slot > SLOT_MASK {
            finish_span_detail(recorder, self.slot, end, nanos, exit);
        }
    }

    /// Ends the frame `token` of one enter of a detailed span (see
    /// [`Active::open_poll`]); where it ended, for [`Active::finish_span`].
    #[cfg(feature = "tracing")]
    #[inline(never)]
    pub(crate) fn close_enter(&self, token: usize) -> SpanExit {
        close_frame(self.recorder, self.slot, token);
        let shard = local::shard(self.recorder).map_or(0, |s| s as *const Shard as usize);
        SpanExit { shard, node: node_of(token) }
    }

    /// The clock reading the call started at (for a sampled call left
    /// untimed, a reading that means nothing: check [`Active::is_timed`]).
    #[cfg(feature = "tracing")]
    #[inline(always)]
    pub(crate) fn started_at(&self) -> u64 {
        self.start
    }

    /// Where [`Active::record_pauses`] records this call's pauses.
    #[inline(always)]
    pub(crate) fn pauses_at(&self) -> (&'static Recorder, usize) {
        (self.recorder, self.index())
    }

    /// Whether the call records the detailed level's measures.
    #[inline(always)]
    pub(crate) fn is_detailed(&self) -> bool {
        self.slot & DETAIL != 0
    }

    /// The weight of the call's CPU readings; 0: it reads none.
    #[inline(always)]
    fn cpu_weight(&self) -> u32 {
        weight_of(self.slot)
    }

    /// Opens a frame for one poll of a detailed future, and enters its
    /// call tree node; its token.
    #[inline(always)]
    pub(crate) fn open_poll(&self) -> usize {
        open_frame(self.recorder, self.slot)
    }

    /// This thread's shard of the call's monitor: a poll of this future
    /// opens and closes on its in-flight stack (see [`crate::record::storage::flight`]), and
    /// the future records there if it completes in that poll.
    #[inline]
    pub(crate) fn shard(&self) -> Option<&'static Shard> {
        local::shard(self.recorder)
    }

    /// This future pends in its own code (`true`) or stops doing so.
    #[inline]
    pub(crate) fn set_waiting(&self, waiting: bool) {
        if waiting {
            self.recorder.waiting.add(self.index());
        } else {
            self.recorder.waiting.remove(self.index());
        }
    }

    /// Charges what a poll's frame used to this call's callsite, on the
    /// thread that polled it.
    #[inline(always)]
    pub(crate) fn close_poll(&self, token: usize) {
        close_frame(self.recorder, self.slot, token);
    }

    /// A call of a sampled callsite: counted always, timed when its slot's
    /// countdown runs out (see [`crate::record::sites::sampling`]). No clock read otherwise.
    #[inline(always)]
    fn start_sampled(
        recorder: &'static Recorder,
        site: &'static Callsite,
        id: u32,
        framing: Framing,
    ) -> Sampled {
        let mode = recorder.mode();
        if mode & ON == 0 {
            return Sampled::Off;
        }
        let Some(index) = callsite::slot_of(id) else { return Sampled::Off };
        let index = index as usize;
        let Some(shard) = local::shard(recorder) else { return Sampled::Off };
        let Some(slot) = shard.slot(index) else { return Sampled::Off };
        if slot.take_sample(|| shard.draws.gap(site.sample_rate())) {
            let mut slot = index;
            if mode & DETAILED != 0 {
                slot |= Active::detail_bits(recorder, index, framing, mode);
            }
            let kids = kids_at_start(recorder, index, framing);
            Sampled::Timed(Active { recorder, site, slot, start: clock::now(), kids })
        } else {
            Sampled::Untimed(Untimed::new(shard, slot, index))
        }
    }

    /// The first call of a callsite: registers it, then starts again (timed
    /// or sampled, as registration decided), so the registration is not part
    /// of the call's time.
    #[cold]
    #[inline(never)]
    fn start_unregistered(
        recorder: &'static Recorder,
        site: &'static Callsite,
        framing: Framing,
    ) -> Option<Active> {
        site.slot()?;
        Active::start_enabled(recorder, site, framing)
    }

    /// Records the call as ended now with `outcome`; returns its duration
    /// (0 for a sampled call that was not timed).
    #[inline(always)]
    pub(crate) fn finish(self, outcome: Outcome<'_>) -> u64 {
        self.finish_as(outcome, Nest::Call)
    }

    /// [`Active::finish`] for a call that takes part in self time as `nest` says.
    #[inline(always)]
    pub(crate) fn finish_as(self, outcome: Outcome<'_>, nest: Nest) -> u64 {
        self.finish_on(None, outcome, nest)
    }

    /// [`Active::finish_as`] on this thread's shard `shard`, when the caller
    /// has it (a future's poll); `None`: looked up here.
    #[inline(always)]
    pub(crate) fn finish_on(
        self,
        shard: Option<&'static Shard>,
        outcome: Outcome<'_>,
        nest: Nest,
    ) -> u64 {
        if self.start == UNTIMED {
            self.finish_untimed(outcome);
            return 0;
        }
        let end = clock::now();
        let nanos = clock::nanos_between(self.start, end);
        let children = match nest {
            Nest::Call => nesting::close(self.kids, nanos),
            // This poll's children, and its own time to whatever polled it:
            // one step, as a sync call's end.
            Nest::Future { poll_mark } => self.kids.wrapping_add(nesting::close(poll_mark, nanos)),
            Nest::None => 0,
        };
        let self_ns = nanos.saturating_sub(children);
        // The detailed path takes words, not the `Active`, so the basic
        // path keeps it in registers. Its frame closes before the call is
        // recorded, so what recording allocates (rarely: a page table, an
        // error text) is not charged to the call.
        if self.slot > SLOT_MASK {
            close_call_frame(self.slot);
        }
        let pop = nest == Nest::Call;
        Active { slot: self.index(), ..self }.record_on(shard, end, nanos, self_ns, outcome, pop);
        if self.slot > SLOT_MASK {
            finish_detail(self.recorder, self.slot, end, nanos);
        }
        nanos
    }

    /// Records the call as ended at `end` (clock ticks); a basic call's word
    /// is its slot index.
    #[inline(always)]
    #[cfg(feature = "tracing")]
    fn record(self, end: u64, nanos: u64, self_ns: u64, outcome: Outcome<'_>, pop: bool) {
        self.record_on(None, end, nanos, self_ns, outcome, pop);
    }

    /// [`Active::record`] into `shard` if given, else this thread's.
    #[inline(always)]
    fn record_on(
        self,
        shard: Option<&'static Shard>,
        end: u64,
        nanos: u64,
        self_ns: u64,
        outcome: Outcome<'_>,
        pop: bool,
    ) {
        let epoch = self.recorder.epoch();
        let slow = self.site.slow_threshold();
        // No closure here: captured references would be spilled to the stack
        // and passed to an out-of-line call on every recorded call.
        let Some(shard) = shard.or_else(|| local::shard(self.recorder)) else { return };
        if pop {
            shard.flight.pop();
        }
        let Some(slot) = shard.slot(self.slot) else { return };
        let failed = matches!(outcome, Outcome::Failure(_));
        slot.record(&shard.pages, self.slot, nanos, failed, slow, epoch);
        slot.record_self(self_ns);
        if let Outcome::Failure(Some(text)) = outcome {
            slot.record_error(&shard.errors, end, text);
        }
    }

    /// Adds what this poll's monitored children took (see [`super::nesting`]).
    #[inline(always)]
    pub(crate) fn add_children(&mut self, nanos: u64) {
        self.kids = self.kids.wrapping_add(nanos);
    }

    /// Counts a sampled call that was not timed, on the thread it ended on.
    #[inline(always)]
    fn finish_untimed(self, outcome: Outcome<'_>) {
        let Some(shard) = local::shard(self.recorder) else { return };
        let Some(slot) = shard.slot(self.slot) else { return };
        slot.record_untimed(matches!(outcome, Outcome::Failure(_)));
        if let Outcome::Failure(Some(text)) = outcome {
            // The stamp only orders errors across threads: read the clock for it here.
            slot.record_error(&shard.errors, clock::now(), text);
        }
    }

    /// Records a future dropped before it completed.
    pub(crate) fn cancel(self) {
        local::with_shard(self.recorder, |shard| {
            if let Some(slot) = shard.slot(self.index()) {
                slot.record_cancelled();
            }
        });
        if self.is_detailed() && self.cpu_weight() != 0 && self.start != UNTIMED {
            // Its polls' CPU time is in the ratio: so is its wall time until now.
            let wall = clock::nanos_between(self.start, clock::now());
            if let Some(extras) = local::shard(self.recorder).and_then(|s| s.extras(self.index())) {
                extras.cancelled(wall, self.cpu_weight());
            }
        }
    }

    /// Records a call whose guard was dropped without `finish`: the way out
    /// of functions whose return value is not classified (see [`enter`]); a
    /// failure while a panic unwinds, else a success.
    #[inline(always)]
    pub(crate) fn exited(self) {
        if std::thread::panicking() {
            self.panicked();
        } else {
            self.finish(Outcome::Success);
        }
    }

    /// Records a panic that is unwinding through the call.
    #[cold]
    pub(crate) fn panicked(self) {
        self.finish(Outcome::Failure(Some(&super::panic_text::PanicText)));
    }

    /// Records a panic out of a future's poll: its self time is its whole
    /// time (the poll's bookkeeping was cut short).
    #[cold]
    pub(crate) fn panicked_polled(self) {
        // Nothing on this thread runs inside this future any more.
        if self.is_detailed() {
            unwound(self.recorder);
        }
        self.finish_as(Outcome::Failure(Some(&super::panic_text::PanicText)), Nest::None);
    }
}

/// Times one call of an instrumented function whose return value is not
/// classified: functions returning `!`, a non-future `impl Trait` or a type
/// holding an `impl Fn..`, and `#[track_caller]` ones, whose bodies are not wrapped in a closure (see
/// [`enter`]). Dropped, it records the call: a failure while a panic unwinds,
/// a success otherwise. [`crate::private::timed`] uses it too, and finishes it
/// with the outcome instead.
#[must_use = "a call guard records the call when dropped"]
#[derive(Debug)]
pub struct CallGuard {
    active: Option<Active>,
}

/// Starts timing a call of the function `site` describes, on the monitor in
/// effect on this thread.
///
/// Only `switch::fast` is checked inline; the rest is out of line so a
/// disabled call adds one load and a branch to the caller.
#[inline(always)]
pub fn enter(site: &'static Callsite) -> CallGuard {
    if !switch::fast() {
        return CallGuard { active: None };
    }
    enter_enabled(site)
}

#[inline(never)]
fn enter_enabled(site: &'static Callsite) -> CallGuard {
    CallGuard::start_enabled(site)
}

/// A synchronous call under way: timed (a [`CallGuard`]), or sampled and
/// not timed, in which case it holds the slot it counts into (a synchronous
/// call ends on the thread it started on), so it is not looked up twice.
pub(crate) enum SyncCall {
    /// The common case (see [`super::basic`]).
    Basic(BasicCall),
    Timed(CallGuard),
    Untimed(UntimedGuard),
}

impl SyncCall {
    /// Starts a call of `site` on this thread's monitor; the caller has seen
    /// [`switch::fast`] on.
    #[inline(always)]
    pub(crate) fn start(site: &'static Callsite) -> SyncCall {
        let recorder = local::current();
        let id = site.raw_id();
        let active = if id & SAMPLED != 0 {
            match Active::start_sampled(recorder, site, id, Framing::Call) {
                Sampled::Untimed(call) => return SyncCall::Untimed(call.into()),
                Sampled::Timed(active) => Some(active),
                Sampled::Off => None,
            }
        } else {
            Active::start_unsampled(recorder, site, id, Framing::Call)
        };
        SyncCall::Timed(CallGuard { active })
    }

    /// The untimed call of a sampled callsite, when it takes the common case
    /// (see `Untimed::try_fast`); `None`: start it with [`SyncCall::start`].
    #[inline(always)]
    pub(crate) fn try_untimed(site: &'static Callsite) -> Option<UntimedGuard> {
        Untimed::try_fast(site).map(UntimedGuard::from)
    }

    /// [`SyncCall::try_untimed`] for a callsite other than the one this
    /// thread left untimed last.
    #[inline(always)]
    pub(crate) fn try_untimed_found(site: &'static Callsite) -> Option<UntimedGuard> {
        Untimed::try_found(site).map(UntimedGuard::from)
    }

    /// Records the call as ended with `outcome`.
    #[inline(always)]
    pub(crate) fn finish(self, outcome: Outcome<'_>) {
        match self {
            SyncCall::Basic(call) => call.finish(outcome),
            SyncCall::Timed(guard) => guard.finish(outcome),
            SyncCall::Untimed(guard) => guard.finish(outcome),
        }
    }
}

impl CallGuard {
    /// Starts timing on this thread's monitor; the caller has seen
    /// [`switch::fast`] on.
    #[inline(always)]
    pub(crate) fn start_enabled(site: &'static Callsite) -> CallGuard {
        CallGuard { active: Active::start_enabled(local::current(), site, Framing::Call) }
    }

    /// Records the call as ended with `outcome`.
    #[inline(always)]
    pub(crate) fn finish(mut self, outcome: Outcome<'_>) {
        if let Some(active) = self.active.take() {
            active.finish(outcome);
        }
    }
}

impl Drop for CallGuard {
    #[inline(always)]
    fn drop(&mut self) {
        if let Some(active) = self.active.take() {
            exit(active);
        }
    }
}

/// The out-of-line half of a guard's drop, so the caller's code stays small.
#[inline(never)]
fn exit(active: Active) {
    active.exited();
}
