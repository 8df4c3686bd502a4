//! The `tracing` bridge (feature `tracing`): [`MonitorLayer`], a
//! `tracing_subscriber` layer that records every closed span as an
//! operation of a monitor, beside the `#[monitor]` functions.
//!
//! Each span callsite gets one operation (named after the span, its
//! component the span's target), created once when `tracing` registers the
//! callsite. A span's call runs from its first enter to its close: each
//! enter to exit is busy time, timed like a sync call, so a monitored
//! function called inside it is its child and its busy time is its
//! parent's child; the time it is not entered is waiting, as for a future
//! between polls (`operations[..].polling`: its polls are its enters).

use crate::monitor::Monitor;
use crate::record::callsite::Callsite;
use crate::record::guard::{Active, Framing};
use crate::record::{clock, nesting};
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

/// A span's call so far, kept in the span's extensions.
struct Timing {
    monitor: Monitor,
    site: &'static Callsite,
    /// From the first enter; `None` before it, or when the monitor is off.
    active: Option<Active>,
    started: bool,
    busy_ns: u64,
    enters: u64,
    /// The running enter's clock and self-time mark.
    entered: Option<(u64, u64)>,
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
        let Some(span) = ctx.span(id) else { return };
        let timing = Timing {
            monitor: self.monitor.clone().unwrap_or_else(crate::current),
            site: self.site(attrs.metadata()),
            active: None,
            started: false,
            busy_ns: 0,
            enters: 0,
            entered: None,
        };
        span.extensions_mut().insert(timing);
    }

    fn on_enter(&self, id: &Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let mut extensions = span.extensions_mut();
        let Some(t) = extensions.get_mut::<Timing>() else { return };
        let now = if t.started {
            clock::now()
        } else {
            t.started = true;
            t.active = Active::start(t.monitor.recorder(), t.site, Framing::None);
            // The call's own start reading is the first enter's.
            match &t.active {
                Some(active) if active.is_timed() => active.started_at(),
                _ => clock::now(),
            }
        };
        if t.active.is_some() {
            t.enters += 1;
            t.entered = Some((now, nesting::mark()));
        }
    }

    fn on_exit(&self, id: &Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let mut extensions = span.extensions_mut();
        let Some(t) = extensions.get_mut::<Timing>() else { return };
        let (Some(active), Some((since, mark))) = (&mut t.active, t.entered.take()) else {
            return;
        };
        let busy = clock::nanos_between(since, clock::now());
        t.busy_ns = t.busy_ns.wrapping_add(busy);
        // This enter ends like a sync call: its children's time is its
        // callees', and its own busy time goes to whatever it ran inside.
        active.add_children(nesting::close(mark, busy));
    }

    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(&id) else { return };
        let Some(t) = span.extensions_mut().remove::<Timing>() else { return };
        if let Some(active) = t.active {
            active.finish_span(t.busy_ns, t.enters);
        }
    }
}
