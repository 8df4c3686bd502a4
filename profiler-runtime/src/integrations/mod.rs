//! Ready-made instrumented pieces built on the facade: each records into a
//! [`Monitor`](crate::Monitor) what a caller would otherwise count by hand.
//! Each sits behind its own cargo feature.

#[cfg(feature = "cache")]
pub(crate) mod cache;
#[cfg(feature = "tracing")]
pub(crate) mod tracing;
