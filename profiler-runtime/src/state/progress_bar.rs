//! A running stage's progress bar on stderr (feature `progress`, through
//! `indicatif`): drawn once a recorded stage is given an expected total while
//! stderr is a terminal, advanced as items are added, cleared when the stage
//! ends. Without the feature [`StageBar`] is an empty type whose methods do
//! nothing, and `indicatif` is not in the build.

/// Whether a stage draws a bar: the `progress` feature is built in, the
/// stage is recorded (its monitor was on when it started) and stderr is a
/// terminal, so the bar never lands in a file or a pipe.
// Without the feature no bar asks, but the tests still check the rule.
#[cfg_attr(not(feature = "progress"), allow(dead_code))]
pub(crate) fn shows_bar(feature: bool, recorded: bool, terminal: bool) -> bool {
    feature && recorded && terminal
}

#[cfg(feature = "progress")]
mod drawn {
    use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
    use std::io::IsTerminal;
    use std::sync::OnceLock;

    /// The name, the bar, items done of the total, the rate and the time left.
    const TEMPLATE: &str =
        "{prefix} [{bar:30}] {human_pos}/{human_len} ({percent}%) {per_sec:0}, {eta} to go";

    /// One set of lines on stderr for every bar of the process, so stages
    /// running at the same time (on threads, or nested) each keep a line
    /// instead of drawing over each other.
    fn terminal() -> &'static MultiProgress {
        static BARS: OnceLock<MultiProgress> = OnceLock::new();
        BARS.get_or_init(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr()))
    }

    /// A stage's bar, if it draws one.
    #[derive(Default)]
    pub(crate) struct StageBar {
        bar: Option<ProgressBar>,
    }

    impl StageBar {
        /// No bar.
        pub(crate) const fn none() -> StageBar {
            StageBar { bar: None }
        }

        /// Shows (or, called again, resizes) the bar of a stage named `name`
        /// that expects `total` items and has `done` so far; `recorded`
        /// says whether the stage is recorded.
        pub(crate) fn expect(&mut self, name: &str, done: u64, total: u64, recorded: bool) {
            if let Some(bar) = &self.bar {
                bar.set_length(total);
                return;
            }
            let stderr = std::io::stderr().is_terminal();
            if super::shows_bar(cfg!(feature = "progress"), recorded, stderr) {
                let bar = terminal().add(new_bar(name, done, total, ProgressDrawTarget::hidden()));
                self.bar = Some(bar);
            }
        }

        /// Moves the bar on by `n` items: an atomic add and a clock read,
        /// with a redraw at most about once a millisecond.
        #[inline]
        pub(crate) fn add(&self, n: u64) {
            if let Some(bar) = &self.bar {
                bar.inc(n);
            }
        }

        /// Takes the bar off the terminal.
        pub(crate) fn finish(&self) {
            if let Some(bar) = &self.bar {
                bar.finish_and_clear();
            }
        }

        /// Where the bar stands: items done and the total, if it draws.
        #[cfg(test)]
        pub(crate) fn position(&self) -> Option<(u64, Option<u64>)> {
            self.bar.as_ref().map(|b| (b.position(), b.length()))
        }

        /// A bar drawn to `target`, as [`StageBar::expect`] makes one, for
        /// the tests (which have no terminal).
        #[cfg(test)]
        pub(crate) fn drawn_to(
            name: &str,
            done: u64,
            total: u64,
            target: ProgressDrawTarget,
        ) -> StageBar {
            StageBar { bar: Some(new_bar(name, done, total, target)) }
        }
    }

    /// A bar for `total` items, `done` of them already, named after the stage.
    /// (Added to [`terminal`], it draws there instead of to `target`.)
    fn new_bar(name: &str, done: u64, total: u64, target: ProgressDrawTarget) -> ProgressBar {
        let style = ProgressStyle::with_template(TEMPLATE)
            // The template is a constant that the tests parse, so this
            // fallback is never taken; it keeps a bad edit from panicking.
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
        ProgressBar::with_draw_target(Some(total), target)
            .with_style(style)
            .with_prefix(name.to_owned())
            .with_position(done)
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn the_template_parses() {
            assert!(ProgressStyle::with_template(TEMPLATE).is_ok());
        }

        #[test]
        fn a_bar_follows_the_items_added() {
            let bar = StageBar::drawn_to("parse", 0, 1_000, ProgressDrawTarget::hidden());
            assert_eq!(bar.position(), Some((0, Some(1_000))));
            bar.add(250);
            bar.add(125);
            assert_eq!(bar.position(), Some((375, Some(1_000))));
            bar.finish();
            // Cleared from the terminal; indicatif moves a finished bar to its end.
            assert!(bar.bar.as_ref().is_some_and(ProgressBar::is_finished));
        }

        #[test]
        fn a_bar_starts_from_the_items_already_done() {
            let bar = StageBar::drawn_to("match", 40, 100, ProgressDrawTarget::hidden());
            bar.add(10);
            assert_eq!(bar.position(), Some((50, Some(100))));
        }

        #[test]
        fn expecting_again_resizes_the_bar() {
            let mut bar = StageBar::drawn_to("write", 0, 10, ProgressDrawTarget::hidden());
            bar.add(4);
            bar.expect("write", 4, 20, true);
            assert_eq!(bar.position(), Some((4, Some(20))));
        }

        #[test]
        fn no_bar_draws_nothing_and_moves_nothing() {
            let mut bar = StageBar::none();
            bar.expect("enrich", 0, 100, false);
            bar.add(5);
            bar.finish();
            assert_eq!(bar.position(), None);
        }
    }
}

#[cfg(not(feature = "progress"))]
mod drawn {
    /// No bar: the `progress` feature is off.
    #[derive(Default)]
    pub(crate) struct StageBar;

    impl StageBar {
        pub(crate) const fn none() -> StageBar {
            StageBar
        }

        #[inline]
        pub(crate) fn expect(&mut self, _name: &str, _done: u64, _total: u64, _recorded: bool) {}

        #[inline]
        pub(crate) fn add(&self, _n: u64) {}

        #[inline]
        pub(crate) fn finish(&self) {}
    }
}

pub(crate) use drawn::StageBar;

#[cfg(test)]
mod tests {
    use super::shows_bar;

    #[test]
    fn a_bar_needs_the_feature_a_recorded_stage_and_a_terminal() {
        assert!(shows_bar(true, true, true));
        assert!(!shows_bar(true, true, false), "stderr is a file or a pipe");
        assert!(!shows_bar(true, false, true), "the stage is not recorded");
        assert!(!shows_bar(false, true, true), "the feature is off");
        assert!(!shows_bar(false, false, false));
    }
}
