//! Manual operations, for code that cannot carry `#[monitor]`: a closure
//! passed to a library, a span of a loop, a request handled by a framework.

use super::events::{self, OperationEvent, MAX_METADATA, MAX_METADATA_TEXT};
use super::Core;
use crate::record::call::guard::{Active, Shape};
use crate::record::call::outcome::Outcome;
use crate::record::sites::callsite::{self, Callsite};
use crate::record::sync::lock;
use std::fmt;

/// A running manual operation; see [`crate::Monitor::start_operation`] and
/// [`OperationSite::start`].
///
/// Recorded as a success when dropped or [`finish`](Operation::finish)ed, as a
/// failure by [`fail`](Operation::fail) or when dropped during a panic. One
/// that failed or carries metadata is also kept in the report's event log.
pub struct Operation {
    core: &'static Core,
    name: &'static str,
    active: Option<Active>,
    metadata: Vec<(String, String)>,
}

impl fmt::Debug for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Operation")
            .field("name", &self.name)
            .field("metadata", &self.metadata)
            .finish()
    }
}

/// A manual operation's name, looked up once; see [`crate::Monitor::operation`].
///
/// Starting an operation through it takes no lock and does no lookup, like a
/// `#[monitor]` function's call. Cheap to copy and to use from any thread.
#[derive(Clone, Copy)]
pub struct OperationSite {
    core: &'static Core,
    site: &'static Callsite,
}

impl fmt::Debug for OperationSite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OperationSite").field("name", &self.site.manual_name()).finish()
    }
}

impl OperationSite {
    pub(crate) fn new(core: &'static Core, name: &str, component: Option<&str>) -> OperationSite {
        OperationSite { core, site: callsite::manual(name, component) }
    }

    /// Starts timing one operation of this name.
    pub fn start(&self) -> Operation {
        Operation {
            core: self.core,
            name: self.site.manual_name(),
            active: Active::start(self.core.recorder, self.site, Shape::Manual),
            metadata: Vec::new(),
        }
    }
}

impl Operation {
    /// Attaches a key-value pair (at most 16 per operation, each cut to 200
    /// bytes), shown with the operation in the report's event log.
    pub fn metadata(&mut self, key: impl fmt::Display, value: impl fmt::Display) -> &mut Self {
        if self.metadata.len() < MAX_METADATA {
            self.metadata.push((
                events::truncate(&key.to_string(), MAX_METADATA_TEXT),
                events::truncate(&value.to_string(), MAX_METADATA_TEXT),
            ));
        }
        self
    }

    /// Ends the operation as a success.
    pub fn finish(mut self) {
        self.end(Outcome::Success);
    }

    /// Ends the operation as a failure with `error`'s text.
    pub fn fail(mut self, error: impl fmt::Display) {
        self.end(Outcome::Failure(Some(&error)));
    }

    fn end(&mut self, outcome: Outcome<'_>) {
        let Some(active) = self.active.take() else { return };
        let error = match outcome {
            Outcome::Failure(Some(e)) => Some(events::truncate(
                &e.to_string(),
                crate::record::storage::error_text::MAX_ERROR_TEXT,
            )),
            _ => None,
        };
        let failed = matches!(outcome, Outcome::Failure(_));
        let duration_ns = active.finish_manual(outcome);
        if failed || !self.metadata.is_empty() {
            lock(&self.core.events).push(OperationEvent {
                name: self.name.to_owned(),
                duration_ns,
                failed,
                error,
                metadata: std::mem::take(&mut self.metadata),
            });
        }
    }
}

impl Drop for Operation {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.end(Outcome::Failure(Some(&crate::record::call::panic_text::PanicText)));
        } else {
            self.end(Outcome::Success);
        }
    }
}
