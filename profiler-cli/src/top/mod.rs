//! `profiler top`: a running program's live report (the endpoint its
//! `serve` feature starts), redrawn in the terminal every interval.
//!
//! A reader thread fetches `/report.json` ([`fetch`], [`reading`]) and
//! hands each reading to the view loop, which turns the latest figures into
//! text ([`view`]) and lays them out ([`draw`]); keys change the sort or
//! quit. The data side never touches the terminal, so it is tested without
//! one.

mod draw;
mod fetch;
mod reading;
mod terminal;
mod view;

use crate::cli::TopArgs;
use crate::endpoint::Endpoint;
use crate::failure::Failure;
use crate::Outcome;
use crossterm::event::{self, Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use reading::{Reading, Watch};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use view::Sort;

/// How often the loop looks for keys and readings.
const TICK: Duration = Duration::from_millis(50);

/// What a key asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    /// End the view.
    Quit,
    /// Sort the operations this way.
    Sort(Sort),
}

/// The action of `key`, if it has one: `q`, Esc and Ctrl-C quit, the sort
/// keys sort (Ctrl-C is not `c`).
fn action(key: KeyEvent) -> Option<Action> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    let control = key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        KeyCode::Char('c') if control => Some(Action::Quit),
        KeyCode::Char('q' | 'Q') | KeyCode::Esc if !control => Some(Action::Quit),
        KeyCode::Char(c) if !control => Sort::from_key(c).map(Action::Sort),
        _ => None,
    }
}

/// Runs the view until a quit key; prints nothing once the terminal is back.
pub(crate) fn run(args: &TopArgs) -> Result<(String, Outcome), Failure> {
    let mut screen = terminal::enter().map_err(Failure::Terminal)?;
    let readings = spawn_reader(args.addr.clone(), args.interval);
    let mut watch = Watch::new();
    let mut sort = Sort::SelfTime;
    let mut dirty = true;
    loop {
        while let Ok(reading) = readings.try_recv() {
            watch.update(reading, Instant::now());
            dirty = true;
        }
        if dirty {
            let shown =
                view::screen(&watch, sort, &args.addr, args.interval, watch.age(Instant::now()));
            screen.terminal.draw(|frame| draw::draw(frame, &shown)).map_err(Failure::Terminal)?;
            dirty = false;
        }
        if !event::poll(TICK).map_err(Failure::Terminal)? {
            continue;
        }
        match event::read().map_err(Failure::Terminal)? {
            Event::Key(key) => match action(key) {
                Some(Action::Quit) => break,
                Some(Action::Sort(chosen)) => {
                    sort = chosen;
                    dirty = true;
                }
                None => {}
            },
            Event::Resize(..) => dirty = true,
            _ => {}
        }
    }
    drop(screen);
    Ok((String::new(), Outcome::Clean))
}

/// A thread that reads the report every `interval` (from the end of one
/// read to the start of the next) until the view stops listening.
fn spawn_reader(endpoint: Endpoint, interval: Duration) -> mpsc::Receiver<Reading> {
    let (sender, receiver) = mpsc::channel();
    std::thread::Builder::new()
        .name("profiler-top-reader".to_owned())
        .spawn(move || loop {
            if sender.send(reading::read(&endpoint)).is_err() {
                return;
            }
            std::thread::sleep(interval);
        })
        .expect("spawning the reader thread");
    receiver
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_sort_or_quit_and_ctrl_c_is_not_calls() {
        let key = |code, modifiers| action(KeyEvent::new(code, modifiers));
        let none = KeyModifiers::NONE;
        assert_eq!(key(KeyCode::Char('c'), none), Some(Action::Sort(Sort::Calls)));
        assert_eq!(key(KeyCode::Char('c'), KeyModifiers::CONTROL), Some(Action::Quit));
        assert_eq!(key(KeyCode::Char('p'), none), Some(Action::Sort(Sort::P99)));
        assert_eq!(key(KeyCode::Char('f'), none), Some(Action::Sort(Sort::Failures)));
        assert_eq!(key(KeyCode::Char('s'), none), Some(Action::Sort(Sort::SelfTime)));
        assert_eq!(key(KeyCode::Char('q'), none), Some(Action::Quit));
        assert_eq!(key(KeyCode::Esc, none), Some(Action::Quit));
        assert_eq!(key(KeyCode::Char('x'), none), None);
        let mut release = KeyEvent::new(KeyCode::Char('q'), none);
        release.kind = KeyEventKind::Release;
        assert_eq!(action(release), None);
    }
}
