//! Reports across halls: the centre's figures, from its PostgreSQL
//! projection, equal the SQLite bureau's on the same exchange files, value
//! for value — every KPI of every group and the total, under every
//! grouping, over the whole range and a sub-range — with the real `hallq`
//! on both sides (`hallq import` + `hallq report`, `hallq central import` +
//! `hallq central report`), one hall pushed through ingest instead of
//! imported. Pushing or importing again changes no figure; a centre whose
//! projections are missing (upgraded from V1) projects its log at start.

use std::path::Path;
use std::sync::Arc;

use hallq_core::{Actor, Command, HallConfig, PriorityClass, Resolution, Staff, StaffRole};
use hallq_store::{ManualClock, Store};
use reqwest::StatusCode;
use serde_json::Value;
use uuid::Uuid;

use crate::support::{Centre, DemoHall, assert_refused, hallq, hallq_fails, read_export};

/// Every grouping both reports know.
const GROUPINGS: [&str; 9] = ["total", "hall", "service", "counter", "staff", "team", "hour", "day", "weekday"];

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// The SQLite bureau's report of `hall` (`all`: every hall of its database).
fn bureau_report(db: &Path, hall: &str, from: &str, to: &str, by: &str) -> Value {
    let db = db.to_str().expect("a UTF-8 path");
    json(&hallq(&["--db", db, "--hall", hall, "report", "--from", from, "--to", to, "--by", by, "--format", "json"]))
}

/// The centre's report across its halls (`extra`: `--county`, `--hall`).
fn centre_report(url: &str, from: &str, to: &str, by: &str, extra: &[&str]) -> Value {
    let mut args = vec!["central", "--postgres", url, "report", "--from", from, "--to", to, "--by", by];
    args.extend_from_slice(extra);
    args.extend_from_slice(&["--format", "json"]);
    json(&hallq(&args))
}

/// The queries compared: every grouping over the whole range and over a
/// sub-range (from the middle of the demo days to the clock hall's day).
fn queries() -> impl Iterator<Item = ((&'static str, &'static str), &'static str)> {
    [("2026-03-01", "2026-11-30"), ("2026-03-04", "2026-11-02")]
        .into_iter()
        .flat_map(|range| GROUPINGS.into_iter().map(move |by| (range, by)))
}

/// The centre's reports of every query, in order.
fn centre_reports(url: &str) -> Vec<Value> {
    queries().map(|((from, to), by)| centre_report(url, from, to, by, &[])).collect()
}

/// The keys of a report's groups.
fn groups_of(report: &Value) -> Vec<String> {
    report["groups"].as_array().expect("groups").iter().map(|g| g["key"].as_str().unwrap().to_string()).collect()
}

/// Asserts two reports equal leaf by leaf (every key, every KPI, in
/// order); answers how many values were compared.
fn assert_same(centre: &Value, bureau: &Value, at: &str) -> usize {
    match (centre, bureau) {
        (Value::Object(a), Value::Object(b)) => {
            let keys = |o: &serde_json::Map<String, Value>| o.keys().cloned().collect::<Vec<_>>();
            assert_eq!(keys(a), keys(b), "the fields at {at}");
            a.iter().map(|(k, v)| assert_same(v, &b[k], &format!("{at}.{k}"))).sum()
        }
        (Value::Array(a), Value::Array(b)) => {
            assert_eq!(a.len(), b.len(), "the length of {at}");
            a.iter().zip(b).enumerate().map(|(i, (x, y))| assert_same(x, y, &format!("{at}[{i}]"))).sum()
        }
        (a, b) => {
            assert_eq!(a, b, "{at}");
            1
        }
    }
}

/// A small hall whose day has two clock steps (ahead two days, back again,
/// then back three hours) and a recall: the centre must move its legs and
/// sessions with the clock exactly as the hall does.
fn clock_hall() -> DemoHall {
    const MIN: i64 = 60_000;
    let hall = DemoHall::empty("CLK");
    let store = Store::open(&hall.db()).expect("a hall database");
    let id = Uuid::from_u128(0xC10C);
    let mut cfg = HallConfig::default_supply_hall(id, "CLK", "时钟测试厅");
    for (i, team) in [(1, Some("甲班")), (2, None)] {
        cfg.staff.push(Staff {
            number: format!("900{i}"),
            name: format!("员工{i}"),
            role: StaffRole::Agent,
            active: true,
            team: team.map(str::to_string),
        });
    }
    // Mon 2026-11-02 08:30 in Shanghai.
    let morning = 1_793_579_400_000;
    store.create_hall(&cfg, morning - 60 * MIN).expect("create the hall");
    let clock = ManualClock::new(morning);
    let engine = store.engine(id, Arc::new(clock.clone())).expect("an engine");
    let run = |c: Command| engine.execute(Actor::Cli, c).expect("a command");
    for c in 1..=2u32 {
        run(Command::Login { counter: c, staff: format!("900{c}") });
        run(Command::OpenCounter { counter: c });
    }
    let issue = || Command::Issue {
        service: "PAY".into(),
        priority: PriorityClass::Normal,
        priority_reason: None,
        appointment: None,
    };
    let finish = |counter| Command::Finish { counter, resolution: Resolution::Completed };
    run(issue());
    clock.advance(5 * MIN);
    run(issue());
    clock.advance(3 * MIN);
    clock.step(2 * 24 * 60 * MIN);
    clock.advance(4 * MIN);
    run(Command::CallNext { counter: 1 });
    clock.advance(2 * MIN);
    run(Command::Recall { counter: 1 });
    run(Command::Start { counter: 1 });
    clock.advance(MIN);
    run(issue());
    clock.advance(5 * MIN);
    clock.step(-2 * 24 * 60 * MIN);
    clock.advance(2 * MIN);
    run(finish(1));
    run(Command::CallNext { counter: 2 });
    run(Command::Start { counter: 2 });
    clock.advance(5 * MIN);
    clock.step(-3 * 60 * MIN);
    clock.advance(7 * MIN);
    run(finish(2));
    run(Command::CallNext { counter: 1 });
    run(Command::Start { counter: 1 });
    clock.advance(3 * MIN);
    run(finish(1));
    run(Command::PauseCounter { counter: 2, reason: "break".into() });
    engine.shutdown();
    drop(store);
    hall
}

#[tokio::test(flavor = "multi_thread")]
async fn the_centre_reports_every_kpi_as_the_sqlite_bureau_does_on_the_same_files() {
    // Three demo halls of different sizes (transfers, no-shows, recalls,
    // ratings, staff in teams) and the clock hall.
    let small = DemoHall::new("RA", 2, 21);
    let middle = DemoHall::new("RB", 4, 22);
    let large = DemoHall::new("RC", 6, 23);
    let clock = tokio::task::spawn_blocking(clock_hall).await.expect("the clock hall");
    let files: Vec<_> = [&small, &middle, &large, &clock].iter().map(|h| h.export("all.hqx")).collect();

    // The SQLite bureau imports all four files.
    let bureau = tempfile::tempdir().unwrap();
    let bureau_db = bureau.path().join("bureau.db");
    for f in &files {
        hallq(&["--db", bureau_db.to_str().unwrap(), "import", f.to_str().unwrap()]);
    }

    // The centre imports three with `hallq central import`; the middle hall
    // enrols (in county 罗阳县) and pushes its log instead.
    let centre = Centre::start().await;
    for f in [&files[0], &files[3]] {
        hallq(&["central", "--postgres", &centre.url, "import", f.to_str().unwrap()]);
    }
    hallq(&["central", "--postgres", &centre.url, "import", files[2].to_str().unwrap(), "--county", "城关区"]);
    let (header, events) = read_export(&files[1]);
    let key = centre.enrol(&header).await;
    centre.push_all(&key, &events, 700).await;

    let mut compared = 0;
    let first = centre_reports(&centre.url);
    for (((from, to), by), mine) in queries().zip(&first) {
        let theirs = bureau_report(&bureau_db, "all", from, to, by);
        assert!(theirs["total"]["issued"].as_u64().unwrap_or(0) > 0, "{from}..{to} has tickets");
        compared += assert_same(mine, &theirs, &format!("{from}..{to} by {by}"));
    }
    assert!(compared > 3000, "only {compared} values compared");
    eprintln!("reports: {compared} values compared, every one equal");

    // One hall, one county: the pushed hall alone, as the bureau reports it.
    for by in ["service", "staff", "team", "hour"] {
        let theirs = bureau_report(&bureau_db, "RB", "2026-03-01", "2026-11-30", by);
        let by_hall = centre_report(&centre.url, "2026-03-01", "2026-11-30", by, &["--hall", "RB"]);
        let by_county = centre_report(&centre.url, "2026-03-01", "2026-11-30", by, &["--county", "罗阳县"]);
        assert_same(&by_hall, &theirs, &format!("RB by {by}"));
        assert_same(&by_county, &theirs, &format!("罗阳县 by {by}"));
    }
    // By county: 罗阳县 (its enrolment code's) is the pushed hall's total,
    // 城关区 (named at import) the large hall's; the others have none.
    let counties = centre_report(&centre.url, "2026-03-01", "2026-11-30", "county", &[]);
    assert_eq!(counties["by"], "county");
    let groups = counties["groups"].as_array().unwrap();
    let keys: Vec<&str> = groups.iter().map(|g| g["key"].as_str().unwrap()).collect();
    assert_eq!(keys, ["~", "城关区", "罗阳县"]);
    assert_eq!((groups[0]["label"].as_str(), groups[0]["label_en"].as_str()), (Some("未填县"), Some("no county")));
    for (group, hall) in [(&groups[1], "RC"), (&groups[2], "RB")] {
        let alone = bureau_report(&bureau_db, hall, "2026-03-01", "2026-11-30", "total");
        assert_same(&group["kpis"], &alone["total"], &format!("the county of {hall}"));
    }
    let served = |v: &Value| v["kpis"]["served"].as_u64().unwrap();
    assert_eq!(groups.iter().map(served).sum::<u64>(), counties["total"]["served"].as_u64().unwrap());

    // The same report as a table and as CSV.
    let range = ["--from", "2026-03-01", "--to", "2026-11-30", "--by", "hall"];
    let mut args = vec!["central", "--postgres", &centre.url, "report"];
    args.extend_from_slice(&range);
    let text = hallq(&args);
    for hall in &groups_of(&first[1]) {
        assert!(text.contains(hall.as_str()), "{hall} in the table:\n{text}");
    }
    assert!(text.contains("1. ") && text.contains("▼ 低于目标 / below target"), "{text}");
    args.extend_from_slice(&["--format", "csv"]);
    let csv = hallq(&args);
    assert!(csv.starts_with('\u{feff}') && csv.lines().count() == 5 + 1, "a header, four halls and the total:\n{csv}");

    // The same hall pushed twice, another imported then pushed: no figure moves.
    centre.push_all(&key, &events, 1000).await;
    let (small_header, small_events) = read_export(&files[0]);
    let small_key = centre.enrol(&small_header).await;
    centre.push_all(&small_key, &small_events, 1000).await;
    hallq(&["central", "--postgres", &centre.url, "import", files[2].to_str().unwrap()]);
    assert_eq!(centre_reports(&centre.url), first, "pushing or importing again changes no figure");

    // A centre upgraded from V1: events, no projections. It projects them
    // at start, and reports the same.
    let client = centre.pool.get().await.unwrap();
    client
        .batch_execute(
            "DELETE FROM hall_states; DELETE FROM tickets; DELETE FROM counter_sessions; DELETE FROM services;
             DELETE FROM staff; DELETE FROM counters; DELETE FROM follow_ups",
        )
        .await
        .unwrap();
    assert_eq!(centre_reports(&centre.url), first, "projected at start from the log alone");

    // The API answers the same JSON on a loopback listener.
    let api: Value = centre
        .http
        .get(format!("{}/central/v1/reports/kpis?from=2026-03-01&to=2026-11-30&by=staff", centre.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_same(&api, &first[4], "the API by staff");
}

#[tokio::test]
async fn bad_report_requests_are_refused_in_both_languages() {
    let centre = Centre::start().await;
    let url = centre.url.as_str();
    for (args, says) in [
        (vec!["--from", "2026-03-01", "--to", "2026-02-01", "--by", "hall"], "2026-03-01"),
        (vec!["--from", "2026-03-01", "--to", "2026-03-31", "--by", "month"], "county"),
        (vec!["--from", "2026-3-x", "--to", "2026-03-31"], "YYYY-MM-DD"),
        (vec!["--to", "2026-03-31"], "--from"),
        (vec!["--from", "2026-03-01", "--to", "2026-03-31", "--hall", "NOPE"], "NOPE"),
        (vec!["--from", "2026-03-01", "--to", "2026-03-31", "--county", "无此县"], "无此县"),
    ] {
        let mut all = vec!["central", "--postgres", url, "report"];
        all.extend_from_slice(&args);
        let (code, stderr) = hallq_fails(&all);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
        assert!(stderr.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "Chinese: {stderr}");
    }
    let get = |query: &'static str| {
        let http = centre.http.clone();
        let base = centre.base.clone();
        async move {
            let r = http.get(format!("{base}/central/v1/reports/kpis?{query}")).send().await.unwrap();
            (r.status(), r.json::<Value>().await.unwrap())
        }
    };
    assert_refused(&get("from=2026-03-01&to=2026-03-31&by=month").await, StatusCode::BAD_REQUEST, "bad_request");
    assert_refused(&get("to=2026-03-31").await, StatusCode::BAD_REQUEST, "bad_request");
    assert_refused(&get("from=2026-03-01&to=2026-03-31&hall=NOPE").await, StatusCode::NOT_FOUND, "unknown_hall");

    // Not on a loopback listener: 403 until central users exist.
    let listener = tokio::net::TcpListener::bind("0.0.0.0:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(hallq_central::serve(centre.pool.clone(), listener, None, std::future::pending()));
    let r = centre
        .http
        .get(format!("http://127.0.0.1:{port}/central/v1/reports/kpis?from=2026-03-01&to=2026-03-31"))
        .send()
        .await
        .unwrap();
    let answer = (r.status(), r.json::<Value>().await.unwrap());
    assert_refused(&answer, StatusCode::FORBIDDEN, "loopback_only");
}

/// The clock hall's morning is the instant the store's clock tests call
/// `morning(0)`.
#[test]
fn the_clock_halls_morning_is_monday_half_past_eight_in_shanghai() {
    let hall = hallq_core::Hall::new(Uuid::nil(), "T", "t");
    let local = hall.local(1_793_579_400_000);
    assert_eq!(local.format("%Y-%m-%d %H:%M %a").to_string(), "2026-11-02 08:30 Mon");
}
