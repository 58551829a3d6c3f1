//! The server's bounds against a flood, on the real accept loop: idle and
//! half-sent connections are closed after the header timeout; a flood of
//! idle sockets from the LAN stops short of the places kept for this PC and
//! the hall's terminals, so `/health`, a ticket issue and a known terminal
//! still get through; the public live streams are capped per source and in
//! total with a bilingual 429. Other addresses of 127.0.0.0/8 stand in for
//! the LAN's machines (only 127.0.0.1 and ::1 count as this PC).

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use futures_util::future::join_all;
use hallq_server::{Config, Limits};
use reqwest::Method;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::tungstenite::Error as WsError;
use tokio_tungstenite::tungstenite::http::Request;

use crate::support::Hall;

async fn start(limits: Limits) -> Hall {
    Hall::start_with(Config { limits, ..Config::default() }).await
}

fn server_addr(hall: &Hall) -> SocketAddr {
    hall.base.trim_start_matches("http://").parse().unwrap()
}

/// A TCP connection to the server from `from` (e.g. 127.0.0.2).
async fn connect_from(hall: &Hall, from: &str) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(SocketAddr::new(from.parse().unwrap(), 0)).unwrap();
    socket.connect(server_addr(hall)).await.unwrap()
}

/// Reads until the server closes the connection; how long that took, or
/// `None` if it was still open after `limit`.
async fn closed_within(stream: &mut TcpStream, limit: Duration) -> Option<Duration> {
    let started = Instant::now();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout(limit.saturating_sub(started.elapsed()), stream.read(&mut buf)).await {
            Err(_) => return None,
            Ok(Ok(0) | Err(_)) => return Some(started.elapsed()),
            Ok(Ok(_)) => {}
        }
    }
}

#[tokio::test]
async fn idle_and_half_sent_connections_are_closed_after_the_header_timeout() {
    let timeout = Duration::from_millis(400);
    let hall = start(Limits { header_read_timeout: timeout, ..Limits::default() }).await;

    // Nothing sent at all.
    let mut idle = connect_from(&hall, "127.0.0.1").await;
    // A request head never finished (slowloris).
    let mut partial = connect_from(&hall, "127.0.0.1").await;
    partial.write_all(b"GET /api/v1/health HTTP/1.1\r\nHost: hall\r\nX-Slow: 1").await.unwrap();
    // A kept-alive connection after its answer, waiting for a next request.
    let mut kept = connect_from(&hall, "127.0.0.1").await;
    kept.write_all(b"GET /api/v1/health HTTP/1.1\r\nHost: hall\r\n\r\n").await.unwrap();
    let mut answer = [0u8; 16];
    kept.read_exact(&mut answer).await.unwrap();
    assert!(answer.starts_with(b"HTTP/1.1 200"), "{}", String::from_utf8_lossy(&answer));

    let limit = Duration::from_secs(5);
    for (what, stream) in [("idle", &mut idle), ("partial headers", &mut partial), ("kept alive", &mut kept)] {
        let took = closed_within(stream, limit).await.unwrap_or_else(|| panic!("{what}: still open after {limit:?}"));
        assert!(took < Duration::from_secs(3), "{what}: closed only after {took:?}");
    }
}

#[tokio::test]
async fn a_flood_of_idle_sockets_leaves_health_a_ticket_issue_and_known_terminals_answering() {
    let limits = Limits {
        header_read_timeout: Duration::from_secs(30),
        max_connections: 64,
        reserved: 16,
        per_source: 30,
        ..Limits::default()
    };
    let hall = start(limits).await;
    let sup = hall.supervisor().await;
    let kiosk = hall.pair(&sup, "kiosk", None).await;
    // A counter PC on the LAN that has used its token before the flood.
    let counter_pc: IpAddr = "127.0.0.3".parse().unwrap();
    let counter_client = reqwest::Client::builder().local_address(counter_pc).build().unwrap();
    let counter = hall.pair(&sup, "counter", Some(1)).await;
    let queue =
        |client: &reqwest::Client| client.get(format!("{}/api/v1/counters/1", hall.base)).bearer_auth(&counter).send();
    assert!(queue(&counter_client).await.unwrap().status().is_success());

    // Two LAN machines open 100 idle sockets each and send nothing.
    let mut held = Vec::new();
    for from in ["127.0.0.2", "127.0.0.5"] {
        held.extend(join_all((0..100).map(|_| connect_from(&hall, from))).await);
    }
    let checks = join_all(held.iter_mut().map(|s| closed_within(s, Duration::from_millis(700)))).await;
    let open = checks.iter().filter(|c| c.is_none()).count();
    // 30 from the first (its own cap), the second up to 64 − 16 = 48 in
    // all, less the few kept-alive connections of the set-up above.
    assert!((40..=48).contains(&open), "the server kept {open} of 200 idle sockets open");

    // A third stranger finds no place: the server closes at once.
    let mut stranger = connect_from(&hall, "127.0.0.4").await;
    assert!(closed_within(&mut stranger, Duration::from_secs(2)).await.is_some(), "a stranger past the cap");

    // This PC and the known counter PC still get through, quickly.
    let started = Instant::now();
    hall.send(Method::GET, "/api/v1/health", None, None).await.expect(200);
    hall.issue(&kiosk, "PAY").await;
    assert!(queue(&counter_client).await.unwrap().status().is_success(), "a known terminal uses the reserve");
    assert!(started.elapsed() < Duration::from_secs(3), "answers took {:?}", started.elapsed());

    // The places come back when the flood goes.
    drop(held);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut later = connect_from(&hall, "127.0.0.4").await;
    later.write_all(b"GET /api/v1/health HTTP/1.1\r\nHost: hall\r\nConnection: close\r\n\r\n").await.unwrap();
    let mut answer = Vec::new();
    later.read_to_end(&mut answer).await.unwrap();
    assert!(answer.starts_with(b"HTTP/1.1 200"), "{}", String::from_utf8_lossy(&answer));
}

/// Opens the live stream of `ticket` from `from`; the refusal's status and
/// JSON body when the server refuses.
async fn live_from(hall: &Hall, ticket: &str, from: &str) -> Result<impl Sized, (u16, serde_json::Value)> {
    let url = format!("{}/api/v1/live/{ticket}/stream", hall.base.replace("http://", "ws://"));
    let request = Request::get(&url)
        .header("Host", server_addr(hall).to_string())
        .header("Connection", "Upgrade")
        .header("Upgrade", "websocket")
        .header("Sec-WebSocket-Version", "13")
        .header("Sec-WebSocket-Key", tokio_tungstenite::tungstenite::handshake::client::generate_key())
        .body(())
        .unwrap();
    match tokio_tungstenite::client_async(request, connect_from(hall, from).await).await {
        Ok((ws, _)) => Ok(ws),
        Err(WsError::Http(response)) => {
            let body = response.body().as_deref().map(serde_json::from_slice).and_then(Result::ok);
            Err((response.status().as_u16(), body.unwrap_or_default()))
        }
        Err(e) => panic!("live stream from {from}: {e}"),
    }
}

#[tokio::test]
async fn public_live_streams_are_capped_per_source_and_in_total_with_a_bilingual_429() {
    let hall = start(Limits { live_streams: 3, live_streams_per_source: 2, ..Limits::default() }).await;
    let sup = hall.supervisor().await;
    let kiosk = hall.pair(&sup, "kiosk", None).await;
    let ticket = hall.issue(&kiosk, "PAY").await["id"].as_str().unwrap().to_string();

    let first = live_from(&hall, &ticket, "127.0.0.2").await.expect("a first phone");
    let _second = live_from(&hall, &ticket, "127.0.0.2").await.expect("a second phone on the same Wi-Fi");
    let refused = |r: Result<_, (u16, serde_json::Value)>| match r {
        Ok(_) => panic!("a stream past the cap was accepted"),
        Err((status, body)) => {
            assert_eq!((status, body["code"].as_str()), (429, Some("live_streams_full")), "{body}");
            let (zh, en) = (body["message_zh"].as_str().unwrap(), body["message_en"].as_str().unwrap());
            assert!(!zh.is_empty() && !en.is_empty() && zh != en, "bilingual: {body}");
        }
    };
    refused(live_from(&hall, &ticket, "127.0.0.2").await);
    let _third = live_from(&hall, &ticket, "127.0.0.3").await.expect("another source");
    refused(live_from(&hall, &ticket, "127.0.0.4").await);
    // A closed stream frees its place.
    drop(first);
    let started = Instant::now();
    loop {
        match live_from(&hall, &ticket, "127.0.0.4").await {
            Ok(_) => break,
            Err(_) if started.elapsed() < Duration::from_secs(3) => tokio::time::sleep(Duration::from_millis(50)).await,
            Err((status, body)) => panic!("the place did not come back: {status} {body}"),
        }
    }
    // The REST view stays open to everyone: the page polls it instead.
    hall.send(Method::GET, &format!("/api/v1/live/{ticket}"), None, None).await.expect(200);
}
