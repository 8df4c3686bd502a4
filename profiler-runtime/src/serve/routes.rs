//! What each path answers, from the served monitor's live report: the
//! Prometheus or OpenMetrics text, the report as JSON, the dashboard page
//! and a health check. Read-only: `GET` and `HEAD`, nothing else.

use super::http::{Request, Response};
use crate::monitor::Monitor;
use crate::report::windows::WindowTracker;
use crate::report::SessionReport;
use std::time::Instant;

/// The dashboard: one page, everything inline, that polls `report.json`.
const DASHBOARD: &str = include_str!("dashboard.html");

const PROMETHEUS_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";
const OPENMETRICS_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// The served monitor and the windows tracked over its reports.
pub(crate) struct Site {
    monitor: Monitor,
    windows: WindowTracker,
    started: Instant,
}

impl Site {
    pub(crate) fn new(monitor: Monitor, now: Instant) -> Site {
        let mut site = Site { monitor, windows: WindowTracker::new(0), started: now };
        site.tick(now);
        site
    }

    fn secs(&self, now: Instant) -> u64 {
        now.saturating_duration_since(self.started).as_secs()
    }

    /// The report to serve now, with the windows brought up to date by it:
    /// the running session's, else the last ended one's; `None` before any
    /// session.
    fn report(&mut self, now: Instant) -> Option<SessionReport> {
        let secs = self.secs(now);
        let live = self.monitor.current_report();
        // A session that ended since the last look: count its last calls
        // before the next session's.
        let ended = match (self.windows.sequence(), &live) {
            (Some(seen), Some(r)) if r.sequence != seen => self.ended(seen),
            (Some(seen), None) => self.ended(seen),
            _ => None,
        };
        if let Some(ended) = &ended {
            self.windows.observe(secs, ended);
        }
        let mut report = live.or(ended).or_else(|| self.monitor.session_history().pop())?;
        self.windows.observe(secs, &report);
        report.windows = Some(self.windows.windows(secs));
        Some(report)
    }

    fn ended(&self, sequence: u64) -> Option<SessionReport> {
        self.monitor.session_history().into_iter().rev().find(|r| r.sequence == sequence)
    }

    /// Brings the windows up to date (the serving thread calls it every few
    /// seconds, so they fill whether or not anyone asks).
    pub(crate) fn tick(&mut self, now: Instant) {
        let _ = self.report(now);
    }

    /// The response to `request`.
    pub(crate) fn respond(&mut self, request: &Request, now: Instant) -> Response {
        if request.method != "GET" && request.method != "HEAD" {
            return Response::text(405, "read-only: use GET or HEAD\n");
        }
        match request.path.as_str() {
            "/" | "/index.html" => {
                Response::new(200, "text/html; charset=utf-8", DASHBOARD.as_bytes().to_vec())
            }
            "/healthz" => Response::text(200, "ok\n"),
            "/metrics" => {
                let openmetrics = request
                    .accept
                    .as_deref()
                    .is_some_and(|a| a.contains("application/openmetrics-text"));
                let report = self.report(now);
                let (text, kind) = match (&report, openmetrics) {
                    (Some(r), true) => (r.to_openmetrics(), OPENMETRICS_TYPE),
                    (Some(r), false) => (r.to_prometheus(), PROMETHEUS_TYPE),
                    (None, true) => ("# EOF\n".to_owned(), OPENMETRICS_TYPE),
                    (None, false) => (String::new(), PROMETHEUS_TYPE),
                };
                Response::new(200, kind, text.into_bytes())
            }
            "/report.json" => match self.report(now) {
                Some(report) => match report.to_json() {
                    Ok(json) => Response::new(200, "application/json", json.into_bytes()),
                    Err(e) => Response::text(500, &format!("the report did not serialize: {e}\n")),
                },
                None => Response::new(
                    503,
                    "application/json",
                    br#"{"error":"no session has started"}"#.to_vec(),
                ),
            },
            _ => Response::text(
                404,
                "not found: the endpoint serves /, /metrics, /report.json and /healthz\n",
            ),
        }
    }
}
