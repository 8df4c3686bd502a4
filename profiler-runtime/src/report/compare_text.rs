//! The comparison as text: `Display` for [`Comparison`], and the summary's
//! "Compared with the previous run" section.
//!
//! Every line fits the summary's 100 columns: names are shortened as the
//! operations table shortens them.

use super::compare::{Comparison, Measure, OperationChange, Verdict, PERCENTILE_RESOLUTION_PCT};
use super::text::{count, duration, sanitize};
use super::{elide, width, SessionReport};
use std::fmt::{self, Write as _};

/// Name column, as in the operations table.
const NAME_WIDTH: usize = 23;

fn pad(text: &str, columns: usize) -> String {
    format!("{text}{}", " ".repeat(columns.saturating_sub(width::width(text))))
}

fn lpad(text: &str, columns: usize) -> String {
    format!("{}{text}", " ".repeat(columns.saturating_sub(width::width(text))))
}

/// A change in percent for a 7-column cell: `+7.4%`, `-12%`, `+31x`; `-`
/// when there is no baseline to take a percentage of.
pub(crate) fn percent_change(pct: Option<f64>) -> String {
    match pct {
        None => "-".to_owned(),
        Some(p) if !p.is_finite() => "-".to_owned(),
        Some(p) if p.abs() < 99.95 => format!("{p:+.1}%"),
        Some(p) if p.abs() < 9_999.5 => format!("{p:+.0}%"),
        Some(p) if p < 9_999_850.0 => format!("{:.0}x", 1.0 + p / 100.0),
        Some(_) => ">1e5x".to_owned(),
    }
}

/// How long before (or after) the current run the baseline started.
fn when(comparison: &Comparison) -> String {
    let (base, now) =
        (comparison.baseline.started_at_unix_ms, comparison.current.started_at_unix_ms);
    let gap = |ms: u64| duration(ms.saturating_mul(1_000_000));
    match now.cmp(&base) {
        std::cmp::Ordering::Greater => format!("started {} earlier", gap(now - base)),
        std::cmp::Ordering::Less => format!("started {} later", gap(base - now)),
        std::cmp::Ordering::Equal => "started at the same time".to_owned(),
    }
}

fn mark(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Regressed => "!",
        Verdict::Improved => "·",
        Verdict::TooFewCalls => "?",
        Verdict::Unchanged => "",
    }
}

/// `mean 3.14 ms → 3.60 ms (+14.6%)` for each flagged measure, then the
/// session's self time for the operation when both runs measured it and it
/// moved by more than `threshold_pct`.
fn flagged(op: &OperationChange, threshold_pct: f64) -> String {
    let moved = |c: &super::compare::Change| c.percent().is_some_and(|p| p.abs() > threshold_pct);
    let own = op.self_ns.filter(moved).map(|change| {
        format!(
            "self {} → {} ({})",
            duration(change.before),
            duration(change.after),
            percent_change(change.percent())
        )
    });
    op.flagged
        .iter()
        .map(|measure| {
            let (label, change) = match measure {
                Measure::Mean => ("mean", op.mean_ns),
                Measure::P99 => ("p99", op.p99_ns),
            };
            format!(
                "{label} {} → {} ({})",
                duration(change.before),
                duration(change.after),
                percent_change(change.percent())
            )
        })
        .chain(own)
        .collect::<Vec<_>>()
        .join(", ")
}

impl Comparison {
    /// Writes the comparison under `title`.
    fn write(&self, out: &mut String, title: &str) {
        let base = &self.baseline;
        let id = sanitize(&base.session_id);
        // 30 columns: the previous run's title line stays within 100.
        let id = width::take_columns(&id, 30);
        let _ = writeln!(out, "{title} \"{id}\" (#{}, {})", base.sequence, when(self));
        let names: Vec<&str> = self.operations.iter().map(|op| op.name.as_str()).collect();
        let shown = elide::fit_all(&names, NAME_WIDTH);
        if !self.operations.is_empty() {
            let _ = writeln!(
                out,
                "  {} {:>8} {:>7} {:>8} {:>7} {:>8} {:>7} {:>8} {:>7}",
                pad("name", NAME_WIDTH),
                "calls",
                "change",
                "mean",
                "change",
                "p50",
                "change",
                "p99",
                "change"
            );
        }
        for (op, name) in self.operations.iter().zip(&shown) {
            let cells = [op.calls, op.mean_ns, op.p50_ns, op.p99_ns];
            let mut line = format!("  {}", pad(name, NAME_WIDTH));
            for (i, change) in cells.iter().enumerate() {
                let value = if i == 0 { count(change.after) } else { duration(change.after) };
                let _ = write!(
                    line,
                    " {} {}",
                    lpad(&value, 8),
                    lpad(&percent_change(change.percent()), 7)
                );
            }
            let _ = writeln!(out, "{}", format!("{line} {}", mark(op.verdict)).trim_end());
        }
        let options = &self.options;
        let few = self.operations.iter().any(|op| op.verdict == Verdict::TooFewCalls);
        let (regressed, improved) = (self.regressions().count(), self.improvements().count());
        if regressed + improved > 0 || few {
            let mut legend = String::from("  ");
            if regressed > 0 {
                legend.push_str("! regressed  ");
            }
            if improved > 0 {
                legend.push_str("· improved  ");
            }
            if few {
                let _ = write!(legend, "? under {} calls on a side: no verdict", options.min_calls);
            }
            let _ = writeln!(out, "{}", legend.trim_end());
        }
        let threshold = options.threshold_pct;
        let rule = |way: &str| {
            if threshold >= PERCENTILE_RESOLUTION_PCT {
                format!("mean or p99 {way} over {threshold:.1}%")
            } else {
                format!(
                    "mean {way} over {threshold:.1}% or p99 over {PERCENTILE_RESOLUTION_PCT:.2}%"
                )
            }
        };
        for (label, verdict, way) in
            [("Regressions", Verdict::Regressed, "up"), ("Improvements", Verdict::Improved, "down")]
        {
            let ops: Vec<&OperationChange> =
                self.operations.iter().filter(|op| op.verdict == verdict).collect();
            if ops.is_empty() {
                continue;
            }
            let _ = writeln!(out, "  {label} ({}):", rule(way));
            for op in ops {
                let _ = writeln!(
                    out,
                    "  {} {}: {}",
                    mark(verdict),
                    elide::fit(&op.name, NAME_WIDTH),
                    flagged(op, self.options.threshold_pct)
                );
            }
        }
        for (label, sign, ops) in [("Added", "+", &self.added), ("Removed", "-", &self.removed)] {
            if ops.is_empty() {
                continue;
            }
            let _ = writeln!(out, "  {label}:");
            for op in ops {
                let _ = writeln!(
                    out,
                    "  {sign} {} {} calls, mean {}",
                    pad(&elide::fit(&op.name, 60), 60),
                    count(op.calls),
                    duration(op.mean_ns)
                );
            }
        }
        if self.operations.is_empty() && self.added.is_empty() && self.removed.is_empty() {
            let _ = writeln!(out, "  no operations on either side");
        } else if regressed == 0 {
            let _ = writeln!(
                out,
                "  no regressions ({}, at {} calls or more on both sides)",
                rule("up"),
                options.min_calls
            );
        }
    }
}

impl fmt::Display for Comparison {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        self.write(&mut out, "Compared with");
        f.write_str(&out)
    }
}

impl SessionReport {
    /// The summary's section on [`SessionReport::previous`], if there is one.
    pub(crate) fn write_previous(&self, out: &mut String) {
        if let Some(previous) = &self.previous {
            out.push('\n');
            previous.write(out, "Compared with the previous run,");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::compare::tests::{op, report};
    use super::super::compare::CompareOptions;
    use super::*;

    fn comparison() -> Comparison {
        let base = report(
            "nightly",
            1,
            vec![
                op("fetch_user", 60, 3_000_000, 2_800_000, 4_000_000),
                op("score", 1_000, 27_000, 19_000, 385_000),
                op("parse", 1, 1_200_000, 1_200_000, 1_200_000),
                op("gone", 50, 10, 9, 30),
            ],
        );
        let now = report(
            "nightly",
            2,
            vec![
                op("fetch_user", 60, 3_600_000, 2_900_000, 5_000_000),
                op("score", 1_000, 20_000, 15_000, 300_000),
                op("parse", 1, 2_400_000, 2_400_000, 2_400_000),
                op("app::storage::segments::SegmentWriter::flush_pending", 5, 7, 7, 7),
            ],
        );
        now.compare(&base, &CompareOptions::default())
    }

    #[test]
    fn the_text_names_each_regression_with_its_figures() {
        let text = comparison().to_string();
        assert!(
            text.starts_with("Compared with \"nightly\" (#1, started 1.00 s earlier)\n"),
            "{text}"
        );
        assert!(
            text.contains(
                "  ! fetch_user: mean 3.00 ms → 3.60 ms (+20.0%), p99 4.00 ms → 5.00 ms (+25.0%)\n"
            ),
            "{text}"
        );
        assert!(
            text.contains(
                "  · score: mean 27.0 µs → 20.0 µs (-25.9%), p99 385 µs → 300 µs (-22.1%)\n"
            ),
            "{text}"
        );
        assert!(text.contains("? under 20 calls on a side: no verdict"), "{text}");
        assert!(text.contains("  - gone"), "{text}");
        assert!(
            text.contains("  + app::storage::segments::SegmentWriter::flush_pending "),
            "{text}"
        );
        let row = text.lines().find(|l| l.starts_with("  parse")).unwrap();
        assert!(row.ends_with(" ?"), "{row}");
        assert!(text.contains("  Regressions (mean or p99 up over 10.0%):\n"), "{text}");
        assert!(text.lines().all(|l| l == l.trim_end()), "{text}");
        assert!(text.lines().all(|l| width::width(l) <= 100), "{text}");
    }

    #[test]
    fn without_regressions_it_says_so() {
        let base = report("r", 1, vec![op("a", 100, 1_000, 900, 5_000)]);
        let text = base.compare(&base, &CompareOptions::default()).to_string();
        assert!(
            text.contains("  no regressions (mean or p99 up over 10.0%, at 20 calls"),
            "{text}"
        );
        assert!(!text.contains('!'), "{text}");
    }

    #[test]
    fn a_long_session_id_keeps_the_title_within_the_width() {
        let mut c = comparison();
        c.baseline.session_id = "界".repeat(200);
        c.current.started_at_unix_ms = c.baseline.started_at_unix_ms + 86_400_000;
        let mut out = String::new();
        c.write(&mut out, "Compared with the previous run,");
        assert!(out.lines().all(|l| width::width(l) <= 100), "{out}");
    }

    #[test]
    fn a_report_with_a_previous_run_shows_the_section_last() {
        let mut now = report("nightly", 2, vec![op("a", 100, 1_000, 900, 5_000)]);
        assert!(!now.to_text().contains("Compared with the previous run"));
        now.previous = Some(comparison());
        let text = now.to_text();
        let section = text.find("\nCompared with the previous run, \"nightly\" (#1").expect(&text);
        assert!(text[section..].contains("! fetch_user"), "{text}");
    }

    #[test]
    fn percent_changes_fit_seven_columns() {
        assert_eq!(percent_change(Some(7.44)), "+7.4%");
        assert_eq!(percent_change(Some(-12.0)), "-12.0%");
        assert_eq!(percent_change(Some(250.0)), "+250%");
        assert_eq!(percent_change(Some(3_000_000.0)), "30001x");
        assert_eq!(percent_change(None), "-");
        assert_eq!(percent_change(Some(f64::NAN)), "-");
        for p in [0.0, 99.94, -99.99, 9_999.0, -100.0, 1e9] {
            assert!(percent_change(Some(p)).chars().count() <= 7, "{p}");
        }
    }
}
