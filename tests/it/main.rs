//! Behaviour tests for profiler-runtime, linked into one binary.
//!
//! Every test uses its own `Monitor` (and routes calls to it with `scope` or
//! `bind`), so the suite runs in parallel without touching the global one.

mod core_api;
mod signatures;
