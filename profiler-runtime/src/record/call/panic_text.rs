//! Panic messages as failure texts, when asked for: a panic hook, chained
//! in front of the one installed before it, keeps the latest panic's
//! message (and where it was raised) on its thread; a monitored call that
//! the panic unwinds through takes that as its failure text instead of
//! `panicked`.
//!
//! Off by default: the hook is installed by the first
//! [`capture_panic_messages`]`(true)`, and while capture is off it only
//! hands on to the previous hook (one relaxed load). The previous hook is
//! always called, so the usual message still reaches stderr (or whatever a
//! test harness or error reporter installed).

use crate::record::storage::error_text::MAX_ERROR_TEXT;
use std::cell::RefCell;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::Once;

/// Whether the hook keeps messages. Relaxed: a switch read alone, ordering
/// nothing else.
static CAPTURE: AtomicBool = AtomicBool::new(false);
static INSTALL: Once = Once::new();

thread_local! {
    /// The latest panic's text on this thread, while capture is on.
    static LAST: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Turns capturing panic messages on or off for the whole process (the
/// `capture_panics` configuration key does the same).
///
/// On, a monitored call that a panic unwinds through records the panic's
/// message and location (`panicked at src/db.rs:12:9: no such table`, cut
/// to [`MAX_ERROR_TEXT`](crate::MAX_ERROR_TEXT) bytes) as its failure text,
/// where it would otherwise say `panicked`. The first call installs a panic
/// hook in front of the current one, which it always calls on; install
/// yours before, or after if it should run first. A panic resumed with
/// `std::panic::resume_unwind` calls no hook, so it keeps the text of the
/// last panic on its thread.
///
/// ```
/// use profiler_runtime::{monitor, Monitor};
///
/// #[monitor("parse")]
/// fn parse(row: &str) -> u32 {
///     row.parse().expect("a number")
/// }
///
/// profiler_runtime::capture_panic_messages(true);
/// let m = Monitor::new();
/// m.start_session("panics");
/// let caught = std::panic::catch_unwind(|| m.scope(|| parse("x")));
/// assert!(caught.is_err());
/// let report = m.end_session().unwrap();
/// let error = report.operation("parse").unwrap().last_error.clone().unwrap();
/// assert!(error.starts_with("panicked at ") && error.contains("a number"), "{error}");
/// # profiler_runtime::capture_panic_messages(false);
/// ```
pub fn capture_panic_messages(on: bool) {
    if on {
        INSTALL.call_once(install);
    }
    CAPTURE.store(on, Relaxed);
}

/// Whether panic messages are being captured.
pub fn capturing_panic_messages() -> bool {
    CAPTURE.load(Relaxed)
}

fn install() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if CAPTURE.load(Relaxed) {
            let text = describe(info);
            // `try_with`: a panic while the thread's locals are being torn
            // down has nowhere to keep its text.
            let _ = LAST.try_with(|last| {
                if let Ok(mut last) = last.try_borrow_mut() {
                    *last = Some(text);
                }
            });
        }
        previous(info);
    }));
}

/// `panicked at FILE:LINE:COL: MESSAGE`, cut to the error-text limit.
fn describe(info: &std::panic::PanicHookInfo<'_>) -> String {
    // `payload_as_str` would do this, from Rust 1.91 (past the MSRV).
    let payload = info.payload();
    let message = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(a value that is not text)");
    let mut text = match info.location() {
        Some(at) => format!("panicked at {}:{}:{}: {message}", at.file(), at.line(), at.column()),
        None => format!("panicked: {message}"),
    };
    if text.len() > MAX_ERROR_TEXT {
        let mut cut = MAX_ERROR_TEXT;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
    }
    text
}

/// The failure text of a call a panic is unwinding through.
pub(crate) struct PanicText;

impl fmt::Display for PanicText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if CAPTURE.load(Relaxed) {
            let shown = LAST
                .try_with(|last| match last.try_borrow().ok().as_deref() {
                    Some(Some(text)) => Some(f.write_str(text)),
                    _ => None,
                })
                .ok()
                .flatten();
            if let Some(written) = shown {
                return written;
            }
        }
        f.write_str("panicked")
    }
}
