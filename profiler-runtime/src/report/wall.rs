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
    for op in operations.iter_mut() {
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
    fit_to_wall(operations, wall_ns);
}

/// Scales every operation's held time down in proportion when together
/// they hold more than the wall: each one is its exact self time scaled by
/// a sampled ratio (or its self time, unseen), so their sum can pass the
/// time they split by a little; the shares of one wall then add up to at
/// most all of it, and their order is unchanged.
fn fit_to_wall(operations: &mut [OperationStats], wall_ns: u64) {
    let held: u128 =
        operations.iter().filter_map(|op| op.wall.as_ref()).map(|w| u128::from(w.held_ns)).sum();
    if held <= u128::from(wall_ns) {
        return;
    }
    for share in operations.iter_mut().filter_map(|op| op.wall.as_mut()) {
        share.held_ns = (u128::from(share.held_ns) * u128::from(wall_ns) / held) as u64;
        share.share = ratio(share.held_ns as f64, wall_ns as f64);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::compare::tests::op_of;

    fn held(name: &str, held_ns: u64, wall_ns: u64) -> OperationStats {
        let mut op = op_of(name, &[held_ns]);
        op.wall = Some(WallShare {
            held_ns,
            share: ratio(held_ns as f64, wall_ns as f64),
            covered_ns: held_ns,
            overlap: 1.0,
            waiting_share: 0.0,
            stage: None,
            sampled: true,
            saving_ns: held_ns / 2,
        });
        op
    }

    fn shares(ops: &[OperationStats]) -> Vec<(u64, f64)> {
        ops.iter().map(|op| op.wall.as_ref().map(|w| (w.held_ns, w.share)).unwrap()).collect()
    }

    #[test]
    fn estimates_that_pass_the_wall_are_scaled_to_it_in_proportion() {
        // 700 + 400 held of a 1,000 wall: 1,100, so each is scaled by 10/11.
        let mut ops = vec![held("a", 700, 1_000), held("b", 400, 1_000)];
        fit_to_wall(&mut ops, 1_000);
        let sum: f64 = shares(&ops).iter().map(|(_, s)| s).sum();
        assert!(sum <= 1.0, "{sum}");
        assert_eq!(shares(&ops).iter().map(|(h, _)| *h).collect::<Vec<_>>(), [636, 363]);
        assert!(shares(&ops)[0].1 > shares(&ops)[1].1, "the order stays");
    }

    #[test]
    fn estimates_within_the_wall_are_left_as_they_are() {
        let mut ops = vec![held("a", 600, 1_000), held("b", 400, 1_000)];
        let before = shares(&ops);
        fit_to_wall(&mut ops, 1_000);
        assert_eq!(shares(&ops), before);
    }
}
