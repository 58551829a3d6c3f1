//! The reports page's data over HTTP: two business days with a recall, a
//! no-show, a transfer, a clock set back and corrected, a day rollover that
//! expires a waiting ticket, whose overview (KPIs, previous period, daily trend, wait
//! histogram, heat map, queue through the day, counters, staff load
//! balance, longest waits, follow-ups) and exports (CSV parsed back, XLSX
//! read back) are checked against figures worked out by hand; the `hall`
//! parameter; bad parameters refused bilingually. (`hall_day.rs` covers a
//! plain day's `/kpis` and the screens along the way.)

use std::io::Cursor;
use std::sync::Arc;

use calamine::{Data, Reader as _, Xlsx};
use chrono::TimeZone;
use hallq_store::hallq_core::{Actor, Command, HallConfig, PriorityClass, Resolution, Staff, StaffRole};
use hallq_store::{ManualClock, Millis};
use serde_json::{Value, json};

use crate::support::{Hall, MIN, Terminals, at};

/// A local time on 2026-11-28 (Saturday), the second business day.
fn at28(h: u32, m: u32) -> Millis {
    chrono_tz::Asia::Shanghai.with_ymd_and_hms(2026, 11, 28, h, m, 0).unwrap().timestamp_millis()
}

/// The two days, through the real API on the manual clock. Returns a
/// board's token (a supervisor session would expire overnight).
async fn two_days(hall: &Hall) -> String {
    let sup = hall.supervisor().await;
    hall.agent_pins(&sup).await;
    let Terminals { kiosk, c1, c2, pad1, pad2, board } = hall.terminals(&sup).await;
    let post = |token: &str, path: &str, body: Option<Value>| {
        let (token, path) = (token.to_string(), path.to_string());
        async move { hall.post(&token, &path, body).await.expect(200) }
    };

    // Friday 2026-11-27. 09:00 counters 1 (PAY, ASK) and 2 (NEW, CHG, DER, PAY, ASK) open.
    hall.open_counter(&c1, 1, "1001").await;
    hall.open_counter(&c2, 2, "1002").await;
    hall.issue(&kiosk, "PAY").await; // A001 09:00
    hall.set_time(at(9, 2, 0));
    hall.issue(&kiosk, "PAY").await; // A002 09:02
    hall.set_time(at(9, 4, 0));
    hall.issue(&kiosk, "NEW").await; // B001 09:04
    hall.set_time(at(9, 5, 0));
    let a001 = post(&c1, "/api/v1/counters/1/call-next", None).await; // A001 waited 5
    assert_eq!(a001["ticket"]["number"], "A001");
    hall.set_time(at(9, 6, 0));
    post(&c1, "/api/v1/counters/1/start", None).await;
    let a002 = post(&c2, "/api/v1/counters/2/call-next", None).await; // A002 waited 4
    assert_eq!(a002["ticket"]["number"], "A002");
    hall.set_time(at(9, 7, 0));
    post(&c2, "/api/v1/counters/2/recall", None).await;
    hall.set_time(at(9, 9, 0));
    post(&c2, "/api/v1/counters/2/no-show", None).await;
    let b001 = post(&c2, "/api/v1/counters/2/call-next", None).await; // B001 waited 5
    assert_eq!(b001["ticket"]["number"], "B001");
    hall.set_time(at(9, 10, 0));
    post(&c1, "/api/v1/counters/1/finish", None).await; // A001 handled 4 (PAY target 4)
    post(&pad1, "/api/v1/counters/1/rating", Some(json!({"level": 5}))).await;
    post(&c2, "/api/v1/counters/2/start", None).await;
    hall.set_time(at(9, 15, 0));
    // B001 handled 5 minutes, then sent on to service changes: a second leg from 09:15.
    post(&c2, "/api/v1/counters/2/transfer", Some(json!({"service": "CHG"}))).await;
    // The PC's clock is set back to 09:12: A003 is issued on it, then the
    // clock is corrected, and the day's tickets move back onto the right one.
    hall.clock.step(-3 * MIN);
    let a003 = hall.issue(&kiosk, "PAY").await;
    assert_eq!(a003["issued_at"].as_i64(), Some(at(9, 12, 0)), "issued on the clock as it was set");
    hall.clock.step(3 * MIN);
    hall.set_time(at(9, 20, 0));
    let a003 = post(&c1, "/api/v1/counters/1/call-next", None).await; // A003 waited 5
    assert_eq!(a003["ticket"]["number"], "A003");
    assert_eq!(a003["ticket"]["issued_at"].as_i64(), Some(at(9, 15, 0)), "moved back by the correction");
    hall.set_time(at(9, 21, 0));
    post(&c1, "/api/v1/counters/1/start", None).await;
    hall.set_time(at(9, 29, 0));
    post(&c1, "/api/v1/counters/1/finish", None).await; // A003 handled 8: over PAY's 4
    post(&pad1, "/api/v1/counters/1/rating", Some(json!({"level": 2, "reason": "attitude"}))).await;
    hall.set_time(at(9, 30, 0));
    let b001 = post(&c2, "/api/v1/counters/2/call-next", None).await; // B001 leg 2 waited 15: at target
    assert_eq!((b001["ticket"]["number"].as_str(), b001["ticket"]["leg"].as_u64()), (Some("B001"), Some(2)));
    hall.set_time(at(9, 31, 0));
    post(&c2, "/api/v1/counters/2/start", None).await;
    hall.set_time(at(9, 43, 0));
    post(&c2, "/api/v1/counters/2/finish", None).await; // handled 12 (CHG target 12)
    post(&pad2, "/api/v1/counters/2/rating", Some(json!({"level": 4}))).await;
    hall.set_time(at(9, 50, 0));
    hall.issue(&kiosk, "ASK").await; // D001 09:50, never called
    hall.set_time(at(10, 0, 0));
    post(&c1, "/api/v1/counters/1/logout", None).await; // both counters open 60 minutes
    post(&c2, "/api/v1/counters/2/logout", None).await;

    // Saturday 2026-11-28, 09:00: the day rolled over at 03:00; D001 expires now.
    hall.set_time(at28(9, 0));
    hall.open_counter(&c1, 1, "1001").await;
    assert_eq!(hall.issue(&kiosk, "PAY").await["number"], "A001", "numbers restart each business day");
    hall.set_time(at28(9, 3));
    post(&c1, "/api/v1/counters/1/call-next", None).await; // waited 3
    hall.set_time(at28(9, 4));
    post(&c1, "/api/v1/counters/1/start", None).await;
    hall.set_time(at28(9, 6));
    post(&c1, "/api/v1/counters/1/finish", None).await; // handled 2
    hall.set_time(at28(9, 10));
    post(&c1, "/api/v1/counters/1/logout", None).await; // open 10 minutes
    board
}

fn close(a: &Value, b: f64) {
    assert!(a.as_f64().is_some_and(|a| (a - b).abs() < 1e-9), "{a} ≠ {b}");
}

#[tokio::test]
async fn the_overview_of_two_hand_computed_days() {
    let hall = Hall::start().await;
    let sup = two_days(&hall).await;

    // Friday alone. Legs: A001 done, A002 no-show, B001 transferred, A003 done,
    // B001 (leg 2) done, D001 expired: 6 legs, 5 visits.
    let o = hall.get(&sup, "/api/v1/reports/overview?from=2026-11-27&to=2026-11-27").await.expect(200);
    // A day is compared with the same weekday a week before.
    assert_eq!(o["previous"], json!({"from": "2026-11-20", "to": "2026-11-20"}));
    assert_eq!(o["halls"], json!([{"id": "00000000-0000-0000-0000-000000004a11", "name": "测试营业厅"}]));
    assert_eq!(o["targets"], json!({"within_target_wait": 0.8, "satisfaction": 0.95, "rating_coverage": 0.6}));
    let t = &o["total"];
    assert_eq!(
        [&t["issued"], &t["legs"], &t["served"], &t["no_show"], &t["cancelled"], &t["expired"], &t["transferred"]],
        [5, 6, 3, 1, 0, 1, 1]
    );
    close(&t["no_show_rate"], 0.2);
    close(&t["left_without_service_rate"], 0.2);
    // Waits 4, 5, 5, 5, 15 minutes (A003's from 09:15, where the correction put it).
    assert_eq!(
        [&t["wait_mean_ms"], &t["wait_p50_ms"], &t["wait_p90_ms"], &t["wait_max_ms"]],
        [34 * MIN / 5, 5 * MIN, 15 * MIN, 15 * MIN]
    );
    // Judged: the 5 called (15 min is within the 15-minute target) + D001, expired after 23 h.
    close(&t["within_target_wait"], 5.0 / 6.0);
    // Handling 4, 5 (B001 before its transfer), 8, 12; within target: all but A003.
    assert_eq!([&t["handling_mean_ms"], &t["handling_p90_ms"]], [29 * MIN / 4, 12 * MIN]);
    close(&t["within_target_handling"], 0.75);
    assert_eq!(t["peak_queue"], 3, "A001, A002 and B001 wait together from 09:04 to 09:05");
    close(&t["arrivals_per_hour"], 5.0);
    close(&t["utilisation"], 29.0 / 120.0);
    assert_eq!([&t["rated"], &t["ratings_by_level"]], [&json!(3), &json!([0, 1, 0, 1, 1])]);
    close(&t["rating_coverage"], 1.0);
    close(&t["satisfaction"], 2.0 / 3.0);
    assert_eq!(o["previous_total"]["issued"], 0);

    // 2-minute buckets: 4, 5, 5, 5 in 4–6; 15 in 14–16; 31 buckets, the last 60+.
    let h = o["wait_histogram"].as_array().unwrap();
    assert_eq!(h.len(), 31);
    assert_eq!(h[2], json!({"from_min": 4, "to_min": 6, "count": 4}));
    assert_eq!(h[7], json!({"from_min": 14, "to_min": 16, "count": 1}));
    assert_eq!(h[30], json!({"from_min": 60, "to_min": null, "count": 0}));
    assert_eq!(h.iter().map(|b| b["count"].as_u64().unwrap()).sum::<u64>(), 5);
    // One Friday in the range, every visit issued between 09:00 and 10:00.
    assert_eq!(o["heatmap"], json!([{"weekday": 4, "hour": 9, "arrivals": 5.0, "mean_wait_ms": 34 * MIN / 5}]));
    // Waiting at 09:00: A001 (B001 and A002 came later); 09:15: B001's second leg and A003;
    // 09:30 and 09:45: nobody; from 10:00 to the rollover: D001.
    let q = o["queue_by_time"].as_array().unwrap();
    let at_min =
        |m: u64| q.iter().find(|p| p["minute"] == m).map(|p| (p["mean_queue"].clone(), p["max_queue"].clone()));
    assert_eq!(at_min(540), Some((json!(1.0), json!(1))));
    assert_eq!(at_min(555), Some((json!(2.0), json!(2))));
    assert_eq!(at_min(570), Some((json!(0.0), json!(0))));
    assert_eq!(at_min(600), Some((json!(1.0), json!(1))));
    assert_eq!(at_min(165), Some((json!(1.0), json!(1))), "02:45, the last slot before the 03:00 rollover");

    let counters: Vec<(&str, f64)> = o["counters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["key"].as_str().unwrap(), c["kpis"]["utilisation"].as_f64().unwrap()))
        .collect();
    assert_eq!(counters, [("001", 12.0 / 60.0), ("002", 17.0 / 60.0)]);
    // Staff 1001 served A001, A003; 1002 served B001's second leg.
    let staff = &o["staff"];
    let rows: Vec<(&str, u64, f64)> = staff["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (r["key"].as_str().unwrap(), r["kpis"]["served"].as_u64().unwrap(), r["share_of_load"].as_f64().unwrap())
        })
        .collect();
    assert_eq!(rows, [("1001", 2, 2.0 / 3.0), ("1002", 1, 1.0 / 3.0)]);
    close(&staff["max_over_mean"], 2.0 / 1.5);
    close(&staff["gini"], 1.0 / 6.0);
    // Longest first; equal waits by issue time.
    let longest: Vec<(&str, i64)> = o["longest_waits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["number"].as_str().unwrap(), l["wait_ms"].as_i64().unwrap() / MIN))
        .collect();
    assert_eq!(longest, [("B001", 15), ("A001", 5), ("B001", 5), ("A003", 5), ("A002", 4)]);
    assert_eq!(o["longest_waits"][0]["service_name"], "变更用电");
    assert_eq!(o["longest_waits"][0]["service_name_en"], "Service changes");
    assert_eq!(o["longest_waits"][0]["counter"], 2);
    assert_eq!([&o["follow_ups"]["open"], &o["follow_ups"]["done"], &o["follow_ups"]["overdue"]], [1, 0, 0]);
    let item = &o["follow_ups"]["items"][0];
    assert_eq!(
        [&item["number"], &item["rating"], &item["reason"], &item["state"]],
        [&json!("A003"), &json!(2), &json!("attitude"), &json!("open")]
    );

    // Both days: 6 visits, waits 3, 4, 5, 5, 5, 15; handling 2, 4, 5, 8, 12; open 130 minutes.
    let o = hall.get(&sup, "/api/v1/reports/overview?from=2026-11-27&to=2026-11-28").await.expect(200);
    let t = &o["total"];
    assert_eq!([&t["issued"], &t["legs"], &t["served"]], [6, 7, 4]);
    assert_eq!([&t["wait_mean_ms"], &t["wait_p50_ms"]], [37 * MIN / 6, 5 * MIN]);
    close(&t["within_target_wait"], 6.0 / 7.0);
    assert_eq!(t["handling_mean_ms"], 31 * MIN / 5);
    close(&t["utilisation"], 31.0 / 130.0);
    close(&t["arrivals_per_hour"], 3.0);
    close(&t["rating_coverage"], 0.75);
    let daily: Vec<(&str, u64)> = o["daily"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["day"].as_str().unwrap(), d["kpis"]["issued"].as_u64().unwrap()))
        .collect();
    assert_eq!(daily, [("2026-11-27", 5), ("2026-11-28", 1)]);
    assert_eq!(o["previous"], json!({"from": "2026-11-25", "to": "2026-11-26"}));
    assert!(
        o["heatmap"]
            .as_array()
            .unwrap()
            .contains(&json!({"weekday": 5, "hour": 9, "arrivals": 1.0, "mean_wait_ms": 3 * MIN}))
    );
    close(&o["staff"]["max_over_mean"], 1.5);
    close(&o["staff"]["gini"], 0.25);

    // A month later the follow-up is past its 15 working days.
    hall.set_time(at28(9, 10) + 40 * 24 * 60 * MIN);
    let o = hall.get(&sup, "/api/v1/reports/overview?from=2026-11-27&to=2026-11-28").await.expect(200);
    assert_eq!([&o["follow_ups"]["open"], &o["follow_ups"]["overdue"]], [0, 1]);
    assert_eq!(o["follow_ups"]["items"][0]["state"], "overdue");
}

#[tokio::test]
async fn exports_and_the_hall_parameter_give_the_same_figures() {
    let hall = Hall::start().await;
    let sup = two_days(&hall).await;
    let range = "from=2026-11-27&to=2026-11-27";

    // hall=all on a one-hall database, and the hall's own code, give the same as omitting it.
    let own = hall.get(&sup, &format!("/api/v1/kpis?{range}&by=service")).await.expect(200);
    for h in ["all", "T1", "00000000-0000-0000-0000-000000004a11"] {
        let r = hall.get(&sup, &format!("/api/v1/kpis?{range}&by=service&hall={h}")).await.expect(200);
        assert_eq!(r, own, "hall={h}");
    }
    let by_hall = hall.get(&sup, &format!("/api/v1/kpis?{range}&by=hall&hall=all")).await.expect(200);
    assert_eq!(by_hall["groups"].as_array().unwrap().len(), 1);
    assert_eq!(
        (by_hall["groups"][0]["key"].as_str(), by_hall["groups"][0]["label"].as_str()),
        (Some("T1"), Some("测试营业厅"))
    );

    let http = reqwest::Client::new();
    let get = |path: String| {
        let req = http.get(format!("{}{path}", hall.base)).bearer_auth(&sup);
        async move {
            let res = req.send().await.unwrap();
            assert_eq!(res.status().as_u16(), 200);
            let kind = res.headers()["content-type"].to_str().unwrap().to_string();
            let disposition = res.headers()["content-disposition"].to_str().unwrap().to_string();
            (kind, disposition, res.bytes().await.unwrap().to_vec())
        }
    };
    let (kind, disposition, csv) = get(format!("/api/v1/reports/export?{range}&by=staff&format=csv")).await;
    assert!(kind.starts_with("text/csv") && disposition.starts_with("attachment;"), "{kind} {disposition}");
    assert!(disposition.contains("2026-11-27-2026-11-27-staff.csv"), "{disposition}");
    assert_eq!(&csv[..3], b"\xEF\xBB\xBF", "a BOM for Excel on Chinese Windows");
    let mut reader = csv::Reader::from_reader(&csv[3..]);
    let header = reader.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap_or_else(|| panic!("{name}: {header:?}"));
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let keys: Vec<&str> = rows.iter().map(|r| &r[0]).collect();
    assert_eq!(keys, ["1001", "1002", "~", "total"]);
    assert_eq!(&rows[0][col("办结笔数/served (legs)")], "2");
    assert_eq!(&rows[3][col("取号人次/issued (visits)")], "5");
    assert_eq!(&rows[3][col("平均等候(分)/wait mean (min)")], "6.8");
    assert_eq!(&rows[3][col("等候达标%/within target wait %")], "83.3");
    assert_eq!(&rows[3][col("满意率%/satisfaction %")], "66.7");
    assert_eq!(&rows[3][col("未达目标/below target")], "满意率 satisfaction", "66.7% < 95%; 83.3% ≥ 80%");

    let (kind, _, xlsx) = get(format!("/api/v1/reports/export?{range}&by=service&format=xlsx")).await;
    assert!(kind.contains("spreadsheetml"), "{kind}");
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(xlsx)).unwrap();
    assert_eq!(
        book.sheet_names(),
        [
            "汇总 Summary",
            "按业务 By service",
            "按窗口 By counter",
            "按员工 By staff",
            "按时段 By hour",
            "按星期 By weekday",
            "按日 By day",
            "稽查日 Inspection",
            // The day's low rating opened a follow-up case.
            "工单时限 Cases"
        ]
    );
    let sheet = book.worksheet_range("按员工 By staff").unwrap();
    let header: Vec<String> = sheet.rows().next().unwrap().iter().map(|c| c.to_string()).collect();
    let served = header.iter().position(|h| h == "办结笔数\nserved (legs)").unwrap();
    let share = header.iter().position(|h| h == "等候达标%\nwithin target wait %").unwrap();
    let row = |key: &str| {
        sheet.rows().find(|r| r.first().is_some_and(|c| *c == Data::String(key.to_string()))).unwrap().to_vec()
    };
    assert_eq!(row("1001")[served], Data::Float(2.0));
    assert_eq!(row("total")[share], Data::Float(5.0 / 6.0), "a share is a number (formatted as %)");
}

#[tokio::test]
async fn bad_report_parameters_are_refused_bilingually() {
    let hall = Hall::start().await;
    let sup = hall.supervisor().await;
    let board = hall.pair(&sup, "board", None).await;
    let kiosk = hall.pair(&sup, "kiosk", None).await;
    for (path, status, code) in [
        ("/api/v1/reports/overview?from=2026-11-28&to=2026-11-27", 422, "invalid_request"),
        ("/api/v1/reports/overview?from=2026-11-27&hall=NOPE", 404, "unknown_hall"),
        ("/api/v1/reports/overview?from=27.11.2026", 400, "invalid_query"),
        ("/api/v1/reports/export?from=2026-11-27&format=pdf", 400, "invalid_query"),
        ("/api/v1/reports/export?from=2026-11-27&format=csv&by=month", 400, "invalid_query"),
        ("/api/v1/reports/export?from=2026-11-27&format=csv&hall=NOPE", 404, "unknown_hall"),
        ("/api/v1/reports/export?from=2026-11-27&to=2026-11-01&format=xlsx", 422, "invalid_request"),
        ("/api/v1/kpis?from=2026-11-27&hall=NOPE", 404, "unknown_hall"),
    ] {
        let a = hall.get(&board, path).await;
        assert_eq!(a.status, status, "{path}: {}", a.body);
        a.expect_error(status, code);
    }
    // The board reads reports; a kiosk may not.
    hall.get(&board, "/api/v1/reports/overview").await.expect(200);
    hall.get(&kiosk, "/api/v1/reports/overview").await.expect_error(403, "forbidden");
    hall.get(&kiosk, "/api/v1/reports/export?format=csv").await.expect_error(403, "forbidden");
}

#[tokio::test]
async fn the_targets_are_a_hall_setting_that_a_settings_change_keeps() {
    let hall = Hall::start().await;
    let sup = hall.supervisor().await;
    let mut h = hall.get(&sup, "/api/v1/settings").await.expect(200)["hall"].clone();
    assert_eq!(h["targets"], json!({"within_target_wait": 0.8, "satisfaction": 0.95, "rating_coverage": 0.6}));
    h.as_object_mut().unwrap().remove("id");
    h["targets"] = json!({"within_target_wait": 0.9, "satisfaction": 0.97, "rating_coverage": 0.5});
    hall.put(&sup, "/api/v1/settings/hall", h.clone()).await.expect(200);
    // A change that does not mention the targets keeps them.
    h.as_object_mut().unwrap().remove("targets");
    h["notices"] = json!(["今日正常营业"]);
    hall.put(&sup, "/api/v1/settings/hall", h.clone()).await.expect(200);
    let o = hall.get(&sup, "/api/v1/reports/overview").await.expect(200);
    assert_eq!(o["targets"], json!({"within_target_wait": 0.9, "satisfaction": 0.97, "rating_coverage": 0.5}));
    h["targets"] = json!({"within_target_wait": 80, "satisfaction": 0.97, "rating_coverage": 0.5});
    hall.put(&sup, "/api/v1/settings/hall", h).await.expect_error(422, "invalid_config");
}

#[tokio::test]
async fn a_bureau_database_reports_every_hall_with_counters_and_staff_per_hall() {
    let hall = Hall::start().await;
    let board = two_days(&hall).await;
    // A second hall in the same database (as an import would bring it): one
    // customer at its counter 1, served by its own staff member 1001.
    let id = uuid::Uuid::from_u128(0x4a12);
    let mut cfg = HallConfig::default_supply_hall(id, "T2", "第二营业厅");
    cfg.staff.push(Staff {
        number: "1001".into(),
        name: "赵敏".into(),
        role: StaffRole::Agent,
        active: true,
        team: None,
    });
    hall.state.store().create_hall(&cfg, at(8, 0, 0)).unwrap();
    let clock = ManualClock::new(at(9, 0, 0));
    let engine = hall.state.store().engine(id, Arc::new(clock.clone())).unwrap();
    let issue = Command::Issue {
        service: "PAY".into(),
        priority: PriorityClass::Normal,
        priority_reason: None,
        appointment: None,
    };
    for (min, cmd) in [
        (0, Command::Login { counter: 1, staff: "1001".into() }),
        (0, Command::OpenCounter { counter: 1 }),
        (0, issue),
        (20, Command::CallNext { counter: 1 }),
        (20, Command::Start { counter: 1 }),
        (26, Command::Finish { counter: 1, resolution: Resolution::Completed }),
        (30, Command::Logout { counter: 1 }),
    ] {
        clock.set(at(9, 0, 0) + min * MIN);
        engine.execute_async(Actor::Cli, cmd).await.unwrap();
    }
    engine.shutdown();

    let range = "from=2026-11-27&to=2026-11-27";
    let o = hall.get(&board, &format!("/api/v1/reports/overview?{range}&hall=all")).await.expect(200);
    let names: Vec<&str> = o["halls"].as_array().unwrap().iter().map(|h| h["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["测试营业厅", "第二营业厅"]);
    assert_eq!(o["total"]["issued"], 6);
    // The two halls' staff 1001 are two people; their counters 1 two counters.
    let staff: Vec<(&str, &str, u64)> = o["staff"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["key"].as_str().unwrap(), r["label"].as_str().unwrap(), r["kpis"]["served"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        staff,
        [("T1/1001", "测试营业厅 王芳", 2), ("T1/1002", "测试营业厅 李强", 1), ("T2/1001", "第二营业厅 赵敏", 1)]
    );
    // Served 2, 1, 1: mean 4/3, max/mean 1.5; Σ|xi − xj| = 4, Gini = 4 / (2 · 9 · 4/3) = 1/6.
    close(&o["staff"]["max_over_mean"], 1.5);
    close(&o["staff"]["gini"], 1.0 / 6.0);
    let counters: Vec<&str> = o["counters"].as_array().unwrap().iter().map(|c| c["key"].as_str().unwrap()).collect();
    assert_eq!(counters, ["T1/001", "T1/002", "T2/001"]);
    close(&o["counters"][2]["kpis"]["utilisation"], 6.0 / 30.0);
    assert_eq!(o["longest_waits"][0]["wait_ms"], 20 * MIN, "T2's customer waited longest");

    let by_hall = hall.get(&board, &format!("/api/v1/kpis?{range}&by=hall&hall=all")).await.expect(200);
    let halls: Vec<(&str, u64)> = by_hall["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["key"].as_str().unwrap(), g["kpis"]["issued"].as_u64().unwrap()))
        .collect();
    assert_eq!(halls, [("T1", 5), ("T2", 1)]);
    let t2 = hall.get(&board, &format!("/api/v1/kpis?{range}&hall=T2")).await.expect(200);
    assert_eq!((t2["total"]["issued"].as_u64(), t2["total"]["wait_max_ms"].as_i64()), (Some(1), Some(20 * MIN)));
}
