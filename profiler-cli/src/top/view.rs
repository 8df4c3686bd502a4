//! What the screen says, as plain text: a pure function from the latest
//! figures, the chosen sort and the connection to a [`Screen`], so every
//! line can be tested without a terminal. `draw.rs` only lays it out.

use super::reading::{Connection, Watch};
use crate::endpoint::Endpoint;
use profiler_runtime::{CacheStats, OperationStats, SessionReport};
use profiler_runtime::{WindowCounts, Windows};
use std::cmp::Reverse;
use std::time::Duration;

/// The order of the operations table, chosen with a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sort {
    /// Most self time first (the default).
    SelfTime,
    /// Most calls first.
    Calls,
    /// Highest p99 first.
    P99,
    /// Most failures first.
    Failures,
}

impl Sort {
    /// Every order, in the footer's order.
    pub(crate) const ALL: [Sort; 4] = [Sort::SelfTime, Sort::Calls, Sort::P99, Sort::Failures];

    /// The key that picks this order.
    pub(crate) fn key(self) -> char {
        match self {
            Sort::SelfTime => 's',
            Sort::Calls => 'c',
            Sort::P99 => 'p',
            Sort::Failures => 'f',
        }
    }

    /// The order `key` picks, if any.
    pub(crate) fn from_key(key: char) -> Option<Sort> {
        Sort::ALL.into_iter().find(|s| s.key() == key.to_ascii_lowercase())
    }

    /// What the order is by, for the screen.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Sort::SelfTime => "self time",
            Sort::Calls => "calls",
            Sort::P99 => "p99",
            Sort::Failures => "failures",
        }
    }

    /// `operations` in this order (ties by name).
    fn apply(self, operations: &[OperationStats]) -> Vec<&OperationStats> {
        let mut sorted: Vec<&OperationStats> = operations.iter().collect();
        let figure = |op: &OperationStats| match self {
            Sort::SelfTime => op.self_time_ns(),
            Sort::Calls => op.calls,
            Sort::P99 => op.p99_ns,
            Sort::Failures => op.failures,
        };
        sorted.sort_by(|a, b| {
            Reverse(figure(a)).cmp(&Reverse(figure(b))).then_with(|| a.name.cmp(&b.name))
        });
        sorted
    }
}

/// How the connection reads, for the status line's colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tone {
    /// Live figures.
    Live,
    /// Connecting, or waiting for a session.
    Waiting,
    /// The program is not answering.
    Disconnected,
}

/// The operations table's headings.
pub(crate) const COLUMNS: [&str; 9] =
    ["operation", "calls", "failed", "self", "total", "mean", "p50", "p99", "max"];

/// The windows table's headings.
pub(crate) const WINDOW_COLUMNS: [&str; 4] = ["operation", "last minute", "last hour", "last 24 h"];

/// Everything the screen shows, as text.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Screen {
    /// The session: id, sequence, level, wall time.
    pub(crate) title: String,
    /// The connection: live, waiting, or disconnected and why.
    pub(crate) status: String,
    /// The status line's colour.
    pub(crate) tone: Tone,
    /// The operations table's title, naming the sort.
    pub(crate) table_title: String,
    /// One row per operation, in [`COLUMNS`] order, sorted.
    pub(crate) rows: Vec<[String; 9]>,
    /// Cache, API, memory and stage lines.
    pub(crate) resources: Vec<String>,
    /// The windows table's title.
    pub(crate) windows_title: String,
    /// Its rows, in [`WINDOW_COLUMNS`] order and the operations' order
    /// (empty when the report has no windows).
    pub(crate) windows: Vec<[String; 4]>,
    /// Quality flags, newest first.
    pub(crate) flags: Vec<String>,
    /// The keys.
    pub(crate) footer: String,
}

/// The screen for `watch`, sorted by `sort`, read from `endpoint` every
/// `interval`; `age` is how old its report is.
pub(crate) fn screen(
    watch: &Watch,
    sort: Sort,
    endpoint: &Endpoint,
    interval: Duration,
    age: Option<Duration>,
) -> Screen {
    let report = watch.report.as_ref();
    let (status, tone) = status(&watch.connection, endpoint, interval, age, report.is_some());
    let sorted = report.map(|r| sort.apply(&r.operations)).unwrap_or_default();
    let windows = watch.windows.as_ref();
    Screen {
        title: report.map_or_else(|| format!("profiler top · {endpoint}"), title),
        status,
        tone,
        table_title: format!("Operations, sorted by {}", sort.label()),
        rows: sorted.iter().map(|op| row(op)).collect(),
        resources: report.map(resources).unwrap_or_else(|| vec!["no report read yet".to_owned()]),
        windows_title: match windows {
            Some(w) => format!("Calls per window (✗ failed; tracked {})", seconds(w.tracked_secs)),
            None => "Calls per window".to_owned(),
        },
        windows: windows.map(|w| window_rows(w, &sorted)).unwrap_or_default(),
        flags: report.map(flags).unwrap_or_default(),
        footer: footer(sort),
    }
}

fn title(report: &SessionReport) -> String {
    format!(
        "session \"{}\" #{} · level {} · wall {} · {}",
        report.session_id,
        report.sequence,
        report.level,
        duration(report.wall_ns),
        if report.ended { "ended" } else { "running" }
    )
}

fn status(
    connection: &Connection,
    endpoint: &Endpoint,
    interval: Duration,
    age: Option<Duration>,
    has_figures: bool,
) -> (String, Tone) {
    let every = if interval.subsec_nanos() == 0 {
        format!("every {}", seconds(interval.as_secs()))
    } else {
        format!("every {}", duration(interval.as_nanos().try_into().unwrap_or(u64::MAX)))
    };
    let kept = match age {
        Some(age) if has_figures => format!(" · showing figures from {} ago", duration_secs(age)),
        _ => String::new(),
    };
    match connection {
        Connection::Connecting => (format!("connecting to {endpoint}…"), Tone::Waiting),
        Connection::Live => (format!("live · {endpoint} · {every}"), Tone::Live),
        Connection::Waiting => {
            (format!("waiting for a session · {endpoint} · {every}{kept}"), Tone::Waiting)
        }
        Connection::Disconnected(why) => (
            format!("disconnected: {why} · {endpoint} · retrying {every}{kept}"),
            Tone::Disconnected,
        ),
    }
}

fn row(op: &OperationStats) -> [String; 9] {
    let estimated = if op.estimated { "~" } else { "" };
    [
        op.name.clone(),
        count(op.calls),
        count(op.failures),
        format!("{estimated}{}", duration(op.self_time_ns())),
        format!("{estimated}{}", duration(op.total_ns)),
        duration(op.mean_ns),
        duration(op.p50_ns),
        duration(op.p99_ns),
        duration(op.max_ns),
    ]
}

/// The cache's hit rate: hits over lookups as a percentage with one
/// decimal (`83.3%`), `–` without lookups.
pub(crate) fn hit_rate(cache: &CacheStats) -> String {
    let lookups = cache.hits + cache.misses;
    if lookups == 0 {
        return "–".to_owned();
    }
    format!("{:.1}%", cache.hits as f64 * 100.0 / lookups as f64)
}

fn resources(report: &SessionReport) -> Vec<String> {
    let mut lines = Vec::new();
    let cache = &report.cache;
    lines.push(format!(
        "cache   hit rate {} ({} hits, {} misses)",
        hit_rate(cache),
        count(cache.hits),
        count(cache.misses)
    ));
    let api = &report.api;
    lines.push(if api.calls == 0 {
        "API     no calls".to_owned()
    } else {
        format!(
            "API     {} calls, {} errors, {} tokens, ${:.4}",
            count(api.calls),
            count(api.errors),
            count(api.tokens),
            api.cost_usd
        )
    });
    if let Some(p) = &report.process {
        let peak = if p.rss_peak_bytes > 0 {
            format!(" (peak {})", bytes(p.rss_peak_bytes))
        } else {
            String::new()
        };
        lines.push(format!(
            "memory  RSS {}{peak} · CPU {:.0}%",
            bytes(p.rss_end_bytes),
            p.cpu_utilization * 100.0
        ));
    }
    if let Some(m) = &report.memory {
        lines.push(format!(
            "sampled peak {} at {}, {} readings",
            bytes(m.peak_bytes),
            duration(m.peak_at_ns),
            count(m.readings)
        ));
    }
    if let Some(h) = &report.heap {
        lines.push(format!(
            "heap    {} live (peak {})",
            bytes(h.live_end_bytes),
            bytes(h.peak_live_bytes)
        ));
    }
    if report.process.is_none() && report.memory.is_none() {
        lines.push("memory  not reported".to_owned());
    }
    for s in &report.running_stages {
        let done = s.percent_done.map(|p| format!(" {p:.0}%")).unwrap_or_default();
        lines.push(format!("stage   {} running{done}, {} items", s.name, count(s.items)));
    }
    for s in &report.stages {
        let rate = s.items_per_sec.map(|r| format!(", {}/s", count(r as u64))).unwrap_or_default();
        let runs = if s.runs == 1 { "run" } else { "runs" };
        lines.push(format!(
            "stage   {}: {} {runs}, {} items{rate}",
            s.name,
            count(s.runs),
            count(s.items)
        ));
    }
    lines
}

fn window_rows(windows: &Windows, sorted: &[&OperationStats]) -> Vec<[String; 4]> {
    let cell = |w: WindowCounts| match w.failures {
        0 => count(w.calls),
        f => format!("{} ✗{}", count(w.calls), count(f)),
    };
    let listed = sorted.iter().filter_map(|op| windows.operation(&op.name));
    let rest = windows.operations.iter().filter(|w| !sorted.iter().any(|op| op.name == w.name));
    listed
        .chain(rest)
        .map(|w| [w.name.clone(), cell(w.last_minute), cell(w.last_hour), cell(w.last_24h)])
        .collect()
}

fn flags(report: &SessionReport) -> Vec<String> {
    let mut lines: Vec<String> = report
        .flags
        .iter()
        .rev()
        .map(|f| {
            format!(
                "{:<7} {} (at {})",
                format!("{:?}", f.severity).to_lowercase(),
                f.message,
                duration(f.at_ns)
            )
        })
        .collect();
    if report.dropped.flags > 0 {
        lines.push(format!("and {} older flags dropped", count(report.dropped.flags)));
    }
    lines
}

fn footer(sort: Sort) -> String {
    let keys: Vec<String> = Sort::ALL
        .iter()
        .map(|s| {
            let mark = if *s == sort { "*" } else { "" };
            format!("{} {}{mark}", s.key(), s.label())
        })
        .collect();
    format!("sort: {} · q quit", keys.join("  "))
}

/// `n` with thousands separators: `10,358`.
pub(crate) fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A duration in the unit that suits it: `812 ns`, `61.4 ms`, `2.50 s`, `3m 05s`.
pub(crate) fn duration(ns: u64) -> String {
    let v = ns as f64;
    match ns {
        0..=999 => format!("{ns} ns"),
        1_000..=999_999 => format!("{:.1} µs", v / 1e3),
        1_000_000..=999_999_999 => format!("{:.1} ms", v / 1e6),
        1_000_000_000..=59_999_999_999 => format!("{:.2} s", v / 1e9),
        _ => seconds(ns / 1_000_000_000),
    }
}

/// Whole seconds as `42 s`, `3m 05s` or `2h 07m`.
fn seconds(secs: u64) -> String {
    match secs {
        0..=59 => format!("{secs} s"),
        60..=3_599 => format!("{}m {:02}s", secs / 60, secs % 60),
        _ => format!("{}h {:02}m", secs / 3_600, secs / 60 % 60),
    }
}

fn duration_secs(d: Duration) -> String {
    seconds(d.as_secs())
}

/// Bytes in binary units: `7.3 MiB`.
pub(crate) fn bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut v = n as f64 / 1024.0;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    format!("{v:.1} {}", UNITS[unit])
}

#[cfg(test)]
pub(crate) mod tests {
    use super::super::reading::Reading;
    use super::*;
    use profiler_runtime::OperationWindows;
    use profiler_runtime::{Monitor, ProcessStats};
    use std::time::Instant;

    /// A real report whose operations are set to (name, calls, self ms,
    /// p99 µs, failures), with 1,000 hits and 200 misses.
    pub(crate) fn report(ops: &[(&str, u64, u64, u64, u64)]) -> SessionReport {
        let m = Monitor::new();
        m.start_session("shop");
        m.operation("template").start().finish();
        let mut report = m.end_session().unwrap();
        let template = report.operations[0].clone();
        report.operations = ops
            .iter()
            .map(|&(name, calls, self_ms, p99_us, failures)| OperationStats {
                name: name.to_owned(),
                calls,
                failures,
                self_ns: Some(self_ms * 1_000_000),
                total_ns: self_ms * 2_000_000,
                p99_ns: p99_us * 1_000,
                ..template.clone()
            })
            .collect();
        report.cache = CacheStats { hits: 1_000, misses: 200, ..Default::default() };
        report
    }

    /// Three operations, each first by a different figure.
    pub(crate) fn shop() -> SessionReport {
        report(&[
            ("render_page", 50, 900, 40_000, 0),
            ("query_db", 400, 1_200, 9_000, 3),
            ("parse_form", 2_000, 100, 80, 7),
        ])
    }

    fn endpoint() -> Endpoint {
        Endpoint::parse("127.0.0.1:9184").unwrap()
    }

    fn live(report: SessionReport, windows: Option<Windows>) -> Watch {
        let mut watch = Watch::new();
        watch.update(Reading::Report(Box::new(report), windows), Instant::now());
        watch
    }

    fn names(screen: &Screen) -> Vec<&str> {
        screen.rows.iter().map(|r| r[0].as_str()).collect()
    }

    fn view(watch: &Watch, sort: Sort) -> Screen {
        screen(
            watch,
            sort,
            &endpoint(),
            Duration::from_secs(1),
            watch.read_at.map(|_| Duration::from_secs(12)),
        )
    }

    #[test]
    fn each_key_sorts_by_its_figure_and_the_title_says_which() {
        let watch = live(shop(), None);
        let by = |sort| names(&view(&watch, sort)).join(" ");
        assert_eq!(by(Sort::SelfTime), "query_db render_page parse_form");
        assert_eq!(by(Sort::Calls), "parse_form query_db render_page");
        assert_eq!(by(Sort::P99), "render_page query_db parse_form");
        assert_eq!(by(Sort::Failures), "parse_form query_db render_page");
        assert_eq!(view(&watch, Sort::Calls).table_title, "Operations, sorted by calls");
        assert!(view(&watch, Sort::P99).footer.contains("p p99*"));
        assert_eq!(Sort::from_key('C'), Some(Sort::Calls));
        assert_eq!(Sort::from_key('x'), None);
        let top = &view(&watch, Sort::SelfTime).rows[0];
        assert_eq!(top[..4], ["query_db", "400", "3", "1.20 s"]);
    }

    #[test]
    fn ties_are_broken_by_name() {
        let watch = live(report(&[("b", 1, 5, 1, 0), ("a", 1, 5, 1, 0)]), None);
        assert_eq!(names(&view(&watch, Sort::SelfTime)), ["a", "b"]);
    }

    #[test]
    fn hit_rate_is_a_percentage_or_a_dash() {
        assert_eq!(
            hit_rate(&CacheStats { hits: 1_000, misses: 200, ..Default::default() }),
            "83.3%"
        );
        assert_eq!(hit_rate(&CacheStats { hits: 0, misses: 4, ..Default::default() }), "0.0%");
        assert_eq!(hit_rate(&CacheStats::default()), "–");
        let s = view(&live(shop(), None), Sort::SelfTime);
        assert_eq!(s.resources[0], "cache   hit rate 83.3% (1,000 hits, 200 misses)");
        assert_eq!(s.resources[1], "API     no calls");
    }

    #[test]
    fn memory_comes_from_the_process_figures_when_present() {
        let mut r = shop();
        r.process = Some(ProcessStats {
            rss_start_bytes: 5 << 20,
            rss_end_bytes: 7 << 20,
            rss_peak_bytes: 8 << 20,
            cpu_time_ms: 30,
            cpu_utilization: 0.5,
            cpu_pressure: None,
        });
        let s = view(&live(r, None), Sort::SelfTime);
        assert!(s.resources.contains(&"memory  RSS 7.0 MiB (peak 8.0 MiB) · CPU 50%".to_owned()));
        let mut r = shop();
        r.process = None;
        r.memory = None;
        assert!(view(&live(r, None), Sort::SelfTime)
            .resources
            .contains(&"memory  not reported".to_owned()));
    }

    #[test]
    fn the_connection_reads_live_waiting_or_disconnected_with_the_last_figures() {
        let mut watch = Watch::new();
        let s = view(&watch, Sort::SelfTime);
        assert_eq!(
            (s.status.as_str(), s.tone),
            ("connecting to http://127.0.0.1:9184/…", Tone::Waiting)
        );
        assert!(s.rows.is_empty() && s.title.contains("127.0.0.1:9184"));

        watch.update(Reading::NoSession, Instant::now());
        assert!(view(&watch, Sort::SelfTime).status.starts_with("waiting for a session"));

        watch.update(Reading::Report(Box::new(shop()), None), Instant::now());
        let s = view(&watch, Sort::SelfTime);
        assert_eq!(
            (s.status.as_str(), s.tone),
            ("live · http://127.0.0.1:9184/ · every 1 s", Tone::Live)
        );
        assert!(s.title.starts_with("session \"shop\" #1 · level basic · wall "), "{}", s.title);

        watch.update(Reading::Failed("connection refused".to_owned()), Instant::now());
        let s = view(&watch, Sort::SelfTime);
        assert_eq!(s.tone, Tone::Disconnected);
        assert_eq!(
            s.status,
            "disconnected: connection refused · http://127.0.0.1:9184/ · retrying every 1 s · showing figures from 12 s ago"
        );
        assert_eq!(names(&s)[0], "query_db", "the last figures stay");
    }

    #[test]
    fn windows_follow_the_table_order_and_show_failures() {
        let counts = |calls, failures| WindowCounts { calls, failures };
        let windows = Windows {
            tracked_secs: 125,
            operations: vec![
                OperationWindows {
                    name: "parse_form".to_owned(),
                    last_minute: counts(1_200, 0),
                    last_hour: counts(2_000, 7),
                    last_24h: counts(2_000, 7),
                },
                OperationWindows {
                    name: "query_db".to_owned(),
                    last_minute: counts(10, 0),
                    last_hour: counts(400, 3),
                    last_24h: counts(400, 3),
                },
            ],
        };
        let s = view(&live(shop(), Some(windows)), Sort::SelfTime);
        assert_eq!(s.windows_title, "Calls per window (✗ failed; tracked 2m 05s)");
        assert_eq!(s.windows[0], ["query_db", "10", "400 ✗3", "400 ✗3"].map(String::from));
        assert_eq!(s.windows[1][..2], ["parse_form".to_owned(), "1,200".to_owned()]);
        assert!(view(&live(shop(), None), Sort::SelfTime).windows.is_empty());
    }

    #[test]
    fn figures_read_in_their_units() {
        assert_eq!(count(10_358), "10,358");
        assert_eq!(count(999), "999");
        assert_eq!(count(1_000_000), "1,000,000");
        assert_eq!(duration(812), "812 ns");
        assert_eq!(duration(61_400_000), "61.4 ms");
        assert_eq!(duration(185_000_000_000), "3m 05s");
        assert_eq!(bytes(7_700_480), "7.3 MiB");
        assert_eq!(bytes(512), "512 B");
    }
}
