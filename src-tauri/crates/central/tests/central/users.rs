//! Central users: `hallq central user add` makes county and province
//! managers (argon2 passwords), `POST /central/v1/login` gives a bearer
//! session, and the report route shows a county manager their county's
//! halls only and a province manager every hall — on any listener, where
//! without a login only a loopback listener answers.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{Centre, DemoHall, assert_refused, hallq_fails_with, hallq_with, now};

const PASSWORD: &str = "correct horse 9";

/// Arguments as the helpers take them.
fn refs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

/// The hall codes of a by-hall report's groups, sorted.
fn halls_in(report: &Value) -> Vec<String> {
    let mut codes: Vec<String> =
        report["groups"].as_array().expect("groups").iter().map(|g| g["key"].as_str().unwrap().to_string()).collect();
    codes.sort();
    codes
}

#[tokio::test(flavor = "multi_thread")]
async fn a_county_manager_sees_their_county_and_a_province_manager_every_hall() {
    // UA enrols with a code for 罗阳县 and pushes; UB is imported (no county).
    let county_hall = DemoHall::new("UA", 1, 31);
    let other = DemoHall::new("UB", 1, 32);
    let centre = Centre::start().await;
    let (header, events) = county_hall.log();
    let key = centre.enrol(&header).await;
    centre.push_all(&key, &events, 5_000).await;
    hallq_central::import::import_file(&centre.pool, &other.export("ub.hqx"), None, now()).await.expect("import UB");

    let url = centre.url.as_str();
    let env = [("HALLQ_CENTRAL_PASSWORD", PASSWORD)];
    let add = |extra: &[&'static str]| -> Vec<String> {
        ["central", "--postgres", url, "user", "add"].iter().chain(extra).map(|a| a.to_string()).collect()
    };
    hallq_with(&env, &refs(&add(&["--name", "zhang", "--role", "county", "--county", "罗阳县"])));
    hallq_with(&env, &refs(&add(&["--name", "li", "--role", "province"])));
    for (extra, env, says) in [
        (vec!["--name", "zhang", "--role", "province"], env, "zhang"),
        (vec!["--name", "wang", "--role", "county"], env, "--county"),
        (vec!["--name", "wang", "--role", "province"], [("HALLQ_CENTRAL_PASSWORD", "short")], "8"),
    ] {
        let (code, stderr) = hallq_fails_with(&env, &refs(&add(&extra)));
        assert_eq!(code, 2, "{extra:?}: {stderr}");
        assert!(stderr.contains(says) && stderr.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{stderr}");
    }
    let client = centre.pool.get().await.unwrap();
    let stored: String =
        client.query_one("SELECT password_hash FROM central_users WHERE name = 'zhang'", &[]).await.unwrap().get(0);
    assert!(stored.starts_with("$argon2") && !stored.contains(PASSWORD), "{stored}");

    let login = |name: &'static str, password: &'static str| {
        let (http, base) = (centre.http.clone(), centre.base.clone());
        async move {
            let r = http
                .post(format!("{base}/central/v1/login"))
                .json(&json!({"name": name, "password": password}))
                .send()
                .await
                .unwrap();
            (r.status(), r.json::<Value>().await.unwrap())
        }
    };
    assert_refused(&login("zhang", "wrong password").await, StatusCode::UNAUTHORIZED, "bad_login");
    assert_refused(&login("nobody", PASSWORD).await, StatusCode::UNAUTHORIZED, "bad_login");
    let (status, zhang) = login("zhang", PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{zhang}");
    assert_eq!((zhang["role"].as_str(), zhang["county"].as_str()), (Some("county"), Some("罗阳县")));
    let (status, li) = login("li", PASSWORD).await;
    assert_eq!((status, li["role"].as_str()), (StatusCode::OK, Some("province")), "{li}");
    let token = |session: &Value| session["token"].as_str().unwrap().to_string();
    let (zhang, li) = (token(&zhang), token(&li));

    // The centre on a listener that is not loopback (plain HTTP here only
    // because the test reaches it over loopback; the CLI refuses that).
    let listener = tokio::net::TcpListener::bind("0.0.0.0:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(hallq_central::serve(centre.pool.clone(), listener, None, std::future::pending()));
    let report = |token: Option<String>, query: &'static str| {
        let http = centre.http.clone();
        async move {
            let mut request = http.get(format!(
                "http://127.0.0.1:{port}/central/v1/reports/kpis?from=2026-03-01&to=2026-03-31&by=hall{query}"
            ));
            if let Some(t) = token {
                request = request.bearer_auth(t);
            }
            let r = request.send().await.unwrap();
            (r.status(), r.json::<Value>().await.unwrap())
        }
    };
    assert_refused(&report(None, "").await, StatusCode::FORBIDDEN, "loopback_only");
    assert_refused(&report(Some("not-a-token".into()), "").await, StatusCode::UNAUTHORIZED, "session_unknown");
    let (status, body) = report(Some(zhang.clone()), "").await;
    assert_eq!((status, halls_in(&body)), (StatusCode::OK, vec!["UA".to_string()]), "{body}");
    let (status, body) = report(Some(zhang.clone()), "&county=%E7%BD%97%E9%98%B3%E5%8E%BF").await;
    assert_eq!((status, halls_in(&body)), (StatusCode::OK, vec!["UA".to_string()]), "{body}");
    assert_refused(&report(Some(zhang), "&county=other").await, StatusCode::FORBIDDEN, "other_county");
    let (status, body) = report(Some(li.clone()), "").await;
    assert_eq!((status, halls_in(&body)), (StatusCode::OK, vec!["UA".to_string(), "UB".to_string()]), "{body}");
    let (status, body) = report(Some(li), "&county=%E7%BD%97%E9%98%B3%E5%8E%BF").await;
    assert_eq!((status, halls_in(&body)), (StatusCode::OK, vec!["UA".to_string()]), "{body}");

    // A session past its end is refused.
    client.execute("UPDATE central_sessions SET expires_at = 0", &[]).await.unwrap();
    let (status, body) = login("li", PASSWORD).await;
    assert_eq!(status, StatusCode::OK);
    client.execute("UPDATE central_sessions SET expires_at = 0", &[]).await.unwrap();
    assert_refused(&report(Some(token(&body)), "").await, StatusCode::UNAUTHORIZED, "session_unknown");
}
