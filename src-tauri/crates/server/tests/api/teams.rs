//! Teams (班组) over HTTP: a supervisor puts the two agents in two teams
//! and sets the scorecard's weights in the settings; one morning's work
//! then gives the month's scorecard (JSON and XLSX), the team grouping of
//! the KPIs and its export sheet, with figures worked out by hand; roles,
//! a bad month and bad weights are refused bilingually.

use std::io::Cursor;

use calamine::{Data, Reader as _, Xlsx};
use serde_json::{Value, json};

use crate::support::{Hall, Terminals, at};

/// 1001 王芳 in 甲班 and 1002 李强 in 乙班, then on Friday 27 November:
/// A001 PAY issued 09:00, called at counter 1 (1001) 09:05 — waited 5,
///   within PAY's 15 minutes — served, rated 5;
/// A002 PAY issued 09:10, called at counter 2 (1002) 09:30 — waited 20 —
///   served, rated 2 (a follow-up due 15 working days later, still open).
/// Returns (supervisor, board, kiosk) tokens.
async fn morning(hall: &Hall) -> (String, String, String) {
    let sup = hall.supervisor().await;
    hall.agent_pins(&sup).await;
    for (n, name, team) in [("1001", "王芳", " 甲班 "), ("1002", "李强", "乙班")] {
        let body = json!({"name": name, "role": "agent", "team": team});
        hall.put(&sup, &format!("/api/v1/settings/staff/{n}"), body).await.expect(200);
    }
    let Terminals { kiosk, c1, c2, pad1, pad2, board } = hall.terminals(&sup).await;
    let post = |token: &str, path: &str, body: Option<Value>| {
        let (token, path) = (token.to_string(), path.to_string());
        async move { hall.post(&token, &path, body).await.expect(200) }
    };
    hall.open_counter(&c1, 1, "1001").await;
    hall.open_counter(&c2, 2, "1002").await;
    hall.issue(&kiosk, "PAY").await;
    hall.set_time(at(9, 5, 0));
    post(&c1, "/api/v1/counters/1/call-next", None).await;
    post(&c1, "/api/v1/counters/1/start", None).await;
    hall.set_time(at(9, 9, 0));
    post(&c1, "/api/v1/counters/1/finish", None).await;
    post(&pad1, "/api/v1/counters/1/rating", Some(json!({"level": 5}))).await;
    hall.set_time(at(9, 10, 0));
    hall.issue(&kiosk, "PAY").await;
    hall.set_time(at(9, 30, 0));
    post(&c2, "/api/v1/counters/2/call-next", None).await;
    post(&c2, "/api/v1/counters/2/start", None).await;
    hall.set_time(at(9, 34, 0));
    post(&c2, "/api/v1/counters/2/finish", None).await;
    post(&pad2, "/api/v1/counters/2/rating", Some(json!({"level": 2, "reason": "efficiency"}))).await;
    (sup, board, kiosk)
}

#[tokio::test]
async fn the_month_scorecard_ranks_the_teams_the_settings_made() {
    let hall = Hall::start().await;
    let (sup, board, kiosk) = morning(&hall).await;
    let staff = hall.get(&sup, "/api/v1/settings").await.expect(200)["staff"].clone();
    let teams: Vec<(&str, &str)> =
        staff.as_array().unwrap().iter().filter_map(|s| Some((s["number"].as_str()?, s["team"].as_str()?))).collect();
    assert_eq!(teams, [("1001", "甲班"), ("1002", "乙班")], "trimmed; the admin has none");

    // 甲班: within target 1/1, satisfied 1/1, rated 1/1, no follow-up (1),
    //   no no-show (1) → 100.
    // 乙班: within 0/1, satisfied 0/1, rated 1/1 (0.15), its follow-up not
    //   yet due (1 − 0/1: 0.15), no no-show (0.10) → 40.
    let card = hall.get(&board, "/api/v1/reports/teams?month=2026-11").await.expect(200);
    assert_eq!(
        (card["month"].as_str(), card["from"].as_str(), card["to"].as_str()),
        (Some("2026-11"), Some("2026-11-01"), Some("2026-11-30"))
    );
    assert_eq!(card["weights"]["within_target_wait"], 0.3);
    let rows: Vec<(&str, u64, f64, u64, u64)> = card["teams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            let n = |k: &str| t[k].as_u64().unwrap();
            (t["key"].as_str().unwrap(), n("rank"), t["score"].as_f64().unwrap(), n("staff"), n("follow_ups"))
        })
        .collect();
    assert_eq!(rows, [("甲班", 1, 100.0, 1, 0), ("乙班", 2, 40.0, 1, 1)]);
    assert_eq!(card["teams"][1]["within_target_wait"], 0.0);
    assert_eq!(card["teams"][1]["follow_up_score"], 1.0);
    // Without a month: the hall's current month.
    let default = hall.get(&sup, "/api/v1/reports/teams").await.expect(200);
    assert_eq!(default, card);
    let october = hall.get(&sup, "/api/v1/reports/teams?month=2026-10&hall=all").await.expect(200);
    assert_eq!(october["teams"], json!([]));

    // The KPIs grouped by team.
    let by_team = hall.get(&sup, "/api/v1/kpis?from=2026-11-27&to=2026-11-27&by=team").await.expect(200);
    let groups: Vec<(&str, u64)> = by_team["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["key"].as_str().unwrap(), g["kpis"]["served"].as_u64().unwrap()))
        .collect();
    assert_eq!(groups, [("乙班", 1), ("甲班", 1)]);

    // Roles and bad input.
    hall.get(&kiosk, "/api/v1/reports/teams").await.expect_error(403, "forbidden");
    hall.get(&kiosk, "/api/v1/reports/teams/export").await.expect_error(403, "forbidden");
    for bad in ["2026-13", "2026-1", "november", "2026-11-01"] {
        hall.get(&sup, &format!("/api/v1/reports/teams?month={bad}")).await.expect_error(400, "invalid_query");
    }
    hall.get(&sup, "/api/v1/reports/teams?hall=NOPE").await.expect_error(404, "unknown_hall");
}

#[tokio::test]
async fn the_scorecard_and_the_team_sheet_export_to_xlsx() {
    let hall = Hall::start().await;
    let (sup, _, _) = morning(&hall).await;
    let http = reqwest::Client::new();
    let get = |path: &str| {
        let req = http.get(format!("{}{path}", hall.base)).bearer_auth(&sup);
        async move {
            let res = req.send().await.unwrap();
            assert_eq!(res.status().as_u16(), 200);
            let disposition = res.headers()["content-disposition"].to_str().unwrap().to_string();
            (disposition, res.bytes().await.unwrap().to_vec())
        }
    };
    let (disposition, bytes) = get("/api/v1/reports/teams/export?month=2026-11").await;
    assert!(disposition.contains("hallq-teams-2026-11.xlsx"), "{disposition}");
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).unwrap();
    let sheet = book.worksheet_range("班组考核 Team scorecard").unwrap();
    let cell = |r: u32, c: u32| sheet.get_value((r, c)).cloned().unwrap_or(Data::Empty);
    assert_eq!(cell(2, 1), Data::String("T1 测试营业厅".into()));
    assert_eq!(cell(13, 1), Data::String("甲班".into()));
    assert_eq!(
        (cell(13, 14), cell(14, 1), cell(14, 14)),
        (Data::Float(100.0), Data::String("乙班".into()), Data::Float(40.0))
    );

    let (_, bytes) = get("/api/v1/reports/export?from=2026-11-27&to=2026-11-27&by=team&format=xlsx").await;
    let book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).unwrap();
    assert_eq!(book.sheet_names()[1], "按班组 By team", "the grouping asked for comes first after the summary");
}

#[tokio::test]
async fn the_weights_are_a_hall_setting_checked_to_sum_to_one() {
    let hall = Hall::start().await;
    let sup = hall.supervisor().await;
    let mut h = hall.get(&sup, "/api/v1/settings").await.expect(200)["hall"].clone();
    assert_eq!(
        h["score_weights"],
        json!({"within_target_wait": 0.3, "satisfaction": 0.3, "rating_coverage": 0.15, "follow_ups": 0.15, "no_shows": 0.1})
    );
    h.as_object_mut().unwrap().remove("id");
    let even = json!({"within_target_wait": 0.2, "satisfaction": 0.2, "rating_coverage": 0.2, "follow_ups": 0.2, "no_shows": 0.2});
    h["score_weights"] = even.clone();
    hall.put(&sup, "/api/v1/settings/hall", h.clone()).await.expect(200);
    // A change that does not mention them keeps them.
    h.as_object_mut().unwrap().remove("score_weights");
    hall.put(&sup, "/api/v1/settings/hall", h.clone()).await.expect(200);
    assert_eq!(hall.get(&sup, "/api/v1/reports/teams").await.expect(200)["weights"], even);
    for bad in [
        json!({"within_target_wait": 0.5, "satisfaction": 0.5, "rating_coverage": 0.5, "follow_ups": 0.0, "no_shows": 0.0}),
        json!({"within_target_wait": 1.5, "satisfaction": -0.5, "rating_coverage": 0.0, "follow_ups": 0.0, "no_shows": 0.0}),
    ] {
        h["score_weights"] = bad;
        hall.put(&sup, "/api/v1/settings/hall", h.clone()).await.expect_error(422, "invalid_config");
    }
    assert_eq!(hall.get(&sup, "/api/v1/reports/teams").await.expect(200)["weights"], even, "a refusal changes nothing");
    // A team name is checked like a name.
    let long = json!({"name": "王芳", "role": "agent", "team": "班".repeat(33)});
    hall.put(&sup, "/api/v1/settings/staff/1001", long).await.expect_error(422, "invalid_text");
}
