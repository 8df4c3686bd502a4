//! A bounded log of notable manual operations (failed ones, and ones that
//! carry metadata), so the report can say which file or request went wrong.

use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// Entries kept per monitor; older ones are dropped and counted.
pub const EVENT_LOG_CAPACITY: usize = 256;
/// Metadata pairs kept per operation.
pub const MAX_METADATA: usize = 16;
/// Longest metadata key or value kept, in bytes (cut at a character boundary).
pub const MAX_METADATA_TEXT: usize = 200;

/// One finished manual operation worth showing on its own.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OperationEvent {
    /// The operation's name.
    pub name: String,
    /// How long it took.
    pub duration_ns: u64,
    /// Whether it failed.
    pub failed: bool,
    /// The failure's text.
    #[serde(default)]
    pub error: Option<String>,
    /// Key-value pairs attached with [`crate::Operation::metadata`].
    #[serde(default)]
    pub metadata: Vec<(String, String)>,
}

pub(crate) struct EventLog {
    next_seq: u64,
    entries: VecDeque<(u64, OperationEvent)>,
}

impl EventLog {
    pub(crate) const fn new() -> EventLog {
        EventLog { next_seq: 0, entries: VecDeque::new() }
    }

    pub(crate) fn push(&mut self, event: OperationEvent) {
        if self.entries.len() == EVENT_LOG_CAPACITY {
            self.entries.pop_front();
        }
        self.entries.push_back((self.next_seq, event));
        self.next_seq += 1;
    }

    /// The sequence number the next event will get.
    pub(crate) fn next_seq(&self) -> u64 {
        self.next_seq
    }

    /// Events since sequence `from`, and how many of those were dropped.
    pub(crate) fn since(&self, from: u64) -> (Vec<OperationEvent>, u64) {
        let kept: Vec<_> =
            self.entries.iter().filter(|(seq, _)| *seq >= from).map(|(_, e)| e.clone()).collect();
        let dropped = self.next_seq.saturating_sub(from) - kept.len() as u64;
        (kept, dropped)
    }
}

/// `text` cut to at most `max` bytes at a character boundary.
pub(crate) fn truncate(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(name: &str) -> OperationEvent {
        OperationEvent {
            name: name.into(),
            duration_ns: 1,
            failed: false,
            error: None,
            metadata: vec![],
        }
    }

    #[test]
    fn the_log_is_bounded_and_counts_what_it_dropped() {
        let mut log = EventLog::new();
        log.push(event("before"));
        let from = log.next_seq();
        for i in 0..EVENT_LOG_CAPACITY + 10 {
            log.push(event(&format!("e{i}")));
        }
        let (kept, dropped) = log.since(from);
        assert_eq!(kept.len(), EVENT_LOG_CAPACITY);
        assert_eq!(dropped, 10);
        assert_eq!(kept[0].name, "e10");
    }

    #[test]
    fn truncation_respects_characters() {
        assert_eq!(truncate("ééé", 3), "é");
        assert_eq!(truncate("abc", 10), "abc");
    }
}
