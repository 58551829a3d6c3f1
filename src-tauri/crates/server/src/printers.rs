//! What the server knows of its printers between prints: each one's last
//! seen status (for the board and for "known faulty just now"), one lock
//! per printer (so the worker and an issue never interleave two jobs on
//! one printer) and the address the server listens on (the live-ticket
//! URL's base). Kept in the app state; [`crate::printing`] does the
//! printing, so the state does not depend on it.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use hallq_store::hallq_core::Millis;

use crate::error::ErrorBody;
use crate::routes::printing::PrinterStateDto;

/// The printers' last seen status and one lock per printer.
#[derive(Default)]
pub(crate) struct Printing {
    seen: Mutex<HashMap<String, Seen>>,
    locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    bound: Mutex<Option<SocketAddr>>,
}

/// A printer's status as last seen.
#[derive(Debug, Clone)]
pub(crate) struct Seen {
    pub(crate) state: PrinterStateDto,
    /// The hall clock's time, for the board.
    pub(crate) checked_at: Millis,
    /// The wall clock's, for "known faulty just now".
    pub(crate) when: Instant,
    pub(crate) fault: Option<ErrorBody>,
}

impl Printing {
    pub(crate) fn seen(&self, key: &str) -> Option<Seen> {
        self.seen.lock().unwrap_or_else(|p| p.into_inner()).get(key).cloned()
    }

    pub(crate) fn see(&self, key: &str, state: PrinterStateDto, checked_at: Millis, fault: Option<ErrorBody>) {
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        // A successful print says "ready"; keep a near-end warning seen before.
        let state = match (state, seen.get(key).map(|s| s.state)) {
            (PrinterStateDto::Ready, Some(PrinterStateDto::PaperNearEnd)) if fault.is_none() => {
                PrinterStateDto::PaperNearEnd
            }
            (s, _) => s,
        };
        seen.insert(key.to_string(), Seen { state, checked_at, when: Instant::now(), fault });
    }

    pub(crate) fn lock(&self, key: &str) -> Arc<tokio::sync::Mutex<()>> {
        self.locks.lock().unwrap_or_else(|p| p.into_inner()).entry(key.to_string()).or_default().clone()
    }

    /// Remembers the address the server listens on (the live-ticket URL's
    /// base when the hall names none). Listening on every interface, the
    /// LAN address is the one this PC would send from (a UDP `connect`
    /// only picks the route; nothing is sent).
    pub(crate) fn set_bound(&self, addr: SocketAddr) {
        let addr = if addr.ip().is_unspecified() {
            lan_ip().map_or(addr, |ip| SocketAddr::new(ip, addr.port()))
        } else {
            addr
        };
        *self.bound.lock().unwrap_or_else(|p| p.into_inner()) = Some(addr);
    }

    pub(crate) fn bound(&self) -> Option<SocketAddr> {
        *self.bound.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// This PC's address on its LAN, if it has a route out.
fn lan_ip() -> Option<std::net::IpAddr> {
    let socket = std::net::UdpSocket::bind("0.0.0.0:0").ok()?;
    // A documentation address (TEST-NET-1): only the routing table is asked.
    socket.connect("192.0.2.1:9").ok()?;
    let ip = socket.local_addr().ok()?.ip();
    (!ip.is_loopback() && !ip.is_unspecified()).then_some(ip)
}
