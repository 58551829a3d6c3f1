//! `hallq demo`: simulated traffic through the real hall logic — the same
//! seed gives the same data, the numbers look like a real supply hall's,
//! several halls can be compared, and a hall's past is never rewritten.

use hallq_e2e::Hall;
use serde_json::Value;

use crate::cli_support::{assert_bilingual, init};

const RANGE: [&str; 4] = ["--from", "2026-01-05", "--to", "2026-01-07"];

fn demo_report(seed: &str) -> Value {
    let hall = Hall::new();
    let out = hall.ok(&["demo", "--days", "3", "--seed", seed, "--start", "2026-01-05"]);
    assert!(out.contains("DEMO") && out.contains("events"), "{out}");
    hall.json(&[&["report", "--by", "service", "--format", "json"][..], &RANGE].concat())
}

fn ratio(k: &Value, name: &str) -> f64 {
    k[name].as_f64().unwrap_or_else(|| panic!("{name} is not a number in {k:#}"))
}

#[test]
fn the_same_seed_gives_the_same_report() {
    let a = demo_report("7");
    let b = demo_report("7");
    assert_eq!(a, b, "two runs of seed 7 differ");
    let c = demo_report("8");
    assert_ne!(a["total"], c["total"], "seed 8 gave seed 7's data");
}

#[test]
fn demo_kpis_are_plausible_for_a_county_hall() {
    let report = demo_report("7");
    let k = &report["total"];
    let issued = k["issued"].as_u64().expect("issued");
    let served = k["served"].as_u64().expect("served");
    // Mon-Wed of a 4-counter hall: roughly 150-300 visits a day.
    assert!((400..=950).contains(&issued), "issued {issued}");
    assert!(served > issued * 8 / 10, "served {served} of {issued}");
    let satisfaction = ratio(k, "satisfaction");
    assert!((0.7..=1.0).contains(&satisfaction), "satisfaction {satisfaction}");
    let within = ratio(k, "within_target_wait");
    assert!((0.0..=1.0).contains(&within), "within target wait {within}");
    let coverage = ratio(k, "rating_coverage");
    assert!((0.55..=0.85).contains(&coverage), "rating coverage {coverage}");
    let no_show = ratio(k, "no_show_rate");
    assert!((0.01..=0.09).contains(&no_show), "no-show {no_show}");
    assert!(k["peak_queue"].as_u64().unwrap_or(0) > 0, "{k:#}");
    assert!(k["transferred"].as_u64().unwrap_or(0) > 0, "{k:#}");
    assert!(ratio(k, "utilisation") > 0.2, "{k:#}");
    assert!(k["low_score_reasons"].as_object().is_some_and(|r| !r.is_empty()), "{k:#}");

    // Bill payment is the biggest service.
    let groups = report["groups"].as_array().expect("groups");
    let biggest = groups.iter().max_by_key(|g| g["kpis"]["issued"].as_u64()).expect("a group");
    assert_eq!(biggest["key"], "PAY", "{report:#}");
}

#[test]
fn several_halls_are_simulated_and_compared() {
    let hall = Hall::new();
    let out = hall.ok(&["demo", "--days", "1", "--halls", "3", "--start", "2026-01-05"]);
    for code in ["DEMO ", "DEMO2 ", "DEMO3 "] {
        assert!(out.contains(code), "{code} missing:\n{out}");
    }
    let report = hall.json(&[&["report", "--by", "hall", "--format", "json"][..], &RANGE].concat());
    let groups = report["groups"].as_array().expect("groups");
    assert_eq!(groups.len(), 3, "{report:#}");
    let issued: Vec<u64> = groups.iter().map(|g| g["kpis"]["issued"].as_u64().unwrap_or(0)).collect();
    assert!(issued.iter().all(|n| *n > 20), "{issued:?}");
    assert!(issued.windows(2).any(|w| w[0] != w[1]), "halls differ in traffic: {issued:?}");

    // Later days continue the same halls.
    hall.ok(&["demo", "--days", "1", "--halls", "3", "--start", "2026-01-06"]);
    let again = hall.json(&[&["report", "--by", "hall", "--format", "json"][..], &RANGE].concat());
    assert_eq!(again["groups"].as_array().map(Vec::len), Some(3));
    assert!(again["total"]["issued"].as_u64() > report["total"]["issued"].as_u64());
}

#[test]
fn demo_refuses_to_write_into_a_halls_past() {
    let hall = Hall::new();
    init(&hall);
    let (code, stderr) = hall.fail(&["demo", "--days", "2"]);
    assert_eq!(code, 2, "{stderr}");
    assert_bilingual(&stderr);
    assert!(stderr.contains("--db"), "the message says what to do instead:\n{stderr}");
}

#[test]
fn demo_days_must_end_before_today() {
    let hall = Hall::new();
    let (code, stderr) = hall.fail(&["demo", "--days", "3", "--start", "2999-01-01"]);
    assert_eq!(code, 2, "{stderr}");
    assert_bilingual(&stderr);
    assert!(!hall.db().exists(), "a refused demo created the database");
}
