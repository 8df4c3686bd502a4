//! One read of a program's `/report.json`, and what the view keeps across
//! reads: the latest figures and the state of the connection.

use super::fetch::{self, Response};
use crate::endpoint::Endpoint;
use profiler_runtime::SessionReport;
use profiler_runtime::Windows;
use std::time::{Duration, Instant};

/// The path the endpoint serves its live report at.
pub(crate) const REPORT_PATH: &str = "/report.json";

/// What one read found.
#[derive(Debug)]
pub(crate) enum Reading {
    /// The live report, with its windows when the endpoint tracks them.
    Report(Box<SessionReport>, Option<Windows>),
    /// The program answers but has not started a session (503).
    NoSession,
    /// No report: why, in a few words (`connection refused`).
    Failed(String),
}

/// Reads the report from `endpoint` once.
pub(crate) fn read(endpoint: &Endpoint) -> Reading {
    match fetch::get(endpoint, REPORT_PATH, fetch::TIMEOUT) {
        Ok(response) => interpret(&response),
        Err(e) => Reading::Failed(e.to_string()),
    }
}

/// What a response means for the view.
pub(crate) fn interpret(response: &Response) -> Reading {
    match response.status {
        200 => match SessionReport::from_json(&response.body) {
            Ok(report) => {
                let windows = report.windows.clone();
                Reading::Report(Box::new(report), windows)
            }
            Err(e) => Reading::Failed(e.to_string()),
        },
        503 => Reading::NoSession,
        404 => Reading::Failed(format!(
            "HTTP 404: no {REPORT_PATH} here (is this the program's endpoint?)"
        )),
        status => Reading::Failed(format!("HTTP {status}")),
    }
}

/// The state of the connection, as the header shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Connection {
    /// No answer yet.
    Connecting,
    /// The last read brought a report.
    Live,
    /// The program answers, with no session.
    Waiting,
    /// The last read failed, for this reason.
    Disconnected(String),
}

/// The latest figures and the connection, across reads.
#[derive(Debug)]
pub(crate) struct Watch {
    /// The last report read, kept while the program is away.
    pub(crate) report: Option<SessionReport>,
    /// Its windows, if it had them.
    pub(crate) windows: Option<Windows>,
    /// How the last read went.
    pub(crate) connection: Connection,
    /// When the report was read.
    pub(crate) read_at: Option<Instant>,
}

impl Watch {
    /// Nothing read yet.
    pub(crate) fn new() -> Watch {
        Watch { report: None, windows: None, connection: Connection::Connecting, read_at: None }
    }

    /// Takes in a reading made at `now`.
    pub(crate) fn update(&mut self, reading: Reading, now: Instant) {
        match reading {
            Reading::Report(report, windows) => {
                self.report = Some(*report);
                self.windows = windows;
                self.read_at = Some(now);
                self.connection = Connection::Live;
            }
            Reading::NoSession => self.connection = Connection::Waiting,
            Reading::Failed(why) => self.connection = Connection::Disconnected(why),
        }
    }

    /// How old the figures shown are at `now`.
    pub(crate) fn age(&self, now: Instant) -> Option<Duration> {
        self.read_at.map(|at| now.saturating_duration_since(at))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: u16, body: &str) -> Response {
        Response { status, body: body.to_owned() }
    }

    #[test]
    fn statuses_become_readings() {
        assert!(matches!(
            interpret(&response(503, "{\"error\":\"no session has started\"}")),
            Reading::NoSession
        ));
        let Reading::Failed(why) = interpret(&response(200, "{\"name\": \"web\"}")) else {
            panic!()
        };
        assert!(why.starts_with("not a valid session report"), "{why}");
        let Reading::Failed(why) = interpret(&response(500, "")) else { panic!() };
        assert_eq!(why, "HTTP 500");
    }

    #[test]
    fn a_failed_read_keeps_the_last_figures() {
        let m = profiler_runtime::Monitor::new();
        m.start_session("kept");
        let report = m.end_session().unwrap();
        let mut watch = Watch::new();
        let start = Instant::now();
        watch.update(Reading::Report(Box::new(report), None), start);
        assert_eq!(watch.connection, Connection::Live);
        let later = start + Duration::from_secs(3);
        watch.update(Reading::Failed("connection refused".to_owned()), later);
        assert_eq!(watch.connection, Connection::Disconnected("connection refused".to_owned()));
        assert_eq!(watch.report.as_ref().map(|r| r.session_id.as_str()), Some("kept"));
        assert_eq!(watch.age(later), Some(Duration::from_secs(3)));
        watch.update(Reading::NoSession, later);
        assert_eq!(watch.connection, Connection::Waiting);
    }
}
