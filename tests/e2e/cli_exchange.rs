//! `hallq export` / `hallq import`: two stations export to standard output
//! piped into files, the bureau imports both (twice: nothing changes the
//! second time), and `hallq report --by hall` on the bureau shows each hall
//! with its own figures. Bad files and bad flags are refused bilingually.

use std::path::Path;

use hallq_e2e::Hall;

use crate::cli_support::assert_bilingual;

const RANGE: [&str; 4] = ["--from", "2026-03-02", "--to", "2026-03-05"];

/// `hallq export` to standard output (a pipe), saved to `file`.
fn export_to(station: &Hall, args: &[&str], file: &Path) {
    let out = station.run(&[&["export"][..], args].concat());
    assert!(out.status.success(), "export failed: {}", String::from_utf8_lossy(&out.stderr));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("已导出") && stderr.contains("exported"), "{stderr}");
    assert_eq!(out.stdout.get(..2), Some(&[0x1f, 0x8b][..]), "gzip on stdout");
    std::fs::write(file, &out.stdout).expect("save the export");
}

fn total_issued(hall: &Hall, extra: &[&str]) -> u64 {
    let json = hall.json(&[&["report", "--format", "json"][..], &RANGE, extra].concat());
    json["total"]["issued"].as_u64().expect("issued")
}

#[test]
fn two_stations_report_to_a_bureau_by_file() {
    let s1 = Hall::new();
    let s2 = Hall::new();
    s1.ok(&["demo", "--days", "3", "--seed", "4", "--start", "2026-03-02", "--hall", "S1"]);
    s2.ok(&["demo", "--days", "4", "--seed", "5", "--start", "2026-03-02", "--hall", "S2"]);
    let f1 = s1.dir().join("s1.hqx");
    let f2 = s2.dir().join("s2.hqx");
    export_to(&s1, &[], &f1);
    // --out works too, and refuses to overwrite without --force.
    s2.ok(&["export", "--out", f2.to_str().unwrap()]);
    let (code, stderr) = s2.fail(&["export", "--out", f2.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert_bilingual(&stderr);

    let bureau = Hall::new();
    let first = bureau.ok(&["import", f1.to_str().unwrap()]);
    assert!(first.contains("S1") && first.contains("new events") && first.contains("新事件"), "{first}");
    assert!(!first.contains("新事件 0 条"), "{first}");
    bureau.ok(&["import", f2.to_str().unwrap()]);
    let report = bureau.json(&[&["report", "--by", "hall", "--format", "json"][..], &RANGE].concat());

    // Twice: nothing new, and the report is the same.
    let again = bureau.ok(&["import", f1.to_str().unwrap()]);
    assert!(again.contains("新事件 0 条 / new events"), "{again}");
    assert_eq!(bureau.json(&[&["report", "--by", "hall", "--format", "json"][..], &RANGE].concat()), report);

    let groups = report["groups"].as_array().expect("groups");
    assert_eq!(groups.len(), 2, "{report:#}");
    for (code, station) in [("S1", &s1), ("S2", &s2)] {
        let group = groups.iter().find(|g| g["key"] == code).unwrap_or_else(|| panic!("{code}: {report:#}"));
        let own = station.json(&[&["report", "--by", "total", "--format", "json"][..], &RANGE].concat());
        assert_eq!(group["kpis"], own["total"], "{code}");
    }
    assert_ne!(groups[0]["kpis"]["issued"], groups[1]["kpis"]["issued"]);
    // The cases travel with the log: the bureau's commitments report of a
    // hall equals the station's own, and the bureau's by hall holds both.
    let cases = |hall: &Hall, extra: &[&str]| {
        hall.json(&[&["report", "--cases", "--format", "json"][..], &RANGE, extra].concat())
    };
    let all = cases(&bureau, &["--hall", "all"]);
    for (code, station) in [("S1", &s1), ("S2", &s2)] {
        let own = cases(station, &[]);
        assert!(own["total"]["opened"].as_u64().unwrap() > 0, "{code} opened cases: {own}");
        assert_eq!(cases(&bureau, &["--hall", code])["total"], own["total"], "{code}");
        let group = all["by_hall"].as_array().unwrap().iter().find(|g| g["key"] == code).expect("the hall's group");
        assert_eq!(group["kpis"], own["total"], "{code}");
    }
    assert_eq!(total_issued(&bureau, &["--hall", "S1"]), total_issued(&s1, &[]));
    let table = bureau.ok(&[&["report", "--by", "hall"][..], &RANGE].concat());
    assert!(table.contains("(S1)") && table.contains("(S2)"), "{table}");

    // A later export since a day overlaps what the bureau has: nothing new.
    let f3 = s1.dir().join("s1-since.hqx");
    export_to(&s1, &["--since", "2026-03-03"], &f3);
    let out = bureau.ok(&["import", f3.to_str().unwrap()]);
    assert!(out.contains("新事件 0 条"), "{out}");
}

#[test]
fn bad_files_and_flags_are_refused_and_leave_the_bureau_as_it_was() {
    let station = Hall::new();
    station.ok(&["demo", "--days", "1", "--seed", "6", "--start", "2026-03-02", "--hall", "S1"]);
    let good = station.dir().join("good.hqx");
    export_to(&station, &[], &good);

    // Not an exchange file (the hall database itself), into a bureau that
    // does not exist yet: refused, and no bureau file is left behind.
    let bureau = Hall::new();
    let (code, stderr) = bureau.fail(&["import", station.db().to_str().unwrap()]);
    assert_eq!(code, 2, "{stderr}");
    assert_bilingual(&stderr);
    assert!(stderr.contains("HallQ"), "{stderr}");
    assert!(!bureau.db().exists(), "no empty bureau database left behind");

    // Truncated, into a bureau that holds the hall already: unchanged.
    bureau.ok(&["import", good.to_str().unwrap()]);
    let before = bureau.json(&[&["report", "--by", "day", "--format", "json"][..], &RANGE].concat());
    let bytes = std::fs::read(&good).expect("read the export");
    let cut = station.dir().join("cut.hqx");
    std::fs::write(&cut, &bytes[..bytes.len() * 2 / 3]).expect("write");
    let (code, stderr) = bureau.fail(&["import", cut.to_str().unwrap()]);
    assert_eq!(code, 2, "{stderr}");
    assert_bilingual(&stderr);
    assert!(stderr.contains("损坏") && stderr.contains("damaged"), "{stderr}");
    assert_eq!(bureau.json(&[&["report", "--by", "day", "--format", "json"][..], &RANGE].concat()), before);

    let (code, stderr) = bureau.fail(&["import", "/nonexistent/file.hqx"]);
    assert_eq!(code, 2);
    assert_bilingual(&stderr);
    for since in ["0", "yesterday", "2026-02-30"] {
        let (code, stderr) = station.fail(&["export", "--since", since]);
        assert_eq!(code, 2, "{since}: {stderr}");
        assert_bilingual(&stderr);
    }
}
