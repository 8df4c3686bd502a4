//! Lookups per cache name, kept as custom counters under reserved names the
//! way API spend per model is (see `api_models`): per thread, no lock to add
//! to, a session's share the difference of two readings. The report takes
//! them out of the counters into `cache.caches`.
//!
//! The names start with a NUL byte, which no counter a user names in code
//! holds by accident. At most [`MAX_CACHE_NAMES`] distinct names are kept
//! apart by a monitor; later ones are counted under [`OTHER_CACHES`].

use super::reserved::{self, BoundedNames};
use crate::record::shards::counter::Counter;

/// The most distinct cache names a monitor keeps apart; lookups in caches
/// named later count under [`OTHER_CACHES`].
pub const MAX_CACHE_NAMES: usize = 64;

/// Where lookups in caches past [`MAX_CACHE_NAMES`] are counted.
pub const OTHER_CACHES: &str = "(other caches)";

const PREFIX: &str = "\0cache\0";

/// One per-name figure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Field {
    Hits,
    Misses,
    Evictions,
    Expirations,
}

impl Field {
    pub(crate) const ALL: [Field; 4] =
        [Field::Hits, Field::Misses, Field::Evictions, Field::Expirations];

    fn as_str(self) -> &'static str {
        match self {
            Field::Hits => "hits",
            Field::Misses => "misses",
            Field::Evictions => "evictions",
            Field::Expirations => "expirations",
        }
    }
}

/// The counter name of `field` of cache `name`.
pub(crate) fn counter_name(name: &str, field: Field) -> String {
    reserved::counter_name(PREFIX, name, field.as_str())
}

/// The cache and field a counter name stands for, or `None` for any other
/// counter.
pub(crate) fn parse(name: &str) -> Option<(&str, Field)> {
    let (cache, field) = reserved::parse(PREFIX, name)?;
    Some((cache, Field::ALL.into_iter().find(|f| f.as_str() == field)?))
}

/// The cache names a monitor keeps apart.
pub(crate) const fn cache_names() -> BoundedNames {
    BoundedNames::new(MAX_CACHE_NAMES, OTHER_CACHES, "unnamed")
}

/// One cache name's counters in one monitor, taken once so that a lookup
/// adds to them with no name lookup.
// Only `MonitoredCache` reads them, which is behind the `cache` feature.
#[cfg_attr(not(feature = "cache"), allow(dead_code))]
#[derive(Clone, Copy, Debug)]
pub(crate) struct CacheCounters {
    pub(crate) hits: Counter,
    pub(crate) misses: Counter,
    pub(crate) evictions: Counter,
    pub(crate) expirations: Counter,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_read_back_and_other_counters_are_left_alone() {
        for field in Field::ALL {
            let name = counter_name("users\0odd", field);
            assert_eq!(parse(&name), Some(("users\0odd", field)));
        }
        assert_eq!(parse("cache.hits"), None);
        assert_eq!(parse("\0cache\0users\0bogus"), None);
        assert_eq!(parse("\0api\0users\0hits"), None, "an API model's counter is not a cache's");
    }

    #[test]
    fn blank_names_are_unnamed_and_their_number_is_bounded() {
        let names = cache_names();
        assert_eq!(names.admit(" "), "unnamed");
        for i in 1..MAX_CACHE_NAMES {
            assert_eq!(names.admit(&format!("c{i}")), format!("c{i}"));
        }
        assert_eq!(names.admit("one too many"), OTHER_CACHES);
        assert_eq!(names.admit("c2"), "c2", "known names stay apart");
    }
}
