//! Bottlenecks and recommendations drawn from a report's figures.
//!
//! Each rule is a small function over the report that states its figures in
//! the message, so a reader can check the conclusion.

use super::escape::sanitize;
use super::tail;
use super::text::{bytes, count, duration, percent};
use super::{Bottleneck, Finding, MemoryStats, OperationStats, SessionReport, Severity};
use crate::state::thresholds::Thresholds;

/// Operations taking more than this share of the session's wall time get a warning.
pub const DOMINANT_SHARE: f64 = 0.20;
/// How many operations the bottleneck list names.
pub const BOTTLENECK_COUNT: usize = 5;

/// Fills `report.bottlenecks` and `report.findings`, comparing stages
/// against the monitor's `thresholds`.
pub(crate) fn analyze(report: &mut SessionReport, thresholds: &Thresholds) {
    // Ranked by what making each twice as fast would save: its own code,
    // not its callees', overlapping calls counted once, and nothing for
    // time other work outlived (see `WallShare`); then by time held.
    let mut ranked: Vec<&OperationStats> =
        report.operations.iter().filter(|op| held_ns(op) > 0).collect();
    ranked.sort_by(|a, b| {
        (saving_ns(b), held_ns(b))
            .cmp(&(saving_ns(a), held_ns(a)))
            .then_with(|| a.name.cmp(&b.name))
    });
    report.bottlenecks = ranked
        .into_iter()
        .take(BOTTLENECK_COUNT)
        .map(|op| Bottleneck {
            name: op.name.clone(),
            total_ns: op.total_ns,
            share_of_wall: op.share_of_wall,
            self_ns: op.self_time_ns(),
            self_share_of_wall: self_share(op, report.wall_ns),
            held_ns: held_ns(op),
            held_share: held_share(op, report.wall_ns),
            saving_ns: saving_ns(op),
        })
        .collect();

    let mut findings = Vec::new();
    dominant_operations(report, &mut findings);
    failures(report, &mut findings);
    slow_calls(report, &mut findings);
    tail_latency(report, &mut findings);
    cache_bimodal(report, &mut findings);
    cancellations(report, &mut findings);
    cache(report, &mut findings);
    api(report, &mut findings);
    waiting(report, &mut findings);
    cpu_versus_waiting(report, &mut findings);
    blocking_futures(report, &mut findings);
    memory(report, thresholds.memory_growth_per_min, &mut findings);
    stage_memory(report, thresholds.stage_efficiency_threshold, &mut findings);
    slow_stages(report, thresholds.stage_min_items_per_sec, &mut findings);
    dropped(report, &mut findings);
    flags(report, &mut findings);
    // Stable: warnings first, each group in rule order.
    findings.sort_by_key(|f| f.severity);
    report.findings = findings;
}

fn finding(
    severity: Severity,
    kind: &str,
    subject: Option<&str>,
    message: String,
    recommendation: Option<String>,
) -> Finding {
    Finding {
        severity,
        kind: kind.to_owned(),
        subject: subject.map(str::to_owned),
        message,
        recommendation,
        crossed: None,
    }
}

/// `f`, as the crossing of `threshold` by `value`.
fn crossing(mut f: Finding, threshold: f64, value: f64) -> Finding {
    f.crossed = Some(super::Crossing { threshold, value });
    f
}

/// An operation's self time over the session's wall time.
fn self_share(op: &OperationStats, wall_ns: u64) -> f64 {
    if wall_ns == 0 {
        0.0
    } else {
        op.self_time_ns() as f64 / wall_ns as f64
    }
}

/// The wall time an operation held (see [`super::WallShare`]): its self
/// time when the report has no wall shares (older reports).
pub(crate) fn held_ns(op: &OperationStats) -> u64 {
    op.wall.as_ref().map_or(op.self_time_ns(), |w| w.held_ns)
}

/// What making `op` twice as fast would save (see
/// [`super::WallShare::saving_ns`]): half its self time when the report has
/// no wall shares (older reports).
pub(crate) fn saving_ns(op: &OperationStats) -> u64 {
    op.wall.as_ref().map_or(op.self_time_ns() / 2, |w| w.saving_ns)
}

/// `held_ns` over the session's wall time, at most 1.
fn held_share(op: &OperationStats, wall_ns: u64) -> f64 {
    match &op.wall {
        Some(w) => w.share,
        None => self_share(op, wall_ns).min(1.0),
    }
}

/// The cache in front of `op`, with its hit rate: one whose misses match
/// `op`'s calls (see [`super::tail::cache_link`]); the name is empty for
/// the unnamed `record_cache_hit`/`record_cache_miss` counters.
pub(crate) fn cache_in_front(report: &SessionReport, op: &OperationStats) -> Option<(String, f64)> {
    let link = super::tail::cache_link(report, op)?;
    if link.role != super::tail::CacheRole::RunOnMiss || link.cache.hits == 0 {
        return None;
    }
    Some((link.cache.name.clone().unwrap_or_default(), link.cache.hit_rate()))
}

/// The operations that held more than [`DOMINANT_SHARE`] of the session's
/// wall time (see [`super::WallShare`]): what a speed-up would save most.
fn dominant_operations(report: &SessionReport, out: &mut Vec<Finding>) {
    let mut dominant: Vec<(&OperationStats, f64)> = report
        .operations
        .iter()
        .map(|op| (op, held_share(op, report.wall_ns)))
        // Time that other work outlived is not worth starting with.
        .filter(|&(op, share)| share > DOMINANT_SHARE && saving_ns(op) > 0)
        .collect();
    // In the bottlenecks' order: what a speed-up would save first.
    dominant.sort_by(|a, b| saving_ns(b.0).cmp(&saving_ns(a.0)).then(b.1.total_cmp(&a.1)));
    for (op, share) in dominant {
        let held = held_ns(op);
        let wall = op.wall.as_ref();
        let overlap = wall.map_or(1.0, |w| w.overlap);
        let waiting = wall.is_some_and(|w| w.waiting_share > 0.5);
        let stage = wall
            .and_then(|w| w.stage.as_deref())
            .map(|s| format!(" during stage `{}`", sanitize(s)))
            .unwrap_or_default();
        let calls =
            if op.calls == 1 { "call".to_owned() } else { format!("{} calls", count(op.calls)) };
        let shape = if overlap >= 1.5 {
            format!(
                "its {calls} overlap {overlap:.1} deep{stage}, {} summed over calls",
                duration(op.self_time_ns())
            )
        } else if op.calls > 1 {
            format!("{calls}, one at a time{stage}")
        } else {
            format!("one call{stage}")
        };
        let callees = if op.self_time_ns() < op.total_ns {
            format!(
                "; {} more in the monitored calls it made",
                duration(op.total_ns - op.self_time_ns())
            )
        } else {
            String::new()
        };
        let what = if waiting {
            format!("Waiting on `{}`", sanitize(&op.name))
        } else {
            format!("`{}` in its own code", sanitize(&op.name))
        };
        let message = format!(
            "{what} held {}{} of the session's wall time ({}; {shape}{callees}{}); \
             twice as fast, it would save about {}",
            about(op),
            percent(share),
            duration(held),
            estimated_from(op),
            duration(saving_ns(op))
        );
        let advice = dominant_advice(report, op, overlap, waiting);
        out.push(finding(
            Severity::Warning,
            "dominant_operation",
            Some(&op.name),
            message,
            Some(format!("Start here: {advice}.")),
        ));
    }
}

/// What to do about a dominant operation, from what the report knows of it.
fn dominant_advice(
    report: &SessionReport,
    op: &OperationStats,
    overlap: f64,
    waiting: bool,
) -> String {
    if let Some((cache, rate)) = cache_in_front(report, op) {
        let which = if cache.is_empty() {
            "a cache".to_owned()
        } else {
            format!("cache `{}`", sanitize(&cache))
        };
        return format!(
            "it already sits behind {which} ({} hit rate, its {} misses are these calls): \
             raise the hit rate (size, time to live, warming) or make a miss cheaper",
            percent(rate),
            count(op.calls)
        );
    }
    if waiting && overlap >= 1.5 {
        format!(
            "its calls already wait {overlap:.1} at a time: a faster dependency, fewer calls, \
             or more of them at once shortens this"
        )
    } else if waiting && op.calls > 1 {
        format!(
            "its calls wait one after another ({} each): run independent ones concurrently, \
             batch them, or make what they await faster",
            duration(op.mean_ns)
        )
    } else if op.calls >= 10_000 && op.mean_ns < 100_000 {
        format!(
            "it is cheap per call ({} mean) but called {} times: batch, cache or hoist the calls",
            duration(op.mean_ns),
            count(op.calls)
        )
    } else if waiting {
        "it waits most of its time: make what it awaits faster".to_owned()
    } else {
        format!("each call takes {} on average: make the call itself cheaper", duration(op.mean_ns))
    }
}

/// "about " before a sampled operation's estimated figures.
fn about(op: &OperationStats) -> &'static str {
    if op.estimated {
        "about "
    } else {
        ""
    }
}

/// "; estimated from N timed calls" after a sampled operation's figures.
fn estimated_from(op: &OperationStats) -> String {
    if op.estimated {
        format!("; estimated from {} timed calls", op.timed_calls)
    } else {
        String::new()
    }
}

/// A rate as a percentage that a small rate never reads as 0: 20 of
/// 200,000 is "0.01%", not "0.0%".
fn rate_percent(fraction: f64) -> String {
    if fraction <= 0.0 || fraction >= 0.001 {
        return percent(fraction);
    }
    let digits = (-(fraction * 100.0).log10()).ceil().max(1.0) as usize;
    format!("{:.*}%", digits.min(6), fraction * 100.0)
}

fn failures(report: &SessionReport, out: &mut Vec<Finding>) {
    for op in report.operations.iter().filter(|op| op.failures > 0) {
        let rate = op.failure_rate();
        let last = op
            .last_error
            .as_deref()
            .map(|e| format!("; last error: {}", sanitize(e)))
            .unwrap_or_default();
        out.push(finding(
            if rate >= 0.05 { Severity::Warning } else { Severity::Info },
            "failures",
            Some(&op.name),
            format!(
                "`{}` failed {} of {} calls ({}){last}",
                sanitize(&op.name),
                count(op.failures),
                count(op.calls),
                rate_percent(rate)
            ),
            None,
        ));
    }
}

fn slow_calls(report: &SessionReport, out: &mut Vec<Finding>) {
    for op in report.operations.iter().filter(|op| op.slow_calls > 0) {
        let Some(threshold) = op.slow_threshold_ns else { continue };
        let found = finding(
            Severity::Warning,
            "slow_calls",
            Some(&op.name),
            format!(
                "`{}`: {}{} of {} calls ({}) took {} or more; the slowest took {}{}",
                sanitize(&op.name),
                about(op),
                count(op.slow_calls),
                count(op.calls),
                rate_percent(op.slow_calls as f64 / op.calls.max(1) as f64),
                duration(threshold),
                duration(op.max_ns),
                estimated_from(op)
            ),
            None,
        );
        out.push(crossing(found, threshold as f64, op.max_ns as f64));
    }
}

/// An operation matters enough for a finding about the shape of its calls
/// at this share of the session's wall time.
pub(crate) const SHAPE_MIN_SHARE: f64 = 0.05;
/// ... and with this much time in its slowest calls.
pub(crate) const SHAPE_MIN_NS: u64 = 1_000_000;

/// `tail_latency`: operations that matter whose slowest tenth of calls hold
/// most of their time ([`tail::tail_claim`], which quotes the figures).
fn tail_latency(report: &SessionReport, out: &mut Vec<Finding>) {
    for op in report.operations.iter().filter(|op| op.share_of_wall >= SHAPE_MIN_SHARE) {
        let Some(claim) = tail::tail_claim(report, op) else { continue };
        if claim.tail_ns < SHAPE_MIN_NS {
            continue;
        }
        out.push(finding(
            Severity::Warning,
            "tail_latency",
            Some(&op.name),
            format!("`{}`: {}", sanitize(&op.name), claim.describe()),
            Some(
                "A few calls are far slower than the rest and take most of its time: look for \
                 what they have in common (contention, retries, cold caches, large inputs)."
                    .to_owned(),
            ),
        ));
    }
}

/// `cache_bimodal`: operations that matter whose calls are fast hits and
/// slow misses of a cache looked up once per call ([`tail::cache_modes`]),
/// described as such: the slow calls are no tail, they are the misses.
fn cache_bimodal(report: &SessionReport, out: &mut Vec<Finding>) {
    for op in report.operations.iter().filter(|op| op.share_of_wall >= SHAPE_MIN_SHARE) {
        let Some(modes) = tail::cache_modes(report, op) else { continue };
        out.push(finding(
            Severity::Info,
            "cache_bimodal",
            Some(&op.name),
            format!("`{}` is bimodal: {}", sanitize(&op.name), modes.describe()),
            Some(
                "Its slow calls are cache misses, not a tail: to shorten them, raise the hit \
                 rate (capacity, time to live, warming) or speed up what a miss runs."
                    .to_owned(),
            ),
        ));
    }
}

fn cancellations(report: &SessionReport, out: &mut Vec<Finding>) {
    for op in report.operations.iter().filter(|op| op.cancelled > 0) {
        out.push(finding(
            Severity::Info,
            "cancelled",
            Some(&op.name),
            format!(
                "`{}`: {} futures were dropped before completing ({} completed)",
                sanitize(&op.name),
                op.cancelled,
                op.calls
            ),
            Some("Timeouts and `select!` losers do this; check they are expected.".to_owned()),
        ));
    }
}

/// Lookups a cache needs before its hit rate is a finding.
const CACHE_MIN_LOOKUPS: u64 = 20;

/// `low_cache_hit_rate`: a cache that missed more than it hit. A named
/// cache (which counts its evictions and expirations) only when it evicted
/// or expired entries: with neither, every miss was a key it had never
/// held (a cold cache, or keys that do not repeat), which no capacity or
/// time to live changes. The unnamed counters (`record_cache_hit`,
/// `record_cache_miss`) do not say, so their rate alone decides.
fn cache(report: &SessionReport, out: &mut Vec<Finding>) {
    let named: Vec<_> = report.cache.caches.iter().collect();
    for c in tail::caches(&report.cache) {
        let rate = c.hit_rate();
        if c.lookups() < CACHE_MIN_LOOKUPS || rate >= 0.5 {
            continue;
        }
        let figures = format!("{} hits, {} misses", count(c.hits), count(c.misses));
        let (message, advice) = match &c.name {
            Some(name) => {
                let Some(row) = named.iter().find(|r| &r.name == name) else { continue };
                if row.evictions + row.expirations == 0 {
                    continue;
                }
                (
                    format!(
                        "cache `{}` hit {} of its lookups ({figures}) and dropped entries it held: \
                         {} evicted, {} expired",
                        sanitize(name),
                        percent(rate),
                        count(row.evictions),
                        count(row.expirations)
                    ),
                    "A larger capacity or a longer time to live keeps the entries asked for \
                     again; check the key for parts that vary per request.",
                )
            }
            None => (
                format!("cache hit rate is {} ({figures})", percent(rate)),
                "Warm the cache, raise its capacity or TTL, or check the key for parts that \
                 vary per request.",
            ),
        };
        out.push(finding(
            Severity::Warning,
            "low_cache_hit_rate",
            Some(c.name.as_deref().unwrap_or("cache")),
            message,
            Some(advice.to_owned()),
        ));
    }
}

fn api(report: &SessionReport, out: &mut Vec<Finding>) {
    let a = &report.api;
    if a.calls == 0 {
        return;
    }
    let rate = a.errors as f64 / a.calls as f64;
    if a.errors > 0 {
        out.push(finding(
            if rate >= 0.05 { Severity::Warning } else { Severity::Info },
            "api_errors",
            Some("api"),
            format!("{} of {} API calls failed ({})", a.errors, a.calls, percent(rate)),
            (rate >= 0.05).then(|| {
                "Failed calls usually still cost money and time: add backoff, or check quotas \
                 and request validity."
                    .to_owned()
            }),
        ));
    }
    out.push(finding(
        Severity::Info,
        "api_cost",
        Some("api"),
        format!(
            "API spend ${:.4} over {} calls: ${:.5} and {:.0} tokens per call",
            a.cost_usd,
            a.calls,
            a.cost_usd / a.calls as f64,
            a.tokens as f64 / a.calls as f64
        ),
        None,
    ));
}

/// `busy_machine`: the CPU pressure over the session, when high, so a
/// reader knows the timings include waits for a core; and `mostly_waiting`:
/// a process that used little CPU over a long enough session, only where
/// the machine was not busy (on a busy one, little CPU can as well be a
/// process waiting for a core as one waiting on I/O).
fn waiting(report: &SessionReport, out: &mut Vec<Finding>) {
    let Some(p) = &report.process else { return };
    if let Some(pressure) = tail::busy_machine(report) {
        out.push(finding(
            Severity::Info,
            "busy_machine",
            None,
            format!(
                "for {} of the session some task on this machine (this process's threads \
                 included) was ready to run and waited for a CPU (Linux CPU pressure)",
                percent(pressure)
            ),
            Some(
                "Timings here include waits for a core: compare them with a run on a quiet \
                 machine before acting on small differences."
                    .to_owned(),
            ),
        ));
        return;
    }
    if report.wall_ns >= 200_000_000 && !report.operations.is_empty() && p.cpu_utilization < 0.25 {
        out.push(finding(
            Severity::Info,
            "mostly_waiting",
            None,
            format!(
                "the process used {} of one core over the session: it mostly waited (I/O, sleeps, locks)",
                percent(p.cpu_utilization)
            ),
            Some("More concurrency, not faster code, will shorten this session.".to_owned()),
        ));
    }
}

/// An operation whose CPU time is under this share of its wall time is
/// named as mostly waiting (detailed level).
pub(crate) const WAITING_CPU_SHARE: f64 = 0.3;
/// On a busy machine ([`tail::BUSY_PRESSURE`]), the share it must be under: a
/// CPU-bound call that shares its core with two or three other runnable
/// threads shows a third or a quarter of its time on CPU, never a
/// twentieth on the loaded 2-core machine this was measured on.
pub(crate) const WAITING_CPU_SHARE_BUSY: f64 = 0.05;
/// One at or over this share is named as CPU-bound.
pub(crate) const CPU_BOUND_SHARE: f64 = 0.8;

/// At the detailed level: operations that matter (5% of the wall time, at
/// least 1 ms) and mostly wait, or mostly compute, from their CPU time (on
/// a busy machine, waiting only from a far lower CPU share: a wait for a
/// core is not one the code can overlap).
fn cpu_versus_waiting(report: &SessionReport, out: &mut Vec<Finding>) {
    let waiting_under = if tail::busy_machine(report).is_some() {
        WAITING_CPU_SHARE_BUSY
    } else {
        WAITING_CPU_SHARE
    };
    for op in &report.operations {
        let Some(cpu) = &op.cpu else { continue };
        if cpu.readings < 3 || op.share_of_wall < 0.05 || op.total_ns < 1_000_000 {
            continue;
        }
        let figures = format!(
            "{} of CPU in {} of wall time, from {} readings",
            duration(cpu.cpu_ns),
            duration(op.total_ns),
            cpu.readings
        );
        if cpu.cpu_share < waiting_under {
            out.push(finding(
                Severity::Info,
                "operation_waiting",
                Some(&op.name),
                format!(
                    "`{}` spent {} of its time waiting, not computing ({figures})",
                    sanitize(&op.name),
                    percent((1.0 - cpu.cpu_share).clamp(0.0, 1.0))
                ),
                Some("Faster code will not shorten it: overlap its waits (concurrency, batching), shorten what it waits on (I/O, locks, sleeps), or cache its results.".to_owned()),
            ));
        } else if cpu.cpu_share >= CPU_BOUND_SHARE {
            out.push(finding(
                Severity::Info,
                "operation_cpu_bound",
                Some(&op.name),
                format!(
                    "`{}` is CPU-bound: {} of its time on CPU ({figures})",
                    sanitize(&op.name),
                    percent(cpu.cpu_share.min(1.0))
                ),
                Some("Make the work cheaper (algorithm, allocations, copies) or spread it across cores.".to_owned()),
            ));
        }
    }
}

/// A future busy for this share of its wall time or more, in polls this
/// long or longer on average, blocks the thread that polls it.
pub const BLOCKING_BUSY_SHARE: f64 = 0.8;
/// See [`BLOCKING_BUSY_SHARE`]: 1 ms, where executors' guidance for the
/// time between awaits (10 to 100 µs) is long past.
pub const BLOCKING_POLL_NS: u64 = 1_000_000;

/// `blocks_executor`: futures that spend most of their time inside long
/// polls, which holds up every other task on their executor thread.
fn blocking_futures(report: &SessionReport, out: &mut Vec<Finding>) {
    for op in &report.operations {
        let Some(p) = &op.polling else { continue };
        if p.busy_share < BLOCKING_BUSY_SHARE || p.mean_poll_ns < BLOCKING_POLL_NS {
            continue;
        }
        out.push(finding(
            Severity::Warning,
            "blocks_executor",
            Some(&op.name),
            format!(
                "`{}` spends {} of its wall time inside poll, {} per poll: it blocks the executor",
                sanitize(&op.name),
                percent(p.busy_share),
                duration(p.mean_poll_ns)
            ),
            Some(
                "Move the blocking or CPU-heavy part to `spawn_blocking` (or a thread pool), or yield between pieces of it, so other tasks on the thread can run."
                    .to_owned(),
            ),
        ));
    }
}

/// The `memory_growth` finding, if `memory`'s timeline rose steadily (at
/// `growth_per_min` bytes a minute or more, when that is set): at the end
/// of a session, and on the sampler's thread while one runs.
pub(crate) fn memory_growth(memory: &MemoryStats, growth_per_min: u64) -> Option<Finding> {
    let g = super::memory::steady_growth(&memory.timeline)
        .filter(|g| growth_per_min == 0 || g.bytes_per_min >= growth_per_min as f64)?;
    let found = finding(
        Severity::Warning,
        "memory_growth",
        None,
        format!(
            "memory grew {}/min steadily since {} into the session ({} to {})",
            bytes(g.bytes_per_min.max(0.0) as u64),
            duration(g.since_ns),
            bytes(g.from_bytes),
            bytes(g.to_bytes)
        ),
        Some(
            "A steady rise is what a leak looks like: look for what is kept and never released (caches without a bound, growing collections, handles)."
                .to_owned(),
        ),
    );
    // The threshold crossed: the configured rate, else the rise the rule asks for.
    Some(if growth_per_min > 0 {
        crossing(found, growth_per_min as f64, g.bytes_per_min)
    } else {
        let rise = g.to_bytes.saturating_sub(g.from_bytes) as f64;
        crossing(found, super::memory::MIN_GROWTH_BYTES, rise)
    })
}

/// Steady growth (at `growth_per_min` bytes a minute or more, when that is
/// set) and the largest spike.
fn memory(report: &SessionReport, growth_per_min: u64, out: &mut Vec<Finding>) {
    let Some(memory) = &report.memory else { return };
    out.extend(memory_growth(memory, growth_per_min));
    if let Some(s) = super::memory::largest_spike(&memory.timeline) {
        let during = memory
            .stage_at(s.at_ns)
            .map(|stage| format!(", while stage `{}` ran", sanitize(stage)))
            .unwrap_or_default();
        out.push(finding(
            Severity::Warning,
            "memory_spike",
            None,
            format!(
                "memory jumped from {} to {} at {} into the session{during}, then fell back",
                bytes(s.from_bytes),
                bytes(s.to_bytes),
                duration(s.at_ns)
            ),
            Some(
                "Something built a large temporary at that moment: stream it, or bound its size."
                    .to_owned(),
            ),
        ));
    }
}

/// `slow_stage`: stages under the items-per-second floor the user set (0,
/// the default: no floor, since a fair rate depends on the stage's work).
fn slow_stages(report: &SessionReport, floor: f64, out: &mut Vec<Finding>) {
    if floor <= 0.0 {
        return;
    }
    for stage in report.stages.iter().filter(|s| s.items > 0) {
        let Some(rate) = stage.items_per_sec.filter(|r| *r < floor) else { continue };
        let found = finding(
            Severity::Warning,
            "slow_stage",
            Some(&stage.name),
            format!(
                "stage `{}` processed {:.0} items/s, under the floor of {:.0} ({} items in {})",
                sanitize(&stage.name),
                rate,
                floor,
                stage.items,
                duration(stage.total_ns)
            ),
            None,
        );
        out.push(crossing(found, floor, rate));
    }
}

/// Growth under this in a stage's latest run is next to none: what the
/// efficiency figure also leaves out (a stage that grew less scores 100).
const RUN_GROWTH_FLOOR: u64 = 1 << 20;

/// `stage_memory`: stages that keep the memory they grow (efficiency under
/// the threshold). A stage of several runs whose latest run kept next to
/// nothing (under 1 MiB, and under a quarter of what its runs kept on
/// average) built something once and keeps it (a table, a cache): normal
/// by design, so that is `stage_memory_kept`, information with its figures
/// and no alert. One that keeps growing as it runs (a leak) stays a
/// warning.
fn stage_memory(report: &SessionReport, threshold: f64, out: &mut Vec<Finding>) {
    for stage in &report.stages {
        let Some(m) = &stage.memory else { continue };
        if m.efficiency >= threshold {
            continue;
        }
        let latest = m.end_bytes.saturating_sub(m.start_bytes);
        let kept = bytes(m.growth_bytes.max(0) as u64);
        let name = sanitize(&stage.name);
        let per_run = m.growth_bytes.max(0) as u64 / m.runs.max(1);
        if m.runs > 1 && latest < RUN_GROWTH_FLOOR && latest < per_run / 4 {
            out.push(finding(
                Severity::Info,
                "stage_memory_kept",
                Some(&stage.name),
                format!(
                    "stage `{name}` kept {kept} over its {} runs but {} of it in its latest run \
                     ({} to {}): memory it built once and keeps, not growth every run",
                    count(m.runs),
                    if latest == 0 { "none".to_owned() } else { bytes(latest) },
                    bytes(m.start_bytes),
                    bytes(m.end_bytes)
                ),
                None,
            ));
            continue;
        }
        let found = finding(
            Severity::Warning,
            "stage_memory",
            Some(&stage.name),
            format!(
                "stage `{name}` kept {kept} of its memory growth (efficiency {:.0} of 100, under {:.0}; latest run {} to {}, peak {})",
                m.efficiency,
                threshold,
                bytes(m.start_bytes),
                bytes(m.end_bytes),
                bytes(m.peak_bytes)
            ),
            Some("Release what the stage built once it is done with it, or bound it; if it is kept on purpose, this is expected.".to_owned()),
        );
        out.push(crossing(found, threshold, m.efficiency));
    }
}

/// Each quality flag the code raised, as it said it.
fn flags(report: &SessionReport, out: &mut Vec<Finding>) {
    for flag in &report.flags {
        out.push(finding(flag.severity, "flag", None, sanitize(&flag.message), None));
    }
}

fn dropped(report: &SessionReport, out: &mut Vec<Finding>) {
    let d = &report.dropped;
    let parts: Vec<String> = [
        (d.callsites, "callsites past the registry's limit"),
        (d.counters, "counter names past the limit"),
        (d.stages, "stage names past the limit"),
        (d.events, "events that fell out of the event log"),
        (d.flags, "quality flags past the limit (the latest are kept)"),
        (d.histogram_values, "call durations from histograms (a thread's page table was full)"),
    ]
    .iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, what)| format!("{n} {what}"))
    .collect();
    if !parts.is_empty() {
        out.push(finding(
            Severity::Warning,
            "data_dropped",
            None,
            format!("this report leaves out {}", parts.join(", ")),
            None,
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::SCHEMA_VERSION;

    /// An operation of `calls` calls of the same length, `total_ns` in all,
    /// in a session of `wall_ns`.
    fn op(name: &str, calls: u64, total_ns: u64, wall_ns: u64) -> OperationStats {
        let mut op = timed(name, &[]);
        let mean = total_ns / calls.max(1);
        (op.calls, op.timed_calls, op.total_ns, op.mean_ns) = (calls, calls, total_ns, mean);
        (op.min_ns, op.max_ns, op.p50_ns, op.p90_ns, op.p99_ns) = (1, total_ns, mean, mean, mean);
        op.share_of_wall = total_ns as f64 / wall_ns as f64;
        op
    }

    #[test]
    fn operations_read_as_waiting_or_cpu_bound_from_their_cpu_share() {
        let cpu = |share: f64, readings: u64| {
            Some(crate::report::CpuTime {
                cpu_ns: (share * 5e8) as u64,
                cpu_share: share,
                readings,
            })
        };
        let mut ops = vec![
            op("sleepy", 10, 500_000_000, 1_000_000_000),
            op("busy", 10, 500_000_000, 1_000_000_000),
            op("balanced", 10, 500_000_000, 1_000_000_000),
            op("few_readings", 10, 500_000_000, 1_000_000_000),
            op("tiny", 10, 500_000, 1_000_000_000),
        ];
        ops[0].cpu = cpu(0.05, 10);
        ops[1].cpu = cpu(0.95, 10);
        ops[2].cpu = cpu(0.5, 10);
        ops[3].cpu = cpu(0.05, 2);
        ops[4].cpu = cpu(0.05, 10);
        let mut r = report(ops);
        analyze(&mut r, &Thresholds::default());
        let named = |kind: &str| -> Vec<String> {
            r.findings.iter().filter(|f| f.kind == kind).filter_map(|f| f.subject.clone()).collect()
        };
        assert_eq!(named("operation_waiting"), ["sleepy"]);
        assert_eq!(named("operation_cpu_bound"), ["busy"]);
        let waiting = r.findings.iter().find(|f| f.kind == "operation_waiting").unwrap();
        assert!(
            waiting.message.contains("95.0%") && waiting.message.contains("10 readings"),
            "{}",
            waiting.message
        );
    }

    fn report(ops: Vec<OperationStats>) -> SessionReport {
        SessionReport {
            schema_version: SCHEMA_VERSION,
            session_id: "t".into(),
            sequence: 1,
            started_at_unix_ms: 0,
            wall_ns: 1_000_000_000,
            ended: true,
            clock: "test".into(),
            recording: Default::default(),
            operations: ops,
            stages: vec![],
            cache: Default::default(),
            api: Default::default(),
            counters: Default::default(),
            process: None,
            level: Default::default(),
            memory: None,
            heap: None,
            call_tree: None,
            trace: None,
            running_stages: vec![],
            bottlenecks: vec![],
            components: vec![],
            flags: vec![],
            findings: vec![],
            events: vec![],
            previous: None,
            windows: None,
            dropped: Default::default(),
        }
    }

    /// The (kind, subject) of every finding of `r`, in order.
    fn found(r: &SessionReport) -> Vec<(String, String)> {
        r.findings.iter().map(|f| (f.kind.clone(), f.subject.clone().unwrap_or_default())).collect()
    }

    /// The subjects of `r`'s findings of `kind`.
    fn subjects(r: &SessionReport, kind: &str) -> Vec<String> {
        r.findings.iter().filter(|f| f.kind == kind).filter_map(|f| f.subject.clone()).collect()
    }

    fn message<'a>(r: &'a SessionReport, kind: &str) -> &'a str {
        &r.findings.iter().find(|f| f.kind == kind).expect(kind).message
    }

    fn stage(name: &str, items: u64, total_ns: u64) -> crate::report::StageStats {
        crate::report::StageStats {
            name: name.into(),
            runs: 1,
            total_ns,
            items,
            items_per_sec: Some(items as f64 * 1e9 / total_ns as f64),
            memory: None,
            heap: None,
            component: None,
        }
    }

    #[test]
    fn a_stage_is_slow_only_against_a_floor_the_user_set() {
        let mut r = report(vec![]);
        r.stages = vec![
            stage("enrich", 500, 1_000_000_000),
            stage("parse", 50_000, 1_000_000_000),
            stage("setup", 0, 5),
        ];
        // No floor by default: 500 items/s is right for some work, slow for other.
        analyze(&mut r, &Thresholds::default());
        assert!(subjects(&r, "slow_stage").is_empty(), "{:?}", found(&r));
        let floor = Thresholds { stage_min_items_per_sec: 1_000.0, ..Thresholds::default() };
        analyze(&mut r, &floor);
        assert_eq!(subjects(&r, "slow_stage"), ["enrich"]);
        assert_eq!(
            message(&r, "slow_stage"),
            "stage `enrich` processed 500 items/s, under the floor of 1000 (500 items in 1.00 s)"
        );
    }

    #[test]
    fn the_stage_findings_use_the_monitors_thresholds() {
        use crate::report::{StageMemory, StageStats};
        let memory = StageMemory {
            runs: 1,
            start_bytes: 0,
            end_bytes: 50 << 20,
            peak_bytes: 100 << 20,
            growth_bytes: 50 << 20,
            efficiency: 50.0,
        };
        let mut r = report(vec![]);
        r.stages = vec![StageStats {
            name: "load".into(),
            runs: 1,
            total_ns: 1_000_000_000,
            items: 5_000,
            items_per_sec: Some(5_000.0),
            memory: Some(memory),
            heap: None,
            component: None,
        }];
        let kinds = |r: &SessionReport| -> Vec<String> {
            r.findings.iter().filter(|f| f.kind.contains("stage")).map(|f| f.kind.clone()).collect()
        };
        // The defaults: no floor, and 50 is under the efficiency threshold.
        analyze(&mut r, &Thresholds::default());
        assert_eq!(kinds(&r), ["stage_memory"]);
        let strict = Thresholds {
            stage_min_items_per_sec: 10_000.0,
            stage_efficiency_threshold: 40.0,
            ..Thresholds::default()
        };
        analyze(&mut r, &strict);
        assert_eq!(kinds(&r), ["slow_stage"]);
        let slow = r.findings.iter().find(|f| f.kind == "slow_stage").unwrap();
        assert!(slow.message.contains("under the floor of 10000"), "{}", slow.message);
    }

    #[test]
    fn steady_memory_growth_and_a_spike_are_findings() {
        use crate::report::{MemoryPoint, MemoryStats};
        const MIB: u64 = 1 << 20;
        let points = |level: &dyn Fn(u64) -> u64| {
            (0..100u64)
                .map(|i| MemoryPoint {
                    at_ns: i * 100_000_000,
                    mean_bytes: level(i),
                    max_bytes: level(i),
                })
                .collect::<Vec<_>>()
        };
        let mut r = report(vec![]);
        r.memory =
            Some(MemoryStats { timeline: points(&|i| 100 * MIB + i * MIB), ..Default::default() });
        analyze(&mut r, &Thresholds::default());
        let growth = r.findings.iter().find(|f| f.kind == "memory_growth").expect("growth");
        assert!(
            growth.message.starts_with("memory grew 600.0 MiB/min steadily since"),
            "{}",
            growth.message
        );
        let crossed = growth.crossed.as_ref().unwrap();
        assert_eq!(crossed.threshold, (4 * MIB) as f64, "the rule's rise, in bytes");
        assert_eq!(crossed.value, (99 * MIB) as f64);
        // A configured rate: growth under it is no finding, over it crosses it.
        let grown = r.memory.clone();
        let at = |per_min: u64| {
            let mut r = report(vec![]);
            r.memory = grown.clone();
            let t = Thresholds { memory_growth_per_min: per_min, ..Thresholds::default() };
            analyze(&mut r, &t);
            r.findings.into_iter().find(|f| f.kind == "memory_growth")
        };
        assert!(at(700 * MIB).is_none(), "600 MiB/min is under a 700 MiB/min threshold");
        let over = at(500 * MIB).expect("over 500 MiB/min");
        let crossed = over.crossed.unwrap();
        assert_eq!(crossed.threshold, (500 * MIB) as f64);
        assert!((crossed.value - (600 * MIB) as f64).abs() < MIB as f64, "{crossed:?}");
        let mut r = report(vec![]);
        r.memory = Some(MemoryStats {
            timeline: points(&|i| if i == 50 { 500 * MIB } else { 100 * MIB }),
            ..Default::default()
        });
        analyze(&mut r, &Thresholds::default());
        let spike = r.findings.iter().find(|f| f.kind == "memory_spike").expect("spike");
        assert_eq!(
            spike.message,
            "memory jumped from 100.0 MiB to 500.0 MiB at 5.00 s into the session, then fell back"
        );
        // With the stage runs on the same clock, the spike names its stage.
        let memory = r.memory.as_mut().unwrap();
        memory.stages = vec![
            crate::report::StageSpan { name: "load".into(), start_ns: 0, end_ns: 9_000_000_000 },
            crate::report::StageSpan {
                name: "join".into(),
                start_ns: 4_500_000_000,
                end_ns: 5_500_000_000,
            },
        ];
        r.findings.clear();
        analyze(&mut r, &Thresholds::default());
        let spike = r.findings.iter().find(|f| f.kind == "memory_spike").unwrap();
        assert!(
            spike
                .message
                .contains("at 5.00 s into the session, while stage `join` ran, then fell back"),
            "{}",
            spike.message
        );
        assert!(!r.findings.iter().any(|f| f.kind == "memory_growth"));
    }

    #[test]
    fn only_operations_over_a_fifth_of_wall_time_are_dominant() {
        let mut r = report(vec![
            op("big", 10, 600_000_000, 1_000_000_000),
            op("edge", 10, 200_000_000, 1_000_000_000),
        ]);
        analyze(&mut r, &Thresholds::default());
        let dominant: Vec<_> =
            r.findings.iter().filter(|f| f.kind == "dominant_operation").collect();
        assert_eq!(dominant.len(), 1);
        assert_eq!(dominant[0].subject.as_deref(), Some("big"));
        assert!(dominant[0].message.contains("60.0%"), "{}", dominant[0].message);
    }

    #[test]
    fn bottlenecks_are_the_top_five_by_total_time() {
        let ops =
            (1..=7).rev().map(|i| op(&format!("op{i}"), 1, i * 1_000, 1_000_000_000)).collect();
        let mut r = report(ops);
        analyze(&mut r, &Thresholds::default());
        let names: Vec<_> = r.bottlenecks.iter().map(|b| b.name.as_str()).collect();
        assert_eq!(names, ["op7", "op6", "op5", "op4", "op3"]);
    }

    #[test]
    fn a_low_hit_rate_needs_enough_lookups() {
        let mut r = report(vec![]);
        r.cache = crate::report::CacheStats {
            hits: 1,
            misses: 5,
            hit_rate: Some(1.0 / 6.0),
            ..Default::default()
        };
        analyze(&mut r, &Thresholds::default());
        assert!(r.findings.is_empty());
        r.cache = crate::report::CacheStats {
            hits: 10,
            misses: 30,
            hit_rate: Some(0.25),
            ..Default::default()
        };
        analyze(&mut r, &Thresholds::default());
        assert_eq!(r.findings[0].kind, "low_cache_hit_rate");
        assert!(r.findings[0].message.contains("25.0%"));
    }

    #[test]
    fn warnings_come_before_information() {
        let mut slow = op("slow", 10, 900_000_000, 1_000_000_000);
        slow.failures = 1;
        let mut r = report(vec![slow]);
        r.api = crate::report::ApiStats {
            calls: 2,
            errors: 0,
            tokens: 10,
            cost_usd: 0.5,
            ..Default::default()
        };
        analyze(&mut r, &Thresholds::default());
        let severities: Vec<_> = r.findings.iter().map(|f| f.severity).collect();
        let mut sorted = severities.clone();
        sorted.sort();
        assert_eq!(severities, sorted);
        assert!(r.findings.iter().any(|f| f.kind == "api_cost"));
    }

    /// An operation whose calls took `values` nanoseconds, in a session of 1 s.
    fn timed(name: &str, values: &[u64]) -> OperationStats {
        crate::report::tail::tests::op_of(name, values)
    }

    #[test]
    fn failures_are_a_finding_with_a_rate_that_never_reads_as_zero() {
        let mut few = op("parse_line", 200_000, 30_000_000, 1_000_000_000);
        few.failures = 20;
        let mut many = op("fetch", 60, 30_000_000, 1_000_000_000);
        many.failures = 3;
        let clean = op("clean", 60, 30_000_000, 1_000_000_000);
        let mut r = report(vec![few, many, clean]);
        analyze(&mut r, &Thresholds::default());
        assert_eq!(subjects(&r, "failures"), ["fetch", "parse_line"]);
        let severity = |name: &str| {
            r.findings.iter().find(|f| f.subject.as_deref() == Some(name)).unwrap().severity
        };
        assert_eq!(
            (severity("fetch"), severity("parse_line")),
            (Severity::Warning, Severity::Info)
        );
        let text = &r.findings.iter().find(|f| f.subject.as_deref() == Some("parse_line")).unwrap();
        assert_eq!(text.message, "`parse_line` failed 20 of 200,000 calls (0.01%)");
        assert_eq!(rate_percent(0.0), "0.0%");
        assert_eq!(rate_percent(0.05), "5.0%");
        assert_eq!(rate_percent(0.000_5), "0.05%");
    }

    #[test]
    fn slow_calls_are_counted_only_against_a_threshold_that_was_set() {
        let mut slow = op("score", 1_000, 30_000_000, 1_000_000_000);
        slow.slow_threshold_ns = Some(150_000);
        slow.slow_calls = 22;
        slow.max_ns = 4_100_000;
        let mut none_slow = op("quick", 1_000, 30_000_000, 1_000_000_000);
        none_slow.slow_threshold_ns = Some(150_000);
        let mut r = report(vec![slow, none_slow, op("free", 10, 1_000, 1_000_000_000)]);
        analyze(&mut r, &Thresholds::default());
        assert_eq!(subjects(&r, "slow_calls"), ["score"]);
        assert_eq!(
            message(&r, "slow_calls"),
            "`score`: 22 of 1,000 calls (2.2%) took 150 µs or more; the slowest took 4.10 ms"
        );
    }

    #[test]
    fn a_tail_is_a_finding_only_when_it_holds_most_of_the_time_of_an_operation_that_matters() {
        // 900 calls of 100 µs and 100 of 5 ms: the slowest tenth hold 500 of 590 ms
        // (501 ms read from the histogram's buckets, within 3.125%).
        let mut values = vec![100_000; 900];
        values.extend([5_000_000; 100]);
        let heavy = timed("heavy", &values);
        // The issue's `call_llm`: 45 calls, one slow call 18% of the time.
        let mut values = vec![6_000_000; 44];
        values.push(58_000_000);
        let llm = timed("call_llm", &values);
        // The same shape as `heavy`, 590 µs in all: under 5% of the session.
        let mut values = vec![100; 900];
        values.extend([5_000; 100]);
        let small = timed("small", &values);
        let mut r = report(vec![heavy, llm, small]);
        analyze(&mut r, &Thresholds::default());
        assert_eq!(subjects(&r, "tail_latency"), ["heavy"]);
        let text = message(&r, "tail_latency");
        assert!(
            text.starts_with(
                "`heavy`: its slowest 10% of calls (100 over p90 100 µs, max 5.00 ms)"
            ) && text.contains("held 85.0% of its time (501 ms of 590 ms; median call 100 µs)"),
            "{text}"
        );
    }

    #[test]
    fn an_operation_fronted_by_a_cache_is_bimodal_not_a_tail() {
        // 370 hits of 10 µs and 30 misses of 20 ms, a cache with those lookups.
        let mut values = vec![10_000; 370];
        values.extend([20_000_000; 30]);
        let mut r = report(vec![timed("fetch_item", &values)]);
        let cache = |hits: u64, misses: u64| crate::report::CacheStats {
            hits,
            misses,
            hit_rate: Some(hits as f64 / (hits + misses) as f64),
            caches: vec![crate::report::NamedCacheStats {
                name: "items".into(),
                hits,
                misses,
                hit_rate: Some(hits as f64 / (hits + misses) as f64),
                ..Default::default()
            }],
        };
        r.cache = cache(370, 30);
        analyze(&mut r, &Thresholds::default());
        assert_eq!(subjects(&r, "cache_bimodal"), ["fetch_item"]);
        assert!(subjects(&r, "tail_latency").is_empty(), "{:?}", found(&r));
        let text = message(&r, "cache_bimodal");
        assert!(
            text.starts_with("`fetch_item` is bimodal: 92.5% of its calls are fast")
                && text.contains("matching cache `items`'s 92.5% hit rate"),
            "{text}"
        );
        // A cache whose lookups are not one per call: the slow calls are a tail.
        r.cache = cache(3_700, 300);
        analyze(&mut r, &Thresholds::default());
        assert!(subjects(&r, "cache_bimodal").is_empty());
        assert_eq!(subjects(&r, "tail_latency"), ["fetch_item"]);
    }

    #[test]
    fn cancelled_futures_are_information() {
        let mut dropped = op("fetch", 10, 1_000, 1_000_000_000);
        dropped.cancelled = 3;
        let mut r = report(vec![dropped, op("done", 10, 1_000, 1_000_000_000)]);
        analyze(&mut r, &Thresholds::default());
        assert_eq!(subjects(&r, "cancelled"), ["fetch"]);
        assert_eq!(
            message(&r, "cancelled"),
            "`fetch`: 3 futures were dropped before completing (10 completed)"
        );
    }

    #[test]
    fn a_named_caches_low_hit_rate_is_a_finding_only_when_it_dropped_entries() {
        let named = |evictions: u64, expirations: u64| crate::report::CacheStats {
            hits: 60,
            misses: 180,
            hit_rate: Some(0.25),
            caches: vec![crate::report::NamedCacheStats {
                name: "users".into(),
                hits: 60,
                misses: 180,
                evictions,
                expirations,
                hit_rate: Some(0.25),
            }],
        };
        let mut r = report(vec![]);
        // Every miss a key it never held: a cold cache, no capacity helps.
        r.cache = named(0, 0);
        analyze(&mut r, &Thresholds::default());
        assert!(r.findings.is_empty(), "{:?}", found(&r));
        r.cache = named(35, 2);
        analyze(&mut r, &Thresholds::default());
        assert_eq!(subjects(&r, "low_cache_hit_rate"), ["users"]);
        assert_eq!(
            message(&r, "low_cache_hit_rate"),
            "cache `users` hit 25.0% of its lookups (60 hits, 180 misses) and dropped entries it \
             held: 35 evicted, 2 expired"
        );
    }

    #[test]
    fn api_errors_and_spend_are_findings_only_with_api_calls() {
        let mut r = report(vec![]);
        analyze(&mut r, &Thresholds::default());
        assert!(r.findings.is_empty());
        r.api = crate::report::ApiStats {
            calls: 40,
            errors: 4,
            tokens: 4_000,
            cost_usd: 0.02,
            ..Default::default()
        };
        analyze(&mut r, &Thresholds::default());
        assert_eq!(
            found(&r).iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(),
            ["api_errors", "api_cost"]
        );
        assert_eq!(message(&r, "api_errors"), "4 of 40 API calls failed (10.0%)");
        r.api.errors = 0;
        analyze(&mut r, &Thresholds::default());
        assert!(subjects(&r, "api_errors").is_empty());
        assert_eq!(
            message(&r, "api_cost"),
            "API spend $0.0200 over 40 calls: $0.00050 and 100 tokens per call"
        );
    }

    #[test]
    fn a_process_mostly_waiting_is_information_over_a_long_enough_session() {
        let process =
            |cpu: f64| crate::report::ProcessStats { cpu_utilization: cpu, ..Default::default() };
        let mut r = report(vec![op("fetch", 10, 500_000_000, 1_000_000_000)]);
        r.process = Some(process(0.10));
        analyze(&mut r, &Thresholds::default());
        assert_eq!(
            message(&r, "mostly_waiting"),
            "the process used 10.0% of one core over the session: it mostly waited (I/O, sleeps, locks)"
        );
        r.process = Some(process(0.60));
        analyze(&mut r, &Thresholds::default());
        assert!(!r.findings.iter().any(|f| f.kind == "mostly_waiting"));
        // A short session says little about how it spends its time.
        r.process = Some(process(0.10));
        r.wall_ns = 100_000_000;
        analyze(&mut r, &Thresholds::default());
        assert!(!r.findings.iter().any(|f| f.kind == "mostly_waiting"));
    }

    #[test]
    fn a_busy_machine_is_said_and_waiting_is_claimed_only_where_it_cannot_be_a_wait_for_a_core() {
        let cpu = |share: f64| {
            Some(crate::report::CpuTime {
                cpu_ns: (share * 5e8) as u64,
                cpu_share: share,
                readings: 10,
            })
        };
        let mut preempted = op("match_rule", 10, 500_000_000, 1_000_000_000);
        preempted.cpu = cpu(0.25);
        let mut sleeper = op("lookup_region", 10, 300_000_000, 1_000_000_000);
        sleeper.cpu = cpu(0.01);
        let mut r = report(vec![preempted, sleeper]);
        let process = |pressure: Option<f64>| crate::report::ProcessStats {
            cpu_utilization: 0.2,
            cpu_pressure: pressure,
            ..Default::default()
        };
        // A quiet machine: both wait, and so does the process.
        r.process = Some(process(Some(0.02)));
        analyze(&mut r, &Thresholds::default());
        assert_eq!(subjects(&r, "operation_waiting"), ["match_rule", "lookup_region"]);
        assert!(r.findings.iter().any(|f| f.kind == "mostly_waiting"));
        assert!(!r.findings.iter().any(|f| f.kind == "busy_machine"));
        // A busy one: 25% on CPU may be a CPU-bound call sharing its core.
        r.process = Some(process(Some(0.63)));
        analyze(&mut r, &Thresholds::default());
        assert_eq!(subjects(&r, "operation_waiting"), ["lookup_region"]);
        assert!(!r.findings.iter().any(|f| f.kind == "mostly_waiting"), "{:?}", found(&r));
        assert_eq!(
            message(&r, "busy_machine"),
            "for 63.0% of the session some task on this machine (this process's threads \
             included) was ready to run and waited for a CPU (Linux CPU pressure)"
        );
        // No pressure figure (not Linux): as on a quiet machine.
        r.process = Some(process(None));
        analyze(&mut r, &Thresholds::default());
        assert_eq!(subjects(&r, "operation_waiting"), ["match_rule", "lookup_region"]);
    }

    #[test]
    fn a_future_blocks_its_executor_only_with_long_busy_polls() {
        let polling = |busy_share: f64, mean_poll_ns: u64| {
            Some(crate::report::Polling {
                polls: 10,
                polls_per_call: 1.0,
                busy_ns: 0,
                waiting_ns: 0,
                busy_share,
                mean_poll_ns,
            })
        };
        let mut hog = op("hog", 10, 50_000_000, 1_000_000_000);
        hog.polling = polling(0.95, 5_000_000);
        let mut short = op("short", 10, 50_000_000, 1_000_000_000);
        short.polling = polling(0.95, 50_000);
        let mut idle = op("idle", 10, 50_000_000, 1_000_000_000);
        idle.polling = polling(0.10, 5_000_000);
        let mut r = report(vec![hog, short, idle]);
        analyze(&mut r, &Thresholds::default());
        assert_eq!(subjects(&r, "blocks_executor"), ["hog"]);
        assert_eq!(
            message(&r, "blocks_executor"),
            "`hog` spends 95.0% of its wall time inside poll, 5.00 ms per poll: it blocks the executor"
        );
    }

    #[test]
    fn a_flat_memory_timeline_is_neither_growth_nor_a_spike() {
        use crate::report::{MemoryPoint, MemoryStats};
        let flat = (0..100u64)
            .map(|i| MemoryPoint {
                at_ns: i * 10_000_000,
                mean_bytes: 50 << 20,
                max_bytes: 50 << 20,
            })
            .collect();
        let mut r = report(vec![]);
        r.memory = Some(MemoryStats { timeline: flat, ..Default::default() });
        analyze(&mut r, &Thresholds::default());
        assert!(r.findings.is_empty(), "{:?}", found(&r));
    }

    #[test]
    fn a_stage_that_built_something_once_is_information_and_one_that_keeps_growing_a_warning() {
        use crate::report::StageMemory;
        const MIB: u64 = 1 << 20;
        let memory = |runs: u64, growth: u64, latest: u64| StageMemory {
            runs,
            start_bytes: 34 * MIB,
            end_bytes: 34 * MIB + latest,
            peak_bytes: 34 * MIB + latest,
            growth_bytes: growth as i64,
            efficiency: 0.0,
        };
        let staged = |m: StageMemory| {
            let mut s = stage("enrich", 1_000, 1_000_000_000);
            s.runs = m.runs;
            s.memory = Some(m);
            s
        };
        let mut r = report(vec![]);
        // The pipeline's enrich: a directory built in its first run and kept.
        r.stages = vec![staged(memory(40, 30 * MIB, 0))];
        analyze(&mut r, &Thresholds::default());
        assert_eq!(found(&r), [("stage_memory_kept".to_owned(), "enrich".to_owned())]);
        assert_eq!(r.findings[0].severity, Severity::Info);
        assert_eq!(
            r.findings[0].message,
            "stage `enrich` kept 30.0 MiB over its 40 runs but none of it in its latest run \
             (34.0 MiB to 34.0 MiB): memory it built once and keeps, not growth every run"
        );
        // A leak: every run keeps about as much as the others (1.5 MiB, or
        // 500 KiB: small, but no less than its runs keep on average).
        for (growth, latest) in [(60 * MIB, 3 * MIB / 2), (20 * MIB, 500 << 10)] {
            r.stages = vec![staged(memory(40, growth, latest))];
            analyze(&mut r, &Thresholds::default());
            assert_eq!(subjects(&r, "stage_memory"), ["enrich"], "{growth} {latest}");
            assert!(r.findings[0].crossed.is_some());
        }
        // A stage that gives its memory back is no finding.
        let mut given_back = memory(40, 30 * MIB, 0);
        given_back.efficiency = 95.0;
        r.stages = vec![staged(given_back)];
        analyze(&mut r, &Thresholds::default());
        assert!(r.findings.is_empty(), "{:?}", found(&r));
    }

    #[test]
    fn dropped_data_and_quality_flags_are_findings_only_when_there_are_some() {
        let mut r = report(vec![]);
        analyze(&mut r, &Thresholds::default());
        assert!(r.findings.is_empty());
        r.dropped.events = 5;
        r.flags = vec![crate::report::QualityFlag {
            severity: Severity::Warning,
            message: "rows skipped".into(),
            at_ns: 0,
        }];
        analyze(&mut r, &Thresholds::default());
        assert_eq!(
            message(&r, "data_dropped"),
            "this report leaves out 5 events that fell out of the event log"
        );
        assert_eq!(message(&r, "flag"), "rows skipped");
    }
}
