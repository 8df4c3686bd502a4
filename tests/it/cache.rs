//! `MonitoredCache`: LRU order, time to live on an injected clock, and its
//! lookups in the session's totals and in a row per cache name.

use profiler_runtime::{CacheCounts, Error, Monitor, MonitoredCache, SessionReport};
use std::cell::Cell;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn fresh(session: &str) -> Monitor {
    let m = Monitor::new();
    m.start_session(session);
    m
}

/// A clock the test moves by hand.
#[derive(Clone)]
struct ManualClock(Arc<Mutex<Instant>>);

impl ManualClock {
    fn new() -> ManualClock {
        ManualClock(Arc::new(Mutex::new(Instant::now())))
    }

    fn advance(&self, by: Duration) {
        *self.0.lock().unwrap() += by;
    }

    fn reader(&self) -> impl Fn() -> Instant + Send + Sync + 'static {
        let now = Arc::clone(&self.0);
        move || *now.lock().unwrap()
    }
}

#[test]
fn hits_and_misses_count_in_the_totals_and_in_the_cache_row() {
    let m = fresh("cache::hits");
    let cache: MonitoredCache<u32, String> = MonitoredCache::new("cache::users", 8).unwrap();
    m.scope(|| {
        assert_eq!(cache.get(&1), None);
        assert_eq!(cache.insert(1, "alice".to_owned()), None);
        assert_eq!(cache.get(&1).as_deref(), Some("alice"));
        assert_eq!(cache.get(&1).as_deref(), Some("alice"));
    });
    let r = m.end_session().unwrap();
    assert_eq!((r.cache.hits, r.cache.misses), (2, 1));
    let row = r.cache.cache("cache::users").unwrap();
    assert_eq!((row.hits, row.misses, row.evictions, row.expirations), (2, 1, 0, 0));
    assert_eq!(row.hit_rate, Some(2.0 / 3.0));
    assert!(r.counters.is_empty(), "no cache counter leaks into the custom ones: {:?}", r.counters);
    assert_eq!(cache.stats(), CacheCounts { hits: 2, misses: 1, inserts: 1, ..Default::default() });
}

#[test]
fn the_least_recently_used_entry_is_evicted_and_counted() {
    let m = fresh("cache::lru");
    let cache = MonitoredCache::builder("cache::lru").capacity(3).monitor(&m).build().unwrap();
    for k in ["a", "b", "c"] {
        cache.insert(k, k.len());
    }
    assert_eq!(cache.get(&"a"), Some(1), "a is now the most recently used");
    cache.insert("d", 1); // evicts b, the least recently used
    assert_eq!(cache.len(), 3);
    cache.insert("e", 1); // evicts c
    assert_eq!(cache.get(&"b"), None);
    assert_eq!(cache.get(&"c"), None);
    for k in ["a", "d", "e"] {
        assert!(cache.get(&k).is_some(), "{k} stays");
    }
    assert_eq!(cache.insert("a", 2), Some(1), "a replacement evicts nothing");
    let counts = cache.stats();
    assert_eq!((counts.evictions, counts.inserts, counts.hits, counts.misses), (2, 6, 4, 2));
    let r = m.end_session().unwrap();
    let row = r.cache.cache("cache::lru").unwrap();
    assert_eq!((row.evictions, row.hits, row.misses), (2, 4, 2));
}

#[test]
fn an_entry_is_valid_until_its_ttl_then_an_expiration_and_a_miss() {
    let m = fresh("cache::ttl");
    let clock = ManualClock::new();
    let cache = MonitoredCache::builder("cache::ttl")
        .ttl(Duration::from_secs(10))
        .clock(clock.reader())
        .monitor(&m)
        .build()
        .unwrap();
    cache.insert(7u8, "seven");
    clock.advance(Duration::from_millis(9_999));
    assert_eq!(cache.get(&7), Some("seven"), "valid just before its ttl");
    clock.advance(Duration::from_millis(1));
    assert_eq!(cache.get(&7), None, "expired at its ttl");
    assert_eq!(cache.len(), 0, "and removed");
    assert_eq!(cache.get(&7), None, "a plain miss now");
    let counts = cache.stats();
    assert_eq!((counts.hits, counts.misses, counts.expirations), (1, 2, 1));
    let r = m.end_session().unwrap();
    assert_eq!((r.cache.hits, r.cache.misses), (1, 2));
    let row = r.cache.cache("cache::ttl").unwrap();
    assert_eq!((row.hits, row.misses, row.expirations), (1, 2, 1));
}

#[test]
fn a_per_entry_ttl_overrides_the_default() {
    let clock = ManualClock::new();
    let cache = MonitoredCache::builder("cache::per_entry")
        .ttl(Duration::from_secs(10))
        .clock(clock.reader())
        .build()
        .unwrap();
    cache.insert_with_ttl("short", 1, Duration::from_secs(1));
    cache.insert("default", 2);
    cache.insert_with_ttl("long", 3, Duration::from_secs(60));
    cache.insert_with_ttl("never", 4, Duration::MAX);
    clock.advance(Duration::from_secs(5));
    assert_eq!(cache.get(&"short"), None);
    assert_eq!(cache.get(&"default"), Some(2));
    clock.advance(Duration::from_secs(5));
    assert_eq!(cache.get(&"default"), None);
    assert_eq!(cache.get(&"long"), Some(3));
    clock.advance(Duration::from_secs(3600));
    assert_eq!(cache.get(&"long"), None);
    assert_eq!(cache.get(&"never"), Some(4));
    assert_eq!(cache.stats().expirations, 3);
}

#[test]
fn an_insert_over_an_expired_entry_or_an_invalidate_of_one_counts_its_expiration() {
    let clock = ManualClock::new();
    let cache = MonitoredCache::builder("cache::stale")
        .ttl(Duration::from_secs(1))
        .clock(clock.reader())
        .build()
        .unwrap();
    cache.insert(1u8, 'a');
    cache.insert(2u8, 'b');
    clock.advance(Duration::from_secs(2));
    assert_eq!(cache.insert(1, 'c'), None, "the expired value is not handed back");
    assert_eq!(cache.invalidate(&2), None);
    assert_eq!(cache.stats().expirations, 2);
    assert_eq!(cache.get(&1), Some('c'));
}

#[test]
fn invalidate_and_clear_remove_entries_without_counting_lookups() {
    let m = fresh("cache::invalidate");
    let cache = MonitoredCache::builder("cache::invalidate").monitor(&m).build().unwrap();
    for k in 0..5u32 {
        cache.insert(k, k * 10);
    }
    assert_eq!(cache.invalidate(&3), Some(30));
    assert_eq!(cache.invalidate(&3), None);
    assert_eq!(cache.len(), 4);
    cache.clear();
    assert!(cache.is_empty());
    assert_eq!(cache.capacity(), 1024, "the default capacity");
    assert_eq!(cache.get(&1), None, "cleared");
    let counts = cache.stats();
    assert_eq!((counts.hits, counts.misses, counts.evictions, counts.expirations), (0, 1, 0, 0));
    let r = m.end_session().unwrap();
    assert_eq!((r.cache.hits, r.cache.misses), (0, 1));
}

#[test]
fn get_or_insert_with_calls_the_closure_on_a_miss_only() {
    let m = fresh("cache::get_or_insert");
    let cache: MonitoredCache<&str, u64> = MonitoredCache::new("cache::computed", 4).unwrap();
    let calls = Cell::new(0);
    let compute = || {
        calls.set(calls.get() + 1);
        42
    };
    m.scope(|| {
        assert_eq!(cache.get_or_insert_with("x", compute), 42);
        assert_eq!(cache.get_or_insert_with("x", compute), 42);
        assert_eq!(cache.get_or_insert_with("x", || unreachable!("a hit")), 42);
        let failed: Result<u64, &str> = cache.try_get_or_insert_with("y", || Err("offline"));
        assert_eq!(failed, Err("offline"));
        assert_eq!(cache.try_get_or_insert_with("y", || Ok::<_, &str>(7)), Ok(7));
        assert_eq!(cache.try_get_or_insert_with("y", || Err("not called")), Ok(7));
    });
    assert_eq!(calls.get(), 1);
    let r = m.end_session().unwrap();
    let row = r.cache.cache("cache::computed").unwrap();
    assert_eq!((row.hits, row.misses), (3, 3));
    assert_eq!(cache.stats().inserts, 2, "nothing stored for the error");
}

#[test]
fn lookups_from_many_threads_add_up_exactly() {
    const THREADS: u64 = 4;
    const LOOKUPS: u64 = 20_000;
    const KEYS: u64 = 50;
    let m = fresh("cache::threads");
    let routed: MonitoredCache<(u64, u64), u64> =
        MonitoredCache::new("cache::routed", 1_000).unwrap();
    let explicit: MonitoredCache<u64, u64> =
        MonitoredCache::builder("cache::explicit").capacity(16).monitor(&m).build().unwrap();
    std::thread::scope(|s| {
        for t in 0..THREADS {
            let (m, routed, explicit) = (&m, &routed, &explicit);
            s.spawn(move || {
                m.scope(|| {
                    for i in 0..LOOKUPS {
                        // Each thread its own keys: the first lookup of each misses.
                        routed.get_or_insert_with((t, i % KEYS), || i);
                    }
                });
                // Not routed: the cache's own monitor counts these.
                for i in 0..LOOKUPS {
                    if explicit.get(&(i % 32)).is_none() {
                        explicit.insert(i % 32, i);
                    }
                }
            });
        }
    });
    let r = m.end_session().unwrap();
    let row = r.cache.cache("cache::routed").unwrap();
    assert_eq!((row.hits, row.misses), (THREADS * (LOOKUPS - KEYS), THREADS * KEYS));
    let counts = routed.stats();
    assert_eq!((counts.hits, counts.misses), (row.hits, row.misses));
    let row = r.cache.cache("cache::explicit").unwrap();
    let counts = explicit.stats();
    assert_eq!(
        (row.hits, row.misses, row.evictions),
        (counts.hits, counts.misses, counts.evictions)
    );
    assert_eq!(row.hits + row.misses, THREADS * LOOKUPS);
    assert!(row.evictions > 0, "32 keys in 16 places");
    assert_eq!(counts.inserts, counts.misses);
    assert_eq!(
        r.cache.hits + r.cache.misses,
        2 * THREADS * LOOKUPS,
        "the totals count every lookup"
    );
}

#[test]
fn a_cache_records_into_the_monitor_in_effect_at_each_lookup() {
    let (a, b) = (fresh("cache::route_a"), fresh("cache::route_b"));
    let cache: MonitoredCache<u8, u8> = MonitoredCache::new("cache::shared", 4).unwrap();
    cache.insert(1, 1);
    a.scope(|| cache.get(&1));
    b.scope(|| {
        cache.get(&1);
        cache.get(&2);
    });
    a.scope(|| cache.get(&3));
    let (ra, rb) = (a.end_session().unwrap(), b.end_session().unwrap());
    let row = ra.cache.cache("cache::shared").unwrap();
    assert_eq!((row.hits, row.misses), (1, 1));
    let row = rb.cache.cache("cache::shared").unwrap();
    assert_eq!((row.hits, row.misses), (1, 1));
}

#[test]
fn a_disabled_monitor_records_nothing_but_the_cache_still_counts() {
    let m = fresh("cache::off");
    let cache = MonitoredCache::builder("cache::off").monitor(&m).build().unwrap();
    m.disable();
    cache.insert(1u8, 1u8);
    cache.get(&1);
    m.enable();
    cache.get(&2);
    let r = m.end_session().unwrap();
    assert_eq!((r.cache.hits, r.cache.misses), (0, 1));
    assert_eq!((cache.stats().hits, cache.stats().misses), (1, 1));
}

/// A report with three named caches of 6, 4 and 2 lookups, one name hostile.
const HOSTILE: &str = "cache::odd \"v2\"\\\nname";

fn three_caches() -> SessionReport {
    let m = fresh("cache::rows");
    let clock = ManualClock::new();
    let small = MonitoredCache::builder("cache::small").capacity(1).monitor(&m).build().unwrap();
    let big = MonitoredCache::builder("cache::big").monitor(&m).build().unwrap();
    let odd = MonitoredCache::builder(HOSTILE)
        .ttl(Duration::from_secs(1))
        .clock(clock.reader())
        .monitor(&m)
        .build()
        .unwrap();
    for k in 0..4u8 {
        small.get_or_insert_with(k, || k); // 4 misses, 3 evictions
    }
    for _ in 0..6 {
        big.get_or_insert_with(0u8, || 0); // 1 miss, 5 hits
    }
    odd.insert(0u8, 0u8);
    odd.get(&0);
    clock.advance(Duration::from_secs(1));
    odd.get(&0); // 1 hit, 1 miss (expired)
    m.end_session().unwrap()
}

#[test]
fn rows_come_most_lookups_first_and_survive_json() {
    let r = three_caches();
    let names: Vec<&str> = r.cache.caches.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["cache::big", "cache::small", HOSTILE]);
    let small = r.cache.cache("cache::small").unwrap();
    assert_eq!((small.hits, small.misses, small.evictions, small.hit_rate), (0, 4, 3, Some(0.0)));
    let odd = r.cache.cache(HOSTILE).unwrap();
    assert_eq!((odd.hits, odd.misses, odd.expirations), (1, 1, 1));
    assert_eq!((r.cache.hits, r.cache.misses), (6, 6));
    let back = SessionReport::from_json(&r.to_json().unwrap()).unwrap();
    assert_eq!(back.cache, r.cache);
}

#[test]
fn a_report_saved_before_cache_rows_existed_reads_back() {
    let mut json: serde_json::Value =
        serde_json::from_str(&three_caches().to_json().unwrap()).unwrap();
    json["cache"].as_object_mut().unwrap().remove("caches");
    let back = SessionReport::from_json(&json.to_string()).unwrap();
    assert!(back.cache.caches.is_empty());
}

#[test]
fn the_summary_lists_each_cache_under_the_cache_line() {
    let text = three_caches().to_text();
    let lines: Vec<&str> = text.lines().collect();
    let at = lines.iter().position(|l| l.trim_start().starts_with("cache ")).expect(&text);
    assert!(lines[at].contains("hit rate 50.0% (6 hits, 6 misses)"), "{text}");
    assert!(lines[at + 1].contains("cache::big") && lines[at + 1].contains("83.3%"), "{text}");
    assert!(
        lines[at + 2].contains("cache::small") && lines[at + 2].contains("3 evicted"),
        "{text}"
    );
    assert!(lines[at + 3].contains("1 expired"), "{text}");
}

#[test]
fn prometheus_has_lookups_by_result_and_evictions_and_expirations_per_cache() {
    let text = three_caches().to_prometheus();
    for line in [
        "profiler_cache_lookups_total{cache=\"cache::big\",result=\"hit\"} 5\n",
        "profiler_cache_lookups_total{cache=\"cache::big\",result=\"miss\"} 1\n",
        "profiler_cache_evictions_total{cache=\"cache::small\"} 3\n",
        "profiler_cache_expirations_total{cache=\"cache::odd \\\"v2\\\"\\\\\\nname\"} 1\n",
        "profiler_cache_hits_total 6\n",
    ] {
        assert!(text.contains(line), "no {line:?} in\n{text}");
    }
    for family in [
        "profiler_cache_lookups_total",
        "profiler_cache_evictions_total",
        "profiler_cache_expirations_total",
    ] {
        assert_eq!(text.matches(&format!("# TYPE {family} counter\n")).count(), 1, "{family}");
        assert_eq!(text.matches(&format!("# HELP {family} ")).count(), 1, "{family}");
    }
    let open = three_caches().to_openmetrics();
    assert!(open.contains("# TYPE profiler_cache_lookups counter\n"), "{open}");
}

#[test]
fn names_past_the_bound_count_together() {
    let m = fresh("cache::many");
    let caches: Vec<MonitoredCache<u8, u8>> = (0..profiler_runtime::MAX_CACHE_NAMES + 2)
        .map(|i| MonitoredCache::builder(&format!("cache::many{i}")).monitor(&m).build().unwrap())
        .collect();
    for c in &caches {
        c.get(&0);
    }
    let r = m.end_session().unwrap();
    assert_eq!(r.cache.caches.len(), profiler_runtime::MAX_CACHE_NAMES + 1);
    let other = r.cache.cache(profiler_runtime::OTHER_CACHES).unwrap();
    assert_eq!(other.misses, 2);
    assert_eq!(r.cache.misses, profiler_runtime::MAX_CACHE_NAMES as u64 + 2);
}

#[test]
fn a_capacity_of_zero_is_an_error_naming_what_is_allowed() {
    let err = MonitoredCache::<u8, u8>::new("cache::zero", 0).unwrap_err();
    assert!(matches!(err, Error::CacheCapacity { given: 0 }), "{err:?}");
    assert_eq!(err.to_string(), "cache capacity 0 is not allowed: give 1 or more entries");
    let built = MonitoredCache::<u8, u8>::builder("cache::zero").capacity(0).build();
    assert!(built.is_err());
}
