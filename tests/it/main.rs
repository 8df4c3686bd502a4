//! Behaviour tests for profiler-runtime, linked into one binary.
//!
//! Every test uses its own `Monitor` (and routes calls to it with `scope` or
//! `bind`), so the suite runs in parallel without touching the global one.
//! Operation and counter names are process-wide, so each module prefixes its
//! names with its own (`sessions::work`, `calls::shared`, ...).
//!
//! The process-wide `profiler_runtime::disable()` is deliberately not tested
//! here: it would stop the counting of every test running beside it. The
//! per-monitor `Monitor::disable` is tested instead (`operations`, `concurrency`).

mod core_api;
mod signatures;

mod alerts;
mod async_calls;
mod bottlenecks;
mod cache;
mod calls;
mod concurrency;
mod config;
mod counters;
mod exports;
mod findings;
mod history;
mod hostile;
mod memory;
mod names;
mod nesting;
mod operations;
mod polling;
mod properties;
mod recording;
mod report_json;
mod routing;
mod sampling;
mod serve;
mod sessions;
mod spans;
mod standalone;
mod timing;
mod windows;
