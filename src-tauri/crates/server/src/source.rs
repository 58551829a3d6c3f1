//! Where a request came from: the peer's address, as the throttles count it.
//!
//! Only the TCP peer is believed (never `X-Forwarded-For`: a hall server has
//! no proxy in front). An IPv6 address counts by its /64, since one LAN host
//! can take any number of addresses inside its prefix; an IPv4-mapped one
//! counts as the IPv4 address. The hall PC itself is `127.0.0.1` or `::1`
//! only: its desktop app and browsers connect there, and no other machine
//! can. (The rest of 127/8 counts as any other source, which is also how
//! the tests stand in for machines on the LAN.)

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use hallq_store::PinOrigin;

use crate::error::ApiError;

/// The source of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Source {
    ip: Option<IpAddr>,
}

impl Source {
    /// A source at this address.
    pub fn new(ip: IpAddr) -> Self {
        Self { ip: Some(ip) }
    }

    /// The key its attempts are counted under.
    pub fn key(&self) -> String {
        match self.ip.map(canonical) {
            Some(IpAddr::V4(v4)) => v4.to_string(),
            Some(IpAddr::V6(v6)) => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
            None => "unknown".into(),
        }
    }

    /// Whether a PIN typed here was typed at the hall PC itself.
    pub fn origin(&self) -> PinOrigin {
        match self.ip.map(canonical) {
            Some(ip) if ip == IpAddr::V4(Ipv4Addr::LOCALHOST) || ip == IpAddr::V6(Ipv6Addr::LOCALHOST) => {
                PinOrigin::Local
            }
            _ => PinOrigin::Lan,
        }
    }
}

fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// The peer address the server recorded for the connection (none when the
/// router is driven without a socket, as in unit tests: an unknown LAN source).
impl<S: Send + Sync> FromRequestParts<S> for Source {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        Ok(Self { ip: parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip()) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_counts_by_its_64_and_only_the_loopback_address_is_the_hall_pc() {
        let a = Source::new("2001:db8:1:2:aaaa::1".parse().unwrap());
        let b = Source::new("2001:db8:1:2:bbbb::9".parse().unwrap());
        assert_eq!(a.key(), b.key(), "one LAN host, many addresses in its prefix");
        assert_eq!(a.key(), "2001:db8:1:2::/64");
        assert_eq!(Source::new("::ffff:192.168.1.7".parse().unwrap()).key(), "192.168.1.7");
        assert_eq!(Source::new("127.0.0.1".parse().unwrap()).origin(), PinOrigin::Local);
        assert_eq!(Source::new("::1".parse().unwrap()).origin(), PinOrigin::Local);
        assert_eq!(Source::new("::ffff:127.0.0.1".parse().unwrap()).origin(), PinOrigin::Local);
        assert_eq!(Source::new("127.0.0.2".parse().unwrap()).origin(), PinOrigin::Lan);
        assert_eq!(Source::new("192.168.1.7".parse().unwrap()).origin(), PinOrigin::Lan);
        assert_eq!(Source { ip: None }.origin(), PinOrigin::Lan);
    }
}
