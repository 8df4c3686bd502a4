//! A batch job on data it makes itself: it writes 200,000 log lines as CSV to
//! a temporary file, then reads them back in batches and runs each batch
//! through four stages: `parse` (text into rows), `match` (rows against
//! alert rules, CPU-bound), `enrich` (a user directory it builds once and
//! keeps, tens of MiB, plus a slow region lookup that waits) and `write`
//! (buffered CSV out to a second temporary file). Both files are removed at
//! the end.
//!
//! ```text
//! cargo run --release --example pipeline                                     # its own lines only
//! cargo run --release --example pipeline -- --profile --profile-level detailed
//! cargo run --release --example pipeline -- --profile --leak                 # enrich keeps everything
//! ```
//!
//! Its own flags: `--rows N` (default 200,000) and `--leak`, which makes
//! `enrich` keep every response it looks up in a cache that is never
//! emptied, so memory rises batch after batch and the report says so.
//! `EXAMPLE_SLOWDOWN=1.2` makes `match_rule` check 20 % more rules (a
//! planted regression for `profiler diff` to find).
//! `--profile` alone profiles at the detailed level here; `--profile-level`
//! picks another; `PROFILER=1` profiles too. A bad flag (a mistyped
//! `--profile-levle` included) is one line on stderr and exit status 2.

#[path = "shared/slowdown.rs"]
mod slowdown;

use profiler_runtime::{
    global, monitor, CountingAllocator, Level, ProfileFlags, Recording, SessionReport,
};
use std::collections::HashMap;
use std::fmt;
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Counts allocations, so the report charges them to operations and stages.
#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator::system();

/// Batches the input is read in; every stage runs once per batch.
const BATCHES: usize = 40;
/// Users in the directory `enrich` builds (and keeps) on its first run.
const USERS: u32 = 100_000;
/// Services in the logs; each one's region is looked up once, slowly.
const SERVICES: [&str; 12] = [
    "auth",
    "billing",
    "cart",
    "catalog",
    "checkout",
    "gateway",
    "inventory",
    "mailer",
    "payments",
    "profile",
    "search",
    "shipping",
];
/// How long a region lookup waits, as a call to another service would.
const LOOKUP_WAIT: Duration = Duration::from_millis(6);
/// With `--leak`, the bytes of response `enrich` keeps per row.
const LEAKED_RESPONSE_BYTES: usize = 512;

/// What the job was asked to do.
struct Options {
    rows: usize,
    leak: bool,
}

impl Options {
    /// The job's own flags, after the `--profile` ones were taken out.
    fn from_args(args: &[String]) -> Result<Options, String> {
        let mut options = Options { rows: 200_000, leak: false };
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--leak" => options.leak = true,
                "--rows" => {
                    let value = args.next().ok_or("--rows needs a number of rows")?;
                    options.rows = value.parse().ok().filter(|n| *n > 0).ok_or_else(|| {
                        format!("--rows {value:?}: give a whole number from 1 up")
                    })?;
                }
                other => {
                    return Err(format!(
                    "unknown flag {other:?}: allowed are --rows N, --leak and the --profile flags"
                ))
                }
            }
        }
        Ok(options)
    }
}

/// Why the job stopped.
#[derive(Debug)]
enum JobError {
    Io { path: PathBuf, source: io::Error },
}

impl fmt::Display for JobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JobError::Io { path, source } => write!(f, "{}: {source}", path.display()),
        }
    }
}

impl std::error::Error for JobError {}

fn io_at(path: &Path) -> impl Fn(io::Error) -> JobError + '_ {
    move |source| JobError::Io { path: path.to_owned(), source }
}

/// A file under the temporary directory, removed when dropped.
struct TempFile(PathBuf);

impl TempFile {
    fn new(what: &str) -> TempFile {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let name = format!("pipeline-{}-{nanos}-{what}", std::process::id());
        TempFile(std::env::temp_dir().join(name))
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        // Best effort: the file may never have been created.
        let _ = std::fs::remove_file(&self.0);
    }
}

/// A small deterministic generator (splitmix64), so every run sees the same data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const WORDS: [&str; 16] = [
    "request", "timeout", "retry", "cache", "miss", "upstream", "refused", "slow", "token",
    "expired", "quota", "exceeded", "disk", "full", "queue", "backlog",
];

/// Writes `rows` log lines (`id,millis,level,service,user,latency_ms,message`),
/// one in 10,000 of them malformed, and returns the bytes written.
#[monitor]
fn generate_input(path: &Path, rows: usize) -> Result<u64, JobError> {
    let mut out = BufWriter::new(File::create(path).map_err(io_at(path))?);
    let mut rng = Rng(7);
    let mut bytes = 0u64;
    for id in 0..rows as u64 {
        let level = ["INFO", "INFO", "INFO", "WARN", "ERROR"][rng.below(5) as usize];
        let service = SERVICES[rng.below(SERVICES.len() as u64) as usize];
        let words: Vec<&str> = (0..8).map(|_| WORDS[rng.below(16) as usize]).collect();
        let latency =
            if id % 10_000 == 9_999 { "n/a".to_owned() } else { rng.below(2_000).to_string() };
        let line = format!(
            "{id},{},{level},{service},{},{latency},{}\n",
            1_700_000_000_000 + id * 3,
            rng.below(u64::from(USERS)),
            words.join(" ")
        );
        bytes += line.len() as u64;
        out.write_all(line.as_bytes()).map_err(io_at(path))?;
    }
    out.flush().map_err(io_at(path))?;
    Ok(bytes)
}

/// A log line's level.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Severity {
    Info,
    Warn,
    Error,
}

impl Severity {
    fn parse(text: &str) -> Option<Severity> {
        match text {
            "INFO" => Some(Severity::Info),
            "WARN" => Some(Severity::Warn),
            "ERROR" => Some(Severity::Error),
            _ => None,
        }
    }
}

/// One log line, borrowing its message from the line read.
struct Row<'a> {
    id: u64,
    level: Severity,
    /// An index into [`SERVICES`].
    service: usize,
    user: u32,
    latency_ms: u32,
    message: &'a str,
}

/// A line that is not a row.
#[derive(Debug)]
struct ParseError(String);

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[monitor]
fn parse_line(line: &str) -> Result<Row<'_>, ParseError> {
    let bad =
        |what: &str| ParseError(format!("{what} in line {:?}", line.get(..40).unwrap_or(line)));
    let mut fields = line.splitn(7, ',');
    let mut next = |name: &str| fields.next().ok_or_else(|| bad(&format!("no {name}")));
    let id = next("id")?.parse().map_err(|_| bad("bad id"))?;
    let _millis = next("time")?;
    let level = Severity::parse(next("level")?).ok_or_else(|| bad("bad level"))?;
    let service = next("service")?;
    let service =
        SERVICES.iter().position(|s| *s == service).ok_or_else(|| bad("unknown service"))?;
    let user = next("user")?.parse().map_err(|_| bad("bad user"))?;
    let latency_ms = next("latency")?.parse().map_err(|_| bad("bad latency"))?;
    let message = next("message")?;
    Ok(Row { id, level, service, user, latency_ms, message })
}

/// An alert rule: a level, words the message must hold, a latency floor.
struct Rule {
    name: String,
    level: Severity,
    words: [&'static str; 2],
    min_latency_ms: u32,
}

fn rules() -> Vec<Rule> {
    let mut rules = Vec::new();
    for (i, pair) in WORDS.chunks(2).enumerate() {
        for (j, (level, tag)) in
            [(Severity::Warn, "warn"), (Severity::Error, "error"), (Severity::Info, "info")]
                .into_iter()
                .enumerate()
        {
            rules.push(Rule {
                name: format!("{}-{}-{tag}", pair[0], pair[1]),
                level,
                words: [pair[0], pair[1]],
                min_latency_ms: 250 * (i as u32 % 4 + j as u32),
            });
        }
    }
    rules
}

/// The first rule the row matches.
#[monitor]
fn match_rule(row: &Row<'_>, rules: &[Rule]) -> Option<usize> {
    let matches = |rule: &Rule| {
        row.level == rule.level
            && row.latency_ms >= rule.min_latency_ms
            && rule.words.iter().all(|w| row.message.split(' ').any(|m| m == *w))
    };
    let matched = rules.iter().position(matches);
    // EXAMPLE_SLOWDOWN: that many more rules checked again, for nothing.
    let checked = matched.map_or(rules.len(), |i| i + 1) as u64;
    for rule in rules.iter().cycle().take(slowdown::extra(checked) as usize) {
        std::hint::black_box(matches(std::hint::black_box(rule)));
    }
    matched
}

/// What the directory knows about a user.
struct User {
    name: String,
    team: String,
    tags: Vec<String>,
}

/// Every user, built once by the first `enrich` and kept for the whole job.
#[monitor]
fn build_directory() -> HashMap<u32, User> {
    let mut rng = Rng(11);
    (0..USERS)
        .map(|id| {
            let tags = (0..2).map(|_| WORDS[rng.below(16) as usize].to_owned()).collect();
            let user =
                User { name: format!("user-{id:06}"), team: format!("team-{}", id % 97), tags };
            (id, user)
        })
        .collect()
}

/// A region for a service, from a (simulated) remote call that mostly waits.
#[monitor]
fn lookup_region(service: usize) -> Arc<str> {
    std::thread::sleep(LOOKUP_WAIT);
    Arc::from(format!("eu-{}", SERVICES[service].len() % 3 + 1))
}

/// A matched row with what `enrich` added.
struct Alert {
    id: u64,
    rule: usize,
    user: String,
    team: String,
    region: Arc<str>,
    latency_ms: u32,
}

/// What `enrich` keeps between batches.
struct Enricher {
    directory: Option<HashMap<u32, User>>,
    /// Each service's region, once looked up.
    regions: [Option<Arc<str>>; SERVICES.len()],
    /// With `--leak`: every response, never emptied.
    leaked: Option<Vec<String>>,
}

#[monitor]
fn enrich(enricher: &mut Enricher, row: &Row<'_>, rule: usize) -> Alert {
    let directory = enricher.directory.get_or_insert_with(build_directory);
    let region = enricher.regions[row.service].get_or_insert_with(|| lookup_region(row.service));
    let region = Arc::clone(region);
    let (user, team) = match directory.get(&row.user) {
        Some(u) => (u.name.clone(), format!("{}/{}", u.team, u.tags.join("+"))),
        None => (String::from("unknown"), String::new()),
    };
    if let Some(leaked) = &mut enricher.leaked {
        let mut response = format!("{{\"id\":{},\"user\":\"{user}\",\"body\":\"", row.id);
        response.extend(std::iter::repeat_n('x', LEAKED_RESPONSE_BYTES));
        leaked.push(response);
    }
    Alert { id: row.id, rule, user, team, region, latency_ms: row.latency_ms }
}

#[monitor]
fn write_row(out: &mut impl Write, alert: &Alert, rules: &[Rule]) -> io::Result<()> {
    writeln!(
        out,
        "{},{},{},{},{},{}",
        alert.id, rules[alert.rule].name, alert.user, alert.team, alert.region, alert.latency_ms
    )
}

/// What the job did, for its own summary.
#[derive(Default)]
struct Totals {
    generated_bytes: u64,
    read: u64,
    malformed: u64,
    matched: u64,
    written: u64,
    written_bytes: u64,
    rules: usize,
}

/// Items a stage takes between two progress updates.
const CHUNK: usize = 1_000;

/// Runs the job in one session and returns what it did with the session's
/// report, taken before the job lets go of its data.
fn run(options: &Options) -> Result<(Totals, Option<SessionReport>), JobError> {
    let input = TempFile::new("input.csv");
    let output = TempFile::new("alerts.csv");
    let mut totals =
        Totals { generated_bytes: generate_input(&input.0, options.rows)?, ..Totals::default() };

    let m = global();
    m.start_session("pipeline");
    let rules = rules();
    totals.rules = rules.len();
    let mut enricher = Enricher {
        directory: None,
        regions: Default::default(),
        leaked: options.leak.then(Vec::new),
    };
    let mut lines = BufReader::new(File::open(&input.0).map_err(io_at(&input.0))?).lines();
    let mut out = BufWriter::new(File::create(&output.0).map_err(io_at(&output.0))?);
    let batch_rows = options.rows.div_ceil(BATCHES);
    loop {
        let batch: Vec<String> =
            lines.by_ref().take(batch_rows).collect::<Result<_, _>>().map_err(io_at(&input.0))?;
        if batch.is_empty() {
            break;
        }
        totals.read += batch.len() as u64;
        let rows = parse_stage(&batch, &mut totals);
        let matched = match_stage(&rows, &rules);
        totals.matched += matched.len() as u64;
        let alerts = enrich_stage(&matched, &mut enricher);
        write_stage(&alerts, &rules, &mut out).map_err(io_at(&output.0))?;
        totals.written += alerts.len() as u64;
    }
    out.flush().map_err(io_at(&output.0))?;
    totals.written_bytes = std::fs::metadata(&output.0).map_err(io_at(&output.0))?.len();
    Ok((totals, m.end_session()))
}

fn parse_stage<'a>(batch: &'a [String], totals: &mut Totals) -> Vec<Row<'a>> {
    let stage = global().stage("parse").expect(batch.len() as u64);
    let mut rows = Vec::with_capacity(batch.len());
    for chunk in batch.chunks(CHUNK) {
        for line in chunk {
            match parse_line(line) {
                Ok(row) => rows.push(row),
                Err(_) => totals.malformed += 1,
            }
        }
        stage.add(chunk.len() as u64);
    }
    rows
}

fn match_stage<'r, 'a>(rows: &'r [Row<'a>], rules: &[Rule]) -> Vec<(&'r Row<'a>, usize)> {
    let stage = global().stage("match").expect(rows.len() as u64);
    let mut matched = Vec::new();
    for chunk in rows.chunks(CHUNK) {
        matched.extend(chunk.iter().filter_map(|row| Some((row, match_rule(row, rules)?))));
        stage.add(chunk.len() as u64);
    }
    matched
}

fn enrich_stage(matched: &[(&Row<'_>, usize)], enricher: &mut Enricher) -> Vec<Alert> {
    let stage = global().stage("enrich").expect(matched.len() as u64);
    let mut alerts = Vec::with_capacity(matched.len());
    for chunk in matched.chunks(CHUNK) {
        alerts.extend(chunk.iter().map(|(row, rule)| enrich(enricher, row, *rule)));
        stage.add(chunk.len() as u64);
    }
    alerts
}

fn write_stage(alerts: &[Alert], rules: &[Rule], out: &mut impl Write) -> io::Result<()> {
    let stage = global().stage("write").expect(alerts.len() as u64);
    for chunk in alerts.chunks(CHUNK) {
        for alert in chunk {
            write_row(out, alert, rules)?;
        }
        stage.add(chunk.len() as u64);
    }
    Ok(())
}

/// A whole number with thousands separators.
fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

fn main() -> ExitCode {
    let (mut flags, rest) = match ProfileFlags::from_args(std::env::args()) {
        Ok(parsed) => parsed,
        Err(e) => {
            eprintln!("pipeline: {e}");
            return ExitCode::from(2);
        }
    };
    if let Err(e) = slowdown::init() {
        eprintln!("pipeline: {e}");
        return ExitCode::from(2);
    }
    let options = match Options::from_args(rest.get(1..).unwrap_or_default()) {
        Ok(options) => options,
        Err(e) => {
            eprintln!("pipeline: {e}");
            return ExitCode::from(2);
        }
    };
    if flags.profile && flags.level.is_none() {
        flags.level = Some(Level::Detailed);
    }
    let applied = flags.apply(global()).and_then(|()| {
        // A short run: a reading every 10 ms gives the timeline enough points.
        global().set_memory_interval(Duration::from_millis(10))
    });
    if let Err(e) = applied {
        eprintln!("pipeline: {e}");
        return ExitCode::from(2);
    }

    let started = Instant::now();
    let (totals, report) = match run(&options) {
        Ok(done) => done,
        Err(e) => {
            eprintln!("pipeline: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("generated {} rows ({})", count(options.rows as u64), mib(totals.generated_bytes));
    println!("read      {} rows ({} malformed)", count(totals.read), count(totals.malformed));
    println!("matched   {} rows against {} rules", count(totals.matched), totals.rules);
    println!("written   {} rows ({})", count(totals.written), mib(totals.written_bytes));
    println!(
        "elapsed   {:.2} s{}",
        started.elapsed().as_secs_f64(),
        if options.leak { " (--leak: enrich kept every response)" } else { "" }
    );
    // Profiled when a flag or the environment (PROFILER=1) asked for it.
    if let Some(report) = report.filter(|r| r.recording != Recording::Off) {
        println!("\n{report}");
    }
    ExitCode::SUCCESS
}
