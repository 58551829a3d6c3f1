//! `hallq simulate` and `hallq staffing` as a supervisor runs them: JSON
//! that parses and agrees with itself and with Erlang C, the observed-day
//! mode on a demo hall, and bad flags refused with exit 2 and a bilingual
//! message.

use hallq_e2e::{Hall, hallq};

use crate::cli_support::assert_bilingual;

const RATES: [&str; 8] = ["--arrivals-per-hour", "40", "--handling-minutes", "6", "--counters", "5", "--hours", "8"];

#[test]
fn a_what_if_day_prints_the_simulated_kpis_beside_erlang_c() {
    let hall = Hall::new();
    let args = [&["simulate"][..], &RATES, &["--seed", "2", "--format", "json"]].concat();
    let a = hall.json(&args);
    assert_eq!(a["scenario"]["mode"], "rates");
    assert_eq!(a["scenario"]["counters"], 5);
    assert_eq!(a["scenario"]["arrivals_per_hour"].as_array().map(Vec::len), Some(8));
    // 100 independent days by default.
    assert_eq!((a["days"].as_u64(), a["scenario"]["days"].as_u64()), (Some(100), Some(100)));
    let n = a["customers"].as_u64().unwrap();
    assert!((30_000..=34_000).contains(&n), "about 320 a day: {a}");
    assert_eq!(a["kpis"]["issued"].as_u64(), Some(n));
    // The mean over the days, its 95 % interval around it, a typical day wider.
    let w = &a["wait_mean_ms"];
    let num = |v: &serde_json::Value| v.as_f64().unwrap();
    let (mean, low, high) = (num(&w["mean"]), num(&w["ci95"]["low"]), num(&w["ci95"]["high"]));
    let (p10, p90) = (num(&w["typical_day"]["p10"]), num(&w["typical_day"]["p90"]));
    assert!(p10 < low && low < mean && mean < high && high < p90, "{w}");
    assert_eq!(w["days"], 100);
    // One day: no interval, and the day of the one-day what-if.
    let one = hall.json(&[&["simulate"][..], &RATES, &["--seed", "2", "--days", "1", "--format", "json"]].concat());
    assert!(one["wait_mean_ms"]["ci95"].is_null(), "{one}");
    assert!((240..=400).contains(&one["customers"].as_u64().unwrap()), "{one}");
    assert_eq!(a["kpis"]["served"].as_u64(), Some(n));
    // a = 4 Erlangs at 5 counters: Wq = C(5,4)·6 min/(5 − 4) = 199,481 ms.
    assert!((a["erlang_c"]["mean_wait_ms"].as_i64().unwrap() - 199_481).abs() <= 1, "{a}");
    let util = a["kpis"]["utilisation"].as_f64().unwrap();
    assert!((0.6..0.95).contains(&util), "{util}");
    // The same seed, the same day; nothing was written (no database needed).
    assert_eq!(hall.json(&args), a);
    assert!(!hall.db().exists(), "a what-if with rates touches no database");

    let table = hall.ok(&[&["simulate"][..], &RATES].concat());
    assert!(table.contains("平均等候") && table.contains("wait mean") && table.contains("Erlang C"), "{table}");
    assert!(table.contains("95% 置信区间") && table.contains("a typical day"), "{table}");
    // 4 counters cannot keep up with 4 Erlangs: said, not predicted.
    let full = hall.ok(&["simulate", "--arrivals-per-hour", "40", "--handling-minutes", "6", "--counters", "4"]);
    assert!(full.contains("Erlang C 无解") && full.contains("never settles"), "{full}");
}

#[test]
fn the_observed_day_of_a_demo_hall_replays_and_advises() {
    let hall = Hall::new();
    hall.ok(&["demo", "--days", "3", "--seed", "5", "--start", "2026-03-02"]);
    let range = ["--from", "2026-03-02", "--to", "2026-03-04"];
    let report = hall.json(&[&["report", "--format", "json"][..], &range].concat());
    let visits = report["total"]["issued"].as_f64().unwrap();

    let a = hall.json(&[&["simulate", "--counters", "4", "--format", "json"][..], &range].concat());
    assert_eq!(a["scenario"]["mode"], "observed");
    assert_eq!(a["scenario"]["observed_days"], 3);
    // The demo's arrivals start at 08:30: the first observed hour is 08.
    assert_eq!(a["scenario"]["first_hour"], 8);
    let per_day: f64 = a["scenario"]["arrivals_per_hour"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).sum();
    assert!((per_day - visits / 3.0).abs() < 1e-6, "{per_day} vs {visits}/3");
    assert!(a["customers"].as_u64().unwrap() > 50, "{a}");
    // The demo's handling comes from the hall's own times, so their mean too.
    let h = a["scenario"]["handling_mean_ms"].as_f64().unwrap();
    let observed = report["total"]["handling_mean_ms"].as_f64().unwrap();
    assert!((h - observed).abs() <= 1.0, "{h} vs {observed}");

    let s = hall.json(&[&["staffing", "--format", "json"][..], &range].concat());
    assert_eq!(s["target_share"], 0.8);
    assert_eq!(s["target_wait_ms"], 15 * 60_000);
    let rows = s["rows"].as_array().unwrap();
    assert!(rows.len() >= 20, "three days × ~9 hours: {}", rows.len());
    let mut arrivals = 0.0;
    for r in rows {
        assert_eq!(r["hall"], "DEMO");
        assert!(r["weekday"].as_u64().unwrap() <= 2, "Mon–Wed only: {r}");
        arrivals += r["arrivals_per_hour"].as_f64().unwrap();
        if let Some(c) = r["advised_counters"].as_u64() {
            assert!(c >= 1);
            assert!(r["within_target_at_advised"].as_f64().unwrap() >= 0.8, "{r}");
        }
    }
    // Each weekday is one open day here, so the rows add up to every visit.
    assert!((arrivals - visits).abs() < 1e-6, "{arrivals} vs {visits}");
    let table = hall.ok(&[&["staffing"][..], &range].concat());
    assert!(table.contains("建议窗口") && table.contains("Advised") && table.contains("周一 Mon"), "{table}");
    let all = hall.json(&[&["staffing", "--hall", "all", "--format", "json"][..], &range].concat());
    assert_eq!(all["rows"], s["rows"]);
}

#[test]
fn bad_flags_are_refused_with_exit_2_in_two_languages() {
    let hall = Hall::new();
    for args in [
        vec!["simulate", "--arrivals-per-hour", "40", "--handling-minutes", "6", "--counters", "0"],
        vec!["simulate", "--arrivals-per-hour", "40", "--handling-minutes", "6", "--counters", "65"],
        vec!["simulate", "--arrivals-per-hour", "40", "--handling-minutes", "6", "--counters", "4", "--days", "0"],
        vec!["simulate", "--arrivals-per-hour", "40", "--handling-minutes", "6", "--counters", "4", "--days", "2001"],
        vec!["simulate", "--arrivals-per-hour", "40", "--handling-minutes", "6", "--counters", "4", "--hours", "25"],
        vec!["simulate", "--arrivals-per-hour=-5", "--handling-minutes", "6", "--counters", "4"],
        vec!["simulate", "--arrivals-per-hour", "NaN", "--handling-minutes", "6", "--counters", "4"],
        vec!["simulate", "--arrivals-per-hour", "40", "--handling-minutes", "0", "--counters", "4"],
        vec!["simulate", "--arrivals-per-hour", "40", "--counters", "4"],
        vec!["simulate", "--arrivals-per-hour", "forty", "--handling-minutes", "6", "--counters", "4"],
        vec!["simulate", "--arrivals-per-hour", "40", "--handling-minutes", "6", "--counters", "4", "--format", "xml"],
        vec![
            "simulate",
            "--arrivals-per-hour",
            "40",
            "--handling-minutes",
            "6",
            "--counters",
            "4",
            "--from",
            "2026-03-02",
        ],
        // A named database that does not exist is not created.
        vec!["simulate", "--counters", "4"],
        vec!["staffing", "--target-share", "1.5"],
        vec!["staffing", "--target-share", "0"],
    ] {
        let (code, stderr) = hall.fail(&args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert_bilingual(&stderr);
    }
    assert!(!hall.db().exists());
    // Neither rates nor a database.
    let out = hallq(&["simulate", "--counters", "4"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_bilingual(&stderr);
    assert!(stderr.contains("--arrivals-per-hour") && stderr.contains("--db"), "{stderr}");

    hall.ok(&["demo", "--days", "1", "--seed", "1", "--start", "2026-03-02"]);
    for args in [
        vec!["staffing", "--from", "2026-03-05", "--to", "2026-03-01"],
        vec!["staffing", "--from", "2026-02-30"],
        vec!["staffing", "--hall", "NOPE"],
        vec!["simulate", "--counters", "4", "--hours", "8"],
        vec!["simulate", "--counters", "4", "--from", "2027-01-01", "--to", "2027-01-31"],
    ] {
        let (code, stderr) = hall.fail(&args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert_bilingual(&stderr);
    }
}
