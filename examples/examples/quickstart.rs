//! The README's first command: an embedded import job that exercises sync and
//! async instrumented functions, a failing call, a hand-counted cache, a
//! `MonitoredCache` in front of user lookups, paid API calls to two models,
//! stages and custom counters, then prints the session summary and saves it
//! as JSON.
//!
//! ```text
//! cargo run --example quickstart            # summary on stdout
//! cargo run --example quickstart -- --json  # the same report as JSON
//! PROFILER_OUT=run.json cargo run --example quickstart  # also saved there, for `profiler show`
//! EXAMPLE_SLOWDOWN=1.2 cargo run --example quickstart   # score_record does 20 % more work
//! ```

#[path = "shared/slowdown.rs"]
mod slowdown;

use profiler_runtime::{monitor, MonitoredCache};
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// A configuration error with a readable text, as real loaders have.
#[derive(Debug)]
struct ConfigError(String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

#[derive(Debug)]
struct Config {
    batch: usize,
}

#[monitor("load_config")]
fn load_config(path: &str) -> Result<Config, ConfigError> {
    std::thread::sleep(Duration::from_millis(2));
    if path.ends_with(".toml") {
        Ok(Config { batch: 500 })
    } else {
        Err(ConfigError(format!("{path}: unsupported format (expected .toml)")))
    }
}

#[derive(Debug, Clone)]
struct Record {
    id: u64,
    score: u64,
}

/// Named after its path (`parse`), as `#[monitor]` without a name does.
#[monitor]
fn parse(input: &str) -> Vec<Record> {
    input
        .lines()
        .filter_map(|line| {
            let (id, score) = line.split_once(',')?;
            Some(Record { id: id.trim().parse().ok()?, score: score.trim().parse().ok()? })
        })
        .collect()
}

#[monitor(name = "score_record", slow = "150us")]
fn score_record(record: &Record) -> u64 {
    // Deterministic work with a slow tail: every 50th record takes longer.
    let rounds = if record.id % 50 == 0 { 40_000 } else { 2_000 };
    let rounds = rounds + slowdown::extra(rounds);
    let mut x = record.score;
    for i in 0..rounds {
        x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(i));
    }
    x % 1000
}

#[monitor("fetch_user")]
async fn fetch_user(id: u64) -> Result<String, String> {
    tokio::time::sleep(Duration::from_millis(1 + id % 3)).await;
    if id % 17 == 0 {
        Err(format!("user {id}: upstream returned 503"))
    } else {
        Ok(format!("user-{id}"))
    }
}

/// A user's name: from the cache, or fetched (and kept) on a miss. Failed
/// fetches are not kept, so the next request for that user tries again.
async fn user_name(users: &MonitoredCache<u64, String>, id: u64) -> Result<String, String> {
    if let Some(name) = users.get(&id) {
        return Ok(name);
    }
    let name = fetch_user(id).await?;
    users.insert(id, name.clone());
    Ok(name)
}

/// What a model bills per million input and output tokens, in US dollars.
struct Model {
    name: &'static str,
    input_per_million: f64,
    output_per_million: f64,
}

const SMALL_MODEL: Model =
    Model { name: "gpt-4o-mini", input_per_million: 0.15, output_per_million: 0.60 };
const LARGE_MODEL: Model =
    Model { name: "gpt-4o", input_per_million: 2.50, output_per_million: 10.0 };

#[monitor("enrich_with_llm")]
fn enrich_with_llm(text: &str, model: &Model) -> String {
    // Stand-in for a paid model call: the cost is what the provider would bill.
    std::thread::sleep(Duration::from_micros(300));
    let input = 200 + text.len() as u64 * 3;
    let output = text.len() as u64 * 2;
    let cost =
        (input as f64 * model.input_per_million + output as f64 * model.output_per_million) / 1e6;
    profiler_runtime::current()
        .api_call(model.name)
        .input_tokens(input)
        .output_tokens(output)
        .cost_usd(cost)
        .error(text.len() % 11 == 0)
        .record();
    text.to_uppercase()
}

fn input() -> String {
    (1..=2_000).map(|i| format!("{i},{}\n", (i * 7919) % 1000)).collect()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let json = std::env::args().any(|a| a == "--json");
    slowdown::init()?;
    let m = profiler_runtime::global();
    m.start_session("nightly-import");

    let config = load_config("import.toml")?;
    if let Err(e) = load_config("legacy.ini") {
        eprintln!("(expected) {e}");
    }

    let records = {
        let stage = m.stage("parsing");
        let records = parse(&input());
        stage.items(records.len() as u64);
        records
    };

    let mut cache: HashMap<u64, u64> = HashMap::new();
    {
        let stage = m.stage("scoring");
        for record in &records {
            // Scores repeat, so a cache keyed by score saves work.
            match cache.entry(record.score) {
                std::collections::hash_map::Entry::Occupied(_) => m.record_cache_hit(),
                std::collections::hash_map::Entry::Vacant(slot) => {
                    m.record_cache_miss();
                    slot.insert(score_record(record));
                }
            }
        }
        stage.items(records.len() as u64);
    }

    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_time().build()?;
    // 60 users behind a cache of 40, asked for in waves of 30 that each move
    // on by 7 users: most of a wave was asked for just before (hits), and the
    // users left behind are evicted.
    let users_cache: Arc<MonitoredCache<u64, String>> = Arc::new(
        MonitoredCache::builder("users").capacity(40).ttl(Duration::from_secs(60)).build()?,
    );
    let users = runtime.block_on(async {
        let mut ok = 0;
        for wave in 0..8u64 {
            let tasks: Vec<_> = (0..30u64)
                .map(|i| {
                    let id = 1 + (wave * 7 + i) % 60;
                    let cache = Arc::clone(&users_cache);
                    tokio::spawn(async move { user_name(&cache, id).await })
                })
                .collect();
            for task in tasks {
                if task.await?.is_ok() {
                    ok += 1;
                }
            }
        }
        Ok::<_, tokio::task::JoinError>(ok)
    })?;

    {
        let stage = m.stage("enrichment");
        for record in records.iter().take(40) {
            // One record in four needs the larger model.
            let model = if record.id % 4 == 0 { &LARGE_MODEL } else { &SMALL_MODEL };
            enrich_with_llm(&format!("record {} scored {}", record.id, record.score), model);
        }
        stage.items(40);
    }

    {
        let mut op = m.start_operation("write_batch");
        op.metadata("batch_size", config.batch).metadata("target", "warehouse.users");
        std::thread::sleep(Duration::from_millis(3));
        op.finish();
    }
    m.add_count("records_written", records.len() as u64);
    m.add_count("users_fetched", users);

    let report = m.end_session().expect("a session was running");
    if json {
        println!("{}", report.to_json()?);
    } else {
        println!("{report}");
        let path = std::env::temp_dir().join("profiler-quickstart.json");
        report.save_json(&path)?;
        println!("JSON report written to {}", path.display());
    }
    Ok(())
}
