//! Trends as text: `Display` for [`Trends`], one row per operation.

use super::compare_text::percent_change;
use super::escape::sanitize;
use super::text::duration;
use super::trend::{Direction, Trends};
use super::{elide, width};
use std::fmt::{self, Write as _};

/// Name column, as in the operations table.
const NAME_WIDTH: usize = 23;

impl Direction {
    /// The word the text uses.
    fn word(self) -> &'static str {
        match self {
            Direction::Improving => "improving",
            Direction::Degrading => "degrading",
            Direction::Stable => "stable",
            Direction::TooFewCalls => "too few calls",
            Direction::NoHistory => "no history",
        }
    }
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.word())
    }
}

impl fmt::Display for Trends {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        let id = sanitize(&self.session_id);
        let id = width::take_columns(&id, 40);
        let window = self.options.window.max(1);
        let _ = writeln!(
            out,
            "Trends over {} runs of \"{id}\" (the latest against the median of up to {window} before it)",
            self.runs
        );
        if self.operations.is_empty() {
            out.push_str("  no operations in the latest run\n");
            return f.write_str(&out);
        }
        let _ = writeln!(
            out,
            "  {:<NAME_WIDTH$} {:>5} {:>8} {:>7} {:>8} {:>7}  trend",
            "name", "runs", "mean", "change", "p50", "change"
        );
        let names: Vec<&str> = self.operations.iter().map(|t| t.name.as_str()).collect();
        for (t, name) in self.operations.iter().zip(elide::fit_all(&names, NAME_WIDTH)) {
            let pad = " ".repeat(NAME_WIDTH.saturating_sub(width::width(&name)));
            let cell = |pct: Option<f64>| {
                if t.baseline_runs == 0 {
                    "-".to_owned()
                } else {
                    percent_change(pct)
                }
            };
            let _ = writeln!(
                out,
                "  {name}{pad} {:>5} {:>8} {:>7} {:>8} {:>7}  {}",
                t.baseline_runs,
                duration(t.mean_ns.after),
                cell(t.mean_ns.percent()),
                duration(t.p50_ns.after),
                cell(t.p50_ns.percent()),
                t.direction
            );
        }
        let o = &self.options;
        let _ = writeln!(
            out,
            "  trend: mean and p50 both past {:.1}% and past every earlier run; runs under {} calls left out",
            o.threshold_pct, o.min_calls
        );
        f.write_str(&out)
    }
}

#[cfg(test)]
mod tests {
    use super::super::compare::tests::{op, report};
    use super::super::trend::TrendOptions;
    use super::*;

    #[test]
    fn each_operation_is_one_row_with_its_direction() {
        let runs = vec![
            report(
                "job",
                1,
                vec![op("slow", 100, 1_000, 900, 2_000), op("flat", 100, 500, 450, 900)],
            ),
            report(
                "job",
                2,
                vec![op("slow", 100, 1_010, 905, 2_000), op("flat", 100, 505, 450, 900)],
            ),
            report(
                "job",
                3,
                vec![
                    op("slow", 100, 1_500, 1_400, 3_000),
                    op("flat", 100, 500, 450, 900),
                    op("new", 100, 9, 9, 9),
                ],
            ),
        ];
        let text = Trends::of(&runs, &TrendOptions::default()).to_string();
        assert!(text.starts_with("Trends over 3 runs of \"job\""), "{text}");
        let row = |name: &str| {
            text.lines().find(|l| l.starts_with(&format!("  {name} "))).unwrap().to_owned()
        };
        assert!(row("slow").ends_with("  degrading"), "{text}");
        assert!(row("slow").contains("+49.3%"), "{text}");
        assert!(row("flat").ends_with("  stable"), "{text}");
        assert!(row("new").ends_with("  no history"), "{text}");
        assert!(text.lines().all(|l| width::width(l) <= 100), "{text}");
    }
}
