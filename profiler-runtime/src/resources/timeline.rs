//! A session's memory readings, bounded: when the timeline is full, every
//! two neighbouring points merge into one (their mean and their maximum) and
//! each later point stands for twice as many readings, so a session of any
//! length keeps at most [`TIMELINE_POINTS`] points evenly spread over it.
//! The start, the end and the exact peak are kept apart from the points.

/// The most points a timeline keeps.
pub const TIMELINE_POINTS: usize = 240;

/// One point: `readings` consecutive readings from `at_ns` on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Point {
    pub(crate) at_ns: u64,
    pub(crate) mean_bytes: u64,
    pub(crate) max_bytes: u64,
}

/// Readings gathered into points.
#[derive(Clone, Debug, Default)]
pub(crate) struct Timeline {
    points: Vec<Point>,
    /// Readings per point, a power of two.
    stride: u64,
    /// The readings of the point being filled: count, sum, max, first time.
    open: (u64, u128, u64, u64),
    pub(crate) readings: u64,
    pub(crate) first: Option<(u64, u64)>,
    pub(crate) last: Option<(u64, u64)>,
    /// The highest reading and when.
    pub(crate) peak: Option<(u64, u64)>,
    /// The highest live heap the readings saw (with the counting allocator).
    pub(crate) heap_peak: Option<u64>,
}

impl Timeline {
    pub(crate) fn new() -> Timeline {
        Timeline { stride: 1, ..Timeline::default() }
    }

    /// Notes the live heap at a reading (with the counting allocator).
    pub(crate) fn note_heap(&mut self, live_bytes: u64) {
        self.heap_peak = Some(self.heap_peak.map_or(live_bytes, |p| p.max(live_bytes)));
    }

    /// Adds the reading `bytes` taken `at_ns` after the session started.
    pub(crate) fn push(&mut self, at_ns: u64, bytes: u64) {
        self.readings += 1;
        self.first.get_or_insert((at_ns, bytes));
        self.last = Some((at_ns, bytes));
        if self.peak.is_none_or(|(_, peak)| bytes > peak) {
            self.peak = Some((at_ns, bytes));
        }
        let (count, sum, max, start) = &mut self.open;
        if *count == 0 {
            *start = at_ns;
        }
        *count += 1;
        *sum += u128::from(bytes);
        *max = (*max).max(bytes);
        if *count == self.stride.max(1) {
            let point = Point {
                at_ns: *start,
                mean_bytes: (*sum / u128::from(*count)) as u64,
                max_bytes: *max,
            };
            self.open = (0, 0, 0, 0);
            self.points.push(point);
            if self.points.len() >= TIMELINE_POINTS {
                self.halve();
            }
        }
    }

    /// Merges neighbouring points; later points cover twice the readings.
    fn halve(&mut self) {
        self.points = self
            .points
            .chunks(2)
            .map(|pair| match pair {
                [a, b] => Point {
                    at_ns: a.at_ns,
                    mean_bytes: ((u128::from(a.mean_bytes) + u128::from(b.mean_bytes)) / 2) as u64,
                    max_bytes: a.max_bytes.max(b.max_bytes),
                },
                [a] => *a,
                _ => unreachable!("chunks of two"),
            })
            .collect();
        self.stride = self.stride.max(1) * 2;
    }

    /// The points, with the one being filled (if any) at the end.
    pub(crate) fn points(&self) -> Vec<Point> {
        let mut points = self.points.clone();
        let (count, sum, max, start) = self.open;
        if count > 0 {
            points.push(Point {
                at_ns: start,
                mean_bytes: (sum / u128::from(count)) as u64,
                max_bytes: max,
            });
        }
        points
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_session_stays_bounded_and_keeps_its_peak() {
        let mut t = Timeline::new();
        for i in 0..100_000u64 {
            let bytes = if i == 77_777 { 9_000 } else { 1_000 + i % 10 };
            t.push(i * 1_000, bytes);
        }
        let points = t.points();
        assert!(
            points.len() <= TIMELINE_POINTS && points.len() > TIMELINE_POINTS / 2,
            "{}",
            points.len()
        );
        assert_eq!(t.peak, Some((77_777_000, 9_000)));
        assert_eq!(points.iter().map(|p| p.max_bytes).max(), Some(9_000));
        assert_eq!(
            (t.first, t.last, t.readings),
            (Some((0, 1_000)), Some((99_999_000, 1_009)), 100_000)
        );
        // Evenly spread: the points' start times rise by one stride each.
        let gaps: Vec<u64> = points.windows(2).map(|w| w[1].at_ns - w[0].at_ns).collect();
        assert!(gaps[..gaps.len() - 1].windows(2).all(|g| g[0] == g[1]), "{gaps:?}");
    }

    #[test]
    fn a_short_session_keeps_every_reading() {
        let mut t = Timeline::new();
        for i in 0..10 {
            t.push(i, 100 + i);
        }
        let means: Vec<u64> = t.points().iter().map(|p| p.mean_bytes).collect();
        assert_eq!(means, (100..110).collect::<Vec<_>>());
    }
}
