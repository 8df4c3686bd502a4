//! The last error text of one slot, written by its owning thread without a
//! lock or an allocation and read by reports while it writes.

use super::chunks::Chunks;
use std::fmt::{self, Write as _};
use std::sync::atomic::{fence, AtomicU32, AtomicU64, Ordering::*};

/// Longest error text kept per operation, in bytes (cut at a character boundary).
pub const MAX_ERROR_TEXT: usize = 240;
const ERROR_WORDS: usize = MAX_ERROR_TEXT.div_ceil(8);

/// The last error text of one slot: a single-writer sequence lock over atomic
/// words, so writing it takes no lock and allocates nothing.
///
/// Why it is sound: every field is an atomic, so no read is ever a data race
/// (no `unsafe` anywhere). There is one writer (the slot's owning thread). It
/// makes the sequence odd, then (after a release fence) writes the words,
/// then publishes an even sequence with a release store. A reader loads the
/// sequence with acquire, copies the words, issues an acquire fence and
/// re-reads the sequence: if it is even and unchanged, no write overlapped the
/// copy, so the text is whole; otherwise it retries (and gives up after 64
/// tries, reporting no text rather than a torn one). Tested by
/// `error_text_is_never_torn_under_a_concurrent_writer` below, which checks
/// every text a reader sees against the stamp it was written with.
pub(crate) struct ErrorText {
    /// Odd while the writer is mid-update.
    seq: AtomicU64,
    /// Clock ticks when the error was recorded, to pick the latest across threads.
    stamp: AtomicU64,
    len: AtomicU64,
    words: [AtomicU64; ERROR_WORDS],
}

impl ErrorText {
    pub(crate) fn new() -> Self {
        ErrorText {
            seq: AtomicU64::new(0),
            stamp: AtomicU64::new(0),
            len: AtomicU64::new(0),
            words: [const { AtomicU64::new(0) }; ERROR_WORDS],
        }
    }

    pub(crate) fn write(&self, stamp: u64, text: &dyn fmt::Display) {
        let mut buf = Truncating::default();
        // A Display impl that fails just leaves what it wrote so far.
        let _ = write!(buf, "{text}");
        let seq = self.seq.load(Relaxed);
        self.seq.store(seq.wrapping_add(1), Relaxed);
        // Release fence: the odd sequence is visible before any word changes.
        fence(Release);
        self.stamp.store(stamp, Relaxed);
        self.len.store(buf.len as u64, Relaxed);
        for (word, bytes) in self.words.iter().zip(buf.bytes.chunks(8)) {
            let mut w = [0u8; 8];
            w[..bytes.len()].copy_from_slice(bytes);
            word.store(u64::from_le_bytes(w), Relaxed);
        }
        // Release: a reader that sees the even sequence sees every word above.
        self.seq.store(seq.wrapping_add(2), Release);
    }

    /// The last text and its stamp, or `None` if none was ever written.
    pub(crate) fn read(&self) -> Option<(u64, String)> {
        for _ in 0..64 {
            // Acquire: pairs with the writer's final Release store.
            let before = self.seq.load(Acquire);
            if before == 0 {
                return None;
            }
            if before % 2 == 1 {
                std::hint::spin_loop();
                continue;
            }
            let stamp = self.stamp.load(Relaxed);
            let len = (self.len.load(Relaxed) as usize).min(MAX_ERROR_TEXT);
            let mut bytes = Vec::with_capacity(ERROR_WORDS * 8);
            for word in &self.words {
                bytes.extend_from_slice(&word.load(Relaxed).to_le_bytes());
            }
            // Acquire fence: the words above were read before the re-check below.
            fence(Acquire);
            if self.seq.load(Relaxed) == before {
                bytes.truncate(len);
                return Some((stamp, String::from_utf8_lossy(&bytes).into_owned()));
            }
        }
        None
    }
}

/// An error text's id in its shard, from 1; 0 stands for "none yet".
pub(crate) type ErrorId = u16;

/// Texts allocated together (8.4 KiB): a thread's table of chunk pointers
/// stays 4 KiB.
const ERROR_CHUNK: usize = 32;

/// One shard's error texts, one per slot that has failed with a text,
/// allocated at its first such failure so slots that never fail carry none.
pub(crate) struct Errors {
    table: Chunks<ErrorText, ERROR_CHUNK>,
    /// Texts handed out so far (single writer: the owning thread).
    used: AtomicU32,
}

impl Errors {
    pub(crate) fn new() -> Self {
        let capacity = crate::record::sites::registry::MAX_CALLSITES;
        Errors {
            table: Chunks::new(capacity.div_ceil(ERROR_CHUNK), ErrorText::new),
            used: AtomicU32::new(0),
        }
    }

    /// A fresh text; `None` once every callsite has one. Owner thread only.
    #[cold]
    pub(crate) fn take(&self) -> Option<ErrorId> {
        let used = self.used.load(Relaxed) as usize;
        self.table.get_or_alloc(used)?;
        self.used.store(used as u32 + 1, Relaxed);
        ErrorId::try_from(used + 1).ok()
    }

    /// The text with id `id`, if it was handed out.
    pub(crate) fn get(&self, id: ErrorId) -> Option<&ErrorText> {
        self.table.get(usize::from(id).checked_sub(1)?)
    }
}

/// A fixed buffer that keeps the first `MAX_ERROR_TEXT` bytes of whole characters.
struct Truncating {
    bytes: [u8; MAX_ERROR_TEXT],
    len: usize,
}

impl Default for Truncating {
    fn default() -> Self {
        Truncating { bytes: [0; MAX_ERROR_TEXT], len: 0 }
    }
}

impl fmt::Write for Truncating {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for ch in s.chars() {
            let n = ch.len_utf8();
            if self.len + n > MAX_ERROR_TEXT {
                return Err(fmt::Error);
            }
            ch.encode_utf8(&mut self.bytes[self.len..]);
            self.len += n;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_text_is_cut_at_a_character_boundary() {
        let e = ErrorText::new();
        assert_eq!(e.read(), None);
        let long = "é".repeat(200);
        e.write(5, &long);
        let (stamp, text) = e.read().unwrap();
        assert_eq!(stamp, 5);
        assert!(text.len() <= MAX_ERROR_TEXT && text.chars().all(|c| c == 'é'));
        e.write(9, &"short");
        assert_eq!(e.read(), Some((9, "short".to_owned())));
    }

    #[test]
    fn error_text_is_never_torn_under_a_concurrent_writer() {
        let e = std::sync::Arc::new(ErrorText::new());
        let writer = {
            let e = e.clone();
            std::thread::spawn(move || {
                for i in 0..20_000u64 {
                    let ch = if i % 2 == 0 { "a" } else { "b" };
                    e.write(i + 1, &ch.repeat(100 + (i % 50) as usize));
                }
            })
        };
        let mut seen = 0;
        while !writer.is_finished() {
            if let Some((stamp, text)) = e.read() {
                let ch = if (stamp - 1) % 2 == 0 { 'a' } else { 'b' };
                assert_eq!(text.len(), 100 + ((stamp - 1) % 50) as usize);
                assert!(text.chars().all(|c| c == ch), "torn read at {stamp}");
                seen += 1;
            }
        }
        writer.join().unwrap();
        assert!(seen > 0 || e.read().is_some());
    }
}
