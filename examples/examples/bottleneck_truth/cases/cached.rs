//! A cached function: hits fast, misses slow.
//!
//! Forty sequential `lookup` calls over eight keys, through a
//! `MonitoredCache`: the first of each key misses and calls `load`, which
//! blocks for 15 ms (120 ms in all); the other 32 hit and cost `lookup` 20 µs
//! of CPU. Each looked-up value is then scored by `score`, 0.3 ms of CPU
//! (12 ms). Twice as fast, `load` saves 60 ms, `score` 6 ms (under
//! 46 ms up to seven times slower CPU), `lookup`
//! well under 1 ms.

use crate::case::{Case, Program};
use crate::work::{ms, us, Speeds};
use profiler_runtime::{monitor, MonitoredCache};

const LOOKUP: &str = "cached::lookup";
const LOAD: &str = "cached::load";
const SCORE: &str = "cached::score";

pub fn case() -> Case {
    Case {
        name: "cached",
        shape: "40 lookups over 8 keys through a cache: 8 misses load for 15 ms, then CPU scoring",
        functions: &[LOOKUP, LOAD, SCORE],
        bottleneck: LOAD,
        program: Program::Sync(main),
    }
}

#[monitor("cached::lookup")]
fn lookup(s: Speeds, cache: &MonitoredCache<u64, u64>, key: u64) -> u64 {
    s.compute(LOOKUP, us(20));
    if let Some(value) = cache.get(&key) {
        return value;
    }
    let value = load(s, key);
    cache.insert(key, value);
    value
}

#[monitor("cached::load")]
fn load(s: Speeds, key: u64) -> u64 {
    s.block(LOAD, ms(15));
    key * key
}

#[monitor("cached::score")]
fn score(s: Speeds, value: u64) -> u64 {
    s.compute(SCORE, us(300));
    value % 7
}

fn main(s: Speeds) {
    let cache = MonitoredCache::new("cached::values", 16).expect("a capacity above 0");
    for i in 0..40 {
        let value = lookup(s, &cache, i % 8);
        score(s, value);
    }
}
