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
//!
//! A span's timing is kept by the layer, not in the registry's span
//! extensions: a thread holds the spans it created or entered last
//! ([`held`]), so a span's callbacks look nothing up in the registry.

mod held;
mod timing;

use self::held::{address, Found, Threads, WordMap};
use self::timing::Timing;
use crate::monitor::Monitor;
use crate::record::shards::local;
use crate::record::shards::recorder::Recorder;
use crate::record::sites::callsite::Callsite;
use std::fmt;
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
    sites: RwLock<WordMap<&'static Callsite>>,
    /// Each thread's open spans.
    threads: Threads,
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
        MonitorLayer::routing_to(None)
    }

    /// Records every span into `monitor`.
    pub fn with_monitor(monitor: &Monitor) -> MonitorLayer {
        MonitorLayer::routing_to(Some(monitor.clone()))
    }

    fn routing_to(monitor: Option<Monitor>) -> MonitorLayer {
        MonitorLayer { monitor, sites: RwLock::default(), threads: Threads::default() }
    }

    /// The recorder of a span created here and now.
    fn recorder_here(&self) -> &'static Recorder {
        match &self.monitor {
            Some(m) => m.recorder(),
            None => local::routed().unwrap_or_else(local::global),
        }
    }

    /// The callsite of span callsite `meta`, made (and leaked: callsites
    /// are as many as the spans written in code) on first sight.
    fn site(&self, meta: &'static Metadata<'static>) -> &'static Callsite {
        let key = address(meta);
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

    /// A span entered on a thread that does not hold it: taken over, left
    /// to the thread that has it entered, or timed from now.
    #[cold]
    #[inline(never)]
    fn enter_elsewhere<S>(&self, id: &Id, ctx: &Context<'_, S>)
    where
        S: Subscriber + for<'a> LookupSpan<'a>,
    {
        let key = id.into_u64();
        // Held until the span is in this thread's table.
        let (_moving, found) = self.threads.take_over(key);
        let t = match found {
            Found::Taken(t) => t,
            Found::Entered => {
                self.threads.mine().held.foreign.push(key);
                return;
            }
            // Not entered yet, or its creation unseen: its call starts now.
            Found::Nowhere => {
                let Some(span) = ctx.span(id) else { return };
                Timing::new(self.recorder_here(), self.site(span.metadata()))
            }
        };
        self.threads.mine().held.open.insert(key, t).enter();
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

    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, _ctx: Context<'_, S>) {
        let key = id.into_u64();
        let meta = attrs.metadata();
        // The monitor in effect where the span is created: a scope's is
        // kept now, with the span in this thread's table; this layer's or
        // the global one is the same at its first enter, so most spans are
        // only marked fresh, without a lock, until then.
        if let (None, Some(recorder)) = (&self.monitor, local::routed()) {
            let mut mine = self.threads.mine();
            let site = mine.held.site(meta, || self.site(meta));
            mine.held.open.insert(key, Timing::new(recorder, site));
            return;
        }
        self.threads.created(key, meta);
    }

    fn on_enter(&self, id: &Id, ctx: Context<'_, S>) {
        let key = id.into_u64();
        {
            let mut mine = self.threads.mine();
            if let Some(t) = mine.held.open.get_mut(key) {
                t.enter();
                return;
            }
            if let Some(Some(meta)) = mine.take_fresh(&self.threads, key) {
                // Its first enter, on the thread that created it.
                let site = mine.held.site(meta, || self.site(meta));
                mine.held.open.insert(key, Timing::new(self.recorder_here(), site)).enter();
                return;
            }
        }
        self.enter_elsewhere(id, &ctx);
    }

    fn on_exit(&self, id: &Id, _ctx: Context<'_, S>) {
        let key = id.into_u64();
        let mut mine = self.threads.mine();
        if let Some(t) = mine.held.open.get_mut(key) {
            if t.is_entered() {
                t.exit();
                return;
            }
        }
        let foreign = &mut mine.held.foreign;
        if let Some(i) = foreign.iter().rposition(|&f| f == key) {
            foreign.remove(i);
        }
    }

    fn on_close(&self, id: Id, _ctx: Context<'_, S>) {
        let key = id.into_u64();
        // Out of the table before it records: recording takes no lock of ours.
        let timing = {
            let mut mine = self.threads.mine();
            match mine.held.open.remove(key) {
                Some(t) => Some(t),
                // Created here and entered nowhere.
                None if mine.take_fresh(&self.threads, key).is_some() => return,
                None => None,
            }
        };
        let timing = match timing {
            Some(t) => t,
            // Held by the thread that entered it last, if any.
            None => match self.threads.take_over(key).1 {
                Found::Taken(t) => t,
                Found::Entered | Found::Nowhere => return,
            },
        };
        timing.close();
    }
}
