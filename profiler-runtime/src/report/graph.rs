//! The call tree's paths, and callers and callees per operation, from the
//! paths the shards counted (see `record::detail::tree`): callsites that share a
//! name share a row, so their paths add up under the row's name.

use super::{CallEdge, CallPath, CallTree, OperationStats};
use crate::record::sites::registry::SiteInfo;
use crate::record::storage::reading::TreeTotals;
use std::collections::BTreeMap;

/// The most paths a report's [`CallTree`] keeps: the ones with the most
/// time (what was left out is counted).
pub const MAX_CALL_PATHS: usize = 10_000;

/// One path by operation names: calls and time, before the self times.
type Paths<'a> = BTreeMap<Vec<&'a str>, (u64, u64)>;

/// Fills every operation's `callers` and `callees` from `tree` and
/// returns the tree by operation names; `None` when it has no path (the
/// basic level).
pub(crate) fn attach(
    operations: &mut [OperationStats],
    tree: &TreeTotals,
    sites: &[SiteInfo],
) -> Option<CallTree> {
    if tree.paths.is_empty() && tree.lost == 0 {
        return None;
    }
    let rows: BTreeMap<String, usize> =
        operations.iter().enumerate().map(|(i, op)| (op.name.clone(), i)).collect();
    let mut paths: Paths<'_> = BTreeMap::new();
    for (path, t) in &tree.paths {
        let Some(names) = path
            .iter()
            .map(|&site| sites.get(site as usize).map(|s| s.name.as_str()))
            .collect::<Option<Vec<&str>>>()
        else {
            continue;
        };
        // A sampled operation's nodes hold its timed calls: scaled as its totals are.
        let (mut calls, mut nanos) = (t.calls, t.nanos);
        if let Some(op) = names.last().and_then(|&n| rows.get(n)).map(|&i| &operations[i]) {
            if op.estimated {
                let scale = |n: u64| super::estimate::scale(n, op.calls, op.timed_calls);
                (calls, nanos) = (scale(calls), scale(nanos));
            }
        }
        let entry = paths.entry(names).or_default();
        entry.0 += calls;
        entry.1 = entry.1.wrapping_add(nanos);
    }
    pairs(operations, &rows, &paths);
    Some(by_time(paths, tree.lost))
}

/// Callers and callees: every path of two or more, by its last two names.
fn pairs(operations: &mut [OperationStats], rows: &BTreeMap<String, usize>, paths: &Paths<'_>) {
    let mut by_pair: BTreeMap<(&str, &str), (u64, u64)> = BTreeMap::new();
    for (path, &(calls, nanos)) in paths {
        if let [.., caller, callee] = path.as_slice() {
            let pair = by_pair.entry((caller, callee)).or_default();
            pair.0 += calls;
            pair.1 = pair.1.wrapping_add(nanos);
        }
    }
    let mut callers: Vec<Vec<CallEdge>> = vec![Vec::new(); operations.len()];
    let mut callees: Vec<Vec<CallEdge>> = vec![Vec::new(); operations.len()];
    for ((caller, callee), (calls, total_ns)) in by_pair {
        if let Some(&row) = rows.get(callee) {
            callers[row].push(CallEdge { name: caller.to_owned(), calls, total_ns });
        }
        if let Some(&row) = rows.get(caller) {
            callees[row].push(CallEdge { name: callee.to_owned(), calls, total_ns });
        }
    }
    for ((op, mut mine), mut made) in operations.iter_mut().zip(callers).zip(callees) {
        mine.sort_by(edge_order);
        made.sort_by(edge_order);
        op.callers = mine;
        op.callees = made;
    }
}

fn edge_order(a: &CallEdge, b: &CallEdge) -> std::cmp::Ordering {
    b.total_ns.cmp(&a.total_ns).then_with(|| a.name.cmp(&b.name))
}

/// The paths with their self times (total less their children's), most
/// time first, the first [`MAX_CALL_PATHS`] kept.
fn by_time(paths: Paths<'_>, lost_calls: u64) -> CallTree {
    let mut children: BTreeMap<&[&str], u64> = BTreeMap::new();
    for (path, &(_, nanos)) in &paths {
        if let Some((_, parent)) = path.split_last() {
            if !parent.is_empty() {
                let sum = children.entry(parent).or_default();
                *sum = sum.wrapping_add(nanos);
            }
        }
    }
    let mut out: Vec<CallPath> = paths
        .iter()
        .map(|(path, &(calls, total_ns))| CallPath {
            path: path.iter().map(|&n| n.to_owned()).collect(),
            calls,
            total_ns,
            self_ns: total_ns.saturating_sub(children.get(path.as_slice()).copied().unwrap_or(0)),
        })
        .collect();
    out.sort_by(|a, b| b.total_ns.cmp(&a.total_ns).then_with(|| a.path.cmp(&b.path)));
    let dropped_paths = out.len().saturating_sub(MAX_CALL_PATHS) as u64;
    out.truncate(MAX_CALL_PATHS);
    CallTree { paths: out, lost_calls, dropped_paths }
}
