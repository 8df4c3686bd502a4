//! The figures a monitor's findings compare stages against, kept per monitor
//! and read when a report is built.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// The slow-stage floor a monitor starts with: none. How many items a
/// second a stage should manage depends on its work (a stage that waits on
/// a paid model call does a few; one that parses lines, millions), so the
/// `slow_stage` finding is raised only against a floor the user sets with
/// `Config::stage_min_items_per_sec`.
const NO_FLOOR: f64 = 0.0;

/// The default threshold of the stage-memory finding: stages whose memory
/// efficiency is under this are a finding. A monitor's own threshold is set
/// with `Config::stage_efficiency_threshold`.
pub const STAGE_EFFICIENCY_THRESHOLD: f64 = 70.0;

/// What a floor of items per second may be.
pub(crate) const FLOOR_ALLOWED: &str = "a number of items per second, 0 or more";
/// What an efficiency threshold may be.
pub(crate) const EFFICIENCY_ALLOWED: &str = "a number from 0 to 100";

/// Whether `floor` can be a slow-stage floor: finite and not negative.
pub(crate) fn floor_is_valid(floor: f64) -> bool {
    floor.is_finite() && floor >= 0.0
}

/// Whether `threshold` can be an efficiency threshold: 0 to 100.
pub(crate) fn efficiency_is_valid(threshold: f64) -> bool {
    (0.0..=100.0).contains(&threshold)
}

/// What a memory growth threshold may be.
pub(crate) const GROWTH_ALLOWED: &str =
    "a number of bytes per minute above 0, or text such as \"8MiB\" or \"500KiB\"";
/// What a module-component depth may be.
pub(crate) const DEPTH_ALLOWED: &str = "a whole number of module path segments, 0 to 16";

/// The most module path segments a default component keeps.
pub(crate) const MAX_COMPONENT_DEPTH: usize = 16;

/// One reading of a monitor's thresholds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Thresholds {
    /// Items per second under which a stage is slow (0: no floor, the
    /// default).
    pub(crate) stage_min_items_per_sec: f64,
    /// Memory efficiency under which a stage is a finding.
    pub(crate) stage_efficiency_threshold: f64,
    /// The slow-call threshold of operations that set none (0: none).
    pub(crate) default_slow_ns: u64,
    /// Steady memory growth, in bytes per minute, at which the growth
    /// finding is raised (0: whenever growth is steady and large enough).
    pub(crate) memory_growth_per_min: u64,
    /// How many leading module path segments name the component of an
    /// operation that has none (0: none).
    pub(crate) module_components: usize,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            stage_min_items_per_sec: NO_FLOOR,
            stage_efficiency_threshold: STAGE_EFFICIENCY_THRESHOLD,
            default_slow_ns: 0,
            memory_growth_per_min: 0,
            module_components: 0,
        }
    }
}

/// A monitor's thresholds, set from any thread (the floats as bits).
pub(crate) struct SharedThresholds {
    floor: AtomicU64,
    efficiency: AtomicU64,
    slow: AtomicU64,
    growth: AtomicU64,
    depth: AtomicU64,
}

impl SharedThresholds {
    pub(crate) const fn new() -> SharedThresholds {
        SharedThresholds {
            floor: AtomicU64::new(NO_FLOOR.to_bits()),
            efficiency: AtomicU64::new(STAGE_EFFICIENCY_THRESHOLD.to_bits()),
            slow: AtomicU64::new(0),
            growth: AtomicU64::new(0),
            depth: AtomicU64::new(0),
        }
    }

    // Relaxed: each value stands alone and is read when a report is built;
    // nothing else is published through it.
    pub(crate) fn get(&self) -> Thresholds {
        Thresholds {
            stage_min_items_per_sec: f64::from_bits(self.floor.load(Relaxed)),
            stage_efficiency_threshold: f64::from_bits(self.efficiency.load(Relaxed)),
            default_slow_ns: self.slow.load(Relaxed),
            memory_growth_per_min: self.growth.load(Relaxed),
            module_components: self.depth.load(Relaxed) as usize,
        }
    }

    /// Sets the default slow-call threshold (0: none).
    pub(crate) fn set_default_slow_ns(&self, nanos: u64) {
        self.slow.store(nanos, Relaxed);
    }

    /// Sets the memory growth threshold in bytes per minute.
    pub(crate) fn set_memory_growth_per_min(&self, bytes: u64) {
        self.growth.store(bytes, Relaxed);
    }

    /// Sets how many module path segments name a default component.
    pub(crate) fn set_module_components(&self, depth: usize) {
        self.depth.store(depth as u64, Relaxed);
    }

    /// Sets the slow-stage floor; the caller checked it with [`floor_is_valid`].
    pub(crate) fn set_stage_min_items_per_sec(&self, floor: f64) {
        self.floor.store(floor.to_bits(), Relaxed);
    }

    /// Sets the efficiency threshold; the caller checked it with
    /// [`efficiency_is_valid`].
    pub(crate) fn set_stage_efficiency_threshold(&self, threshold: f64) {
        self.efficiency.store(threshold.to_bits(), Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_start_at_the_defaults_and_keep_what_is_set() {
        let t = SharedThresholds::new();
        assert_eq!(t.get(), Thresholds::default());
        t.set_stage_min_items_per_sec(12.5);
        t.set_stage_efficiency_threshold(40.0);
        assert_eq!(t.get().stage_min_items_per_sec, 12.5);
        assert_eq!(t.get().stage_efficiency_threshold, 40.0);
        t.set_default_slow_ns(5_000);
        t.set_memory_growth_per_min(1 << 20);
        t.set_module_components(2);
        let read = t.get();
        assert_eq!(
            (read.default_slow_ns, read.memory_growth_per_min, read.module_components),
            (5_000, 1 << 20, 2)
        );
    }

    #[test]
    fn only_sensible_values_are_valid() {
        assert!(floor_is_valid(0.0) && floor_is_valid(1e9));
        assert!(
            !floor_is_valid(-1.0) && !floor_is_valid(f64::NAN) && !floor_is_valid(f64::INFINITY)
        );
        assert!(efficiency_is_valid(0.0) && efficiency_is_valid(100.0));
        assert!(
            !efficiency_is_valid(100.5)
                && !efficiency_is_valid(-0.1)
                && !efficiency_is_valid(f64::NAN)
        );
    }
}
