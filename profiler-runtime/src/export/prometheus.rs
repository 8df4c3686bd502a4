//! The Prometheus text exposition format (0.0.4) and OpenMetrics 1.0: per
//! operation a call counter, a failure counter and a duration histogram in
//! seconds; the cache, API and custom counters; stages. Every family has one
//! `HELP` and one `TYPE` line before its samples, label values are escaped,
//! and a histogram's `+Inf` bucket equals its `_count`.

use crate::report::windows::WindowCounts;
use crate::report::{ModelSpend, NamedCacheStats, OperationStats, SessionReport, StageStats};
use std::fmt::Write as _;

/// The duration buckets' upper bounds in seconds: fixed, so every scrape
/// has the same `le` set (what `histogram_quantile` and `rate` need); the
/// report's own histogram is finer, and each bound takes the calls whose
/// bucket lies at or below it.
const BOUNDS: [f64; 25] = [
    1e-6, 2.5e-6, 5e-6, 1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 0.01, 0.025,
    0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 25.0, 50.0, 100.0,
];

/// A family over rows of `T`: its name, its help, each row's value.
type Family<T> = (&'static str, &'static str, fn(&T) -> f64);

/// Which of the two formats.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Flavor {
    Prometheus,
    OpenMetrics,
}

/// A label value escaped for both formats: backslash, double quote and
/// line feed.
pub(crate) fn escape_label(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// `{a="x",b="y"}` from pairs, or nothing for none.
fn labels(pairs: &[(&str, &str)]) -> String {
    if pairs.is_empty() {
        return String::new();
    }
    let inner: Vec<String> =
        pairs.iter().map(|(k, v)| format!("{k}=\"{}\"", escape_label(v))).collect();
    format!("{{{}}}", inner.join(","))
}

/// A float the way both formats read it.
fn number(v: f64) -> String {
    if v.is_infinite() {
        if v > 0.0 { "+Inf" } else { "-Inf" }.to_owned()
    } else if v.is_nan() {
        "NaN".to_owned()
    } else {
        format!("{v}")
    }
}

/// An operation's labels: its name, and its component where it has one.
fn op_labels(op: &OperationStats) -> Vec<(&'static str, String)> {
    let mut pairs = vec![("operation", op.name.clone())];
    if let Some(c) = &op.component {
        pairs.push(("component", c.clone()));
    }
    pairs
}

/// Owned pairs as borrowed ones.
fn as_refs<'a>(pairs: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    pairs.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// The text being written, one family at a time.
struct Writer {
    flavor: Flavor,
    out: String,
}

impl Writer {
    /// Starts family `name` (without `_total` for a counter) of `kind`.
    fn family(&mut self, name: &str, kind: &str, help: &str) {
        let family = match (self.flavor, kind) {
            (Flavor::Prometheus, "counter") => format!("{name}_total"),
            _ => name.to_owned(),
        };
        let _ = writeln!(self.out, "# HELP {family} {help}");
        let _ = writeln!(self.out, "# TYPE {family} {kind}");
    }

    /// One sample of a counter family `name`.
    fn counter(&mut self, name: &str, pairs: &[(&str, &str)], value: f64) {
        let _ = writeln!(self.out, "{name}_total{} {}", labels(pairs), number(value));
    }

    /// One sample with its full name.
    fn sample(&mut self, name: &str, pairs: &[(&str, &str)], value: f64) {
        let _ = writeln!(self.out, "{name}{} {}", labels(pairs), number(value));
    }
}

impl SessionReport {
    /// The report in the Prometheus text exposition format (version
    /// 0.0.4), what a `/metrics` endpoint serves: per operation
    /// `profiler_calls_total`, `profiler_failures_total` and the
    /// `profiler_call_duration_seconds` histogram (label `operation`, and
    /// `component` where it has one); `profiler_cache_{hits,misses}_total`;
    /// per named cache (a `MonitoredCache`, feature `cache`)
    /// `profiler_cache_lookups_total` (labels `cache` and `result`: `hit` or
    /// `miss`) and `profiler_cache_{evictions,expirations}_total` (label
    /// `cache`);
    /// `profiler_api_{calls,errors,tokens}_total` and
    /// `profiler_api_cost_usd_total`; per model (calls recorded with
    /// `Monitor::api_call`) `profiler_api_model_{calls,errors,cost_usd}_total`
    /// (label `gen_ai_request_model`, OpenTelemetry's GenAI name) and
    /// `profiler_api_model_tokens_total` (also `gen_ai_token_type`: `input`
    /// or `output`); `profiler_custom_total{name=..}`;
    /// per stage `profiler_stage_{runs,items,seconds}_total`; and, in a
    /// served report, the gauges `profiler_recent_calls` and
    /// `profiler_recent_failures` (labels `operation` and `window`: `1m`,
    /// `1h`, `24h`) from its sliding windows.
    ///
    /// A sampled operation's histogram holds its timed calls (its
    /// `_count` is `timed_calls`); its call counter counts every call.
    ///
    /// ```
    /// let m = profiler_runtime::Monitor::new();
    /// m.start_session("metrics");
    /// m.operation("load \"users\"").start().finish();
    /// m.record_cache_hit();
    /// let text = m.end_session().unwrap().to_prometheus();
    /// assert!(text.contains("profiler_calls_total{operation=\"load \\\"users\\\"\"} 1\n"));
    /// assert!(text.contains("# TYPE profiler_call_duration_seconds histogram\n"));
    /// assert!(text.contains("profiler_cache_hits_total 1\n"));
    /// ```
    pub fn to_prometheus(&self) -> String {
        self.metrics(Flavor::Prometheus)
    }

    /// The same figures as [`SessionReport::to_prometheus`] in OpenMetrics
    /// 1.0 text (`application/openmetrics-text; version=1.0.0`): counter
    /// families named without `_total` (their samples keep it), and
    /// `# EOF` at the end.
    pub fn to_openmetrics(&self) -> String {
        let mut text = self.metrics(Flavor::OpenMetrics);
        text.push_str("# EOF\n");
        text
    }

    fn metrics(&self, flavor: Flavor) -> String {
        let mut w = Writer { flavor, out: String::new() };

        if !self.operations.is_empty() {
            let counters: [Family<OperationStats>; 2] = [
                ("profiler_calls", "Completed calls of each monitored operation.", |op| {
                    op.calls as f64
                }),
                (
                    "profiler_failures",
                    "Calls of each operation that returned an error or panicked.",
                    |op| op.failures as f64,
                ),
            ];
            for (family, help, value) in counters {
                w.family(family, "counter", help);
                for op in &self.operations {
                    w.counter(family, &as_refs(&op_labels(op)), value(op));
                }
            }
            w.family(
                "profiler_call_duration_seconds",
                "histogram",
                "Duration of the timed calls of each operation, in seconds.",
            );
            for op in &self.operations {
                let base = op_labels(op);
                let count = op.histogram.count();
                for bound in BOUNDS {
                    let mut pairs = base.clone();
                    let le = number(bound);
                    pairs.push(("le", le));
                    let at_most = op.histogram.count_at_most((bound * 1e9) as u64);
                    w.sample(
                        "profiler_call_duration_seconds_bucket",
                        &as_refs(&pairs),
                        at_most as f64,
                    );
                }
                let mut pairs = base.clone();
                pairs.push(("le", "+Inf".to_owned()));
                w.sample("profiler_call_duration_seconds_bucket", &as_refs(&pairs), count as f64);
                // The timed calls' time: exact unless sampled (then from their mean).
                let timed_ns = if op.estimated {
                    op.mean_ns as f64 * count as f64
                } else {
                    op.total_ns as f64
                };
                let sum_s = timed_ns / 1e9;
                w.sample("profiler_call_duration_seconds_sum", &as_refs(&base), sum_s);
                w.sample("profiler_call_duration_seconds_count", &as_refs(&base), count as f64);
            }
        }

        if let Some(windows) = self.windows.as_ref().filter(|w| !w.operations.is_empty()) {
            let gauges: [Family<WindowCounts>; 2] = [
                (
                    "profiler_recent_calls",
                    "Calls of each operation in the last minute, hour and 24 hours (label window).",
                    |c| c.calls as f64,
                ),
                (
                    "profiler_recent_failures",
                    "Failed calls of each operation in the last minute, hour and 24 hours (label window).",
                    |c| c.failures as f64,
                ),
            ];
            for (family, help, value) in gauges {
                w.family(family, "gauge", help);
                for op in &windows.operations {
                    for (window, counts) in
                        [("1m", &op.last_minute), ("1h", &op.last_hour), ("24h", &op.last_24h)]
                    {
                        let pairs = [("operation", op.name.as_str()), ("window", window)];
                        w.sample(family, &pairs, value(counts));
                    }
                }
            }
        }

        w.family("profiler_cache_hits", "counter", "Cache lookups that hit.");
        w.counter("profiler_cache_hits", &[], self.cache.hits as f64);
        w.family("profiler_cache_misses", "counter", "Cache lookups that missed.");
        w.counter("profiler_cache_misses", &[], self.cache.misses as f64);
        if !self.cache.caches.is_empty() {
            w.family(
                "profiler_cache_lookups",
                "counter",
                "Lookups in each named cache, by result (hit, miss).",
            );
            for c in &self.cache.caches {
                for (result, n) in [("hit", c.hits), ("miss", c.misses)] {
                    let pairs = [("cache", c.name.as_str()), ("result", result)];
                    w.counter("profiler_cache_lookups", &pairs, n as f64);
                }
            }
            let per_cache: [Family<NamedCacheStats>; 2] = [
                (
                    "profiler_cache_evictions",
                    "Entries each named cache pushed out to make room.",
                    |c| c.evictions as f64,
                ),
                (
                    "profiler_cache_expirations",
                    "Entries each named cache found past their time to live.",
                    |c| c.expirations as f64,
                ),
            ];
            for (family, help, value) in per_cache {
                w.family(family, "counter", help);
                for c in &self.cache.caches {
                    w.counter(family, &[("cache", &c.name)], value(c));
                }
            }
        }
        w.family("profiler_api_calls", "counter", "Paid API calls made.");
        w.counter("profiler_api_calls", &[], self.api.calls as f64);
        w.family("profiler_api_errors", "counter", "Paid API calls that failed.");
        w.counter("profiler_api_errors", &[], self.api.errors as f64);
        w.family("profiler_api_tokens", "counter", "Tokens the API calls used.");
        w.counter("profiler_api_tokens", &[], self.api.tokens as f64);
        w.family(
            "profiler_api_cost_usd",
            "counter",
            "Estimated cost of the API calls, US dollars.",
        );
        w.counter("profiler_api_cost_usd", &[], self.api.cost_usd);

        if !self.api.models.is_empty() {
            // Labels named as OpenTelemetry's GenAI conventions name them
            // (`gen_ai.request.model`, `gen_ai.token.type`), dots as
            // underscores the way its Prometheus exporter writes them.
            let per_model: [Family<ModelSpend>; 3] = [
                ("profiler_api_model_calls", "Paid API calls made, per model.", |m| m.calls as f64),
                ("profiler_api_model_errors", "Paid API calls that failed, per model.", |m| {
                    m.errors as f64
                }),
                (
                    "profiler_api_model_cost_usd",
                    "Estimated cost of the API calls, per model, US dollars.",
                    |m| m.cost_usd,
                ),
            ];
            for (family, help, value) in per_model {
                w.family(family, "counter", help);
                for m in &self.api.models {
                    w.counter(family, &[("gen_ai_request_model", &m.model)], value(m));
                }
            }
            w.family(
                "profiler_api_model_tokens",
                "counter",
                "Tokens of the API calls, per model and token type (input, output).",
            );
            for m in &self.api.models {
                for (kind, n) in [("input", m.input_tokens), ("output", m.output_tokens)] {
                    let pairs =
                        [("gen_ai_request_model", m.model.as_str()), ("gen_ai_token_type", kind)];
                    w.counter("profiler_api_model_tokens", &pairs, n as f64);
                }
            }
        }

        if !self.counters.is_empty() {
            w.family("profiler_custom", "counter", "Custom counters, by name.");
            for (name, value) in &self.counters {
                w.counter("profiler_custom", &[("name", name)], *value as f64);
            }
        }
        if !self.stages.is_empty() {
            let per_stage: [Family<StageStats>; 3] = [
                ("profiler_stage_runs", "Runs of each stage.", |s| s.runs as f64),
                ("profiler_stage_items", "Items each stage processed.", |s| s.items as f64),
                ("profiler_stage_seconds", "Time spent in each stage, seconds.", |s| {
                    s.total_ns as f64 / 1e9
                }),
            ];
            for (family, help, value) in per_stage {
                w.family(family, "counter", help);
                for s in &self.stages {
                    w.counter(family, &[("stage", &s.name)], value(s));
                }
            }
        }
        w.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_escape_what_would_end_or_break_them() {
        assert_eq!(escape_label(r#"a\b"c"#), r#"a\\b\"c"#);
        assert_eq!(escape_label("two\nlines"), "two\\nlines");
        assert_eq!(labels(&[("operation", "x"), ("le", "+Inf")]), r#"{operation="x",le="+Inf"}"#);
        assert_eq!(labels(&[]), "");
    }

    #[test]
    fn numbers_read_back() {
        assert_eq!(number(0.0207), "0.0207");
        assert_eq!(number(3.0), "3");
        assert_eq!(number(f64::INFINITY), "+Inf");
        assert_eq!(number(1e-6), "0.000001");
    }
}
