//! The live ticket page's API: public, by full ticket id only; the queue
//! position moves as others are called; the WebSocket sends the view at
//! once and again when the ticket is called, follows a transfer, and ends
//! with the visit.

use std::time::Duration;

use futures_util::StreamExt;
use reqwest::Method;
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};

use crate::support::{Hall, at};

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// The next JSON message; `None` when the server closed the stream.
async fn next(ws: &mut Ws) -> Option<Value> {
    loop {
        let m = tokio::time::timeout(Duration::from_secs(3), ws.next()).await.expect("a message in time");
        match m? {
            Ok(Message::Text(t)) => return Some(serde_json::from_str(&t).unwrap()),
            Ok(Message::Ping(_) | Message::Pong(_)) => {}
            Ok(Message::Close(_)) | Err(_) => return None,
            Ok(other) => panic!("unexpected {other:?}"),
        }
    }
}

#[tokio::test]
async fn the_live_ticket_is_public_by_id_only_and_follows_the_visit_until_it_ends() {
    let hall = Hall::start().await;
    let sup = hall.supervisor().await;
    hall.agent_pins(&sup).await;
    let kiosk = hall.pair(&sup, "kiosk", None).await;
    let counter = hall.pair(&sup, "counter", Some(1)).await;
    let first = hall.issue(&kiosk, "PAY").await;
    hall.set_time(at(9, 1, 0));
    let mine = hall.issue(&kiosk, "PAY").await;
    let id = mine["id"].as_str().unwrap().to_string();
    let number = mine["number"].as_str().unwrap();

    let live = hall.send(Method::GET, &format!("/api/v1/live/{id}"), None, None).await.expect(200);
    assert_eq!((live["state"].as_str(), live["people_ahead"].as_u64()), (Some("waiting"), Some(1)), "{live}");
    assert_eq!((live["number"].as_str(), live["hall_name"].as_str()), (Some(number), Some("测试营业厅")));
    assert_eq!((live["service_name"].as_str(), live["service_name_en"].as_str()), (Some("交费"), Some("Bill payment")));
    for walk in [number, "00000000-0000-7000-8000-000000000000", "not-a-ticket"] {
        hall.send(Method::GET, &format!("/api/v1/live/{walk}"), None, None).await.expect_error(404, "unknown_ticket");
    }

    let url = format!("{}/api/v1/live/{id}/stream", hall.base.replace("http://", "ws://"));
    let (mut ws, _) = connect_async(url).await.expect("public: no token needed");
    let start = next(&mut ws).await.unwrap();
    assert_eq!((start["state"].as_str(), start["people_ahead"].as_u64()), (Some("waiting"), Some(1)));

    // A counter opens: the estimate appears.
    hall.open_counter(&counter, 1, "1001").await;
    let mut msg = next(&mut ws).await.unwrap();
    while msg["estimated_wait_ms"].is_null() {
        msg = next(&mut ws).await.unwrap();
    }
    assert_eq!((msg["people_ahead"].as_u64(), msg["estimated_wait_ms"].as_u64()), (Some(1), Some(240_000)), "{msg}");
    // The customer before is called: one fewer ahead.
    hall.set_time(at(9, 5, 0));
    let called = hall.post(&counter, "/api/v1/counters/1/call-next", None).await.expect(200);
    assert_eq!(called["ticket"]["id"], first["id"]);
    let moved = next(&mut ws).await.unwrap();
    assert_eq!((moved["state"].as_str(), moved["people_ahead"].as_u64()), (Some("waiting"), Some(0)), "{moved}");
    let polled = hall.send(Method::GET, &format!("/api/v1/live/{id}"), None, None).await.expect(200);
    assert_eq!(polled["people_ahead"], 0);

    // Our turn: "being called at counter 1".
    hall.post(&counter, "/api/v1/counters/1/no-show", None).await.expect(200);
    hall.set_time(at(9, 8, 0));
    hall.post(&counter, "/api/v1/counters/1/call-next", None).await.expect(200);
    let mut msg = next(&mut ws).await.unwrap();
    while msg["state"] == "waiting" {
        msg = next(&mut ws).await.unwrap();
    }
    assert_eq!((msg["state"].as_str(), msg["counter"].as_u64()), (Some("called"), Some(1)), "{msg}");
    assert_eq!(
        (msg["counter_name"].as_str(), msg["counter_name_en"].as_str()),
        (Some("1号窗口 交费"), Some("Counter 1 Payments"))
    );
    assert_eq!(msg["people_ahead"], Value::Null);

    // Sent on to another service: the page follows the new leg.
    hall.post(&counter, "/api/v1/counters/1/start", None).await.expect(200);
    let _serving = next(&mut ws).await.unwrap();
    hall.post(&counter, "/api/v1/counters/1/transfer", Some(json!({"service": "ASK"}))).await.expect(200);
    let moved = next(&mut ws).await.unwrap();
    assert_eq!((moved["state"].as_str(), moved["service"].as_str()), (Some("waiting"), Some("ASK")), "{moved}");
    assert_eq!(moved["ticket"], id.as_str(), "named by the id the customer has");

    // Cancelled: a last message, then the stream closes.
    hall.post(&sup, &format!("/api/v1/tickets/{number}/cancel"), None).await.expect(200);
    let last = next(&mut ws).await.unwrap();
    assert_eq!(last["state"], "cancelled");
    assert!(next(&mut ws).await.is_none(), "the stream ends with the visit");
}

#[tokio::test]
async fn the_live_ticket_page_is_served_without_a_token() {
    let hall = Hall::start().await;
    let r = reqwest::get(format!("{}/t/00000000-0000-7000-8000-000000000000", hall.base)).await.unwrap();
    // 200 with the built page, or the bilingual "not built" page before `npm run build`.
    assert!([200, 503].contains(&r.status().as_u16()), "{}", r.status());
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
}
