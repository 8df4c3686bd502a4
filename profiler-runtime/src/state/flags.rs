//! Quality flags raised by code (`Monitor::flag`): "12 malformed rows", kept
//! in a bounded log that sessions read as they read the event log.

use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// The most flags a monitor keeps; older ones are dropped and counted.
pub const MAX_FLAGS: usize = 256;
/// A flag's message is cut to this many bytes (at a character boundary).
pub const MAX_FLAG_TEXT: usize = 500;

/// How much a finding (or a flag) matters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Worth acting on.
    Warning,
    /// Worth knowing.
    Info,
}

/// A flag raised by code during a session (see
/// [`Monitor::flag`](crate::Monitor::flag)).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QualityFlag {
    /// How much it matters.
    pub severity: Severity,
    /// What the code said.
    pub message: String,
    /// When, in nanoseconds since the session started.
    pub at_ns: u64,
}

/// A monitor's flags, each with its sequence number and clock stamp.
pub(crate) struct FlagLog {
    next_seq: u64,
    entries: VecDeque<(u64, u64, Severity, String)>,
}

impl FlagLog {
    pub(crate) const fn new() -> FlagLog {
        FlagLog { next_seq: 0, entries: VecDeque::new() }
    }

    /// Keeps a flag raised at clock stamp `stamp`, dropping the oldest past
    /// [`MAX_FLAGS`].
    pub(crate) fn push(&mut self, stamp: u64, severity: Severity, message: &str) {
        if self.entries.len() == MAX_FLAGS {
            self.entries.pop_front();
        }
        let message = super::events::truncate(message, MAX_FLAG_TEXT);
        self.entries.push_back((self.next_seq, stamp, severity, message));
        self.next_seq += 1;
    }

    pub(crate) fn next_seq(&self) -> u64 {
        self.next_seq
    }

    /// The flags raised since sequence `from`, with their stamps, and how
    /// many of them were dropped.
    pub(crate) fn since(&self, from: u64) -> (Vec<(u64, Severity, String)>, u64) {
        let kept: Vec<_> = self
            .entries
            .iter()
            .filter(|(seq, ..)| *seq >= from)
            .map(|(_, stamp, severity, message)| (*stamp, *severity, message.clone()))
            .collect();
        let dropped = self.next_seq.saturating_sub(from) - kept.len() as u64;
        (kept, dropped)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_are_bounded_and_the_dropped_ones_counted() {
        let mut log = FlagLog::new();
        log.push(1, Severity::Info, "before the session");
        let from = log.next_seq();
        for i in 0..MAX_FLAGS + 5 {
            log.push(2 + i as u64, Severity::Warning, &format!("flag {i}"));
        }
        let (kept, dropped) = log.since(from);
        assert_eq!((kept.len(), dropped), (MAX_FLAGS, 5));
        assert_eq!(kept[0].2, "flag 5");
        let long = "x".repeat(MAX_FLAG_TEXT + 10);
        log.push(9, Severity::Info, &long);
        assert_eq!(log.since(log.next_seq() - 1).0[0].2.len(), MAX_FLAG_TEXT);
    }
}
