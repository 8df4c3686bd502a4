//! Counters under reserved names, for figures kept per name (API spend per
//! model, lookups per cache) as custom counters: per thread, no lock to add
//! to, a session's share the difference of two readings. A name starts with
//! a NUL byte, which no counter a user names in code holds by accident, and
//! the report takes them back out of its counters.
//!
//! Each family also bounds the names it keeps apart per monitor.

use crate::record::sync::lock;
use std::sync::Mutex;

/// The most bytes of a name kept.
const MAX_NAME: usize = 128;

/// `{prefix}{name}\0{field}`, the counter name of one figure of `name`.
pub(crate) fn counter_name(prefix: &str, name: &str, field: &str) -> String {
    format!("{prefix}{name}\0{field}")
}

/// The name and field a counter of the family `prefix` stands for, or
/// `None` for any other counter.
pub(crate) fn parse<'a>(prefix: &str, counter: &'a str) -> Option<(&'a str, &'a str)> {
    counter.strip_prefix(prefix)?.rsplit_once('\0')
}

/// The names one monitor keeps apart in one family: at most `max`, later
/// ones under `other`.
#[derive(Debug)]
pub(crate) struct BoundedNames {
    known: Mutex<Vec<String>>,
    max: usize,
    other: &'static str,
    blank: &'static str,
}

impl BoundedNames {
    pub(crate) const fn new(max: usize, other: &'static str, blank: &'static str) -> BoundedNames {
        BoundedNames { known: Mutex::new(Vec::new()), max, other, blank }
    }

    /// `name` as it is counted: trimmed, cut to a bound, blank as the
    /// family's blank name, and its `other` once `max` others are known.
    pub(crate) fn admit(&self, name: &str) -> String {
        let mut name = name.trim();
        if name.is_empty() {
            name = self.blank;
        }
        let mut cut = name.len().min(MAX_NAME);
        while !name.is_char_boundary(cut) {
            cut -= 1;
        }
        let name = &name[..cut];
        let mut known = lock(&self.known);
        if !known.iter().any(|k| k == name) {
            if known.len() >= self.max {
                return self.other.to_owned();
            }
            known.push(name.to_owned());
        }
        name.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_read_back_and_other_counters_are_left_alone() {
        let name = counter_name("\0x\0", "a\0b", "calls");
        assert_eq!(parse("\0x\0", &name), Some(("a\0b", "calls")));
        assert_eq!(parse("\0x\0", "user counter"), None);
        assert_eq!(parse("\0y\0", &name), None);
    }

    #[test]
    fn blank_long_and_late_names_are_bounded() {
        let names = BoundedNames::new(3, "(others)", "unknown");
        assert_eq!(names.admit("  "), "unknown");
        let long = "é".repeat(100);
        let kept = names.admit(&long);
        assert!(kept.len() <= MAX_NAME && long.starts_with(&kept));
        assert_eq!(names.admit("c"), "c");
        assert_eq!(names.admit("d"), "(others)");
        assert_eq!(names.admit("c"), "c", "known names stay apart");
    }
}
