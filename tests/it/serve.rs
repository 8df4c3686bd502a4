//! The endpoint over real sockets: what each path answers, what it refuses,
//! that silent and slow clients hold nobody up, and how it fails to start.

use profiler_runtime::{monitor, Error, Monitor, ServeHandle, ServeOptions, SessionReport};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::Duration;

#[monitor("serve::handle")]
fn handle(fail: bool) -> Result<u32, String> {
    if fail {
        Err("no".into())
    } else {
        Ok(1)
    }
}

/// A monitor with a running session of 3 calls (1 failed), 2 cache hits and
/// 1 miss, served on a free loopback port.
fn served() -> (Monitor, ServeHandle) {
    let m = Monitor::new();
    m.start_session("serve-test");
    m.scope(|| {
        let _ = handle(false);
        let _ = handle(false);
        let _ = handle(true);
    });
    m.record_cache(2, 1);
    let endpoint = ServeOptions::new("127.0.0.1:0").monitor(&m).start().unwrap();
    (m, endpoint)
}

struct Answer {
    status: u16,
    head: String,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }
}

/// Sends `raw` and reads the whole answer (the endpoint closes after it).
fn send(addr: SocketAddr, raw: &[u8]) -> Answer {
    let mut s = TcpStream::connect(addr).unwrap();
    // Under the 5 s a stalled client is given: a server that waited on one
    // would fail this read.
    s.set_read_timeout(Some(Duration::from_secs(4))).unwrap();
    s.write_all(raw).unwrap();
    let mut bytes = Vec::new();
    s.read_to_end(&mut bytes).unwrap();
    let text = String::from_utf8(bytes).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").expect("a head and a body");
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    Answer { status, head: head.to_owned(), body: body.to_owned() }
}

fn get(addr: SocketAddr, path: &str) -> Answer {
    send(addr, format!("GET {path} HTTP/1.1\r\nHost: test\r\n\r\n").as_bytes())
}

#[test]
fn metrics_are_prometheus_text_or_openmetrics_when_asked() {
    let (_m, endpoint) = served();
    let plain = get(endpoint.local_addr(), "/metrics");
    assert_eq!(plain.status, 200);
    assert!(plain.header("content-type").unwrap().starts_with("text/plain; version=0.0.4"));
    assert!(
        plain.body.contains("profiler_calls_total{operation=\"serve::handle\"} 3\n"),
        "{}",
        plain.body
    );
    assert!(plain.body.contains("profiler_failures_total{operation=\"serve::handle\"} 1\n"));
    assert!(plain.body.contains("profiler_cache_hits_total 2\n"));
    assert!(!plain.body.contains("# EOF"));

    let om = send(
        endpoint.local_addr(),
        b"GET /metrics HTTP/1.1\r\nAccept: application/openmetrics-text;version=1.0.0,text/plain;q=0.5\r\n\r\n",
    );
    assert_eq!(om.status, 200);
    assert!(om
        .header("content-type")
        .unwrap()
        .starts_with("application/openmetrics-text; version=1.0.0"));
    assert!(om.body.ends_with("# EOF\n"));
    assert!(om.body.contains("# TYPE profiler_calls counter\n"));
}

#[test]
fn the_report_is_the_live_session_with_windows_that_count_calls_since_serving_began() {
    let (m, endpoint) = served();
    // Calls before the endpoint started are in the totals, not the windows.
    m.scope(|| {
        let _ = handle(false);
        let _ = handle(true);
    });
    let answer = get(endpoint.local_addr(), "/report.json");
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("content-type"), Some("application/json"));
    let report = SessionReport::from_json(&answer.body).unwrap();
    assert!(!report.ended);
    assert_eq!(report.session_id, "serve-test");
    assert_eq!(report.operation("serve::handle").unwrap().calls, 5);
    let windows = report.windows.expect("a served report has windows");
    let op = windows.operation("serve::handle").unwrap();
    assert_eq!((op.last_minute.calls, op.last_minute.failures), (2, 1));
    assert_eq!(op.last_24h.calls, 2);
    // The same windows reach the metrics.
    let metrics = get(endpoint.local_addr(), "/metrics").body;
    assert!(
        metrics.contains("profiler_recent_calls{operation=\"serve::handle\",window=\"1m\"} 2\n"),
        "{metrics}"
    );
}

#[test]
fn the_page_the_health_check_and_head_requests() {
    let (_m, endpoint) = served();
    let page = get(endpoint.local_addr(), "/");
    assert_eq!(page.status, 200);
    assert!(page.header("content-type").unwrap().starts_with("text/html"));
    assert!(page.body.contains("report.json"), "the page polls the report");
    assert!(!page.body.contains("<script src="), "the page loads nothing from elsewhere");
    assert_eq!(get(endpoint.local_addr(), "/healthz").body, "ok\n");

    let head = send(endpoint.local_addr(), b"HEAD /metrics HTTP/1.1\r\n\r\n");
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    let full = get(endpoint.local_addr(), "/metrics");
    assert_eq!(head.header("content-length").unwrap(), full.body.len().to_string());
}

#[test]
fn other_methods_unknown_paths_and_garbage_are_refused() {
    let (_m, endpoint) = served();
    let addr = endpoint.local_addr();
    let post = send(addr, b"POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
    assert_eq!(post.status, 405);
    assert_eq!(post.header("allow"), Some("GET, HEAD"));
    assert_eq!(send(addr, b"DELETE /report.json HTTP/1.1\r\n\r\n").status, 405);
    let missing = get(addr, "/admin");
    assert_eq!(missing.status, 404);
    assert!(missing.body.contains("/metrics"), "a 404 says what is served");
    assert_eq!(send(addr, b"\x16\x03\x01 hello\r\n\r\n").status, 400);
    assert_eq!(send(addr, b"GET / SPDY/3\r\n\r\n").status, 505);
    // Still serving after all that.
    assert_eq!(get(addr, "/healthz").status, 200);
}

#[test]
fn a_silent_client_and_one_that_never_reads_hold_up_nobody() {
    let (_m, endpoint) = served();
    let addr = endpoint.local_addr();
    // Connects and sends nothing.
    let _silent = TcpStream::connect(addr).unwrap();
    // Sends half a request and stops.
    let mut half = TcpStream::connect(addr).unwrap();
    half.write_all(b"GET /metr").unwrap();
    // Asks for the report and never reads it.
    let mut deaf = TcpStream::connect(addr).unwrap();
    deaf.write_all(b"GET /report.json HTTP/1.1\r\n\r\n").unwrap();
    for _ in 0..5 {
        assert_eq!(get(addr, "/metrics").status, 200);
    }
}

#[test]
fn before_any_session_the_report_is_503_and_the_metrics_are_empty() {
    let m = Monitor::new();
    let endpoint = ServeOptions::new("127.0.0.1:0").monitor(&m).start().unwrap();
    let report = get(endpoint.local_addr(), "/report.json");
    assert_eq!(report.status, 503);
    assert!(report.body.contains("no session"));
    let metrics = get(endpoint.local_addr(), "/metrics");
    assert_eq!((metrics.status, metrics.body.as_str()), (200, ""));
    // After a session ends, its report stays served.
    m.start_session("ended");
    m.record_cache_hit();
    m.end_session();
    let report =
        SessionReport::from_json(&get(endpoint.local_addr(), "/report.json").body).unwrap();
    assert!(report.ended);
    assert_eq!(report.cache.hits, 1);
}

#[test]
fn a_busy_port_is_an_error_naming_it() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let err = ServeOptions::new(addr.clone()).monitor(&Monitor::new()).start().unwrap_err();
    assert!(matches!(&err, Error::Serve { addr: a, .. } if *a == addr));
    let text = err.to_string();
    assert!(text.contains(&addr) && text.contains("port 0"), "{text}");
}

#[test]
fn a_remote_address_needs_asking_for_and_a_bad_one_is_named() {
    let m = Monitor::new();
    let err = ServeOptions::new("0.0.0.0:0").monitor(&m).start().unwrap_err();
    assert!(err.to_string().contains("not a loopback address"), "{err}");
    assert!(err.to_string().contains("allow_remote"), "{err}");
    let open = ServeOptions::new("0.0.0.0:0").monitor(&m).allow_remote(true).start().unwrap();
    assert!(open.local_addr().ip().is_unspecified());
    let err = ServeOptions::new("no port here").monitor(&m).start().unwrap_err();
    assert!(err.to_string().contains("host:port"), "{err}");
}

#[test]
fn shutting_down_closes_the_port() {
    let (_m, endpoint) = served();
    let addr = endpoint.local_addr();
    assert_eq!(get(addr, "/healthz").status, 200);
    endpoint.shutdown();
    assert!(TcpStream::connect(addr).is_err(), "nothing listens after shutdown");
}
