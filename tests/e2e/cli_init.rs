//! `hallq init`: a new hall gets the default supply-hall configuration and an
//! admin PIN that is never a default one; a second hall with the same code
//! is refused; without a PIN and without a terminal nothing is created.

use hallq_e2e::Hall;

use crate::cli_support::{assert_bilingual, init};

#[test]
fn init_then_status_shows_eight_services_and_four_counters() {
    let hall = Hall::new();
    let out = init(&hall);
    assert!(out.contains("DEMO"), "init does not name the hall:\n{out}");
    assert!(out.contains("0001"), "init does not name the admin:\n{out}");
    for prefix in ["PAY", "NEW", "CHG", "ASK", "MTR", "FLT", "CMP", "DER"] {
        assert!(out.contains(prefix), "init does not list {prefix}:\n{out}");
    }

    let status = hall.json(&["status", "--format", "json"]);
    assert_eq!(status["services"].as_array().map(Vec::len), Some(8), "{status:#}");
    assert_eq!(status["counters"].as_array().map(Vec::len), Some(4), "{status:#}");
    let text = hall.ok(&["status"]);
    assert!(text.contains("交费") && text.contains("Waiting"), "{text}");
}

#[test]
fn init_twice_with_the_same_code_is_refused_with_exit_2() {
    let hall = Hall::new();
    init(&hall);
    let (code, stderr) = hall.fail(&["init", "--non-interactive", "--pin", "135790"]);
    assert_eq!(code, 2, "{stderr}");
    assert_bilingual(&stderr);
    assert!(stderr.contains("DEMO"), "{stderr}");

    // Another code is another hall in the same database.
    hall.ok(&["init", "--code", "TS02", "--name", "罗阳供电所", "--pin", "135790"]);
    let (code, stderr) = hall.fail(&["status"]);
    assert_eq!(code, 2, "two halls and no --hall must be refused: {stderr}");
    hall.ok(&["status", "--hall", "TS02"]);
}

#[test]
fn non_interactive_init_without_a_pin_prints_a_random_six_digit_pin_once() {
    let hall = Hall::new();
    let out = hall.ok(&["init", "--non-interactive"]);
    let pin = out
        .split_whitespace()
        .find(|w| w.len() == 6 && w.bytes().all(|b| b.is_ascii_digit()))
        .unwrap_or_else(|| panic!("no 6-digit PIN in:\n{out}"));
    assert!(out.contains("PIN"), "{out}");

    // The printed PIN is the admin's: it logs in, a wrong one does not.
    hall.ok(&["login", "--counter", "1", "--staff", "0001", "--pin", pin]);
    let other = hall.ok(&["init", "--non-interactive", "--code", "B2"]);
    assert!(other.contains("PIN"), "{other}");
}

#[test]
fn init_without_pin_or_terminal_is_refused_and_creates_nothing() {
    let hall = Hall::new();
    let (code, stderr) = hall.fail(&["init"]);
    assert_eq!(code, 2, "{stderr}");
    assert_bilingual(&stderr);
    assert!(stderr.contains("--pin"), "{stderr}");
    assert!(!hall.db().exists(), "a refused init created {}", hall.db().display());
}

#[test]
fn a_pin_that_is_not_4_to_12_digits_is_refused() {
    let hall = Hall::new();
    for bad in ["12", "abcdef", "1234567890123"] {
        let (code, stderr) = hall.fail(&["init", "--pin", bad]);
        assert_eq!(code, 2, "PIN {bad}: {stderr}");
        assert_bilingual(&stderr);
    }
    assert!(!hall.db().exists());
}
