//! Per-function static callsites and the process-wide registry that hands each
//! one a dense slot index on its first call.
//!
//! `#[monitor]` puts one `static Callsite` in every instrumented function. The
//! per-call cost of finding the function's slot is one `Relaxed` load of the
//! cached index; registration (a lock and a small allocation) runs once per
//! callsite on a `#[cold]` path. Manual operations ([`crate::Monitor::start_operation`])
//! are named at run time and get a leaked callsite of their own, once per
//! distinct name.

use once_cell::sync::Lazy;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;

/// The most callsites a process can register; later ones are counted as
/// dropped and reported, not recorded.
pub const MAX_CALLSITES: usize = 8192;

const UNREGISTERED: u32 = 0;
const OVERFLOW: u32 = u32::MAX;

/// Static description of one instrumented function, built from literals by
/// `#[monitor]` (so it is legal inside generic functions).
///
/// Not meant to be built by hand; see [`crate::Monitor::start_operation`] for
/// code that cannot be annotated.
#[derive(Debug)]
pub struct Callsite {
    name: Option<&'static str>,
    fn_name: &'static str,
    module_path: &'static str,
    file: &'static str,
    line: u32,
    slow_ns: u64,
    kind: OperationKind,
    /// 0 until registered, then slot index + 1; `OVERFLOW` past the limit.
    id: AtomicU32,
}

/// What the registry knows of a callsite, as the report shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SiteInfo {
    pub(crate) name: String,
    pub(crate) module_path: String,
    pub(crate) file: String,
    pub(crate) line: u32,
    pub(crate) slow_ns: Option<u64>,
    pub(crate) kind: OperationKind,
}

/// What kind of code an operation is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OperationKind {
    /// A synchronous function: its time is the thread's time in it.
    #[default]
    Sync,
    /// An `async fn` or returned future: its time is wall time from first poll
    /// to completion, waiting included.
    Async,
    /// A manual operation ([`crate::Monitor::start_operation`]).
    Manual,
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
            module_path,
            file,
            line,
            slow_ns: 0,
            kind: OperationKind::Sync,
            id: AtomicU32::new(UNREGISTERED),
        }
    }

    /// The name the report shows (`#[monitor("name")]`).
    #[doc(hidden)]
    pub const fn named(mut self, name: &'static str) -> Callsite {
        self.name = Some(name);
        self
    }

    /// Calls at least this long are counted as slow (`#[monitor(slow = "10ms")]`).
    #[doc(hidden)]
    pub const fn slow_ns(mut self, nanos: u64) -> Callsite {
        self.slow_ns = nanos;
        self
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
    pub(crate) fn slot(&'static self, self_type: Option<SelfType>) -> Option<u32> {
        match self.registered_slot() {
            Some(slot) => Some(slot),
            None => self.register(self_type),
        }
    }

    /// The slot index if the callsite is registered; `None` before its first
    /// call and once [`MAX_CALLSITES`] was reached (then [`Callsite::slot`]
    /// says which).
    #[inline(always)]
    pub(crate) fn registered_slot(&self) -> Option<u32> {
        // Relaxed: the index is the only datum published; the metadata it
        // stands for is static or read under the registry's lock.
        match self.id.load(Ordering::Relaxed) {
            UNREGISTERED | OVERFLOW => None,
            id => Some(id - 1),
        }
    }

    #[cold]
    #[inline(never)]
    fn register(&'static self, self_type: Option<SelfType>) -> Option<u32> {
        let mut registry = lock_registry();
        match self.id.load(Ordering::Relaxed) {
            UNREGISTERED => {}
            OVERFLOW => return None,
            id => return Some(id - 1),
        }
        let info = SiteInfo {
            name: self.display_name(self_type),
            module_path: self.module_path.to_owned(),
            file: self.file.to_owned(),
            line: self.line,
            slow_ns: (self.slow_ns > 0).then_some(self.slow_ns),
            kind: self.kind,
        };
        let slot = registry.push(info);
        self.id.store(slot.map_or(OVERFLOW, |s| s + 1), Ordering::Relaxed);
        slot
    }

    fn display_name(&self, self_type: Option<SelfType>) -> String {
        if let Some(name) = self.name {
            return name.to_owned();
        }
        // A method's path includes its type: `Users::get`, not `get`.
        let function = match self_type {
            Some(type_name) => format!("{}::{}", short_type_name(type_name()), self.fn_name),
            None => self.fn_name.to_owned(),
        };
        // `module_path!()` starts with the crate's name; users think in paths
        // inside their crate, so `app::parse`, not `my_crate::app::parse`.
        match self.module_path.split_once("::") {
            Some((_, inner)) => format!("{inner}::{function}"),
            None => function,
        }
    }
}

/// `std::any::type_name::<Self>` of a method's type, called only when the
/// callsite registers.
pub type SelfType = fn() -> &'static str;

/// `my_crate::app::Users<u8>` → `Users`: the name a reader knows the type by.
fn short_type_name(full: &str) -> &str {
    let base = full.split('<').next().unwrap_or(full);
    base.rsplit("::").next().unwrap_or(base)
}

#[derive(Default)]
struct Registry {
    sites: Vec<SiteInfo>,
    /// Manual operations by name, so each name registers once.
    manual: HashMap<String, &'static Callsite>,
    dropped: u64,
}

impl Registry {
    fn push(&mut self, info: SiteInfo) -> Option<u32> {
        if self.sites.len() >= MAX_CALLSITES {
            self.dropped += 1;
            return None;
        }
        self.sites.push(info);
        Some(self.sites.len() as u32 - 1)
    }
}

static REGISTRY: Lazy<Mutex<Registry>> = Lazy::new(Default::default);

fn lock_registry() -> std::sync::MutexGuard<'static, Registry> {
    // Nothing panics while holding this lock, but a poisoned registry must
    // never stop monitoring: the data is still consistent.
    REGISTRY.lock().unwrap_or_else(|e| e.into_inner())
}

/// Refused manual names remembered so repeats are not counted again.
const REFUSED_NAMES_KEPT: usize = 1024;

/// Where manual operations go once the registry is full: never recorded.
static OVERFLOWED: Callsite =
    Callsite::new("<overflow>", "manual", "<manual>", 0).manual().refused();

/// The callsite for a manual operation's name, created once per name.
pub(crate) fn manual(name: &str) -> &'static Callsite {
    let mut registry = lock_registry();
    if let Some(site) = registry.manual.get(name) {
        return site;
    }
    if registry.sites.len() >= MAX_CALLSITES {
        // Remember refused names (boundedly) so each is counted once, as a
        // static callsite refused at registration is.
        registry.dropped += 1;
        if registry.manual.len() < MAX_CALLSITES + REFUSED_NAMES_KEPT {
            registry.manual.insert(name.to_owned(), &OVERFLOWED);
        }
        return &OVERFLOWED;
    }
    let leaked: &'static str = Box::leak(name.to_owned().into_boxed_str());
    let site: &'static Callsite =
        Box::leak(Box::new(Callsite::new(leaked, "manual", "<manual>", 0).named(leaked).manual()));
    registry.manual.insert(name.to_owned(), site);
    site
}

/// Metadata of every registered callsite, indexed by slot.
pub(crate) fn sites() -> Vec<SiteInfo> {
    lock_registry().sites.clone()
}

/// Callsites refused because the registry was full.
pub(crate) fn dropped() -> u64 {
    lock_registry().dropped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_callsite_registers_once_and_keeps_its_index() {
        static SITE: Callsite = Callsite::new("parse", "my_crate::app", "src/app.rs", 7);
        let first = SITE.slot(None).unwrap();
        assert_eq!(SITE.slot(None), Some(first));
        // `sites()` after registering: other tests register concurrently.
        let info = &sites()[first as usize];
        assert_eq!(info.name, "app::parse");
        assert_eq!((info.file.as_str(), info.line), ("src/app.rs", 7));
    }

    #[test]
    fn an_explicit_name_wins_and_a_root_function_has_no_prefix() {
        static NAMED: Callsite = Callsite::new("f", "c::m", "f.rs", 1).named("load");
        static ROOT: Callsite = Callsite::new("main_fn", "c", "f.rs", 2);
        let (named, root) = (NAMED.slot(None).unwrap(), ROOT.slot(None).unwrap());
        assert_eq!(sites()[named as usize].name, "load");
        assert_eq!(sites()[root as usize].name, "main_fn");
    }

    #[test]
    fn a_method_is_named_after_its_type() {
        static GET: Callsite = Callsite::new("get", "c::store", "f.rs", 3);
        fn users() -> &'static str {
            "c::store::Users<alloc::string::String>"
        }
        let slot = GET.slot(Some(users)).unwrap();
        assert_eq!(sites()[slot as usize].name, "store::Users::get");
    }

    #[test]
    fn manual_names_share_one_callsite() {
        let a = manual("callsite-test-manual");
        let b = manual("callsite-test-manual");
        assert!(std::ptr::eq(a, b));
        assert_eq!(a.slot(None), b.slot(None));
    }
}
