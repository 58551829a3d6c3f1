//! The XLSX sheet "工单时限 Cases": the commitments report — the cases
//! opened in the range by case type, staff, team and hall, then the total:
//! opened, closed on time and late, the on-time rate, open and overdue now
//! (the most overdue in working days), working days to close (median, p90),
//! received → accepted (mean and p90, minutes), cases entered over an hour
//! late, holds. The definitions are hallq-core's `commitment::CaseKpis`.

use hallq_store::hallq_core::commitment::CaseKpis;
use hallq_store::{CaseGroup, CaseReport};
use rust_xlsxwriter::{Worksheet, XlsxError};

use crate::Formats;

/// The sheet's name.
pub const SHEET: &str = "工单时限 Cases";

const HEADERS: [(&str, f64); 15] = [
    ("分组\nGrouping", 12.0),
    ("键\nKey", 12.0),
    ("名称\nName", 22.0),
    ("开单\nopened", 8.0),
    ("按时办结\nclosed on time", 10.0),
    ("超时办结\nclosed late", 10.0),
    ("按时率\non-time rate", 10.0),
    ("未结\nopen", 8.0),
    ("逾期\noverdue now", 8.0),
    ("最久逾期(工作日)\nmost overdue (working days)", 14.0),
    ("办结用时中位(工作日)\ndays to close p50", 12.0),
    ("办结用时P90(工作日)\ndays to close p90", 12.0),
    ("收件→录入平均(分)\nreceived → entered mean (min)", 14.0),
    ("超1小时录入\nentered > 1 h late", 10.0),
    ("挂起次数\nholds", 8.0),
];

/// Writes the sheet.
pub(crate) fn sheet(sheet: &mut Worksheet, r: &CaseReport, f: &Formats) -> Result<(), XlsxError> {
    for (col, (text, width)) in HEADERS.iter().enumerate() {
        sheet.write_string_with_format(0, col as u16, *text, &f.header)?;
        sheet.set_column_width(col as u16, *width)?;
    }
    sheet.set_row_height(0, 48)?;
    sheet.set_freeze_panes(1, 3)?;
    let mut row = 1u32;
    for (name, groups) in sections(r) {
        for g in groups {
            write_row(sheet, row, name, &g.key, &format!("{} {}", g.label, g.label_en), &g.kpis, f)?;
            row += 1;
        }
    }
    write_row(sheet, row, "合计 total", "", "", &r.total, f)
}

fn write_row(
    sheet: &mut Worksheet,
    row: u32,
    grouping: &str,
    key: &str,
    name: &str,
    k: &CaseKpis,
    f: &Formats,
) -> Result<(), XlsxError> {
    sheet.write_string(row, 0, grouping)?;
    sheet.write_string(row, 1, key)?;
    sheet.write_string(row, 2, name.trim())?;
    for (i, (kind, v)) in figures(k).into_iter().enumerate() {
        let format = match kind {
            Kind::Count => &f.count,
            Kind::Rate => &f.percent,
            Kind::Minutes => &f.decimal,
        };
        if let Some(v) = v {
            sheet.write_number_with_format(row, 3 + i as u16, v, format)?;
        }
    }
    Ok(())
}

/// How a figure is shown.
#[derive(Clone, Copy)]
enum Kind {
    Count,
    /// 0..1, shown as a percentage.
    Rate,
    Minutes,
}

/// A row's figures, the columns after the name, in [`HEADERS`] order; none
/// where undefined (no case closed: no rate, no days to close).
fn figures(k: &CaseKpis) -> [(Kind, Option<f64>); 12] {
    let n = |v: u64| (Kind::Count, Some(v as f64));
    let days = |v: Option<u32>| (Kind::Count, v.map(f64::from));
    [
        n(k.opened),
        n(k.closed_on_time),
        n(k.closed_late),
        (Kind::Rate, k.on_time_rate),
        n(k.open),
        n(k.open_overdue),
        days(k.max_overdue_working_days),
        days(k.close_working_days_p50),
        days(k.close_working_days_p90),
        (Kind::Minutes, k.accept_gap_mean_ms.map(|ms| ms as f64 / 60_000.0)),
        n(k.entered_late),
        n(k.holds),
    ]
}

/// The same report as CSV (`hallq report --cases --format csv`): a
/// byte-order mark, a `中文/English` header row, the rows of the sheet;
/// rates as percentages and minutes with one decimal, empty when undefined.
pub fn csv(r: &CaseReport) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(vec![0xEF, 0xBB, 0xBF]);
    w.write_record(HEADERS.iter().map(|(text, _)| text.replace('\n', "/")))?;
    for (name, g) in sections(r).into_iter().flat_map(|(name, gs)| gs.iter().map(move |g| (name, g))) {
        w.write_record(record(name, &g.key, &format!("{} {}", g.label, g.label_en), &g.kpis))?;
    }
    w.write_record(record("合计 total", "", "", &r.total))?;
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

fn record(grouping: &str, key: &str, name: &str, k: &CaseKpis) -> Vec<String> {
    [grouping.to_string(), key.to_string(), name.trim().to_string()]
        .into_iter()
        .chain(figures(k).into_iter().map(|(kind, v)| match (kind, v) {
            (_, None) => String::new(),
            (Kind::Count, Some(v)) => format!("{v}"),
            (Kind::Rate, Some(v)) => format!("{:.1}", v * 100.0),
            (Kind::Minutes, Some(v)) => format!("{v:.1}"),
        }))
        .collect()
}

/// The report's groupings in the sheet's order.
fn sections(r: &CaseReport) -> [(&'static str, &[CaseGroup]); 4] {
    [("工单类型 type", &r.by_type), ("员工 staff", &r.by_staff), ("班组 team", &r.by_team), ("营业厅 hall", &r.by_hall)]
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use calamine::{Data, Reader as _, Xlsx};
    use chrono::NaiveDate;
    use hallq_core::Targets;

    use super::*;
    use crate::{Scope, xlsx_with};

    #[test]
    fn the_cases_sheet_has_a_row_per_group_then_the_total() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 4).unwrap();
        let k = |opened, late, gap| CaseKpis {
            opened,
            closed_on_time: opened - late,
            closed_late: late,
            on_time_rate: Some((opened - late) as f64 / opened as f64),
            close_working_days_p50: Some(3),
            close_working_days_p90: Some(5),
            accept_gap_mean_ms: Some(gap),
            ..CaseKpis::default()
        };
        let group = |key: &str, zh: &str, en: &str, kpis| CaseGroup {
            key: key.into(),
            label: zh.into(),
            label_en: en.into(),
            kpis,
        };
        let report = CaseReport {
            from: d,
            to: d,
            total: k(4, 1, 90_000),
            by_hall: vec![group("T1", "测试营业厅", "测试营业厅", k(4, 1, 90_000))],
            by_type: vec![
                group("COMPLAINT", "投诉处理", "complaint", k(1, 1, 0)),
                group("RES_CONN", "居民用户接电", "residential connection", k(3, 0, 120_000)),
            ],
            by_staff: vec![group("1001", "王芳", "王芳", k(4, 1, 90_000))],
            by_team: vec![],
        };
        let scope = Scope { halls: "T1 测试营业厅", from: d, to: d, targets: &Targets::default() };
        let bytes = xlsx_with(&scope, &[], None, Some(&report)).unwrap();
        let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).unwrap();
        assert_eq!(book.sheet_names(), ["汇总 Summary", SHEET]);
        let rows: Vec<Vec<Data>> = book.worksheet_range(SHEET).unwrap().rows().map(<[Data]>::to_vec).collect();
        let col =
            |name: &str| rows[0].iter().position(|h| matches!(h, Data::String(s) if s.starts_with(name))).unwrap();
        // A header, two types, one staff member, one hall, the total.
        assert_eq!(rows.len(), 6);
        assert_eq!(rows[1][col("名称")], Data::String("投诉处理 complaint".into()));
        assert_eq!(rows[1][col("超时办结")], Data::Float(1.0));
        assert_eq!(rows[1][col("按时率")], Data::Float(0.0));
        assert_eq!(rows[2][col("收件→录入平均")], Data::Float(2.0));
        assert_eq!(rows[3][col("分组")], Data::String("员工 staff".into()));
        assert_eq!(rows[5][col("分组")], Data::String("合计 total".into()));
        assert_eq!(rows[5][col("开单")], Data::Float(4.0));
        assert_eq!(rows[5][col("按时率")], Data::Float(0.75));
        assert_eq!(rows[5][col("办结用时P90")], Data::Float(5.0));
        assert_eq!(rows[5][col("最久逾期")], Data::Empty, "none overdue: no cell");
    }
}
