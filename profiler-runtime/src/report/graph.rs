//! Callers and callees per operation, from the pairs of callsites the
//! shards counted (see `record::callers`): callsites that share a name
//! share a row, so their pairs add up under the row's name.

use super::{CallEdge, OperationStats};
use crate::record::callers::EdgeTotals;
use crate::record::registry::SiteInfo;
use std::collections::BTreeMap;

/// Fills every operation's `callers` and `callees` from `edges`.
pub(crate) fn attach(operations: &mut [OperationStats], edges: &EdgeTotals, sites: &[SiteInfo]) {
    let rows: BTreeMap<&str, usize> =
        operations.iter().enumerate().map(|(i, op)| (op.name.as_str(), i)).collect();
    // (caller name, callee row) -> (calls, nanos), before scaling.
    let mut pairs: BTreeMap<(&str, usize), (u64, u64)> = BTreeMap::new();
    for (&(caller, callee), t) in &edges.pairs {
        let (Some(caller), Some(callee)) = (sites.get(caller as usize), sites.get(callee as usize))
        else {
            continue;
        };
        let Some(&row) = rows.get(callee.name.as_str()) else { continue };
        let pair = pairs.entry((caller.name.as_str(), row)).or_default();
        pair.0 += t.calls;
        pair.1 = pair.1.wrapping_add(t.nanos);
    }
    let mut callers: Vec<Vec<CallEdge>> = vec![Vec::new(); operations.len()];
    let mut callees: Vec<Vec<CallEdge>> = vec![Vec::new(); operations.len()];
    for ((caller, row), (calls, nanos)) in pairs {
        let callee = &operations[row];
        // A sampled callee's pairs hold its timed calls: scaled as its totals are.
        let (calls, total_ns) = if callee.estimated {
            let scale = |n: u64| super::build::scale(n, callee.calls, callee.timed_calls);
            (scale(calls), scale(nanos))
        } else {
            (calls, nanos)
        };
        callers[row].push(CallEdge { name: caller.to_owned(), calls, total_ns });
        if let Some(&caller_row) = rows.get(caller) {
            callees[caller_row].push(CallEdge { name: callee.name.clone(), calls, total_ns });
        }
    }
    for ((op, mut mine), mut made) in operations.iter_mut().zip(callers).zip(callees) {
        mine.sort_by(by_time);
        made.sort_by(by_time);
        op.callers = mine;
        op.callees = made;
    }
}

fn by_time(a: &CallEdge, b: &CallEdge) -> std::cmp::Ordering {
    b.total_ns.cmp(&a.total_ns).then_with(|| a.name.cmp(&b.name))
}
