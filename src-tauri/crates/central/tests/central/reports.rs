//! Reports across halls: the centre's figures, from its PostgreSQL
//! projection, equal the SQLite bureau's on the same exchange files, value
//! for value — every KPI of every group and the total, under every
//! grouping, over the whole range and a sub-range — with the real `hallq`
//! on both sides (`hallq import` + `hallq report`, `hallq central import` +
//! `hallq central report`), one hall pushed through ingest instead of
//! imported. Pushing or importing again changes no figure; a centre whose
//! projections are missing (upgraded from V1) projects its log at start.
//!
//! The commitments report (cases) equals the bureau's `case_report` judged
//! at the same instant, and each hall's follow-ups equal its own overview's,
//! before and after a centre upgraded from V3 (projections without cases)
//! projects its log again. Reports in total, by hall, by county and by
//! service come from the KPI parts (`kpi_parts`), the others from the
//! legs: both are compared, and again after a centre upgraded from V4 (no
//! parts) built its parts at start.

use std::path::Path;
use std::sync::Arc;

use chrono::NaiveDate;
use hallq_central::report::{CentralBy, CentralQuery};
use hallq_core::{Actor, Command, HallConfig, LowScoreReason, PriorityClass, Resolution, Staff, StaffRole, TicketRef};
use hallq_store::{GroupBy, ManualClock, OverviewQuery, Store};
use reqwest::StatusCode;
use serde_json::Value;
use tokio_postgres::types::Json;
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

/// The instant commitments and follow-ups are judged at on both sides:
/// Monday 2026-03-16 10:00 in Shanghai, two weeks after the demo days
/// began, so that some open cases are overdue and others are not yet due.
const JUDGED_AT: i64 = 1_773_626_400_000;

/// The instant follow-ups are judged at: Wednesday 2026-03-25 10:00 in
/// Shanghai, when the demo's first follow-ups (due 03-23 and 03-24) are
/// overdue and later ones still open.
const FOLLOW_UPS_JUDGED_AT: i64 = 1_774_404_000_000;

/// The ranges and scopes the commitments are compared on: (from, to,
/// county, hall code). The last starts on the clock hall's day, after the
/// day its late-entered case was received.
const CASE_QUERIES: [(&str, &str, Option<&str>, Option<&str>); 5] = [
    ("2026-03-01", "2026-11-30", None, None),
    ("2026-03-03", "2026-03-05", None, None),
    ("2026-03-01", "2026-11-30", None, Some("RB")),
    ("2026-03-01", "2026-11-30", Some("罗阳县"), None),
    ("2026-11-02", "2026-11-30", None, Some("CLK")),
];

/// Follow-ups listed when only the first few are asked for: fewer than
/// each demo hall has overdue, so which ones come first is compared too.
const FIRST_FOLLOW_UPS: usize = 3;

fn day(s: &str) -> NaiveDate {
    s.parse().expect("a date")
}

fn central_query(from: &str, to: &str, county: Option<&str>, hall: Option<&str>) -> CentralQuery {
    CentralQuery {
        from: day(from),
        to: day(to),
        by: CentralBy::Hall(GroupBy::Hall),
        county: county.map(str::to_string),
        hall: hall.map(str::to_string),
    }
}

/// The JSON the centre's API answers at `path` (on its loopback listener).
async fn get_json(centre: &Centre, path: &str) -> Value {
    let r = centre.http.get(format!("{}{path}", centre.base)).send().await.expect("the API answers");
    assert_eq!(r.status(), StatusCode::OK, "{path}");
    r.json().await.expect("JSON")
}

/// The centre's commitments report of every [`CASE_QUERIES`] entry,
/// judged at [`JUDGED_AT`], and each hall's follow-ups over the whole range
/// (all listed, and the first [`FIRST_FOLLOW_UPS`]), judged at
/// [`FOLLOW_UPS_JUDGED_AT`].
async fn centre_cases(centre: &Centre) -> (Vec<Value>, [Value; 2]) {
    let mut cases = Vec::new();
    for (from, to, county, hall) in CASE_QUERIES {
        let q = central_query(from, to, county, hall);
        let report = hallq_central::report::cases(&centre.pool, &q, JUDGED_AT).await.expect("the centre's cases");
        cases.push(serde_json::to_value(report).unwrap());
    }
    let q = central_query("2026-03-01", "2026-11-30", None, None);
    let mut follow_ups = [Value::Null, Value::Null];
    for (slot, limit) in follow_ups.iter_mut().zip([hallq_store::FOLLOW_UP_ITEMS, FIRST_FOLLOW_UPS]) {
        let report = hallq_central::report::follow_ups(&centre.pool, &q, FOLLOW_UPS_JUDGED_AT, limit).await;
        *slot = serde_json::to_value(report.expect("follow-ups")).unwrap();
    }
    (cases, follow_ups)
}

/// Asserts the centre's commitments equal the SQLite bureau's (its
/// `case_report`, as `hallq report --cases` answers it, at the same
/// instant) and each hall's follow-ups its own overview's; answers how
/// many values were compared.
fn assert_same_cases(cases: &[Value], follow_ups: &[Value; 2], bureau: &Path, halls: &[(&DemoHall, Uuid)]) -> usize {
    let store = Store::open(bureau).expect("the bureau's database");
    let reader = store.reader().expect("a reader");
    let id_of = |code: &str| halls.iter().find(|(h, _)| h.code() == code).map(|(_, id)| *id).expect("a hall");
    let mut compared = 0;
    for ((from, to, county, hall), mine) in CASE_QUERIES.iter().zip(cases) {
        // The county 罗阳县 is the pushed hall's alone.
        let scope = hall.or(county.map(|_| "RB")).map(id_of);
        let theirs = reader.case_report(scope, day(from), day(to), JUDGED_AT).expect("the bureau's cases");
        let at = format!("cases {from}..{to} {county:?} {hall:?}");
        // Not empty: cases opened, some closed, some open and not due yet,
        // every grouping with groups; the demo halls' also overdue.
        let k = &theirs.total;
        assert!(k.opened > 0 && k.closed_on_time + k.closed_late > 0 && k.open > k.open_overdue, "{at}: {k:?}");
        assert!(*hall == Some("CLK") || k.open_overdue > 0, "{at}: {k:?}");
        for groups in [&theirs.by_hall, &theirs.by_type, &theirs.by_staff, &theirs.by_team] {
            assert!(!groups.is_empty(), "{at}: a grouping has no group");
        }
        compared += assert_same(mine, &serde_json::to_value(&theirs).unwrap(), &at);
    }
    // Follow-ups: each hall's, as its own database's overview lists them,
    // and the first few as its reader answers them.
    let [listed, first] = follow_ups.each_ref().map(|f| f["halls"].as_array().expect("halls"));
    assert_eq!(listed.len(), halls.len(), "every hall's follow-ups");
    let mut items = 0;
    let mut cut = 0;
    for (hall, id) in halls {
        let own = Store::open(&hall.db()).expect("the hall's database");
        let reader = own.reader().expect("a reader");
        let (from, to) = (day("2026-03-01"), day("2026-11-30"));
        let q = OverviewQuery { hall: Some(*id), home: None, from, to, now: FOLLOW_UPS_JUDGED_AT };
        let theirs = serde_json::to_value(reader.overview(&q).expect("its overview").follow_ups).unwrap();
        let code = hall.code();
        let mine = listed.iter().find(|h| h["code"] == code).expect("the hall's follow-ups");
        items += theirs["items"].as_array().unwrap().len();
        compared += assert_same(&mine["follow_ups"], &theirs, &format!("{code}'s follow-ups"));
        let few = reader.follow_up_summary(*id, from, to, FOLLOW_UPS_JUDGED_AT, FIRST_FOLLOW_UPS).expect("the first");
        let few = serde_json::to_value(few).unwrap();
        let mine = first.iter().find(|h| h["code"] == code).expect("the hall's first follow-ups");
        cut += usize::from(few["items"].as_array().unwrap().len() < theirs["items"].as_array().unwrap().len());
        compared += assert_same(&mine["follow_ups"], &few, &format!("{code}'s first follow-ups"));
    }
    assert!(cut >= 3, "the first few are fewer than all in the demo halls");
    let count = |k: &str| listed.iter().map(|h| h["follow_ups"][k].as_u64().unwrap()).sum::<u64>();
    let all = ["done", "overdue", "open"].map(count);
    assert!(items > 0 && all.iter().all(|n| *n > 0), "follow-ups done, overdue and open: {}", follow_ups[0]);
    compared
}

/// The rows of the centre's projection of commitments and staff logins
/// equal the hall's own SQLite projection of them, row for row: case
/// types (position, definition), cases (every column and the case as JSON)
/// and staff sessions. Answers how many rows were compared.
async fn assert_same_rows(centre: &Centre, hall: &DemoHall, id: Uuid) -> usize {
    let own = rusqlite::Connection::open_with_flags(hall.db(), rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .expect("the hall's database");
    let json = |text: String| serde_json::from_str::<Value>(&text).expect("JSON");
    let sqlite = |sql: &str, row: &dyn Fn(&rusqlite::Row<'_>) -> rusqlite::Result<Value>| -> Vec<Value> {
        let mut st = own.prepare(sql).expect(sql);
        st.query_map([], |r| row(r)).expect(sql).map(|r| r.expect(sql)).collect()
    };
    let types = sqlite("SELECT code, position, config FROM case_types ORDER BY code", &|r| {
        Ok(serde_json::json!([r.get::<_, String>(0)?, r.get::<_, i64>(1)?, json(r.get(2)?)]))
    });
    let cases = sqlite(
        "SELECT id, number, case_type, business_day, staff, team, received_at, accepted_at, due_at, state, closed_at,
                outcome, data FROM cases ORDER BY number",
        &|r| {
            let id = Uuid::from_slice(&r.get::<_, Vec<u8>>(0)?).expect("a case id");
            Ok(serde_json::json!([
                id,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, Option<String>>(5)?,
                r.get::<_, i64>(6)?,
                r.get::<_, i64>(7)?,
                r.get::<_, i64>(8)?,
                r.get::<_, String>(9)?,
                r.get::<_, Option<i64>>(10)?,
                r.get::<_, Option<String>>(11)?,
                json(r.get(12)?)
            ]))
        },
    );
    let sessions =
        sqlite("SELECT staff, counter, login_at, logout_at FROM staff_sessions ORDER BY staff, login_at", &|r| {
            Ok(serde_json::json!([
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, Option<i64>>(3)?
            ]))
        });
    let client = centre.pool.get().await.unwrap();
    let rows = |sql: &'static str| {
        let client = &client;
        async move { client.query(sql, &[&id]).await.expect(sql) }
    };
    let theirs_types: Vec<Value> =
        rows("SELECT code, position, case_type FROM case_types WHERE hall_id = $1 ORDER BY code COLLATE \"C\"")
            .await
            .iter()
            .map(|r| {
                let Json(t): Json<Value> = r.get(2);
                serde_json::json!([r.get::<_, String>(0), i64::from(r.get::<_, i32>(1)), t])
            })
            .collect();
    let theirs_cases: Vec<Value> = rows(
        "SELECT id, number, case_type, to_char(business_day, 'YYYY-MM-DD'), staff, team, received_at, accepted_at,
                due_at, state, closed_at, outcome, data FROM cases WHERE hall_id = $1 ORDER BY number COLLATE \"C\"",
    )
    .await
    .iter()
    .map(|r| {
        let Json(data): Json<Value> = r.get(12);
        serde_json::json!([
            r.get::<_, Uuid>(0),
            r.get::<_, String>(1),
            r.get::<_, String>(2),
            r.get::<_, String>(3),
            r.get::<_, String>(4),
            r.get::<_, Option<String>>(5),
            r.get::<_, i64>(6),
            r.get::<_, i64>(7),
            r.get::<_, i64>(8),
            r.get::<_, String>(9),
            r.get::<_, Option<i64>>(10),
            r.get::<_, Option<String>>(11),
            data
        ])
    })
    .collect();
    let theirs_sessions: Vec<Value> = rows(
        "SELECT staff, counter, login_at, logout_at FROM staff_sessions WHERE hall_id = $1
         ORDER BY staff COLLATE \"C\", login_at",
    )
    .await
    .iter()
    .map(|r| {
        serde_json::json!([
            r.get::<_, String>(0),
            i64::from(r.get::<_, i32>(1)),
            r.get::<_, i64>(2),
            r.get::<_, Option<i64>>(3)
        ])
    })
    .collect();
    let code = hall.code();
    for (table, mine, theirs) in [
        ("case_types", &theirs_types, &types),
        ("cases", &theirs_cases, &cases),
        ("staff_sessions", &theirs_sessions, &sessions),
    ] {
        assert_same(&Value::Array(mine.clone()), &Value::Array(theirs.clone()), &format!("{code}'s {table}"));
    }
    assert!(!types.is_empty() && !cases.is_empty() && !sessions.is_empty(), "{code}: rows to compare");
    types.len() + cases.len() + sessions.len()
}

/// A small hall whose day has two clock steps (ahead two days, back again,
/// then back three hours) and a recall: the centre must move its legs and
/// sessions with the clock exactly as the hall does. Two customers rate
/// low; one's follow-up is closed (done), the other's stays open. A case
/// received the Friday before is entered on Monday: it counts on Monday's
/// business day.
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
    run(Command::OpenCase {
        case_type: "RES_CONN".into(),
        // Friday 2026-10-30 16:00 in Shanghai.
        received_at: Some(morning - (64 * 60 + 30) * MIN),
        ticket: None,
        customer_ref: None,
        note: Some("周五收件，周一录入".into()),
        staff: "9001".into(),
    });
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
    let first = run(finish(2)).ticket.expect("the finished ticket").id;
    run(Command::CallNext { counter: 1 });
    run(Command::Start { counter: 1 });
    clock.advance(3 * MIN);
    let last = run(finish(1)).ticket.expect("the finished ticket").id;
    let rate = |ticket: Uuid| Command::Rate {
        ticket: TicketRef::Id(ticket),
        level: 1,
        reason: Some(LowScoreReason::Efficiency),
    };
    run(rate(first));
    run(rate(last));
    run(Command::CloseFollowUp { ticket: first, note: "已回电致歉".into(), staff: None });
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
    // The clock hall's counters are still open: their time (beside the
    // parts, which hold closed sessions only) is among what was compared.
    let open: i64 = centre
        .pool
        .get()
        .await
        .unwrap()
        .query_one("SELECT count(*) FROM counter_sessions WHERE closed_at IS NULL", &[])
        .await
        .unwrap()
        .get(0);
    assert!(open > 0, "an open counter session at the centre");
    eprintln!("reports: {compared} values compared, every one equal");

    // Commitments and follow-ups, judged at the same instant on both sides.
    let ids: Vec<Uuid> = files.iter().map(|f| read_export(f).0.settings.hall.id).collect();
    let halls: Vec<(&DemoHall, Uuid)> = [&small, &middle, &large, &clock].into_iter().zip(ids).collect();
    let (cases, follow_ups) = centre_cases(&centre).await;
    let compared = assert_same_cases(&cases, &follow_ups, &bureau_db, &halls);
    assert!(compared > 1000, "only {compared} commitments and follow-up values compared");
    eprintln!("commitments and follow-ups: {compared} values compared, every one equal");
    let mut rows = 0;
    for (hall, id) in &halls {
        rows += assert_same_rows(&centre, hall, *id).await;
    }
    eprintln!("case types, cases and staff sessions: {rows} rows equal to the halls' own");

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

    // A centre upgraded from V3: projections without cases, staff
    // sessions or KPI parts. V4 empties them; the centre projects every hall's log
    // again at start. (The small hall has since enrolled into 罗阳县.)
    let (cases, follow_ups) = centre_cases(&centre).await;
    client
        .batch_execute(
            "DELETE FROM refinery_schema_history WHERE version >= 4;
             DROP TABLE case_types, cases, staff_sessions, kpi_parts",
        )
        .await
        .unwrap();
    let before: i64 = client.query_one("SELECT count(*) FROM tickets", &[]).await.unwrap().get(0);
    let upgraded = hallq_central::db::connect(&centre.url).await.expect("migrate to V4 and V5");
    let counts: Vec<i64> = {
        let c = upgraded.get().await.unwrap();
        let mut n = Vec::new();
        for table in ["tickets", "cases", "case_types", "staff_sessions"] {
            n.push(c.query_one(&format!("SELECT count(*) FROM {table}"), &[]).await.unwrap().get(0));
        }
        n
    };
    assert_eq!(counts[0], before, "the legs projected again");
    assert!(counts[1..].iter().all(|n| *n > 0), "cases, types and staff sessions projected: {counts:?}");
    for (hall, id) in &halls {
        assert_same_rows(&centre, hall, *id).await;
    }
    let (cases_again, follow_ups_again) = centre_cases(&centre).await;
    for (i, (again, before)) in cases_again.iter().zip(&cases).enumerate() {
        assert_same(again, before, &format!("cases {i} after the upgrade"));
    }
    for (again, before) in follow_ups_again.iter().zip(&follow_ups) {
        assert_same(again, before, "follow-ups after the upgrade");
    }
    assert_eq!(centre_reports(&centre.url), first, "no KPI moves with the upgrade");

    // A centre upgraded from V4: projections without KPI parts. It builds
    // them from its projections at start, and reports the same.
    client.batch_execute("DELETE FROM refinery_schema_history WHERE version = 5; DROP TABLE kpi_parts").await.unwrap();
    let upgraded = hallq_central::db::connect(&centre.url).await.expect("migrate to V5");
    let parts: Vec<(String, i64)> = upgraded
        .get()
        .await
        .unwrap()
        .query(
            "SELECT h.code, count(*) FROM kpi_parts p JOIN halls h ON h.hall_id = p.hall_id GROUP BY h.code ORDER BY 1",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert_eq!(parts.iter().map(|(code, _)| code.as_str()).collect::<Vec<_>>(), ["CLK", "RA", "RB", "RC"]);
    assert!(parts.iter().all(|(_, n)| *n >= 2), "each hall's parts built: {parts:?}");
    assert_eq!(centre_reports(&centre.url), first, "no KPI moves with the parts built at start");

    // The API answers the same JSON on a loopback listener.
    let api = get_json(&centre, "/central/v1/reports/kpis?from=2026-03-01&to=2026-11-30&by=staff").await;
    assert_same(&api, &first[4], "the API by staff");

    // The API and the command line answer the commitments report (judged
    // now: what does not depend on the instant is compared).
    let api = get_json(&centre, "/central/v1/reports/cases?from=2026-03-01&to=2026-11-30&hall=RB").await;
    assert_eq!(api["total"]["opened"], cases[2]["total"]["opened"], "{api}");
    assert_eq!(api["by_staff"].as_array().map(Vec::len), cases[2]["by_staff"].as_array().map(Vec::len));
    let cases_cli = |format: &str| {
        let range = ["--from", "2026-03-01", "--to", "2026-11-30", "--format", format];
        hallq(&[&["central", "--postgres", centre.url.as_str(), "report", "--cases"][..], &range].concat())
    };
    let cli = json(&cases_cli("json"));
    assert_eq!(cli["total"]["opened"], cases[0]["total"]["opened"]);
    assert_eq!(cli["total"]["closed_late"], cases[0]["total"]["closed_late"]);
    let keys = |v: &Value| v["by_hall"].as_array().unwrap().iter().map(|g| g["key"].clone()).collect::<Vec<_>>();
    assert_eq!(keys(&cli), keys(&cases[0]));
    let text = cases_cli("text");
    assert!(text.contains("营业厅 hall") && text.contains("RB 演示供电营业厅"), "{text}");
    let api = get_json(&centre, "/central/v1/reports/follow-ups?from=2026-03-01&to=2026-11-30&county=罗阳县").await;
    let codes: Vec<&str> = api["halls"].as_array().unwrap().iter().map(|h| h["code"].as_str().unwrap()).collect();
    // The small hall enrolled into 罗阳县 too, above.
    assert_eq!(codes, ["RA", "RB"], "{api}");
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
