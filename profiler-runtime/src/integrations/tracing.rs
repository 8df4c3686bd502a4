//! The `tracing` bridge (feature `tracing`): [`MonitorLayer`], a
//! `tracing_subscriber` layer that records every closed span as an
//! operation of a monitor, beside the `#[monitor]` functions.
//!
//! Each span callsite gets one operation (named after the span, its
//! component the span's target), created once when `tracing` registers the
//! callsite. A span's call runs from its first enter to its last exit
//! (recorded at its close): each enter to exit is busy time, timed like a
//! sync call, so a monitored function called inside it is its child and its
//! busy time is its parent's child; the time between enters is waiting, as
//! for a future between polls (`operations[..].polling`: its polls are its
//! enters). At the detailed level each enter is a frame of its own, as a
//! future's poll is: a node of the call tree, with its CPU time and
//! allocations.

use crate::monitor::Monitor;
use crate::record::callsite::Callsite;
use crate::record::guard::{Active, Framing, SpanExit};
use crate::record::recorder::Recorder;
use crate::record::{clock, local, nesting};
use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::RwLock;
use tracing_core::span::{Attributes, Id};
use tracing_core::{Interest, Metadata, Subscriber};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::registry::LookupSpan;

/// A `tracing_subscriber` layer that records closed spans into a monitor.
///
/// ```
/// use profiler_runtime::{tracing::MonitorLayer, Monitor};
/// use tracing_subscriber::layer::SubscriberExt;
///
/// let m = Monitor::new();
/// m.start_session("spans");
/// let subscriber = tracing_subscriber::registry().with(MonitorLayer::with_monitor(&m));
/// tracing::subscriber::with_default(subscriber, || {
///     let span = tracing::info_span!("load_rows");
///     let _entered = span.enter();
/// });
/// let report = m.end_session().unwrap();
/// let row = report.operation("load_rows").unwrap();
/// assert_eq!(row.calls, 1);
/// assert_eq!(row.kind, profiler_runtime::OperationKind::Span);
/// ```
pub struct MonitorLayer {
    monitor: Option<Monitor>,
    /// One callsite per span callsite, by its metadata's address (static).
    sites: RwLock<Sites>,
}

/// Callsites by metadata address: the key is already a unique word, so it
/// is mixed by one multiplication rather than hashed (SipHash was a tenth
/// of the layer's cost per span).
type Sites = HashMap<usize, &'static Callsite, BuildHasherDefault<AddressHasher>>;

#[derive(Default)]
struct AddressHasher(u64);

impl Hasher for AddressHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8 | u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_usize(&mut self, n: usize) {
        // Fibonacci hashing: the high bits, which the table uses, depend on all of `n`.
        self.0 = (n as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(32);
    }
}

impl fmt::Debug for MonitorLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MonitorLayer").field("monitor", &self.monitor).finish_non_exhaustive()
    }
}

impl Default for MonitorLayer {
    fn default() -> Self {
        MonitorLayer::new()
    }
}

impl MonitorLayer {
    /// Records each span into the monitor in effect where it is created
    /// ([`crate::current`]: a `Monitor::scope` routes it).
    pub fn new() -> MonitorLayer {
        MonitorLayer { monitor: None, sites: RwLock::new(Sites::default()) }
    }

    /// Records every span into `monitor`.
    pub fn with_monitor(monitor: &Monitor) -> MonitorLayer {
        MonitorLayer { monitor: Some(monitor.clone()), sites: RwLock::new(Sites::default()) }
    }

    /// The callsite of span callsite `meta`, made (and leaked: callsites
    /// are as many as the spans written in code) on first sight.
    fn site(&self, meta: &'static Metadata<'static>) -> &'static Callsite {
        let key = meta as *const Metadata<'static> as usize;
        if let Some(site) = self.sites.read().unwrap_or_else(|e| e.into_inner()).get(&key) {
            return site;
        }
        let mut sites = self.sites.write().unwrap_or_else(|e| e.into_inner());
        sites.entry(key).or_insert_with(|| {
            let site = Callsite::new(
                meta.name(),
                meta.module_path().unwrap_or(meta.target()),
                meta.file().unwrap_or("<unknown>"),
                meta.line().unwrap_or(0),
            )
            .named(meta.name())
            .component(meta.target())
            .span();
            Box::leak(Box::new(site))
        })
    }
}

/// A span's call so far, kept in the span's extensions from its first
/// enter (or its creation, under a [`Monitor::scope`]).
struct Timing {
    recorder: &'static Recorder,
    site: &'static Callsite,
    /// From the first enter; `None` before it, or when the monitor is off.
    active: Option<Active>,
    started: bool,
    /// Busy time so far, in clock ticks (turned into nanoseconds once).
    busy: u64,
    enters: u64,
    /// The running enter: its thread, clock reading, self-time mark and
    /// frame token (detailed level; 0: none). `None` between enters.
    entered: Option<Enter>,
    /// Enters of the span on the running enter's thread while it runs
    /// (re-entered: `span.enter()` twice), whose exits come first.
    nested: u32,
    /// The clock reading at the latest exit: the call's end, once closed.
    last_exit: u64,
    /// Where the latest detailed enter ended (for the call tree).
    exit: SpanExit,
}

#[derive(Clone, Copy)]
struct Enter {
    thread: usize,
    at: u64,
    mark: u64,
    frame: usize,
}

impl Timing {
    fn new(recorder: &'static Recorder, site: &'static Callsite) -> Timing {
        Timing {
            recorder,
            site,
            active: None,
            started: false,
            busy: 0,
            enters: 0,
            entered: None,
            nested: 0,
            last_exit: 0,
            exit: SpanExit::default(),
        }
    }

    /// An enter of the span on this thread.
    #[inline]
    fn enter(&mut self) {
        let thread = local::thread_key();
        if let Some(running) = &self.entered {
            // Entered again inside itself: one enter goes on. Entered on
            // another thread meanwhile: that thread's time is left out.
            if running.thread == thread {
                self.nested += 1;
            }
            return;
        }
        let at = if self.started {
            clock::now()
        } else {
            self.started = true;
            // Like a future: each enter is a poll, with a frame of its own
            // at the detailed level.
            self.active = Active::start(self.recorder, self.site, Framing::Polls);
            // The call's own start reading is the first enter's.
            match &self.active {
                Some(active) if active.is_timed() => active.started_at(),
                _ => clock::now(),
            }
        };
        let Some(active) = &self.active else { return };
        let frame = if active.is_detailed() { active.open_poll() } else { 0 };
        self.enters += 1;
        self.entered = Some(Enter { thread, at, mark: nesting::mark(), frame });
    }

    /// An exit of the span on this thread.
    #[inline]
    fn exit(&mut self) {
        let (Some(active), Some(enter)) = (&mut self.active, self.entered) else { return };
        if enter.thread != local::thread_key() {
            return;
        }
        if self.nested > 0 {
            self.nested -= 1;
            return;
        }
        self.entered = None;
        let now = clock::now();
        self.last_exit = now;
        self.busy = self.busy.wrapping_add(now.wrapping_sub(enter.at));
        if enter.frame != 0 {
            self.exit = active.close_enter(enter.frame);
        }
        // This enter ends like a sync call: its children's time is its
        // callees', and its own busy time goes to whatever it ran inside.
        active.add_children(nesting::close(enter.mark, clock::nanos_between(enter.at, now)));
    }

    /// The span closed: its call, from its first enter to its last exit.
    fn close(self) {
        let Some(active) = self.active else { return };
        // The registry keeps a span open while any thread has it entered,
        // so it closes between enters; should a subscriber close it inside
        // one, it ends now.
        let end = if self.entered.is_some() { clock::now() } else { self.last_exit };
        let busy_ns = clock::nanos_between(0, self.busy);
        active.finish_span(end, busy_ns, self.enters, self.exit);
    }
}

impl<S> Layer<S> for MonitorLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn register_callsite(&self, meta: &'static Metadata<'static>) -> Interest {
        if meta.is_span() {
            self.site(meta);
        }
        Interest::always()
    }

    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        // The monitor in effect where the span is created: a scope's, kept
        // now; else this layer's or the global one, taken at the first
        // enter (so most spans cost nothing here).
        if self.monitor.is_some() {
            return;
        }
        let Some(recorder) = local::routed() else { return };
        let Some(span) = ctx.span(id) else { return };
        span.extensions_mut().insert(Timing::new(recorder, self.site(attrs.metadata())));
    }

    fn on_enter(&self, id: &Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let mut extensions = span.extensions_mut();
        match extensions.get_mut::<Timing>() {
            Some(t) => t.enter(),
            None => {
                let recorder = match &self.monitor {
                    Some(m) => m.recorder(),
                    None => local::global(),
                };
                let mut t = Timing::new(recorder, self.site(span.metadata()));
                t.enter();
                extensions.insert(t);
            }
        }
    }

    fn on_exit(&self, id: &Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let mut extensions = span.extensions_mut();
        if let Some(t) = extensions.get_mut::<Timing>() {
            t.exit();
        }
    }

    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(&id) else { return };
        let Some(t) = span.extensions_mut().remove::<Timing>() else { return };
        t.close();
    }
}
