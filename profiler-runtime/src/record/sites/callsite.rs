//! Per-function static callsites and the process-wide registry that hands each
//! one a dense slot index on its first call.
//!
//! `#[monitor]` puts one `static Callsite` in every instrumented function. The
//! per-call cost of finding the function's slot is one `Relaxed` load of the
//! cached index; registration (a lock and a small allocation) runs once per
//! callsite on a `#[cold]` path. Manual operations ([`crate::Monitor::start_operation`])
//! are named at run time and get a leaked callsite of their own, once per
//! distinct name.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{LazyLock, Mutex};

use super::naming;
use super::registry::{self, Names, OperationKind, SiteInfo, MAX_CALLSITES};
use crate::record::sync::lock;

const UNREGISTERED: u32 = 0;
/// The id bit that marks a sampled callsite (see [`super::sampling`]).
pub(crate) const SAMPLED: u32 = 1 << 31;
const OVERFLOW: u32 = SAMPLED - 1;

/// Static description of one instrumented function, built from literals by
/// `#[monitor]` (so it is legal inside generic functions).
///
/// Not meant to be built by hand; see [`crate::Monitor::start_operation`] for
/// code that cannot be annotated.
#[derive(Debug)]
pub struct Callsite {
    name: Option<&'static str>,
    fn_name: &'static str,
    /// `type_name` of a marker type inside the function: its definition path.
    def_path: Option<DefPath>,
    module_path: &'static str,
    file: &'static str,
    line: u32,
    slow_ns: u64,
    /// `#[monitor(component = "..")]`: the group the report rolls it into.
    component: Option<&'static str>,
    kind: OperationKind,
    /// `sample = N`; 0: follow the process-wide default.
    sample: u32,
    /// 0 until registered, then slot index + 1, plus [`SAMPLED`] while
    /// sampled; `OVERFLOW` past the limit.
    id: AtomicU32,
}

impl Callsite {
    /// A callsite for the function `fn_name`, named by default after its path
    /// without the crate name (`app::parse`). Options are added with the
    /// `const` builder methods below, one per attribute key.
    #[doc(hidden)]
    pub const fn new(
        fn_name: &'static str,
        module_path: &'static str,
        file: &'static str,
        line: u32,
    ) -> Callsite {
        Callsite {
            name: None,
            fn_name,
            def_path: None,
            module_path,
            file,
            line,
            slow_ns: 0,
            component: None,
            kind: OperationKind::Sync,
            sample: 0,
            id: AtomicU32::new(UNREGISTERED),
        }
    }

    /// The name the report shows (`#[monitor("name")]`).
    #[doc(hidden)]
    pub const fn named(mut self, name: &'static str) -> Callsite {
        self.name = Some(name);
        self
    }

    /// Where the function is defined, as the `type_name` of a marker type
    /// declared inside it: the default name is drawn from it, so methods carry
    /// their type and trait impls their trait.
    #[doc(hidden)]
    pub const fn defined_at(mut self, def_path: DefPath) -> Callsite {
        self.def_path = Some(def_path);
        self
    }

    /// Calls at least this long are counted as slow (`#[monitor(slow = "10ms")]`).
    #[doc(hidden)]
    pub const fn slow_ns(mut self, nanos: u64) -> Callsite {
        self.slow_ns = nanos;
        self
    }

    /// Rolls the operation up into `component` in the report
    /// (`#[monitor(component = "storage")]`).
    #[doc(hidden)]
    pub const fn component(mut self, component: &'static str) -> Callsite {
        self.component = Some(component);
        self
    }

    /// Times one call in `rate` on average (`#[monitor(sample = N)]`); 1
    /// times every call whatever the process default says.
    #[doc(hidden)]
    pub const fn sample(mut self, rate: u32) -> Callsite {
        self.sample = if rate == 0 { 1 } else { rate };
        self
    }

    /// The sample rate in effect: the callsite's own, else the process default.
    pub(crate) fn sample_rate(&self) -> u32 {
        match self.sample {
            0 => default_rate(),
            own => own,
        }
    }

    /// The name of a manual operation's callsite.
    pub(crate) fn manual_name(&self) -> &'static str {
        self.name.unwrap_or(self.fn_name)
    }

    /// Marks the callsite as timing a future.
    #[doc(hidden)]
    pub const fn asynchronous(mut self) -> Callsite {
        self.kind = OperationKind::Async;
        self
    }

    /// Marks the callsite as a `tracing` span's.
    #[cfg(feature = "tracing")]
    pub(crate) const fn span(mut self) -> Callsite {
        self.kind = OperationKind::Span;
        self
    }

    const fn manual(mut self) -> Callsite {
        self.kind = OperationKind::Manual;
        self
    }

    /// Marks the callsite as refused by the full registry: never recorded.
    const fn refused(mut self) -> Callsite {
        self.id = AtomicU32::new(OVERFLOW);
        self
    }

    /// The slow-call threshold in nanoseconds, 0 for none.
    #[inline(always)]
    pub(crate) fn slow_threshold(&self) -> u64 {
        self.slow_ns
    }

    /// The callsite's slot index, registering it on first use; `None` once
    /// [`MAX_CALLSITES`] is reached.
    #[inline(always)]
    pub(crate) fn slot(&'static self) -> Option<u32> {
        match self.registered_slot() {
            Some(slot) => Some(slot),
            None => self.register(),
        }
    }

    /// The slot index if the callsite is registered; `None` before its first
    /// call and once [`MAX_CALLSITES`] was reached (then [`Callsite::slot`]
    /// says which).
    #[inline(always)]
    pub(crate) fn registered_slot(&self) -> Option<u32> {
        slot_of(self.raw_id())
    }

    /// The id word: slot index + 1 and the [`SAMPLED`] bit.
    #[inline(always)]
    pub(crate) fn raw_id(&self) -> u32 {
        // Relaxed: the index is the only datum published; the metadata it
        // stands for is static or read under the registry's lock.
        self.id.load(Ordering::Relaxed)
    }

    /// Stores the registered slot, sampled or not. Called under the registry's lock.
    pub(crate) fn publish_slot(&self, slot: u32, sampled: bool) {
        self.id.store((slot + 1) | if sampled { SAMPLED } else { 0 }, Ordering::Relaxed);
    }

    /// Marks a registered callsite sampled or not (a new process default).
    pub(crate) fn mark_sampled(&self, sampled: bool) {
        if let Some(slot) = self.registered_slot() {
            self.publish_slot(slot, sampled);
        }
    }

    #[cold]
    #[inline(never)]
    fn register(&'static self) -> Option<u32> {
        let mut registry = registry::lock();
        match self.id.load(Ordering::Relaxed) {
            UNREGISTERED => {}
            id => return slot_of(id),
        }
        let names = match (self.name, self.def_path) {
            (Some(name), _) => Names::Explicit(name.to_owned()),
            (None, Some(def_path)) => {
                let c = naming::candidates(def_path(), self.module_path);
                let located = format!("{} ({}:{})", c.long, self.file, self.line);
                Names::Default([c.short, c.long, located])
            }
            (None, None) => {
                let plain = naming::plain(self.fn_name, self.module_path);
                let located = format!("{plain} ({}:{})", self.file, self.line);
                Names::Default([plain.clone(), plain, located])
            }
        };
        let info = SiteInfo {
            name: String::new(),
            module_path: self.module_path.to_owned(),
            file: self.file.to_owned(),
            line: self.line,
            slow_ns: (self.slow_ns > 0).then_some(self.slow_ns),
            component: self.component.map(str::to_owned),
            kind: self.kind,
        };
        let slot = registry.push(info, names);
        match slot {
            Some(slot) => {
                // Manual operations are always timed: their durations feed the event log.
                let own = (self.sample != 0 || self.kind == OperationKind::Manual)
                    .then(|| self.sample.max(1));
                publish(self, slot, own);
            }
            None => self.id.store(OVERFLOW, Ordering::Relaxed),
        }
        slot
    }
}

/// The slot index an id word stands for.
#[inline(always)]
pub(crate) fn slot_of(id: u32) -> Option<u32> {
    match id & !SAMPLED {
        UNREGISTERED | OVERFLOW => None,
        id => Some(id - 1),
    }
}

/// The slot index of a callsite that times every call, from its id word;
/// `None` before registration, past the limit, and while it is sampled
/// (one compare for the three).
#[inline(always)]
pub(crate) fn timed_slot(id: u32) -> Option<usize> {
    let index = id.wrapping_sub(1);
    // UNREGISTERED wraps to the top; OVERFLOW and sampled ids are at or past it.
    (index < OVERFLOW - 1).then_some(index as usize)
}

// Which callsites are sampled (see [`super::sampling`] for which calls):
// those with a `sample` of their own, and those that follow the default.

/// The sample rate of callsites without a `sample` of their own; 1: time every call.
static DEFAULT_RATE: AtomicU32 = AtomicU32::new(1);

/// Registered callsites that follow the default, so a new default reaches them.
static FOLLOWERS: Mutex<Vec<&'static Callsite>> = Mutex::new(Vec::new());

/// The process-wide default rate.
pub(crate) fn default_rate() -> u32 {
    DEFAULT_RATE.load(Ordering::Relaxed)
}

/// Sets the default and re-marks every callsite that follows it.
pub(crate) fn set_default_rate(rate: u32) {
    let followers = lock(&FOLLOWERS);
    DEFAULT_RATE.store(rate, Ordering::Relaxed);
    for site in followers.iter() {
        site.mark_sampled(rate > 1);
    }
}

/// Publishes a newly registered callsite's slot, marked sampled or not, under
/// the same lock a new default takes, so neither can miss the other.
fn publish(site: &'static Callsite, slot: u32, own_rate: Option<u32>) {
    let mut followers = lock(&FOLLOWERS);
    let rate = match own_rate {
        Some(rate) => rate,
        None => {
            followers.push(site);
            DEFAULT_RATE.load(Ordering::Relaxed)
        }
    };
    site.publish_slot(slot, rate > 1);
}

/// `core::any::type_name` of a marker type declared inside an instrumented
/// function, called once, when its callsite registers.
pub type DefPath = fn() -> &'static str;

/// Refused manual names remembered so repeats are not counted again.
const REFUSED_NAMES_KEPT: usize = 1024;

/// Where manual operations go once the registry is full: never recorded.
static OVERFLOWED: Callsite =
    Callsite::new("<overflow>", "manual", "<manual>", 0).manual().refused();

/// Manual operations' callsites by name, so each name registers once.
static MANUAL: LazyLock<Mutex<HashMap<String, &'static Callsite>>> =
    LazyLock::new(Default::default);

/// The callsite for a manual operation's name, created once per name, in
/// `component` if given (the first call that creates a name decides it).
pub(crate) fn manual(name: &str, component: Option<&str>) -> &'static Callsite {
    // Lock order: this table, then the registry (which `register` takes alone).
    let mut manual = MANUAL.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(site) = manual.get(name) {
        return site;
    }
    let mut registry = registry::lock();
    if registry.is_full() {
        // Remember refused names (boundedly) so each is counted once, as a
        // static callsite refused at registration is.
        registry.refuse();
        if manual.len() < MAX_CALLSITES + REFUSED_NAMES_KEPT {
            manual.insert(name.to_owned(), &OVERFLOWED);
        }
        return &OVERFLOWED;
    }
    drop(registry);
    let leaked: &'static str = Box::leak(name.to_owned().into_boxed_str());
    let mut site = Callsite::new(leaked, "manual", "<manual>", 0).named(leaked).manual();
    if let Some(component) = component {
        site = site.component(Box::leak(component.to_owned().into_boxed_str()));
    }
    let site: &'static Callsite = Box::leak(Box::new(site));
    manual.insert(name.to_owned(), site);
    site
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_callsite_registers_once_and_keeps_its_index() {
        static SITE: Callsite = Callsite::new("parse", "my_crate::app", "src/app.rs", 7);
        let first = SITE.slot().unwrap();
        assert_eq!(SITE.slot(), Some(first));
        // `sites()` after registering: other tests register concurrently.
        let info = &registry::sites()[first as usize];
        assert_eq!(info.name, "app::parse");
        assert_eq!((info.file.as_str(), info.line), ("src/app.rs", 7));
    }

    #[test]
    fn an_explicit_name_wins_and_a_root_function_has_no_prefix() {
        static NAMED: Callsite = Callsite::new("f", "c::m", "f.rs", 1).named("load");
        static ROOT: Callsite = Callsite::new("main_fn", "c", "f.rs", 2);
        let (named, root) = (NAMED.slot().unwrap(), ROOT.slot().unwrap());
        assert_eq!(registry::sites()[named as usize].name, "load");
        assert_eq!(registry::sites()[root as usize].name, "main_fn");
    }

    #[test]
    fn a_method_is_named_after_its_type() {
        fn path() -> &'static str {
            "c::store::Users<_>::get::__MonitorSite"
        }
        static GET: Callsite = Callsite::new("get", "c::store", "f.rs", 3).defined_at(path);
        let slot = GET.slot().unwrap();
        assert_eq!(registry::sites()[slot as usize].name, "store::Users::get");
    }

    #[test]
    fn manual_names_share_one_callsite() {
        let a = manual("callsite-test-manual", None);
        let b = manual("callsite-test-manual", None);
        assert!(std::ptr::eq(a, b));
        assert_eq!(a.slot(), b.slot());
    }
}
