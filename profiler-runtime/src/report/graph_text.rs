//! The summary's call graph: for the operations with the most self time,
//! who called them and what they called, with calls and time per pair; and
//! the call tree's hottest paths.

use super::escape::sanitize;
use super::text::{count, duration, heading, pad, wrap};
use super::width;
use super::{elide, CallEdge, SessionReport};
use std::fmt::Write as _;

/// Operations shown, and pairs per direction before "+N more".
const OPERATIONS: usize = 8;
const PAIRS: usize = 4;

/// `name 12 calls 3.10 ms, other 1 call 20 µs, +2 more`.
fn pairs(edges: &[CallEdge]) -> String {
    let mut text: Vec<String> = edges
        .iter()
        .take(PAIRS)
        .map(|e| {
            let calls = if e.calls == 1 { "call" } else { "calls" };
            let name = elide::fit(&sanitize(&e.name), 40);
            format!("{name} {} {calls} {}", count(e.calls), duration(e.total_ns))
        })
        .collect();
    if edges.len() > PAIRS {
        text.push(format!("+{} more", edges.len() - PAIRS));
    }
    text.join(", ")
}

impl SessionReport {
    /// The call graph section; nothing when no monitored call made another.
    pub(super) fn write_call_graph(&self, out: &mut String) {
        let mut ops: Vec<_> = self
            .operations
            .iter()
            .filter(|op| !op.callers.is_empty() || !op.callees.is_empty())
            .collect();
        if ops.is_empty() {
            return;
        }
        let own = |op: &&super::OperationStats| op.self_ns.unwrap_or(op.total_ns);
        ops.sort_by(|a, b| own(b).cmp(&own(a)).then_with(|| a.name.cmp(&b.name)));
        heading(
            out,
            &format!(
                "Call graph (top {} by self time; <- called by, -> calls, with calls and time)",
                OPERATIONS.min(ops.len())
            ),
        );
        for op in ops.iter().take(OPERATIONS) {
            let _ = writeln!(
                out,
                "  {}  self {} of {}",
                elide::fit(&sanitize(&op.name), 60),
                duration(own(op)),
                duration(op.total_ns)
            );
            let from_callers: u64 = op.callers.iter().map(|e| e.calls).sum();
            let mut called_by = pairs(&op.callers);
            let top = op.calls.saturating_sub(from_callers);
            if top > 0 {
                let part = format!("(no monitored caller) {}", count(top));
                called_by =
                    if called_by.is_empty() { part } else { format!("{called_by}, {part}") };
            }
            wrap(out, "    <- ", "       ", &called_by);
            if !op.callees.is_empty() {
                wrap(out, "    -> ", "       ", &pairs(&op.callees));
            }
        }
    }

    /// The five paths with the most self time; nothing without a call tree.
    pub(super) fn write_hot_paths(&self, out: &mut String) {
        let Some(tree) = &self.call_tree else { return };
        let mut paths: Vec<_> = tree.paths.iter().filter(|p| p.self_ns > 0).collect();
        if paths.is_empty() {
            return;
        }
        paths.sort_by(|a, b| b.self_ns.cmp(&a.self_ns).then_with(|| a.path.cmp(&b.path)));
        heading(out, "Hot paths (top 5 by self time, outermost call first)");
        for (i, p) in paths.iter().take(5).enumerate() {
            let names: Vec<String> = p.path.iter().map(|n| sanitize(n)).collect();
            let joined = names.join(" > ");
            // Long paths keep their innermost end: that is where the time is.
            let shown = if width::width(&joined) > 62 {
                let tail = width::take_last_columns(&joined, 61);
                format!("…{tail}")
            } else {
                joined
            };
            let calls = if p.calls == 1 { "call" } else { "calls" };
            let _ = writeln!(
                out,
                "  {}. {} {:>9} self, {} {calls}",
                i + 1,
                pad(&shown, 62),
                duration(p.self_ns),
                count(p.calls)
            );
        }
    }
}
