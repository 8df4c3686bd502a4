//! A small service under a steady workload, served live: the dashboard, the
//! Prometheus metrics, the JSON report and `profiler top` all read it while
//! it runs.
//!
//! ```text
//! cargo run --release --example live                      # until Ctrl-C, on 127.0.0.1:9184
//! cargo run --release --example live -- --seconds 30 --addr 127.0.0.1:0
//! cargo run --release --example live -- --seconds 10 --then-serve 60
//! ```
//!
//! Each request (on a tokio runtime) looks its user up in a cache (three
//! lookups in four hit; a miss loads from a slow store), renders a page
//! (CPU work: the most self time), and every tenth asks a paid model for a
//! summary; a flag notes every thousandth request's incomplete profile.
//! Operations belong to the `web`, `storage` and `model` components. The
//! first line printed is `serving http://ADDR/`; with `--then-serve S` the
//! program stops calling after the workload, prints `workload done: ...`
//! with what it recorded, and serves the still figures
//! for S more seconds (what a scrape can be checked against).

use profiler_runtime::{monitor, Level, ServeOptions, Severity};
use std::io::Write;
use std::time::{Duration, Instant};

/// The command line: `--seconds N`, `--addr HOST:PORT`, `--then-serve S`.
struct Args {
    seconds: Option<u64>,
    addr: String,
    then_serve: u64,
}

fn args() -> Result<Args, String> {
    let mut args = Args { seconds: None, addr: "127.0.0.1:9184".into(), then_serve: 0 };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = |what: &str| it.next().ok_or(format!("{flag} needs {what}"));
        let secs = |text: String| {
            text.parse::<u64>()
                .map_err(|_| format!("{flag} {text:?}: give a whole number of seconds"))
        };
        match flag.as_str() {
            "--seconds" => args.seconds = Some(secs(value("a number of seconds")?)?),
            "--then-serve" => args.then_serve = secs(value("a number of seconds")?)?,
            "--addr" => args.addr = value("HOST:PORT")?,
            other => {
                return Err(format!(
                    "unknown argument {other:?}: give --seconds N, --addr HOST:PORT, --then-serve S"
                ))
            }
        }
    }
    Ok(args)
}

#[monitor("cache.lookup", component = "storage")]
fn lookup(request: u64) -> Option<u64> {
    let m = profiler_runtime::current();
    if request % 4 == 0 {
        m.record_cache_miss();
        None
    } else {
        m.record_cache_hit();
        Some(request % 100)
    }
}

#[monitor("store.load", component = "storage")]
async fn load_user(request: u64) -> Result<u64, String> {
    tokio::time::sleep(Duration::from_millis(1)).await;
    if request % 50 == 0 {
        return Err(format!("user {request}: store unavailable"));
    }
    Ok(request % 100)
}

/// Deliberately CPU-bound, for 800 µs of wall time whatever the machine's
/// speed: the operation with the most self time.
#[monitor("render_page", component = "web")]
fn render_page(user: u64) -> u64 {
    let started = Instant::now();
    let mut h = user ^ 0x9e37_79b9_7f4a_7c15;
    while started.elapsed() < Duration::from_micros(800) {
        for i in 0..1_000u64 {
            h = h.rotate_left(5).wrapping_mul(0x100_0000_01b3) ^ i;
        }
    }
    std::hint::black_box(h)
}

#[monitor("model.summarize", component = "model")]
async fn summarize(user: u64) -> u64 {
    tokio::time::sleep(Duration::from_millis(2)).await;
    // One user in three gets the larger model, at ten times the price.
    let (model, per_token) =
        if user % 3 == 0 { ("large-model", 0.000_02) } else { ("small-model", 0.000_002) };
    let (input, output) = (120 + user % 40, 30 + user % 10);
    profiler_runtime::current()
        .api_call(model)
        .input_tokens(input)
        .output_tokens(output)
        .cost_usd((input + output) as f64 * per_token)
        .record();
    input + output
}

#[monitor("handle_request", component = "web")]
async fn handle_request(request: u64) -> Result<u64, String> {
    let user = match lookup(request) {
        Some(user) => user,
        None => load_user(request).await?,
    };
    if request % 1_000 == 999 {
        // A data-quality note, as code raises them: shown among the flags.
        profiler_runtime::current().flag(
            Severity::Info,
            format_args!(
                "request {request}: profile of user {user} incomplete, rendered with defaults"
            ),
        );
    }
    let page = render_page(user);
    if request % 10 == 0 {
        return Ok(page ^ summarize(user).await);
    }
    Ok(page)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = match args() {
        Ok(args) => args,
        Err(e) => {
            eprintln!("live: {e}");
            std::process::exit(2);
        }
    };
    let m = profiler_runtime::global();
    m.set_level(Level::Detailed);
    m.start_session("live");
    let endpoint = ServeOptions::new(args.addr.as_str()).start()?;
    let addr = endpoint.local_addr();
    println!("serving {}", endpoint.url());
    println!("  dashboard:  {}", endpoint.url());
    println!("  metrics:    http://{addr}/metrics");
    println!("  report:     http://{addr}/report.json");
    println!("  terminal:   profiler top {addr}");
    std::io::stdout().flush()?;

    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_time().build()?;
    let started = Instant::now();
    let deadline = args.seconds.map(|s| started + Duration::from_secs(s));
    let mut request = 0u64;
    let mut batch = 0u64;
    while deadline.is_none_or(|d| Instant::now() < d) {
        // One stage per batch of 40 requests, served two at a time (one per
        // worker, so a finished sleep is never kept waiting by a render).
        let stage = m.stage("batch");
        let first = request;
        request += 40;
        runtime.block_on(async {
            for pair in (first..request).step_by(2) {
                let a = tokio::spawn(handle_request(pair));
                let b = tokio::spawn(handle_request(pair + 1));
                let _ = (a.await, b.await);
                stage.add(2);
            }
        });
        drop(stage);
        batch += 1;
        if batch % 25 == 0 {
            m.add_count("batches", 25);
        }
        std::thread::sleep(Duration::from_millis(20));
    }

    if args.then_serve > 0 {
        let report = m.current_report().expect("the session is running");
        let calls = report.operation("handle_request").map_or(0, |op| op.calls);
        println!(
            "workload done: handle_request calls={calls} cache hits={} misses={} p99_ns={}",
            report.cache.hits,
            report.cache.misses,
            report.operation("handle_request").map_or(0, |op| op.p99_ns)
        );
        std::io::stdout().flush()?;
        std::thread::sleep(Duration::from_secs(args.then_serve));
    }
    endpoint.shutdown();
    let report = m.end_session().expect("the session is running");
    println!("served {} requests in {:.1} s", request, report.wall_ns as f64 / 1e9);
    Ok(())
}
