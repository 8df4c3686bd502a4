//! The terminal while `top` runs: raw mode and the alternate screen, put
//! back when the view ends, and also when something panics, so a crash
//! never leaves the user's shell unreadable.

use crossterm::cursor::{Hide, Show};
use crossterm::execute;
use crossterm::terminal::{self, EnterAlternateScreen, LeaveAlternateScreen};
use ratatui::backend::CrosstermBackend;
use std::io::{self, IsTerminal, Stdout};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Once;

/// The ratatui terminal over stdout.
pub(crate) type Term = ratatui::Terminal<CrosstermBackend<Stdout>>;

/// The terminal in raw mode on the alternate screen; dropping it puts the
/// terminal back.
#[derive(Debug)]
pub(crate) struct AltScreen {
    /// What the view draws on.
    pub(crate) terminal: Term,
}

/// Switches the terminal over, once a panic hook is in place to switch it
/// back (the hook stays for the rest of the process, which `top` ends).
pub(crate) fn enter() -> io::Result<AltScreen> {
    if !io::stdout().is_terminal() {
        return Err(io::Error::other("stdout is not a terminal"));
    }
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            previous(info);
        }));
    });
    terminal::enable_raw_mode()?;
    // Relaxed: a flag read and set on whichever thread restores; it orders
    // no other memory.
    SWITCHED.store(true, Ordering::Relaxed);
    let switched = execute!(io::stdout(), EnterAlternateScreen, Hide)
        .and_then(|()| ratatui::Terminal::new(CrosstermBackend::new(io::stdout())));
    match switched {
        Ok(terminal) => Ok(AltScreen { terminal }),
        Err(e) => {
            restore();
            Err(e)
        }
    }
}

/// Whether the terminal is switched over (so [`restore`] acts once).
static SWITCHED: AtomicBool = AtomicBool::new(false);

/// Leaves the alternate screen and raw mode, once: a panic restores first,
/// then unwinding drops the [`AltScreen`], and leaving the alternate screen
/// a second time would move the cursor back over the panic's message.
fn restore() {
    // Relaxed: see `enter`.
    if !SWITCHED.swap(false, Ordering::Relaxed) {
        return;
    }
    let _ = terminal::disable_raw_mode();
    let _ = execute!(io::stdout(), LeaveAlternateScreen, Show);
}

impl Drop for AltScreen {
    fn drop(&mut self) {
        restore();
    }
}
