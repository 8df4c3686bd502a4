//! Each operation's share of the session's wall time, from the wall
//! sampler's table (see `session::wall`): what ranks bottlenecks.

use super::{OperationStats, WallShare};
use crate::record::sites::registry::SiteInfo;
use crate::session::wall::{SiteWall, WallTable};
use std::collections::BTreeMap;

/// Looks the sampler must have taken before its split is trusted: with
/// fewer, the report ranks by self time as if no call overlapped.
pub(crate) const MIN_LOOKS: u64 = 10;

/// Fills each operation's [`OperationStats::wall`] from `table`.
///
/// The sampler's sums only say how an operation's time was shared: its held
/// time is its exact self time scaled by held over in-flight (the mean of
/// one over the calls in flight beside it, while it was in flight). An
/// operation the sampler never saw in flight (calls too short to be caught,
/// manual operations, spans) keeps its self time, as if alone.
pub(crate) fn attach(
    operations: &mut [OperationStats],
    table: Option<&WallTable>,
    sites: &[SiteInfo],
    wall_ns: u64,
) {
    let Some(table) = table.filter(|t| t.looks >= MIN_LOOKS) else { return };
    let savings = table.savings();
    let mut by_name: BTreeMap<&str, (SiteWall, f64)> = BTreeMap::new();
    for (index, site) in table.sites.iter().enumerate() {
        let Some(info) = sites.get(index) else { continue };
        let (row, saving) = by_name.entry(info.name.as_str()).or_default();
        *saving += savings.as_ref().and_then(|s| s.get(index)).copied().unwrap_or(0.0);
        row.held_ns += site.held_ns;
        row.in_flight_ns += site.in_flight_ns;
        row.covered_ns += site.covered_ns;
        row.waiting_ns += site.waiting_ns;
        for &(stage, ns) in &site.by_stage {
            match row.by_stage.iter_mut().find(|(s, _)| *s == stage) {
                Some((_, sum)) => *sum += ns,
                None => row.by_stage.push((stage, ns)),
            }
        }
    }
    for op in operations {
        let self_ns = op.self_time_ns();
        let seen = by_name.get(op.name.as_str()).filter(|(w, _)| w.in_flight_ns > 0.0);
        op.wall = Some(match seen {
            Some((w, saving)) => {
                let mut share = share_of(self_ns, w, table, wall_ns);
                // Without runs (too many to keep), half of what it held.
                share.saving_ns = match &savings {
                    Some(_) => (*saving as u64).min(wall_ns),
                    None => share.held_ns / 2,
                };
                share
            }
            None => WallShare {
                held_ns: self_ns.min(wall_ns),
                share: ratio(self_ns.min(wall_ns) as f64, wall_ns as f64),
                covered_ns: self_ns.min(wall_ns),
                overlap: 1.0,
                waiting_share: 0.0,
                stage: None,
                sampled: false,
                saving_ns: self_ns.min(wall_ns) / 2,
            },
        });
    }
}

fn share_of(self_ns: u64, w: &SiteWall, table: &WallTable, wall_ns: u64) -> WallShare {
    let alone = (w.held_ns / w.in_flight_ns).clamp(0.0, 1.0);
    let held_ns = ((self_ns as f64 * alone) as u64).min(wall_ns);
    let stage = w
        .by_stage
        .iter()
        .max_by(|a, b| a.1.total_cmp(&b.1))
        // Named only when most of its held time fell in that stage.
        .filter(|(_, ns)| *ns > 0.5 * w.held_ns)
        .and_then(|(index, _)| table.stages.get(*index).cloned());
    WallShare {
        held_ns,
        share: ratio(held_ns as f64, wall_ns as f64),
        covered_ns: (w.covered_ns.min(wall_ns as f64)) as u64,
        overlap: if w.covered_ns > 0.0 { (w.in_flight_ns / w.covered_ns).max(1.0) } else { 1.0 },
        waiting_share: ratio(w.waiting_ns, w.held_ns),
        stage,
        sampled: true,
        saving_ns: 0,
    }
}

fn ratio(part: f64, whole: f64) -> f64 {
    if whole > 0.0 {
        (part / whole).clamp(0.0, 1.0)
    } else {
        0.0
    }
}
