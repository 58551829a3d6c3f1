//! Commitments over HTTP: counters open cases (工单) for their own staff
//! member and work only their own; the board sees what is due today, on the
//! next working day and overdue, by staff; the supervisor sees, reassigns
//! and closes every case, edits the catalogue and imports the calendar;
//! a display sees none; the customer's live page shows the case masked.
//! Due dates are worked out by hand in the comments (the test day is
//! Friday 2026-11-27).

use chrono::TimeZone;
use hallq_store::Millis;
use serde_json::{Value, json};

use crate::support::{Hall, at};

/// A local time on a day of November or December 2026.
fn on(month: u32, day: u32, h: u32, m: u32) -> Millis {
    chrono_tz::Asia::Shanghai.with_ymd_and_hms(2026, month, day, h, m, 0).unwrap().timestamp_millis()
}

/// Posts a calendar file's text.
async fn import(hall: &Hall, token: &str, text: &str) -> crate::support::Answer {
    hall.post(token, "/api/v1/calendar", Some(json!({"text": text}))).await
}

fn id(case: &Value) -> String {
    case["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn counters_open_and_work_their_own_cases_and_the_board_sees_what_is_due() {
    let hall = Hall::start().await;
    let sup = hall.supervisor().await;
    hall.agent_pins(&sup).await;
    let t = hall.terminals(&sup).await;
    let display = hall.pair(&sup, "display", None).await;
    hall.open_counter(&t.c1, 1, "1001").await;
    hall.open_counter(&t.c2, 2, "1002").await;
    hall.set_time(at(10, 0, 0));

    // Documents taken at 09:30, entered at 10:00: residential connection,
    // 5 working days from Friday 27: Mon 30, Tue 1, Wed 2, Thu 3, Fri 4 Dec.
    let a = hall
        .post(
            &t.c1,
            "/api/v1/cases",
            Some(json!({"case_type": "RES_CONN", "received_at": at(9, 30, 0), "customer_ref": "3301234567", "note": "新装一户一表"})),
        )
        .await
        .expect(200);
    assert_eq!((a["number"].as_str(), a["staff"].as_str()), (Some("W261127-001"), Some("1001")));
    assert_eq!((a["due_day"].as_str(), a["due_at"].as_i64()), (Some("2026-12-04"), Some(on(12, 5, 0, 0))));
    assert_eq!((a["due_status"].as_str(), a["working_days_left"].as_i64()), (Some("later"), Some(5)));
    assert_eq!(a["accept_gap_ms"], 30 * 60_000);
    assert!(a["live_url"].is_null(), "a server on loopback has no address phones reach: {a}");
    assert_eq!((a["type_name"].as_str(), a["customer_ref"].as_str()), (Some("居民用户接电"), Some("3301234567")));
    // A complaint: contact within 1 working day (Mon 30), answer within 7
    // (Mon 30 … Fri 4, Mon 7, Tue 8).
    let b = hall.post(&t.c1, "/api/v1/cases", Some(json!({"case_type": "COMPLAINT"}))).await.expect(200);
    assert_eq!(b["due_day"], "2026-12-08");
    assert_eq!(b["stage_list"][0]["due_at"], on(12, 1, 0, 0));
    assert_eq!(b["stage_list"][0]["name"], "联系客户");
    let c = hall.post(&t.c2, "/api/v1/cases", Some(json!({"case_type": "METER_TEST"}))).await.expect(200);
    assert_eq!((c["number"].as_str(), c["due_day"].as_str()), (Some("W261127-003"), Some("2026-12-04")));

    // Bad input changes nothing.
    let bad = |body: Value| hall.post(&t.c1, "/api/v1/cases", Some(body));
    bad(json!({"case_type": "NOPE"})).await.expect_error(404, "unknown_case_type");
    bad(json!({"case_type": "RES_CONN", "received_at": at(10, 6, 0)})).await.expect_error(422, "invalid_case");
    bad(json!({"case_type": "RES_CONN", "received_at": on(10, 27, 9, 0)})).await.expect_error(422, "invalid_case");
    bad(json!({"case_type": "RES_CONN", "colour": "red"})).await.expect_error(422, "invalid_body");
    bad(json!({"case_type": "RES_CONN", "customer_ref": "x".repeat(33)})).await.expect_error(422, "invalid_text");

    // Roles: a counter sees and works only its staff member's cases; the
    // board reads; display and kiosk see none.
    let mine = hall.get(&t.c2, "/api/v1/cases").await.expect(200);
    assert_eq!(mine.as_array().unwrap().len(), 1);
    assert_eq!(mine[0]["number"], "W261127-003");
    hall.get(&t.c2, &format!("/api/v1/cases/{}", id(&a))).await.expect_error(403, "not_your_case");
    hall.post(&t.c2, &format!("/api/v1/cases/{}/hold", id(&a)), Some(json!({"reason": "x"})))
        .await
        .expect_error(403, "not_your_case");
    hall.get(&display, "/api/v1/cases").await.expect_error(403, "forbidden");
    hall.get(&display, "/api/v1/cases/due").await.expect_error(403, "forbidden");
    // Whom a case can go to: the active staff, number and name only.
    let colleagues = hall.get(&t.c1, "/api/v1/case-staff").await.expect(200);
    let numbers: Vec<&str> = colleagues.as_array().unwrap().iter().map(|c| c["number"].as_str().unwrap()).collect();
    assert_eq!(numbers, ["0001", "1001", "1002"]);
    assert_eq!(colleagues[1], json!({"number": "1001", "name": "王芳"}));
    hall.get(&display, "/api/v1/case-staff").await.expect_error(403, "forbidden");
    hall.post(&t.kiosk, "/api/v1/cases", Some(json!({"case_type": "RES_CONN"}))).await.expect_error(403, "forbidden");
    hall.post(&t.board, "/api/v1/cases", Some(json!({"case_type": "RES_CONN"}))).await.expect_error(403, "forbidden");
    assert_eq!(hall.get(&t.board, "/api/v1/cases").await.expect(200).as_array().unwrap().len(), 3);

    // Work: the complaint's contact stage; the connection on hold, with a reason.
    let path = |case: &Value, step: &str| format!("/api/v1/cases/{}/{step}", id(case));
    let done = hall.post(&t.c1, &path(&b, "stage-done"), Some(json!({"stage": "CONTACT"}))).await.expect(200);
    assert_eq!(done["stage_list"][0]["done_at"], at(10, 0, 0));
    hall.post(&t.c1, &path(&b, "stage-done"), Some(json!({"stage": "CONTACT"})))
        .await
        .expect_error(409, "stage_not_open");
    hall.post(&t.c1, &path(&a, "hold"), Some(json!({"reason": " "}))).await.expect_error(422, "invalid_text");
    let held = hall.post(&t.c1, &path(&a, "hold"), Some(json!({"reason": "等客户补充材料"}))).await.expect(200);
    assert_eq!((held["state"].as_str(), held["hold_reason"].as_str()), (Some("on_hold"), Some("等客户补充材料")));
    // Resumed at once (the same day): the due time does not move.
    let resumed = hall.post(&t.c1, &path(&a, "resume"), None).await.expect(200);
    assert_eq!((resumed["state"].as_str(), resumed["due_at"].as_i64()), (Some("open"), Some(on(12, 5, 0, 0))));
    let detail = hall.get(&t.c1, &format!("/api/v1/cases/{}", id(&a))).await.expect(200);
    let kinds: Vec<&str> = detail["steps"].as_array().unwrap().iter().map(|s| s["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["case_opened", "case_held", "case_resumed"]);
    assert_eq!(detail["steps"][1]["detail"], "等客户补充材料");
    assert_eq!(detail["steps"][1]["staff"], "1001");

    // Thursday 3 December: A and C are due on the next working day.
    hall.set_time(on(12, 3, 10, 0));
    let due = hall.get(&t.board, "/api/v1/cases/due").await.expect(200);
    let numbers = |list: &Value| -> Vec<String> {
        list.as_array().unwrap().iter().map(|c| c["number"].as_str().unwrap().to_string()).collect()
    };
    assert_eq!(numbers(&due["due_next"]), ["W261127-001", "W261127-003"]);
    assert!(numbers(&due["due_today"]).is_empty() && numbers(&due["overdue"]).is_empty());
    // Friday 4: due today.
    hall.set_time(on(12, 4, 10, 0));
    let due = hall.get(&t.board, "/api/v1/cases/due").await.expect(200);
    assert_eq!(numbers(&due["due_today"]), ["W261127-001", "W261127-003"]);
    // Monday 7: both overdue (by one working day); the complaint is due on
    // Tuesday, the next working day.
    hall.set_time(on(12, 7, 10, 0));
    let due = hall.get(&t.board, "/api/v1/cases/due").await.expect(200);
    assert_eq!(numbers(&due["overdue"]), ["W261127-001", "W261127-003"]);
    assert_eq!(due["overdue"][0]["working_days_left"], -1);
    assert_eq!(numbers(&due["due_next"]), ["W261127-002"]);
    assert_eq!(due["open"], 3);
    let staff: Vec<(String, u64, u64, u64)> = due["by_staff"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let n = |k: &str| s[k].as_u64().unwrap();
            (s["staff"].as_str().unwrap().to_string(), n("open"), n("overdue"), n("due_next"))
        })
        .collect();
    assert_eq!(staff, [("1001".to_string(), 2, 1, 1), ("1002".to_string(), 1, 1, 0)]);
    assert_eq!(due["by_staff"][0]["name"], "王芳");

    // The supervisor (a new session: the first ran out days ago) hands C
    // to 1001 and closes A, late.
    let login = json!({"staff": "0001", "pin": crate::support::ADMIN_PIN});
    let sup = hall.send(reqwest::Method::POST, "/api/v1/session", None, Some(login)).await.expect(201)["token"]
        .as_str()
        .unwrap()
        .to_string();
    hall.post(&sup, &path(&c, "transfer"), Some(json!({"to": "1001"}))).await.expect(200);
    hall.open_counter(&t.c2, 2, "1002").await;
    // 1001 at counter 1 hands B to 1002, and cannot take it back: it is
    // 1002's now; 1002 hands it back (not to someone unknown).
    hall.open_counter(&t.c1, 1, "1001").await;
    hall.post(&t.c1, &path(&b, "transfer"), Some(json!({"to": "1002"}))).await.expect(200);
    hall.post(&t.c1, &path(&b, "transfer"), Some(json!({"to": "1001"}))).await.expect_error(403, "not_your_case");
    hall.post(&t.c2, &path(&b, "transfer"), Some(json!({"to": "9999"}))).await.expect_error(404, "unknown_staff");
    hall.post(&t.c2, &path(&b, "transfer"), Some(json!({"to": "1001"}))).await.expect(200);
    assert_eq!(hall.get(&t.c2, "/api/v1/cases").await.expect(200), json!([]));
    let closed = hall
        .post(&sup, &path(&a, "close"), Some(json!({"outcome": "resolved", "note": "已装表接电"})))
        .await
        .expect(200);
    assert_eq!((closed["state"].as_str(), closed["due_status"].as_str()), (Some("closed"), Some("closed_late")));
    hall.post(&sup, &path(&a, "close"), Some(json!({"outcome": "resolved"}))).await.expect_error(404, "unknown_case");
    hall.post(&sup, &path(&b, "close"), Some(json!({"outcome": "maybe"}))).await.expect_error(422, "invalid_body");

    // The customer's page: by full id only, the reference masked, no staff.
    let live = hall.send(reqwest::Method::GET, &format!("/api/v1/live/cases/{}", id(&a)), None, None).await.expect(200);
    assert_eq!((live["number"].as_str(), live["customer_ref"].as_str()), (Some("W261127-001"), Some("******4567")));
    assert_eq!((live["state"].as_str(), live["outcome"].as_str()), (Some("closed"), Some("resolved")));
    assert!(live.get("staff").is_none(), "{live}");
    hall.send(reqwest::Method::GET, "/api/v1/live/cases/W261127-001", None, None)
        .await
        .expect_error(404, "unknown_case");
}

#[tokio::test]
async fn the_calendar_and_the_catalogue_change_new_cases_only() {
    let hall = Hall::start().await;
    let sup = hall.supervisor().await;
    hall.agent_pins(&sup).await;
    let t = hall.terminals(&sup).await;
    hall.open_counter(&t.c1, 1, "1001").await;
    hall.set_time(at(10, 0, 0));
    let a = hall.post(&t.c1, "/api/v1/cases", Some(json!({"case_type": "RES_CONN"}))).await.expect(200);
    assert_eq!(a["due_day"], "2026-12-04");

    // A calendar file: Friday 4 December off, Saturday 5 worked.
    import(&hall, &t.board, "2026-12-04 休").await.expect_error(403, "forbidden");
    import(&hall, &sup, "2026-12-04 休\n2026-12-07 班").await.expect_error(422, "invalid_config");
    import(&hall, &sup, "2026-12-04 休\n2026-12-32 休").await.expect_error(422, "invalid_config");
    import(&hall, &sup, "# nothing\n").await.expect_error(422, "invalid_request");
    let cal = import(&hall, &sup, "# 2026 test\n2026-12-04 休\n2026-12-05 班\n").await.expect(200);
    assert_eq!(cal, json!({"holidays": ["2026-12-04"], "workdays": ["2026-12-05"]}));
    // Promised before the change: A stays due on the 4th; the day it would
    // get now (Saturday 5, the make-up day) is shown beside it.
    let kept = hall.get(&sup, &format!("/api/v1/cases/{}", id(&a))).await.expect(200);
    assert_eq!(
        (kept["case"]["due_day"].as_str(), kept["case"]["due_day_now"].as_str()),
        (Some("2026-12-04"), Some("2026-12-05"))
    );
    assert_eq!(a["due_day_now"], Value::Null, "none while the calendar is the one it was promised on");
    // A new one from Friday 27: Mon 30, Tue 1, Wed 2, Thu 3, (Fri 4 off) Sat 5.
    let b = hall.post(&t.c1, "/api/v1/cases", Some(json!({"case_type": "RES_CONN"}))).await.expect(200);
    assert_eq!(b["due_day"], "2026-12-05");

    // The catalogue: readable at a counter; the supervisor shortens a limit.
    let types = hall.get(&t.c1, "/api/v1/case-types").await.expect(200);
    assert_eq!(types.as_array().unwrap().len(), 8);
    let mut res = types[0].clone();
    assert_eq!(res["code"], "RES_CONN");
    res["limit"] = json!({"working_days": 3});
    hall.put(&t.board, "/api/v1/case-types/RES_CONN", res.clone()).await.expect_error(403, "forbidden");
    hall.put(&sup, "/api/v1/case-types/OTHER", res.clone()).await.expect_error(422, "invalid_request");
    let mut too_long = res.clone();
    too_long["limit"] = json!({"working_days": 251});
    hall.put(&sup, "/api/v1/case-types/RES_CONN", too_long).await.expect_error(422, "invalid_config");
    hall.put(&sup, "/api/v1/case-types/RES_CONN", res).await.expect(200);
    let c = hall.post(&t.c1, "/api/v1/cases", Some(json!({"case_type": "RES_CONN"}))).await.expect(200);
    assert_eq!(c["due_day"], "2026-12-02");
    let b = hall.get(&sup, &format!("/api/v1/cases/{}", id(&b))).await.expect(200);
    assert_eq!(b["case"]["due_day"], "2026-12-05");
    assert_eq!(b["case"]["due_day_now"], Value::Null, "a new limit is not the case's: its own limit, today's calendar");
    // Loading the defaults adds what is missing and changes nothing else.
    let after = hall.post(&sup, "/api/v1/case-types/defaults", None).await.expect(200);
    assert_eq!(after[0]["limit"], json!({"working_days": 3}));
    assert_eq!(after.as_array().unwrap().len(), 8);
}

#[tokio::test]
async fn the_commitments_report_counts_on_time_late_and_overdue_by_hand() {
    let hall = Hall::start().await;
    let sup = hall.supervisor().await;
    hall.agent_pins(&sup).await;
    let t = hall.terminals(&sup).await;
    hall.open_counter(&t.c1, 1, "1001").await;
    hall.open_counter(&t.c2, 2, "1002").await;
    hall.set_time(at(10, 0, 0));
    // Friday 27: a connection (received 09:30, due Fri 4 Dec), a complaint
    // (due Tue 8) by 1001; a meter test (due Fri 4) by 1002.
    let res = hall
        .post(&t.c1, "/api/v1/cases", Some(json!({"case_type": "RES_CONN", "received_at": at(9, 30, 0)})))
        .await
        .expect(200);
    hall.post(&t.c1, "/api/v1/cases", Some(json!({"case_type": "COMPLAINT"}))).await.expect(200);
    let meter = hall.post(&t.c2, "/api/v1/cases", Some(json!({"case_type": "METER_TEST"}))).await.expect(200);
    // Thursday 3 December: the connection closed on time, 4 working days
    // after Friday (Mon 30, Tue 1, Wed 2, Thu 3). Monday 7: the meter test
    // closed late, after 6 (… Fri 4, Mon 7).
    let login = json!({"staff": "0001", "pin": crate::support::ADMIN_PIN});
    let session = || hall.send(reqwest::Method::POST, "/api/v1/session", None, Some(login.clone()));
    hall.set_time(on(12, 3, 10, 0));
    let sup = session().await.expect(201)["token"].as_str().unwrap().to_string();
    hall.post(&sup, &format!("/api/v1/cases/{}/close", id(&res)), Some(json!({"outcome": "resolved"})))
        .await
        .expect(200);
    hall.set_time(on(12, 7, 10, 0));
    let sup = session().await.expect(201)["token"].as_str().unwrap().to_string();
    hall.post(&sup, &format!("/api/v1/cases/{}/close", id(&meter)), Some(json!({"outcome": "resolved"})))
        .await
        .expect(200);
    // Wednesday 9: the complaint is a working day overdue.
    hall.set_time(on(12, 9, 10, 0));
    let sup = session().await.expect(201)["token"].as_str().unwrap().to_string();
    let board = hall.pair(&sup, "board", None).await;
    let r = hall.get(&board, "/api/v1/reports/cases?from=2026-11-27&to=2026-11-27").await.expect(200);
    let k = &r["total"];
    let n = |k: &Value, f: &str| k[f].as_u64().unwrap();
    assert_eq!(
        [n(k, "opened"), n(k, "closed_on_time"), n(k, "closed_late"), n(k, "open"), n(k, "open_overdue")],
        [3, 1, 1, 1, 1]
    );
    assert_eq!(k["on_time_rate"], 0.5);
    assert_eq!(k["max_overdue_working_days"], 1);
    // Close days 4 and 6: nearest-rank median 4, p90 6.
    assert_eq!((k["close_working_days_p50"].as_u64(), k["close_working_days_p90"].as_u64()), (Some(4), Some(6)));
    // Gaps 30 min, 0, 0: mean 10 min, p90 30 min; none entered late (> 1 h).
    assert_eq!((k["accept_gap_mean_ms"].as_i64(), k["accept_gap_p90_ms"].as_i64()), (Some(600_000), Some(1_800_000)));
    assert_eq!(k["entered_late"], 0);
    let staff: Vec<(String, u64, u64, u64)> = r["by_staff"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["label"].as_str().unwrap().to_string(),
                n(&g["kpis"], "opened"),
                n(&g["kpis"], "closed_late"),
                n(&g["kpis"], "open_overdue"),
            )
        })
        .collect();
    assert_eq!(staff, [("王芳".to_string(), 2, 0, 1), ("李强".to_string(), 1, 1, 0)]);
    let types: Vec<&str> = r["by_type"].as_array().unwrap().iter().map(|g| g["label_en"].as_str().unwrap()).collect();
    assert_eq!(types, ["complaint", "meter test result", "residential connection"]);
    assert_eq!(r["by_hall"][0]["kpis"]["opened"], 3);
    // Another range has nothing; a counter may not read it; a bad range is refused.
    let empty = hall.get(&board, "/api/v1/reports/cases?from=2026-12-01&to=2026-12-02").await.expect(200);
    assert_eq!(empty["total"]["opened"], 0);
    assert!(empty["total"]["on_time_rate"].is_null());
    hall.get(&t.c1, "/api/v1/reports/cases").await.expect_error(403, "forbidden");
    let bad = hall.get(&board, "/api/v1/reports/cases?from=2026-12-02&to=2026-12-01").await;
    assert!(bad.status == 400 || bad.status == 422, "{}", bad.status);
}

#[tokio::test]
async fn a_case_opened_answers_the_address_of_its_page_for_the_customers_phone() {
    let config = hallq_server::Config { public_url: Some("http://192.168.1.10:7070".into()), ..Default::default() };
    let hall = Hall::start_with(config).await;
    let sup = hall.supervisor().await;
    let c = hall.post(&sup, "/api/v1/cases", Some(json!({"case_type": "METER_TEST"}))).await.expect(200);
    assert_eq!(c["live_url"], format!("http://192.168.1.10:7070/c/{}", id(&c)));
    assert_eq!(c["opened_by"], "0001", "the supervisor opens a case as themselves");
}
