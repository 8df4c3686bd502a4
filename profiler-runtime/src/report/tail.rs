//! What an operation's call times say about its slowest calls: whether they
//! hold most of its time (a tail worth a claim), and whether its calls fall
//! into two modes whose fast one is a cache's hits (a shape normal by
//! design, not a tail).
//!
//! Everything here is read from the report alone (the histogram, the self
//! time, the cache counters), so a finding built on it quotes figures a
//! reader can check in the same report. The histogram's buckets are within
//! [`MAX_RELATIVE_ERROR`](crate::MAX_RELATIVE_ERROR) of the values they
//! hold, and so are the times summed from them.

use super::escape::sanitize;
use super::text::{count, duration, percent};
use super::{CacheStats, OperationStats, SessionReport};

/// The slowest tenth of the calls is the tail a claim is about: the calls
/// over p90 (the texts say "10%" and "p90").
pub(crate) const TAIL_FRACTION: f64 = 0.10;
/// The share of an operation's time its tail must hold before a finding
/// says its slowest calls dominate: most of it.
pub(crate) const TAIL_MIN_SHARE: f64 = 0.5;
/// A quantile is named only when at least this many calls lie past it
/// (p90 from 100 calls, p99 from 1,000), and a tail is claimed only when
/// at least this many calls carry half of the operation's time.
pub(crate) const CALLS_PAST_QUANTILE: u64 = 10;
/// The fewest timed calls a tail claim is made from: enough for
/// [`CALLS_PAST_QUANTILE`] calls over p90. With fewer, a finding names the
/// slowest call (the maximum), not a quantile.
pub(crate) const TAIL_MIN_CALLS: u64 = 100;
/// A tail claim must hold without the slowest calls of this share of the
/// calls (and at least [`CALLS_PAST_QUANTILE`] of them). A handful of calls
/// stretched by something outside the code (the scheduler running another
/// thread, a page fault, a one-off first call) can hold most of a cheap
/// operation's time: 27 preempted calls of 200,000, 6 ms each, held 59% of
/// a 1 µs function's time in a pipeline run on a loaded machine. That is
/// not a tail of the operation, and its code cannot act on it.
pub(crate) const TAIL_TRIMMED: f64 = 0.01;
/// CPU pressure (see [`ProcessStats::cpu_pressure`](super::ProcessStats))
/// from which the machine is busy: for a quarter of the session or more,
/// some task was ready to run and waited for a CPU. Calls there are
/// stretched by waits for a core, which trimming a few cannot tell from a
/// tail (the quickstart's 1,000 calls of `score_record` had 12 preempted
/// calls of 2 to 6 ms at 73% pressure), so no tail is claimed.
pub(crate) const BUSY_PRESSURE: f64 = 0.25;

/// The session's CPU pressure, if the machine was busy ([`BUSY_PRESSURE`]).
pub(crate) fn busy_machine(report: &SessionReport) -> Option<f64> {
    report.process.as_ref()?.cpu_pressure.filter(|&p| p >= BUSY_PRESSURE)
}

/// Two modes are apart when the slow mode's fastest calls (its 5th
/// percentile) are at least this many times the fast mode's slowest (its
/// 95th): two powers of two with next to nothing between them, which one
/// smooth distribution split anywhere does not give.
pub(crate) const MODE_GAP: f64 = 4.0;
/// Each mode holds at least this share of the calls.
pub(crate) const MODE_MIN_SHARE: f64 = 0.05;
/// The fewest timed calls two modes are read from.
pub(crate) const MODE_MIN_CALLS: u64 = 20;

/// The claim that an operation's slowest calls hold most of its time, with
/// the figures it rests on (see [`tail_claim`]).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct TailClaim {
    /// Timed calls the figures come from.
    pub(crate) calls: u64,
    /// The slowest calls the claim is about: those over p90.
    pub(crate) tail_calls: u64,
    /// The operation's p90.
    pub(crate) p90_ns: u64,
    /// The slowest call.
    pub(crate) max_ns: u64,
    /// The median call.
    pub(crate) median_ns: u64,
    /// The share of the operation's time its tail holds, 0 to 1.
    pub(crate) share: f64,
    /// The slowest calls the claim must hold without ([`TAIL_TRIMMED`]).
    pub(crate) trimmed_calls: u64,
    /// The tail's share of the time without them, 0 to 1.
    pub(crate) trimmed_share: f64,
    /// The tail's time, on the scale of `total_ns` (every call).
    pub(crate) tail_ns: u64,
    /// The operation's time (`OperationStats::total_ns`).
    pub(crate) total_ns: u64,
    /// The time of the monitored calls it made (total less self time),
    /// which could all lie in the tail: the claim holds without it too.
    pub(crate) callees_ns: u64,
}

impl TailClaim {
    /// The claim as a clause: "its slowest 10% of calls (...) held 72.0% of
    /// its time (...)".
    pub(crate) fn describe(&self) -> String {
        let callees = if self.callees_ns > 0 {
            format!(
                "; still {} of its own time if all {} of its monitored callees' time fell in them",
                percent(self.own_share()),
                duration(self.callees_ns)
            )
        } else {
            String::new()
        };
        format!(
            "its slowest 10% of calls ({} over p90 {}, max {}) held {} of its time ({} of {}; \
             median call {}), and {} without its slowest {} calls{callees}",
            count(self.tail_calls),
            duration(self.p90_ns),
            duration(self.max_ns),
            percent(self.share),
            duration(self.tail_ns),
            duration(self.total_ns),
            duration(self.median_ns),
            percent(self.trimmed_share),
            count(self.trimmed_calls)
        )
    }

    /// The tail's share of the operation's own time, with every callee's
    /// time taken out of the tail (the least it can be).
    pub(crate) fn own_share(&self) -> f64 {
        let own_total = self.total_ns.saturating_sub(self.callees_ns);
        if own_total == 0 {
            return 0.0;
        }
        self.tail_ns.saturating_sub(self.callees_ns) as f64 / own_total as f64
    }
}

/// The tail claim for `op`, when it holds: from at least
/// [`TAIL_MIN_CALLS`] timed calls, the calls over p90 hold
/// [`TAIL_MIN_SHARE`] or more of its time; they still do if all the time of
/// its monitored callees lay in them (a tail its callees could account for
/// is theirs; they have rows of their own), and without its slowest few
/// calls ([`TAIL_TRIMMED`]: a tail of the operation, not a few stretched
/// calls). `None` on a busy machine ([`busy_machine`]). `None` as well when the calls fall
/// into two modes whose fast one is a cache's hits ([`cache_modes`]): the
/// slow calls are then the misses, normal by design.
///
/// Read from the histogram (timed calls), so a sampled operation's claim
/// is its timed calls' shape, scaled to its estimated total.
pub(crate) fn tail_claim(report: &SessionReport, op: &OperationStats) -> Option<TailClaim> {
    let buckets = sorted_buckets(op);
    let calls: u64 = buckets.iter().map(|&(_, c)| c).sum();
    let all: f64 = buckets.iter().map(|&(v, c)| v as f64 * c as f64).sum();
    if calls < TAIL_MIN_CALLS || all <= 0.0 || busy_machine(report).is_some() {
        return None;
    }
    // The calls over p90 in the nearest-rank sense, their time, and the
    // time of the slowest few the claim must hold without.
    let tail_calls = calls - ((1.0 - TAIL_FRACTION) * calls as f64).ceil() as u64;
    let trimmed_calls = ((TAIL_TRIMMED * calls as f64).ceil() as u64).max(CALLS_PAST_QUANTILE);
    let (mut seen, mut tail, mut trimmed) = (0u64, 0.0, 0.0);
    for &(value, n) in buckets.iter().rev() {
        tail += value as f64 * n.min(tail_calls.saturating_sub(seen)) as f64;
        trimmed += value as f64 * n.min(trimmed_calls.saturating_sub(seen)) as f64;
        seen += n;
        if seen >= tail_calls.max(trimmed_calls) {
            break;
        }
    }
    let rest = all - trimmed;
    let trimmed_share = if rest > 0.0 { (tail - trimmed).max(0.0) / rest } else { 0.0 };
    let share = tail / all;
    let total_ns = op.total_ns;
    let claim = TailClaim {
        calls,
        tail_calls,
        p90_ns: op.histogram.quantile(1.0 - TAIL_FRACTION).unwrap_or(op.p90_ns),
        // The exact maximum, where the report has it.
        max_ns: if op.max_ns > 0 { op.max_ns } else { buckets.last().map_or(0, |&(v, _)| v) },
        median_ns: op.histogram.quantile(0.5).unwrap_or(op.p50_ns),
        share,
        trimmed_calls,
        trimmed_share,
        tail_ns: (share * total_ns as f64) as u64,
        total_ns,
        callees_ns: total_ns.saturating_sub(op.self_time_ns()),
    };
    let holds = claim.share >= TAIL_MIN_SHARE
        && claim.trimmed_share >= TAIL_MIN_SHARE
        && claim.own_share() >= TAIL_MIN_SHARE;
    (holds && cache_modes(report, op).is_none()).then_some(claim)
}

/// The histogram's buckets as (value, count), fastest first (a report read
/// from elsewhere may list them out of order).
fn sorted_buckets(op: &OperationStats) -> Vec<(u64, u64)> {
    let mut buckets: Vec<(u64, u64)> = op.histogram.buckets().filter(|&(_, c)| c > 0).collect();
    buckets.sort_unstable();
    buckets
}

/// An operation's calls in two modes, fast and slow (see [`modes`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Modes {
    /// Timed calls.
    pub(crate) calls: u64,
    /// Those in the fast mode.
    pub(crate) fast_calls: u64,
    /// The fast mode's median and 95th percentile.
    pub(crate) fast_median_ns: u64,
    /// See `fast_median_ns`.
    pub(crate) fast_p95_ns: u64,
    /// The slow mode's 5th percentile and median.
    pub(crate) slow_p5_ns: u64,
    /// See `slow_p5_ns`.
    pub(crate) slow_median_ns: u64,
    /// The slow mode's share of the calls' time, 0 to 1.
    pub(crate) slow_time_share: f64,
}

impl Modes {
    /// The fast mode's share of the calls.
    pub(crate) fn fast_share(&self) -> f64 {
        self.fast_calls as f64 / self.calls.max(1) as f64
    }
}

/// The split of `op`'s calls into a fast and a slow mode, if they have
/// one: of every split between two of its histogram's buckets that leaves
/// each side [`MODE_MIN_SHARE`] of the calls, the one whose sides lie
/// furthest apart (the slow side's 5th percentile over the fast side's
/// 95th), when that is [`MODE_GAP`] or more.
pub(crate) fn modes(op: &OperationStats) -> Option<Modes> {
    let buckets = sorted_buckets(op);
    let calls: u64 = buckets.iter().map(|&(_, c)| c).sum();
    if calls < MODE_MIN_CALLS {
        return None;
    }
    // `upto[i]`: the calls in buckets[..i].
    let mut upto = vec![0u64];
    for &(_, c) in &buckets {
        upto.push(upto.last().copied().unwrap_or(0) + c);
    }
    // The value of the call at 1-based `rank` among all calls.
    let at_rank = |rank: u64| -> u64 {
        let i = upto.partition_point(|&seen| seen < rank).saturating_sub(1);
        buckets[i.min(buckets.len() - 1)].0
    };
    let least = ((MODE_MIN_SHARE * calls as f64).ceil() as u64).max(1);
    let mut best: Option<(f64, usize)> = None;
    // A split before bucket `split`: the fast side is buckets[..split].
    for (split, &fast) in upto.iter().enumerate().take(buckets.len()).skip(1) {
        let slow = calls - fast;
        if fast < least || slow < least {
            continue;
        }
        let fast_p95 = at_rank(((0.95 * fast as f64).ceil() as u64).max(1));
        let slow_p5 = at_rank(fast + ((0.05 * slow as f64).ceil() as u64).max(1));
        let gap = slow_p5 as f64 / fast_p95.max(1) as f64;
        if best.is_none_or(|(g, _)| gap > g) {
            best = Some((gap, split));
        }
    }
    let (_, split) = best.filter(|&(gap, _)| gap >= MODE_GAP)?;
    let fast = upto[split];
    let slow = calls - fast;
    let time = |range: &[(u64, u64)]| range.iter().map(|&(v, c)| v as f64 * c as f64).sum::<f64>();
    let all = time(&buckets);
    Some(Modes {
        calls,
        fast_calls: fast,
        fast_median_ns: at_rank(((0.5 * fast as f64).ceil() as u64).max(1)),
        fast_p95_ns: at_rank(((0.95 * fast as f64).ceil() as u64).max(1)),
        slow_p5_ns: at_rank(fast + ((0.05 * slow as f64).ceil() as u64).max(1)),
        slow_median_ns: at_rank(fast + ((0.5 * slow as f64).ceil() as u64).max(1)),
        slow_time_share: if all > 0.0 { time(&buckets[split..]) / all } else { 0.0 },
    })
}

/// A cache's lookups in the session: a named cache's row, or the lookups
/// counted with `record_cache_hit` / `record_cache_miss` outside any named
/// cache.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct CacheLookups {
    /// The cache's name, or `None` for the unnamed counters.
    pub(crate) name: Option<String>,
    /// Lookups that hit.
    pub(crate) hits: u64,
    /// Lookups that missed.
    pub(crate) misses: u64,
}

impl CacheLookups {
    /// Hits and misses together.
    pub(crate) fn lookups(&self) -> u64 {
        self.hits + self.misses
    }

    /// Hits over lookups, 0 without lookups.
    pub(crate) fn hit_rate(&self) -> f64 {
        self.hits as f64 / self.lookups().max(1) as f64
    }

    /// "cache `users`" or "the cache counters".
    pub(crate) fn label(&self) -> String {
        match &self.name {
            Some(name) => format!("cache `{}`", sanitize(name)),
            None => "the cache counters".to_owned(),
        }
    }
}

/// Every cache with lookups: the named ones, then the unnamed counters'
/// share of the totals (what is left after the named caches' lookups).
pub(crate) fn caches(cache: &CacheStats) -> Vec<CacheLookups> {
    let mut out: Vec<CacheLookups> = cache
        .caches
        .iter()
        .filter(|c| c.hits + c.misses > 0)
        .map(|c| CacheLookups { name: Some(c.name.clone()), hits: c.hits, misses: c.misses })
        .collect();
    let named_hits: u64 = cache.caches.iter().map(|c| c.hits).sum();
    let named_misses: u64 = cache.caches.iter().map(|c| c.misses).sum();
    let unnamed = CacheLookups {
        name: None,
        hits: cache.hits.saturating_sub(named_hits),
        misses: cache.misses.saturating_sub(named_misses),
    };
    if unnamed.lookups() > 0 {
        out.push(unnamed);
    }
    out
}

/// Whether `a` is `b` give or take a tenth (and 2 for small counts): how
/// closely a cache's lookups must match an operation's calls to be taken
/// as one lookup per call.
fn about_equal(a: u64, b: u64) -> bool {
    a.abs_diff(b) <= (b / 10).max(2)
}

/// How a cache stands to an operation (see [`cache_link`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CacheRole {
    /// The cache had one lookup per call of the operation: the operation
    /// looks the cache up (its hits are its fast calls).
    LookedUpByIt,
    /// The cache had one miss per call: the operation is what a miss runs,
    /// the work the cache saves.
    RunOnMiss,
}

/// A cache in front of an operation.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct CacheLink {
    /// The cache.
    pub(crate) cache: CacheLookups,
    /// How it stands to the operation.
    pub(crate) role: CacheRole,
}

/// The cache in front of `op`, if the counts link one to it: a cache whose
/// lookups match `op`'s calls (one lookup per call, within a tenth), or
/// whose misses do (`op` runs on each miss). Counts, not names: a cache and
/// the function behind it are rarely named alike, while one lookup per
/// call, or one call per miss, is what a cache in front of a function
/// does. The closest match wins; a cache that matches both ways (no hits)
/// is taken as looked up by it.
pub(crate) fn cache_link(report: &SessionReport, op: &OperationStats) -> Option<CacheLink> {
    if op.calls == 0 {
        return None;
    }
    let mut best: Option<(u64, CacheLink)> = None;
    for cache in caches(&report.cache) {
        for (role, n) in
            [(CacheRole::LookedUpByIt, cache.lookups()), (CacheRole::RunOnMiss, cache.misses)]
        {
            let off = n.abs_diff(op.calls);
            if about_equal(n, op.calls) && best.as_ref().is_none_or(|(o, _)| off < *o) {
                best = Some((off, CacheLink { cache: cache.clone(), role }));
            }
        }
    }
    best.map(|(_, link)| link)
}

/// An operation whose calls fall into two modes, the fast one a cache's
/// hits (see [`cache_modes`]).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct CacheModes {
    /// The two modes.
    pub(crate) modes: Modes,
    /// The cache whose hit rate the fast mode's share matches.
    pub(crate) cache: CacheLookups,
}

impl CacheModes {
    /// The description: "67.0% of its calls are fast (...), matching cache
    /// `items`' 67.5% hit rate (...); the other 33.0% (...) hold ...".
    pub(crate) fn describe(&self) -> String {
        let m = &self.modes;
        format!(
            "{} of its calls are fast (median {}, 95% under {}), matching {}'s {} hit rate \
             ({} hits in {} lookups); the other {} are the misses (median {}) and hold {} of its time",
            percent(m.fast_share()),
            duration(m.fast_median_ns),
            duration(m.fast_p95_ns),
            self.cache.label(),
            percent(self.cache.hit_rate()),
            count(self.cache.hits),
            count(self.cache.lookups()),
            percent(1.0 - m.fast_share()),
            duration(m.slow_median_ns),
            percent(m.slow_time_share)
        )
    }
}

/// `op`'s two modes, when the fast one is a cache's hits: a cache looked
/// up once per call ([`cache_link`]'s [`CacheRole::LookedUpByIt`]) whose
/// hit rate is the fast mode's share of the calls, within 5 points or three
/// standard errors of a share of that many calls, whichever is wider.
pub(crate) fn cache_modes(report: &SessionReport, op: &OperationStats) -> Option<CacheModes> {
    let modes = modes(op)?;
    let link = cache_link(report, op).filter(|l| l.role == CacheRole::LookedUpByIt)?;
    let rate = link.cache.hit_rate();
    let spread = 3.0 * (rate * (1.0 - rate) / modes.calls as f64).sqrt();
    let matches = (modes.fast_share() - rate).abs() <= spread.max(0.05);
    matches.then_some(CacheModes { modes, cache: link.cache })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::report::{NamedCacheStats, SCHEMA_VERSION};

    /// An operation whose timed calls took `values` nanoseconds, in a
    /// session of 1 s, with no self time of its own recorded.
    pub(crate) fn op_of(name: &str, values: &[u64]) -> OperationStats {
        let mut op = crate::report::compare::tests::op_of(name, values);
        op.self_ns = None;
        op.share_of_wall = op.total_ns as f64 / 1e9;
        op
    }

    fn report_with(ops: Vec<OperationStats>, cache: CacheStats) -> SessionReport {
        let mut r: SessionReport = serde_json::from_value(serde_json::json!({
            "schema_version": SCHEMA_VERSION, "session_id": "t", "sequence": 1,
            "started_at_unix_ms": 0, "wall_ns": 1_000_000_000u64, "ended": true,
            "clock": "test", "operations": [],
        }))
        .unwrap();
        r.operations = ops;
        r.cache = cache;
        r
    }

    /// `fast` calls of 10 µs and `slow` of 20 ms.
    fn cached(fast: usize, slow: usize) -> Vec<u64> {
        let mut v = vec![10_000; fast];
        v.extend(std::iter::repeat_n(20_000_000, slow));
        v
    }

    fn named(name: &str, hits: u64, misses: u64) -> CacheStats {
        CacheStats {
            hits,
            misses,
            hit_rate: Some(hits as f64 / (hits + misses) as f64),
            caches: vec![NamedCacheStats {
                name: name.into(),
                hits,
                misses,
                hit_rate: Some(hits as f64 / (hits + misses) as f64),
                ..Default::default()
            }],
        }
    }

    fn no_cache() -> SessionReport {
        report_with(vec![], CacheStats::default())
    }

    #[test]
    fn a_tail_that_holds_most_of_the_time_is_claimed_with_its_figures() {
        // 900 calls of 1 ms and 100 of 50 ms: the 100 hold 5.0 of 5.9 s.
        let mut values = vec![1_000_000; 900];
        values.extend([50_000_000; 100]);
        let claim = tail_claim(&no_cache(), &op_of("heavy", &values)).expect("a tail");
        assert_eq!((claim.calls, claim.tail_calls, claim.trimmed_calls), (1_000, 100, 10));
        assert!((claim.share - 5_000.0 / 5_900.0).abs() < 0.03, "{}", claim.share);
        assert!((claim.trimmed_share - 4_500.0 / 5_400.0).abs() < 0.03, "{}", claim.trimmed_share);
        let text = claim.describe();
        assert!(text.starts_with("its slowest 10% of calls (100 over p90 "), "{text}");
        assert!(
            text.contains("held 84.") && text.contains("without its slowest 10 calls"),
            "{text}"
        );
    }

    #[test]
    fn a_tail_under_half_the_time_is_no_claim() {
        // The issue's `call_llm`: 45 calls, one slow call holding 18% of the
        // time; too few calls to claim a tail at all (p90 needs 100).
        let mut values = vec![6_000_000; 44];
        values.push(58_000_000);
        assert!(tail_claim(&no_cache(), &op_of("llm", &values)).is_none());
        // The same with enough calls: the slowest tenth hold 17% of the time.
        let mut values = vec![6_000_000; 990];
        values.extend([60_000_000; 10]);
        assert!(tail_claim(&no_cache(), &op_of("llm", &values)).is_none());
        // Uniform calls have no tail.
        assert!(tail_claim(&no_cache(), &op_of("flat", &[1_000_000; 500])).is_none());
    }

    #[test]
    fn a_few_stretched_calls_are_no_tail() {
        // 200,000 calls of 1 µs and 40 preempted for 6 ms: the slowest tenth
        // hold 59% of the time, all of it in 40 calls.
        let mut values = vec![1_000; 200_000];
        values.extend([6_000_000; 40]);
        let op = op_of("match_rule", &values);
        assert!(tail_claim(&no_cache(), &op).is_none());
        // 4,000 slow calls (2%) of the same length are a tail.
        values.extend([6_000_000; 3_960]);
        let claim = tail_claim(&no_cache(), &op_of("match_rule", &values)).expect("a tail");
        assert_eq!(claim.trimmed_calls, 2_040);
    }

    #[test]
    fn no_tail_is_claimed_on_a_busy_machine() {
        let mut values = vec![1_000_000; 900];
        values.extend([50_000_000; 100]);
        let op = op_of("heavy", &values);
        let mut report = no_cache();
        for (pressure, claimed) in [(None, true), (Some(0.1), true), (Some(0.73), false)] {
            report.process =
                Some(crate::report::ProcessStats { cpu_pressure: pressure, ..Default::default() });
            assert_eq!(tail_claim(&report, &op).is_some(), claimed, "{pressure:?}");
        }
    }

    #[test]
    fn a_tail_its_callees_could_account_for_is_not_its_own() {
        // 100 slow calls of 1 ms that spent it in monitored callees.
        let mut values = vec![1_000; 1_000];
        values.extend([1_000_000; 100]);
        let mut op = op_of("enrich", &values);
        let report = no_cache();
        assert!(tail_claim(&report, &op).is_some(), "no callees: the tail is its own");
        op.self_ns = Some(op.total_ns - 100_000_000);
        assert!(tail_claim(&report, &op).is_none(), "its callees' time covers the tail");
        // Callee time spread thin leaves the tail standing.
        op.self_ns = Some(op.total_ns - 500_000);
        let claim = tail_claim(&report, &op).expect("a tail of its own");
        assert!(claim.describe().contains("if all 500 µs of its monitored callees"));
    }

    #[test]
    fn two_modes_are_found_only_with_a_gap_between_them() {
        let m = modes(&op_of("cached", &cached(270, 130))).expect("two modes");
        assert_eq!((m.calls, m.fast_calls), (400, 270));
        assert!((m.fast_share() - 0.675).abs() < 1e-9);
        assert!(m.slow_time_share > 0.99);
        // One smooth spread (1 to 400 µs) has no two modes.
        let spread: Vec<u64> = (1..=400).map(|i| i * 1_000).collect();
        assert!(modes(&op_of("spread", &spread)).is_none());
        // A handful of slow calls is a tail, not a mode.
        assert!(modes(&op_of("rare", &cached(396, 4))).is_none());
    }

    #[test]
    fn a_fast_mode_matching_a_caches_hits_is_no_tail() {
        // A 92.5% hit rate: the 30 misses are in the slowest tenth and hold
        // nearly all the time, which alone would be a tail.
        let op = op_of("fetch_item", &cached(370, 30));
        let report = report_with(vec![], named("items", 370, 30));
        let modes = cache_modes(&report, &op).expect("the fast mode is the hits");
        assert_eq!(modes.cache.name.as_deref(), Some("items"));
        let text = modes.describe();
        assert!(text.starts_with("92.5% of its calls are fast (median "), "{text}");
        assert!(
            text.contains(
                "matching cache `items`'s 92.5% hit rate (370 hits in 400 lookups); \
                 the other 7.5% are the misses"
            ),
            "{text}"
        );
        assert!(tail_claim(&report, &op).is_none());
        // A cache whose lookups are not one per call is not linked, nor is
        // one whose hit rate is not the fast share: the tail stands.
        for cache in [named("items", 3_700, 300), named("items", 200, 200)] {
            let report = report_with(vec![], cache);
            assert!(cache_modes(&report, &op).is_none());
            assert!(tail_claim(&report, &op).is_some());
        }
    }

    #[test]
    fn caches_link_by_lookups_or_misses_per_call() {
        let op = op_of("fetch_user", &[3_000_000; 88]);
        let report = report_with(vec![], named("users", 152, 88));
        let link = cache_link(&report, &op).expect("one call per miss");
        assert_eq!(link.role, CacheRole::RunOnMiss);
        let report = report_with(vec![], named("users", 10, 80));
        assert_eq!(cache_link(&report, &op).unwrap().role, CacheRole::LookedUpByIt);
        let report = report_with(vec![], named("users", 500, 500));
        assert_eq!(cache_link(&report, &op), None);
        // The unnamed counters are a cache too.
        let unnamed = CacheStats { hits: 12, misses: 88, hit_rate: Some(0.12), caches: vec![] };
        let link = cache_link(&report_with(vec![], unnamed), &op).unwrap();
        assert_eq!((link.cache.name, link.role), (None, CacheRole::RunOnMiss));
    }
}
