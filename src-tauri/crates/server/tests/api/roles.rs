//! Every role against every route: allowed exactly where the permission
//! matrix says; a counter or rating pad only on its own counter; a revoked
//! or expired token stops working at once.

use hallq_server::{Permission, Role};
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{Hall, MIN};

/// The documented operations: method, path, permission.
async fn operations(hall: &Hall) -> Vec<(Method, String, Permission)> {
    let doc = hall.send(Method::GET, "/api/v1/openapi.json", None, None).await.expect(200);
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let req = &op["security"][0];
            let perm = match req.as_object().unwrap().get("token") {
                None => Permission::Public,
                Some(scopes) => Permission::parse(scopes[0].as_str().unwrap()).unwrap(),
            };
            ops.push((Method::from_bytes(method.to_uppercase().as_bytes()).unwrap(), path.clone(), perm));
        }
    }
    // Ending one's own session revokes the token used for the rest: last.
    ops.sort_by_key(|(m, p, _)| (*m == Method::DELETE && p == "/api/v1/session", p.clone(), m.to_string()));
    ops
}

/// A concrete path for a documented one; `{counter}` becomes `counter`.
fn concrete(path: &str, counter: u32) -> String {
    path.replace("{counter}", &counter.to_string())
        .replace("{ticket}", "A999")
        .replace("{id}", "00000000-0000-7000-8000-000000000000")
        .replace("{code}", "ZZZ")
        .replace("{number}", "99")
}

/// A body that no route accepts (every request type denies unknown
/// fields), so an allowed request is refused by validation and changes nothing.
fn probe(method: &Method) -> Option<Value> {
    (*method == Method::POST || *method == Method::PUT).then(|| json!({"__probe": true}))
}

#[tokio::test]
async fn every_role_is_allowed_exactly_where_the_matrix_says() {
    let hall = Hall::start().await;
    let sup = hall.supervisor().await;
    let mut tokens: Vec<(Option<Role>, Option<String>)> = vec![(None, None)];
    for (role, counter) in [
        (Role::Kiosk, None),
        (Role::Counter, Some(1)),
        (Role::Display, None),
        (Role::RatingPad, Some(1)),
        (Role::Board, None),
    ] {
        tokens.push((Some(role), Some(hall.pair(&sup, role.as_str(), counter).await)));
    }
    tokens.push((Some(Role::Supervisor), Some(sup.clone())));
    let ops = operations(&hall).await;
    assert!(ops.len() > 40, "{} operations", ops.len());

    let mut checked = 0;
    for (role, token) in &tokens {
        for (method, path, perm) in &ops {
            let a = hall.send(method.clone(), &concrete(path, 1), token.as_deref(), probe(method)).await;
            let what = format!("{role:?} {method} {path} ({perm:?}) → {} {}", a.status, a.body);
            let allowed = *perm == Permission::Public || role.is_some_and(|r| perm.allows(r));
            if allowed {
                assert!(![401, 403].contains(&a.status), "should be allowed: {what}");
            } else if role.is_none() {
                assert_eq!((a.status, a.code()), (401, "unauthorized"), "{what}");
            } else {
                assert_eq!((a.status, a.code()), (403, "forbidden"), "{what}");
            }
            assert!(a.status < 500, "{what}");
            checked += 1;
        }
    }
    assert_eq!(checked, tokens.len() * ops.len());
}

#[tokio::test]
async fn a_counter_and_its_rating_pad_act_only_on_their_own_counter() {
    let hall = Hall::start().await;
    let sup = hall.supervisor().await;
    let counter = hall.pair(&sup, "counter", Some(1)).await;
    let pad = hall.pair(&sup, "rating_pad", Some(1)).await;
    let ops = operations(&hall).await;
    let mut checked = 0;
    for (role, token) in [(Role::Counter, &counter), (Role::RatingPad, &pad)] {
        for (method, path, perm) in ops.iter().filter(|(_, p, perm)| p.contains("{counter}") && perm.allows(role)) {
            let a = hall.send(method.clone(), &concrete(path, 2), Some(token), probe(method)).await;
            assert_eq!((a.status, a.code()), (403, "not_your_counter"), "{role:?} {method} {path} ({perm:?})");
            checked += 1;
        }
    }
    assert!(checked >= 15, "{checked}");
    // The same path with its own counter passes the guard.
    hall.get(&counter, "/api/v1/counters/1").await.expect(200);
    hall.get(&pad, "/api/v1/counters/1/rating").await.expect(200);
}

#[tokio::test]
async fn a_revoked_terminal_and_an_ended_or_expired_session_stop_working_at_once() {
    let hall = Hall::start().await;
    let sup = hall.supervisor().await;
    let kiosk = hall.pair(&sup, "kiosk", None).await;
    hall.get(&kiosk, "/api/v1/services").await.expect(200); // now cached
    let terminals = hall.get(&sup, "/api/v1/terminals").await.expect(200);
    let id = terminals.as_array().unwrap().iter().find(|t| t["role"] == "kiosk").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    hall.send(Method::DELETE, &format!("/api/v1/terminals/{id}"), Some(&sup), None).await.expect(204);
    hall.get(&kiosk, "/api/v1/services").await.expect_error(401, "unauthorized");
    let again = hall.send(Method::DELETE, "/api/v1/terminals/00000000-0000-7000-8000-000000000000", Some(&sup), None);
    again.await.expect_error(404, "unknown_terminal");

    // A supervisor session ends on logout...
    let s2 = hall.send(Method::POST, "/api/v1/session", None, Some(json!({"staff": "0001", "pin": "246810"}))).await;
    let s2 = s2.expect(201)["token"].as_str().unwrap().to_string();
    hall.get(&s2, "/api/v1/me").await.expect(200);
    hall.send(Method::DELETE, "/api/v1/session", Some(&s2), None).await.expect(204);
    hall.get(&s2, "/api/v1/me").await.expect_error(401, "unauthorized");
    // ... and by itself after 12 hours.
    hall.get(&sup, "/api/v1/me").await.expect(200);
    hall.clock.advance(12 * 60 * MIN);
    hall.get(&sup, "/api/v1/me").await.expect_error(401, "unauthorized");
}

#[tokio::test]
async fn setup_works_once_and_only_supervisors_get_sessions() {
    let hall = Hall::start().await;
    let health = hall.send(Method::GET, "/api/v1/health", None, None).await.expect(200);
    assert_eq!(health["needs_setup"], true);
    let bad = hall.send(Method::POST, "/api/v1/setup", None, Some(json!({"pin": "12"}))).await;
    bad.expect_error(422, "bad_pin");
    let sup = hall.supervisor().await;
    let me = hall.get(&sup, "/api/v1/me").await.expect(200);
    assert_eq!((me["role"].as_str(), me["name"].as_str()), (Some("supervisor"), Some("0001")));
    let again = hall.send(Method::POST, "/api/v1/setup", None, Some(json!({"pin": "999999"}))).await;
    again.expect_error(409, "already_set_up");
    assert_eq!(hall.send(Method::GET, "/api/v1/health", None, None).await.expect(200)["needs_setup"], false);

    hall.agent_pins(&sup).await;
    let agent = hall.send(Method::POST, "/api/v1/session", None, Some(json!({"staff": "1001", "pin": "1357"}))).await;
    agent.expect_error(403, "not_supervisor");
    let wrong = hall.send(Method::POST, "/api/v1/session", None, Some(json!({"staff": "0001", "pin": "000000"}))).await;
    wrong.expect_error(401, "wrong_pin");
}

#[tokio::test]
async fn pairing_codes_work_once_and_fit_their_role() {
    let hall = Hall::start().await;
    let sup = hall.supervisor().await;
    let ask = |body: Value| hall.post(&sup, "/api/v1/pairing-codes", Some(body));
    ask(json!({"role": "counter", "name": "窗口"})).await.expect_error(422, "invalid_request");
    ask(json!({"role": "kiosk", "counter": 1, "name": "取号机"})).await.expect_error(422, "invalid_request");
    ask(json!({"role": "supervisor", "name": "x"})).await.expect_error(422, "invalid_request");
    ask(json!({"role": "counter", "counter": 77, "name": "窗口"})).await.expect_error(404, "unknown_counter");
    ask(json!({"role": "cashier", "name": "x"})).await.expect_error(422, "invalid_body");
    let code = ask(json!({"role": "display", "name": "大厅电视"})).await.expect(201);
    let code = code["code"].as_str().unwrap().to_string();
    let pair = || hall.send(Method::POST, "/api/v1/pair", None, Some(json!({"code": code})));
    let first = pair().await.expect(201);
    assert_eq!(first["terminal"]["role"], "display");
    pair().await.expect_error(404, "bad_pairing_code");
}

#[tokio::test]
async fn guessing_pairing_codes_is_cut_off() {
    let hall = Hall::start().await;
    // A PC on the LAN (the hall PC itself, on loopback, is not limited).
    let guesser = crate::auth::Machine::at(&hall, "127.0.0.2");
    let mut last = 0;
    for i in 0..25 {
        let a = guesser.send(Method::POST, "/api/v1/pair", None, json!({"code": format!("{i:06}")})).await;
        last = a.status;
        if a.status == 429 {
            a.expect_error(429, "too_many_attempts");
            break;
        }
        assert_eq!(a.status, 404);
    }
    assert_eq!(last, 429);
    hall.clock.advance(MIN);
    assert_eq!(guesser.send(Method::POST, "/api/v1/pair", None, json!({"code": "000000"})).await.status, 404);
    // Meanwhile the hall PC was never held up.
    for i in 0..25 {
        let a = hall.send(Method::POST, "/api/v1/pair", None, Some(json!({"code": format!("{i:06}")}))).await;
        assert_eq!(a.status, 404, "the hall PC is not limited");
    }
}
