//! One HTTP/1.1 GET over a plain `TcpStream`: enough for the endpoint a
//! program serves (it answers with `Content-Length` and closes), with
//! timeouts so a stuck program cannot freeze the view.

use crate::endpoint::Endpoint;
use std::fmt;
use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

/// How long connecting, and each write and read, may take.
pub(crate) const TIMEOUT: Duration = Duration::from_secs(2);

/// The most a response may hold; a report is far smaller.
const MAX_RESPONSE: usize = 64 << 20;

/// A response's status and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Response {
    /// The status code (`200`, `503`, ...).
    pub(crate) status: u16,
    /// The body, as text (lossily, should it not be UTF-8).
    pub(crate) body: String,
}

/// Why a GET got no response.
#[derive(Debug)]
pub(crate) enum FetchError {
    /// The host name did not resolve (or to no address).
    Resolve(io::Error),
    /// No connection (refused, unreachable, timed out).
    Connect(io::Error),
    /// The connection broke while sending or receiving.
    Io(io::Error),
    /// The program closed the connection without answering.
    Closed,
    /// What came back is not an HTTP response this reader understands.
    Malformed(&'static str),
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FetchError::Resolve(e) => write!(f, "cannot resolve the host: {}", io_text(e)),
            FetchError::Connect(e) | FetchError::Io(e) => f.write_str(&io_text(e)),
            FetchError::Closed => f.write_str("connection closed without a response"),
            FetchError::Malformed(what) => write!(f, "not an HTTP response this reads: {what}"),
        }
    }
}

impl std::error::Error for FetchError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            FetchError::Resolve(e) | FetchError::Connect(e) | FetchError::Io(e) => Some(e),
            FetchError::Closed | FetchError::Malformed(_) => None,
        }
    }
}

/// An I/O error as a few lowercase words (`connection refused`), without
/// the OS's error number.
fn io_text(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::ConnectionRefused => "connection refused".to_owned(),
        io::ErrorKind::ConnectionReset => "connection reset".to_owned(),
        io::ErrorKind::ConnectionAborted => "connection aborted".to_owned(),
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => "timed out".to_owned(),
        _ => {
            let text = e.to_string();
            let text = text.split(" (os error").next().unwrap_or(&text);
            let mut chars = text.chars();
            chars.next().map(|c| c.to_lowercase().chain(chars).collect()).unwrap_or_default()
        }
    }
}

/// `GET path` from `endpoint`, waiting at most `timeout` to connect and
/// for each write and read.
pub(crate) fn get(
    endpoint: &Endpoint,
    path: &str,
    timeout: Duration,
) -> Result<Response, FetchError> {
    let addresses: Vec<_> = (endpoint.bare_host(), endpoint.port)
        .to_socket_addrs()
        .map_err(FetchError::Resolve)?
        .collect();
    let mut last = io::Error::new(io::ErrorKind::NotFound, "no address");
    let mut stream = None;
    for address in &addresses {
        match TcpStream::connect_timeout(address, timeout) {
            Ok(s) => {
                stream = Some(s);
                break;
            }
            Err(e) => last = e,
        }
    }
    let Some(mut stream) = stream else {
        return Err(if addresses.is_empty() {
            FetchError::Resolve(last)
        } else {
            FetchError::Connect(last)
        });
    };
    stream.set_read_timeout(Some(timeout)).map_err(FetchError::Io)?;
    stream.set_write_timeout(Some(timeout)).map_err(FetchError::Io)?;
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {}\r\nUser-Agent: profiler-top\r\n\
         Accept: application/json\r\nConnection: close\r\n\r\n",
        endpoint.authority()
    );
    stream.write_all(request.as_bytes()).map_err(FetchError::Io)?;
    receive(&mut stream, timeout)
}

/// Reads a response until its `Content-Length` is in, or to the end of
/// the stream without one; the whole read may take up to four timeouts
/// (a program trickling bytes is as stuck as a silent one).
fn receive(stream: &mut impl Read, timeout: Duration) -> Result<Response, FetchError> {
    let deadline = Instant::now() + timeout * 4;
    let mut bytes = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    let mut head: Option<Head> = None;
    loop {
        if let Some(head) = &head {
            if head.length.is_some_and(|len| bytes.len() >= head.body_start + len) {
                break;
            }
        }
        if Instant::now() > deadline {
            return Err(FetchError::Io(io::Error::from(io::ErrorKind::TimedOut)));
        }
        let n = match stream.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            // A reset after a whole response (some servers close hard) is fine.
            Err(e) if e.kind() == io::ErrorKind::ConnectionReset && !bytes.is_empty() => break,
            Err(e) => return Err(FetchError::Io(e)),
        };
        bytes.extend_from_slice(&chunk[..n]);
        if bytes.len() > MAX_RESPONSE {
            return Err(FetchError::Malformed("over 64 MiB"));
        }
        if head.is_none() {
            head = Head::parse(&bytes)?;
        }
    }
    if bytes.is_empty() {
        return Err(FetchError::Closed);
    }
    let head = head.ok_or(FetchError::Malformed("the headers never end"))?;
    let body = &bytes[head.body_start..];
    let body = match head.length {
        Some(len) if body.len() < len => {
            return Err(FetchError::Malformed("the body is cut short"))
        }
        Some(len) => &body[..len],
        None => body,
    };
    Ok(Response { status: head.status, body: String::from_utf8_lossy(body).into_owned() })
}

/// A response's status line and the headers that matter here.
#[derive(Debug)]
struct Head {
    status: u16,
    length: Option<usize>,
    /// Where the body starts in the bytes read.
    body_start: usize,
}

impl Head {
    /// The head, once `bytes` holds all of it (`None` until then).
    fn parse(bytes: &[u8]) -> Result<Option<Head>, FetchError> {
        if !bytes.starts_with(&b"HTTP/"[..bytes.len().min(5)]) {
            return Err(FetchError::Malformed("no HTTP status line"));
        }
        let Some(end) = bytes.windows(4).position(|w| w == b"\r\n\r\n") else {
            return Ok(None);
        };
        let text = std::str::from_utf8(&bytes[..end])
            .map_err(|_| FetchError::Malformed("headers that are not text"))?;
        let mut lines = text.split("\r\n");
        let status_line = lines.next().unwrap_or_default();
        let mut parts = status_line.split(' ');
        let version = parts.next().unwrap_or_default();
        let status = parts
            .next()
            .filter(|code| code.len() == 3 && version.starts_with("HTTP/1."))
            .and_then(|code| code.parse::<u16>().ok())
            .ok_or(FetchError::Malformed("a bad status line"))?;
        let mut length = None;
        for line in lines {
            let (name, value) = line.split_once(':').unwrap_or((line, ""));
            let value = value.trim();
            if name.eq_ignore_ascii_case("content-length") {
                length =
                    Some(value.parse().map_err(|_| FetchError::Malformed("a bad Content-Length"))?);
            } else if name.eq_ignore_ascii_case("transfer-encoding")
                && !value.eq_ignore_ascii_case("identity")
            {
                return Err(FetchError::Malformed("a chunked body"));
            }
        }
        Ok(Some(Head { status, length, body_start: end + 4 }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;
    use std::thread;

    /// A server on a free port that answers one connection with `reply`
    /// (in pieces, a little apart), then holds it open for `hold` before
    /// closing; and the endpoint to reach it.
    fn serve_once(
        reply: &'static [&'static [u8]],
        hold: Duration,
    ) -> (Endpoint, thread::JoinHandle<String>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = thread::spawn(move || {
            let (mut conn, _) = listener.accept().unwrap();
            let mut request = Vec::new();
            let mut byte = [0u8; 1];
            while !request.ends_with(b"\r\n\r\n") && conn.read(&mut byte).unwrap_or(0) == 1 {
                request.push(byte[0]);
            }
            for piece in reply {
                let _ = conn.write_all(piece);
                let _ = conn.flush();
                thread::sleep(Duration::from_millis(20));
            }
            thread::sleep(hold);
            String::from_utf8(request).unwrap()
        });
        (Endpoint { host: "127.0.0.1".to_owned(), port }, server)
    }

    fn short() -> Duration {
        Duration::from_millis(500)
    }

    #[test]
    fn a_200_with_content_length_is_read_without_waiting_for_the_close() {
        let reply: &[&[u8]] = &[
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Len",
            b"gth: 7\r\n\r\n{\"a\"",
            b":1}",
        ];
        // The server holds the connection open far longer than the timeout:
        // the length, not the close, ends the read.
        let (endpoint, server) = serve_once(reply, Duration::from_millis(1_500));
        let started = Instant::now();
        let response = get(&endpoint, "/report.json", Duration::from_secs(2)).unwrap();
        assert!(started.elapsed() < Duration::from_secs(1), "{:?}", started.elapsed());
        assert_eq!(response, Response { status: 200, body: "{\"a\":1}".to_owned() });
        let request = server.join().unwrap();
        assert!(request.starts_with("GET /report.json HTTP/1.1\r\n"), "{request}");
        assert!(
            request.contains(&format!("\r\nHost: 127.0.0.1:{}\r\n", endpoint.port)),
            "{request}"
        );
        assert!(request.contains("\r\nConnection: close\r\n"), "{request}");
    }

    #[test]
    fn without_content_length_the_body_runs_to_the_close() {
        let reply: &[&[u8]] = &[
            b"HTTP/1.0 503 Service Unavailable\r\n\r\n",
            b"{\"error\":\"no session has started\"}",
        ];
        let (endpoint, server) = serve_once(reply, Duration::ZERO);
        let response = get(&endpoint, "/report.json", short()).unwrap();
        assert_eq!(response.status, 503);
        assert_eq!(response.body, "{\"error\":\"no session has started\"}");
        server.join().unwrap();
    }

    #[test]
    fn garbage_a_cut_body_and_a_silent_close_are_errors() {
        let cases: [(&'static [&'static [u8]], &str); 4] = [
            (&[b"SSH-2.0-OpenSSH_9.6\r\n"], "no HTTP status line"),
            (&[b"HTTP/1.1 OK\r\n\r\n"], "a bad status line"),
            (&[b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort"], "the body is cut short"),
            (
                &[b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"],
                "chunked",
            ),
        ];
        for (reply, what) in cases {
            let (endpoint, server) = serve_once(reply, Duration::ZERO);
            let e = get(&endpoint, "/report.json", short()).unwrap_err();
            assert!(
                matches!(e, FetchError::Malformed(_)) && e.to_string().contains(what),
                "{what}: {e}"
            );
            server.join().unwrap();
        }
        let (endpoint, server) = serve_once(&[], Duration::ZERO);
        let e = get(&endpoint, "/report.json", short()).unwrap_err();
        assert!(matches!(e, FetchError::Closed), "{e:?}");
        server.join().unwrap();
    }

    #[test]
    fn a_silent_server_times_out_and_a_closed_port_is_refused() {
        let (endpoint, server) = serve_once(&[], Duration::from_millis(800));
        let e = get(&endpoint, "/report.json", Duration::from_millis(200)).unwrap_err();
        assert_eq!(e.to_string(), "timed out", "{e:?}");
        server.join().unwrap();

        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let closed = Endpoint { host: "127.0.0.1".to_owned(), port };
        let e = get(&closed, "/report.json", short()).unwrap_err();
        assert!(matches!(e, FetchError::Connect(_)), "{e:?}");
        assert_eq!(e.to_string(), "connection refused");
    }
}
