//! A small hall day driven from the shell — tickets, login with a PIN,
//! open, call, start, finish, rate — and the commands the hall refuses in
//! its current state, each with a bilingual message, exit 2 and no change.

use hallq_e2e::Hall;
use serde_json::Value;

use crate::cli_support::{PIN, assert_bilingual, init};

fn waiting(status: &Value, service: &str) -> u64 {
    status["services"]
        .as_array()
        .and_then(|all| all.iter().find(|s| s["service"]["code"] == service))
        .and_then(|s| s["waiting"].as_u64())
        .unwrap_or_else(|| panic!("no waiting count of {service} in {status:#}"))
}

#[test]
fn a_small_day_through_the_cli_is_counted_in_status_and_report() {
    let hall = Hall::new();
    init(&hall);

    // Numbers run per service: A for bill payment, D for enquiries.
    let a1 = hall.json(&["issue", "--service", "PAY", "--format", "json"]);
    assert_eq!(a1["number"], "A001");
    assert_eq!(a1["estimated_wait_ms"], Value::Null, "no counter is open yet");
    let a2 = hall.ok(&["issue", "--service", "A"]);
    assert!(a2.contains("A002") && a2.contains("交费"), "{a2}");
    assert!(a2.contains("前面 1 人"), "one customer is ahead of A002:\n{a2}");
    let d1 = hall.json(&["issue", "--service", "ask", "--reason", "elderly", "--format", "json"]);
    assert_eq!(d1["number"], "D001");
    assert_eq!(d1["priority"], "priority");

    let status = hall.json(&["status", "--format", "json"]);
    assert_eq!(waiting(&status, "PAY"), 2);
    assert_eq!(waiting(&status, "ASK"), 1);

    // The PIN is checked before anything is logged.
    let (code, stderr) = hall.fail(&["login", "--counter", "1", "--staff", "0001", "--pin", "999999"]);
    assert_eq!(code, 2, "{stderr}");
    assert_bilingual(&stderr);
    let out = hall.ok(&["login", "--counter", "1", "--staff", "0001", "--pin", PIN]);
    assert!(out.contains("0001") && out.contains('1'), "{out}");
    hall.ok(&["open", "--counter", "1"]);

    // Counter 1 serves PAY before ASK (ordered) and has had no priority
    // ticket yet, so it takes the elderly customer's D001 first, then A001.
    let called = hall.json(&["call", "--counter", "1", "--format", "json"]);
    assert_eq!(called["number"], "D001", "priority goes first: {called:#}");
    hall.ok(&["start", "--counter", "1"]);
    let done = hall.json(&["finish", "--counter", "1", "--outcome", "answered", "--format", "json"]);
    assert_eq!(done["state"], "done");
    assert_eq!(done["resolution"], "answered");
    let rated = hall.ok(&["rate", "--number", "D001", "--level", "5"]);
    assert!(rated.contains("非常满意"), "{rated}");

    let line = hall.ok(&["call", "--counter", "1"]);
    assert!(line.contains("A001") && line.contains("1 号窗口"), "{line}");

    let text = hall.ok(&["status"]);
    assert!(text.contains("A001"), "the counter's current ticket is shown:\n{text}");
    let status = hall.json(&["status", "--format", "json"]);
    assert_eq!(waiting(&status, "PAY"), 1);
    assert_eq!(waiting(&status, "ASK"), 0);

    let report = hall.json(&["report", "--format", "json"]);
    let total = &report["total"];
    assert_eq!(total["issued"], 3, "{report:#}");
    assert_eq!(total["served"], 1, "{report:#}");
    assert_eq!(total["rated"], 1, "{report:#}");
    assert_eq!(total["satisfaction"], 1.0, "{report:#}");
    assert_eq!(total["ratings_by_level"][4], 1, "{report:#}");
}

#[test]
fn recall_transfer_no_show_and_cancel_say_what_happened() {
    let hall = Hall::new();
    init(&hall);
    hall.ok(&["issue", "--service", "PAY"]);
    hall.ok(&["issue", "--service", "PAY"]);
    hall.ok(&["issue", "--service", "PAY"]);
    hall.ok(&["login", "--counter", "2", "--staff", "0001", "--pin", PIN]);
    hall.ok(&["open", "--counter", "2"]);

    hall.ok(&["call", "--counter", "2", "--number", "a002"]);
    let out = hall.ok(&["recall", "--counter", "2"]);
    assert!(out.contains("A002"), "{out}");
    let out = hall.ok(&["no-show", "--counter", "2"]);
    assert!(out.contains("过号") && out.contains("no-show"), "{out}");

    hall.ok(&["call", "--counter", "2"]);
    hall.ok(&["start", "--counter", "2"]);
    let moved = hall.json(&["transfer", "--counter", "2", "--service", "NEW", "--format", "json"]);
    assert_eq!(moved["number"], "A001");
    assert_eq!(moved["service"], "NEW");
    assert_eq!(moved["leg"], 2);

    let out = hall.ok(&["cancel", "--number", "A003"]);
    assert!(out.contains("A003") && out.contains("cancelled"), "{out}");

    let out = hall.ok(&["pause", "--counter", "2", "--reason", "午休"]);
    assert!(out.contains("午休"), "{out}");
    hall.ok(&["resume", "--counter", "2"]);
    hall.ok(&["close", "--counter", "2"]);
    hall.ok(&["logout", "--counter", "2"]);
}

#[test]
fn commands_the_hall_refuses_fail_with_exit_2_and_a_bilingual_message() {
    let hall = Hall::new();
    init(&hall);

    let (code, stderr) = hall.fail(&["issue", "--service", "XYZ"]);
    assert_eq!(code, 2, "{stderr}");
    assert_bilingual(&stderr);
    assert!(stderr.contains("XYZ"), "{stderr}");

    hall.ok(&["issue", "--service", "PAY"]);
    let (code, stderr) = hall.fail(&["call", "--counter", "1"]);
    assert_eq!(code, 2, "{stderr}");
    assert_bilingual(&stderr);

    hall.ok(&["login", "--counter", "1", "--staff", "0001", "--pin", PIN]);
    let (code, stderr) = hall.fail(&["call", "--counter", "1"]);
    assert_eq!(code, 2, "a closed counter cannot call: {stderr}");
    assert!(stderr.contains("未开启") && stderr.contains("closed"), "{stderr}");

    hall.ok(&["open", "--counter", "1"]);
    let (code, stderr) = hall.fail(&["finish", "--counter", "1"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("no current ticket"), "{stderr}");

    hall.ok(&["call", "--counter", "1"]);
    hall.ok(&["start", "--counter", "1"]);
    hall.ok(&["finish", "--counter", "1"]);
    hall.ok(&["rate", "--number", "A001", "--level", "2", "--reason", "efficiency"]);
    let (code, stderr) = hall.fail(&["rate", "--number", "A001", "--level", "5"]);
    assert_eq!(code, 2, "{stderr}");
    assert_bilingual(&stderr);
    assert!(stderr.contains("already been rated"), "{stderr}");

    let (code, stderr) = hall.fail(&["rate", "--number", "A001", "--level", "6"]);
    assert_eq!(code, 2, "a level outside 1-5 is a bad argument: {stderr}");
    let (code, stderr) = hall.fail(&["transfer", "--counter", "1"]);
    assert_eq!(code, 2, "transfer needs a target: {stderr}");

    // Nothing the refused commands asked for happened.
    let report = hall.json(&["report", "--format", "json"]);
    assert_eq!(report["total"]["issued"], 1, "{report:#}");
    assert_eq!(report["total"]["rated"], 1, "{report:#}");
    assert_eq!(report["total"]["ratings_by_level"][1], 1, "{report:#}");
}
