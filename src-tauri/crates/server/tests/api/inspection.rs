//! Inspection days over HTTP: a supervisor marks Friday 2026-11-27 in the
//! hall settings, 王芳 serves one customer in 5 minutes (rated 非常满意)
//! that Friday and one in 20 (rated 不满意) on Monday the 30th; the
//! comparison, the consistency and the flag are checked by hand, with the
//! XLSX sheet, the roles, a range without inspection days and bad input.

use std::io::Cursor;

use calamine::{Data, Reader as _, Xlsx};
use chrono::TimeZone;
use hallq_store::{Clock, Millis};
use serde_json::{Value, json};

use crate::support::{Hall, MIN, at};

/// A local time on Monday 2026-11-30.
fn at30(h: u32, m: u32) -> Millis {
    chrono_tz::Asia::Shanghai.with_ymd_and_hms(2026, 11, 30, h, m, 0).unwrap().timestamp_millis()
}

fn close(a: &Value, b: f64) {
    assert!(a.as_f64().is_some_and(|a| (a - b).abs() < 1e-9), "{a} ≠ {b}");
}

/// Friday marked, the two customers served; returns (board, supervisor, kiosk) tokens.
async fn friday_and_monday(hall: &Hall) -> (String, String, String) {
    let sup = hall.supervisor().await;
    hall.agent_pins(&sup).await;
    let kiosk = hall.pair(&sup, "kiosk", None).await;
    let c1 = hall.pair(&sup, "counter", Some(1)).await;
    let pad1 = hall.pair(&sup, "rating_pad", Some(1)).await;
    let board = hall.pair(&sup, "board", None).await;

    let mut h = hall.get(&sup, "/api/v1/settings").await.expect(200)["hall"].clone();
    assert_eq!(h["inspection_days"], json!([]));
    h.as_object_mut().unwrap().remove("id");
    // Out of order or twice: refused, bilingually, and nothing changes.
    h["inspection_days"] = json!(["2026-11-27", "2026-11-20"]);
    hall.put(&sup, "/api/v1/settings/hall", h.clone()).await.expect_error(422, "invalid_config");
    h["inspection_days"] = json!(["2026-11-27", "2026-11-27"]);
    hall.put(&sup, "/api/v1/settings/hall", h.clone()).await.expect_error(422, "invalid_config");
    h["inspection_days"] = json!(["2026-11-27"]);
    hall.put(&sup, "/api/v1/settings/hall", h.clone()).await.expect(200);
    // A change that does not mention them keeps them.
    h.as_object_mut().unwrap().remove("inspection_days");
    h["notices"] = json!(["今日正常营业"]);
    hall.put(&sup, "/api/v1/settings/hall", h).await.expect(200);
    let h = hall.get(&sup, "/api/v1/settings").await.expect(200)["hall"].clone();
    assert_eq!(h["inspection_days"], json!(["2026-11-27"]));

    let serve = |wait: i64, level: u8, reason: Option<&'static str>| {
        let (kiosk, c1, pad1) = (kiosk.clone(), c1.clone(), pad1.clone());
        async move {
            let t = hall.clock.now_ms();
            hall.issue(&kiosk, "PAY").await;
            hall.set_time(t + wait * MIN);
            hall.post(&c1, "/api/v1/counters/1/call-next", None).await.expect(200);
            hall.post(&c1, "/api/v1/counters/1/start", None).await.expect(200);
            hall.set_time(t + (wait + 3) * MIN);
            hall.post(&c1, "/api/v1/counters/1/finish", None).await.expect(200);
            let rating = json!({"level": level, "reason": reason});
            hall.post(&pad1, "/api/v1/counters/1/rating", Some(rating)).await.expect(200);
            hall.post(&c1, "/api/v1/counters/1/logout", None).await.expect(200);
        }
    };
    hall.open_counter(&c1, 1, "1001").await;
    serve(5, 5, None).await;
    hall.set_time(at30(9, 0));
    hall.open_counter(&c1, 1, "1001").await;
    serve(20, 2, Some("attitude")).await;
    (board, sup, kiosk)
}

#[tokio::test]
async fn the_inspection_report_compares_the_marked_day_with_the_others_by_hand() {
    let hall = Hall::start().await;
    let (board, _, kiosk) = friday_and_monday(&hall).await;
    let r = hall.get(&board, "/api/v1/reports/inspection?from=2026-11-23&to=2026-11-30").await.expect(200);
    assert_eq!((r["from"].as_str(), r["to"].as_str()), (Some("2026-11-23"), Some("2026-11-30")));
    close(&r["flag_points"], 10.0);
    let h = &r["halls"][0];
    assert_eq!(h["inspection_days"], json!(["2026-11-27"]));
    let row = &h["hall"];
    assert_eq!(
        (row["key"].as_str(), row["label"].as_str(), row["days"].as_u64()),
        (Some("T1"), Some("测试营业厅"), Some(2))
    );
    // Friday: waited 5 (within 15), handled 3, 非常满意 → 100 % within and satisfied.
    let on = &row["inspection"];
    assert_eq!(
        (on["days"].as_u64(), on["legs"].as_u64(), on["wait_mean_ms"].as_i64()),
        (Some(1), Some(1), Some(5 * MIN))
    );
    close(&on["within_target_wait"], 1.0);
    close(&on["satisfaction"], 1.0);
    assert_eq!(on["handling_mean_ms"].as_i64(), Some(3 * MIN));
    // Monday: waited 20 (over 15), 不满意 → 0 % and 0 %, every served rated.
    let off = &row["other"];
    assert_eq!((off["days"].as_u64(), off["wait_mean_ms"].as_i64()), (Some(1), Some(20 * MIN)));
    close(&off["within_target_wait"], 0.0);
    close(&off["satisfaction"], 0.0);
    close(&off["rating_coverage"], 1.0);
    let d = &row["difference"];
    assert_eq!((d["wait_mean_ms"].as_i64(), d["handling_mean_ms"].as_i64()), (Some(-15 * MIN), Some(0)));
    close(&d["within_target_wait_pp"], 100.0);
    close(&d["satisfaction_pp"], 100.0);
    close(&d["rating_coverage_pp"], 0.0);
    assert_eq!(row["flag"], true);
    // Daily within 100 and 0, satisfaction 100 and 0: mean 50, each 50 away → 50 points.
    let c = &row["consistency"];
    close(&c["within_target_wait_sd_pp"], 50.0);
    close(&c["satisfaction_sd_pp"], 50.0);
    assert_eq!((c["within_target_wait_days"].as_u64(), c["satisfaction_days"].as_u64()), (Some(2), Some(2)));
    // 王芳 served both: the same figures.
    let staff = h["staff"].as_array().unwrap();
    assert_eq!(staff.len(), 1);
    assert_eq!((staff[0]["key"].as_str(), staff[0]["label"].as_str()), (Some("1001"), Some("王芳")));
    assert_eq!((&staff[0]["difference"], &staff[0]["flag"]), (d, &json!(true)));
    // Every hall (one here) and the hall by code say the same.
    for q in ["hall=all", "hall=T1"] {
        let again = hall.get(&board, &format!("/api/v1/reports/inspection?from=2026-11-23&to=2026-11-30&{q}")).await;
        assert_eq!(again.expect(200), r, "{q}");
    }

    // Monday alone has no inspection day: an empty comparison, not an error.
    let mon = hall.get(&board, "/api/v1/reports/inspection?from=2026-11-30&to=2026-11-30").await.expect(200);
    let row = &mon["halls"][0]["hall"];
    assert_eq!(mon["halls"][0]["inspection_days"], json!([]));
    assert_eq!((row["inspection"]["legs"].as_u64(), row["inspection"]["wait_mean_ms"].as_i64()), (Some(0), None));
    assert_eq!((&row["difference"]["within_target_wait_pp"], &row["flag"]), (&Value::Null, &json!(false)));
    assert_eq!(row["consistency"]["within_target_wait_sd_pp"], Value::Null, "one day is too few");

    // The XLSX export carries the comparison on its own sheet.
    let resp = reqwest::Client::new()
        .get(format!("{}/api/v1/reports/export?from=2026-11-23&to=2026-11-30&format=xlsx", hall.base))
        .bearer_auth(&board)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(resp.bytes().await.unwrap().to_vec())).unwrap();
    // The low ratings' follow-up cases add the cases sheet after it.
    assert_eq!(book.sheet_names()[7..], ["稽查日 Inspection", "工单时限 Cases"]);
    let sheet = book.worksheet_range("稽查日 Inspection").unwrap();
    let rows: Vec<Vec<Data>> = sheet.rows().map(<[Data]>::to_vec).collect();
    let col = |name: &str| rows[0].iter().position(|c| matches!(c, Data::String(s) if s == name)).unwrap();
    assert_eq!(rows[1][col("稽查日\nInspection days")], Data::String("2026-11-27".into()));
    assert_eq!(rows[1][col("差 等候达标(百分点)\ndifference within target wait (pp)")], Data::Float(100.0));
    assert_eq!(rows[2][col("名称\nName")], Data::String("王芳".into()));

    // Who may read it: the board and supervisors, not a kiosk, not without a token.
    hall.get(&kiosk, "/api/v1/reports/inspection").await.expect_error(403, "forbidden");
    let anonymous = hall.send(reqwest::Method::GET, "/api/v1/reports/inspection", None, None).await;
    assert_eq!(anonymous.status, 401);
}

#[tokio::test]
async fn bad_inspection_parameters_are_refused_bilingually() {
    let hall = Hall::start().await;
    let sup = hall.supervisor().await;
    for (q, status, code) in [
        ("from=2026-13-01", 400, "invalid_query"),
        ("from=27.11.2026", 400, "invalid_query"),
        ("from=2026-11-28&to=2026-11-27", 422, "invalid_request"),
        ("from=1999-12-31", 422, "invalid_request"),
        ("hall=NOPE", 404, "unknown_hall"),
    ] {
        hall.get(&sup, &format!("/api/v1/reports/inspection?{q}")).await.expect_error(status, code);
    }
    // Today, with no tickets and no inspection days: an empty answer.
    hall.set_time(at(10, 0, 0));
    let r = hall.get(&sup, "/api/v1/reports/inspection").await.expect(200);
    assert_eq!((&r["halls"][0]["inspection_days"], &r["halls"][0]["staff"]), (&json!([]), &json!([])));
}
