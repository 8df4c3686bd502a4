//! The call tree, at the detailed level: per thread and monitor, one node
//! per path of monitored calls (`handle > query > parse`), with its calls
//! and their time. The report reads paths from it (hot paths, folded
//! stacks) and callers and callees per operation.
//!
//! A shard keeps its running node: the monitored call (or poll) in
//! progress on its thread. A call entering finds the child of the running
//! node for its callsite, through its slot's hint (the node its previous
//! call used: a function called from one place over and over touches one
//! node and no list), else by walking the running node's children, else
//! by appending a node; it then runs until it exits, which makes its
//! parent the running node again. A future enters at each poll, on the
//! thread that polls it, so what it awaits is under it even after it
//! moved; the node of the poll it completes in is its own.
//!
//! Because the running node is the shard's, each monitor has its own tree:
//! a call routed to another monitor is under nothing there.
//!
//! The table is append-only and single-writer, like the rest of the shard,
//! and a parent is always appended before its children, so a reader walks
//! it in order: it takes the published length (`Acquire`) and reads every
//! node below it, whose parent and site were written before the length
//! was. [`MAX_NODES`] nodes per thread; calls of paths past that are
//! counted as lost (they still are in their operation's totals).

use crate::record::detail;
use crate::record::storage::chunks::Chunks;
use crate::record::storage::reading::TreeTotals;
use crate::record::storage::slot::Slot;
use crate::record::sync::bump;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering::*};
use std::sync::OnceLock;

/// Paths one thread keeps per monitor (node ids fit 16 bits).
pub(crate) const MAX_NODES: usize = 65_535;
/// The deepest path kept: calls nested deeper (deep recursion) are counted
/// as lost, so a reading's paths stay short.
pub(crate) const MAX_TREE_DEPTH: u32 = 128;
/// Nodes allocated together (2 KiB).
const NODE_CHUNK: usize = 64;

/// One path on one thread. Ids are the index plus one; 0 is the root.
struct Node {
    parent: AtomicU32,
    site: AtomicU32,
    /// Calls from the top, this one included (the root's children: 1).
    depth: AtomicU32,
    /// The newest child and the next older sibling; only the owner reads them.
    first_child: AtomicU32,
    next_sibling: AtomicU32,
    calls: AtomicU64,
    nanos: AtomicU64,
}

impl Node {
    fn new() -> Node {
        Node {
            parent: AtomicU32::new(0),
            site: AtomicU32::new(0),
            depth: AtomicU32::new(0),
            first_child: AtomicU32::new(0),
            next_sibling: AtomicU32::new(0),
            calls: AtomicU64::new(0),
            nanos: AtomicU64::new(0),
        }
    }
}

/// One thread's tree. Its chunk table is made at the thread's first
/// detailed call.
pub(crate) struct Tree {
    nodes: OnceLock<Chunks<Node, NODE_CHUNK>>,
    /// Nodes published to readers.
    len: AtomicU32,
    /// The root's newest child.
    root_child: AtomicU32,
    /// The node running now (0: none).
    running: AtomicU32,
    /// The node the latest poll exited, for the future that completed in it.
    last_poll: AtomicU32,
    /// Calls whose path found the table full.
    lost: AtomicU64,
}

impl Tree {
    pub(crate) fn new() -> Tree {
        Tree {
            nodes: OnceLock::new(),
            len: AtomicU32::new(0),
            root_child: AtomicU32::new(0),
            running: AtomicU32::new(0),
            last_poll: AtomicU32::new(0),
            lost: AtomicU64::new(0),
        }
    }

    fn node(&self, id: u32) -> Option<&Node> {
        let index = (id as usize).checked_sub(1)?;
        self.nodes.get()?.get(index)
    }

    /// A call (or poll) of callsite `site`, whose record is `slot`, starts:
    /// it becomes the running node. Returns its node id (0 when the table
    /// is full: then nothing changes). Owner thread only.
    pub(crate) fn enter(&self, slot: &Slot, site: usize) -> u32 {
        // Whatever completes next was not polled before this started.
        self.last_poll.store(0, Relaxed);
        let parent = self.running.load(Relaxed);
        let hint = slot.tree_hint();
        let id = match self.node(hint) {
            Some(n)
                if n.parent.load(Relaxed) == parent && n.site.load(Relaxed) as usize == site =>
            {
                hint
            }
            _ => self.find_or_add(parent, site),
        };
        if id != 0 {
            slot.set_tree_hint(id);
            self.running.store(id, Relaxed);
        } else {
            bump(&self.lost, 1);
        }
        id
    }

    /// The child of `parent` for `site`, appended if new; 0 if the table is
    /// full or the path would pass [`MAX_TREE_DEPTH`].
    fn find_or_add(&self, parent: u32, site: usize) -> u32 {
        let (head, depth) = match self.node(parent) {
            Some(p) => (&p.first_child, p.depth.load(Relaxed) + 1),
            None => (&self.root_child, 1),
        };
        if depth > MAX_TREE_DEPTH {
            return 0;
        }
        let mut id = head.load(Relaxed);
        while let Some(n) = self.node(id) {
            if n.site.load(Relaxed) as usize == site {
                return id;
            }
            id = n.next_sibling.load(Relaxed);
        }
        let index = self.len.load(Relaxed) as usize;
        if index >= MAX_NODES {
            return 0;
        }
        // The table and its chunks are the recorder's: charged to no call.
        let node = detail::uncharged(|| {
            self.nodes.get_or_init(|| Chunks::new(MAX_NODES.div_ceil(NODE_CHUNK), Node::new));
            self.nodes.get().and_then(|t| t.get_or_alloc(index))
        });
        let Some(node) = node else { return 0 };
        node.parent.store(parent, Relaxed);
        node.site.store(site as u32, Relaxed);
        node.depth.store(depth, Relaxed);
        node.next_sibling.store(head.load(Relaxed), Relaxed);
        let id = index as u32 + 1;
        head.store(id, Relaxed);
        // Release: a reader that sees the length sees the node's path.
        self.len.store(id, Release);
        id
    }

    /// The call of node `id` ended, taking `nanos`: counts it there and
    /// makes its parent the running node.
    pub(crate) fn exit_call(&self, id: u32, nanos: u64) {
        if let Some(node) = self.node(id) {
            bump(&node.calls, 1);
            bump(&node.nanos, nanos);
            self.running.store(node.parent.load(Relaxed), Relaxed);
        }
    }

    /// A poll of node `id` ended: its parent runs again, and the node is
    /// kept for the future in case it completed ([`Tree::complete`]).
    pub(crate) fn exit_poll(&self, id: u32) {
        if let Some(node) = self.node(id) {
            self.running.store(node.parent.load(Relaxed), Relaxed);
        }
        self.last_poll.store(id, Relaxed);
    }

    /// A future completed in the poll that just exited: counts it there.
    pub(crate) fn complete(&self, nanos: u64) {
        if let Some(node) = self.node(self.last_poll.swap(0, Relaxed)) {
            bump(&node.calls, 1);
            bump(&node.nanos, nanos);
        }
    }

    /// A call completed after its last poll (a `tracing` span closed after
    /// its last exit), whose node on this thread is `id`: counts it there.
    #[cfg(feature = "tracing")]
    pub(crate) fn complete_at(&self, id: u32, nanos: u64) {
        match self.node(id) {
            Some(node) => {
                bump(&node.calls, 1);
                bump(&node.nanos, nanos);
            }
            None => bump(&self.lost, 1),
        }
    }

    /// A call this thread's tree has no place for (a span closed on a
    /// thread other than its last enter's): counted as lost.
    #[cfg(feature = "tracing")]
    pub(crate) fn lose(&self) {
        bump(&self.lost, 1);
    }

    /// A panic unwound out of a poll, or the thread handed its shard back:
    /// nothing runs on this thread now (the monitored sync calls a panic
    /// unwinds through put their parents back as they end).
    pub(crate) fn unwound(&self) {
        self.running.store(0, Relaxed);
    }

    /// Adds every node's counts to `out`, by path.
    pub(crate) fn read_into(&self, out: &mut TreeTotals) {
        out.lost += self.lost.load(Relaxed);
        let len = self.len.load(Acquire) as usize;
        let Some(table) = self.nodes.get() else { return };
        // Parents come before their children: each path is its parent's plus a site.
        let mut paths: Vec<Vec<u32>> = Vec::with_capacity(len);
        for (i, node) in table.iter().take_while(|(i, _)| *i < len) {
            let parent = node.parent.load(Relaxed) as usize;
            let mut path = match parent.checked_sub(1).and_then(|p| paths.get(p)) {
                Some(p) if parent <= i => p.clone(),
                _ => Vec::new(),
            };
            path.push(node.site.load(Relaxed));
            let totals = out.paths.entry(path.clone()).or_default();
            totals.calls += node.calls.load(Relaxed);
            totals.nanos = totals.nanos.wrapping_add(node.nanos.load(Relaxed));
            paths.push(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::storage::reading::PathTotals;

    fn read(tree: &Tree) -> Vec<(Vec<u32>, u64, u64)> {
        let mut out = TreeTotals::default();
        tree.read_into(&mut out);
        out.paths.into_iter().map(|(path, t)| (path, t.calls, t.nanos)).collect()
    }

    #[test]
    fn each_path_counts_its_own_calls() {
        let tree = Tree::new();
        let (a, b, c) = (Slot::new(), Slot::new(), Slot::new());
        for _ in 0..2 {
            let top = tree.enter(&a, 1);
            let mid = tree.enter(&b, 2);
            let leaf = tree.enter(&c, 3);
            tree.exit_call(leaf, 5);
            tree.exit_call(mid, 10);
            let direct = tree.enter(&c, 3); // the same site under another parent
            tree.exit_call(direct, 7);
            tree.exit_call(top, 30);
        }
        let alone = tree.enter(&c, 3);
        tree.exit_call(alone, 1);
        assert_eq!(
            read(&tree),
            [
                (vec![1], 2, 60),
                (vec![1, 2], 2, 20),
                (vec![1, 2, 3], 2, 10),
                (vec![1, 3], 2, 14),
                (vec![3], 1, 1),
            ]
        );
        assert_eq!(tree.len.load(Relaxed), 5, "one node per path");
        assert_eq!(tree.running.load(Relaxed), 0, "every call exited");
    }

    #[test]
    fn a_poll_exits_without_counting_and_its_future_counts_where_it_completed() {
        let tree = Tree::new();
        let (caller, future, child) = (Slot::new(), Slot::new(), Slot::new());
        let top = tree.enter(&caller, 1);
        let poll = tree.enter(&future, 2);
        tree.exit_poll(poll);
        assert_eq!(tree.running.load(Relaxed), top, "the poller runs again");
        let poll = tree.enter(&future, 2);
        let inner = tree.enter(&child, 3);
        tree.exit_call(inner, 4);
        tree.exit_poll(poll);
        tree.complete(50);
        tree.exit_call(top, 60);
        assert_eq!(read(&tree), [(vec![1], 1, 60), (vec![1, 2], 1, 50), (vec![1, 2, 3], 1, 4)]);
    }

    #[test]
    fn a_future_counts_only_where_its_own_last_poll_exited() {
        let tree = Tree::new();
        let (a, b) = (Slot::new(), Slot::new());
        let poll = tree.enter(&a, 1);
        tree.exit_poll(poll); // a future that is then dropped, never completing
        let other = tree.enter(&b, 2);
        tree.exit_call(other, 3);
        tree.complete(99); // a future whose poll entered no node: counted nowhere
        assert_eq!(read(&tree), [(vec![1], 0, 0), (vec![2], 1, 3)]);
    }

    #[test]
    fn paths_past_the_table_are_lost_and_counted() {
        let tree = Tree::new();
        let slots: Vec<Slot> = (0..256).map(|_| Slot::new()).collect();
        // 256 parents of 256 children each: 65,792 paths, 257 past the table.
        for (parent, parent_slot) in slots.iter().enumerate() {
            let p = tree.enter(parent_slot, parent);
            for (child, child_slot) in slots.iter().enumerate() {
                let c = tree.enter(child_slot, 1000 + child);
                tree.exit_call(c, 1);
            }
            tree.exit_call(p, 1);
        }
        let mut out = TreeTotals::default();
        tree.read_into(&mut out);
        assert_eq!((out.paths.len(), out.lost), (MAX_NODES, 257));
    }

    #[test]
    fn paths_deeper_than_the_limit_are_cut() {
        let tree = Tree::new();
        let slot = Slot::new();
        let ids: Vec<u32> = (0..MAX_TREE_DEPTH + 10).map(|_| tree.enter(&slot, 7)).collect();
        assert!(ids[..MAX_TREE_DEPTH as usize].iter().all(|&id| id != 0));
        assert!(ids[MAX_TREE_DEPTH as usize..].iter().all(|&id| id == 0));
        for &id in ids.iter().rev() {
            tree.exit_call(id, 1);
        }
        assert_eq!(tree.running.load(Relaxed), 0, "the cut calls changed nothing");
        let mut out = TreeTotals::default();
        tree.read_into(&mut out);
        assert_eq!((out.paths.len(), out.lost), (MAX_TREE_DEPTH as usize, 10));
    }

    #[test]
    fn a_session_is_the_difference_of_two_readings() {
        let tree = Tree::new();
        let slot = Slot::new();
        let id = tree.enter(&slot, 1);
        tree.exit_call(id, 100);
        let mut start = TreeTotals::default();
        tree.read_into(&mut start);
        let other = Slot::new();
        let id = tree.enter(&other, 2);
        tree.exit_call(id, 7);
        let mut end = TreeTotals::default();
        tree.read_into(&mut end);
        end.subtract(&start);
        assert_eq!(end.paths.len(), 1, "the path with no call in the session is gone");
        assert_eq!(end.paths[&vec![2]], PathTotals { calls: 1, nanos: 7 });
    }
}
