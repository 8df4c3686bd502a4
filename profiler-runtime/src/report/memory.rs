//! Memory over a session: the report's [`MemoryStats`] from the sampler's
//! timeline, and what it says: steady growth (a leak's signature) and
//! spikes. Pure functions over the points, tested on constructed series.

use super::{MemoryPoint, MemoryStats};
use crate::resources::timeline::Timeline;

/// Fewer points than this say nothing about a trend.
pub(crate) const MIN_POINTS: usize = 20;
/// How well a straight line must fit for growth to count as steady (R²).
const MIN_FIT: f64 = 0.9;
/// Growth below this (or below 5 % of the level) is not worth a warning.
pub(crate) const MIN_GROWTH_BYTES: f64 = 4.0 * 1024.0 * 1024.0;
/// Points a spike is measured against (the median of those before it).
const SPIKE_WINDOW: usize = 5;
/// A spike is at least this far above the recent level (and at least half of it).
const MIN_SPIKE_BYTES: u64 = 16 << 20;

/// The report's memory section from a sampler's timeline; `None` with no reading.
pub(crate) fn stats(timeline: &Timeline, interval_ms: f64) -> Option<MemoryStats> {
    let (_, start_bytes) = timeline.first?;
    let (_, end_bytes) = timeline.last?;
    let (peak_at_ns, peak_bytes) = timeline.peak?;
    let points = timeline
        .points()
        .into_iter()
        .map(|p| MemoryPoint { at_ns: p.at_ns, mean_bytes: p.mean_bytes, max_bytes: p.max_bytes })
        .collect();
    Some(MemoryStats {
        start_bytes,
        end_bytes,
        peak_bytes,
        peak_at_ns,
        interval_ms,
        readings: timeline.readings,
        timeline: points,
        stages: Vec::new(),
    })
}

/// Memory that rose steadily over the session.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Growth {
    /// The fitted slope.
    pub(crate) bytes_per_min: f64,
    /// When the rise began, from the session's start.
    pub(crate) since_ns: u64,
    pub(crate) from_bytes: u64,
    pub(crate) to_bytes: u64,
}

/// Steady growth: at least [`MIN_POINTS`] points, a straight line that fits
/// them (R² at least 0.9) rising by at least 4 MiB and 5 % of the level, and
/// every quarter of the session higher than the one before (so one step up
/// that then stays level, which a line can fit fairly well, is not growth).
pub(crate) fn steady_growth(points: &[MemoryPoint]) -> Option<Growth> {
    if points.len() < MIN_POINTS {
        return None;
    }
    let xs: Vec<f64> = points.iter().map(|p| p.at_ns as f64 / 1e9).collect();
    let ys: Vec<f64> = points.iter().map(|p| p.mean_bytes as f64).collect();
    let n = xs.len() as f64;
    let (mx, my) = (xs.iter().sum::<f64>() / n, ys.iter().sum::<f64>() / n);
    let sxx: f64 = xs.iter().map(|x| (x - mx).powi(2)).sum();
    let syy: f64 = ys.iter().map(|y| (y - my).powi(2)).sum();
    let sxy: f64 = xs.iter().zip(&ys).map(|(x, y)| (x - mx) * (y - my)).sum();
    if sxx <= 0.0 || syy <= 0.0 {
        return None;
    }
    let slope = sxy / sxx;
    let r2 = sxy * sxy / (sxx * syy);
    let span = xs[xs.len() - 1] - xs[0];
    let growth = slope * span;
    if slope <= 0.0 || r2 < MIN_FIT || growth < MIN_GROWTH_BYTES.max(0.05 * my) {
        return None;
    }
    let quarter = points.len() / 4;
    let means: Vec<f64> = (0..4)
        .map(|q| {
            let part = &ys[q * quarter..if q == 3 { ys.len() } else { (q + 1) * quarter }];
            part.iter().sum::<f64>() / part.len() as f64
        })
        .collect();
    if !means.windows(2).all(|w| w[1] > w[0] + 0.05 * growth) {
        return None;
    }
    // The rise began after the last early point still near the start.
    let first = ys[0];
    let began = ys.iter().position(|&y| y > first + 0.01 * growth).unwrap_or(0).saturating_sub(1);
    Some(Growth {
        bytes_per_min: slope * 60.0,
        since_ns: points[began].at_ns,
        from_bytes: points[0].mean_bytes,
        to_bytes: points[points.len() - 1].mean_bytes,
    })
}

/// A jump far above the recent level that came back down.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Spike {
    pub(crate) at_ns: u64,
    pub(crate) from_bytes: u64,
    pub(crate) to_bytes: u64,
}

/// The largest spike: a point whose highest reading is at least 16 MiB and
/// half again above the median of the [`SPIKE_WINDOW`] points before it,
/// followed within twice that many points by a point back within a quarter
/// of the jump. A jump that stays up is a step, not a spike.
pub(crate) fn largest_spike(points: &[MemoryPoint]) -> Option<Spike> {
    let mut best: Option<Spike> = None;
    for i in SPIKE_WINDOW..points.len() {
        let mut recent: Vec<u64> =
            points[i - SPIKE_WINDOW..i].iter().map(|p| p.mean_bytes).collect();
        recent.sort_unstable();
        let level = recent[SPIKE_WINDOW / 2];
        let top = points[i].max_bytes;
        let jump = top.saturating_sub(level);
        if jump < MIN_SPIKE_BYTES.max(level / 2) {
            continue;
        }
        let after = &points[i + 1..points.len().min(i + 1 + 2 * SPIKE_WINDOW)];
        let fell_back = after.iter().any(|p| p.mean_bytes <= level + jump / 4);
        if fell_back && best.is_none_or(|b| jump > b.to_bytes - b.from_bytes) {
            best = Some(Spike { at_ns: points[i].at_ns, from_bytes: level, to_bytes: top });
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: u64 = 1 << 20;

    /// A series of `n` points 100 ms apart with the given levels.
    fn series(n: usize, level: impl Fn(usize) -> u64) -> Vec<MemoryPoint> {
        (0..n)
            .map(|i| {
                let bytes = level(i);
                MemoryPoint { at_ns: i as u64 * 100_000_000, mean_bytes: bytes, max_bytes: bytes }
            })
            .collect()
    }

    /// Deterministic noise in [-1, 1).
    fn noise(i: usize) -> f64 {
        let x = (i as u64).wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((x >> 33) % 2000) as f64 / 1000.0 - 1.0
    }

    #[test]
    fn flat_memory_says_nothing() {
        let flat = series(200, |_| 100 * MIB);
        assert_eq!(steady_growth(&flat), None);
        assert_eq!(largest_spike(&flat), None);
    }

    #[test]
    fn noisy_but_flat_memory_says_nothing() {
        // ±10 MiB around 100 MiB.
        let noisy = series(300, |i| (100.0 * MIB as f64 + 10.0 * MIB as f64 * noise(i)) as u64);
        assert_eq!(steady_growth(&noisy), None);
        assert_eq!(largest_spike(&noisy), None);
    }

    #[test]
    fn one_step_up_that_stays_is_neither_growth_nor_a_spike() {
        for at in [20, 100, 180] {
            let step = series(200, |i| if i < at { 100 * MIB } else { 300 * MIB });
            assert_eq!(steady_growth(&step), None, "step at {at}");
            assert_eq!(largest_spike(&step), None, "step at {at}");
        }
    }

    #[test]
    fn a_steady_rise_is_growth_with_its_rate() {
        // 100 MiB to 200 MiB over 20 s: 300 MiB/min, with ±2 MiB of noise.
        let rise = series(200, |i| {
            (100.0 * MIB as f64 + i as f64 * 0.5 * MIB as f64 + 2.0 * MIB as f64 * noise(i)) as u64
        });
        let growth = steady_growth(&rise).expect("a steady rise");
        let rate = growth.bytes_per_min / MIB as f64;
        assert!((rate - 300.0).abs() < 10.0, "{rate} MiB/min");
        assert!(growth.since_ns < 2_000_000_000, "began at {}", growth.since_ns);
        assert_eq!(largest_spike(&rise), None);
    }

    #[test]
    fn a_rise_after_a_flat_start_says_when_it_began() {
        let late =
            series(200, |i| if i < 50 { 100 * MIB } else { 100 * MIB + (i as u64 - 50) * MIB });
        let growth = steady_growth(&late).expect("growth in the last three quarters");
        assert!((4_800_000_000..=5_300_000_000).contains(&growth.since_ns), "{}", growth.since_ns);
    }

    #[test]
    fn a_small_rise_is_not_worth_a_warning() {
        let small = series(200, |i| 100 * MIB + i as u64 * 10 * 1024);
        assert_eq!(steady_growth(&small), None);
    }

    #[test]
    fn a_spike_is_found_with_its_time_and_height() {
        let spiky = series(100, |i| match i {
            40 => 400 * MIB,
            70 => 180 * MIB,
            _ => 100 * MIB,
        });
        let spike = largest_spike(&spiky).expect("a spike");
        assert_eq!(
            spike,
            Spike { at_ns: 4_000_000_000, from_bytes: 100 * MIB, to_bytes: 400 * MIB }
        );
        assert_eq!(steady_growth(&spiky), None);
    }

    #[test]
    fn too_few_points_say_nothing_about_a_trend() {
        let short = series(MIN_POINTS - 1, |i| 100 * MIB + i as u64 * 10 * MIB);
        assert_eq!(steady_growth(&short), None);
    }
}
