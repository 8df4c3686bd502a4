//! The human summary: `Display` for [`SessionReport`].
//!
//! Fits a 100-column terminal; every row is one line whatever the names hold
//! (control characters are escaped, long names shortened from the left so the
//! function's own name stays visible). Sections with nothing to say are left out.

use super::escape::sanitize;
use super::{elide, width, SessionReport, Severity};
use std::fmt::{self, Write as _};

/// Width the summary is laid out for, unless asked for a wider one.
pub(crate) const WIDTH: usize = 100;
/// Name column of the tables at the default width.
const NAME_WIDTH: usize = 23;
/// What the operations table's other columns take.
const FIGURE_COLUMNS: usize = 77;

/// A duration in the unit that suits it, at most 8 characters wide.
pub(crate) fn duration(ns: u64) -> String {
    const UNITS: [(f64, &str); 4] = [(1e3, "µs"), (1e6, "ms"), (1e9, "s"), (60e9, "min")];
    if ns < 1_000 {
        return format!("{ns} ns");
    }
    let v = ns as f64;
    let (scale, unit) = if v >= 359_820e9 {
        (86_400e9, "d")
    } else if v >= 5_997e9 {
        (3600e9, "h")
    } else {
        // Pick the unit after rounding to three digits: 999.9 µs reads as 1.00 ms.
        *UNITS.iter().rev().find(|(scale, _)| v >= *scale * 0.9995).unwrap_or(&UNITS[0])
    };
    let x = v / scale;
    if x < 9.995 {
        format!("{x:.2} {unit}")
    } else if x < 99.95 {
        format!("{x:.1} {unit}")
    } else {
        format!("{x:.0} {unit}")
    }
}

/// A duration cell, marked `~` when it is an estimate (at most 8 characters:
/// the space goes for the few durations that would not fit otherwise).
fn estimate(ns: u64, estimated: bool) -> String {
    let text = duration(ns);
    if !estimated {
        return text;
    }
    let marked = format!("~{text}");
    if marked.chars().count() <= 8 {
        marked
    } else {
        marked.replace(' ', "")
    }
}

/// The timeline's highest readings as a line of block characters, at most
/// `columns` wide (neighbouring points share a character, keeping their max).
fn sparkline(points: &[super::MemoryPoint], columns: usize) -> String {
    const BLOCKS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let per = points.len().div_ceil(columns).max(1);
    let tops: Vec<u64> =
        points.chunks(per).map(|c| c.iter().map(|p| p.max_bytes).max().unwrap_or(0)).collect();
    let (low, high) =
        (tops.iter().min().copied().unwrap_or(0), tops.iter().max().copied().unwrap_or(0));
    let span = (high - low).max(1) as f64;
    tops.iter().map(|&t| BLOCKS[(((t - low) as f64 / span) * 7.0).round() as usize]).collect()
}

/// What the operations table's `%wall` is a share of, under the table (a
/// sum over calls, which overlapping calls take past 100%), and why a p99
/// can be missing.
pub(crate) const OPERATIONS_LEGEND: &str =
    "  %wall: total time / session wall time, past 100% when calls overlap; p99: from 100 calls";

/// Timed calls a p99 is shown from: with fewer, fewer than one call lies
/// past it and it is the maximum (shown beside it) under another name.
pub(crate) const P99_MIN_CALLS: u64 = 100;

/// The p99 cell: `-` from fewer than [`P99_MIN_CALLS`] timed calls.
fn p99_cell(op: &super::OperationStats) -> String {
    // Reports saved before sampling have timed_calls 0: every call was timed.
    let timed = if op.timed_calls > 0 { op.timed_calls } else { op.calls };
    if timed < P99_MIN_CALLS {
        "-".to_owned()
    } else {
        duration(op.p99_ns)
    }
}
/// The same for the components table, whose `%wall` is of self time.
pub(crate) const COMPONENTS_LEGEND: &str =
    "  %wall: self time over the session's wall time; calls that overlap (threads, tasks) can pass 100%";
/// What the CPU table's two shares are of.
pub(crate) const CPU_LEGEND: &str =
    "  on cpu, waiting: shares of the operation's wall time (its calls' total), 100% together";
/// What the async table's `busy %` is of.
pub(crate) const POLLING_LEGEND: &str =
    "  busy %: time inside poll over the futures' wall time (first poll to completion)";

/// A fraction as a percentage with one decimal.
pub(crate) fn percent(fraction: f64) -> String {
    format!("{:.1}%", fraction * 100.0)
}

/// A share of wall time for a table cell: a percentage, or "28x" once the
/// overlapping calls of a concurrent operation add up to ten times the wall time.
fn share_cell(fraction: f64) -> String {
    if fraction < 9.9995 {
        percent(fraction)
    } else {
        format!("{fraction:.0}x")
    }
}

/// A count with thousands separators (see `count_in` for table cells).
pub(crate) fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// Bytes in binary units.
pub(crate) fn bytes(n: u64) -> String {
    let v = n as f64;
    if v >= 1024.0 * 1024.0 * 1024.0 {
        format!("{:.2} GiB", v / (1024.0 * 1024.0 * 1024.0))
    } else if v >= 1024.0 * 1024.0 {
        format!("{:.1} MiB", v / (1024.0 * 1024.0))
    } else {
        format!("{:.1} KiB", v / 1024.0)
    }
}

/// `text` sanitised and cut to `columns`, keeping its end.
fn fit_left(text: &str, columns: usize) -> String {
    let clean = sanitize(text);
    if width::width(&clean) <= columns {
        return clean;
    }
    format!("…{}", width::take_last_columns(&clean, columns - 1))
}

/// `text` sanitised and cut to `columns`, keeping its start.
fn fit_right(text: &str, columns: usize) -> String {
    let clean = sanitize(text);
    if width::width(&clean) <= columns {
        return clean;
    }
    format!("{}…", width::take_columns(&clean, columns - 1))
}

/// Pads to `columns` terminal columns (not bytes, so `µ`, `…` and CJK align).
pub(crate) fn pad(text: &str, columns: usize) -> String {
    format!("{text}{}", " ".repeat(columns.saturating_sub(width::width(text))))
}

fn lpad(text: &str, columns: usize) -> String {
    format!("{}{text}", " ".repeat(columns.saturating_sub(width::width(text))))
}

/// A count for a narrow column: digits with separators when they fit, else
/// a short form (`123k`, `1.2M`).
fn count_in(n: u64, columns: usize) -> String {
    let full = count(n);
    if full.len() <= columns {
        return full;
    }
    let v = n as f64;
    for (scale, unit) in [(1e3, "k"), (1e6, "M"), (1e9, "G"), (1e12, "T")] {
        let x = v / scale;
        for text in [format!("{x:.1}{unit}"), format!("{x:.0}{unit}")] {
            if text.len() <= columns && x < 999.5 {
                return text;
            }
        }
    }
    format!("{:.0e}", v)
}

/// Word-wraps `text` to the summary width, every line after the first
/// indented; a word too long for a line is cut across lines.
pub(crate) fn wrap(out: &mut String, first: &str, indent: &str, text: &str) {
    let room = WIDTH - width::width(indent);
    let mut words = Vec::new();
    for word in text.split(' ') {
        let mut rest = word;
        while width::width(rest) > room {
            let head = width::take_columns(rest, room);
            words.push(head.to_owned());
            rest = &rest[head.len()..];
        }
        words.push(rest.to_owned());
    }
    let mut line = first.to_owned();
    let mut empty = true;
    for word in &words {
        let len = width::width(&line);
        if !empty && len + 1 + width::width(word) > WIDTH {
            out.push_str(line.trim_end());
            out.push('\n');
            line = indent.to_owned();
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(word);
        empty = false;
        // A first line's prefix can differ from the indent: cut if still too long.
        while width::width(&line) > WIDTH {
            let head = width::take_columns(&line, WIDTH).to_owned();
            let rest = line[head.len()..].to_owned();
            out.push_str(&head);
            out.push('\n');
            line = format!("{indent}{rest}");
        }
    }
    out.push_str(line.trim_end());
    out.push('\n');
}

pub(crate) fn heading(out: &mut String, title: &str) {
    let _ = writeln!(out, "\n{title}");
}

impl SessionReport {
    /// The summary as text (what `Display` prints), laid out for 100 columns.
    pub fn to_text(&self) -> String {
        self.to_text_width(WIDTH)
    }

    /// The summary laid out for a terminal `columns` wide (at least 100): the
    /// operations table's name column takes the extra room, so long names are
    /// shortened less. `format!("{report:160}")` does the same.
    ///
    /// ```
    /// let m = profiler_runtime::Monitor::new();
    /// m.start_session("wide");
    /// m.operation("app::storage::segments::SegmentWriter::flush_pending").start().finish();
    /// let report = m.end_session().unwrap();
    /// assert!(report.to_text().contains("…::SegmentWriter::flush_pending"));
    /// assert!(report.to_text_width(140).contains("app::storage::segments::SegmentWriter::flush_pending"));
    /// assert!(format!("{report:140}").lines().all(|l| l.chars().count() <= 140));
    /// ```
    pub fn to_text_width(&self, columns: usize) -> String {
        let columns = columns.max(WIDTH);
        let mut out = String::new();
        self.write_header(&mut out);
        self.write_operations(&mut out, columns);
        self.write_components(&mut out);
        self.write_cpu_and_heap(&mut out);
        self.write_polling(&mut out);
        self.write_stages(&mut out);
        self.write_stage_memory(&mut out);
        self.write_counters(&mut out);
        self.write_process(&mut out);
        self.write_memory(&mut out);
        self.write_heap(&mut out);
        self.write_trace(&mut out);
        self.write_bottlenecks(&mut out);
        self.write_call_graph(&mut out);
        self.write_hot_paths(&mut out);
        self.write_most_called(&mut out);
        self.write_findings(&mut out);
        self.write_events(&mut out);
        self.write_previous(&mut out);
        out
    }

    fn write_header(&self, out: &mut String) {
        // First, so that a report with nothing (or part) in it is never read
        // as a run where nothing was slow.
        if let Some(note) = self.recording_note() {
            let _ = writeln!(out, "{note}");
        }
        let state = if self.ended { "ended after" } else { "running for" };
        let title = format!("Session \"{}\"", fit_right(&self.session_id, 50));
        let _ = writeln!(out, "{title} (#{}) {state} {}", self.sequence, duration(self.wall_ns));
        let _ = writeln!(out, "{}", "═".repeat(WIDTH.min(title.chars().count() + 40)));
    }

    fn write_operations(&self, out: &mut String, columns: usize) {
        if self.operations.is_empty() {
            return;
        }
        heading(out, "Operations (by total time)");
        // The name column takes what the figures leave, but no more than the
        // longest name needs.
        let longest = self.operations.iter().map(|op| width::width(&sanitize(&op.name))).max();
        let name_width =
            (columns - FIGURE_COLUMNS - 2).min(longest.unwrap_or(0)).max(NAME_WIDTH - 2);
        let names: Vec<&str> = self.operations.iter().map(|op| op.name.as_str()).collect();
        let shown = elide::fit_all(&names, name_width);
        let _ = writeln!(
            out,
            "  {} {:>9} {:>5} {:>8} {:>6} {:>8} {:>8} {:>8} {:>8} {:>8}",
            pad("name", name_width),
            "calls",
            "fail",
            "total",
            "%wall",
            "self",
            "mean",
            "p50",
            "p99",
            "max"
        );
        for (op, name) in self.operations.iter().zip(&shown) {
            let _ = writeln!(
                out,
                "  {} {} {} {} {} {} {} {} {} {}",
                pad(name, name_width),
                lpad(&count_in(op.calls, 9), 9),
                lpad(&count_in(op.failures, 5), 5),
                lpad(&estimate(op.total_ns, op.estimated), 8),
                lpad(&share_cell(op.share_of_wall), 6),
                lpad(&estimate(op.self_time_ns(), op.estimated), 8),
                lpad(&estimate(op.mean_ns, op.estimated), 8),
                lpad(&duration(op.p50_ns), 8),
                lpad(&p99_cell(op), 8),
                lpad(&duration(op.max_ns), 8),
            );
        }
        let _ = writeln!(out, "{OPERATIONS_LEGEND}");
        for (op, name) in self.operations.iter().zip(&shown) {
            if op.estimated {
                let _ = writeln!(
                    out,
                    "  {name}: sampled, {} of {} calls timed; ~ marks estimates (total, self, mean, %wall)",
                    count(op.timed_calls),
                    count(op.calls)
                );
            }
            if let Some(err) = &op.last_error {
                let line = format!("  {name}: last error: {}", sanitize(err));
                let _ = writeln!(out, "{}", fit_right(&line, columns));
            }
            if op.cancelled > 0 {
                let _ =
                    writeln!(out, "  {name}: {} cancelled before completing", count(op.cancelled));
            }
        }
    }

    fn write_components(&self, out: &mut String) {
        if self.components.is_empty() {
            return;
        }
        heading(out, "Components (by wall time held, as Bottlenecks)");
        let _ = writeln!(
            out,
            "  {} {:>4} {:>9} {:>5} {:>8} {:>6} {:>8}  slowest",
            pad("name", 20),
            "ops",
            "calls",
            "fail",
            "held",
            "%wall",
            "total"
        );
        for c in &self.components {
            let _ = writeln!(
                out,
                "  {} {} {} {} {} {} {}  {}",
                pad(&fit_left(&c.name, 20), 20),
                lpad(&c.operations.to_string(), 4),
                lpad(&count_in(c.calls, 9), 9),
                lpad(&count_in(c.failures, 5), 5),
                lpad(&duration(if c.held_ns > 0 { c.held_ns } else { c.self_ns }), 8),
                lpad(&share_cell(c.share_of_wall), 6),
                lpad(&duration(c.total_ns), 8),
                fit_left(&c.slowest, 30)
            );
        }
        let _ = writeln!(out, "{COMPONENTS_LEGEND}");
        let staged: Vec<String> = self
            .components
            .iter()
            .filter(|c| c.stages > 0)
            .map(|c| {
                let noun = if c.stages == 1 { "stage" } else { "stages" };
                format!("{} {} {noun} {}", sanitize(&c.name), c.stages, duration(c.stage_ns))
            })
            .collect();
        if !staged.is_empty() {
            wrap(out, "  stages: ", "          ", &staged.join(", "));
        }
    }

    /// The detailed level's per-operation figures: CPU against wall time,
    /// and what the calls allocated themselves.
    fn write_cpu_and_heap(&self, out: &mut String) {
        let rows: Vec<_> =
            self.operations.iter().filter(|op| op.cpu.is_some() || op.heap.is_some()).collect();
        if rows.is_empty() {
            return;
        }
        heading(out, "CPU and allocations (detailed level; ~ marks estimates)");
        let _ = writeln!(
            out,
            "  {} {:>8} {:>8} {:>7} {:>7} {:>10} {:>10} {:>10}",
            pad("name", NAME_WIDTH - 2),
            "wall",
            "cpu",
            "on cpu",
            "waiting",
            "allocs",
            "bytes",
            "bytes/call"
        );
        let names: Vec<&str> = rows.iter().map(|op| op.name.as_str()).collect();
        let shown = elide::fit_all(&names, NAME_WIDTH - 2);
        let blank = || "-".to_owned();
        for (op, name) in rows.iter().zip(&shown) {
            let (cpu, on, waiting) = match &op.cpu {
                Some(c) => (
                    format!("~{}", duration(c.cpu_ns)),
                    percent(c.cpu_share.min(1.0)),
                    percent((1.0 - c.cpu_share).clamp(0.0, 1.0)),
                ),
                None => (blank(), blank(), blank()),
            };
            let (allocs, total, per_call) = match &op.heap {
                Some(h) => {
                    let mark = if h.estimated { "~" } else { "" };
                    (
                        format!("{mark}{}", count(h.allocations)),
                        format!("{mark}{}", bytes(h.bytes)),
                        format!("{mark}{}", bytes(h.bytes_per_call(op.calls) as u64)),
                    )
                }
                None => (blank(), blank(), blank()),
            };
            let _ = writeln!(
                out,
                "  {} {} {} {} {} {} {} {}",
                pad(name, NAME_WIDTH - 2),
                lpad(&estimate(op.total_ns, op.estimated), 8),
                lpad(&cpu, 8),
                lpad(&on, 7),
                lpad(&waiting, 7),
                lpad(&allocs, 10),
                lpad(&total, 10),
                lpad(&per_call, 10)
            );
        }
        let _ = writeln!(out, "{CPU_LEGEND}");
        if rows.iter().any(|op| op.cpu.is_none()) {
            let _ = writeln!(
                out,
                "  cpu -: its CPU readings were too few for some of its time (rare long calls are read at random)"
            );
        }
    }

    /// Futures that waited between polls, or whose polls blocked: busy
    /// (inside `poll`) against waiting, and polls per call.
    fn write_polling(&self, out: &mut String) {
        let rows: Vec<_> = self
            .operations
            .iter()
            .filter_map(|op| Some((op, op.polling.as_ref()?)))
            .filter(|(_, p)| p.polls_per_call > 1.0 || p.mean_poll_ns >= 100_000)
            .collect();
        if rows.is_empty() {
            return;
        }
        heading(out, "Async: busy inside poll versus waiting");
        let _ = writeln!(
            out,
            "  {} {:>9} {:>8} {:>8} {:>7} {:>8} {:>9}",
            pad("name", NAME_WIDTH - 2),
            "polls",
            "per call",
            "busy",
            "busy %",
            "waiting",
            "per poll"
        );
        let names: Vec<&str> = rows.iter().map(|(op, _)| op.name.as_str()).collect();
        let shown = elide::fit_all(&names, NAME_WIDTH - 2);
        for ((_, p), name) in rows.iter().zip(&shown) {
            let _ = writeln!(
                out,
                "  {} {} {} {} {} {} {}",
                pad(name, NAME_WIDTH - 2),
                lpad(&count(p.polls), 9),
                lpad(&format!("{:.1}", p.polls_per_call), 8),
                lpad(&duration(p.busy_ns), 8),
                lpad(&percent(p.busy_share), 7),
                lpad(&duration(p.waiting_ns), 8),
                lpad(&duration(p.mean_poll_ns), 9)
            );
        }
        let _ = writeln!(out, "{POLLING_LEGEND}");
    }

    fn write_memory(&self, out: &mut String) {
        let Some(m) = &self.memory else { return };
        heading(
            out,
            &format!("Memory ({} readings, every {} ms)", count(m.readings), m.interval_ms),
        );
        let _ = writeln!(
            out,
            "  start {}   end {}   peak {} at {}",
            bytes(m.start_bytes),
            bytes(m.end_bytes),
            bytes(m.peak_bytes),
            duration(m.peak_at_ns)
        );
        if m.timeline.len() >= 2 {
            let _ = writeln!(out, "  {}", sparkline(&m.timeline, WIDTH - 4));
        }
    }

    fn write_heap(&self, out: &mut String) {
        let Some(h) = &self.heap else { return };
        heading(out, "Heap (counting allocator)");
        let _ = writeln!(
            out,
            "  allocated {} in {} allocations, freed {}",
            bytes(h.allocated_bytes),
            count(h.allocations),
            bytes(h.freed_bytes)
        );
        let _ = writeln!(
            out,
            "  live {} at start, {} at end, peak {}",
            bytes(h.live_start_bytes),
            bytes(h.live_end_bytes),
            bytes(h.peak_live_bytes)
        );
    }

    fn write_trace(&self, out: &mut String) {
        let Some(t) = &self.trace else { return };
        heading(out, "Trace (full level)");
        let threads = t.events.iter().map(|e| e.thread).collect::<std::collections::BTreeSet<_>>();
        let _ = writeln!(
            out,
            "  {} events (calls, polls, futures) on {} threads; {} dropped",
            count(t.events.len() as u64),
            threads.len(),
            count(t.dropped)
        );
    }

    fn write_stages(&self, out: &mut String) {
        if self.stages.is_empty() && self.running_stages.is_empty() {
            return;
        }
        heading(out, "Stages");
        let _ = writeln!(
            out,
            "  {} {:>6} {:>9} {:>12} {:>14}{}",
            pad("name", NAME_WIDTH),
            "runs",
            "time",
            "items",
            "items/s",
            if self.stages.iter().any(|s| s.component.is_some()) { "  component" } else { "" }
        );
        let tagged = self.stages.iter().any(|s| s.component.is_some());
        for s in &self.stages {
            let rate =
                s.items_per_sec.map_or_else(|| "-".to_owned(), |r| count_in(r.round() as u64, 14));
            let component = match &s.component {
                Some(c) if tagged => format!("  {}", fit_left(c, 20)),
                _ => String::new(),
            };
            let _ = writeln!(
                out,
                "  {} {} {} {} {}{component}",
                pad(&fit_left(&s.name, NAME_WIDTH), NAME_WIDTH),
                lpad(&count_in(s.runs, 6), 6),
                lpad(&duration(s.total_ns), 9),
                lpad(&count_in(s.items, 12), 12),
                lpad(&rate, 14)
            );
        }
        for s in &self.running_stages {
            let mut line =
                format!("  {} (running) {}", fit_left(&s.name, NAME_WIDTH), count(s.items));
            if let (Some(total), Some(done)) = (s.expected, s.percent_done) {
                let _ = write!(line, " of {} ({})", count(total), percent(done / 100.0));
            }
            if let Some(rate) = s.items_per_sec {
                let _ = write!(line, ", {}/s", count(rate.round() as u64));
            }
            if let Some(eta) = s.eta_ns {
                let _ = write!(line, ", about {} to go", duration(eta));
            }
            let _ = writeln!(out, "{}", fit_right(&line, WIDTH));
        }
    }

    fn write_stage_memory(&self, out: &mut String) {
        if self.stages.iter().all(|s| s.memory.is_none()) {
            return;
        }
        heading(
            out,
            "Stage memory (latest run; efficiency: share of its growth given back, 0-100)",
        );
        let _ = writeln!(
            out,
            "  {} {:>10} {:>10} {:>10} {:>11} {:>10} {:>10}",
            pad("name", NAME_WIDTH),
            "start",
            "end",
            "peak",
            "growth",
            "efficiency",
            "allocated"
        );
        for s in &self.stages {
            let Some(m) = &s.memory else { continue };
            let growth = if m.growth_bytes < 0 {
                format!("-{}", bytes(m.growth_bytes.unsigned_abs()))
            } else {
                format!("+{}", bytes(m.growth_bytes as u64))
            };
            let allocated = s.heap.as_ref().map_or("-".to_owned(), |h| bytes(h.allocated_bytes));
            let _ = writeln!(
                out,
                "  {} {} {} {} {} {} {}",
                pad(&fit_left(&s.name, NAME_WIDTH), NAME_WIDTH),
                lpad(&bytes(m.start_bytes), 10),
                lpad(&bytes(m.end_bytes), 10),
                lpad(&bytes(m.peak_bytes), 10),
                lpad(&growth, 11),
                lpad(&format!("{:.0}", m.efficiency), 10),
                lpad(&allocated, 10)
            );
        }
    }

    fn write_counters(&self, out: &mut String) {
        let c = &self.cache;
        let a = &self.api;
        if c.hit_rate.is_none() && c.caches.is_empty() && a.calls == 0 && self.counters.is_empty() {
            return;
        }
        heading(out, "Counters");
        if let Some(rate) = c.hit_rate {
            let _ = writeln!(
                out,
                "  {} hit rate {} ({} hits, {} misses)",
                pad("cache", 12),
                percent(rate),
                count(c.hits),
                count(c.misses)
            );
        }
        for named in &c.caches {
            let rate = named.hit_rate.map_or_else(|| "no lookups".to_owned(), percent);
            let mut line = format!(
                "    {} hit rate {rate} ({} hits, {} misses)",
                pad(&fit_left(&named.name, 22), 22),
                count(named.hits),
                count(named.misses)
            );
            if named.evictions > 0 {
                let _ = write!(line, ", {} evicted", count(named.evictions));
            }
            if named.expirations > 0 {
                let _ = write!(line, ", {} expired", count(named.expirations));
            }
            let _ = writeln!(out, "{line}");
        }
        if a.calls > 0 {
            let _ = writeln!(
                out,
                "  {} {} calls, {} errors, {} tokens, ${:.4}",
                pad("api", 12),
                count(a.calls),
                count(a.errors),
                count(a.tokens),
                a.cost_usd
            );
            for m in &a.models {
                let _ = writeln!(
                    out,
                    "    {} {} calls, {} errors, {} in + {} out tokens, ${:.4} (${:.5} a call)",
                    pad(&fit_left(&m.model, 22), 22),
                    count(m.calls),
                    count(m.errors),
                    count(m.input_tokens),
                    count(m.output_tokens),
                    m.cost_usd,
                    m.cost_per_call_usd
                );
            }
        }
        for (name, value) in &self.counters {
            let _ = writeln!(
                out,
                "  {} {}",
                pad(&fit_left(name, 40), 40),
                lpad(&count_in(*value, 14), 14)
            );
        }
    }

    fn write_process(&self, out: &mut String) {
        let Some(p) = &self.process else { return };
        heading(out, "Process");
        let peak = if p.rss_peak_bytes > 0 {
            format!(" (process peak {})", bytes(p.rss_peak_bytes))
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "  memory       {} at start, {} at end{peak}",
            bytes(p.rss_start_bytes),
            bytes(p.rss_end_bytes)
        );
        let _ = writeln!(
            out,
            "  cpu          {} of CPU time, {} of one core",
            duration(p.cpu_time_ms * 1_000_000),
            percent(p.cpu_utilization)
        );
        if let Some(pressure) = p.cpu_pressure {
            let _ = writeln!(
                out,
                "  pressure     {} of the session some task on the machine waited for a CPU",
                percent(pressure)
            );
        }
    }

    fn write_bottlenecks(&self, out: &mut String) {
        if self.bottlenecks.is_empty() {
            return;
        }
        heading(out, "Bottlenecks (what making each twice as fast would save)");
        for (i, b) in self.bottlenecks.iter().enumerate() {
            let op = self.operations.iter().find(|op| op.name == b.name);
            let wall = op.and_then(|op| op.wall.as_ref());
            // Reports written before wall shares: their self time.
            let (held, saving) =
                if b.held_ns > 0 { (b.held_ns, b.saving_ns) } else { (b.self_ns, b.self_ns / 2) };
            let mut notes = vec![format!("held {}", duration(held))];
            if let Some(w) = wall.filter(|w| w.overlap >= 1.5) {
                notes.push(format!("{:.1} at once", w.overlap));
            }
            if wall.is_some_and(|w| w.waiting_share > 0.5) {
                notes.push("waiting".to_owned());
            }
            let share = if self.wall_ns > 0 { saving as f64 / self.wall_ns as f64 } else { 0.0 };
            let _ = writeln!(
                out,
                "  {}. {} {} {}  ({})",
                i + 1,
                pad(&elide::fit(&b.name, 36), 36),
                lpad(&duration(saving), 9),
                lpad(&share_cell(share), 7),
                notes.join(", ")
            );
        }
        let _ = writeln!(
            out,
            "  saving: if twice as fast, % of the wall; held: time in its own code, overlaps once"
        );
    }

    /// The most called operations, beside the slowest: a cheap call made
    /// millions of times is where batching or caching pays.
    fn write_most_called(&self, out: &mut String) {
        let mut ops: Vec<_> = self.operations.iter().filter(|op| op.calls > 0).collect();
        if ops.len() < 2 {
            return;
        }
        ops.sort_by(|a, b| b.calls.cmp(&a.calls).then_with(|| a.name.cmp(&b.name)));
        heading(out, "Most called (top 5)");
        for (i, op) in ops.iter().take(5).enumerate() {
            let _ = writeln!(
                out,
                "  {}. {} {} {}, {} mean",
                i + 1,
                pad(&elide::fit(&op.name, 40), 40),
                lpad(&count(op.calls), 11),
                if op.calls == 1 { "call " } else { "calls" },
                lpad(&estimate(op.mean_ns, op.estimated), 8)
            );
        }
    }

    fn write_findings(&self, out: &mut String) {
        if self.findings.is_empty() {
            return;
        }
        heading(out, "Findings");
        for f in &self.findings {
            let mark = match f.severity {
                Severity::Warning => "  ! ",
                Severity::Info => "  · ",
            };
            wrap(out, mark, "    ", &sanitize(&f.message));
            if let Some(r) = &f.recommendation {
                wrap(out, "    → ", "      ", &sanitize(r));
            }
        }
    }

    fn write_events(&self, out: &mut String) {
        if self.events.is_empty() && self.dropped.events == 0 {
            return;
        }
        heading(out, "Notable operations (latest last)");
        const SHOWN: usize = 10;
        let skipped = self.events.len().saturating_sub(SHOWN) as u64 + self.dropped.events;
        if skipped > 0 {
            let _ = writeln!(out, "  ({skipped} earlier not shown)");
        }
        for e in self.events.iter().rev().take(SHOWN).rev() {
            let status = if e.failed { "failed" } else { "ok" };
            let mut line = format!(
                "  {} {status} in {}",
                elide::fit(&e.name, NAME_WIDTH),
                duration(e.duration_ns)
            );
            for (k, v) in &e.metadata {
                let _ = write!(line, " {}={}", sanitize(k), sanitize(v));
            }
            if let Some(err) = &e.error {
                let _ = write!(line, ": {}", sanitize(err));
            }
            let _ = writeln!(out, "{}", fit_right(&line, WIDTH));
        }
    }
}

/// The summary; a width (`{:160}`) lays it out for that many columns, as
/// [`SessionReport::to_text_width`] does.
impl fmt::Display for SessionReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_text_width(f.width().unwrap_or(WIDTH)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_pick_a_unit_and_stay_narrow() {
        let cases = [
            (0, "0 ns"),
            (999, "999 ns"),
            (1_000, "1.00 µs"),
            (12_345, "12.3 µs"),
            (999_499, "999 µs"),
            (999_999, "1.00 ms"),
            (1_500_000_000, "1.50 s"),
            (125_000_000_000, "2.08 min"),
            (7_200_000_000_000, "2.00 h"),
        ];
        for (ns, text) in cases {
            assert_eq!(duration(ns), text);
        }
        for shift in 0..64 {
            assert!(duration(1u64 << shift).chars().count() <= 8, "{}", duration(1 << shift));
        }
    }

    #[test]
    fn narrow_counts_switch_to_short_forms() {
        assert_eq!(count_in(9_999, 5), "9,999");
        assert_eq!(count_in(100_000, 5), "100k");
        assert_eq!(count_in(12_345, 5), "12.3k");
        assert_eq!(count_in(1_234_567, 5), "1.2M");
        assert!(count_in(u64::MAX, 5).len() <= 5, "{}", count_in(u64::MAX, 5));
    }

    #[test]
    fn counts_group_thousands() {
        assert_eq!(count(0), "0");
        assert_eq!(count(1_234_567), "1,234,567");
        assert_eq!(count(9_999_999), "9,999,999");
        assert_eq!(count_in(123_456_789, 9), "123.5M");
        assert_eq!(count_in(12_345_678_901, 9), "12.3G");
    }

    #[test]
    fn hostile_names_stay_on_one_line_and_fit() {
        let name = "evil\nname\twith\u{7}bells and a very long tail that keeps going";
        let fitted = fit_left(name, 22);
        assert!(!fitted.contains('\n') && !fitted.contains('\t'));
        assert_eq!(width::width(&fitted), 22);
        let wide = fit_left("データベース::読み込み処理::とても長い名前", 21);
        assert!(width::width(&wide) <= 21, "{wide}");
        assert!(fitted.starts_with('…'));
    }

    #[test]
    fn a_share_past_100_percent_has_its_legend_under_the_table() {
        use crate::report::tail::tests::op_of;
        let mut overlapping = op_of("fetch_user", &[3_000_000; 88]);
        overlapping.share_of_wall = 2.875;
        let mut report: SessionReport = serde_json::from_value(serde_json::json!({
            "schema_version": crate::report::SCHEMA_VERSION, "session_id": "t", "sequence": 1,
            "started_at_unix_ms": 0, "wall_ns": 91_826_087u64, "ended": true,
            "clock": "test", "operations": [],
        }))
        .unwrap();
        report.operations = vec![overlapping];
        let text = report.to_text();
        let lines: Vec<&str> = text.lines().collect();
        let row = lines.iter().position(|l| l.contains("287.5%")).expect("the row");
        assert_eq!(lines[row + 1], OPERATIONS_LEGEND, "{text}");
        // 88 calls: no p99 (it would be the maximum); 100 calls: one.
        assert!(lines[row].ends_with("       -  3.00 ms"), "{}", lines[row]);
        report.operations = vec![op_of("many", &[3_000_000; 100])];
        let text = report.to_text();
        let row = text.lines().find(|l| l.contains("many")).unwrap();
        assert!(row.ends_with(" 2.95 ms  3.00 ms"), "{row}");
        for legend in [OPERATIONS_LEGEND, COMPONENTS_LEGEND, CPU_LEGEND, POLLING_LEGEND] {
            assert!(width::width(legend) <= WIDTH, "{legend}");
        }
    }

    #[test]
    fn wrapping_keeps_lines_within_the_width() {
        let mut out = String::new();
        wrap(&mut out, "  ! ", "    ", &"word ".repeat(80));
        wrap(&mut out, "  ! ", "    ", &"x".repeat(500));
        assert!(out.lines().count() > 8);
        assert!(out.lines().all(|l| l.chars().count() <= WIDTH));
    }
}
