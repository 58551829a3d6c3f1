//! The WebSocket stream: a snapshot with its seq, then every event in order;
//! a client that drops and reconnects with `since` misses nothing and sees
//! nothing twice.

use std::time::Duration;

use futures_util::StreamExt;
use serde_json::Value;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};

use crate::support::{Hall, at};

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

async fn connect(hall: &Hall, token: &str, since: Option<u64>) -> Ws {
    let mut url = format!("{}/api/v1/stream?token={token}", hall.base.replace("http://", "ws://"));
    if let Some(s) = since {
        url.push_str(&format!("&since={s}"));
    }
    connect_async(url).await.expect("the stream accepts a paired display").0
}

/// The next JSON message (pings are skipped); fails after two seconds.
async fn next(ws: &mut Ws) -> Value {
    loop {
        let m = tokio::time::timeout(Duration::from_secs(2), ws.next()).await.expect("a message in time");
        match m.expect("stream open").expect("no error") {
            Message::Text(t) => return serde_json::from_str(&t).unwrap(),
            Message::Ping(_) | Message::Pong(_) => {}
            other => panic!("unexpected {other:?}"),
        }
    }
}

/// The next `n` events' seqs and kinds.
async fn events(ws: &mut Ws, n: usize) -> Vec<(u64, String)> {
    let mut out = Vec::new();
    for _ in 0..n {
        let m = next(ws).await;
        assert_eq!(m["type"], "event", "{m}");
        out.push((m["seq"].as_u64().unwrap(), m["kind"].as_str().unwrap().to_string()));
    }
    out
}

/// Nothing more arrives for a while.
async fn quiet(ws: &mut Ws) {
    if let Ok(Some(Ok(Message::Text(t)))) = tokio::time::timeout(Duration::from_millis(300), ws.next()).await {
        panic!("unexpected message {t}");
    }
}

#[tokio::test]
async fn a_snapshot_then_every_event_in_order_and_a_reconnect_misses_nothing() {
    let hall = Hall::start().await;
    let sup = hall.supervisor().await;
    let kiosk = hall.pair(&sup, "kiosk", None).await;
    let display = hall.pair(&sup, "display", None).await;
    hall.issue(&kiosk, "PAY").await;

    let mut ws = connect(&hall, &display, None).await;
    let snap = next(&mut ws).await;
    assert_eq!(snap["type"], "snapshot");
    let seq0 = snap["seq"].as_u64().unwrap();
    let pay = snap["status"]["services"].as_array().unwrap().iter().find(|s| s["service"]["code"] == "PAY").unwrap();
    assert_eq!(pay["waiting"], 1, "the snapshot includes what happened before it");

    for i in 0..3 {
        hall.set_time(at(9, 1 + i, 0));
        hall.issue(&kiosk, "ASK").await;
    }
    let got = events(&mut ws, 3).await;
    assert_eq!(got.iter().map(|e| e.0).collect::<Vec<_>>(), [seq0 + 1, seq0 + 2, seq0 + 3]);
    assert!(got.iter().all(|e| e.1 == "ticket_issued"));
    let last = got[2].0;
    ws.close(None).await.unwrap();

    // While the display is away: more tickets.
    for i in 0..4 {
        hall.set_time(at(9, 10 + i, 0));
        hall.issue(&kiosk, "PAY").await;
    }
    let mut back = connect(&hall, &display, Some(last)).await;
    let missed = events(&mut back, 4).await;
    assert_eq!(missed.iter().map(|e| e.0).collect::<Vec<_>>(), (last + 1..=last + 4).collect::<Vec<_>>());
    // Then live again, with no duplicate of the replay.
    hall.set_time(at(9, 20, 0));
    hall.issue(&kiosk, "PAY").await;
    assert_eq!(events(&mut back, 1).await[0].0, last + 5);
    quiet(&mut back).await;
}

#[tokio::test]
async fn events_committed_while_a_client_catches_up_arrive_once_in_order() {
    let hall =
        Hall::start_with(hallq_server::Config { kiosk_interval: Duration::ZERO, ..hallq_server::Config::default() })
            .await;
    let sup = hall.supervisor().await;
    let kiosk = hall.pair(&sup, "kiosk", None).await;
    let display = hall.pair(&sup, "display", None).await;
    for _ in 0..30 {
        hall.issue(&kiosk, "PAY").await;
    }
    // Reconnect from the start of the log while tickets keep coming.
    let issuing = {
        let (base, kiosk) = (hall.base.clone(), kiosk.clone());
        tokio::spawn(async move {
            let http = reqwest::Client::new();
            for _ in 0..30 {
                let r = http
                    .post(format!("{base}/api/v1/tickets"))
                    .bearer_auth(&kiosk)
                    .json(&serde_json::json!({"service": "ASK"}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 201);
            }
        })
    };
    let mut ws = connect(&hall, &display, Some(0)).await;
    issuing.await.unwrap();
    let last = hall.state.read(|r, h| r.last_seq(h)).await.unwrap();
    let seqs: Vec<u64> = events(&mut ws, last as usize).await.into_iter().map(|e| e.0).collect();
    assert_eq!(seqs, (1..=last).collect::<Vec<_>>());
    quiet(&mut ws).await;
}

#[tokio::test]
async fn a_since_from_the_future_is_refused_and_a_plain_get_is_not_a_stream() {
    let hall = Hall::start().await;
    let sup = hall.supervisor().await;
    let display = hall.pair(&sup, "display", None).await;
    let mut ws = connect(&hall, &display, Some(1_000_000)).await;
    let m = next(&mut ws).await;
    assert_eq!((m["type"].as_str(), m["code"].as_str()), (Some("error"), Some("invalid_request")));
    hall.get(&display, "/api/v1/stream").await.expect_error(400, "not_websocket");
    let refused = connect_async(format!("{}/api/v1/stream?token=nope", hall.base.replace("http://", "ws://"))).await;
    assert!(refused.is_err(), "an unknown token gets no stream");
}
