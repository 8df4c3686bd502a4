//! The process-wide table of registered callsites: each one's slot index, its
//! metadata, and the name its report row goes by.
//!
//! Explicit names are the user's and shared on purpose. Default names come
//! with candidates (see [`super::naming`]); a function takes the first one no
//! other function holds, and a candidate two functions wanted goes to
//! neither, so which registered first never decides a name.

use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::sync::{LazyLock, Mutex};

/// The most callsites a process can register; later ones are counted as
/// dropped and reported, not recorded.
pub const MAX_CALLSITES: usize = 8192;

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
    /// A `tracing` span recorded by the bridge (feature `tracing`): its time
    /// is wall time from its first enter to its close; its polls are its
    /// enters.
    Span,
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
    pub(crate) component: Option<String>,
}

/// Where a callsite's name comes from.
pub(crate) enum Names {
    /// Given by the user: shared on purpose by every callsite that gives it.
    Explicit(String),
    /// Drawn from the definition: short, long, then with the file and line.
    Default([String; 3]),
}

#[derive(Default)]
pub(crate) struct Registry {
    sites: Vec<SiteInfo>,
    /// For each default-named slot, its candidates and which one it holds.
    defaults: HashMap<u32, ([String; 3], usize)>,
    /// Every name in use, with the slots that hold it.
    holders: HashMap<String, Vec<u32>>,
    /// Default names two functions wanted: given to neither, nor to any later.
    ambiguous: HashSet<String>,
    dropped: u64,
}

impl Registry {
    pub(crate) fn push(&mut self, info: SiteInfo, names: Names) -> Option<u32> {
        if self.sites.len() >= MAX_CALLSITES {
            self.dropped += 1;
            return None;
        }
        let slot = self.sites.len() as u32;
        self.sites.push(info);
        match names {
            Names::Explicit(name) => {
                // An explicit name is the user's word: a default name that
                // happens to equal it moves on to a longer one.
                let defaults: Vec<u32> = self.default_holders(&name);
                for other in defaults {
                    self.advance(other);
                }
                self.hold(slot, name);
            }
            Names::Default(candidates) => {
                self.defaults.insert(slot, (candidates, 0));
                self.settle(slot, 0);
            }
        }
        Some(slot)
    }

    /// Default-named slots holding `name`.
    fn default_holders(&self, name: &str) -> Vec<u32> {
        let holders = self.holders.get(name).map_or(&[][..], Vec::as_slice);
        holders.iter().copied().filter(|s| self.defaults.contains_key(s)).collect()
    }

    /// Gives default-named `slot` its first free candidate from `from` on. A
    /// candidate another function holds is ambiguous: that function moves on
    /// too, so which of two colliding functions registered first never
    /// decides their names. The last candidate (with file and line) is taken
    /// whatever holds it.
    fn settle(&mut self, slot: u32, from: usize) {
        let candidates = self.defaults[&slot].0.clone();
        for (i, name) in candidates.iter().enumerate().skip(from) {
            let taken = self.holders.get(name).is_some_and(|h| h.iter().any(|&s| s != slot));
            if (!taken && !self.ambiguous.contains(name)) || i == candidates.len() - 1 {
                if let Some(entry) = self.defaults.get_mut(&slot) {
                    entry.1 = i;
                }
                self.hold(slot, name.clone());
                return;
            }
            for other in self.default_holders(name) {
                if other != slot {
                    self.ambiguous.insert(name.clone());
                    self.advance(other);
                }
            }
        }
    }

    /// Moves default-named `slot` off its current name to the next candidate.
    fn advance(&mut self, slot: u32) {
        let Some((candidates, held)) = self.defaults.get(&slot).cloned() else { return };
        if held + 1 >= candidates.len() {
            return;
        }
        if let Some(holders) = self.holders.get_mut(&candidates[held]) {
            holders.retain(|&s| s != slot);
        }
        self.settle(slot, held + 1);
    }

    fn hold(&mut self, slot: u32, name: String) {
        self.sites[slot as usize].name = name.clone();
        let holders = self.holders.entry(name).or_default();
        if !holders.contains(&slot) {
            holders.push(slot);
        }
    }
}

static REGISTRY: LazyLock<Mutex<Registry>> = LazyLock::new(Default::default);

pub(crate) fn lock() -> std::sync::MutexGuard<'static, Registry> {
    // Nothing panics while holding this lock, but a poisoned registry must
    // never stop monitoring: the data is still consistent.
    REGISTRY.lock().unwrap_or_else(|e| e.into_inner())
}

impl Registry {
    /// Whether no more callsites fit.
    pub(crate) fn is_full(&self) -> bool {
        self.sites.len() >= MAX_CALLSITES
    }

    /// Counts a callsite refused because the table is full.
    pub(crate) fn refuse(&mut self) {
        self.dropped += 1;
    }
}

/// Metadata of every registered callsite, indexed by slot.
pub(crate) fn sites() -> Vec<SiteInfo> {
    lock().sites.clone()
}

/// How many callsites are registered (their slots are `0..count()`).
pub(crate) fn count() -> usize {
    lock().sites.len()
}

/// Callsites refused because the registry was full.
pub(crate) fn dropped() -> u64 {
    lock().dropped
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info() -> SiteInfo {
        SiteInfo {
            name: String::new(),
            module_path: "c::m".into(),
            file: "m.rs".into(),
            line: 1,
            slow_ns: None,
            kind: OperationKind::Sync,
            component: None,
        }
    }

    fn default(short: &str, long: &str, line: u32) -> Names {
        Names::Default([short.into(), long.into(), format!("{long} (m.rs:{line})")])
    }

    fn names(r: &Registry) -> Vec<&str> {
        r.sites.iter().map(|s| s.name.as_str()).collect()
    }

    #[test]
    fn two_functions_never_share_a_default_name_whichever_registers_first() {
        for order in [[0, 1, 2], [2, 1, 0], [1, 0, 2]] {
            let sites = [
                default("m::from", "m::<E as From<io::Error>>::from", 1),
                default("m::from", "m::<E as From<fmt::Error>>::from", 2),
                default("m::from", "m::<E as From<String>>::from", 3),
            ];
            let mut r = Registry::default();
            let mut by_line = std::collections::BTreeMap::new();
            for i in order {
                let names = match &sites[i] {
                    Names::Default(c) => Names::Default(c.clone()),
                    Names::Explicit(n) => Names::Explicit(n.clone()),
                };
                let slot = r.push(info(), names).unwrap();
                by_line.insert(i, slot);
            }
            let got: Vec<&str> =
                by_line.values().map(|&s| r.sites[s as usize].name.as_str()).collect();
            assert_eq!(
                got,
                [
                    "m::<E as From<io::Error>>::from",
                    "m::<E as From<fmt::Error>>::from",
                    "m::<E as From<String>>::from"
                ],
                "order {order:?}"
            );
        }
    }

    #[test]
    fn same_long_names_fall_back_to_the_line_and_explicit_names_keep_theirs() {
        let mut r = Registry::default();
        r.push(info(), default("m::new", "m::new", 4));
        r.push(info(), default("m::new", "m::new", 9));
        r.push(info(), Names::Explicit("m::open".into()));
        r.push(info(), default("m::open", "m::Db::open", 12));
        r.push(info(), Names::Explicit("m::open".into()));
        assert_eq!(
            names(&r),
            ["m::new (m.rs:4)", "m::new (m.rs:9)", "m::open", "m::Db::open", "m::open"]
        );
        // A later function wanting a name found ambiguous does not get it either.
        r.push(info(), default("m::new", "m::Other::new", 20));
        assert_eq!(names(&r)[5], "m::Other::new");
    }
}
