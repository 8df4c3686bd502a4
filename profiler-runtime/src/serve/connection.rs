//! One client connection on a non-blocking socket: read its request head,
//! write its response, close. Each step does what the socket allows now and
//! returns, so one slow or silent client never holds up another; a client
//! that takes longer than its deadline is dropped.

use super::http::{self, Head, Request, Response};
use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// How long a client has to send its request head.
pub(crate) const READ_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a client has to take its response.
pub(crate) const WRITE_TIMEOUT: Duration = Duration::from_secs(10);

enum Phase {
    Reading { head: Vec<u8> },
    Writing { bytes: Vec<u8>, sent: usize },
}

/// A connection being served.
pub(crate) struct Connection {
    stream: TcpStream,
    phase: Phase,
    deadline: Instant,
}

/// What one step did.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Step {
    /// Nothing could move: the client has not sent or taken anything.
    Waiting,
    /// Bytes moved; step again soon.
    Moved,
    /// Finished, failed or timed out: drop the connection.
    Closed,
}

impl Connection {
    /// Takes an accepted stream (made non-blocking here).
    pub(crate) fn new(stream: TcpStream, now: Instant) -> io::Result<Connection> {
        stream.set_nonblocking(true)?;
        // Small responses go out at once rather than waiting on Nagle.
        let _ = stream.set_nodelay(true);
        Ok(Connection {
            stream,
            phase: Phase::Reading { head: Vec::new() },
            deadline: now + READ_TIMEOUT,
        })
    }

    /// Moves what can move now; `respond` answers a whole request.
    pub(crate) fn step(
        &mut self,
        now: Instant,
        respond: &mut dyn FnMut(&Request) -> Response,
    ) -> Step {
        if now >= self.deadline {
            if let Phase::Reading { head } = &self.phase {
                if !head.is_empty() {
                    // Best effort: a client that stalled mid-request hears why.
                    let _ = self
                        .stream
                        .write(&Response::text(408, "request not sent in time\n").to_bytes(true));
                }
            }
            return Step::Closed;
        }
        match &mut self.phase {
            Phase::Reading { head } => {
                let mut buf = [0u8; 4096];
                match self.stream.read(&mut buf) {
                    Ok(0) => Step::Closed,
                    Ok(n) => {
                        head.extend_from_slice(&buf[..n]);
                        let (response, with_body) = match http::parse(head) {
                            Head::Partial => return Step::Moved,
                            Head::Done(request) => {
                                let with_body = request.method != "HEAD";
                                (respond(&request), with_body)
                            }
                            Head::Bad(response) => (response, true),
                        };
                        self.phase =
                            Phase::Writing { bytes: response.to_bytes(with_body), sent: 0 };
                        self.deadline = now + WRITE_TIMEOUT;
                        self.write()
                    }
                    Err(e) if would_block(&e) => Step::Waiting,
                    Err(_) => Step::Closed,
                }
            }
            Phase::Writing { .. } => self.write(),
        }
    }

    fn write(&mut self) -> Step {
        let Phase::Writing { bytes, sent } = &mut self.phase else {
            return Step::Waiting;
        };
        match self.stream.write(&bytes[*sent..]) {
            Ok(0) => Step::Closed,
            Ok(n) => {
                *sent += n;
                if *sent == bytes.len() {
                    let _ = self.stream.shutdown(std::net::Shutdown::Write);
                    Step::Closed
                } else {
                    Step::Moved
                }
            }
            Err(e) if would_block(&e) => Step::Waiting,
            Err(_) => Step::Closed,
        }
    }
}

fn would_block(e: &io::Error) -> bool {
    matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted)
}
