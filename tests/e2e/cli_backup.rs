//! `hallq backup`: an online copy that is itself a working hall database,
//! never overwriting an existing file unless asked to.

use hallq_e2e::Hall;

use crate::cli_support::{assert_bilingual, init};

#[test]
fn backup_is_a_usable_database_and_never_overwrites_unasked() {
    let hall = Hall::new();
    init(&hall);
    hall.ok(&["issue", "--service", "PAY"]);
    let dest = hall.dir().join("backup.db");
    let dest_s = dest.to_str().expect("UTF-8 temp path");
    let out = hall.ok(&["backup", "--to", dest_s]);
    assert!(out.contains("backup.db"), "{out}");

    let status = std::process::Command::new(hallq_e2e::hallq_bin())
        .args(["status", "--format", "json", "--db", dest_s])
        .env("HALLQ_LOG", "warn")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run hallq");
    assert!(status.status.success(), "{status:?}");
    let json: serde_json::Value = serde_json::from_slice(&status.stdout).expect("JSON");
    let waiting: u64 =
        json["services"].as_array().expect("services").iter().filter_map(|s| s["waiting"].as_u64()).sum();
    assert_eq!(waiting, 1, "the backup holds the ticket");

    let before = std::fs::read(&dest).expect("read backup");
    let (code, stderr) = hall.fail(&["backup", "--to", dest_s]);
    assert_eq!(code, 2, "{stderr}");
    assert_bilingual(&stderr);
    assert!(stderr.contains("--force"), "{stderr}");
    assert_eq!(std::fs::read(&dest).expect("read backup"), before, "refused, yet changed");

    hall.ok(&["issue", "--service", "PAY"]);
    hall.ok(&["backup", "--to", dest_s, "--force"]);
    let leftovers: Vec<_> = std::fs::read_dir(hall.dir())
        .expect("list dir")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with(".hallq-backup"))
        .collect();
    assert!(leftovers.is_empty(), "staging files left behind: {leftovers:?}");
}
