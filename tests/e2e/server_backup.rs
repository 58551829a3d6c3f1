//! Backups that happen by themselves: a running `hallq serve` copies its
//! database into the backup folder (here every second instead of daily),
//! verified and rotated, and the board's `/api/v1/backup` shows it; a
//! folder that is missing (a USB stick not plugged in) is a warning and is
//! never created; `hallq restore` is refused while the server holds the
//! database and works once it is stopped, keeping the old file aside.

use std::time::{Duration, Instant};

use hallq_e2e::{Api, Hall};
use reqwest::Method;
use serde_json::{Value, json};

use crate::cli_support::{PIN, assert_bilingual, init};

async fn supervisor(api: &Api) -> String {
    let login = json!({"staff": "0001", "pin": PIN});
    let session = api.send(Method::POST, "/api/v1/session", None, Some(&login)).await.expect(201);
    session["token"].as_str().expect("a token").to_string()
}

/// `/api/v1/backup` once `done` holds for it, within 20 s.
async fn backup_when(api: &Api, token: &str, done: impl Fn(&Value) -> bool) -> Value {
    let started = Instant::now();
    loop {
        let b = api.get(token, "/api/v1/backup").await.expect(200);
        if done(&b) {
            return b;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "no backup within 20 s: {b}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn backups_in(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("list the backup folder")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn the_server_backs_up_by_itself_and_restore_waits_until_it_stops() {
    let hall = Hall::new();
    init(&hall);
    hall.ok(&["issue", "--service", "PAY"]);
    let usb = tempfile::tempdir().expect("the USB stick");
    let usb_s = usb.path().to_str().expect("UTF-8 path");
    let server =
        hall.serve_with(0, 0, &["--backup-dir", usb_s, "--backup-interval-s", "1"]).unwrap_or_else(|e| panic!("{e}"));
    let api = Api::new(server.base());
    let sup = supervisor(&api).await;

    let first = backup_when(&api, &sup, |b| !b["last_good"].is_null()).await;
    assert_eq!(first["dir"], usb_s);
    assert_eq!((first["dir_exists"].as_bool(), first["warning"].as_bool()), (Some(true), Some(false)), "{first}");
    let file = first["last_good"]["file"].as_str().expect("the backup file").to_string();
    assert!(file.starts_with(usb_s) && file.ends_with(".db"), "{file}");
    // A new backup a second later (the interval), and the rotation keeps
    // one per day: the folder never fills up.
    let at = first["last_good"]["at"].as_i64().expect("when");
    let later = backup_when(&api, &sup, |b| b["last_good"]["at"].as_i64().is_some_and(|t| t > at)).await;
    let names = backups_in(usb.path());
    assert!(!names.is_empty() && names.len() <= 2, "{names:?}");
    assert!(names.iter().all(|n| n.starts_with("hallq-") && n.ends_with(".db")), "no staging file left: {names:?}");

    // The backup is a working hall database holding the ticket.
    let copy = later["last_good"]["file"].as_str().expect("the backup file").to_string();
    let out = std::process::Command::new(hallq_e2e::hallq_bin())
        .args(["status", "--format", "json", "--db", &copy])
        .env("HALLQ_LOG", "warn")
        .output()
        .expect("run hallq");
    assert!(out.status.success(), "{out:?}");
    let status: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let waiting: u64 =
        status["services"].as_array().expect("services").iter().filter_map(|s| s["waiting"].as_u64()).sum();
    assert_eq!(waiting, 1);

    // The server holds the database: restore is refused and changes nothing.
    let saved = hall.dir().join("saved.db");
    std::fs::copy(&copy, &saved).expect("keep a copy of the backup");
    let saved_s = saved.to_str().expect("UTF-8 path");
    api.post(&sup, "/api/v1/tickets", Some(json!({"service": "PAY"}))).await.expect(201);
    let (code, stderr) = hall.fail(&["restore", "--from", saved_s]);
    assert_eq!(code, 2, "{stderr}");
    assert_bilingual(&stderr);
    assert!(stderr.contains("stop it"), "{stderr}");
    drop(server);

    let out = hall.ok(&["restore", "--from", saved_s]);
    assert!(out.contains("before-restore"), "{out}");
    let status = hall.json(&["status", "--format", "json"]);
    let waiting: u64 =
        status["services"].as_array().expect("services").iter().filter_map(|s| s["waiting"].as_u64()).sum();
    assert_eq!(waiting, 1, "the ticket issued after the backup went with the old file");
    let aside: Vec<_> = std::fs::read_dir(hall.dir())
        .expect("list")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with("hall.db.before-restore-"))
        .collect();
    assert!(!aside.is_empty(), "the old database was not kept aside");
}

#[tokio::test]
async fn a_missing_backup_folder_is_a_warning_and_never_created() {
    let hall = Hall::new();
    init(&hall);
    let stick = hall.dir().join("usb-not-plugged-in");
    let server = hall
        .serve_with(0, 0, &["--backup-dir", stick.to_str().expect("UTF-8 path"), "--backup-interval-s", "1"])
        .unwrap_or_else(|e| panic!("{e}"));
    let api = Api::new(server.base());
    let sup = supervisor(&api).await;
    // Let the backup task try at least once.
    let b = backup_when(&api, &sup, |b| !b["last_error"].is_null()).await;
    assert_eq!((b["dir_exists"].as_bool(), b["warning"].as_bool()), (Some(false), Some(true)), "{b}");
    assert!(b["last_good"].is_null(), "{b}");
    assert!(!stick.exists(), "a chosen backup folder was created");
}

#[test]
fn restore_refuses_a_file_that_is_not_a_good_backup() {
    let hall = Hall::new();
    init(&hall);
    let before = std::fs::read(hall.db()).expect("read");
    let notes = hall.dir().join("notes.db");
    std::fs::write(&notes, "这不是数据库 / not a database at all, only some words").expect("write");
    let (code, stderr) = hall.fail(&["restore", "--from", notes.to_str().expect("UTF-8 path")]);
    assert_eq!(code, 2, "{stderr}");
    assert_bilingual(&stderr);
    assert!(stderr.contains("not a HallQ database"), "{stderr}");
    assert_eq!(std::fs::read(hall.db()).expect("read"), before);
}
