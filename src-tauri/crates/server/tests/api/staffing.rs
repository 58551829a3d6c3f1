//! Staffing advice and the what-if simulation over HTTP: a small day whose
//! hour figures are worked out by hand, the simulation's answer and its
//! determinism, the roles, and bad requests refused bilingually.

use serde_json::{Value, json};

use crate::support::{Hall, MIN, at};

#[tokio::test]
async fn a_small_day_gives_the_hand_computed_staffing_row() {
    let hall = Hall::start().await;
    let sup = hall.supervisor().await;
    hall.agent_pins(&sup).await;
    let kiosk = hall.pair(&sup, "kiosk", None).await;
    let counter = hall.pair(&sup, "counter", Some(1)).await;
    let board = hall.pair(&sup, "board", None).await;
    // Friday 27 Nov, 09:00: counter 1 opens; A001 09:00, A002 09:10 (kiosk
    // interval 2 s is long past). A001 handled 09:00–09:06 (6 min), A002
    // 09:10–09:14 (4 min); the counter closes at 09:30.
    hall.open_counter(&counter, 1, "1001").await;
    hall.issue(&kiosk, "PAY").await;
    hall.post(&counter, "/api/v1/counters/1/call-next", None).await.expect(200);
    hall.post(&counter, "/api/v1/counters/1/start", None).await.expect(200);
    hall.set_time(at(9, 6, 0));
    hall.post(&counter, "/api/v1/counters/1/finish", None).await.expect(200);
    hall.set_time(at(9, 10, 0));
    hall.issue(&kiosk, "PAY").await;
    hall.post(&counter, "/api/v1/counters/1/call-next", None).await.expect(200);
    hall.post(&counter, "/api/v1/counters/1/start", None).await.expect(200);
    hall.set_time(at(9, 14, 0));
    hall.post(&counter, "/api/v1/counters/1/finish", None).await.expect(200);
    hall.set_time(at(9, 30, 0));
    hall.post(&counter, "/api/v1/counters/1/close", None).await.expect(200);

    let r = hall.get(&board, "/api/v1/reports/staffing?from=2026-11-27&to=2026-11-27").await.expect(200);
    assert_eq!(r["target_share"], 0.8);
    assert_eq!(r["target_wait_ms"], 15 * MIN);
    let rows = r["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{r}");
    let row = &rows[0];
    // Friday = 4; 2 arrivals in one open day; (6 + 4) / 2 min; 30 of 60
    // minutes open; a = 2/h × 5 min = 1/6 Erlang: one counter calls
    // 1 − (1/6)·e^{−(5/6)·15/5} = 98.6 % within 15 minutes.
    assert_eq!((row["hall"].as_str(), row["weekday"].as_u64(), row["hour"].as_u64()), (Some("T1"), Some(4), Some(9)));
    assert_eq!(row["arrivals_per_hour"], 2.0);
    assert_eq!(row["handling_mean_ms"], 5 * MIN);
    assert_eq!(row["open_counters"], 0.5);
    assert_eq!(row["advised_counters"], 1);
    let want = 1.0 - (1.0 / 6.0) * (-(5.0 / 6.0) * 3.0f64).exp();
    assert!((row["within_target_at_advised"].as_f64().unwrap() - want).abs() < 1e-9, "{row}");
    // 0.5 open rounds to 1 counter (Rust rounds half away from zero).
    assert!((row["within_target_at_open"].as_f64().unwrap() - want).abs() < 1e-9, "{row}");

    // The same for every hall of the database, and by code.
    let all = hall.get(&sup, "/api/v1/reports/staffing?from=2026-11-27&to=2026-11-27&hall=all").await.expect(200);
    assert_eq!(all["rows"], r["rows"]);
    let by_code = hall.get(&sup, "/api/v1/reports/staffing?from=2026-11-27&to=2026-11-27&hall=T1").await.expect(200);
    assert_eq!(by_code["rows"], r["rows"]);
    // A stricter target may need more counters, never fewer.
    let strict = hall.get(&board, "/api/v1/reports/staffing?from=2026-11-27&to=2026-11-27&target_share=0.99").await;
    assert!(strict.expect(200)["rows"][0]["advised_counters"].as_u64().unwrap() >= 1);
    // The kiosk may not read it.
    hall.get(&kiosk, "/api/v1/reports/staffing").await.expect_error(403, "forbidden");
}

#[tokio::test]
async fn bad_staffing_requests_are_refused_bilingually() {
    let hall = Hall::start().await;
    let sup = hall.supervisor().await;
    for q in [
        "target_share=1.5",
        "target_share=0",
        "target_share=-0.1",
        "from=2026-11-30&to=2026-11-01",
        "from=1999-01-01&to=2026-11-01",
    ] {
        hall.get(&sup, &format!("/api/v1/reports/staffing?{q}")).await.expect_error(422, "invalid_request");
    }
    hall.get(&sup, "/api/v1/reports/staffing?from=2026-13-01").await.expect_error(400, "invalid_query");
    hall.get(&sup, "/api/v1/reports/staffing?target_share=lots").await.expect_error(400, "invalid_query");
    hall.get(&sup, "/api/v1/reports/staffing?hall=NOPE").await.expect_error(404, "unknown_hall");
}

fn what_if(arrivals: f64, minutes: f64, counters: u32, hours: u32, seed: u64) -> Value {
    json!({"arrivals_per_hour": arrivals, "handling_minutes": minutes, "counters": counters, "hours": hours, "seed": seed})
}

#[tokio::test]
async fn a_what_if_runs_the_day_and_predicts_it() {
    let hall = Hall::start().await;
    let sup = hall.supervisor().await;
    let board = hall.pair(&sup, "board", None).await;
    let a = hall.post(&board, "/api/v1/reports/simulate", Some(what_if(40.0, 6.0, 5, 8, 1))).await.expect(200);
    // 100 independent days by default: the mean over them with its 95 %
    // interval inside a typical day's spread.
    assert_eq!(a["days"], 100);
    let n = a["customers"].as_u64().unwrap();
    assert!((30_000..=34_000).contains(&n), "about 320 a day: {a}");
    for figure in ["wait_mean_ms", "within_target_wait", "utilisation"] {
        let f = &a[figure];
        let x = |k: &str, e: &str| f[k][e].as_f64().unwrap();
        let mean = f["mean"].as_f64().unwrap();
        assert!(x("typical_day", "low") <= x("ci95", "low") && x("ci95", "low") <= mean, "{figure}: {f}");
        assert!(mean <= x("ci95", "high") && x("ci95", "high") <= x("typical_day", "high"), "{figure}: {f}");
    }
    // The interval of the mean wait is far tighter than a day's spread
    // (8-hour days at ρ = 0.8 vary a lot: 57–319 s here).
    let w = &a["wait_mean_ms"];
    let width = |r: &Value| r["high"].as_f64().unwrap() - r["low"].as_f64().unwrap();
    assert!(width(&w["ci95"]) < 0.25 * width(&w["typical_day"]), "{w}");
    // One day: no interval.
    let mut one = what_if(40.0, 6.0, 5, 8, 1);
    one["days"] = json!(1);
    let one = hall.post(&board, "/api/v1/reports/simulate", Some(one)).await.expect(200);
    assert!(
        one["wait_mean_ms"]["ci95"].is_null() && (240..=400).contains(&one["customers"].as_u64().unwrap()),
        "{one}"
    );
    assert_eq!(a["kpis"]["issued"].as_u64(), Some(n));
    assert_eq!(a["kpis"]["served"].as_u64(), Some(n));
    assert_eq!(a["kpis"]["ratings_by_level"].as_array().unwrap().len(), 5);
    // a = 4 Erlangs at 5 counters: C(5,4) = 0.5541, Wq = C·h/(c − a) = 199,481 ms.
    let e = &a["erlang_c"];
    let wq = e["mean_wait_ms"].as_i64().unwrap();
    assert!((wq - 199_481).abs() <= 1, "{e}");
    assert!((e["within_target_wait"].as_f64().unwrap() - (1.0 - 0.5541 * (-2.5f64).exp())).abs() < 1e-3, "{e}");
    // The same request, the same day; the hall's own data is untouched.
    let again = hall.post(&sup, "/api/v1/reports/simulate", Some(what_if(40.0, 6.0, 5, 8, 1))).await.expect(200);
    assert_eq!(again, a);
    let tickets = hall.get(&sup, "/api/v1/tickets").await.expect(200);
    assert_eq!(tickets.as_array().unwrap().len(), 0);
    // An unstable load: 4 Erlangs at 4 counters has no Erlang C answer.
    let full = hall.post(&board, "/api/v1/reports/simulate", Some(what_if(40.0, 6.0, 4, 8, 1))).await.expect(200);
    assert!(full["erlang_c"].is_null());
    assert!(full["kpis"]["wait_mean_ms"].as_i64().unwrap() > wq);
    // A longer target wait is honoured.
    let mut body = what_if(40.0, 6.0, 5, 8, 1);
    body["target_wait_minutes"] = json!(30);
    let long = hall.post(&board, "/api/v1/reports/simulate", Some(body)).await.expect(200);
    assert!(long["erlang_c"]["within_target_wait"].as_f64() > e["within_target_wait"].as_f64());
}

#[tokio::test]
async fn bad_what_ifs_are_refused_bilingually() {
    let hall = Hall::start().await;
    let sup = hall.supervisor().await;
    let kiosk = hall.pair(&sup, "kiosk", None).await;
    for body in [
        what_if(40.0, 6.0, 0, 8, 1),
        what_if(40.0, 6.0, 65, 8, 1),
        what_if(40.0, 6.0, 4, 0, 1),
        what_if(40.0, 6.0, 4, 25, 1),
        what_if(-1.0, 6.0, 4, 8, 1),
        what_if(2001.0, 6.0, 4, 8, 1),
        what_if(2000.0, 6.0, 64, 24, 1),
        what_if(40.0, 0.0, 4, 8, 1),
        what_if(40.0, 241.0, 4, 8, 1),
        json!({"arrivals_per_hour": 40, "handling_minutes": 6, "counters": 4, "hours": 8, "days": 0}),
        json!({"arrivals_per_hour": 40, "handling_minutes": 6, "counters": 4, "hours": 8, "days": 2001}),
    ] {
        hall.post(&sup, "/api/v1/reports/simulate", Some(body)).await.expect_error(422, "invalid_request");
    }
    let mut body = what_if(40.0, 6.0, 4, 8, 1);
    body["target_wait_minutes"] = json!(0);
    hall.post(&sup, "/api/v1/reports/simulate", Some(body)).await.expect_error(422, "invalid_request");
    // Shape errors: a missing field, a negative count, an unknown field.
    let a = hall.post(&sup, "/api/v1/reports/simulate", Some(json!({"arrivals_per_hour": 40}))).await;
    assert_eq!(a.status, 422, "{}", a.body);
    let a = hall
        .post(
            &sup,
            "/api/v1/reports/simulate",
            Some(json!({"arrivals_per_hour": 40, "handling_minutes": 6, "counters": -2, "hours": 8})),
        )
        .await;
    assert_eq!(a.status, 422, "{}", a.body);
    let mut body = what_if(40.0, 6.0, 4, 8, 1);
    body["staff"] = json!(3);
    assert_eq!(hall.post(&sup, "/api/v1/reports/simulate", Some(body)).await.status, 422);
    hall.post(&kiosk, "/api/v1/reports/simulate", Some(what_if(40.0, 6.0, 4, 8, 1)))
        .await
        .expect_error(403, "forbidden");
}

/// The heaviest what-if the inputs allow: 20,000 customers at one counter
/// of 4-hour handling, so the queue holds almost all of them (it took 103 s
/// of CPU and ran on after its client had gone).
fn heaviest() -> Value {
    what_if(2000.0, 240.0, 1, 10, 1)
}

#[tokio::test]
async fn a_what_if_beyond_the_work_budget_is_refused_bilingually_and_soon() {
    let hall = Hall::start().await;
    let sup = hall.supervisor().await;
    let started = std::time::Instant::now();
    let a = hall.post(&sup, "/api/v1/reports/simulate", Some(heaviest())).await;
    let took = started.elapsed();
    a.clone().expect_error(422, "invalid_request");
    assert!(a.body["message_en"].as_str().unwrap().contains("budget"), "{}", a.body);
    assert!(took < std::time::Duration::from_secs(30), "refused only after {took:?}");
    // A hundred days of a busy hall (120 an hour, ρ = 0.89) are within it.
    hall.post(&sup, "/api/v1/reports/simulate", Some(what_if(120.0, 8.0, 18, 10, 1))).await.expect(200);
}

#[tokio::test]
async fn one_what_if_at_a_time_per_hall_and_a_gone_client_cancels_its_own() {
    // No budget here: only cancellation can end the heavy one.
    let limits = hallq_server::Limits {
        simulation_work: u64::MAX,
        simulation_queue_wait: std::time::Duration::from_millis(200),
        ..hallq_server::Limits::default()
    };
    let hall = Hall::start_with(hallq_server::Config { limits, ..hallq_server::Config::default() }).await;
    let sup = hall.supervisor().await;
    // A client that gives up after a second, as a closed browser tab does.
    let impatient = reqwest::Client::builder().timeout(std::time::Duration::from_secs(1)).build().unwrap();
    let heavy =
        impatient.post(format!("{}/api/v1/reports/simulate", hall.base)).bearer_auth(&sup).json(&heaviest()).send();
    let second = async {
        tokio::time::sleep(std::time::Duration::from_millis(400)).await;
        hall.post(&sup, "/api/v1/reports/simulate", Some(what_if(40.0, 6.0, 5, 8, 1))).await
    };
    let (heavy, second) = tokio::join!(heavy, second);
    assert!(heavy.is_err(), "the heavy one is still running when its client leaves");
    second.expect_error(429, "simulation_busy");
    // The slot comes back once the abandoned run has noticed and stopped.
    let started = std::time::Instant::now();
    loop {
        let a = hall.post(&sup, "/api/v1/reports/simulate", Some(what_if(40.0, 6.0, 5, 8, 1))).await;
        if a.status == 200 {
            break;
        }
        assert_eq!(a.code(), "simulation_busy", "{}", a.body);
        assert!(started.elapsed() < std::time::Duration::from_secs(5), "the abandoned simulation was not cancelled");
    }
}
