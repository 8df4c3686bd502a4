//! Bottlenecks and recommendations drawn from a report's figures.
//!
//! Each rule is a small function over the report that states its figures in
//! the message, so a reader can check the conclusion.

use super::text::{bytes, count, duration, percent, sanitize};
use super::{Bottleneck, Finding, MemoryStats, OperationStats, SessionReport, Severity};
use crate::state::thresholds::Thresholds;

/// Operations taking more than this share of the session's wall time get a warning.
pub const DOMINANT_SHARE: f64 = 0.20;
/// How many operations the bottleneck list names.
pub const BOTTLENECK_COUNT: usize = 5;

/// Fills `report.bottlenecks` and `report.findings`, comparing stages
/// against the monitor's `thresholds`.
pub(crate) fn analyze(report: &mut SessionReport, thresholds: &Thresholds) {
    // Ranked by the wall time each held: its own code, not its callees',
    // with overlapping calls counted once (see `WallShare`).
    let mut ranked: Vec<&OperationStats> =
        report.operations.iter().filter(|op| held_ns(op) > 0).collect();
    ranked.sort_by(|a, b| held_ns(b).cmp(&held_ns(a)).then_with(|| a.name.cmp(&b.name)));
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
        })
        .collect();

    let mut findings = Vec::new();
    dominant_operations(report, &mut findings);
    failures(report, &mut findings);
    slow_calls(report, &mut findings);
    tail_latency(report, &mut findings);
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

/// `held_ns` over the session's wall time, at most 1.
fn held_share(op: &OperationStats, wall_ns: u64) -> f64 {
    match &op.wall {
        Some(w) => w.share,
        None => self_share(op, wall_ns).min(1.0),
    }
}

/// The cache in front of `op`, with its hit rate: a cache that missed
/// exactly as many times as `op` was called (its loader runs on a miss).
pub(crate) fn cache_in_front(report: &SessionReport, op: &OperationStats) -> Option<(String, f64)> {
    if op.calls == 0 {
        return None;
    }
    let named = report.cache.caches.iter().map(|c| (c.name.as_str(), c.misses, c.hit_rate));
    let total = std::iter::once(("", report.cache.misses, report.cache.hit_rate));
    named
        .chain(total)
        .find(|&(_, misses, rate)| misses == op.calls && rate.is_some_and(|r| r > 0.0))
        .map(|(name, _, rate)| (name.to_owned(), rate.unwrap_or(0.0)))
}

/// The operations that held more than [`DOMINANT_SHARE`] of the session's
/// wall time (see [`super::WallShare`]): what a speed-up would save most.
fn dominant_operations(report: &SessionReport, out: &mut Vec<Finding>) {
    let mut dominant: Vec<(&OperationStats, f64)> = report
        .operations
        .iter()
        .map(|op| (op, held_share(op, report.wall_ns)))
        .filter(|&(_, share)| share > DOMINANT_SHARE)
        .collect();
    dominant.sort_by(|a, b| b.1.total_cmp(&a.1));
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
            "{what} held {}{} of the session's wall time ({}; {shape}{callees}{})",
            about(op),
            percent(share),
            duration(held),
            estimated_from(op)
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
            op.calls
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
                op.failures,
                op.calls,
                percent(rate)
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
                op.slow_calls,
                op.calls,
                percent(op.slow_calls as f64 / op.calls.max(1) as f64),
                duration(threshold),
                duration(op.max_ns),
                estimated_from(op)
            ),
            None,
        );
        out.push(crossing(found, threshold as f64, op.max_ns as f64));
    }
}

fn tail_latency(report: &SessionReport, out: &mut Vec<Finding>) {
    for op in &report.operations {
        if op.calls >= 50 && op.p99_ns >= 1_000_000 && op.p99_ns > op.p50_ns.saturating_mul(10) {
            out.push(finding(
                Severity::Warning,
                "tail_latency",
                Some(&op.name),
                format!(
                    "`{}`: p99 {} is {:.0}x the median {}",
                    sanitize(&op.name),
                    duration(op.p99_ns),
                    op.p99_ns as f64 / op.p50_ns.max(1) as f64,
                    duration(op.p50_ns)
                ),
                Some(
                    "A few calls are far slower than the rest: look for contention, retries, \
                     cold caches or large inputs in those calls."
                        .to_owned(),
                ),
            ));
        }
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

fn cache(report: &SessionReport, out: &mut Vec<Finding>) {
    let c = &report.cache;
    let Some(rate) = c.hit_rate else { return };
    if c.hits + c.misses >= 20 && rate < 0.5 {
        out.push(finding(
            Severity::Warning,
            "low_cache_hit_rate",
            Some("cache"),
            format!("cache hit rate is {} ({} hits, {} misses)", percent(rate), c.hits, c.misses),
            Some(
                "Warm the cache, raise its capacity or TTL, or check the key for parts that \
                 vary per request."
                    .to_owned(),
            ),
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

fn waiting(report: &SessionReport, out: &mut Vec<Finding>) {
    let Some(p) = &report.process else { return };
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
/// One at or over this share is named as CPU-bound.
pub(crate) const CPU_BOUND_SHARE: f64 = 0.8;

/// At the detailed level: operations that matter (5% of the wall time, at
/// least 1 ms) and mostly wait, or mostly compute, from their CPU time.
fn cpu_versus_waiting(report: &SessionReport, out: &mut Vec<Finding>) {
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
        if cpu.cpu_share < WAITING_CPU_SHARE {
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

fn slow_stages(report: &SessionReport, floor: f64, out: &mut Vec<Finding>) {
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

fn stage_memory(report: &SessionReport, threshold: f64, out: &mut Vec<Finding>) {
    for stage in &report.stages {
        let Some(m) = &stage.memory else { continue };
        if m.efficiency >= threshold {
            continue;
        }
        let found = finding(
            Severity::Warning,
            "stage_memory",
            Some(&stage.name),
            format!(
                "stage `{}` kept {} of its memory growth (efficiency {:.0} of 100, under {:.0}; latest run {} to {}, peak {})",
                sanitize(&stage.name),
                bytes(m.growth_bytes.max(0) as u64),
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

    fn op(name: &str, calls: u64, total_ns: u64, wall_ns: u64) -> OperationStats {
        OperationStats {
            name: name.into(),
            module_path: "m".into(),
            file: "f.rs".into(),
            line: 1,
            kind: Default::default(),
            calls,
            timed_calls: calls,
            estimated: false,
            failures: 0,
            cancelled: 0,
            slow_calls: 0,
            slow_threshold_ns: None,
            total_ns,
            mean_ns: total_ns / calls.max(1),
            min_ns: 1,
            max_ns: total_ns,
            p50_ns: total_ns / calls.max(1),
            p90_ns: total_ns / calls.max(1),
            p99_ns: total_ns / calls.max(1),
            share_of_wall: total_ns as f64 / wall_ns as f64,
            self_ns: None,
            component: None,
            last_error: None,
            histogram: Default::default(),
            cpu: None,
            heap: None,
            polling: None,
            callers: Vec::new(),
            callees: Vec::new(),
            wall: None,
        }
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

    #[test]
    fn a_stage_under_the_items_per_second_floor_is_a_finding() {
        use crate::report::StageStats;
        let stage = |name: &str, items: u64, total_ns: u64| StageStats {
            name: name.into(),
            runs: 1,
            total_ns,
            items,
            items_per_sec: Some(items as f64 * 1e9 / total_ns as f64),
            memory: None,
            heap: None,
            component: None,
        };
        let mut r = report(vec![]);
        r.stages = vec![
            stage("enrich", 500, 1_000_000_000),
            stage("parse", 50_000, 1_000_000_000),
            stage("setup", 0, 5),
        ];
        analyze(&mut r, &Thresholds::default());
        let slow: Vec<&str> = r
            .findings
            .iter()
            .filter(|f| f.kind == "slow_stage")
            .map(|f| f.message.as_str())
            .collect();
        assert_eq!(
            slow,
            ["stage `enrich` processed 500 items/s, under the floor of 1000 (500 items in 1.00 s)"]
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
        // The defaults: 5,000 items/s is over the floor, 50 under the threshold.
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
}
