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
use super::word::{CallWord, CpuClass, PollToken};
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

/// What kind of call an [`Active`] times: how it keeps its frame at the
/// detailed level (see [`detail`]) and how it takes part in self time (see
/// [`super::nesting`]).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// A synchronous call: one frame from its start to its end; its
    /// self-time mark is taken at its start.
    Call,
    /// A future (or a `tracing` span): a frame around each poll (see
    /// `future.rs`); it completes in a poll, which ends like a sync call.
    Polls,
    /// A manual operation, which may end on another thread or out of
    /// order (or a future a panic cut short): timed, with none of the
    /// detailed level's measures and no part in self time.
    Manual,
}

/// A poll's frame (see [`detail::push`]) and call tree node, out of line.
#[inline(never)]
fn open_frame(recorder: &'static Recorder, word: CallWord) -> PollToken {
    let index = word.index();
    // No room for the node in a 32-bit word: no tree there.
    let node = local::shard(recorder)
        .filter(|_| usize::BITS >= 64)
        .and_then(|shard| Some(shard.tree.enter(shard.slot(index)?, index)))
        .unwrap_or(0);
    let frame = detail::push(word.cpu_weight() != 0, word.is_traced(), true);
    PollToken::new(frame, node)
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

/// The id of the traced future whose word is `word` (0 where a word has
/// no room for it: 32-bit targets).
fn async_id(word: CallWord) -> u64 {
    match word.async_id() {
        0 => 0,
        id => trace::async_call_id(id),
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
fn close_frame(recorder: &'static Recorder, word: CallWord, token: PollToken) {
    let Some(shard) = local::shard(recorder) else { return };
    shard.tree.exit_poll(token.node());
    let Some(spent) = detail::pop(token.frame()) else { return };
    if let Some(extras) = shard.extras(word.index()) {
        extras.charge_poll(spent, word.cpu_weight());
    }
    if let Some(t) = spent.traced {
        let event = Event {
            kind: Kind::Poll,
            site: word.index() as u32,
            thread: trace::thread_number(),
            end: t.end,
            duration_ns: clock::nanos_between(t.start, t.end),
            id: t.id,
            parent: t.parent,
            call: async_id(word),
        };
        log(shard, event);
    }
}

/// Closes the frame of a sync call at the detailed level (none for a
/// future's end: its polls had theirs), parking what it used for
/// [`finish_detail`].
#[inline(never)]
fn close_call_frame(word: CallWord) {
    detail::close(word.frame());
}

/// The end of a call at the detailed level, after it was recorded as a
/// basic one: what its frame used and its wall time `nanos` go to its
/// slot's extras and its call tree node on this thread.
#[inline(never)]
fn finish_detail(recorder: &'static Recorder, word: CallWord, end: u64, nanos: u64) {
    let spent = detail::take_closed();
    let Some(shard) = local::shard(recorder) else { return };
    if word.is_polled() {
        shard.tree.complete(nanos);
    } else {
        shard.tree.exit_call(word.node(), nanos);
    }
    let Some(extras) = shard.extras(word.index()) else { return };
    let weight = word.cpu_weight();
    if word.is_polled() {
        extras.finish_future(nanos, weight);
    } else {
        extras.finish_call(spent, nanos, weight);
    }
    if !word.is_traced() {
        return;
    }
    // A sync call is its frame's event; a future's whole span is one more
    // event, beside its polls'.
    let event = match spent.and_then(|s| s.traced) {
        Some(t) => Event {
            kind: Kind::Call,
            site: word.index() as u32,
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
            if !word.is_polled() {
                return;
            }
            let Some(event) = async_call_event(word, end, nanos) else { return };
            event
        }
    };
    log(shard, event);
}

/// The event of a whole traced future (or span) whose word is `slot`,
/// beside its polls'; `None` where its word has no id (32-bit targets).
fn async_call_event(word: CallWord, end: u64, nanos: u64) -> Option<Event> {
    let id = async_id(word);
    (id != 0).then(|| Event {
        kind: Kind::AsyncCall,
        site: word.index() as u32,
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
    word: CallWord,
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
    if let Some(extras) = shard.extras(word.index()) {
        extras.finish_future(nanos, word.cpu_weight());
    }
    if word.is_traced() {
        if let Some(event) = async_call_event(word, end, nanos) {
            log(shard, event);
        }
    }
}

/// What a call starting now notes for self time (the `kids` word: a sync
/// call's mark, else 0); a sync call also opens on its thread's in-flight
/// stack (see [`crate::record::storage::flight`]).
#[inline(always)]
fn kids_at_start(recorder: &'static Recorder, index: usize, shape: Shape) -> u64 {
    match shape {
        Shape::Call => {
            if let Some(shard) = local::shard(recorder) {
                shard.flight.push(index);
            }
            nesting::mark()
        }
        Shape::Polls | Shape::Manual => 0,
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
    word: CallWord,
    /// Clock ticks at the start, or [`UNTIMED`].
    start: u64,
    /// For self time (see [`super::nesting`]): a sync call's mark, a
    /// future's children's time so far.
    kids: u64,
}

impl fmt::Debug for Active {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Active").field("word", &self.word).finish_non_exhaustive()
    }
}

impl Active {
    /// Starts timing a call of `site` on `recorder`, or `None` when recording
    /// is off (process-wide or for that monitor).
    #[inline(always)]
    pub(crate) fn start(
        recorder: &'static Recorder,
        site: &'static Callsite,
        shape: Shape,
    ) -> Option<Active> {
        if !switch::fast() {
            return None;
        }
        Active::start_enabled(recorder, site, shape)
    }

    /// [`Active::start`] after the basic path declined the call (see
    /// `basic.rs`): with the clock reading it took, if it took one (it
    /// then saw the switch on and the callsite timed).
    #[inline(always)]
    pub(crate) fn start_from(
        recorder: &'static Recorder,
        site: &'static Callsite,
        shape: Shape,
        read: Option<u64>,
    ) -> Option<Active> {
        match read {
            Some(read) => Active::start_unsampled(recorder, site, site.raw_id(), shape, Some(read)),
            None => Active::start(recorder, site, shape),
        }
    }

    /// A future's call whose first poll ran on the basic path (see
    /// `basic.rs`) and returned `Pending`: the general path carries it on.
    pub(crate) fn resumed(
        recorder: &'static Recorder,
        site: &'static Callsite,
        index: usize,
        start: u64,
        kids: u64,
    ) -> Active {
        Active { recorder, site, word: CallWord::basic(index), start, kids }
    }

    /// [`Active::start`] for callers that have just seen [`switch::fast`] on
    /// (the generated code checks it inline), so it is not read twice.
    #[inline(always)]
    pub(crate) fn start_enabled(
        recorder: &'static Recorder,
        site: &'static Callsite,
        shape: Shape,
    ) -> Option<Active> {
        let id = site.raw_id();
        if id & SAMPLED != 0 {
            return match Active::start_sampled(recorder, site, id, shape) {
                Sampled::Timed(active) => Some(active),
                Sampled::Untimed(call) => Some(Active {
                    recorder,
                    site,
                    word: CallWord::basic(call.index),
                    start: UNTIMED,
                    kids: 0,
                }),
                Sampled::Off => None,
            };
        }
        Active::start_unsampled(recorder, site, id, shape, None)
    }

    /// A call of a callsite that times every call; `id` is its id word.
    #[inline(always)]
    fn start_unsampled(
        recorder: &'static Recorder,
        site: &'static Callsite,
        id: u32,
        shape: Shape,
        read: Option<u64>,
    ) -> Option<Active> {
        // The clock next (or the reading the caller took): the checks below
        // then run while the read is still in flight instead of before it
        // (measured: 1-3 ns less per call). Only a monitor switched off
        // while another is on pays for the read.
        let mut start = read.unwrap_or_else(clock::now);
        let mode = recorder.mode();
        if mode & ON == 0 {
            return None;
        }
        match callsite::slot_of(id) {
            Some(index) => {
                let index = index as usize;
                let mut word = CallWord::basic(index);
                if mode != ON {
                    word = Active::detailed_word(recorder, index, shape, mode);
                    start = clock::now();
                }
                let kids = kids_at_start(recorder, index, shape);
                Some(Active { recorder, site, word, start, kids })
            }
            None => Active::start_unregistered(recorder, site, shape),
        }
    }

    /// The word of a call of slot `index` starting now at the detailed
    /// level: chooses whether it reads the CPU clock and opens its frame (a
    /// sync call). The caller then reads the wall clock again, so this
    /// bookkeeping is not part of the call's time. Returns the word, not an
    /// `Active`, so the basic path's `Active` stays in registers.
    #[inline(never)]
    fn detailed_word(
        recorder: &'static Recorder,
        index: usize,
        shape: Shape,
        mode: u8,
    ) -> CallWord {
        let basic = CallWord::basic(index);
        if shape == Shape::Manual {
            return basic;
        }
        let traced = mode & FULL != 0;
        let Some(shard) = local::shard(recorder) else { return basic };
        let record = shard.slot(index);
        let last = record.and_then(|slot| slot.last_ns());
        let Some(extras) = shard.extras(index) else { return basic };
        let cpu = CpuClass::of_weight(extras.cpu_weight(last, || shard.draws.gap(CPU_SAMPLE_RATE)));
        // Above bit 32 (room on 64-bit targets): a sync call's tree node, a
        // traced future's id.
        let (frame, high) = match shape {
            Shape::Call => {
                let node = match record {
                    Some(slot) if usize::BITS >= 64 => shard.tree.enter(slot, index),
                    _ => 0,
                };
                (detail::push(cpu != CpuClass::None, traced, false), u64::from(node))
            }
            Shape::Polls if traced && usize::BITS >= 64 => (0, u64::from(trace::next_async_id())),
            Shape::Polls | Shape::Manual => (0, 0),
        };
        CallWord::detailed(index, frame, cpu, traced, shape == Shape::Polls, high)
    }

    /// The slot index, without the detailed level's bits.
    #[inline(always)]
    pub(crate) fn index(&self) -> usize {
        self.word.index()
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
    /// first enter, [`Shape::Polls`]) and ended at its last exit, `end`
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
        Active { word: CallWord::basic(index), ..self }.record(
            end,
            nanos,
            self_ns,
            Outcome::Success,
            false,
        );
        if enters > 1 || busy_ns < nanos {
            Active::record_waited(recorder, index, nanos - busy_ns, enters.saturating_sub(1));
        }
        if self.word.is_detailed() {
            finish_span_detail(recorder, self.word, end, nanos, exit);
        }
    }

    /// Ends the frame `token` of one enter of a detailed span (see
    /// [`Active::open_poll`]); where it ended, for [`Active::finish_span`].
    #[cfg(feature = "tracing")]
    #[inline(never)]
    pub(crate) fn close_enter(&self, token: PollToken) -> SpanExit {
        close_frame(self.recorder, self.word, token);
        let shard = local::shard(self.recorder).map_or(0, |s| s as *const Shard as usize);
        SpanExit { shard, node: token.node() }
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
        self.word.is_detailed()
    }

    /// The weight of the call's CPU readings; 0: it reads none.
    #[inline(always)]
    fn cpu_weight(&self) -> u32 {
        self.word.cpu_weight()
    }

    /// Opens a frame for one poll of a detailed future, and enters its
    /// call tree node; its token.
    #[inline(always)]
    pub(crate) fn open_poll(&self) -> PollToken {
        open_frame(self.recorder, self.word)
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
    pub(crate) fn close_poll(&self, token: PollToken) {
        close_frame(self.recorder, self.word, token);
    }

    /// A call of a sampled callsite: counted always, timed when its slot's
    /// countdown runs out (see [`crate::record::sites::sampling`]). No clock read otherwise.
    #[inline(always)]
    fn start_sampled(
        recorder: &'static Recorder,
        site: &'static Callsite,
        id: u32,
        shape: Shape,
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
            let word = if mode & DETAILED != 0 {
                Active::detailed_word(recorder, index, shape, mode)
            } else {
                CallWord::basic(index)
            };
            let kids = kids_at_start(recorder, index, shape);
            Sampled::Timed(Active { recorder, site, word, start: clock::now(), kids })
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
        shape: Shape,
    ) -> Option<Active> {
        site.slot()?;
        Active::start_enabled(recorder, site, shape)
    }

    /// Records the call as ended now with `outcome`; returns its duration
    /// (0 for a sampled call that was not timed).
    #[inline(always)]
    pub(crate) fn finish(self, outcome: Outcome<'_>) -> u64 {
        self.finish_on(None, outcome, Shape::Call, 0)
    }

    /// Records a manual operation (or a future a panic cut short) as ended
    /// now: no part in self time (see [`Shape::Manual`]).
    #[inline(always)]
    pub(crate) fn finish_manual(self, outcome: Outcome<'_>) -> u64 {
        self.finish_on(None, outcome, Shape::Manual, 0)
    }

    /// Records a future as completed in the poll that started at
    /// `poll_mark` (see [`super::nesting`]), on this thread's shard `shard`
    /// when the poll has it (`None`: looked up here).
    #[inline(always)]
    pub(crate) fn finish_polled(
        self,
        shard: Option<&'static Shard>,
        outcome: Outcome<'_>,
        poll_mark: u64,
    ) -> u64 {
        self.finish_on(shard, outcome, Shape::Polls, poll_mark)
    }

    /// The end of every timed call: `shape` says how it takes part in self
    /// time, `poll_mark` where a future's completing poll started.
    #[inline(always)]
    fn finish_on(
        self,
        shard: Option<&'static Shard>,
        outcome: Outcome<'_>,
        shape: Shape,
        poll_mark: u64,
    ) -> u64 {
        if self.start == UNTIMED {
            self.finish_untimed(outcome);
            return 0;
        }
        let end = clock::now();
        let nanos = clock::nanos_between(self.start, end);
        let children = match shape {
            // `kids` is its mark.
            Shape::Call => nesting::close(self.kids, nanos),
            // `kids` is its earlier polls' children; then this poll's
            // children, and its own time to whatever polled it: one step,
            // as a sync call's end.
            Shape::Polls => self.kids.wrapping_add(nesting::close(poll_mark, nanos)),
            Shape::Manual => 0,
        };
        let self_ns = nanos.saturating_sub(children);
        // The detailed path takes words, not the `Active`, so the basic
        // path keeps it in registers. Its frame closes before the call is
        // recorded, so what recording allocates (rarely: a page table, an
        // error text) is not charged to the call.
        let word = self.word;
        if word.is_detailed() {
            close_call_frame(word);
        }
        let pop = shape == Shape::Call;
        Active { word: CallWord::basic(word.index()), ..self }
            .record_on(shard, end, nanos, self_ns, outcome, pop);
        if word.is_detailed() {
            finish_detail(self.recorder, word, end, nanos);
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
        let index = self.word.index();
        let Some(slot) = shard.slot(index) else { return };
        let failed = matches!(outcome, Outcome::Failure(_));
        slot.record(&shard.pages, index, nanos, failed, slow, epoch);
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
        let Some(slot) = shard.slot(self.word.index()) else { return };
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
        self.finish_manual(Outcome::Failure(Some(&super::panic_text::PanicText)));
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
    /// Starts a call of `site` on this thread's monitor, from the clock
    /// reading `read` if the caller took one; the caller has seen
    /// [`switch::fast`] on.
    #[inline(always)]
    pub(crate) fn start(site: &'static Callsite, read: Option<u64>) -> SyncCall {
        let recorder = local::current();
        let id = site.raw_id();
        let active = if id & SAMPLED != 0 {
            match Active::start_sampled(recorder, site, id, Shape::Call) {
                Sampled::Untimed(call) => return SyncCall::Untimed(call.into()),
                Sampled::Timed(active) => Some(active),
                Sampled::Off => None,
            }
        } else {
            Active::start_unsampled(recorder, site, id, Shape::Call, read)
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
        CallGuard { active: Active::start_enabled(local::current(), site, Shape::Call) }
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
