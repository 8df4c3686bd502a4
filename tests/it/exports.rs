//! The Prometheus and OpenMetrics exports read back by a parser: one HELP
//! and TYPE per family before its samples, label values that unescape to
//! the hostile names they came from, histograms whose buckets rise to a
//! `+Inf` bucket equal to their count.

use profiler_runtime::{Monitor, SessionReport};
use std::collections::BTreeMap;

/// One sample: its name, its labels (unescaped) and its value.
#[derive(Debug)]
struct Sample {
    family: String,
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

/// `{a="x",b="y\"z"}` into pairs, undoing the escapes; panics on bad syntax.
fn parse_labels(text: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut chars = text.chars().peekable();
    while chars.peek().is_some() {
        let key: String = chars.by_ref().take_while(|&c| c != '=').collect();
        assert!(key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'), "label name {key:?}");
        assert_eq!(chars.next(), Some('"'), "a quoted value for {key}");
        let mut value = String::new();
        loop {
            match chars.next().expect("a closing quote") {
                '\\' => match chars.next().expect("an escape") {
                    '\\' => value.push('\\'),
                    '"' => value.push('"'),
                    'n' => value.push('\n'),
                    other => panic!("unknown escape \\{other}"),
                },
                '"' => break,
                '\n' => panic!("a raw line feed in a label value"),
                c => value.push(c),
            }
        }
        out.insert(key, value);
        match chars.next() {
            Some(',') | None => {}
            other => panic!("after a label: {other:?}"),
        }
    }
    out
}

/// Every sample, checking the HELP/TYPE rules as it goes; the families' types.
fn parse(text: &str, open_metrics: bool) -> (Vec<Sample>, BTreeMap<String, String>) {
    let mut types: BTreeMap<String, String> = BTreeMap::new();
    let mut helps: BTreeMap<String, usize> = BTreeMap::new();
    let mut family = String::new();
    let mut samples = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let name = rest.split(' ').next().unwrap().to_owned();
            *helps.entry(name.clone()).or_default() += 1;
            family = name;
        } else if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').unwrap();
            assert_eq!(name, family, "TYPE right after its HELP");
            assert!(
                types.insert(name.to_owned(), kind.to_owned()).is_none(),
                "one TYPE for {name}"
            );
        } else if line == "# EOF" {
            assert!(open_metrics);
        } else {
            let (head, value) = line.rsplit_once(' ').expect("a sample and its value");
            let (name, labels) = match head.split_once('{') {
                Some((name, rest)) => (name, parse_labels(rest.strip_suffix('}').unwrap())),
                None => (head, BTreeMap::new()),
            };
            assert!(
                name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'),
                "metric name {name:?}"
            );
            let kind = &types[&family];
            let allowed: Vec<String> = match (kind.as_str(), open_metrics) {
                ("histogram", _) => {
                    ["_bucket", "_sum", "_count"].map(|s| family.clone() + s).to_vec()
                }
                ("counter", true) => vec![family.clone() + "_total"],
                _ => vec![family.clone()],
            };
            assert!(allowed.iter().any(|a| a == name), "{name} in family {family} ({kind})");
            let value = match value {
                "+Inf" => f64::INFINITY,
                v => v.parse().unwrap_or_else(|_| panic!("value {v:?}")),
            };
            samples.push(Sample { family: family.clone(), name: name.to_owned(), labels, value });
        }
    }
    assert!(helps.values().all(|&n| n == 1), "one HELP per family: {helps:?}");
    (samples, types)
}

const HOSTILE: &str = "exports::load \"users\"\\ from\nthe db";

fn report() -> SessionReport {
    let m = Monitor::new();
    m.start_session("exports");
    for i in 0..20 {
        let op = m.operation_in("exports::store \"a\"", HOSTILE).start();
        std::thread::sleep(std::time::Duration::from_micros(50 * (i % 4)));
        if i == 3 {
            op.fail("timeout");
        } else {
            op.finish();
        }
    }
    m.record_cache(7, 3);
    m.record_api_call(120, 0.0025, false);
    m.api_call(HOSTILE).input_tokens(30).output_tokens(4).cost_usd(0.001).record();
    m.counter("exports::rows \"seen\"").add(12);
    m.stage("exports::parse").items(40);
    m.end_session().unwrap()
}

#[test]
fn prometheus_text_reads_back_with_hostile_names_and_whole_histograms() {
    let r = report();
    let (samples, types) = parse(&r.to_prometheus(), false);
    assert_eq!(types["profiler_calls_total"], "counter");
    assert_eq!(types["profiler_call_duration_seconds"], "histogram");
    let calls: Vec<_> = samples.iter().filter(|s| s.name == "profiler_calls_total").collect();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].labels["operation"], HOSTILE, "the name unescapes to itself");
    assert_eq!(calls[0].labels["component"], "exports::store \"a\"");
    assert_eq!(calls[0].value, 20.0);
    let failures = samples.iter().find(|s| s.name == "profiler_failures_total").unwrap();
    assert_eq!(failures.value, 1.0);
    let buckets: Vec<_> =
        samples.iter().filter(|s| s.name == "profiler_call_duration_seconds_bucket").collect();
    assert!(buckets.windows(2).all(|w| w[0].value <= w[1].value), "cumulative buckets");
    let inf = buckets.iter().find(|s| s.labels["le"] == "+Inf").unwrap();
    let count = samples.iter().find(|s| s.name == "profiler_call_duration_seconds_count").unwrap();
    assert_eq!(inf.value, count.value);
    assert_eq!(count.value, 20.0);
    let sum = samples.iter().find(|s| s.name == "profiler_call_duration_seconds_sum").unwrap();
    let op = r.operation(HOSTILE).unwrap();
    assert_eq!(sum.value, op.total_ns as f64 / 1e9, "the calls' exact time, in seconds");
    let value = |name: &str| samples.iter().find(|s| s.name == name).map(|s| s.value);
    assert_eq!(value("profiler_cache_hits_total"), Some(7.0));
    assert_eq!(value("profiler_cache_misses_total"), Some(3.0));
    assert_eq!(value("profiler_api_tokens_total"), Some(154.0));
    assert_eq!(value("profiler_api_cost_usd_total"), Some(0.0035));
    let tokens: Vec<_> =
        samples.iter().filter(|s| s.name == "profiler_api_model_tokens_total").collect();
    assert_eq!(tokens.len(), 2, "input and output");
    assert!(tokens.iter().all(|s| s.labels["gen_ai_request_model"] == HOSTILE));
    let input = tokens.iter().find(|s| s.labels["gen_ai_token_type"] == "input").unwrap();
    assert_eq!(input.value, 30.0);
    let counter = samples.iter().find(|s| s.name == "profiler_custom_total").unwrap();
    assert_eq!((counter.labels["name"].as_str(), counter.value), ("exports::rows \"seen\"", 12.0));
    let items = samples.iter().find(|s| s.name == "profiler_stage_items_total").unwrap();
    assert_eq!((items.labels["stage"].as_str(), items.value), ("exports::parse", 40.0));
    assert!(samples.iter().all(|s| !s.family.is_empty()));
}

#[test]
fn openmetrics_names_counter_families_without_total_and_ends_with_eof() {
    let r = report();
    let text = r.to_openmetrics();
    assert!(text.ends_with("# EOF\n"), "{text}");
    let (samples, types) = parse(&text, true);
    assert_eq!(types["profiler_calls"], "counter");
    assert!(!types.contains_key("profiler_calls_total"));
    assert!(samples.iter().any(|s| s.name == "profiler_calls_total" && s.value == 20.0));
}
