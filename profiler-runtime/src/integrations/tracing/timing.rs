//! A span's call as it runs: started at its first enter, busy from each
//! enter to its exit, ended at its last exit, recorded at its close.

use crate::record::call::guard::{Active, Shape, SpanExit};
use crate::record::call::nesting;
use crate::record::call::word::PollToken;
use crate::record::clock;
use crate::record::shards::recorder::Recorder;
use crate::record::sites::callsite::Callsite;

/// A span's call so far, held by the thread that created it or entered
/// it last (see [`super::held`]).
pub(super) struct Timing {
    call: Call,
    /// Busy time so far: each enter's, as its exit gave it to self time.
    busy_ns: u64,
    enters: u64,
    /// The running enter, on the thread whose table holds the span: its
    /// clock reading, self-time mark and frame token (detailed level; 0:
    /// none). `None` between enters.
    entered: Option<Enter>,
    /// Enters of the span inside its running enter (re-entered:
    /// `span.enter()` twice), whose exits come first.
    nested: u32,
    /// The clock reading at the latest exit: the call's end, once closed.
    last_exit: u64,
    /// Where the latest detailed enter ended (for the call tree).
    exit: SpanExit,
}

/// Where a span's call stands.
enum Call {
    /// Not entered yet: where it will record.
    Waiting(&'static Recorder, &'static Callsite),
    /// Entered at least once and timed from its first enter.
    Running(Active),
    /// Entered while its monitor was off: nothing to record.
    Off,
}

#[derive(Clone, Copy)]
struct Enter {
    at: u64,
    mark: u64,
    frame: PollToken,
}

impl Timing {
    pub(super) fn new(recorder: &'static Recorder, site: &'static Callsite) -> Timing {
        Timing {
            call: Call::Waiting(recorder, site),
            busy_ns: 0,
            enters: 0,
            entered: None,
            nested: 0,
            last_exit: 0,
            exit: SpanExit::default(),
        }
    }

    pub(super) fn is_entered(&self) -> bool {
        self.entered.is_some()
    }

    /// An enter of the span on the thread whose table holds it.
    #[inline]
    pub(super) fn enter(&mut self) {
        if self.entered.is_some() {
            // Entered again inside itself: one enter goes on.
            self.nested += 1;
            return;
        }
        let at = match self.call {
            Call::Running(_) => clock::now(),
            Call::Off => return,
            Call::Waiting(recorder, site) => {
                // Like a future: each enter is a poll, with a frame of its
                // own at the detailed level.
                match Active::start(recorder, site, Shape::Polls) {
                    Some(active) => {
                        // The call's own start reading is the first enter's.
                        let at = if active.is_timed() { active.started_at() } else { clock::now() };
                        self.call = Call::Running(active);
                        at
                    }
                    None => {
                        self.call = Call::Off;
                        return;
                    }
                }
            }
        };
        let Call::Running(active) = &self.call else { return };
        let frame = if active.is_detailed() { active.open_poll() } else { PollToken::default() };
        self.enters += 1;
        self.entered = Some(Enter { at, mark: nesting::mark(), frame });
    }

    /// An exit of the span's running enter.
    #[inline]
    pub(super) fn exit(&mut self) {
        let (Call::Running(active), Some(enter)) = (&mut self.call, self.entered) else { return };
        if self.nested > 0 {
            self.nested -= 1;
            return;
        }
        self.entered = None;
        let now = clock::now();
        self.last_exit = now;
        let busy_ns = clock::nanos_between(enter.at, now);
        self.busy_ns += busy_ns;
        if enter.frame.is_open() {
            self.exit = active.close_enter(enter.frame);
        }
        // This enter ends like a sync call: its children's time is its
        // callees', and its own busy time goes to whatever it ran inside.
        active.add_children(nesting::close(enter.mark, busy_ns));
    }

    /// The span closed: its call, from its first enter to its last exit.
    pub(super) fn close(self) {
        let Call::Running(active) = self.call else { return };
        // The registry keeps a span open while any thread has it entered,
        // so it closes between enters; should a subscriber close it inside
        // one, it ends now.
        let (end, wall_ns) = match self.entered {
            Some(_) => (clock::now(), None),
            // Entered once: its wall time is that enter's, already converted.
            None if self.enters == 1 => (self.last_exit, Some(self.busy_ns)),
            None => (self.last_exit, None),
        };
        active.finish_span(end, wall_ns, self.busy_ns, self.enters, self.exit);
    }
}
