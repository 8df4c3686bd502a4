//! Chrome trace event JSON from the full level's call trace: sync calls and
//! polls as complete events on their threads (a thread runs one at a time,
//! so they nest), each future as an async begin/end pair with its id
//! (futures overlap and move between threads, which complete events on one
//! thread cannot show), and the threads' names as metadata events.

use crate::report::{CallEventKind, SessionReport};
use crate::{Error, Level};
use serde_json::{json, Value};

/// Nanoseconds as the format's microseconds.
fn micros(ns: u64) -> f64 {
    ns as f64 / 1e3
}

impl SessionReport {
    /// The session's call trace as Chrome trace event JSON, for Perfetto
    /// (ui.perfetto.dev) and `chrome://tracing`: every sync call and poll a
    /// complete event (`"ph": "X"`) on its thread, every future an async
    /// pair (`"b"` and `"e"` with its id) from its first poll to its
    /// completion, threads named. Times are microseconds from the session's
    /// start. Needs the call trace ([`Level::Full`]): else
    /// [`Error::NotRecorded`]. Feature `json`.
    ///
    /// ```
    /// use profiler_runtime::{Level, Monitor};
    ///
    /// #[profiler_runtime::monitor("step")]
    /// fn step() {}
    ///
    /// let m = Monitor::new();
    /// m.set_level(Level::Full);
    /// m.start_session("trace");
    /// m.scope(step);
    /// let json = m.end_session().unwrap().to_chrome_trace()?;
    /// let trace: serde_json::Value = serde_json::from_str(&json).unwrap();
    /// let events = trace["traceEvents"].as_array().unwrap();
    /// assert!(events.iter().any(|e| e["name"] == "step" && e["ph"] == "X"));
    /// # Ok::<(), profiler_runtime::Error>(())
    /// ```
    pub fn to_chrome_trace(&self) -> Result<String, Error> {
        let trace = self.trace.as_ref().ok_or(Error::NotRecorded {
            export: "a Chrome trace",
            needs: "call trace",
            level: Level::Full,
        })?;
        let mut events: Vec<Value> = Vec::with_capacity(trace.events.len() + trace.threads.len());
        events.push(json!({
            "name": "process_name", "ph": "M", "pid": 1, "tid": 0,
            "args": { "name": format!("session {}", self.session_id) },
        }));
        for (i, name) in trace.threads.iter().enumerate() {
            events.push(json!({
                "name": "thread_name", "ph": "M", "pid": 1, "tid": i + 1,
                "args": { "name": name },
            }));
        }
        for e in &trace.events {
            let ts = micros(e.start_ns);
            match e.kind {
                CallEventKind::Call | CallEventKind::Poll => {
                    let (cat, args) = match (e.kind, e.call) {
                        (CallEventKind::Poll, Some(future)) => {
                            ("poll", json!({ "id": e.id, "future": future }))
                        }
                        (CallEventKind::Poll, None) => ("poll", json!({ "id": e.id })),
                        _ => ("call", json!({ "id": e.id })),
                    };
                    events.push(json!({
                        "name": e.operation, "cat": cat, "ph": "X", "ts": ts,
                        "dur": micros(e.duration_ns), "pid": 1, "tid": e.thread, "args": args,
                    }));
                }
                CallEventKind::AsyncCall => {
                    let id = format!("{:#x}", e.id);
                    events.push(json!({
                        "name": e.operation, "cat": "future", "ph": "b", "id": id, "ts": ts,
                        "pid": 1, "tid": e.thread,
                    }));
                    events.push(json!({
                        "name": e.operation, "cat": "future", "ph": "e", "id": id,
                        "ts": micros(e.start_ns.saturating_add(e.duration_ns)),
                        "pid": 1, "tid": e.thread,
                    }));
                }
            }
        }
        let out = json!({
            "traceEvents": events,
            "displayTimeUnit": "ns",
            "otherData": {
                "session": self.session_id,
                "events_dropped": trace.dropped,
            },
        });
        Ok(serde_json::to_string(&out)?)
    }
}
