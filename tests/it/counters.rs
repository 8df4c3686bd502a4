//! Cache, paid-API and custom counters.

use profiler_runtime::Monitor;

fn fresh() -> Monitor {
    let m = Monitor::new();
    m.start_session("counters");
    m
}

#[test]
fn cache_hits_and_misses_give_the_hit_rate() {
    let m = fresh();
    for _ in 0..3 {
        m.record_cache_hit();
    }
    m.record_cache_miss();
    m.record_cache(10, 6);
    let cache = m.end_session().unwrap().cache;
    assert_eq!((cache.hits, cache.misses), (13, 7));
    assert_eq!(cache.hit_rate, Some(13.0 / 20.0));
}

#[test]
fn without_lookups_there_is_no_hit_rate() {
    let m = fresh();
    m.record_cache(0, 0);
    let cache = m.end_session().unwrap().cache;
    assert_eq!((cache.hits, cache.misses, cache.hit_rate), (0, 0, None));
}

#[test]
fn a_low_hit_rate_over_enough_lookups_is_a_finding() {
    let m = fresh();
    m.record_cache(5, 35);
    let report = m.end_session().unwrap();
    assert!(report.findings.iter().any(|f| f.kind == "low_cache_hit_rate"), "{report}");
}

#[test]
fn api_calls_count_calls_errors_tokens_and_cost() {
    let m = fresh();
    m.record_api_call(1_200, 0.012, false);
    m.record_api_call(300, 0.003, true);
    m.record_api_call(0, 0.0, false);
    let api = m.end_session().unwrap().api;
    assert_eq!((api.calls, api.errors, api.tokens), (3, 1, 1_500));
    assert!((api.cost_usd - 0.015).abs() < 1e-12, "{}", api.cost_usd);
}

#[test]
fn api_cost_adds_up_exactly_to_the_billionth_of_a_dollar() {
    let m = fresh();
    for _ in 0..1000 {
        m.record_api_call(1, 0.000_001, false);
    }
    let api = m.end_session().unwrap().api;
    assert_eq!(api.calls, 1000);
    assert!((api.cost_usd - 0.001).abs() < 1e-12, "{:e}", api.cost_usd - 0.001);
}

#[test]
fn a_negative_or_non_finite_cost_counts_as_zero_but_the_call_counts() {
    let m = fresh();
    for cost in [-1.0, f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -0.0] {
        m.record_api_call(10, cost, false);
    }
    m.record_api_call(0, 0.25, false);
    let report = m.end_session().unwrap();
    assert_eq!((report.api.calls, report.api.tokens), (6, 50));
    assert_eq!(report.api.cost_usd, 0.25);
    assert!(report.to_json().is_ok(), "the cost stays serialisable");
}

#[test]
fn custom_counters_add_up_from_many_threads() {
    let m = fresh();
    let handle = m.counter("counters::rows");
    std::thread::scope(|s| {
        for t in 0..8u64 {
            let m = &m;
            s.spawn(move || {
                for i in 0..10_000u64 {
                    if i % 2 == 0 {
                        handle.increment();
                    } else {
                        m.add_count("counters::rows", 1);
                    }
                    m.add_count("counters::bytes", t + 1);
                }
            });
        }
    });
    let counters = m.end_session().unwrap().counters;
    assert_eq!(counters.get("counters::rows"), Some(&80_000));
    assert_eq!(counters.get("counters::bytes"), Some(&(10_000 * (1..=8).sum::<u64>())));
}

#[test]
fn a_counter_handle_taken_before_the_session_counts_into_it() {
    let m = Monitor::new();
    let handle = m.counter("counters::early");
    handle.add(5); // before any session: not reported
    m.start_session("late");
    handle.add(7);
    assert_eq!(m.end_session().unwrap().counters.get("counters::early"), Some(&7));
}

#[test]
fn counters_that_did_not_move_are_absent() {
    let m = fresh();
    let _unused = m.counter("counters::never_added");
    m.add_count("counters::zero", 0);
    m.add_count("counters::moved_once", 2);
    let first = m.end_session().unwrap();
    assert_eq!(first.counters.keys().collect::<Vec<_>>(), ["counters::moved_once"]);
    assert_eq!((first.cache.hit_rate, first.api.calls), (None, 0));

    m.start_session("quiet");
    let second = m.end_session().unwrap();
    assert!(second.counters.is_empty(), "{:?}", second.counters);
    assert!(!second.to_text().contains("Counters"), "{second}");
}

#[test]
fn counters_of_two_monitors_are_independent() {
    let (a, b) = (fresh(), fresh());
    a.add_count("counters::shared_name", 1);
    b.add_count("counters::shared_name", 10);
    a.record_cache_hit();
    assert_eq!(a.end_session().unwrap().counters["counters::shared_name"], 1);
    let b_report = b.end_session().unwrap();
    assert_eq!(b_report.counters["counters::shared_name"], 10);
    assert_eq!(b_report.cache.hits, 0);
}

#[test]
fn counters_appear_in_the_text_summary() {
    let m = fresh();
    m.add_count("counters::files", 1_234_567);
    m.record_cache(3, 1);
    m.record_api_call(100, 0.5, false);
    let text = m.end_session().unwrap().to_text();
    assert!(text.contains("counters::files") && text.contains("1,234,567"), "{text}");
    assert!(text.contains("hit rate 75.0%"), "{text}");
    assert!(text.contains("$0.5000"), "{text}");
}

#[test]
fn api_spend_is_broken_down_per_model_and_kept_apart_from_user_counters() {
    let m = Monitor::new();
    m.api_call("counters::before").input_tokens(5).record(); // before the session: not in it
    m.start_session("counters::models");
    let odd = "counters::model \"v2\"\\\nbeta";
    m.api_call("counters::big").input_tokens(900).output_tokens(300).cost_usd(0.012).record();
    m.api_call("counters::big").input_tokens(100).error(true).record();
    m.api_call(odd).output_tokens(50).cost_usd(0.0001).record();
    m.record_api_call(7, 0.5, false); // the old call: totals only
    m.add_count("counters::user", 3);
    let r = m.end_session().unwrap();

    let api = &r.api;
    assert_eq!((api.calls, api.errors), (4, 1));
    assert_eq!((api.input_tokens, api.output_tokens, api.tokens), (1000, 350, 1357));
    assert!((api.cost_usd - 0.5121).abs() < 1e-9, "{}", api.cost_usd);
    let names: Vec<&str> = api.models.iter().map(|m| m.model.as_str()).collect();
    assert_eq!(names, ["counters::big", odd], "costliest first, the earlier session's left out");
    let big = api.model("counters::big").unwrap();
    assert_eq!((big.calls, big.errors, big.input_tokens, big.output_tokens), (2, 1, 1000, 300));
    assert!((big.cost_per_call_usd - 0.006).abs() < 1e-9);
    assert_eq!(r.counters.keys().collect::<Vec<_>>(), ["counters::user"], "no model counters leak");

    let text = r.to_text();
    assert!(text.contains("counters::big") && text.contains("1,000 in + 300 out tokens"), "{text}");
    let metrics = r.to_prometheus();
    assert!(
        metrics.contains(
            "profiler_api_model_tokens_total{gen_ai_request_model=\"counters::big\",gen_ai_token_type=\"input\"} 1000\n"
        ),
        "{metrics}"
    );
    assert!(metrics.contains(
        "profiler_api_model_calls_total{gen_ai_request_model=\"counters::model \\\"v2\\\"\\\\\\nbeta\"} 1\n"
    ));
    let back = profiler_runtime::SessionReport::from_json(&r.to_json().unwrap()).unwrap();
    assert_eq!(back.api, r.api);
}

#[test]
fn models_past_the_bound_count_together() {
    let m = Monitor::new();
    m.start_session("counters::many_models");
    for i in 0..profiler_runtime::MAX_API_MODELS + 3 {
        m.api_call(&format!("counters::model{i}")).cost_usd(0.001).record();
    }
    let api = m.end_session().unwrap().api;
    assert_eq!(api.models.len(), profiler_runtime::MAX_API_MODELS + 1);
    let other = api.model(profiler_runtime::OTHER_MODEL).unwrap();
    assert_eq!(other.calls, 3);
    assert_eq!(api.calls, profiler_runtime::MAX_API_MODELS as u64 + 3);
}
