//! An SVG flame graph of the call tree, drawn by `inferno` (feature
//! `flamegraph`): one box per path, as wide as its time, callees stacked on
//! their callers.

use super::folded;
use crate::report::SessionReport;
use crate::Error;

/// `name` as one frame of inferno's input: `%`, `;` and control characters
/// percent-encoded (as in the folded export), spaces kept, since inferno
/// finds the count after a line's last space and the picture should read
/// `parse row`, not `parse%20row`.
fn frame(name: &str) -> String {
    folded::frame(name).replace("%20", " ")
}

impl SessionReport {
    /// The call tree as an SVG flame graph: each path's box as wide as the
    /// wall time it held (its self time scaled by its operation's held
    /// over self time, see [`crate::WallShare`], so a fan-out's overlapping
    /// calls count once; plus its callees'), callees above their callers,
    /// colours by name so one function keeps its colour. The SVG is
    /// interactive in a browser (hover for the time, click to zoom). Frame
    /// names are shown as written, with `%`, `;` and control characters
    /// percent-encoded. Needs the call tree ([`Level::Detailed`](crate::Level::Detailed) and up).
    ///
    /// # Errors
    /// [`Error::NotRecorded`] without a call tree; [`Error::Export`] when
    /// no path has any time to draw.
    ///
    /// ```
    /// use profiler_runtime::{Level, Monitor};
    ///
    /// #[profiler_runtime::monitor("load rows")]
    /// fn load() {
    ///     std::thread::sleep(std::time::Duration::from_millis(1));
    /// }
    ///
    /// let m = Monitor::new();
    /// m.set_level(Level::Detailed);
    /// m.start_session("flame");
    /// m.scope(load);
    /// let svg = m.end_session().unwrap().to_flamegraph_svg()?;
    /// assert!(svg.starts_with("<?xml") && svg.contains("load rows"));
    /// # Ok::<(), profiler_runtime::Error>(())
    /// ```
    pub fn to_flamegraph_svg(&self) -> Result<String, Error> {
        let lines = self.held_lines("a flame graph", frame)?;
        let mut options = inferno::flamegraph::Options::default();
        options.title = format!("{} — wall time held (overlapping calls once)", self.session_id);
        options.count_name = "ns".to_owned();
        options.name_type = "Operation:".to_owned();
        // Colour by name, not at random: the same operation keeps its colour
        // from one run's graph to the next.
        options.hash = true;
        options.deterministic = true;
        let mut svg = Vec::new();
        inferno::flamegraph::from_lines(&mut options, lines.iter().map(String::as_str), &mut svg)
            .map_err(|e| Error::Export { export: "a flame graph", problem: e.to_string() })?;
        String::from_utf8(svg)
            .map_err(|e| Error::Export { export: "a flame graph", problem: e.to_string() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_keep_spaces_and_never_hold_a_separator() {
        assert_eq!(frame("parse row"), "parse row");
        assert_eq!(frame("a;b%c\n"), "a%3Bb%25c%0A");
    }
}
