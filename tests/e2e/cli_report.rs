//! `hallq report`: bad dates are refused before anything is read; the CSV
//! export has a bilingual header row and one row per group plus the total;
//! two hand-computed days (written through the real hall engine on a manual
//! clock) give exactly their KPIs in JSON, CSV and XLSX (read back); halls
//! are ranked and marked against the targets; bad parameters write nothing.

use std::path::Path;
use std::sync::Arc;

use calamine::{Data, Reader as _, Xlsx, open_workbook};
use hallq_e2e::Hall;
use hallq_store::hallq_core::{
    Actor, Command, HallConfig, LowScoreReason, PriorityClass, Resolution, Staff, StaffRole, TicketRef, TransferTarget,
};
use hallq_store::{ManualClock, Millis, Store};
use uuid::Uuid;

use crate::cli_support::{assert_bilingual, init};

#[test]
fn bad_dates_and_reversed_ranges_are_refused_with_exit_2() {
    let hall = Hall::new();
    init(&hall);
    for args in
        [["report", "--from", "2026-13-01"], ["report", "--to", "yesterday"], ["report", "--from", "2026-02-30"]]
    {
        let (code, stderr) = hall.fail(&args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert_bilingual(&stderr);
        assert!(stderr.contains("YYYY-MM-DD"), "{stderr}");
    }
    let (code, stderr) = hall.fail(&["report", "--from", "2026-11-02", "--to", "2026-11-01"]);
    assert_eq!(code, 2, "{stderr}");
    assert_bilingual(&stderr);
    let (code, stderr) = hall.fail(&["report", "--by", "month"]);
    assert_eq!(code, 2, "{stderr}");
}

#[test]
fn csv_has_a_bilingual_header_and_a_row_per_group_plus_total() {
    let hall = Hall::new();
    hall.ok(&["demo", "--days", "2", "--seed", "3", "--start", "2026-03-02"]);
    let range = ["--from", "2026-03-02", "--to", "2026-03-03"];
    let json = hall.json(&[&["report", "--by", "service", "--format", "json"][..], &range].concat());
    let groups = json["groups"].as_array().expect("groups").len();
    assert!(groups >= 6, "a demo day touches most services: {json:#}");

    let csv = hall.ok(&[&["report", "--by", "service", "--format", "csv"][..], &range].concat());
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header = reader.headers().expect("a header row").clone();
    assert!(header.iter().any(|h| h == "取号人次/issued (visits)"), "{header:?}");
    assert!(header.iter().any(|h| h == "办结笔数/served (legs)"), "{header:?}");
    assert!(header.iter().any(|h| h.contains("满意") && h.contains("satisfaction")), "{header:?}");
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("a CSV row")).collect();
    assert_eq!(rows.len(), groups + 1, "{csv}");
    assert!(rows.iter().all(|r| r.len() == header.len()), "{csv}");
    let total = rows.last().expect("total row");
    assert_eq!(&total[0], "total");
    assert_eq!(total[2].parse::<u64>().ok(), json["total"]["issued"].as_u64(), "{csv}");

    let table = hall.ok(&[&["report", "--by", "hour"][..], &range].concat());
    assert!(table.contains("合计") && table.contains("issued"), "{table}");
}

#[test]
fn the_commitments_report_adds_up_and_is_a_table_json_csv_or_an_xlsx_sheet() {
    let hall = Hall::new();
    hall.ok(&["demo", "--days", "20", "--seed", "3", "--start", "2026-03-02"]);
    let range = ["--from", "2026-03-02", "--to", "2026-03-21"];
    let r = hall.json(&[&["report", "--cases", "--format", "json"][..], &range].concat());
    let total = &r["total"];
    let n = |k: &serde_json::Value, f: &str| k[f].as_u64().unwrap_or_else(|| panic!("{f}: {k}"));
    assert!(n(total, "opened") > 50, "the demo opens cases: {total}");
    // Every case is closed on time, late, or still open; each grouping adds up to the total.
    assert_eq!(n(total, "closed_on_time") + n(total, "closed_late") + n(total, "open"), n(total, "opened"));
    for by in ["by_type", "by_staff", "by_team", "by_hall"] {
        let sum = |f: &str| r[by].as_array().unwrap().iter().map(|g| n(&g["kpis"], f)).sum::<u64>();
        for f in ["opened", "closed_on_time", "closed_late", "open", "open_overdue", "holds", "entered_late"] {
            assert_eq!(sum(f), n(total, f), "{by} {f}");
        }
    }
    let table = hall.ok(&[&["report", "--cases"][..], &range].concat());
    assert!(table.contains("工单时限") && table.contains("居民用户接电 residential connection"), "{table}");
    assert!(table.contains(&format!("{}", n(total, "opened"))), "{table}");
    // CSV: the sheet's rows (a bilingual header, each grouping, the total),
    // the total's figures those of the JSON, the rate as a percentage.
    let csv = hall.ok(&[&["report", "--cases", "--format", "csv"][..], &range].concat());
    let lines: Vec<Vec<String>> =
        csv.trim_start_matches('\u{feff}').lines().map(|l| l.split(',').map(str::to_string).collect()).collect();
    assert_eq!(lines[0][..4], ["分组/Grouping", "键/Key", "名称/Name", "开单/opened"]);
    let groups: usize =
        ["by_type", "by_staff", "by_team", "by_hall"].iter().map(|g| r[g].as_array().unwrap().len()).sum();
    assert_eq!(lines.len(), 1 + groups + 1, "{csv}");
    let last = lines.last().unwrap();
    assert_eq!(last[0], "合计 total");
    assert_eq!(
        last[3..6],
        [n(total, "opened"), n(total, "closed_on_time"), n(total, "closed_late")].map(|v| v.to_string())
    );
    assert_eq!(last[6], format!("{:.1}", total["on_time_rate"].as_f64().unwrap() * 100.0));
    let (code, stderr) = hall.fail(&[&["report", "--cases", "--format", "xlsx"][..], &range].concat());
    assert_eq!(code, 2, "{stderr}");
    assert_bilingual(&stderr);
    // The XLSX report has the sheet, its total row the same figures.
    let out = hall.dir().join("cases.xlsx");
    hall.ok(&[&["report", "--format", "xlsx", "--out", out.to_str().unwrap()][..], &range].concat());
    let mut book: Xlsx<_> = open_workbook(&out).expect("an XLSX");
    let rows: Vec<Vec<Data>> =
        book.worksheet_range("工单时限 Cases").expect("the cases sheet").rows().map(<[Data]>::to_vec).collect();
    let last = rows.last().expect("the total row");
    assert_eq!(last[0], Data::String("合计 total".into()));
    assert_eq!(last[3], Data::Float(n(total, "opened") as f64));
    assert_eq!(last[5], Data::Float(n(total, "closed_late") as f64));
}

/// 2026-11-27 09:00 in Shanghai (01:00 UTC), ms.
const NOV27_0900: Millis = 1_795_741_200_000;
const MIN: Millis = 60_000;

/// Writes two business days of hall `T1` through the real hall engine on a
/// manual clock — a recall, a no-show, a transfer, a clock set back and
/// corrected, a day rollover that expires a waiting ticket — and, with
/// `second`, a hall `T2` whose one customer waited 20 minutes (a bureau
/// database).
fn two_days(db: &Path, second: bool) {
    let store = Store::open(db).expect("a new database");
    let mut cfg = HallConfig::default_supply_hall(Uuid::from_u128(0x4a11), "T1", "测试营业厅");
    for (n, name) in [("1001", "王芳"), ("1002", "李强")] {
        cfg.staff.push(Staff { number: n.into(), name: name.into(), role: StaffRole::Agent, active: true, team: None });
    }
    store.create_hall(&cfg, NOV27_0900 - 60 * MIN).expect("hall T1");
    let clock = ManualClock::new(NOV27_0900);
    let engine = store.engine(cfg.hall.id, Arc::new(clock.clone())).expect("engine");
    let at = |min: i64| clock.set(NOV27_0900 + min * MIN);
    let run = |cmd: Command| {
        engine.execute(Actor::Cli, cmd.clone()).unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    };
    let issue = |service: &str| Command::Issue {
        service: service.into(),
        priority: PriorityClass::Normal,
        priority_reason: None,
        appointment: None,
    };
    let rate = |number: &str, level: u8, reason: Option<LowScoreReason>| Command::Rate {
        ticket: TicketRef::Number(number.into()),
        level,
        reason,
    };
    // Friday: minutes after 09:00.
    for c in [1, 2] {
        run(Command::Login { counter: c, staff: format!("100{c}") });
        run(Command::OpenCounter { counter: c });
    }
    run(issue("PAY")); // A001 09:00
    at(2);
    run(issue("PAY")); // A002 09:02
    at(4);
    run(issue("NEW")); // B001 09:04
    at(5);
    run(Command::CallNext { counter: 1 }); // A001 waited 5
    at(6);
    run(Command::Start { counter: 1 });
    run(Command::CallNext { counter: 2 }); // A002 waited 4
    at(7);
    run(Command::Recall { counter: 2 });
    at(9);
    run(Command::NoShow { counter: 2 });
    run(Command::CallNext { counter: 2 }); // B001 waited 5
    at(10);
    run(Command::Finish { counter: 1, resolution: Resolution::Completed }); // handled 4
    run(rate("A001", 5, None));
    run(Command::Start { counter: 2 });
    at(15);
    run(Command::Transfer { counter: 2, to: TransferTarget::Service("CHG".into()) }); // handled 5
    clock.step(-3 * MIN); // the PC's clock set back to 09:12 ...
    run(issue("PAY")); // ... A003 issued on it ...
    clock.step(3 * MIN); // ... and corrected: A003 moves back to 09:15
    at(20);
    run(Command::CallNext { counter: 1 }); // A003 waited 5
    at(21);
    run(Command::Start { counter: 1 });
    at(29);
    run(Command::Finish { counter: 1, resolution: Resolution::Completed }); // handled 8
    run(rate("A003", 2, Some(LowScoreReason::Attitude)));
    at(30);
    run(Command::CallNext { counter: 2 }); // B001 leg 2 waited 15
    at(31);
    run(Command::Start { counter: 2 });
    at(43);
    run(Command::Finish { counter: 2, resolution: Resolution::Completed }); // handled 12
    run(rate("B001", 4, None));
    at(50);
    run(issue("ASK")); // D001, never called
    at(60);
    run(Command::Logout { counter: 1 });
    run(Command::Logout { counter: 2 });
    // Saturday 09:00: the day rolled over at 03:00 and D001 expires now.
    at(24 * 60);
    run(Command::Login { counter: 1, staff: "1001".into() });
    run(Command::OpenCounter { counter: 1 });
    run(issue("PAY"));
    at(24 * 60 + 3);
    run(Command::CallNext { counter: 1 }); // waited 3
    at(24 * 60 + 4);
    run(Command::Start { counter: 1 });
    at(24 * 60 + 6);
    run(Command::Finish { counter: 1, resolution: Resolution::Completed }); // handled 2
    at(24 * 60 + 10);
    run(Command::Logout { counter: 1 });
    engine.shutdown();

    if second {
        let cfg = HallConfig::default_supply_hall(Uuid::from_u128(0x4a12), "T2", "第二营业厅");
        store.create_hall(&cfg, NOV27_0900 - 60 * MIN).expect("hall T2");
        let clock = ManualClock::new(NOV27_0900);
        let engine = store.engine(cfg.hall.id, Arc::new(clock.clone())).expect("engine");
        let run = |cmd: Command| {
            engine.execute(Actor::Cli, cmd.clone()).unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
        };
        run(Command::Login { counter: 1, staff: "0001".into() });
        run(Command::OpenCounter { counter: 1 });
        run(issue("PAY"));
        clock.set(NOV27_0900 + 20 * MIN);
        run(Command::CallNext { counter: 1 }); // waited 20: over the 15-minute target
        run(Command::Start { counter: 1 });
        clock.set(NOV27_0900 + 24 * MIN);
        run(Command::Finish { counter: 1, resolution: Resolution::Completed });
        run(rate("A001", 5, None));
        run(Command::Logout { counter: 1 });
        engine.shutdown();
    }
}

fn close(v: &serde_json::Value, want: f64) {
    assert!(v.as_f64().is_some_and(|v| (v - want).abs() < 1e-9), "{v} ≠ {want}");
}

#[test]
fn a_hand_computed_day_gives_exactly_its_kpis_in_json_csv_and_xlsx() {
    let hall = Hall::new();
    two_days(hall.db(), false);
    let day = ["--from", "2026-11-27", "--to", "2026-11-27"];

    let r = hall.json(&[&["report", "--by", "staff", "--format", "json"][..], &day].concat());
    let t = &r["total"];
    // Legs: A001 done, A002 no-show (after a recall), B001 transferred, A003 done, B001 leg 2 done,
    // D001 expired at the rollover: 5 visits, 6 legs.
    let counts: Vec<u64> = ["issued", "legs", "served", "no_show", "cancelled", "expired", "transferred", "open"]
        .iter()
        .map(|k| t[k].as_u64().unwrap())
        .collect();
    assert_eq!(counts, [5, 6, 3, 1, 0, 1, 1, 0]);
    close(&t["no_show_rate"], 0.2);
    close(&t["left_without_service_rate"], 0.2);
    // Waits 4, 5, 5, 5 (A003 from 09:15, where the clock's correction put it), 15.
    let waits: Vec<i64> =
        ["wait_mean_ms", "wait_p50_ms", "wait_p90_ms", "wait_max_ms"].iter().map(|k| t[k].as_i64().unwrap()).collect();
    assert_eq!(waits, [34 * MIN / 5, 5 * MIN, 15 * MIN, 15 * MIN]);
    close(&t["within_target_wait"], 5.0 / 6.0);
    assert_eq!((t["handling_mean_ms"].as_i64(), t["handling_p90_ms"].as_i64()), (Some(29 * MIN / 4), Some(12 * MIN)));
    close(&t["within_target_handling"], 0.75);
    assert_eq!(t["peak_queue"], 3);
    close(&t["arrivals_per_hour"], 5.0);
    close(&t["utilisation"], 29.0 / 120.0);
    close(&t["rating_coverage"], 1.0);
    close(&t["satisfaction"], 2.0 / 3.0);
    assert_eq!(t["ratings_by_level"], serde_json::json!([0, 1, 0, 1, 1]));
    assert_eq!(t["low_score_reasons"], serde_json::json!({"attitude": 1}));
    let staff: Vec<(&str, &str, &str, u64)> = r["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            let text = |k: &str| g[k].as_str().unwrap();
            (text("key"), text("label"), text("label_en"), g["kpis"]["served"].as_u64().unwrap())
        })
        .collect();
    assert_eq!(staff, [("1001", "王芳", "王芳", 2), ("1002", "李强", "李强", 1), ("~", "未叫号", "not called", 0)]);

    // Both days: the second adds one visit (waited 3, handled 2, counter open 10 minutes).
    let both = ["--from", "2026-11-27", "--to", "2026-11-28"];
    let r = hall.json(&[&["report", "--by", "day", "--format", "json"][..], &both].concat());
    assert_eq!(r["total"]["wait_mean_ms"], 37 * MIN / 6);
    close(&r["total"]["within_target_wait"], 6.0 / 7.0);
    close(&r["total"]["utilisation"], 31.0 / 130.0);
    let days: Vec<(&str, u64)> = r["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["key"].as_str().unwrap(), g["kpis"]["issued"].as_u64().unwrap()))
        .collect();
    assert_eq!(days, [("2026-11-27", 5), ("2026-11-28", 1)]);

    // CSV: a BOM, then the same figures as people read them.
    let out = hall.run(&[&["report", "--by", "counter", "--format", "csv"][..], &day].concat());
    assert!(out.status.success());
    assert_eq!(&out.stdout[..3], b"\xEF\xBB\xBF", "UTF-8 with BOM");
    let mut reader = csv::Reader::from_reader(&out.stdout[3..]);
    let header = reader.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap_or_else(|| panic!("{name}: {header:?}"));
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let by_key = |k: &str| rows.iter().find(|r| &r[0] == k).unwrap_or_else(|| panic!("{k}: {rows:?}")).clone();
    assert_eq!(&by_key("001")[col("窗口利用率%/utilisation %")], "20.0", "12 of 60 minutes");
    assert_eq!(&by_key("002")[col("窗口利用率%/utilisation %")], "28.3", "17 of 60 minutes");
    assert_eq!(&by_key("total")[col("平均办理(分)/handling mean (min)")], "7.2", "29 / 4 = 7.25");
    assert_eq!(&by_key("total")[col("未达目标/below target")], "满意率 satisfaction");

    // XLSX to a file: the summary and a sheet per grouping, numbers as numbers.
    let file = hall.dir().join("report.xlsx");
    let file_arg = file.to_str().unwrap();
    hall.ok(&[&["report", "--by", "service", "--format", "xlsx", "--out", file_arg][..], &day].concat());
    let mut book: Xlsx<_> = open_workbook(&file).expect("an XLSX workbook");
    assert_eq!(book.sheet_names()[..3], ["汇总 Summary", "按业务 By service", "按窗口 By counter"]);
    let summary = book.worksheet_range("汇总 Summary").unwrap();
    let line =
        |zh: &str| summary.rows().find(|r| r.first().is_some_and(|c| *c == Data::String(zh.into()))).unwrap().to_vec();
    assert_eq!(line("取号人次")[2], Data::Float(5.0));
    assert_eq!(line("平均等候(分)")[2], Data::Float(6.8));
    assert_eq!(line("满意率%")[2], Data::Float(2.0 / 3.0));
    assert_eq!(line("满意率%")[3], Data::Float(0.95), "the target beside it");
    assert_eq!(line("满意率%")[4], Data::String("是 yes".into()), "below target");
    let services = book.worksheet_range("按业务 By service").unwrap();
    let header: Vec<String> = services.rows().next().unwrap().iter().map(|c| c.to_string()).collect();
    assert_eq!(header[..3], ["键\nKey", "分组\nGroup", "取号人次\nissued (visits)"]);
    let pay = services.rows().find(|r| r[0] == Data::String("PAY".into())).unwrap();
    assert_eq!((pay[1].clone(), pay[2].clone()), (Data::String("交费".into()), Data::Float(3.0)));
    // Then the inspection days (none marked): the hall's one business day,
    // nothing to compare; last the day's one case, the low rating's follow-up.
    assert_eq!(book.sheet_names()[7..], ["稽查日 Inspection", "工单时限 Cases"]);
    let inspection = book.worksheet_range("稽查日 Inspection").unwrap();
    let rows: Vec<Vec<Data>> = inspection.rows().map(<[Data]>::to_vec).collect();
    assert_eq!(rows[0][5], Data::String("营业日数\nDays".into()));
    assert_eq!(
        (rows[1][1].clone(), rows[1][5].clone(), rows[1][6].clone()),
        (Data::String("营业厅 hall".into()), Data::Float(1.0), Data::Float(0.0))
    );

    // To a pipe, XLSX goes to standard output.
    let out = hall.run(&[&["report", "--format", "xlsx"][..], &day].concat());
    assert!(out.status.success() && out.stdout.starts_with(b"PK"), "a zip file on stdout");
}

#[test]
fn by_hall_ranks_the_halls_and_marks_what_is_below_target() {
    let hall = Hall::new();
    two_days(hall.db(), true);
    let day = ["--from", "2026-11-27", "--to", "2026-11-27"];
    let r = hall.json(&[&["report", "--by", "hall", "--format", "json"][..], &day].concat());
    let halls: Vec<(&str, u64)> = r["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["key"].as_str().unwrap(), g["kpis"]["issued"].as_u64().unwrap()))
        .collect();
    assert_eq!(halls, [("T1", 5), ("T2", 1)], "T1 called 5 of 6 within target, T2 none");
    assert_eq!(r["total"]["issued"], 6);

    let table = hall.ok(&[&["report", "--by", "hall"][..], &day].concat());
    let line = |name: &str| table.lines().find(|l| l.contains(name)).unwrap_or_else(|| panic!("{name}:\n{table}"));
    assert!(line("测试营业厅").contains("1. 测试营业厅"), "{table}");
    assert!(line("第二营业厅").contains("2. 第二营业厅"), "{table}");
    assert!(line("第二营业厅").contains("▼ 0.0"), "T2's 0% within target wait is marked:\n{table}");
    assert!(!line("测试营业厅").contains("▼ 83.3"), "T1's 83.3% meets 80%:\n{table}");
    assert!(line("测试营业厅").contains("▼ 66.7"), "T1's satisfaction is below 95%:\n{table}");
    assert!(table.contains("低于目标") && table.contains("below target"), "{table}");

    // `--hall all` reports every hall under any grouping; staff per hall.
    let r = hall.json(&[&["report", "--hall", "all", "--by", "staff", "--format", "json"][..], &day].concat());
    let keys: Vec<&str> = r["groups"].as_array().unwrap().iter().map(|g| g["key"].as_str().unwrap()).collect();
    assert_eq!(keys, ["T1/1001", "T1/1002", "T1/~", "T2/0001"]);

    let file = hall.dir().join("halls.xlsx");
    hall.ok(&[&["report", "--by", "hall", "--format", "xlsx", "--out", file.to_str().unwrap()][..], &day].concat());
    let mut book: Xlsx<_> = open_workbook(&file).unwrap();
    let sheet = book.worksheet_range("按营业厅 By hall").unwrap();
    let rows: Vec<Vec<Data>> = sheet.rows().skip(1).map(<[Data]>::to_vec).collect();
    assert_eq!(rows[0][..2], [Data::Float(1.0), Data::String("T1".into())]);
    assert_eq!(rows[1][..2], [Data::Float(2.0), Data::String("T2".into())]);
    assert_eq!(rows[2][1], Data::String("total".into()));
}

#[test]
fn bad_report_parameters_exit_2_and_write_nothing() {
    let hall = Hall::new();
    two_days(hall.db(), false);
    let out = hall.dir().join("never.xlsx");
    let out_arg = out.to_str().unwrap();
    for args in [
        &["report", "--from", "2026-11-28", "--to", "2026-11-27", "--format", "xlsx", "--out", out_arg][..],
        &["report", "--by", "month", "--format", "csv", "--out", out_arg],
        &["report", "--hall", "NOPE", "--format", "xlsx", "--out", out_arg],
        &["report", "--format", "pdf", "--out", out_arg],
        &["report", "--from", "2026-11-31", "--format", "csv", "--out", out_arg],
    ] {
        let (code, stderr) = hall.fail(args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stderr.starts_with("错误 / error: "), "{args:?}: {stderr}");
        assert!(!out.exists(), "{args:?} wrote {}", out.display());
    }
    let (_, stderr) = hall.fail(&["report", "--hall", "NOPE"]);
    assert_bilingual(&stderr);
}

#[test]
fn xlsx_is_not_written_to_a_terminal() {
    let hall = Hall::new();
    two_days(hall.db(), false);
    // `script` (util-linux, in every Debian) gives the command a terminal.
    let command = format!(
        "{} report --db {} --from 2026-11-27 --to 2026-11-27 --format xlsx",
        hallq_e2e::hallq_bin().display(),
        hall.db().display()
    );
    let out = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run script");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(text.contains("--out") && text.contains("终端") && text.contains("terminal"), "{text}");
    assert!(!text.contains("PK\u{3}\u{4}"), "no zip bytes on the terminal");
}

#[test]
fn by_team_every_leg_a_clerk_called_is_in_the_demo_clerks_team() {
    let hall = Hall::new();
    hall.ok(&["demo", "--days", "2", "--seed", "3", "--start", "2026-03-02"]);
    let range = ["--from", "2026-03-02", "--to", "2026-03-03"];
    let report = |by: &str| hall.json(&[&["report", "--by", by, "--format", "json"][..], &range].concat());
    let (teams, staff) = (report("team"), report("staff"));
    let legs = |r: &serde_json::Value, called: bool| -> u64 {
        let groups = r["groups"].as_array().expect("groups");
        groups.iter().filter(|g| (g["key"] != "~") == called).map(|g| g["kpis"]["legs"].as_u64().expect("legs")).sum()
    };
    let keys: Vec<&str> =
        teams["groups"].as_array().expect("groups").iter().filter_map(|g| g["key"].as_str()).collect();
    assert!(
        keys.contains(&"甲班") && keys.contains(&"乙班") && !keys.contains(&"~-"),
        "the demo's two teams: {keys:?}"
    );
    assert_eq!(legs(&teams, true), legs(&staff, true), "the clerks' legs, split by team");
    assert_eq!(legs(&teams, false), legs(&staff, false), "legs never called");
    assert_eq!(teams["total"], staff["total"]);
}
