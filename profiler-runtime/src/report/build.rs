//! Turns a session's raw figures into its report: one row per operation name,
//! percentiles from the merged histograms, stages, counters, the process, and
//! the findings drawn from all of it.

use super::estimate::scale;
use super::{
    findings, ApiStats, CacheStats, Dropped, ModelSpend, NamedCacheStats, OperationStats,
    ProcessStats, SessionReport, StageStats, SCHEMA_VERSION,
};
use crate::record::clock;
use crate::record::detail::trace;
use crate::record::shards::counter;
use crate::record::sites::registry::OperationKind;
use crate::record::sites::registry::{self, SiteInfo};
use crate::record::storage::histogram::Histogram;
use crate::record::storage::reading::{DetailTotals, SiteTotals, StratumTotals};
use crate::resources;
use crate::session::SessionData;
use crate::state::api_models::{self, Field};
use crate::state::cache_names;
use crate::state::thresholds::Thresholds;
use std::collections::btree_map::{BTreeMap, Entry};

/// The report of `data`.
pub(crate) fn report(data: SessionData) -> SessionReport {
    let wall_ns = data.wall_ns;
    let sites = registry::sites();

    // Callsites that share a name share a row: explicit names on purpose, and
    // the registry never gives two functions the same default name.
    // The first callsite of a row is moved in, not copied: its buckets are
    // the bulk of a reading.
    let mut rows: BTreeMap<&str, Row<'_>> = BTreeMap::new();
    for (index, totals) in data.totals.sites.into_iter().enumerate() {
        if totals.calls == 0 && totals.untimed == 0 && totals.cancelled == 0 {
            continue;
        }
        let Some(info) = sites.get(index) else { continue };
        match rows.entry(info.name.as_str()) {
            Entry::Vacant(row) => {
                row.insert(Row { info, totals });
            }
            Entry::Occupied(mut row) => row.get_mut().add(&totals),
        }
    }
    let defaults = &data.thresholds;
    let mut operations: Vec<_> = rows.into_values().map(|r| r.finish(wall_ns, defaults)).collect();
    operations.sort_by(|a, b| b.total_ns.cmp(&a.total_ns).then_with(|| a.name.cmp(&b.name)));
    let call_tree = super::graph::attach(&mut operations, &data.totals.tree, &sites);
    super::wall::attach(&mut operations, data.wall.as_ref(), &sites, wall_ns);

    let stages = data
        .stages
        .into_iter()
        .map(|(name, t)| StageStats {
            runs: t.runs,
            total_ns: t.total_ns,
            items: t.items,
            items_per_sec: (t.total_ns > 0).then(|| t.items as f64 * 1e9 / t.total_ns as f64),
            memory: stage_memory(&t.memory),
            heap: (t.heap.0 > 0).then_some(super::StageHeap {
                runs: t.heap.0,
                allocated_bytes: t.heap.1,
                allocations: t.heap.2,
            }),
            component: data.stage_components.get(&name).cloned(),
            name,
        })
        .collect::<Vec<_>>();
    let components = components(&operations, &stages, wall_ns);

    let names = counter::names();
    let mut counters = BTreeMap::new();
    let mut models: BTreeMap<String, ModelSpend> = BTreeMap::new();
    let mut caches: BTreeMap<&str, NamedCacheStats> = BTreeMap::new();
    for (i, &n) in data.totals.counters.iter().enumerate().filter(|(_, &n)| n > 0) {
        let Some(name) = names.get(i) else { continue };
        if let Some((cache, field)) = cache_names::parse(name) {
            let row = caches.entry(cache).or_insert_with(|| NamedCacheStats {
                name: cache.to_owned(),
                ..Default::default()
            });
            match field {
                cache_names::Field::Hits => row.hits = n,
                cache_names::Field::Misses => row.misses = n,
                cache_names::Field::Evictions => row.evictions = n,
                cache_names::Field::Expirations => row.expirations = n,
            }
            continue;
        }
        match api_models::parse(name) {
            Some((model, field)) => {
                let row = models.entry(model.to_owned()).or_insert_with(|| ModelSpend {
                    model: model.to_owned(),
                    ..Default::default()
                });
                match field {
                    Field::Calls => row.calls = n,
                    Field::Errors => row.errors = n,
                    Field::InputTokens => row.input_tokens = n,
                    Field::OutputTokens => row.output_tokens = n,
                    Field::CostNanoUsd => row.cost_usd = n as f64 / 1e9,
                }
            }
            None => {
                counters.insert(name.clone(), n);
            }
        }
    }
    let mut models: Vec<ModelSpend> = models.into_values().filter(|m| m.calls > 0).collect();
    for m in &mut models {
        m.cost_per_call_usd = m.cost_usd / m.calls as f64;
    }
    models.sort_by(|a, b| {
        b.cost_usd.total_cmp(&a.cost_usd).then(b.calls.cmp(&a.calls)).then(a.model.cmp(&b.model))
    });

    let mut caches: Vec<NamedCacheStats> = caches.into_values().collect();
    for c in &mut caches {
        let lookups = c.hits + c.misses;
        c.hit_rate = (lookups > 0).then(|| c.hits as f64 / lookups as f64);
    }
    caches.sort_by(|a, b| {
        (b.hits + b.misses).cmp(&(a.hits + a.misses)).then_with(|| a.name.cmp(&b.name))
    });

    let [hits, misses, api_calls, api_errors, tokens, nano_usd] = data.totals.fixed;
    let lookups = hits + misses;
    let hit_rate = (lookups > 0).then(|| hits as f64 / lookups as f64);
    let cache = CacheStats { hits, misses, hit_rate, caches };
    let api = ApiStats {
        calls: api_calls,
        errors: api_errors,
        tokens,
        cost_usd: nano_usd as f64 / 1e9,
        input_tokens: models.iter().map(|m| m.input_tokens).sum(),
        output_tokens: models.iter().map(|m| m.output_tokens).sum(),
        models,
    };

    let process = data.process.map(|(start, now)| {
        let cpu_time_ms = now.cpu_time_ms.saturating_sub(start.cpu_time_ms);
        ProcessStats {
            rss_start_bytes: start.rss_bytes,
            rss_end_bytes: now.rss_bytes,
            rss_peak_bytes: resources::peak_rss_bytes(),
            cpu_time_ms,
            cpu_utilization: share(cpu_time_ms * 1_000_000, wall_ns),
            cpu_pressure: start.cpu_pressure_us.zip(now.cpu_pressure_us).map(|(from, to)| {
                share(to.saturating_sub(from).saturating_mul(1_000), wall_ns).min(1.0)
            }),
        }
    });

    let mut report = SessionReport {
        schema_version: SCHEMA_VERSION,
        session_id: data.id,
        sequence: data.sequence,
        started_at_unix_ms: data.started_unix_ms,
        wall_ns,
        ended: data.ended,
        clock: clock::NAME.to_owned(),
        recording: super::Recording::On,
        operations,
        stages,
        cache,
        api,
        counters,
        process,
        bottlenecks: Vec::new(),
        components,
        findings: Vec::new(),
        previous: None,
        windows: None,
        running_stages: data
            .running_stages
            .iter()
            .map(|(name, items, expected, elapsed_ns)| {
                progress(name, *items, *expected, *elapsed_ns)
            })
            .collect(),
        level: data.level,
        memory: data.memory.as_ref().and_then(|timeline| {
            let mut stats =
                super::memory::stats(timeline, data.memory_interval.as_secs_f64() * 1e3)?;
            stats.stages = data
                .stage_runs
                .iter()
                .map(|(name, start_ns, end_ns)| super::StageSpan {
                    name: name.clone(),
                    start_ns: *start_ns,
                    end_ns: *end_ns,
                })
                .collect();
            Some(stats)
        }),
        heap: data.heap.map(|(start, end)| {
            let during = end.since(&start);
            let sampled = data.memory.as_ref().and_then(|t| t.heap_peak).unwrap_or(0);
            super::HeapStats {
                allocated_bytes: during.allocated,
                allocations: during.allocations,
                freed_bytes: during.freed,
                live_start_bytes: start.live(),
                live_end_bytes: end.live(),
                peak_live_bytes: sampled.max(start.live()).max(end.live()),
            }
        }),
        call_tree,
        trace: data
            .trace
            .map(|(events, dropped)| call_trace(events, dropped, data.start_stamp, &sites)),
        flags: data
            .flags
            .iter()
            .map(|(stamp, severity, message)| super::QualityFlag {
                severity: *severity,
                message: message.clone(),
                at_ns: clock::nanos_between(data.start_stamp, *stamp),
            })
            .collect(),
        events: data.events,
        dropped: Dropped {
            callsites: data.callsites_dropped,
            counters: data.counters_dropped,
            stages: data.stages_dropped,
            events: data.events_dropped,
            flags: data.flags_dropped,
            histogram_values: data.totals.histogram_dropped,
        },
    };
    report.recording =
        super::Recording::of(cfg!(feature = "enabled"), data.recording, report.recorded_anything());
    findings::analyze(&mut report, &data.thresholds);
    report
}

/// One report row being assembled from the callsites that share a name.
struct Row<'a> {
    info: &'a SiteInfo,
    totals: SiteTotals,
}

impl Row<'_> {
    fn add(&mut self, t: &SiteTotals) {
        self.totals.add(t);
    }

    fn finish(self, wall_ns: u64, defaults: &Thresholds) -> OperationStats {
        let t = self.totals;
        let histogram = Histogram::from_counts(t.buckets.counts());
        let recorded = histogram.count() > 0;
        // min/max come from the slots when this session's epoch saw a call;
        // otherwise (a call that straddled the session start) from the histogram.
        let (min_ns, max_ns) = if t.min_ns <= t.max_ns && recorded {
            (t.min_ns, t.max_ns)
        } else {
            (histogram.quantile(0.0).unwrap_or(0), histogram.quantile(1.0).unwrap_or(0))
        };
        let polling = polling(&t, self.info.kind);
        let pct = |q: f64| histogram.quantile(q).unwrap_or(0).clamp(min_ns, max_ns.max(min_ns));
        // Sampled: the timed calls are a uniform random sample of all calls
        // (see `record::sites::sampling`), so their sums scale by calls / timed.
        let calls = t.calls + t.untimed;
        let estimated = t.untimed > 0;
        // Without a threshold of its own, the monitor's default applies,
        // counted from the histogram (the calls never compared against it).
        let (slow_threshold_ns, slow) = match self.info.slow_ns {
            None if defaults.default_slow_ns > 0 => {
                (Some(defaults.default_slow_ns), histogram.count_from(defaults.default_slow_ns))
            }
            own => (own, t.slow),
        };
        let (total_ns, slow_calls) = if estimated {
            (scale(t.total_ns, calls, t.calls), scale(slow, calls, t.calls))
        } else {
            (t.total_ns, slow)
        };
        OperationStats {
            name: self.info.name.clone(),
            module_path: self.info.module_path.clone(),
            file: self.info.file.clone(),
            line: self.info.line,
            kind: self.info.kind,
            calls,
            timed_calls: t.calls,
            estimated,
            failures: t.failures,
            cancelled: t.cancelled,
            slow_calls,
            slow_threshold_ns,
            total_ns,
            mean_ns: t.total_ns.checked_div(t.calls).unwrap_or(0),
            min_ns,
            max_ns,
            p50_ns: pct(0.50),
            p90_ns: pct(0.90),
            p99_ns: pct(0.99),
            share_of_wall: share(total_ns, wall_ns),
            self_ns: Some(if estimated { scale(t.self_ns, calls, t.calls) } else { t.self_ns }),
            component: self.info.component.clone().or_else(|| match self.info.kind {
                OperationKind::Manual => None,
                _ => module_component(&self.info.module_path, defaults.module_components),
            }),
            last_error: t.error.map(|(_, text)| text),
            histogram,
            cpu: cpu_time(&t.detail, total_ns),
            heap: heap_use(&t.detail, calls),
            polling,
            callers: Vec::new(),
            callees: Vec::new(),
            wall: None,
        }
    }
}

/// A future's busy and waiting time over its timed calls (see
/// `record::storage::pauses`): busy is wall time less the pauses.
fn polling(t: &SiteTotals, kind: OperationKind) -> Option<super::Polling> {
    if !matches!(kind, OperationKind::Async | OperationKind::Span) || t.calls == 0 {
        return None;
    }
    let waiting_ns = t.pauses.waited_ns.min(t.total_ns);
    let busy_ns = t.total_ns - waiting_ns;
    let polls = t.calls + t.pauses.pauses;
    Some(super::Polling {
        polls,
        polls_per_call: polls as f64 / t.calls as f64,
        busy_ns,
        waiting_ns,
        busy_share: if t.total_ns > 0 { busy_ns as f64 / t.total_ns as f64 } else { 1.0 },
        mean_poll_ns: busy_ns / polls,
    })
}

/// The first `segments` of `module_path` (0: none).
fn module_component(module_path: &str, segments: usize) -> Option<String> {
    if segments == 0 || module_path.is_empty() {
        return None;
    }
    Some(module_path.split("::").take(segments).collect::<Vec<_>>().join("::"))
}

/// The session's events, by start time, the latest [`MAX_TRACE_EVENTS`] kept.
fn call_trace(
    events: Vec<trace::Event>,
    dropped: u64,
    origin: u64,
    sites: &[SiteInfo],
) -> super::CallTrace {
    let mut out: Vec<super::CallEvent> = events
        .into_iter()
        .filter_map(|e| {
            let info = sites.get(e.site as usize)?;
            let end_ns = clock::nanos_between(origin, e.end);
            Some(super::CallEvent {
                operation: info.name.clone(),
                kind: match e.kind {
                    trace::Kind::Call => super::CallEventKind::Call,
                    trace::Kind::Poll => super::CallEventKind::Poll,
                    trace::Kind::AsyncCall => super::CallEventKind::AsyncCall,
                },
                thread: e.thread,
                id: e.id,
                parent: (e.parent != 0).then_some(e.parent),
                call: (e.call != 0).then_some(e.call),
                start_ns: end_ns.saturating_sub(e.duration_ns),
                duration_ns: e.duration_ns,
            })
        })
        .collect();
    out.sort_by_key(|e| (e.start_ns, std::cmp::Reverse(e.duration_ns)));
    let cut = out.len().saturating_sub(super::MAX_TRACE_EVENTS);
    out.drain(..cut);
    super::CallTrace { events: out, threads: trace::thread_names(), dropped: dropped + cut as u64 }
}

/// CPU time from the weighted readings (see `record::detail`): each
/// stratum's CPU-to-wall ratio times its exact wall time, over the whole
/// wall time, applied to the operation's wall time. A stratum holding a
/// twentieth or more of the wall time must have at least 10 readings or one
/// for a fifth of its calls, else there is no figure; a smaller one without
/// enough takes the other's ratio.
fn cpu_time(d: &DetailTotals, total_ns: u64) -> Option<super::CpuTime> {
    if d.wall == 0 {
        return None;
    }
    let long_wall = d.long_wall.min(d.wall);
    let short_wall = d.wall - long_wall;
    let long_calls = d.long_calls.min(d.calls);
    let covered = |s: &StratumTotals, calls: u64| s.readings >= 10 || s.readings * 5 >= calls;
    let short_ratio = d.short.ratio().filter(|_| covered(&d.short, d.calls - long_calls));
    let long_ratio = d.long.ratio().filter(|_| covered(&d.long, long_calls));
    let pick = |own: Option<f64>, wall: u64, other: Option<f64>| match own {
        Some(ratio) => Some(ratio),
        None if wall == 0 => Some(0.0),
        None if (wall as f64) < d.wall as f64 / 20.0 => other,
        None => None,
    };
    let short = pick(short_ratio, short_wall, long_ratio)?;
    let long = pick(long_ratio, long_wall, short_ratio)?;
    let cpu = short * short_wall as f64 + long * long_wall as f64;
    // A thread cannot run longer than it exists: what passes 1.0 is the
    // readings' own noise.
    let cpu_share = (cpu / d.wall as f64).min(1.0);
    Some(super::CpuTime {
        cpu_ns: (total_ns as f64 * cpu_share) as u64,
        cpu_share,
        readings: d.short.readings + d.long.readings,
    })
}

/// Allocations charged to the calls, scaled to every call when fewer were
/// measured.
fn heap_use(d: &DetailTotals, calls: u64) -> Option<super::HeapUse> {
    if d.calls == 0 || !crate::record::detail::heap::installed() {
        return None;
    }
    let estimated = d.calls < calls;
    let (bytes, allocations) = if estimated {
        (scale(d.bytes, calls, d.calls), scale(d.allocations, calls, d.calls))
    } else {
        (d.bytes, d.allocations)
    };
    Some(super::HeapUse { bytes, allocations, measured_calls: d.calls, estimated })
}

/// The operations and stages that name a component, rolled up per
/// component, most self time first.
fn components(
    operations: &[OperationStats],
    stages: &[StageStats],
    wall_ns: u64,
) -> Vec<super::ComponentStats> {
    let mut by_name: BTreeMap<&str, super::ComponentStats> = BTreeMap::new();
    let mut slowest: BTreeMap<&str, u64> = BTreeMap::new();
    let new = |name: &str| super::ComponentStats {
        name: name.to_owned(),
        operations: 0,
        calls: 0,
        failures: 0,
        total_ns: 0,
        self_ns: 0,
        held_ns: 0,
        share_of_wall: 0.0,
        slowest: String::new(),
        stages: 0,
        stage_ns: 0,
    };
    for stage in stages {
        let Some(name) = stage.component.as_deref() else { continue };
        let c = by_name.entry(name).or_insert_with(|| new(name));
        c.stages += 1;
        c.stage_ns = c.stage_ns.saturating_add(stage.total_ns);
    }
    for op in operations {
        let Some(name) = op.component.as_deref() else { continue };
        let c = by_name.entry(name).or_insert_with(|| new(name));
        c.operations += 1;
        c.calls += op.calls;
        c.failures += op.failures;
        c.total_ns = c.total_ns.saturating_add(op.total_ns);
        c.self_ns = c.self_ns.saturating_add(op.self_time_ns());
        let held = super::findings::held_ns(op);
        c.held_ns = c.held_ns.saturating_add(held);
        let most = slowest.entry(name).or_insert(0);
        if c.slowest.is_empty() || held > *most {
            *most = held;
            c.slowest = op.name.clone();
        }
    }
    let mut out: Vec<_> = by_name
        .into_values()
        .map(|mut c| {
            c.held_ns = c.held_ns.min(wall_ns);
            c.share_of_wall = share(c.held_ns, wall_ns);
            c
        })
        .collect();
    out.sort_by(|a, b| b.held_ns.cmp(&a.held_ns).then_with(|| a.name.cmp(&b.name)));
    out
}

/// A running stage's progress: rate so far, share done and time left.
fn progress(name: &str, items: u64, expected: u64, elapsed_ns: u64) -> super::StageProgress {
    let rate = (elapsed_ns > 0).then(|| items as f64 * 1e9 / elapsed_ns as f64);
    let expected = (expected > 0).then_some(expected);
    let percent_done = expected.map(|total| (100.0 * items as f64 / total as f64).min(100.0));
    let eta_ns = match (expected, rate) {
        (Some(total), _) if items >= total => Some(0),
        (Some(total), Some(rate)) if rate > 0.0 => {
            Some(((total - items) as f64 / rate * 1e9) as u64)
        }
        _ => None,
    };
    super::StageProgress {
        name: name.to_owned(),
        items,
        expected,
        elapsed_ns,
        items_per_sec: rate,
        percent_done,
        eta_ns,
    }
}

/// A stage's memory figures, if its runs were measured.
fn stage_memory(m: &crate::state::stage::StageMemoryTotals) -> Option<super::StageMemory> {
    if m.runs == 0 {
        return None;
    }
    let (start_bytes, end_bytes, peak_bytes) = m.last;
    // growth = sum(end - start) = sum(peak - start) - sum(peak - end).
    let growth_bytes = m.peak_growth as i64 - m.released as i64;
    let efficiency = if m.peak_growth < 1 << 20 {
        100.0
    } else {
        (100.0 * m.released as f64 / m.peak_growth as f64).clamp(0.0, 100.0)
    };
    Some(super::StageMemory {
        runs: m.runs,
        start_bytes,
        end_bytes,
        peak_bytes,
        growth_bytes,
        efficiency,
    })
}

/// `part_ns` over `wall_ns`, 0 for an empty session.
pub(crate) fn share(part_ns: u64, wall_ns: u64) -> f64 {
    if wall_ns == 0 {
        0.0
    } else {
        part_ns as f64 / wall_ns as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::sites::registry::OperationKind;
    use crate::record::sites::sampling::Draws;
    use crate::record::storage::pages::Pages;
    use crate::record::storage::slot::Slot;

    fn info() -> SiteInfo {
        SiteInfo {
            name: "sampled".into(),
            module_path: "m".into(),
            file: "f.rs".into(),
            line: 1,
            slow_ns: Some(50_000),
            kind: OperationKind::Sync,
            component: None,
        }
    }

    /// Runs `calls` calls of the given durations through one slot sampled
    /// at `rate`, as the per-call path does, and builds the report row.
    fn sampled_row(calls: u64, rate: u32, duration: impl Fn(u64) -> u64) -> (OperationStats, u64) {
        let (slot, pages, draws) = (Slot::new(), Pages::new(), Draws::new());
        let mut true_total = 0;
        for i in 0..calls {
            let nanos = duration(i);
            true_total += nanos;
            if slot.take_sample(|| draws.gap(rate)) {
                slot.record(&pages, 0, nanos, false, 50_000, 1);
            } else {
                slot.record_untimed(false);
            }
        }
        let mut reading = crate::record::storage::reading::Totals::default();
        let errors = crate::record::storage::error_text::Errors::new();
        pages.read_into(&pages.reading(), &mut reading);
        slot.read_into(&errors, 1, reading.site_mut(0));
        let totals = reading.sites.swap_remove(0);
        (Row { info: &info(), totals }.finish(1_000_000_000, &Thresholds::default()), true_total)
    }

    #[test]
    fn a_fixed_duration_is_estimated_exactly() {
        let (op, truth) = sampled_row(100_000, 64, |_| 1_000);
        assert_eq!(op.calls, 100_000);
        assert!(op.estimated);
        // About 100,000 / 64 timed calls; far from either end.
        assert!((1_000..2_200).contains(&op.timed_calls), "{} timed", op.timed_calls);
        assert_eq!(op.total_ns, truth);
        assert_eq!((op.mean_ns, op.p50_ns, op.p99_ns), (1_000, 1_000, 1_000));
    }

    #[test]
    fn a_periodic_workload_is_estimated_without_bias() {
        // Every 64th call is 100x slower: an every-64th-call rule would time
        // all of the slow ones or none (39x or 2.5x off); random gaps do not.
        let slow_every_64th = |i: u64| if i % 64 == 0 { 100_000 } else { 1_000 };
        let (op, truth) = sampled_row(2_000_000, 64, slow_every_64th);
        let error = op.total_ns as f64 / truth as f64 - 1.0;
        // The standard error here is about 2.7 %; 15 % is over five of them.
        assert!(error.abs() < 0.15, "estimate {} vs {truth}: {error:+.3}", op.total_ns);
        // 1 call in 64 is slow, so about 1/64 of the calls are estimated slow.
        let slow_share = op.slow_calls as f64 / op.calls as f64;
        assert!((slow_share * 64.0 - 1.0).abs() < 0.2, "slow share {slow_share}");
    }

    #[test]
    fn a_running_stage_says_how_far_it_is_and_when_it_ends() {
        // 25,000 of 100,000 items in 5 s: 5,000/s, 15 s to go.
        let p = progress("parse", 25_000, 100_000, 5_000_000_000);
        assert_eq!((p.percent_done, p.eta_ns), (Some(25.0), Some(15_000_000_000)));
        assert_eq!(p.items_per_sec, Some(5_000.0));
        let open = progress("scan", 10, 0, 1_000_000_000);
        assert_eq!((open.expected, open.percent_done, open.eta_ns), (None, None, None));
        let done = progress("write", 120, 100, 1);
        assert_eq!((done.percent_done, done.eta_ns), (Some(100.0), Some(0)));
        let idle = progress("wait", 0, 100, 1_000);
        assert_eq!(idle.eta_ns, None, "no items yet: no rate to go by");
    }

    #[test]
    fn stage_memory_efficiency_is_the_share_of_its_growth_given_back() {
        use crate::state::stage::StageMemoryTotals;
        const MIB: u64 = 1 << 20;
        // Two runs: grew 100 MiB and gave back 80; grew 50 and gave back 10.
        let m = StageMemoryTotals {
            runs: 2,
            peak_growth: 150 * MIB,
            released: 90 * MIB,
            last: (200 * MIB, 240 * MIB, 250 * MIB),
        };
        let s = stage_memory(&m).unwrap();
        assert_eq!((s.runs, s.growth_bytes), (2, 60 * MIB as i64));
        assert!((s.efficiency - 60.0).abs() < 1e-9);
        assert_eq!((s.start_bytes, s.end_bytes, s.peak_bytes), (200 * MIB, 240 * MIB, 250 * MIB));
        // Under 1 MiB of growth in all is noise: full marks.
        let tiny = StageMemoryTotals { runs: 1, peak_growth: 4096, released: 0, last: (1, 2, 3) };
        assert_eq!(stage_memory(&tiny).unwrap().efficiency, 100.0);
        assert!(stage_memory(&StageMemoryTotals::default()).is_none());
    }

    #[test]
    fn every_call_timed_is_not_an_estimate() {
        let (op, truth) = sampled_row(1_000, 1, |i| 500 + i);
        assert!(!op.estimated);
        assert_eq!((op.calls, op.timed_calls, op.total_ns), (1_000, 1_000, truth));
    }

    #[test]
    fn each_strata_ratio_applies_to_its_own_wall_time() {
        let reading = |cpu: u64, wall: u64, n: u64| StratumTotals {
            cpu_weighted: cpu,
            wall_weighted: wall,
            readings: n,
        };
        // Short calls all CPU; long calls (half the wall time) all waiting.
        let mut d = DetailTotals {
            calls: 1_000,
            short: reading(640, 640, 10),
            long: reading(0, 1_000_000, 2),
            wall: 2_000_000,
            long_wall: 1_000_000,
            long_calls: 2,
            ..DetailTotals::default()
        };
        let cpu = cpu_time(&d, 2_000_000).unwrap();
        assert!((cpu.cpu_share - 0.5).abs() < 1e-9, "{cpu:?}");
        assert_eq!((cpu.cpu_ns, cpu.readings), (1_000_000, 12));
        // The long half unread: no figure rather than the short calls' 100%.
        d.long = StratumTotals::default();
        assert_eq!(cpu_time(&d, 2_000_000), None);
        // Two readings of twenty long calls cannot speak for them.
        d.long = reading(0, 1_000_000, 2);
        d.long_calls = 20;
        assert_eq!(cpu_time(&d, 2_000_000), None);
        // Unread long calls under a twentieth of the time borrow the short ratio.
        d.long = StratumTotals::default();
        d.long_wall = 50_000;
        assert_eq!(cpu_time(&d, 2_000_000).unwrap().cpu_share, 1.0);
    }
}
