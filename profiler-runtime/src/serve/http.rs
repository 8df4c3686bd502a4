//! Just enough HTTP/1.x for a read-only endpoint: the request head parsed
//! from bytes, and a response written as bytes. Every response closes its
//! connection, so there is no keep-alive, pipelining or request body to
//! track.

/// The longest request head read; a longer one is answered 431.
pub(crate) const MAX_HEAD: usize = 16 * 1024;

/// What a client asked for.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Request {
    /// `GET`, `HEAD`, or whatever else was sent (answered 405).
    pub(crate) method: String,
    /// The path, without its query string.
    pub(crate) path: String,
    /// The `Accept` header, if sent.
    pub(crate) accept: Option<String>,
}

/// How far the bytes read so far go.
#[derive(Debug)]
pub(crate) enum Head {
    /// No blank line yet: read more.
    Partial,
    /// A whole, well-formed request head.
    Done(Request),
    /// A head that is not HTTP, or too long: answer this and close.
    Bad(Response),
}

/// Parses the request head at the start of `bytes`.
pub(crate) fn parse(bytes: &[u8]) -> Head {
    let Some(end) = head_end(bytes) else {
        return if bytes.len() > MAX_HEAD {
            Head::Bad(Response::text(431, "request head too long\n"))
        } else {
            Head::Partial
        };
    };
    if end > MAX_HEAD {
        return Head::Bad(Response::text(431, "request head too long\n"));
    }
    let Ok(head) = std::str::from_utf8(&bytes[..end]) else {
        return Head::Bad(Response::text(400, "request head is not UTF-8\n"));
    };
    let mut lines = head.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
    let request_line = lines.next().unwrap_or_default();
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Head::Bad(Response::text(400, "bad request line: give `GET /path HTTP/1.1`\n"));
    };
    if !version.starts_with("HTTP/1.") {
        return Head::Bad(Response::text(505, "only HTTP/1.0 and HTTP/1.1 are served\n"));
    }
    if method.is_empty() || !target.starts_with('/') {
        return Head::Bad(Response::text(400, "bad request line: give `GET /path HTTP/1.1`\n"));
    }
    let mut accept = None;
    for line in lines.filter(|l| !l.is_empty()) {
        let Some((name, value)) = line.split_once(':') else {
            return Head::Bad(Response::text(400, "bad header line: give `Name: value`\n"));
        };
        if name.trim().eq_ignore_ascii_case("accept") {
            accept = Some(value.trim().to_owned());
        }
    }
    let path = target.split(['?', '#']).next().unwrap_or(target);
    Head::Done(Request { method: method.to_owned(), path: path.to_owned(), accept })
}

/// Where the head's blank line ends (CRLF CRLF, or a bare LF LF).
fn head_end(bytes: &[u8]) -> Option<usize> {
    let crlf = bytes.windows(4).position(|w| w == b"\r\n\r\n").map(|i| i + 4);
    let lf = bytes.windows(2).position(|w| w == b"\n\n").map(|i| i + 2);
    match (crlf, lf) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// A status, a content type and a body.
#[derive(Debug)]
pub(crate) struct Response {
    pub(crate) status: u16,
    pub(crate) content_type: &'static str,
    pub(crate) body: Vec<u8>,
}

impl Response {
    /// A plain-text response.
    pub(crate) fn text(status: u16, body: &str) -> Response {
        Response::new(status, "text/plain; charset=utf-8", body.as_bytes().to_vec())
    }

    pub(crate) fn new(status: u16, content_type: &'static str, body: Vec<u8>) -> Response {
        Response { status, content_type, body }
    }

    /// The response on the wire; without the body for `HEAD` (the length
    /// stays that of the body a `GET` would get).
    pub(crate) fn to_bytes(&self, with_body: bool) -> Vec<u8> {
        let mut out = format!(
            "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n",
            self.status,
            reason(self.status),
            self.content_type,
            self.body.len()
        );
        if self.status == 405 {
            out.push_str("Allow: GET, HEAD\r\n");
        }
        out.push_str("\r\n");
        let mut bytes = out.into_bytes();
        if with_body {
            bytes.extend_from_slice(&self.body);
        }
        bytes
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        500 => "Internal Server Error",
        431 => "Request Header Fields Too Large",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "Unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn done(bytes: &[u8]) -> Request {
        match parse(bytes) {
            Head::Done(r) => r,
            other => panic!("not a request: {other:?}"),
        }
    }

    fn bad(bytes: &[u8]) -> u16 {
        match parse(bytes) {
            Head::Bad(r) => r.status,
            other => panic!("not refused: {other:?}"),
        }
    }

    #[test]
    fn a_get_is_read_with_its_path_and_accept_header() {
        let r = done(
            b"GET /metrics?x=1 HTTP/1.1\r\nHost: a\r\naccept: application/openmetrics-text\r\n\r\n",
        );
        assert_eq!(r.method, "GET");
        assert_eq!(r.path, "/metrics");
        assert_eq!(r.accept.as_deref(), Some("application/openmetrics-text"));
        assert_eq!(done(b"HEAD / HTTP/1.0\n\n").path, "/");
    }

    #[test]
    fn an_unfinished_head_waits_for_more() {
        assert!(matches!(parse(b"GET / HTTP/1.1\r\nHost: a\r\n"), Head::Partial));
        assert!(matches!(parse(b""), Head::Partial));
    }

    #[test]
    fn what_is_not_http_is_refused_with_the_matching_status() {
        assert_eq!(bad(b"hello\r\n\r\n"), 400);
        assert_eq!(bad(b"GET  / HTTP/1.1\r\n\r\n"), 400);
        assert_eq!(bad(b"GET metrics HTTP/1.1\r\n\r\n"), 400);
        assert_eq!(bad(b"GET / HTTP/2\r\n\r\n"), 505);
        assert_eq!(bad(b"GET / HTTP/1.1\r\nno colon\r\n\r\n"), 400);
        assert_eq!(bad(b"GET / HTTP/1.1\r\n\xff: x\r\n\r\n"), 400);
        let mut long = b"GET / HTTP/1.1\r\nX: ".to_vec();
        long.resize(MAX_HEAD + 10, b'a');
        assert_eq!(bad(&long), 431);
    }

    #[test]
    fn a_head_response_keeps_the_length_and_drops_the_body() {
        let r = Response::text(200, "ok\n");
        let head = String::from_utf8(r.to_bytes(false)).unwrap();
        assert!(head.starts_with("HTTP/1.1 200 OK\r\n"));
        assert!(head.contains("Content-Length: 3\r\n"));
        assert!(head.ends_with("\r\n\r\n"));
        assert!(String::from_utf8(r.to_bytes(true)).unwrap().ends_with("\r\n\r\nok\n"));
        let refused = String::from_utf8(Response::text(405, "").to_bytes(true)).unwrap();
        assert!(refused.contains("Allow: GET, HEAD\r\n"));
    }
}
