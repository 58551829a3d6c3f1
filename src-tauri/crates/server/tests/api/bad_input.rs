//! Bad input gets a clear bilingual 4xx and changes nothing: malformed JSON,
//! wrong types, unknown ids, huge bodies, double submits with the same
//! idempotency key, a flooded kiosk button.

use reqwest::Method;
use serde_json::json;

use crate::support::Hall;

#[tokio::test]
async fn malformed_mistyped_and_unknown_requests_get_bilingual_4xx() {
    let hall = Hall::start().await;
    let sup = hall.supervisor().await;
    let kiosk = hall.pair(&sup, "kiosk", None).await;
    let http = reqwest::Client::new();
    let raw = |body: &'static str, ct: Option<&'static str>| {
        let mut r = http.post(format!("{}/api/v1/tickets", hall.base)).bearer_auth(&kiosk).body(body);
        if let Some(ct) = ct {
            r = r.header("content-type", ct);
        }
        r.send()
    };
    let check = |r: reqwest::Response| async move {
        let status = r.status().as_u16();
        let body: serde_json::Value = r.json().await.expect("every error is JSON");
        (
            status,
            body["code"].as_str().unwrap().to_string(),
            body["message_zh"].is_string() && body["message_en"].is_string(),
        )
    };
    let json_ct = Some("application/json");
    assert_eq!(check(raw("{\"service\": ", json_ct).await.unwrap()).await, (400, "malformed_json".into(), true));
    assert_eq!(check(raw("{\"service\": 7}", json_ct).await.unwrap()).await, (422, "invalid_body".into(), true));
    assert_eq!(check(raw("{}", json_ct).await.unwrap()).await, (422, "invalid_body".into(), true));
    assert_eq!(check(raw("[1,2]", json_ct).await.unwrap()).await, (422, "invalid_body".into(), true));
    assert_eq!(check(raw("{\"service\":\"PAY\"}", None).await.unwrap()).await, (415, "not_json".into(), true));
    let prio = json!({"service": "PAY", "priority": "royal"});
    hall.post(&kiosk, "/api/v1/tickets", Some(prio)).await.expect_error(422, "invalid_body");
    hall.post(&kiosk, "/api/v1/tickets", Some(json!({"service": "NOPE"}))).await.expect_error(404, "unknown_service");

    hall.get(&sup, "/api/v1/tickets/A404").await.expect_error(404, "unknown_ticket");
    hall.get(&sup, "/api/v1/tickets/01890000-0000-7000-8000-000000000000/position")
        .await
        .expect_error(404, "unknown_ticket");
    hall.get(&sup, "/api/v1/counters/99").await.expect_error(404, "unknown_counter");
    hall.get(&sup, "/api/v1/counters/abc").await.expect_error(400, "invalid_path");
    hall.get(&sup, "/api/v1/counters/99999999999").await.expect_error(400, "invalid_path");
    hall.post(&sup, "/api/v1/counters/99/call-next", None).await.expect_error(404, "unknown_counter");
    hall.get(&sup, "/api/v1/kpis?from=2026-13-01").await.expect_error(400, "invalid_query");
    hall.get(&sup, "/api/v1/kpis?by=planet").await.expect_error(400, "invalid_query");
    hall.get(&sup, "/api/v1/kpis?from=2026-11-30&to=2026-11-01").await.expect_error(422, "invalid_request");
    hall.get(&sup, "/api/v1/kpis?from=9999-01-01").await.expect_error(422, "invalid_request");
    let both = json!({"service": "ASK", "counter": 2});
    hall.post(&sup, "/api/v1/counters/1/transfer", Some(both)).await.expect_error(422, "invalid_request");
    hall.send(Method::DELETE, "/api/v1/terminals/not-a-uuid", Some(&sup), None).await.expect_error(400, "invalid_path");
    hall.send(Method::GET, "/api/v1/no/such/route", Some(&sup), None).await.expect_error(404, "no_route");
    hall.send(Method::PATCH, "/api/v1/tickets", Some(&sup), None).await.expect_error(405, "method_not_allowed");
    let bad_auth = hall.send_with(Method::GET, "/api/v1/hall", None, None, &[("authorization", "Basic eHg6eXk=")]);
    bad_auth.await.expect_error(401, "unauthorized");

    // None of it made a ticket.
    let list = hall.get(&sup, "/api/v1/tickets").await.expect(200);
    assert_eq!(list.as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn a_huge_body_is_refused_with_413_before_it_is_read() {
    let hall = Hall::start().await;
    let sup = hall.supervisor().await;
    let kiosk = hall.pair(&sup, "kiosk", None).await;
    let huge = json!({"service": "PAY", "appointment": "x".repeat(100 * 1024)});
    hall.post(&kiosk, "/api/v1/tickets", Some(huge)).await.expect_error(413, "body_too_large");
    // Also without a Content-Length (chunked): the limit holds while reading.
    let chunks = futures_util::stream::iter((0..100).map(|_| Ok::<_, std::io::Error>(bytes_of(&"y".repeat(1024)))));
    let r = reqwest::Client::new()
        .post(format!("{}/api/v1/tickets", hall.base))
        .bearer_auth(&kiosk)
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(chunks))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 413);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["code"], "body_too_large");
    assert_eq!(hall.get(&sup, "/api/v1/tickets").await.expect(200).as_array().unwrap().len(), 0);
}

fn bytes_of(s: &str) -> Vec<u8> {
    s.as_bytes().to_vec()
}

async fn issue_with_key(hall: &Hall, kiosk: &str, key: &str) -> crate::support::Answer {
    let body = Some(json!({"service": "PAY"}));
    hall.send_with(Method::POST, "/api/v1/tickets", Some(kiosk), body, &[("idempotency-key", key)]).await
}

#[tokio::test]
async fn a_double_submit_with_the_same_key_acts_once_and_answers_the_same() {
    let hall = Hall::start().await;
    let sup = hall.supervisor().await;
    let kiosk = hall.pair(&sup, "kiosk", None).await;
    let first = issue_with_key(&hall, &kiosk, "press-1").await.expect(201);
    let again = issue_with_key(&hall, &kiosk, "press-1").await.expect(201);
    assert_eq!(first, again, "the retry gets the first answer (and is not held up by the kiosk interval)");
    let tickets = hall.get(&sup, "/api/v1/tickets").await.expect(200);
    assert_eq!(tickets.as_array().unwrap().len(), 1);
    issue_with_key(&hall, &kiosk, "").await.expect_error(400, "bad_idempotency_key");
    issue_with_key(&hall, &kiosk, &"k".repeat(65)).await.expect_error(400, "bad_idempotency_key");

    // Two terminals using the same key do not share an answer.
    hall.agent_pins(&sup).await;
    let counter = hall.pair(&sup, "counter", Some(1)).await;
    hall.open_counter(&counter, 1, "1001").await;
    let call = || {
        hall.send_with(
            Method::POST,
            "/api/v1/counters/1/call-next",
            Some(&counter),
            None,
            &[("idempotency-key", "press-1")],
        )
    };
    let c1 = call().await.expect(200);
    assert_eq!(c1["ticket"]["number"], "A001");
    let c2 = call().await.expect(200);
    assert_eq!(c1, c2, "a double click on Call calls once");
    let t = hall.get(&sup, "/api/v1/tickets/A001").await.expect(200);
    assert_eq!(t["state"], "called");
}

#[tokio::test]
async fn a_flooded_kiosk_gets_429_and_no_ticket() {
    let hall = Hall::start().await;
    let sup = hall.supervisor().await;
    let kiosk = hall.pair(&sup, "kiosk", None).await;
    let other = hall.pair(&sup, "kiosk", None).await;
    hall.issue(&kiosk, "PAY").await;
    for _ in 0..20 {
        let a = hall.post(&kiosk, "/api/v1/tickets", Some(json!({"service": "PAY"}))).await;
        a.expect_error(429, "kiosk_too_fast");
    }
    hall.issue(&other, "PAY").await; // another kiosk is not held up
    // A refused press does not use up the kiosk's turn...
    hall.clock.advance(2_000);
    hall.post(&kiosk, "/api/v1/tickets", Some(json!({"service": "NOPE"}))).await.expect_error(404, "unknown_service");
    hall.issue(&kiosk, "ASK").await;
    // ... and after two seconds it may issue again.
    hall.clock.advance(1_999);
    hall.post(&kiosk, "/api/v1/tickets", Some(json!({"service": "PAY"}))).await.expect_error(429, "kiosk_too_fast");
    hall.clock.advance(1);
    hall.issue(&kiosk, "PAY").await;
    let tickets = hall.get(&sup, "/api/v1/tickets").await.expect(200);
    assert_eq!(tickets.as_array().unwrap().len(), 4);
}
