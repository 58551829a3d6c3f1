//! `hallq status` and the database it reads: a missing database file is a
//! clear bilingual error that creates nothing; `--db` may come after the
//! subcommand's flags or from `HALLQ_DB`.

use hallq_e2e::Hall;

use crate::cli_support::{assert_bilingual, init};

#[test]
fn status_of_a_missing_database_fails_clearly_and_creates_nothing() {
    let hall = Hall::new();
    for args in [
        vec!["status"],
        vec!["report"],
        vec!["issue", "--service", "PAY"],
        vec!["backup", "--to", "/nonexistent-dir/x.db"],
    ] {
        let (code, stderr) = hall.fail(&args);
        assert_ne!(code, 0);
        assert_bilingual(&stderr);
        assert!(stderr.contains("hall.db"), "`{}`: the message does not name the file:\n{stderr}", args.join(" "));
        assert!(!hall.db().exists(), "`{}` created {}", args.join(" "), hall.db().display());
    }
}

#[test]
fn status_json_lists_queues_and_counters_with_their_state() {
    let hall = Hall::new();
    init(&hall);
    hall.ok(&["issue", "--service", "CHG"]);
    let status = hall.json(&["status", "--format", "json"]);
    assert_eq!(status["hall"]["code"], "DEMO");
    let chg = status["services"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["service"]["code"] == "CHG"))
        .expect("CHG in status");
    assert_eq!(chg["waiting"], 1);
    assert_eq!(chg["open_counters"], 0);
    for c in status["counters"].as_array().expect("counters") {
        assert_eq!(c["counter"]["status"], "closed", "{c:#}");
    }
}

#[test]
fn the_database_can_come_from_hallq_db() {
    let hall = Hall::new();
    init(&hall);
    let out = std::process::Command::new(hallq_e2e::hallq_bin())
        .args(["status", "--format", "json"])
        .env("HALLQ_DB", hall.db())
        .env("HALLQ_LOG", "warn")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run hallq");
    assert!(out.status.success(), "{out:?}");
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(status["hall"]["code"], "DEMO");
}
