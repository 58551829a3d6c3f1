//! The XLSX sheet "稽查日 Inspection": each hall and staff member on the
//! hall's inspection days beside the other working days (mean wait, share
//! within the target wait, mean handling, satisfaction, rating coverage),
//! the difference, the day-to-day consistency (standard deviations in
//! percentage points) and the flag "good only on inspection days" — the
//! figures of hallq-store's `Inspection`, whose module holds the
//! definitions. Minutes and points are numbers with one decimal, shares are
//! percentages.

use hallq_store::{DayFigures, Difference, Inspection, InspectionRow};
use rust_xlsxwriter::{Format, Worksheet, XlsxError};

use crate::Formats;

/// The sheet's name.
pub const SHEET: &str = "稽查日 Inspection";

/// One of the five figures compared.
struct Figure {
    zh: &'static str,
    en: &'static str,
    /// Minutes (a share otherwise).
    minutes: bool,
    value: fn(&DayFigures) -> Option<f64>,
    /// The difference: ms for minutes, percentage points for shares.
    difference: fn(&Difference) -> Option<f64>,
}

const FIGURES: [Figure; 5] = [
    Figure {
        zh: "平均等候(分)",
        en: "wait mean (min)",
        minutes: true,
        value: |d| d.wait_mean_ms.map(|v| v as f64),
        difference: |d| d.wait_mean_ms.map(|v| v as f64),
    },
    Figure {
        zh: "等候达标%",
        en: "within target wait %",
        minutes: false,
        value: |d| d.within_target_wait,
        difference: |d| d.within_target_wait_pp,
    },
    Figure {
        zh: "平均办理(分)",
        en: "handling mean (min)",
        minutes: true,
        value: |d| d.handling_mean_ms.map(|v| v as f64),
        difference: |d| d.handling_mean_ms.map(|v| v as f64),
    },
    Figure {
        zh: "满意率%",
        en: "satisfaction %",
        minutes: false,
        value: |d| d.satisfaction,
        difference: |d| d.satisfaction_pp,
    },
    Figure {
        zh: "评价率%",
        en: "rating coverage %",
        minutes: false,
        value: |d| d.rating_coverage,
        difference: |d| d.rating_coverage_pp,
    },
];

/// Writes the sheet: one row per hall, then its staff.
pub(crate) fn sheet(sheet: &mut Worksheet, r: &Inspection, f: &Formats) -> Result<(), XlsxError> {
    let mut headers: Vec<(String, f64)> = vec![
        ("营业厅\nHall".into(), 10.0),
        ("类别\nRow".into(), 10.0),
        ("键\nKey".into(), 8.0),
        ("名称\nName".into(), 18.0),
        ("稽查日\nInspection days".into(), 24.0),
        ("营业日数\nDays".into(), 8.0),
        ("稽查日数\nInspection days served".into(), 10.0),
        ("其他工作日数\nOther working days".into(), 10.0),
    ];
    for g in &FIGURES {
        headers.push((format!("稽查日 {}\ninspection {}", g.zh, g.en), 12.0));
        headers.push((format!("其他日 {}\nother days {}", g.zh, g.en), 12.0));
        // A share's difference is in percentage points, not a percentage.
        let difference = match (g.zh.strip_suffix('%'), g.en.strip_suffix(" %")) {
            (Some(zh), Some(en)) => format!("差 {zh}(百分点)\ndifference {en} (pp)"),
            _ => format!("差 {}\ndifference {}", g.zh, g.en),
        };
        headers.push((difference, 12.0));
    }
    headers.extend([
        ("等候达标标准差(百分点)\nwithin target SD (pp)".into(), 12.0),
        ("天数\ndays".into(), 6.0),
        ("满意率标准差(百分点)\nsatisfaction SD (pp)".into(), 12.0),
        ("天数\ndays".into(), 6.0),
        (format!("仅稽查日达标(≥{} 百分点)\ngood only on inspection days", r.flag_points), 16.0),
    ]);
    for (col, (text, width)) in headers.into_iter().enumerate() {
        sheet.write_string_with_format(0, col as u16, text, &f.header)?;
        sheet.set_column_width(col as u16, width)?;
    }
    sheet.set_row_height(0, 48)?;
    sheet.set_freeze_panes(1, 4)?;
    let mut row = 1u32;
    for h in &r.halls {
        let days: Vec<String> = h.inspection_days.iter().map(ToString::to_string).collect();
        write_row(sheet, row, &h.hall.key, ("营业厅 hall", &h.hall), Some(&days.join(", ")), f)?;
        row += 1;
        for s in &h.staff {
            write_row(sheet, row, &h.hall.key, ("员工 staff", s), None, f)?;
            row += 1;
        }
    }
    Ok(())
}

fn write_row(
    sheet: &mut Worksheet,
    row: u32,
    hall: &str,
    (kind, r): (&str, &InspectionRow),
    days: Option<&str>,
    f: &Formats,
) -> Result<(), XlsxError> {
    sheet.write_string(row, 0, hall)?;
    sheet.write_string(row, 1, kind)?;
    sheet.write_string(row, 2, &r.key)?;
    sheet.write_string(row, 3, &r.label)?;
    if let Some(days) = days {
        sheet.write_string(row, 4, days)?;
    }
    sheet.write_number_with_format(row, 5, f64::from(r.days), &f.count)?;
    sheet.write_number_with_format(row, 6, f64::from(r.inspection.days), &f.count)?;
    sheet.write_number_with_format(row, 7, f64::from(r.other.days), &f.count)?;
    // A figure as a number (ms as minutes), or an empty cell.
    let mut put = |col: u16, v: Option<f64>, format: &Format, scale: f64| match v {
        Some(v) => sheet.write_number_with_format(row, col, v / scale, format).map(|_| ()),
        None => Ok(()),
    };
    let mut col = 8u16;
    for g in &FIGURES {
        let (format, scale) = if g.minutes { (&f.decimal, 60_000.0) } else { (&f.percent, 1.0) };
        put(col, (g.value)(&r.inspection), format, scale)?;
        put(col + 1, (g.value)(&r.other), format, scale)?;
        put(col + 2, (g.difference)(&r.difference), &f.decimal, scale)?;
        col += 3;
    }
    let c = &r.consistency;
    put(col, c.within_target_wait_sd_pp, &f.decimal, 1.0)?;
    put(col + 1, Some(f64::from(c.within_target_wait_days)), &f.count, 1.0)?;
    put(col + 2, c.satisfaction_sd_pp, &f.decimal, 1.0)?;
    put(col + 3, Some(f64::from(c.satisfaction_days)), &f.count, 1.0)?;
    if r.flag {
        sheet.write_string_with_format(row, col + 4, "是 yes", &f.text)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use calamine::{Data, Reader as _, Xlsx};
    use chrono::NaiveDate;
    use hallq_core::Targets;
    use hallq_store::{Consistency, InspectionHall};

    use super::*;
    use crate::{Scope, xlsx_with};

    fn figures(days: u32, wait_min: i64, within: f64, sat: Option<f64>) -> DayFigures {
        DayFigures {
            days,
            legs: u64::from(days) * 4,
            wait_mean_ms: Some(wait_min * 60_000),
            within_target_wait: Some(within),
            handling_mean_ms: Some(150_000),
            satisfaction: sat,
            rating_coverage: Some(1.0),
        }
    }

    fn row(key: &str, label: &str, on: DayFigures, off: DayFigures, flag: bool) -> InspectionRow {
        InspectionRow {
            key: key.into(),
            label: label.into(),
            days: on.days + off.days,
            difference: Difference {
                wait_mean_ms: Some(on.wait_mean_ms.unwrap() - off.wait_mean_ms.unwrap()),
                within_target_wait_pp: Some((on.within_target_wait.unwrap() - off.within_target_wait.unwrap()) * 100.0),
                ..Difference::default()
            },
            inspection: on,
            other: off,
            consistency: Consistency {
                within_target_wait_sd_pp: Some(12.5),
                within_target_wait_days: 3,
                satisfaction_sd_pp: None,
                satisfaction_days: 1,
            },
            flag,
        }
    }

    #[test]
    fn the_inspection_sheet_follows_the_groupings_with_a_row_per_hall_and_staff_member() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 4).unwrap();
        let report = Inspection {
            from: d,
            to: d,
            flag_points: 10.0,
            halls: vec![InspectionHall {
                id: uuid::Uuid::nil(),
                inspection_days: vec![d, d.succ_opt().unwrap()],
                hall: row("T1", "测试营业厅", figures(1, 6, 1.0, Some(0.75)), figures(2, 12, 0.5, None), true),
                staff: vec![row("1002", "李强", figures(1, 9, 0.8, None), figures(2, 9, 0.8, None), false)],
            }],
        };
        let scope = Scope { halls: "T1 测试营业厅", from: d, to: d, targets: &Targets::default() };
        let bytes = xlsx_with(&scope, &[], Some(&report), None).unwrap();
        let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).unwrap();
        assert_eq!(book.sheet_names(), ["汇总 Summary", SHEET]);
        let sheet = book.worksheet_range(SHEET).unwrap();
        let rows: Vec<Vec<Data>> = sheet.rows().map(<[Data]>::to_vec).collect();
        let col = |name: &str| {
            rows[0].iter().position(|h| matches!(h, Data::String(s) if s == name)).unwrap_or_else(|| panic!("{name}"))
        };
        assert_eq!(rows.len(), 3, "a header, the hall, its staff member");
        let hall = &rows[1];
        assert_eq!(hall[col("键\nKey")], Data::String("T1".into()));
        assert_eq!(hall[col("稽查日\nInspection days")], Data::String("2026-11-04, 2026-11-05".into()));
        assert_eq!(hall[col("稽查日 平均等候(分)\ninspection wait mean (min)")], Data::Float(6.0));
        assert_eq!(hall[col("其他日 等候达标%\nother days within target wait %")], Data::Float(0.5));
        assert_eq!(hall[col("差 等候达标(百分点)\ndifference within target wait (pp)")], Data::Float(50.0));
        assert_eq!(hall[col("差 平均等候(分)\ndifference wait mean (min)")], Data::Float(-6.0));
        assert_eq!(hall[col("其他日 满意率%\nother days satisfaction %")], Data::Empty, "no figure, no cell");
        assert_eq!(hall[col("等候达标标准差(百分点)\nwithin target SD (pp)")], Data::Float(12.5));
        let flag = col("仅稽查日达标(≥10 百分点)\ngood only on inspection days");
        assert_eq!(hall[flag], Data::String("是 yes".into()));
        assert_eq!(rows[2][col("类别\nRow")], Data::String("员工 staff".into()));
        assert_eq!(rows[2][col("名称\nName")], Data::String("李强".into()));
        assert!(matches!(rows[2].get(flag), None | Some(Data::Empty)), "not flagged");
    }
}
