//! The one word a call in progress keeps besides its clock reading: which
//! slot it records into and, at the detailed level only, how it keeps its
//! frame. One word, so a future's state moves it with one store.
//!
//! | bits | field | set for |
//! |------|-------|---------|
//! | 0-15 | slot index | every call |
//! | 16-23 | frame token ([`detail::push`]) | sync calls at the detailed level |
//! | 24 | detailed | calls at the detailed level |
//! | 25-26 | CPU reading's weight class | calls at the detailed level |
//! | 27 | traced: the call (or each poll) is an event | the full level |
//! | 28 | polled: the call is a future, its polls had frames | futures at the detailed level |
//! | 32-63 | call tree node (sync call) or traced future's id | the detailed level, 64-bit targets |
//!
//! A basic call's word is its slot index alone, so "is there more to do at
//! the end" is one compare ([`CallWord::is_detailed`]).
//!
//! A future's polls keep their own frames in a [`PollToken`]: the frame
//! token with the poll's call tree node above bit 32.

use crate::record::detail::{self, CPU_SAMPLE_RATE};
use crate::record::sites::registry::MAX_CALLSITES;

const SLOT_MASK: usize = 0xFFFF;
const TOKEN_SHIFT: u32 = 16;
const TOKEN_MASK: usize = 0xFF;
const DETAIL: usize = 1 << 24;
const CPU_SHIFT: u32 = 25;
const TRACED: usize = 1 << 27;
const POLLED: usize = 1 << 28;
const HIGH_SHIFT: u32 = 32;
const NODE_MASK: u64 = 0xFFFF;

const _: () = assert!(MAX_CALLSITES <= SLOT_MASK + 1);
const _: () = assert!(detail::MAX_DEPTH <= TOKEN_MASK);
const _: () = assert!(crate::record::detail::tree::MAX_NODES as u64 <= NODE_MASK);

/// How often a call reads the thread's CPU clock (see [`detail`]).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum CpuClass {
    /// Never: its readings are not taken.
    None = 0,
    /// Every call: each reading weighs 1.
    Always = 1,
    /// One call in [`CPU_SAMPLE_RATE`]: each reading weighs that many.
    Sampled = 2,
}

impl CpuClass {
    /// The class of a reading of weight `weight` (0: none).
    pub(crate) fn of_weight(weight: u32) -> CpuClass {
        match weight {
            0 => CpuClass::None,
            1 => CpuClass::Always,
            _ => CpuClass::Sampled,
        }
    }
}

/// A call's packed word (see the module docs for its fields).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct CallWord(usize);

impl CallWord {
    /// The word of a call at the basic level: its slot index alone.
    #[inline(always)]
    pub(crate) fn basic(index: usize) -> CallWord {
        CallWord(index & SLOT_MASK)
    }

    /// The word of a call at the detailed level: slot `index`, its sync
    /// call's frame token `frame` (0 for a future), its CPU class, whether
    /// it is traced or polled, and above bit 32 `high` (its call tree node
    /// or traced future's id; dropped where a word has no room for it).
    pub(crate) fn detailed(
        index: usize,
        frame: usize,
        cpu: CpuClass,
        traced: bool,
        polled: bool,
        high: u64,
    ) -> CallWord {
        let high = usize::try_from(high).ok().and_then(|h| h.checked_shl(HIGH_SHIFT)).unwrap_or(0);
        let traced = if traced { TRACED } else { 0 };
        let polled = if polled { POLLED } else { 0 };
        CallWord(
            index & SLOT_MASK
                | (frame & TOKEN_MASK) << TOKEN_SHIFT
                | DETAIL
                | (cpu as usize) << CPU_SHIFT
                | traced
                | polled
                | high,
        )
    }

    /// The slot index.
    #[inline(always)]
    pub(crate) fn index(self) -> usize {
        self.0 & SLOT_MASK
    }

    /// Whether the call records the detailed level's measures: one compare.
    #[inline(always)]
    pub(crate) fn is_detailed(self) -> bool {
        self.0 > SLOT_MASK
    }

    /// The frame token of a sync call at the detailed level.
    pub(crate) fn frame(self) -> usize {
        self.0 >> TOKEN_SHIFT & TOKEN_MASK
    }

    /// The weight of the call's CPU readings; 0: it takes none.
    #[inline(always)]
    pub(crate) fn cpu_weight(self) -> u32 {
        match self.0 >> CPU_SHIFT & 3 {
            1 => 1,
            2 => CPU_SAMPLE_RATE,
            _ => 0,
        }
    }

    /// Whether the call (or each poll) is logged as an event.
    pub(crate) fn is_traced(self) -> bool {
        self.0 & TRACED != 0
    }

    /// Whether the call is a future whose polls had frames of their own.
    pub(crate) fn is_polled(self) -> bool {
        self.0 & POLLED != 0
    }

    /// A sync call's call tree node (0: none).
    pub(crate) fn node(self) -> u32 {
        (self.high() & NODE_MASK) as u32
    }

    /// A traced future's id as the word keeps it (0: none).
    pub(crate) fn async_id(self) -> u32 {
        self.high() as u32
    }

    fn high(self) -> u64 {
        (self.0 as u64).checked_shr(HIGH_SHIFT).unwrap_or(0)
    }
}

/// One poll's frame at the detailed level: its frame token, and its call
/// tree node above bit 32. 0: no frame.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub(crate) struct PollToken(usize);

impl PollToken {
    /// The token of a poll whose frame is `frame` and call tree node `node`.
    pub(crate) fn new(frame: usize, node: u32) -> PollToken {
        let node = (node as usize).checked_shl(HIGH_SHIFT).unwrap_or(0);
        PollToken(frame & TOKEN_MASK | node)
    }

    /// Whether the poll opened a frame.
    pub(crate) fn is_open(self) -> bool {
        self.0 != 0
    }

    /// The frame token.
    pub(crate) fn frame(self) -> usize {
        self.0 & TOKEN_MASK
    }

    /// The poll's call tree node (0: none).
    pub(crate) fn node(self) -> u32 {
        ((self.0 as u64).checked_shr(HIGH_SHIFT).unwrap_or(0) & NODE_MASK) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_field_reads_back_what_was_packed() {
        let basic = CallWord::basic(4_321);
        assert_eq!((basic.index(), basic.is_detailed(), basic.cpu_weight()), (4_321, false, 0));
        let word = CallWord::detailed(8_191, 37, CpuClass::Sampled, true, false, 60_000);
        assert_eq!((word.index(), word.frame(), word.cpu_weight()), (8_191, 37, CPU_SAMPLE_RATE));
        assert!(word.is_detailed() && word.is_traced() && !word.is_polled());
        if usize::BITS >= 64 {
            assert_eq!(word.node(), 60_000);
        }
        let future = CallWord::detailed(1, 0, CpuClass::Always, false, true, 0xDEAD_BEEF);
        assert!(future.is_polled() && !future.is_traced());
        assert_eq!((future.cpu_weight(), future.frame()), (1, 0));
        if usize::BITS >= 64 {
            assert_eq!(future.async_id(), 0xDEAD_BEEF);
        }
        // A detailed call whose frame and class are all zero still says so.
        assert!(CallWord::detailed(0, 0, CpuClass::None, false, false, 0).is_detailed());
        let poll = PollToken::new(5, 65_535);
        assert!(poll.is_open());
        assert_eq!(poll.frame(), 5);
        if usize::BITS >= 64 {
            assert_eq!(poll.node(), 65_535);
        }
        assert!(!PollToken::default().is_open());
    }
}
