//! A small hall day over HTTP — paired kiosk, counter, display and rating
//! pad; issue, call, start, finish, rate, cancel — with what the screens
//! show along the way and the day's KPIs checked against values worked out
//! by hand.

use hallq_store::hallq_core::Actor;
use serde_json::json;

use crate::support::{Hall, MIN, at};

#[tokio::test]
async fn a_hall_day_over_http_gives_the_kpis_computed_by_hand() {
    let hall = Hall::start().await;
    let sup = hall.supervisor().await;
    hall.agent_pins(&sup).await;
    let kiosk = hall.pair(&sup, "kiosk", None).await;
    let counter = hall.pair(&sup, "counter", Some(1)).await;
    let display = hall.pair(&sup, "display", None).await;
    let pad = hall.pair(&sup, "rating_pad", Some(1)).await;
    let board = hall.pair(&sup, "board", None).await;

    // 09:00 clerk 1001 logs in at counter 1 (serves PAY, ASK) and opens it.
    hall.open_counter(&counter, 1, "1001").await;
    let a001 = hall.issue(&kiosk, "PAY").await;
    assert_eq!((a001["number"].as_str(), a001["people_ahead"].as_u64()), (Some("A001"), Some(0)));
    // 09:01: one ahead, 4 minutes' target handling, one open counter.
    hall.set_time(at(9, 1, 0));
    let a002 = hall.issue(&kiosk, "PAY").await;
    assert_eq!((a002["number"].as_str(), a002["estimated_wait_ms"].as_i64()), (Some("A002"), Some(4 * MIN)));
    let pos = hall.get(&kiosk, "/api/v1/tickets/A002/position").await.expect(200);
    assert_eq!((pos["people_ahead"].as_u64(), pos["estimated_wait_ms"].as_i64()), (Some(1), Some(4 * MIN)));
    let services = hall.get(&display, "/api/v1/services").await.expect(200);
    let pay = services.as_array().unwrap().iter().find(|s| s["service"]["code"] == "PAY").unwrap();
    assert_eq!(pay["waiting"], 2);

    // 09:05 call A001 (waited 5 min), 09:06 start, 09:10 finish (4 min).
    hall.set_time(at(9, 5, 0));
    let called = hall.post(&counter, "/api/v1/counters/1/call-next", None).await.expect(200);
    assert_eq!(called["ticket"]["number"], "A001");
    hall.set_time(at(9, 6, 0));
    hall.post(&counter, "/api/v1/counters/1/start", None).await.expect(200);
    hall.set_time(at(9, 10, 0));
    hall.post(&counter, "/api/v1/counters/1/finish", None).await.expect(200);
    // The pad asks about A001; the customer gives 非常满意.
    hall.set_time(at(9, 10, 30));
    let pending = hall.get(&pad, "/api/v1/counters/1/rating").await.expect(200);
    assert_eq!(pending["ticket"]["number"], "A001");
    // 好差评 names who served: number and name.
    assert_eq!((pending["ticket"]["staff"].as_str(), pending["staff_name"].as_str()), (Some("1001"), Some("王芳")));
    let id = pending["ticket"]["id"].clone();
    hall.post(&pad, "/api/v1/counters/1/rating", Some(json!({"level": 5, "ticket": id}))).await.expect(200);
    let none = hall.get(&pad, "/api/v1/counters/1/rating").await.expect(200);
    assert!(none["ticket"].is_null() && none["staff_name"].is_null());

    // 09:12 call A002 (waited 11 min), 09:13 start.
    hall.set_time(at(9, 12, 0));
    hall.post(&counter, "/api/v1/counters/1/call-next", None).await.expect(200);
    let calls = hall.get(&display, "/api/v1/calls").await.expect(200);
    let shown: Vec<&str> = calls.as_array().unwrap().iter().map(|c| c["number"].as_str().unwrap()).collect();
    assert_eq!(shown, ["A002", "A001"]);
    hall.set_time(at(9, 13, 0));
    hall.post(&counter, "/api/v1/counters/1/start", None).await.expect(200);
    // 09:15 a customer takes D001 (enquiry) and leaves; 09:16 the supervisor withdraws it.
    hall.set_time(at(9, 15, 0));
    hall.issue(&kiosk, "ASK").await;
    hall.set_time(at(9, 16, 0));
    hall.post(&sup, "/api/v1/tickets/D001/cancel", None).await.expect(200);
    // 09:20 finish A002 (7 min, over the 4-minute target); rated 不满意 for attitude.
    hall.set_time(at(9, 20, 0));
    let fin = hall.post(&counter, "/api/v1/counters/1/finish", Some(json!({"resolution": "answered"}))).await;
    assert_eq!(fin.expect(200)["ticket"]["resolution"], "answered");
    hall.set_time(at(9, 20, 30));
    hall.post(&pad, "/api/v1/counters/1/rating", Some(json!({"level": 2, "reason": "attitude"}))).await.expect(200);
    // 09:30 the clerk logs out: the counter was open 30 minutes.
    hall.set_time(at(9, 30, 0));
    hall.post(&counter, "/api/v1/counters/1/logout", None).await.expect(200);

    let r = hall.get(&board, "/api/v1/kpis?from=2026-11-27&to=2026-11-27&by=service").await.expect(200);
    let t = &r["total"];
    assert_eq!(
        [&t["issued"], &t["legs"], &t["served"], &t["no_show"], &t["cancelled"], &t["expired"], &t["open"]],
        [3, 3, 2, 0, 1, 0, 0]
    );
    assert_eq!(t["no_show_rate"], 0.0);
    assert_eq!(t["left_without_service_rate"], 1.0 / 3.0);
    // Waits 5 and 11 min; D001 ended uncalled after 1 min, under target: not judged.
    assert_eq!(
        [&t["wait_mean_ms"], &t["wait_p50_ms"], &t["wait_p90_ms"], &t["wait_max_ms"]],
        [8 * MIN, 5 * MIN, 11 * MIN, 11 * MIN]
    );
    assert_eq!(t["within_target_wait"], 1.0);
    // Handling 4 and 7 min against PAY's 4-minute target.
    assert_eq!([&t["handling_mean_ms"], &t["handling_p90_ms"]], [5 * MIN + MIN / 2, 7 * MIN]);
    assert_eq!(t["within_target_handling"], 0.5);
    // A001 and A002 waited together from 09:01 to 09:05.
    assert_eq!(t["peak_queue"], 2);
    assert_eq!(t["arrivals_per_hour"], 3.0);
    assert_eq!(t["utilisation"], (11.0 * MIN as f64) / (30.0 * MIN as f64));
    assert_eq!([&t["rated"], &t["rating_coverage"], &t["satisfaction"]], [&json!(2), &json!(1.0), &json!(0.5)]);
    assert_eq!(t["ratings_by_level"], json!([0, 1, 0, 0, 1]));
    assert_eq!(t["low_score_reasons"], json!({"attitude": 1}));
    let groups: Vec<(&str, u64)> = r["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["key"].as_str().unwrap(), g["kpis"]["issued"].as_u64().unwrap()))
        .collect();
    assert_eq!(groups, [("ASK", 1), ("PAY", 2)]);
    let mine = hall.get(&counter, "/api/v1/counters/1/kpis").await.expect(200);
    assert_eq!((mine["served"].as_u64(), mine["rated"].as_u64()), (Some(2), Some(2)));

    // Every staff action is logged as the staff member who did it.
    let events = hall.state.read(|r, h| r.events_since(h, 0, 10_000)).await.unwrap();
    let actor_of =
        |kind: &str| events.iter().filter(|e| e.data.kind() == kind).map(|e| e.actor.clone()).collect::<Vec<_>>();
    assert_eq!(actor_of("ticket_called"), [Actor::Staff("1001".into()), Actor::Staff("1001".into())]);
    assert_eq!(actor_of("ticket_finished"), [Actor::Staff("1001".into()), Actor::Staff("1001".into())]);
    assert_eq!(actor_of("ticket_cancelled"), [Actor::Staff("0001".into())]);
    assert!(actor_of("ticket_rated").iter().all(|a| matches!(a, Actor::Terminal(_))));
    assert!(actor_of("ticket_issued").iter().all(|a| matches!(a, Actor::Terminal(_))));
}

#[tokio::test]
async fn a_counter_without_staff_cannot_call_and_a_wrong_pin_locks_after_five() {
    let hall = Hall::start().await;
    let sup = hall.supervisor().await;
    hall.agent_pins(&sup).await;
    let counter = hall.pair(&sup, "counter", Some(2)).await;
    hall.post(&counter, "/api/v1/counters/2/call-next", None).await.expect_error(409, "no_staff_at_counter");
    let login =
        |pin: &'static str| hall.post(&counter, "/api/v1/counters/2/login", Some(json!({"staff": "1002", "pin": pin})));
    for remaining in (1..=4).rev() {
        let a = login("0000").await;
        assert!(a.body["message_en"].as_str().unwrap().contains(&format!("{remaining} tries")), "{}", a.body);
        a.expect_error(401, "wrong_pin");
    }
    login("0000").await.expect_error(429, "staff_locked");
    login("1357").await.expect_error(429, "staff_locked");
    hall.clock.advance(5 * MIN);
    login("1357").await.expect(200);
    hall.post(&counter, "/api/v1/counters/2/open", None).await.expect(200);
    hall.post(&counter, "/api/v1/counters/2/call-next", None).await.expect_error(409, "queue_empty");
}

#[tokio::test]
async fn settings_change_through_the_engine_and_show_on_the_display() {
    let hall = Hall::start().await;
    let sup = hall.supervisor().await;
    let display = hall.pair(&sup, "display", None).await;
    let board = hall.pair(&sup, "board", None).await;
    let mut h = hall.get(&board, "/api/v1/settings").await.expect(200)["hall"].clone();
    h.as_object_mut().unwrap().remove("id");
    h["notices"] = json!(["今天 14:00–16:00 城南片区计划停电"]);
    h["opening"] = json!({"open": "08:30", "close": "17:30"});
    hall.put(&sup, "/api/v1/settings/hall", h.clone()).await.expect(200);
    let info = hall.get(&display, "/api/v1/hall").await.expect(200);
    assert_eq!(info["hall"]["notices"][0], "今天 14:00–16:00 城南片区计划停电");
    assert_eq!(info["hall"]["opening"]["close"], "17:30");
    h["time_zone"] = json!("Mars/Olympus");
    hall.put(&sup, "/api/v1/settings/hall", h).await.expect_error(422, "invalid_request");

    let svc = json!({"prefix": "J", "name_zh": "充电桩报装", "name_en": "EV charger", "target_wait_min": 10, "target_handling_min": 8});
    hall.put(&sup, "/api/v1/settings/services/EVC", svc).await.expect(200);
    let clash =
        json!({"prefix": "A", "name_zh": "重复", "name_en": "Clash", "target_wait_min": 10, "target_handling_min": 8});
    hall.put(&sup, "/api/v1/settings/services/DUP", clash).await.expect_error(422, "invalid_config");
    let c5 = json!({"name": "5号窗口 新能源", "name_en": " Counter 5 New energy ", "services": ["EVC", "DER"], "routing": {"order": "ordered", "max_priority_in_row": 1}});
    hall.put(&sup, "/api/v1/settings/counters/5", c5).await.expect(200);
    let bidi = json!({"name": "7号窗口", "name_en": "Counter\u{202E}7", "services": ["PAY"]});
    hall.put(&sup, "/api/v1/settings/counters/7", bidi).await.expect_error(422, "invalid_text");
    let bad = json!({"name": "6号窗口", "services": ["NOPE"]});
    hall.put(&sup, "/api/v1/settings/counters/6", bad).await.expect_error(404, "unknown_service");
    hall.put(&sup, "/api/v1/settings/staff/1003", json!({"name": "张伟", "role": "agent"})).await.expect(200);
    hall.put(&sup, "/api/v1/settings/staff/1003/pin", json!({"pin": "8642"})).await.expect(204);
    hall.put(&sup, "/api/v1/settings/staff/9999/pin", json!({"pin": "8642"})).await.expect_error(404, "unknown_staff");

    let s = hall.get(&sup, "/api/v1/settings").await.expect(200);
    assert!(s["services"].as_array().unwrap().iter().any(|x| x["code"] == "EVC" && x["prefix"] == "J"));
    let c5 = s["counters"].as_array().unwrap().iter().find(|c| c["number"] == 5).unwrap().clone();
    assert_eq!(c5["routing"], json!({"order": "ordered", "max_priority_in_row": 1}));
    assert_eq!(c5["name_en"], "Counter 5 New energy", "kept trimmed");
    assert!(!s["counters"].as_array().unwrap().iter().any(|c| c["number"] == 7), "a refused counter is not added");
    let now = hall.get(&sup, "/api/v1/counters").await.expect(200);
    let c5 = now.as_array().unwrap().iter().find(|c| c["number"] == 5).unwrap().clone();
    assert_eq!((c5["name"].as_str(), c5["name_en"].as_str()), (Some("5号窗口 新能源"), Some("Counter 5 New energy")));
    let zhang = s["staff"].as_array().unwrap().iter().find(|x| x["number"] == "1003").unwrap().clone();
    assert_eq!((zhang["has_pin"].as_bool(), zhang["role"].as_str()), (Some(true), Some("agent")));
}
