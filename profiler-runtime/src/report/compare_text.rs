//! The comparison as text: `Display` for [`Comparison`], and the summary's
//! "Compared with the previous run" section.
//!
//! Every line fits the summary's 100 columns: names are shortened as the
//! operations table shortens them, and the lines under the table wrap.

use super::compare::{
    Change, Comparison, Judgement, Measure, OperationChange, Outcome, Verdict, MIN_SPREAD_RUNS,
    P99_BAR_FACTOR,
};
use super::escape::sanitize;
use super::text::{count, duration, wrap};
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

/// A p-value: `0.042`, `3.1e-7`; under 1e-15, past what the tests resolve,
/// `1e-15` (with `below` saying so).
fn p_number(p: f64) -> String {
    if p >= 0.001 {
        format!("{p:.3}")
    } else if p >= 1e-15 {
        format!("{p:.1e}")
    } else {
        "1e-15".to_owned()
    }
}

/// `p = 0.042`, `p = 3.1e-7`, `p < 1e-15`.
fn p_is(p: f64) -> String {
    let sign = if p < 1e-15 { "<" } else { "=" };
    format!("p {sign} {}", p_number(p))
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
        Verdict::Unchanged => "",
        Verdict::Varies | Verdict::NotSignificant | Verdict::NoHistogram | Verdict::TooFewCalls => {
            "?"
        }
    }
}

/// The calls the tests had on each side: the timed calls where the
/// comparison kept them, else the calls.
fn sample(op: &OperationChange) -> Change {
    if op.timed_calls == Change::default() {
        op.calls
    } else {
        op.timed_calls
    }
}

/// `12 calls a side` or `12 and 30 calls`.
fn calls_on_sides(op: &OperationChange) -> String {
    let Change { before, after } = sample(op);
    let noun = |n: u64| if n == 1 { "call" } else { "calls" };
    if before == after {
        format!("{} {} a side", count(before), noun(before))
    } else {
        format!("{} and {} {}", count(before), count(after), noun(after))
    }
}

/// A judged measure's figures: `typical call +20.3% (p < 1e-15)`,
/// `p99 42.0 µs → 50.4 µs (+20.0%, p 2.1e-7)`.
fn judged(op: &OperationChange, j: &Judgement) -> String {
    let p = j.p_value.map(|p| format!(", {}", p_is(p))).unwrap_or_default();
    match j.measure {
        Measure::Typical => match j.p_value {
            Some(pv) => format!("typical call {} ({})", percent_change(j.change_pct), p_is(pv)),
            None => format!("typical call {}", percent_change(j.change_pct)),
        },
        Measure::P99 => format!(
            "p99 {} → {} ({}{p})",
            duration(op.p99_ns.before),
            duration(op.p99_ns.after),
            percent_change(j.change_pct)
        ),
        Measure::Mean => format!(
            "mean {} → {} ({}{p})",
            duration(op.mean_ns.before),
            duration(op.mean_ns.after),
            percent_change(op.mean_ns.percent())
        ),
    }
}

/// The flagged measures with their figures, then the session's self time
/// for the operation when both runs measured it and it moved past the limit.
fn flagged(op: &OperationChange, limit_pct: f64) -> String {
    let moved = |c: &Change| c.percent().is_some_and(|p| p.abs() > limit_pct);
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
        .map(|&measure| match op.judgement(measure) {
            Some(j) => judged(op, j),
            // Saved before measures were tested: the figures alone.
            None => judged(
                op,
                &Judgement {
                    measure,
                    outcome: Outcome::Rose,
                    change_pct: match measure {
                        Measure::P99 => op.p99_ns.percent(),
                        _ => op.mean_ns.percent(),
                    },
                    p_value: None,
                    calls_needed: 0,
                    varies_pct: None,
                    varies_runs: 0,
                },
            ),
        })
        .chain(own)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Why `op`, or a measure of it that moved past the limit, got no verdict;
/// `None` when there is nothing to explain.
fn unjudged(op: &OperationChange, limit_pct: f64) -> Option<String> {
    let why = match op.verdict {
        // Listed together, see `few_calls`.
        Verdict::TooFewCalls => return None,
        Verdict::NoHistogram => {
            vec!["no call-time histogram on a side (a report from an older version): nothing to test"
                .to_owned()]
        }
        _ => op
            .judgements
            .iter()
            .filter_map(|j| {
                let past = j.change_pct.is_some_and(|c| c.abs() > limit_pct);
                let what = j.measure.label();
                let change = percent_change(j.change_pct);
                match j.outcome {
                    Outcome::Varies => Some(format!(
                        "{what} {change} but it varies by up to ±{} between the {} baseline \
                         runs: no verdict",
                        spread_pct(j.varies_pct.unwrap_or(0.0)),
                        j.varies_runs
                    )),
                    Outcome::NotSignificant => Some(format!(
                        "{what} {change} not significant ({})",
                        p_is(j.p_value.unwrap_or(1.0))
                    )),
                    Outcome::TooFewCalls if past => Some(format!(
                        "{what} {change} not judged: {}, a {what} needs {}",
                        calls_on_sides(op),
                        count(j.calls_needed)
                    )),
                    _ => None,
                }
            })
            .collect(),
    };
    (!why.is_empty()).then(|| why.join("; "))
}

/// A spread in percent without a sign: `24.0%`, `130%`.
fn spread_pct(pct: f64) -> String {
    if pct < 99.95 {
        format!("{pct:.1}%")
    } else {
        format!("{pct:.0}%")
    }
}

/// The operations with too few calls for any verdict, on one line:
/// `under 20 calls a side: load_config (2), parse (1 and 3)`.
fn few_calls(ops: &[&OperationChange]) -> Option<String> {
    let needed = ops.iter().flat_map(|op| &op.judgements).map(|j| j.calls_needed).min();
    let listed: Vec<String> = ops
        .iter()
        .map(|op| {
            let Change { before, after } = sample(op);
            let calls = if before == after {
                count(before)
            } else {
                format!("{} and {}", count(before), count(after))
            };
            format!("{} ({calls})", elide::fit(&op.name, NAME_WIDTH))
        })
        .collect();
    (!listed.is_empty()).then(|| {
        let under = needed.map_or(String::new(), |n| format!("under {n} calls a side, "));
        format!("{under}no verdict: {}", listed.join(", "))
    })
}

impl Comparison {
    /// Whether the baseline had the runs to estimate how much runs vary.
    fn spread_known(&self) -> bool {
        self.baseline_runs.len() >= MIN_SPREAD_RUNS
    }

    /// The rule a regression met: `typical call up over 10.0% or p99 over
    /// 30.0% at p < 8.3e-5 (0.001 over 12 tests)`, or against several runs
    /// `typical call or p99 up over 10.0% and past the runs' spread at ...`.
    fn rule(&self, way: &str) -> String {
        let options = &self.options;
        let bars = if self.spread_known() {
            format!(
                "typical call or p99 {way} over {:.1}% and past the baseline runs' spread",
                options.limit_pct()
            )
        } else {
            format!(
                "typical call {way} over {:.1}% or p99 over {:.1}%",
                options.bar_pct(Measure::Typical, false),
                options.bar_pct(Measure::P99, false)
            )
        };
        format!(
            "{bars} at p < {} ({} over {} tests)",
            p_number(self.level()),
            options.significance,
            self.tests.max(1)
        )
    }

    /// One line when the spread between runs was not measured and a
    /// verdict was close to what it can be: a measure that moved past the
    /// threshold but within [`P99_BAR_FACTOR`] times it, where unchanged
    /// runs of sub-microsecond operations land on a shared machine.
    fn noise_note(&self) -> Option<String> {
        if self.spread_known() {
            return None;
        }
        let limit = self.options.limit_pct();
        let noisy = limit * P99_BAR_FACTOR;
        if !self.baseline_runs.is_empty() {
            return Some(format!(
                "the spread between runs needs {MIN_SPREAD_RUNS} baseline runs or more, and this \
                 baseline has {}: judged as one run against one",
                self.baseline_runs.len()
            ));
        }
        let close = self.operations.iter().flat_map(|op| &op.judgements).any(|j| {
            j.p_value.is_some() && j.change_pct.is_some_and(|c| c.abs() > limit && c.abs() <= noisy)
        });
        close.then(|| {
            format!(
                "one run against one cannot see how much runs of unchanged code vary, and a \
                 change under {noisy:.0}% can be the machine: compare with several runs \
                 (profiler diff --baseline DIR --runs N)"
            )
        })
    }

    /// Writes the comparison under `title`.
    fn write(&self, out: &mut String, title: &str) {
        let base = &self.baseline;
        let id = sanitize(&base.session_id);
        // 30 columns: the previous run's title line stays within 100.
        let id = width::take_columns(&id, 30);
        let _ = match self.baseline_runs.len() {
            0 | 1 => writeln!(out, "{title} \"{id}\" (#{}, {})", base.sequence, when(self)),
            runs => writeln!(
                out,
                "{title} the median of {runs} runs of \"{id}\" (the newest #{}, {})",
                base.sequence,
                when(self)
            ),
        };
        let names: Vec<&str> = self.operations.iter().map(|op| op.name.as_str()).collect();
        let shown = elide::fit_all(&names, NAME_WIDTH);
        if !self.operations.is_empty() {
            let _ = writeln!(
                out,
                "  {} {:>8} {:>8} {:>7} {:>8} {:>7} {:>8} {:>7} {:>7}",
                pad("name", NAME_WIDTH),
                "calls",
                "mean",
                "change",
                "p50",
                "change",
                "p99",
                "change",
                "typical"
            );
        }
        for (op, name) in self.operations.iter().zip(&shown) {
            let mut line =
                format!("  {} {}", pad(name, NAME_WIDTH), lpad(&count(op.calls.after), 8));
            for change in [op.mean_ns, op.p50_ns, op.p99_ns] {
                let _ = write!(
                    line,
                    " {} {}",
                    lpad(&duration(change.after), 8),
                    lpad(&percent_change(change.percent()), 7)
                );
            }
            let typical = op.judgement(Measure::Typical).and_then(|j| j.change_pct);
            let _ = write!(line, " {}", lpad(&percent_change(typical), 7));
            let _ = writeln!(out, "{}", format!("{line} {}", mark(op.verdict)).trim_end());
        }
        let limit = self.options.limit_pct();
        let (regressed, improved) = (self.regressions().count(), self.improvements().count());
        let unjudged: Vec<(&OperationChange, String)> =
            self.operations.iter().filter_map(|op| Some((op, unjudged(op, limit)?))).collect();
        if !self.operations.is_empty() {
            let mut legend = String::from("  ");
            if regressed > 0 {
                legend.push_str("! regressed  ");
            }
            if improved > 0 {
                legend.push_str("· improved  ");
            }
            if self.operations.iter().any(|op| mark(op.verdict) == "?") {
                legend.push_str("? no verdict  ");
            }
            legend.push_str("typical: median change over pairs of calls");
            let _ = writeln!(out, "{}", legend.trim_end());
        }
        for (label, verdict, way) in
            [("Regressions", Verdict::Regressed, "up"), ("Improvements", Verdict::Improved, "down")]
        {
            let ops: Vec<&OperationChange> =
                self.operations.iter().filter(|op| op.verdict == verdict).collect();
            if ops.is_empty() {
                continue;
            }
            wrap(out, "  ", "    ", &format!("{label} ({}):", self.rule(way)));
            for op in ops {
                let first = format!("  {} {}:", mark(verdict), elide::fit(&op.name, NAME_WIDTH));
                wrap(out, &format!("{first} "), "      ", &flagged(op, limit));
            }
        }
        let few: Vec<&OperationChange> =
            self.operations.iter().filter(|op| op.verdict == Verdict::TooFewCalls).collect();
        let few = few_calls(&few);
        if !unjudged.is_empty() || few.is_some() {
            let _ = writeln!(out, "  Not judged:");
            for (op, why) in unjudged {
                wrap(out, &format!("  ? {}: ", elide::fit(&op.name, NAME_WIDTH)), "      ", &why);
            }
            if let Some(few) = few {
                wrap(out, "  ? ", "      ", &few);
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
            let needs = format!(
                "; the typical call needs {} calls a side, a p99 {}",
                self.options.calls_needed(Measure::Typical),
                self.options.calls_needed(Measure::P99)
            );
            wrap(out, "  no regressions ", "    ", &format!("({}{needs})", self.rule("up")));
        }
        if let Some(note) = self.noise_note() {
            wrap(out, "  ", "    ", &note);
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
    use super::super::compare::tests::{calls, op, op_of, report, Rng};
    use super::super::compare::CompareOptions;
    use super::*;

    fn comparison() -> Comparison {
        let mut rng = Rng(10);
        let base = report(
            "nightly",
            1,
            vec![
                op_of("fetch_user", &calls(&mut rng, 300, 150.0)),
                op_of("score", &calls(&mut rng, 1_000, 1.3)),
                op_of("parse", &calls(&mut rng, 1, 60.0)),
                op_of("enrich_with_llm", &calls(&mut rng, 40, 20.0)),
                op("gone", 50, 10, 9, 30),
            ],
        );
        let mut slow_once = calls(&mut rng, 40, 20.0);
        slow_once[3] = 9_000_000;
        let now = report(
            "nightly",
            2,
            vec![
                op_of("fetch_user", &calls(&mut rng, 300, 180.0)),
                op_of("score", &calls(&mut rng, 1_000, 1.0)),
                op_of("parse", &calls(&mut rng, 1, 120.0)),
                op_of("enrich_with_llm", &slow_once),
                op("app::storage::segments::SegmentWriter::flush_pending", 5, 7, 7, 7),
            ],
        );
        now.compare(&base, &CompareOptions::default())
    }

    #[test]
    fn the_text_names_each_regression_and_says_why_others_got_none() {
        let text = comparison().to_string();
        assert!(
            text.starts_with("Compared with \"nightly\" (#1, started 1.00 s earlier)\n"),
            "{text}"
        );
        let line = |start: &str| {
            text.lines().find(|l| l.starts_with(start)).unwrap_or_else(|| panic!("{start}: {text}"))
        };
        assert!(line("  ! fetch_user: typical call +").contains("(p = "), "{text}");
        assert!(line("  · score: typical call -").contains("(p < 1e-15)"), "{text}");
        assert!(line("  ? score: p99 -").contains("% not significant (p = "), "{text}");
        assert_eq!(line("  ? under "), "  ? under 20 calls a side, no verdict: parse (1)");
        let llm = line("  ? enrich_with_llm:");
        assert!(
            llm.contains("p99 +") && llm.ends_with("not judged: 40 calls a side, a p99 needs 100"),
            "{llm}"
        );
        assert!(line("  parse").ends_with(" ?"), "{text}");
        assert!(!line("  enrich_with_llm").ends_with('?'), "judged on its typical call: {text}");
        assert!(text.contains("  - gone"), "{text}");
        assert!(
            text.contains("  + app::storage::segments::SegmentWriter::flush_pending "),
            "{text}"
        );
        assert!(
            text.contains(
                "  Regressions (typical call up over 10.0% or p99 over 30.0% at p < 2.0e-4 (0.001 \
                 over 5 tests)):\n"
            ),
            "{text}"
        );
        // fetch_user's +17% is within what one pair of runs can move by.
        assert!(text.contains("\n  one run against one cannot see how much runs"), "{text}");
        assert!(text.lines().all(|l| l == l.trim_end()), "{text}");
        assert!(text.lines().all(|l| width::width(l) <= 100), "{text}");
    }

    #[test]
    fn without_regressions_it_says_so_with_the_rule() {
        let base = report("r", 1, vec![op("a", 100, 1_000, 900, 5_000)]);
        let text = base.compare(&base, &CompareOptions::default()).to_string();
        assert!(
            text.contains(
                "  no regressions (typical call up over 10.0% or p99 over 30.0% at p < 5.0e-4 \
                 (0.001 over 2 tests);"
            ),
            "{text}"
        );
        assert!(!text.contains('!') && !text.contains("Not judged"), "{text}");
        // Nothing moved: no word on the noise between runs.
        assert!(!text.contains("one run against one"), "{text}");
    }

    #[test]
    fn a_median_of_runs_says_so_in_its_title() {
        let mut c = comparison();
        c.baseline_runs = vec![c.baseline.clone(); 5];
        let text = c.to_string();
        assert!(
            text.starts_with("Compared with the median of 5 runs of \"nightly\" (the newest #1,"),
            "{text}"
        );
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

    #[test]
    fn p_values_read_as_numbers_down_to_what_the_tests_resolve() {
        assert_eq!(p_is(0.0421), "p = 0.042");
        assert_eq!(p_is(3.14e-7), "p = 3.1e-7");
        assert_eq!(p_is(0.0), "p < 1e-15");
    }
}
