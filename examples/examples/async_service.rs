//! Many concurrent requests on a multi-threaded tokio runtime: async handlers,
//! a cache in front of a slow store, a paid model call for some requests, and
//! a timeout that cancels slow lookups (counted as `cancelled`, not as calls).
//!
//! ```text
//! cargo run --example async_service
//! ```

use profiler_runtime::monitor;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

/// A shared in-memory cache, as a service would keep in front of its store.
#[derive(Default)]
struct Cache {
    entries: Mutex<HashMap<u64, String>>,
}

impl Cache {
    #[monitor("cache.get")]
    fn get(&self, key: u64) -> Option<String> {
        let hit = self.entries.lock().unwrap().get(&key).cloned();
        let m = profiler_runtime::current();
        if hit.is_some() {
            m.record_cache_hit();
        } else {
            m.record_cache_miss();
        }
        hit
    }

    fn put(&self, key: u64, value: String) {
        self.entries.lock().unwrap().insert(key, value);
    }
}

#[monitor("store.load")]
async fn load_from_store(key: u64) -> Result<String, String> {
    // Every 13th key is slow enough to hit the handler's timeout.
    let delay = if key % 13 == 0 { 80 } else { 2 + key % 5 };
    tokio::time::sleep(Duration::from_millis(delay)).await;
    if key % 29 == 0 {
        return Err(format!("store: key {key} is corrupt"));
    }
    Ok(format!("value-{key}"))
}

#[monitor("llm.summarize")]
async fn summarize(text: &str) -> String {
    tokio::time::sleep(Duration::from_millis(5)).await;
    let tokens = 50 + text.len() as u64;
    profiler_runtime::current().record_api_call(tokens, tokens as f64 * 0.000_003, false);
    format!("summary of {text}")
}

#[monitor("handle_request")]
async fn handle_request(cache: &Cache, key: u64) -> Result<String, String> {
    if let Some(value) = cache.get(key) {
        return Ok(value);
    }
    let value = tokio::time::timeout(Duration::from_millis(40), load_from_store(key))
        .await
        .map_err(|_| format!("key {key}: store timed out after 40 ms"))??;
    let value = if key % 10 == 0 { summarize(&value).await } else { value };
    cache.put(key, value.clone());
    Ok(value)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let m = profiler_runtime::global();
    m.start_session("async-service");
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_time().build()?;
    let cache = std::sync::Arc::new(Cache::default());

    let served = runtime.block_on(async {
        let mut ok = 0u64;
        for wave in 0..4u64 {
            let tasks: Vec<_> = (0..250u64)
                .map(|i| {
                    let cache = cache.clone();
                    // Keys repeat across waves, so later waves hit the cache.
                    let key = (i * 7 + wave * 3) % 300;
                    tokio::spawn(async move { handle_request(&cache, key).await })
                })
                .collect();
            for task in tasks {
                if task.await.is_ok_and(|r| r.is_ok()) {
                    ok += 1;
                }
            }
            if wave == 1 {
                let live = m.current_report().expect("the session is running");
                let calls = live.operation("handle_request").map_or(0, |op| op.calls);
                println!("(live, after 2 of 4 waves: {calls} requests handled so far)\n");
            }
        }
        ok
    });
    m.add_count("requests_served", served);

    let report = m.end_session().expect("a session was running");
    println!("{report}");
    Ok(())
}
