//! The `hallq central` command line: a code made by `hallq central code`
//! enrols, `revoke` ends the key, `import` stores a file, and plain HTTP
//! on an address other than loopback is refused bilingually.

use std::process::{Command, Output};

use reqwest::StatusCode;

use crate::support::{Centre, DemoHall, assert_log, assert_refused, hallq_bin};

fn central(args: &[&str]) -> Output {
    Command::new(hallq_bin()).arg("central").args(args).output().expect("run hallq central")
}

fn stdout_ok(out: &Output) -> String {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test]
async fn the_command_line_makes_codes_revokes_keys_and_imports_files() {
    let hall = DemoHall::new("TS01", 1, 4);
    let file = hall.export("ts01.hqx");
    let (header, events) = hall.log();
    let centre = Centre::start().await;

    let shown = stdout_ok(&central(&["--postgres", &centre.url, "code", "--hall-code", "TS01", "--county", "罗阳县"]));
    assert!(shown.contains("注册码") && shown.contains("enrolment code"), "{shown}");
    let code = shown.lines().last().unwrap().trim();
    assert_eq!(code.len(), 14, "{shown}");
    let (status, body) = centre.enrol_raw(code, &header).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let key = body["key"].as_str().unwrap().to_string();

    let imported = stdout_ok(&central(&["--postgres", &centre.url, "import", file.to_str().unwrap()]));
    assert!(imported.contains(&format!("新事件 {} 条 / new events", events.len())), "{imported}");
    assert_log(&centre.pool, header.settings.hall.id, &events).await;

    let revoked = stdout_ok(&central(&["--postgres", &centre.url, "revoke", "--hall-code", "TS01"]));
    assert!(revoked.contains("TS01"), "{revoked}");
    assert_refused(&centre.cursor(&key).await, StatusCode::UNAUTHORIZED, "key_revoked");

    let unknown = central(&["--postgres", &centre.url, "revoke", "--hall-code", "NOPE"]);
    assert_eq!(unknown.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&unknown.stderr);
    assert!(stderr.contains("中心没有") && stderr.contains("no hall with code"), "{stderr}");
}

#[test]
fn plain_http_off_loopback_is_refused() {
    let out = central(&["--postgres", "postgres://nobody@127.0.0.1:1/none", "--listen", "0.0.0.0:8791"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("明文") && stderr.contains("plain HTTP") && stderr.contains("loopback"), "{stderr}");
    let out = Command::new(hallq_bin()).arg("central").output().expect("run hallq central");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--postgres"));
}
