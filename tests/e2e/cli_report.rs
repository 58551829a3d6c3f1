//! `hallq report`: bad dates are refused before anything is read; the CSV
//! export has a bilingual header row and one row per group plus the total.

use hallq_e2e::Hall;

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
    assert!(header.iter().any(|h| h == "取号/issued"), "{header:?}");
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
