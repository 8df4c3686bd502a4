//! Exports: renderers over a [`SessionReport`](crate::SessionReport) for
//! other tools, beside the text summary and the JSON. Each reads only the
//! report, so a saved report exports the same as a live one.
//!
//! - [`folded`]: folded stacks (`root;child;leaf 1234`, self time in ns)
//!   from the call tree, for flame graph tools.
//! - [`chrome`]: Chrome trace event JSON from the full level's call trace,
//!   for Perfetto and `chrome://tracing` (feature `json`).
//! - [`flamegraph`]: an SVG flame graph of the call tree, drawn by
//!   `inferno` (feature `flamegraph`).
//! - [`prometheus`]: the Prometheus text format and OpenMetrics, for a
//!   `/metrics` endpoint or a textfile collector.

#[cfg(feature = "json")]
pub(crate) mod chrome;
#[cfg(feature = "flamegraph")]
pub(crate) mod flamegraph;
pub(crate) mod folded;
pub(crate) mod prometheus;
