//! Folded stacks: one line per path of the call tree with its self time,
//! `outer;inner;leaf 1234`, the format flame graph tools read.

use crate::report::SessionReport;
use crate::{Error, Level};
use std::fmt::Write as _;

/// `name` as one frame: `%`, `;`, spaces and control characters
/// percent-encoded, so a frame never splits into two and a line never
/// splits in the wrong place (`a;b c` becomes `a%3Bb%20c`).
pub(crate) fn frame(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        match c {
            '%' | ';' | ' ' => {
                let _ = write!(out, "%{:02X}", c as u32);
            }
            c if c.is_control() => {
                let mut buf = [0u8; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    let _ = write!(out, "%{b:02X}");
                }
            }
            c => out.push(c),
        }
    }
    out
}

impl SessionReport {
    /// The call tree as folded stacks: one line per path with its self
    /// time in nanoseconds, `outer;inner;leaf 1234`, outermost call first
    /// and paths in order, for `inferno-flamegraph`, `flamegraph.pl` or
    /// speedscope. Frame names are percent-encoded where they hold `%`, `;`,
    /// a space or a control character. Paths with no self time are left
    /// out. Needs the call tree ([`Level::Detailed`] and up): else
    /// [`Error::NotRecorded`].
    ///
    /// ```
    /// use profiler_runtime::{Level, Monitor};
    ///
    /// #[profiler_runtime::monitor("parse row")]
    /// fn parse() {
    ///     std::thread::sleep(std::time::Duration::from_millis(1));
    /// }
    /// #[profiler_runtime::monitor("load")]
    /// fn load() {
    ///     parse();
    /// }
    ///
    /// let m = Monitor::new();
    /// m.set_level(Level::Detailed);
    /// m.start_session("folded");
    /// m.scope(load);
    /// let folded = m.end_session().unwrap().to_folded()?;
    /// assert!(folded.lines().any(|l| l.starts_with("load;parse%20row ")));
    /// # Ok::<(), profiler_runtime::Error>(())
    /// ```
    pub fn to_folded(&self) -> Result<String, Error> {
        let mut out = String::new();
        for line in self.folded_lines("folded stacks", frame)? {
            let _ = writeln!(out, "{line}");
        }
        Ok(out)
    }

    /// One `frames self_ns` line per path with self time, paths in order,
    /// each frame written by `frame`; what `export` needs when there is no
    /// call tree.
    pub(crate) fn folded_lines(
        &self,
        export: &'static str,
        frame: fn(&str) -> String,
    ) -> Result<Vec<String>, Error> {
        self.weighted_lines(export, frame, |_| 1.0)
    }

    /// [`SessionReport::folded_lines`] with each path's self time scaled
    /// by its last operation's held time over its self time (see
    /// [`crate::WallShare`]): overlapping calls count once, so the widths
    /// add up to at most the session's wall time.
    #[cfg(feature = "flamegraph")]
    pub(crate) fn held_lines(
        &self,
        export: &'static str,
        frame: fn(&str) -> String,
    ) -> Result<Vec<String>, Error> {
        let ratio = |name: &str| {
            let op = self.operations.iter().find(|op| op.name == name);
            match op.and_then(|op| op.wall.as_ref().map(|w| (w.held_ns, op.self_time_ns()))) {
                Some((held, own)) if own > 0 => held as f64 / own as f64,
                _ => 1.0,
            }
        };
        self.weighted_lines(export, frame, ratio)
    }

    fn weighted_lines(
        &self,
        export: &'static str,
        frame: fn(&str) -> String,
        ratio: impl Fn(&str) -> f64,
    ) -> Result<Vec<String>, Error> {
        let tree = self.call_tree.as_ref().ok_or(Error::NotRecorded {
            export,
            needs: "call tree",
            level: Level::Detailed,
        })?;
        let mut paths: Vec<_> = tree.paths.iter().filter(|p| p.self_ns > 0).collect();
        paths.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(paths
            .iter()
            .filter_map(|p| {
                let leaf = p.path.last().map_or(1.0, |name| ratio(name));
                let ns = (p.self_ns as f64 * leaf) as u64;
                let frames: Vec<String> = p.path.iter().map(|n| frame(n)).collect();
                (ns > 0).then(|| format!("{} {ns}", frames.join(";")))
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_never_hold_a_separator() {
        assert_eq!(frame("plain::name"), "plain::name");
        assert_eq!(frame("a;b c%d"), "a%3Bb%20c%25d");
        assert_eq!(frame("line\nbreak\t"), "line%0Abreak%09");
        assert_eq!(frame("naïve"), "naïve");
    }
}
