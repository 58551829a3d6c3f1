//! Guessing and replaying, tried over HTTP as an attacker on the LAN would:
//! bursts of wrong PINs, unknown staff numbers, locks used as a weapon,
//! pairing-code floods, revoked terminals and expired sessions that keep
//! their streams, and idempotency keys sent to another route.
//!
//! "Machines on the LAN" are clients bound to other loopback addresses
//! (127.0.0.x): the server treats only 127.0.0.1 as the hall PC itself.

use std::net::IpAddr;
use std::time::Duration;

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use hallq_server::Config;
use reqwest::Method;
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};

use crate::support::{ADMIN_PIN, Answer, Hall};

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A machine on the LAN at `ip`, talking to `hall`.
/// Another PC on the hall's LAN: requests from its own loopback address
/// (127.0.0.2 and up; only 127.0.0.1 and ::1 are the hall PC).
pub(crate) struct Machine {
    base: String,
    http: reqwest::Client,
}

impl Machine {
    pub(crate) fn at(hall: &Hall, ip: &str) -> Self {
        let ip: IpAddr = ip.parse().unwrap();
        let http = reqwest::Client::builder().local_address(ip).build().unwrap();
        Self { base: hall.base.clone(), http }
    }

    pub(crate) async fn send(&self, method: Method, path: &str, token: Option<&str>, body: Value) -> Answer {
        let mut req = self.http.request(method, format!("{}{path}", self.base)).json(&body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        let text = res.text().await.unwrap();
        Answer { status, body: serde_json::from_str(&text).unwrap_or(Value::String(text)), cache_control: None }
    }

    async fn login(&self, staff: &str, pin: &str) -> Answer {
        self.send(Method::POST, "/api/v1/session", None, json!({"staff": staff, "pin": pin})).await
    }
}

/// A hall whose per-machine PIN limit does not get in the way of a burst.
async fn burst_hall() -> Hall {
    Hall::start_with(Config {
        pin_attempts_per_minute: 10_000,
        pin_attempts_per_hall_per_minute: 10_000,
        ..Config::default()
    })
    .await
}

/// The highest resident memory of this process so far, KiB.
fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[tokio::test]
async fn a_hundred_parallel_wrong_pins_verify_at_most_five_lock_the_number_and_stay_in_bounded_memory() {
    let hall = burst_hall().await;
    hall.supervisor().await;
    let attacker = Machine::at(&hall, "127.0.0.2");
    let before = peak_rss_kib();
    let answers: Vec<Answer> =
        (0..100).map(|_| attacker.login("0001", "000000")).collect::<FuturesUnordered<_>>().collect().await;
    let grown_mib = (peak_rss_kib().saturating_sub(before)) / 1024;
    let count = |status: u16, code: &str| answers.iter().filter(|a| a.status == status && a.code() == code).count();
    let (wrong, locked, busy) = (count(401, "wrong_pin"), count(429, "staff_locked"), count(429, "pin_busy"));
    assert_eq!(wrong + locked + busy, 100, "{answers:?}");
    assert!(wrong <= 4, "at most five guesses verified (the fifth answers locked): {wrong} wrong");
    assert!(busy > 0, "the excess is refused at once");
    // 100 argon2 runs at once took 1.9 GiB; two at a time take ~40 MiB.
    assert!(grown_mib < 500, "peak memory grew {grown_mib} MiB");
    // Wait for the queued checks to finish, then the lock holds.
    let mut tries = 0;
    loop {
        let a = attacker.login("0001", ADMIN_PIN).await;
        if a.code() != "pin_busy" {
            a.expect_error(429, "staff_locked");
            break;
        }
        tries += 1;
        assert!(tries < 50, "the gate never emptied");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn the_right_pin_sent_into_a_burst_of_wrong_ones_opens_no_session() {
    let hall = Hall::start_with(Config {
        pin_attempts_per_minute: 10_000,
        pin_attempts_per_hall_per_minute: 10_000,
        pin_checks: (2, 200),
        ..Config::default()
    })
    .await;
    hall.supervisor().await;
    let attacker = Machine::at(&hall, "127.0.0.2");
    let mut burst: FuturesUnordered<_> = (0..99).map(|_| attacker.login("0001", "000000")).collect();
    // As soon as the burst has locked the number, the right PIN joins it.
    let mut seen = Vec::new();
    while let Some(a) = burst.next().await {
        let locked = a.code() == "staff_locked";
        seen.push(a);
        if locked {
            break;
        }
    }
    let right = attacker.login("0001", ADMIN_PIN);
    let (right, rest): (Answer, Vec<Answer>) = tokio::join!(right, burst.collect::<Vec<_>>());
    seen.extend(rest);
    right.expect_error(429, "staff_locked");
    assert!(seen.iter().all(|a| a.status != 201), "no guess opened a session");
    assert!(seen.iter().filter(|a| a.code() == "wrong_pin").count() <= 4, "at most five guesses verified");
    attacker.login("0001", ADMIN_PIN).await.expect_error(429, "staff_locked");
}

#[tokio::test]
async fn an_unknown_staff_number_answers_exactly_like_a_wrong_pin() {
    let hall = burst_hall().await;
    let sup = hall.supervisor().await;
    hall.agent_pins(&sup).await;
    let lan = Machine::at(&hall, "127.0.0.2");
    for i in 0..6 {
        let real = lan.login("0001", "999999").await;
        let agent = lan.login("1001", "999999").await;
        let unknown = lan.login("7777", "999999").await;
        assert_eq!(real.status, if i < 4 { 401 } else { 429 }, "{}", real.body);
        // The lock's message names the number typed; nothing else differs.
        let typed = |a: &Answer, who: &str| (a.status, a.body.to_string().replace(who, "N"));
        assert_eq!(typed(&agent, "1001"), typed(&real, "0001"), "a real agent");
        assert_eq!(typed(&unknown, "7777"), typed(&real, "0001"), "an unknown number");
    }
}

#[tokio::test]
async fn a_lan_machine_cannot_lock_the_supervisor_out_at_the_hall_pc() {
    let hall = burst_hall().await;
    hall.supervisor().await;
    let attacker = Machine::at(&hall, "127.0.0.2");
    for _ in 0..5 {
        attacker.login("0001", "000000").await;
    }
    attacker.login("0001", ADMIN_PIN).await.expect_error(429, "staff_locked");
    Machine::at(&hall, "127.0.0.3").login("0001", ADMIN_PIN).await.expect_error(429, "staff_locked");
    // At the hall PC itself the supervisor still gets in.
    Machine::at(&hall, "127.0.0.1").login("0001", ADMIN_PIN).await.expect(201);
    // And `hallq unlock` (the same store call) lifts the LAN lock.
    let (store, h) = (hall.state.store().clone(), hall.state.hall());
    assert!(store.unlock_staff(h, "0001", hall.state.now()).unwrap());
    attacker.login("0001", ADMIN_PIN).await.expect(201);
}

#[tokio::test]
async fn a_lan_machine_gets_a_few_pins_a_minute_whatever_the_numbers() {
    let hall = Hall::start_with(Config { pin_attempts_per_minute: 10, ..Config::default() }).await;
    hall.supervisor().await;
    let attacker = Machine::at(&hall, "127.0.0.2");
    for i in 0..10 {
        attacker.login(&format!("{}", 5000 + i), "000000").await.expect_error(401, "wrong_pin");
    }
    attacker.login("5100", "000000").await.expect_error(429, "too_many_attempts");
    Machine::at(&hall, "127.0.0.3").login("0001", ADMIN_PIN).await.expect(201);
    hall.set_time(hall.state.now() + 60_000);
    attacker.login("5101", "000000").await.expect_error(401, "wrong_pin");
}

#[tokio::test]
async fn pairing_codes_are_counted_per_machine_before_they_are_checked() {
    let hall = Hall::start().await;
    let sup = hall.supervisor().await;
    let code = hall
        .post(&sup, "/api/v1/pairing-codes", Some(json!({"role": "display", "name": "大屏"})))
        .await
        .expect(201)["code"]
        .as_str()
        .unwrap()
        .to_string();
    let wrong = if code == "000000" { "000001" } else { "000000" };
    let attacker = Machine::at(&hall, "127.0.0.2");
    let answers: Vec<Answer> = (0..200)
        .map(|_| attacker.send(Method::POST, "/api/v1/pair", None, json!({"code": wrong})))
        .collect::<FuturesUnordered<_>>()
        .collect()
        .await;
    let checked = answers.iter().filter(|a| a.status == 404).count();
    let refused = answers.iter().filter(|a| a.status == 429 && a.code() == "too_many_attempts").count();
    assert_eq!((checked, refused), (20, 180), "exactly the limit was checked");
    // The terminal the supervisor is pairing is another machine: not held up.
    let display = Machine::at(&hall, "127.0.0.3");
    display.send(Method::POST, "/api/v1/pair", None, json!({"code": code})).await.expect(201);
}

/// The open stream of `token`.
async fn stream_of(hall: &Hall, token: &str) -> Ws {
    let url = format!("{}/api/v1/stream?token={token}", hall.base.replace("http://", "ws://"));
    connect_async(url).await.expect("a stream").0
}

/// Reads until the server closes the stream: the messages before the close,
/// and the close frame's code and reason.
async fn until_closed(ws: &mut Ws) -> (Vec<Value>, u16, String) {
    let mut messages = Vec::new();
    loop {
        let m = tokio::time::timeout(Duration::from_secs(3), ws.next()).await.expect("closed in time");
        match m.expect("a frame").expect("no error") {
            Message::Text(t) => messages.push(serde_json::from_str(&t).unwrap()),
            Message::Close(Some(f)) => return (messages, u16::from(f.code), f.reason.to_string()),
            Message::Close(None) => panic!("closed without a reason"),
            _ => {}
        }
    }
}

#[tokio::test]
async fn revoking_a_terminal_closes_its_open_stream_at_once_with_the_reason() {
    let hall = Hall::start().await;
    let sup = hall.supervisor().await;
    let kiosk = hall.pair(&sup, "kiosk", None).await;
    let display = hall.pair(&sup, "display", None).await;
    let id = hall.get(&display, "/api/v1/me").await.expect(200)["terminal"].as_str().unwrap().to_string();
    let mut ws = stream_of(&hall, &display).await;
    let mut other = stream_of(&hall, &kiosk).await;
    hall.send(Method::DELETE, &format!("/api/v1/terminals/{id}"), Some(&sup), None).await.expect(204);
    hall.issue(&kiosk, "PAY").await;
    let (messages, code, reason) = until_closed(&mut ws).await;
    assert_eq!((code, reason.as_str()), (4001, "terminal_revoked"));
    assert!(messages.iter().all(|m| m["type"] != "event"), "no event after the revocation: {messages:?}");
    let last = messages.last().unwrap();
    assert_eq!((last["type"].as_str(), last["code"].as_str()), (Some("error"), Some("terminal_revoked")));
    assert!(!last["message_zh"].as_str().unwrap().is_empty() && !last["message_en"].as_str().unwrap().is_empty());
    // Another terminal's stream is untouched.
    loop {
        let m = tokio::time::timeout(Duration::from_secs(2), other.next()).await.unwrap().unwrap().unwrap();
        if let Message::Text(t) = m
            && serde_json::from_str::<Value>(&t).unwrap()["type"] == "event"
        {
            break;
        }
    }
}

#[tokio::test]
async fn a_session_stream_closes_when_the_session_expires_or_logs_out() {
    let hall = Hall::start().await;
    let sup = hall.supervisor().await;
    let mut ws = stream_of(&hall, &sup).await;
    hall.set_time(hall.state.now() + 12 * 3_600_000 + 1);
    let (_, code, reason) = until_closed(&mut ws).await;
    assert_eq!((code, reason.as_str()), (4002, "session_expired"));

    let other =
        hall.send(Method::POST, "/api/v1/session", None, Some(json!({"staff": "0001", "pin": ADMIN_PIN}))).await;
    let token = other.expect(201)["token"].as_str().unwrap().to_string();
    let mut ws = stream_of(&hall, &token).await;
    hall.send(Method::DELETE, "/api/v1/session", Some(&token), None).await.expect(204);
    let (_, code, reason) = until_closed(&mut ws).await;
    assert_eq!((code, reason.as_str()), (4002, "session_expired"), "a session logs in again, it is not paired");
}

#[tokio::test]
async fn an_idempotency_key_answers_only_the_request_it_was_first_sent_with() {
    let hall = Hall::start().await;
    let sup = hall.supervisor().await;
    let key = [("Idempotency-Key", "K-1")];
    let ticket = json!({"service": "PAY"});
    let first = hall.send_with(Method::POST, "/api/v1/tickets", Some(&sup), Some(ticket.clone()), &key).await;
    let first = first.expect(201);
    let again = hall.send_with(Method::POST, "/api/v1/tickets", Some(&sup), Some(ticket), &key).await.expect(201);
    assert_eq!(again["ticket"]["id"], first["ticket"]["id"], "a retry gets the first answer");
    // The same key on another route, or with another body: refused, nothing done.
    let cmp = json!({"prefix": "G", "name_zh": "投诉", "name_en": "Complaints", "target_wait_min": 7, "target_handling_min": 9});
    hall.send_with(Method::PUT, "/api/v1/settings/services/CMP", Some(&sup), Some(cmp.clone()), &key)
        .await
        .expect_error(422, "idempotency_key_reused");
    hall.send_with(Method::POST, "/api/v1/tickets", Some(&sup), Some(json!({"service": "ASK"})), &key)
        .await
        .expect_error(422, "idempotency_key_reused");
    let settings = hall.get(&sup, "/api/v1/settings").await.expect(200);
    let services = settings["services"].as_array().unwrap();
    let cmp_now = services.iter().find(|s| s["code"] == "CMP").unwrap();
    assert_eq!(cmp_now["target_wait_min"], 15, "the service did not change");
    let tickets = hall.get(&sup, "/api/v1/tickets").await.expect(200);
    assert_eq!(tickets.as_array().unwrap().len(), 1, "one ticket in all");
    // A new key acts.
    let fresh = [("Idempotency-Key", "K-2")];
    hall.send_with(Method::PUT, "/api/v1/settings/services/CMP", Some(&sup), Some(cmp), &fresh).await.expect(200);
}

#[test]
fn the_document_states_the_idempotency_key_rules_on_every_route_that_takes_it() {
    let doc = hallq_server::openapi_json();
    let mut seen = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let params = op["parameters"].as_array().into_iter().flatten();
            for p in params.filter(|p| p["name"] == "Idempotency-Key") {
                seen += 1;
                assert_eq!(p["in"], "header", "{method} {path}");
                let s = &p["schema"];
                assert_eq!((s["minLength"].as_u64(), s["maxLength"].as_u64()), (Some(1), Some(64)), "{method} {path}");
                assert_eq!(s["pattern"], "^[!-~]{1,64}$", "{method} {path}");
                assert!(p["description"].as_str().unwrap().contains("idempotency_key_reused"), "{method} {path}");
            }
        }
    }
    assert!(seen >= 20, "every command takes a key: {seen}");
}
