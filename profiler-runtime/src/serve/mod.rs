//! The endpoint (feature `serve`): one background thread serving a running
//! monitor over HTTP, for Prometheus, the dashboard page and `profiler top`.
//!
//! | Path           | Answer                                                        |
//! |----------------|---------------------------------------------------------------|
//! | `/metrics`     | Prometheus text 0.0.4; OpenMetrics 1.0 when `Accept` asks     |
//! | `/report.json` | the live report with its sliding windows (503 before a session)|
//! | `/`            | the dashboard: one self-contained page polling `report.json`  |
//! | `/healthz`     | `ok`                                                          |
//!
//! Built on `std::net` rather than a server crate: the endpoint answers a
//! handful of GETs a second with small bodies and closes each connection,
//! which a loop over non-blocking sockets does in a few hundred lines with
//! nothing to configure, no async runtime to bring into a user's program,
//! and one thread whatever the number of clients. Every client has a
//! deadline (5 s to send its request, 10 s to take its answer), and a
//! client that sends or reads slowly only waits its turn in the loop, so
//! it never holds up another client or the program.
//!
//! Serving costs the instrumented code nothing: the thread builds reports
//! the way [`Monitor::current_report`] does, reading the shards.

mod connection;
mod http;
mod routes;

use crate::error::Error;
use crate::monitor::Monitor;
use connection::{Connection, Step};
use std::net::{SocketAddr, TcpListener, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Clients served at once; one more is closed at once.
pub const MAX_CONNECTIONS: usize = 64;

/// How often the windows are brought up to date when nobody asks: the
/// width of the last minute's buckets, so none is skipped, and rare enough
/// that a full-level report (its call trace) is not rebuilt every second.
const TICK: Duration = Duration::from_secs(5);
/// How long the loop sleeps when no socket had anything to do: from the
/// shortest, doubling while nothing happens, up to the longest (what a new
/// client may wait to be accepted; 20 wake-ups a second when idle).
const IDLE_MIN: Duration = Duration::from_millis(1);
const IDLE_MAX: Duration = Duration::from_millis(50);

/// Where and what to serve: build one, then [`ServeOptions::start`].
///
/// ```no_run
/// use profiler_runtime::{Monitor, ServeOptions};
///
/// let m = Monitor::new();
/// m.start_session("service");
/// let endpoint = ServeOptions::new("127.0.0.1:0").monitor(&m).start()?;
/// println!("metrics at http://{}/metrics", endpoint.local_addr());
/// # Ok::<(), profiler_runtime::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct ServeOptions {
    addr: String,
    monitor: Option<Monitor>,
    allow_remote: bool,
}

impl ServeOptions {
    /// Serve on `addr` (`host:port`; port 0 takes any free port), the
    /// global monitor, loopback only.
    pub fn new(addr: impl Into<String>) -> ServeOptions {
        ServeOptions { addr: addr.into(), monitor: None, allow_remote: false }
    }

    /// Serve this monitor instead of the global one.
    pub fn monitor(mut self, monitor: &Monitor) -> ServeOptions {
        self.monitor = Some(monitor.clone());
        self
    }

    /// Allow an address other than loopback (`0.0.0.0`, a public
    /// interface). Off by default: the endpoint has no authentication and
    /// shows operation names, so exposing it is a choice made here.
    pub fn allow_remote(mut self, allow: bool) -> ServeOptions {
        self.allow_remote = allow;
        self
    }

    /// Binds and starts the serving thread.
    ///
    /// # Errors
    /// [`Error::Serve`] when the address does not resolve, is not loopback
    /// (without [`ServeOptions::allow_remote`]), or cannot be bound (a busy
    /// port, say).
    pub fn start(self) -> Result<ServeHandle, Error> {
        let fail = |problem: String| Error::Serve { addr: self.addr.clone(), problem };
        let addrs: Vec<SocketAddr> = self
            .addr
            .to_socket_addrs()
            .map_err(|e| {
                fail(format!("not an address ({e}): give host:port, such as 127.0.0.1:9184"))
            })?
            .collect();
        if addrs.is_empty() {
            return Err(fail(
                "resolves to no address: give host:port, such as 127.0.0.1:9184".into(),
            ));
        }
        if !self.allow_remote {
            if let Some(remote) = addrs.iter().find(|a| !a.ip().is_loopback()) {
                return Err(fail(format!(
                    "{} is not a loopback address: the endpoint binds to loopback (127.0.0.1, ::1) unless ServeOptions::allow_remote(true) asks otherwise",
                    remote.ip()
                )));
            }
        }
        let listener = TcpListener::bind(&addrs[..]).map_err(|e| {
            fail(match e.kind() {
                std::io::ErrorKind::AddrInUse => {
                    format!("{e}: the port is taken; give another, or port 0 for any free one")
                }
                _ => format!("cannot bind: {e}"),
            })
        })?;
        let local = listener.local_addr().map_err(|e| fail(format!("cannot bind: {e}")))?;
        listener.set_nonblocking(true).map_err(|e| fail(format!("cannot bind: {e}")))?;
        let monitor = self.monitor.unwrap_or_else(|| crate::global().clone());
        // Built here, not on the thread: the windows count from the moment
        // `start` returns.
        let site = routes::Site::new(monitor, Instant::now());
        let stop = Arc::new(AtomicBool::new(false));
        let thread = std::thread::Builder::new()
            .name("profiler-serve".into())
            .spawn({
                let stop = Arc::clone(&stop);
                move || run(listener, site, &stop)
            })
            .map_err(|e| fail(format!("cannot start the serving thread: {e}")))?;
        Ok(ServeHandle { addr: local, stop, thread: Some(thread) })
    }
}

/// Serves the global monitor on `addr` (loopback only) until the handle is
/// dropped; see [`ServeOptions`] for another monitor or a public address.
///
/// ```
/// let m = profiler_runtime::global();
/// m.start_session("served");
/// let endpoint = profiler_runtime::serve("127.0.0.1:0")?;
/// assert!(endpoint.local_addr().ip().is_loopback());
/// endpoint.shutdown();
/// # m.end_session();
/// # Ok::<(), profiler_runtime::Error>(())
/// ```
///
/// # Errors
/// As [`ServeOptions::start`].
pub fn serve(addr: &str) -> Result<ServeHandle, Error> {
    ServeOptions::new(addr).start()
}

/// A running endpoint; dropping it (or [`ServeHandle::shutdown`]) stops it.
#[derive(Debug)]
pub struct ServeHandle {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl ServeHandle {
    /// The address bound (with the port chosen, if 0 was given).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDR/`, the dashboard's address.
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// Stops serving and waits for the thread (at most about 50 ms; open
    /// connections are closed).
    pub fn shutdown(mut self) {
        self.stop_thread();
    }

    fn stop_thread(&mut self) {
        // Release: pairs with the loop's Acquire load, nothing else to order.
        self.stop.store(true, Ordering::Release);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for ServeHandle {
    fn drop(&mut self) {
        self.stop_thread();
    }
}

/// The serving loop: accept, step every connection, tick the windows,
/// sleep a little when nothing moved.
fn run(listener: TcpListener, mut site: routes::Site, stop: &AtomicBool) {
    let mut connections: Vec<Connection> = Vec::new();
    let mut last_tick = Instant::now();
    let mut idle = IDLE_MIN;
    while !stop.load(Ordering::Acquire) {
        let mut moved = false;
        loop {
            match listener.accept() {
                Ok((stream, _)) => {
                    moved = true;
                    if connections.len() >= MAX_CONNECTIONS {
                        drop(stream); // over the limit: closed unanswered
                        continue;
                    }
                    if let Ok(c) = Connection::new(stream, Instant::now()) {
                        connections.push(c);
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                // A client that reset before we took it, out of descriptors,
                // ...: try again on the next round.
                Err(_) => break,
            }
        }
        let now = Instant::now();
        connections.retain_mut(|c| {
            let step = c.step(now, &mut |request| site.respond(request, now));
            moved |= step != Step::Waiting;
            step != Step::Closed
        });
        if now.duration_since(last_tick) >= TICK {
            site.tick(now);
            last_tick = now;
        }
        if moved {
            idle = IDLE_MIN;
        } else {
            std::thread::sleep(idle);
            idle = (idle * 2).min(IDLE_MAX);
        }
    }
}
