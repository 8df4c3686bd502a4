//! Turns a session's raw figures into its report: one row per operation name,
//! percentiles from the merged histograms, stages, counters, the process, and
//! the findings drawn from all of it.

use super::{
    findings, ApiStats, CacheStats, Dropped, OperationStats, ProcessStats, SessionReport,
    StageStats, SCHEMA_VERSION,
};
use crate::record::histogram::Histogram;
use crate::record::reading::SiteTotals;
use crate::record::registry::{self, SiteInfo};
use crate::record::{clock, counter};
use crate::resources;
use crate::session::SessionData;
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
        if totals.calls == 0 && totals.cancelled == 0 {
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
    let mut operations: Vec<_> = rows.into_values().map(|r| r.finish(wall_ns)).collect();
    operations.sort_by(|a, b| b.total_ns.cmp(&a.total_ns).then_with(|| a.name.cmp(&b.name)));

    let stages = data
        .stages
        .into_iter()
        .map(|(name, t)| StageStats {
            name,
            runs: t.runs,
            total_ns: t.total_ns,
            items: t.items,
            items_per_sec: (t.total_ns > 0).then(|| t.items as f64 * 1e9 / t.total_ns as f64),
        })
        .collect();

    let names = counter::names();
    let counters = data
        .totals
        .counters
        .iter()
        .enumerate()
        .filter(|(_, &n)| n > 0)
        .filter_map(|(i, &n)| Some((names.get(i)?.clone(), n)))
        .collect();

    let [hits, misses, api_calls, api_errors, tokens, nano_usd] = data.totals.fixed;
    let lookups = hits + misses;
    let cache =
        CacheStats { hits, misses, hit_rate: (lookups > 0).then(|| hits as f64 / lookups as f64) };
    let api =
        ApiStats { calls: api_calls, errors: api_errors, tokens, cost_usd: nano_usd as f64 / 1e9 };

    let process = data.process.map(|(start, now)| {
        let cpu_time_ms = now.cpu_time_ms.saturating_sub(start.cpu_time_ms);
        ProcessStats {
            rss_start_bytes: start.rss_bytes,
            rss_end_bytes: now.rss_bytes,
            rss_peak_bytes: resources::peak_rss_bytes(),
            cpu_time_ms,
            cpu_utilization: share(cpu_time_ms * 1_000_000, wall_ns),
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
        operations,
        stages,
        cache,
        api,
        counters,
        process,
        bottlenecks: Vec::new(),
        findings: Vec::new(),
        events: data.events,
        dropped: Dropped {
            callsites: data.callsites_dropped,
            counters: data.counters_dropped,
            stages: data.stages_dropped,
            events: data.events_dropped,
        },
    };
    findings::analyze(&mut report);
    report
}

/// One report row being assembled from the callsites that share a name.
struct Row<'a> {
    info: &'a SiteInfo,
    totals: SiteTotals,
}

impl Row<'_> {
    fn add(&mut self, t: &SiteTotals) {
        let r = &mut self.totals;
        r.calls += t.calls;
        r.failures += t.failures;
        r.cancelled += t.cancelled;
        r.slow += t.slow;
        r.total_ns += t.total_ns;
        r.min_ns = r.min_ns.min(t.min_ns);
        r.max_ns = r.max_ns.max(t.max_ns);
        if !t.buckets.is_empty() {
            for (a, b) in r.dense_buckets().iter_mut().zip(&t.buckets) {
                *a += b;
            }
        }
        if let Some((stamp, text)) = &t.error {
            if r.error.as_ref().is_none_or(|(s, _)| stamp > s) {
                r.error = Some((*stamp, text.clone()));
            }
        }
    }

    fn finish(self, wall_ns: u64) -> OperationStats {
        let t = self.totals;
        let histogram = Histogram::from_dense(&t.buckets);
        let recorded = histogram.count() > 0;
        // min/max come from the slots when this session's epoch saw a call;
        // otherwise (a call that straddled the session start) from the histogram.
        let (min_ns, max_ns) = if t.min_ns <= t.max_ns && recorded {
            (t.min_ns, t.max_ns)
        } else {
            (histogram.quantile(0.0).unwrap_or(0), histogram.quantile(1.0).unwrap_or(0))
        };
        let pct = |q: f64| histogram.quantile(q).unwrap_or(0).clamp(min_ns, max_ns.max(min_ns));
        OperationStats {
            name: self.info.name.clone(),
            module_path: self.info.module_path.clone(),
            file: self.info.file.clone(),
            line: self.info.line,
            kind: self.info.kind,
            calls: t.calls,
            failures: t.failures,
            cancelled: t.cancelled,
            slow_calls: t.slow,
            slow_threshold_ns: self.info.slow_ns,
            total_ns: t.total_ns,
            mean_ns: t.total_ns.checked_div(t.calls).unwrap_or(0),
            min_ns,
            max_ns,
            p50_ns: pct(0.50),
            p90_ns: pct(0.90),
            p99_ns: pct(0.99),
            share_of_wall: share(t.total_ns, wall_ns),
            last_error: t.error.map(|(_, text)| text),
            histogram,
        }
    }
}

/// `part_ns` over `wall_ns`, 0 for an empty session.
pub(crate) fn share(part_ns: u64, wall_ns: u64) -> f64 {
    if wall_ns == 0 {
        0.0
    } else {
        part_ns as f64 / wall_ns as f64
    }
}
