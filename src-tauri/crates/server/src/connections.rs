//! What the server lets in, so that a flood of idle sockets or public
//! streams cannot starve the hall's own terminals of file descriptors,
//! memory or answers.
//!
//! - Every connection is counted: at most [`Limits::max_connections`]
//!   (also kept below the process's file limit, which is raised to its
//!   hard limit at start), and at most [`Limits::per_source`] from one
//!   address. The last [`Limits::reserved`] places are kept for this PC
//!   (127.0.0.1 and ::1: the desktop app's own windows) and for addresses
//!   a terminal has authenticated from ([`note_terminal`]), so a LAN
//!   flood leaves the kiosks, counters and displays room. A connection
//!   refused is closed at once, before anything is read.
//! - An idle connection, or one that sends its request head too slowly
//!   (partial headers), is closed after [`Limits::header_read_timeout`]:
//!   hyper's HTTP/1 header-read timer, which also runs while a kept-alive
//!   connection waits for its next request.
//! - Public live-ticket WebSockets (`/api/v1/live/{ticket}/stream`) are
//!   capped in total and per source ([`LiveStreams`]); the refusal is a
//!   bilingual 429 `live_streams_full` the page shows, and the page polls
//!   instead.
//!
//! - A what-if simulation has a work budget and waits at most a moment
//!   for the hall's running one (`routes/staffing.rs`).
//!
//! The peer address reaches handlers as axum's `ConnectInfo<SocketAddr>`,
//! which the accept loop (`server.rs`) puts into every request. A
//! connection upgraded to a WebSocket leaves the connection count (hyper
//! hands the socket over): the terminals' stream needs a token, and the
//! public live streams have their own caps.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;

/// The bounds of a server; the defaults are a hall's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// An idle connection, or a request head not complete, is closed after this.
    pub header_read_timeout: Duration,
    /// Most connections open at once (lowered to fit the file limit).
    pub max_connections: usize,
    /// Places of `max_connections` kept for this PC and for known terminals.
    pub reserved: usize,
    /// Most connections from one address (this PC has no such cap).
    pub per_source: usize,
    /// Most public live-ticket streams open at once.
    pub live_streams: usize,
    /// Most public live-ticket streams from one address (phones behind
    /// the hall's guest Wi-Fi may share one).
    pub live_streams_per_source: usize,
    /// How long requests in flight may finish once the server stops.
    pub shutdown_grace: Duration,
    /// The most work one what-if simulation may take (`simulation::Work`).
    pub simulation_work: u64,
    /// How long a what-if waits for the hall's running one before a 429.
    pub simulation_queue_wait: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(15),
            max_connections: 4096,
            reserved: 256,
            per_source: 256,
            live_streams: 1000,
            live_streams_per_source: 200,
            shutdown_grace: Duration::from_secs(3),
            simulation_work: hallq_store::hallq_core::simulation::DEFAULT_DAYS_WORK_BUDGET,
            simulation_queue_wait: Duration::from_secs(2),
        }
    }
}

/// File descriptors kept for everything that is not a connection: the
/// database and its WAL (the engine, the pooled readers, reports on every
/// core), the print worker's printers, logs.
const FDS_FOR_THE_REST: u64 = 512;

/// How long an address counts as a terminal's after its last authenticated request.
const TERMINAL_MEMORY: Duration = Duration::from_secs(24 * 3600);
/// Most addresses remembered as terminals' (a hall has dozens).
const MAX_TERMINAL_SOURCES: usize = 4096;

/// Raises the soft file limit to the hard one (Unix) and returns how many
/// connections fit: `limits.max_connections`, or fewer if the file limit
/// leaves no room for them beside [`FDS_FOR_THE_REST`].
pub fn connection_cap(limits: &Limits) -> usize {
    let files = crate::platform::open_file_limit();
    let room = usize::try_from(files.saturating_sub(FDS_FOR_THE_REST)).unwrap_or(usize::MAX).max(16);
    limits.max_connections.min(room)
}

/// The counts behind the connection cap and the live-stream cap.
#[derive(Debug)]
pub(crate) struct Bounds {
    limits: Limits,
    cap: AtomicUsize,
    connections: Mutex<Counts>,
    terminals: Mutex<HashMap<IpAddr, Instant>>,
    live: Arc<Mutex<Counts>>,
}

#[derive(Debug, Default)]
struct Counts {
    total: usize,
    by_source: HashMap<IpAddr, usize>,
}

impl Counts {
    fn add(&mut self, ip: IpAddr) {
        self.total += 1;
        *self.by_source.entry(ip).or_default() += 1;
    }

    fn remove(&mut self, ip: IpAddr) {
        self.total = self.total.saturating_sub(1);
        if let Some(n) = self.by_source.get_mut(&ip) {
            *n -= 1;
            if *n == 0 {
                self.by_source.remove(&ip);
            }
        }
    }

    fn of(&self, ip: IpAddr) -> usize {
        self.by_source.get(&ip).copied().unwrap_or(0)
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// This PC: the desktop app's windows and the local CLI. Only the two
/// usual addresses, not all of 127.0.0.0/8.
fn is_this_pc(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4 == std::net::Ipv4Addr::LOCALHOST,
        IpAddr::V6(v6) => v6.is_loopback() || v6.to_ipv4_mapped() == Some(std::net::Ipv4Addr::LOCALHOST),
    }
}

impl Bounds {
    pub(crate) fn new(limits: Limits) -> Self {
        let cap = AtomicUsize::new(limits.max_connections);
        Self { limits, cap, connections: Mutex::default(), terminals: Mutex::default(), live: Arc::default() }
    }

    /// Sets the connection cap actually in force ([`connection_cap`]).
    pub(crate) fn set_cap(&self, cap: usize) {
        self.cap.store(cap, Ordering::Relaxed);
    }

    fn is_terminal(&self, ip: IpAddr) -> bool {
        lock(&self.terminals).get(&ip).is_some_and(|seen| seen.elapsed() < TERMINAL_MEMORY)
    }

    /// Whether a new connection from `ip` may come in; if so, it is counted
    /// until the permit is dropped.
    pub(crate) fn admit(self: &Arc<Self>, ip: IpAddr) -> Option<ConnectionPermit> {
        let trusted = is_this_pc(ip) || self.is_terminal(ip);
        let mut c = lock(&self.connections);
        let all = self.cap.load(Ordering::Relaxed);
        let cap = if trusted { all } else { all.saturating_sub(self.limits.reserved) };
        if c.total >= cap || (!is_this_pc(ip) && c.of(ip) >= self.limits.per_source) {
            return None;
        }
        c.add(ip);
        Some(ConnectionPermit { bounds: self.clone(), ip })
    }

    /// Remembers `ip` as a terminal's: it may use the reserved places.
    fn trust(&self, ip: IpAddr) {
        if is_this_pc(ip) {
            return;
        }
        let mut t = lock(&self.terminals);
        let now = Instant::now();
        if t.len() >= MAX_TERMINAL_SOURCES && !t.contains_key(&ip) {
            t.retain(|_, seen| now.duration_since(*seen) < TERMINAL_MEMORY);
            if t.len() >= MAX_TERMINAL_SOURCES {
                return;
            }
        }
        t.insert(ip, now);
    }

    /// A place for one more live-ticket stream from `ip`, or the bilingual refusal.
    pub(crate) fn open_live_stream(&self, ip: Option<IpAddr>) -> Result<LivePermit, ApiError> {
        let ip = ip.unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
        let mut c = lock(&self.live);
        if c.total >= self.limits.live_streams {
            return Err(live_full(
                "实时查询人数已满，页面将自动刷新，请稍候",
                "too many customers are following their tickets live; the page refreshes by itself instead",
            ));
        }
        if c.of(ip) >= self.limits.live_streams_per_source {
            return Err(live_full(
                "来自同一网络的实时查询过多，页面将自动刷新，请稍候",
                "too many live tickets are followed from this network; the page refreshes by itself instead",
            ));
        }
        c.add(ip);
        Ok(LivePermit { live: self.live.clone(), ip })
    }
}

fn live_full(zh: &str, en: &str) -> ApiError {
    ApiError::Busy { code: "live_streams_full", zh: zh.into(), en: en.into(), retry_after_s: 30 }
}

/// One admitted connection; dropping it frees its place.
#[derive(Debug)]
pub(crate) struct ConnectionPermit {
    bounds: Arc<Bounds>,
    ip: IpAddr,
}

impl Drop for ConnectionPermit {
    fn drop(&mut self) {
        lock(&self.bounds.connections).remove(self.ip);
    }
}

/// One open live-ticket stream; dropping it frees its place.
#[derive(Debug)]
pub(crate) struct LivePermit {
    live: Arc<Mutex<Counts>>,
    ip: IpAddr,
}

impl Drop for LivePermit {
    fn drop(&mut self) {
        lock(&self.live).remove(self.ip);
    }
}

/// The peer's address, when the request came through the server's accept
/// loop (a router driven directly by a test has none).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Peer(pub(crate) Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for Peer {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip())))
    }
}

/// Middleware inside the guard: an authenticated request marks its source
/// as a terminal's, so the reserved connection places stay open to it.
pub(crate) async fn note_terminal(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if req.extensions().get::<Caller>().is_some()
        && let Some(ConnectInfo(peer)) = req.extensions().get::<ConnectInfo<SocketAddr>>()
    {
        state.bounds().trust(peer.ip());
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn strangers_stop_short_of_the_reserve_and_their_own_cap_this_pc_and_terminals_do_not() {
        let limits = Limits { max_connections: 10, reserved: 4, per_source: 4, ..Limits::default() };
        let b = Arc::new(Bounds::new(limits));
        b.trust(ip("10.0.0.9"));
        let mut held: Vec<ConnectionPermit> = (0..4).map(|_| b.admit(ip("10.0.0.2")).unwrap()).collect();
        assert!(b.admit(ip("10.0.0.2")).is_none(), "per source");
        held.extend((0..2).map(|_| b.admit(ip("10.0.0.3")).unwrap()));
        assert!(b.admit(ip("10.0.0.4")).is_none(), "six taken: the last four are reserved");
        held.extend((0..2).map(|_| b.admit(ip("127.0.0.1")).unwrap()));
        held.extend((0..2).map(|_| b.admit(ip("10.0.0.9")).unwrap()));
        assert!(b.admit(ip("127.0.0.1")).is_none(), "the total cap holds for everyone");
        held.truncate(3);
        assert!(b.admit(ip("10.0.0.4")).is_some(), "places come back when connections close");
        assert!(!is_this_pc(ip("127.0.0.2")) && is_this_pc(ip("::1")) && is_this_pc(ip("::ffff:127.0.0.1")));
    }

    #[test]
    fn live_streams_are_capped_per_source_and_in_total() {
        let limits = Limits { live_streams: 3, live_streams_per_source: 2, ..Limits::default() };
        let b = Bounds::new(limits);
        let a1 = b.open_live_stream(Some(ip("10.0.0.2"))).unwrap();
        let _a2 = b.open_live_stream(Some(ip("10.0.0.2"))).unwrap();
        assert_eq!(b.open_live_stream(Some(ip("10.0.0.2"))).unwrap_err().code(), "live_streams_full");
        let _b1 = b.open_live_stream(Some(ip("10.0.0.3"))).unwrap();
        assert!(b.open_live_stream(Some(ip("10.0.0.4"))).is_err(), "total");
        drop(a1);
        assert!(b.open_live_stream(Some(ip("10.0.0.4"))).is_ok());
    }
}
