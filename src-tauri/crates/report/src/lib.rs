//! KPI reports as files a bureau files and opens in Excel: CSV (UTF-8 with a
//! byte-order mark, so Excel on Chinese Windows reads the Chinese headers)
//! of one grouping, and XLSX with a summary sheet and one sheet per
//! grouping. Both `GET /api/v1/reports/export` (hallq-server) and
//! `hallq report` (hallq-cli) write them from here, so the two give the
//! same file; it sits below both so that the command line does not need the
//! server for a file format.
//!
//! Headers are Chinese with English; in XLSX every figure is a number
//! (minutes with one decimal, shares as percentages), and a figure below
//! the bureau's target is marked (red, and named in the last column). Halls
//! compared side by side are ranked ([`rank_halls`]). An export may add the
//! inspection-day comparison as a sheet of its own (`inspection`), and the
//! commitments report as another (`cases`). A sheet may carry a grouping
//! the hall does not know under a name of its own ([`KpiSheet`]: the
//! bureau centre's counties).
//!
//! The monthly team scorecard (班组考核) has its own one-sheet workbook for
//! the month's pay review ([`team_scorecard_xlsx`]): the weights, then each
//! team's sub-scores, score and rank.

use chrono::NaiveDate;
use hallq_core::{Kpis, Targets};
use hallq_store::{GroupBy, KpiReport, TeamScorecard};
use rust_xlsxwriter::{Color, Format, FormatAlign, Workbook, Worksheet, XlsxError};

mod cases;
mod inspection;
pub use cases::{SHEET as CASES_SHEET, csv as cases_csv};
pub use inspection::SHEET as INSPECTION_SHEET;

/// How a column's figure reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A count.
    Count,
    /// Milliseconds shown as minutes.
    Minutes,
    /// A share shown as a percentage.
    Percent,
    /// A number with one decimal.
    Decimal,
}

/// Which target a column is held to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// Share called within the target wait.
    WithinTargetWait,
    /// Satisfaction.
    Satisfaction,
    /// Rating coverage.
    RatingCoverage,
}

impl Target {
    /// The target's value.
    pub fn of(self, t: &Targets) -> f64 {
        match self {
            Self::WithinTargetWait => t.within_target_wait,
            Self::Satisfaction => t.satisfaction,
            Self::RatingCoverage => t.rating_coverage,
        }
    }
}

/// One KPI column.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    /// Chinese header.
    pub zh: &'static str,
    /// English header.
    pub en: &'static str,
    /// How it reads.
    pub kind: Kind,
    /// The raw figure (ms for minutes, 0..1 for percentages), `None` when
    /// undefined.
    pub value: fn(&Kpis) -> Option<f64>,
    /// The target it is held to, if any.
    pub target: Option<Target>,
}

impl Column {
    /// The figure as people read it: minutes or percent with one decimal.
    pub fn text(&self, k: &Kpis) -> Option<String> {
        (self.value)(k).map(|v| match self.kind {
            Kind::Count => format!("{v:.0}"),
            Kind::Minutes => format!("{:.1}", v / 60_000.0),
            Kind::Percent => format!("{:.1}", v * 100.0),
            Kind::Decimal => format!("{v:.1}"),
        })
    }

    /// Whether the figure is below its target (undefined figures are not).
    pub fn below(&self, k: &Kpis, t: &Targets) -> bool {
        match (self.target, (self.value)(k)) {
            (Some(target), Some(v)) => v < target.of(t),
            _ => false,
        }
    }
}

fn n(v: u64) -> Option<f64> {
    Some(v as f64)
}

fn ms(v: Option<i64>) -> Option<f64> {
    v.map(|v| v as f64)
}

/// The KPI columns of every table, CSV and sheet, in order.
pub const COLUMNS: &[Column] = &[
    // Issued counts visits, served counts legs (a transfer queues again):
    // the names say so, so that no one reads them as the same unit.
    Column { zh: "取号人次", en: "issued (visits)", kind: Kind::Count, value: |k| n(k.issued), target: None },
    Column { zh: "办结笔数", en: "served (legs)", kind: Kind::Count, value: |k| n(k.served), target: None },
    Column { zh: "过号率%", en: "no-show %", kind: Kind::Percent, value: |k| k.no_show_rate, target: None },
    Column {
        zh: "未办离开%",
        en: "left w/o service %",
        kind: Kind::Percent,
        value: |k| k.left_without_service_rate,
        target: None,
    },
    Column {
        zh: "平均等候(分)",
        en: "wait mean (min)",
        kind: Kind::Minutes,
        value: |k| ms(k.wait_mean_ms),
        target: None,
    },
    Column {
        zh: "等候P50(分)", en: "wait p50 (min)", kind: Kind::Minutes, value: |k| ms(k.wait_p50_ms), target: None
    },
    Column {
        zh: "等候P90(分)", en: "wait p90 (min)", kind: Kind::Minutes, value: |k| ms(k.wait_p90_ms), target: None
    },
    Column {
        zh: "最长等候(分)",
        en: "wait max (min)",
        kind: Kind::Minutes,
        value: |k| ms(k.wait_max_ms),
        target: None,
    },
    Column {
        zh: "等候达标%",
        en: "within target wait %",
        kind: Kind::Percent,
        value: |k| k.within_target_wait,
        target: Some(Target::WithinTargetWait),
    },
    Column {
        zh: "平均办理(分)",
        en: "handling mean (min)",
        kind: Kind::Minutes,
        value: |k| ms(k.handling_mean_ms),
        target: None,
    },
    Column {
        zh: "办理P50(分)",
        en: "handling p50 (min)",
        kind: Kind::Minutes,
        value: |k| ms(k.handling_p50_ms),
        target: None,
    },
    Column {
        zh: "办理P90(分)",
        en: "handling p90 (min)",
        kind: Kind::Minutes,
        value: |k| ms(k.handling_p90_ms),
        target: None,
    },
    Column {
        zh: "办理达标%",
        en: "within target handling %",
        kind: Kind::Percent,
        value: |k| k.within_target_handling,
        target: None,
    },
    Column { zh: "最高排队", en: "peak queue", kind: Kind::Count, value: |k| n(k.peak_queue), target: None },
    Column {
        zh: "每小时到达", en: "arrivals/h", kind: Kind::Decimal, value: |k| k.arrivals_per_hour, target: None
    },
    Column { zh: "窗口利用率%", en: "utilisation %", kind: Kind::Percent, value: |k| k.utilisation, target: None },
    Column {
        zh: "满意率%",
        en: "satisfaction %",
        kind: Kind::Percent,
        value: |k| k.satisfaction,
        target: Some(Target::Satisfaction),
    },
    Column {
        zh: "评价率%",
        en: "rating coverage %",
        kind: Kind::Percent,
        value: |k| k.rating_coverage,
        target: Some(Target::RatingCoverage),
    },
];

/// The names of the targets a row misses, e.g. `等候达标 within target wait`.
pub fn misses(k: &Kpis, t: &Targets) -> Vec<String> {
    COLUMNS
        .iter()
        .filter(|c| c.below(k, t))
        .map(|c| format!("{} {}", c.zh.trim_end_matches('%'), c.en.trim_end_matches(" %")))
        .collect()
}

/// Orders a by-hall report best first: the share called within the target
/// wait, then satisfaction (undefined last), then the hall code.
pub fn rank_halls(report: &mut KpiReport) {
    let key = |v: Option<f64>| v.unwrap_or(-1.0);
    report.groups.sort_by(|a, b| {
        key(b.kpis.within_target_wait)
            .total_cmp(&key(a.kpis.within_target_wait))
            .then(key(b.kpis.satisfaction).total_cmp(&key(a.kpis.satisfaction)))
            .then(a.key.cmp(&b.key))
    });
}

/// The sheets of a workbook: the grouping asked for first, then every
/// other one (by hall only when several halls are reported).
pub fn sheets(by: GroupBy, all_halls: bool) -> Vec<GroupBy> {
    let others = [
        GroupBy::Hall,
        GroupBy::Service,
        GroupBy::Counter,
        GroupBy::Staff,
        GroupBy::Hour,
        GroupBy::Weekday,
        GroupBy::Day,
    ];
    std::iter::once(by).chain(others.into_iter().filter(|b| *b != by && (all_halls || *b != GroupBy::Hall))).collect()
}

/// A grouping in Chinese and English, for titles and sheet names.
pub fn grouping_name(by: GroupBy) -> (&'static str, &'static str) {
    match by {
        GroupBy::Total => ("合计", "Total"),
        GroupBy::Hall => ("按营业厅", "By hall"),
        GroupBy::Service => ("按业务", "By service"),
        GroupBy::Counter => ("按窗口", "By counter"),
        GroupBy::Staff => ("按员工", "By staff"),
        GroupBy::Team => ("按班组", "By team"),
        GroupBy::Hour => ("按时段", "By hour"),
        GroupBy::Day => ("按日", "By day"),
        GroupBy::Weekday => ("按星期", "By weekday"),
    }
}

/// The rows of a report: every group, then the total (`key` "total").
pub fn rows(report: &KpiReport) -> impl Iterator<Item = (&str, &str, &Kpis)> {
    report.groups.iter().map(|g| (g.key.as_str(), g.label.as_str(), &g.kpis)).chain(std::iter::once((
        "total",
        "合计 Total",
        &report.total,
    )))
}

const MISSES_ZH: &str = "未达目标";
const MISSES_EN: &str = "below target";

/// One grouping as CSV: a byte-order mark, a `中文/English` header row,
/// one row per group and the total; figures as in the table (minutes and
/// percentages with one decimal), empty when undefined; the last column
/// names the targets a row misses.
pub fn csv(report: &KpiReport, targets: &Targets) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(vec![0xEF, 0xBB, 0xBF]);
    let header: Vec<String> = ["键/key".to_string(), "分组/group".to_string()]
        .into_iter()
        .chain(COLUMNS.iter().map(|c| format!("{}/{}", c.zh, c.en)))
        .chain(std::iter::once(format!("{MISSES_ZH}/{MISSES_EN}")))
        .collect();
    w.write_record(&header)?;
    for (key, label, k) in rows(report) {
        let record: Vec<String> = [key.to_string(), label.to_string()]
            .into_iter()
            .chain(COLUMNS.iter().map(|c| c.text(k).unwrap_or_default()))
            .chain(std::iter::once(misses(k, targets).join("; ")))
            .collect();
        w.write_record(&record)?;
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

/// What a workbook is about, for its summary sheet.
#[derive(Debug, Clone)]
pub struct Scope<'a> {
    /// The halls covered, e.g. `TS01 城关营业厅` or `所有营业厅 all halls`.
    pub halls: &'a str,
    /// First business day.
    pub from: NaiveDate,
    /// Last business day.
    pub to: NaiveDate,
    /// The targets marked.
    pub targets: &'a Targets,
}

/// A workbook: a summary sheet (scope, targets, the total KPIs) and one
/// sheet per report, in the order given.
pub fn xlsx(scope: &Scope<'_>, reports: &[KpiReport]) -> Result<Vec<u8>, XlsxError> {
    xlsx_with(scope, reports, None, None)
}

/// One grouping's sheet: its name, its report, and whether its rows are
/// ranked (numbered best first).
#[derive(Debug, Clone)]
pub struct KpiSheet<'a> {
    /// The sheet's name (`按县 By county`).
    pub name: String,
    /// Its rows.
    pub report: &'a KpiReport,
    /// A rank column first (halls ranked by [`rank_halls`]).
    pub ranked: bool,
}

impl<'a> KpiSheet<'a> {
    /// A report's sheet named by its grouping ([`grouping_name`]), ranked
    /// when by hall.
    pub fn of(report: &'a KpiReport) -> Self {
        let (zh, en) = grouping_name(report.by);
        Self { name: format!("{zh} {en}"), report, ranked: report.by == GroupBy::Hall }
    }
}

/// [`xlsx`], then, when given, the sheet [`INSPECTION_SHEET`] (inspection
/// days against the other days, and consistency, per hall and staff member)
/// and the sheet [`CASES_SHEET`] (the commitments report).
pub fn xlsx_with(
    scope: &Scope<'_>,
    reports: &[KpiReport],
    inspection: Option<&hallq_store::Inspection>,
    cases: Option<&hallq_store::CaseReport>,
) -> Result<Vec<u8>, XlsxError> {
    let sheets: Vec<KpiSheet<'_>> = reports.iter().map(KpiSheet::of).collect();
    xlsx_sheets(scope, &sheets, inspection, cases)
}

/// [`xlsx_with`] with each KPI sheet named and ranked as given.
pub fn xlsx_sheets(
    scope: &Scope<'_>,
    sheets: &[KpiSheet<'_>],
    inspection: Option<&hallq_store::Inspection>,
    cases: Option<&hallq_store::CaseReport>,
) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let f = Formats::new();
    let sheet = wb.add_worksheet();
    sheet.set_name("汇总 Summary")?;
    summary(sheet, scope, sheets.first().map(|s| &s.report.total), &f)?;
    for s in sheets {
        let sheet = wb.add_worksheet();
        sheet.set_name(&s.name)?;
        grouping(sheet, s.report, s.ranked, scope.targets, &f)?;
    }
    if let Some(i) = inspection {
        let sheet = wb.add_worksheet();
        sheet.set_name(INSPECTION_SHEET)?;
        inspection::sheet(sheet, i, &f)?;
    }
    if let Some(c) = cases {
        let sheet = wb.add_worksheet();
        sheet.set_name(CASES_SHEET)?;
        cases::sheet(sheet, c, &f)?;
    }
    wb.save_to_buffer()
}

struct Formats {
    header: Format,
    title: Format,
    count: Format,
    decimal: Format,
    percent: Format,
    percent_low: Format,
    text: Format,
}

impl Formats {
    fn new() -> Self {
        let low = Color::RGB(0xC0_00_00);
        Self {
            header: Format::new().set_bold().set_text_wrap().set_align(FormatAlign::Center),
            title: Format::new().set_bold().set_font_size(14),
            count: Format::new().set_num_format("0"),
            decimal: Format::new().set_num_format("0.0"),
            percent: Format::new().set_num_format("0.0%"),
            percent_low: Format::new().set_num_format("0.0%").set_font_color(low).set_bold(),
            text: Format::new(),
        }
    }
}

/// Writes one KPI figure as a number (minutes converted), or nothing.
fn figure(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    c: &Column,
    k: &Kpis,
    t: &Targets,
    f: &Formats,
) -> Result<(), XlsxError> {
    let Some(v) = (c.value)(k) else { return Ok(()) };
    let (v, format) = match c.kind {
        Kind::Count => (v, &f.count),
        Kind::Minutes => (v / 60_000.0, &f.decimal),
        Kind::Decimal => (v, &f.decimal),
        Kind::Percent if c.below(k, t) => (v, &f.percent_low),
        Kind::Percent => (v, &f.percent),
    };
    sheet.write_number_with_format(row, col, v, format)?;
    Ok(())
}

fn summary(sheet: &mut Worksheet, scope: &Scope<'_>, total: Option<&Kpis>, f: &Formats) -> Result<(), XlsxError> {
    sheet.write_string_with_format(0, 0, "营业厅服务指标报表 Hall responsiveness report", &f.title)?;
    let info = [
        ("营业厅 Halls", scope.halls.to_string()),
        ("起始营业日 From", scope.from.to_string()),
        ("截止营业日 To", scope.to.to_string()),
    ];
    for (i, (k, v)) in info.iter().enumerate() {
        sheet.write_string_with_format(2 + i as u32, 0, *k, &f.header)?;
        sheet.write_string(2 + i as u32, 1, v)?;
    }
    let top = 6;
    for (c, h) in ["指标", "Indicator", "合计 Total", "目标 Target", "未达目标 Below target"].iter().enumerate()
    {
        sheet.write_string_with_format(top, c as u16, *h, &f.header)?;
    }
    let empty = Kpis::default();
    let k = total.unwrap_or(&empty);
    for (i, c) in COLUMNS.iter().enumerate() {
        let row = top + 1 + i as u32;
        sheet.write_string(row, 0, c.zh)?;
        sheet.write_string(row, 1, c.en)?;
        figure(sheet, row, 2, c, k, scope.targets, f)?;
        if let Some(t) = c.target {
            sheet.write_number_with_format(row, 3, t.of(scope.targets), &f.percent)?;
            if c.below(k, scope.targets) {
                sheet.write_string_with_format(row, 4, "是 yes", &f.text)?;
            }
        }
    }
    sheet.set_column_width(0, 16)?;
    sheet.set_column_width(1, 24)?;
    sheet.set_column_width(2, 14)?;
    sheet.set_column_width(3, 12)?;
    sheet.set_column_width(4, 16)?;
    Ok(())
}

fn grouping(sheet: &mut Worksheet, r: &KpiReport, ranked: bool, t: &Targets, f: &Formats) -> Result<(), XlsxError> {
    let mut headers: Vec<(String, f64)> = Vec::new();
    if ranked {
        headers.push(("名次\nRank".into(), 6.0));
    }
    headers.push(("键\nKey".into(), 12.0));
    headers.push(("分组\nGroup".into(), 22.0));
    let first = headers.len() as u16;
    headers.extend(COLUMNS.iter().map(|c| (format!("{}\n{}", c.zh, c.en), 12.0)));
    headers.push((format!("{MISSES_ZH}\n{MISSES_EN}"), 30.0));
    let misses_col = headers.len() as u16 - 1;
    for (col, (text, width)) in headers.into_iter().enumerate() {
        sheet.write_string_with_format(0, col as u16, text, &f.header)?;
        sheet.set_column_width(col as u16, width)?;
    }
    sheet.set_row_height(0, 32)?;
    sheet.set_freeze_panes(1, first)?;
    for (i, (key, label, k)) in rows(r).enumerate() {
        let row = 1 + i as u32;
        let mut c = 0u16;
        if ranked {
            if key != "total" {
                sheet.write_number_with_format(row, 0, (i + 1) as f64, &f.count)?;
            }
            c += 1;
        }
        sheet.write_string(row, c, key)?;
        sheet.write_string(row, c + 1, label)?;
        for (j, column) in COLUMNS.iter().enumerate() {
            figure(sheet, row, first + j as u16, column, k, t, f)?;
        }
        let m = misses(k, t);
        if !m.is_empty() {
            sheet.write_string(row, misses_col, m.join("; "))?;
        }
    }
    Ok(())
}

/// The team scorecard's workbook: one sheet "班组考核 Team scorecard" with
/// the halls and month, the weights, and one row per team (rank, staff,
/// legs, each sub-score as a percentage with the counts behind it, the
/// score out of 100), best first.
pub fn team_scorecard_xlsx(halls: &str, card: &TeamScorecard) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let f = Formats::new();
    let sheet = wb.add_worksheet();
    sheet.set_name("班组考核 Team scorecard")?;
    sheet.write_string_with_format(0, 0, "班组月度考核 Monthly team scorecard", &f.title)?;
    let info = [("营业厅 Halls", halls.to_string()), ("月份 Month", card.month.to_string())];
    for (i, (k, v)) in info.iter().enumerate() {
        sheet.write_string_with_format(2 + i as u32, 0, *k, &f.header)?;
        sheet.write_string(2 + i as u32, 1, v)?;
    }
    sheet.write_string_with_format(5, 0, "权重 Weights", &f.header)?;
    for (i, ((zh, en), w)) in SCORE_PARTS.iter().zip(card.weights.as_array()).enumerate() {
        let row = 6 + i as u32;
        sheet.write_string(row, 0, format!("{zh} {en}"))?;
        sheet.write_number_with_format(row, 1, w, &f.percent)?;
    }
    let top = 12;
    let headers = [
        ("名次", "Rank"),
        ("班组", "Team"),
        ("人数", "Staff"),
        ("叫号", "Legs called"),
        ("办结", "Served"),
        SCORE_PARTS[0],
        SCORE_PARTS[1],
        SCORE_PARTS[2],
        ("回访", "Follow-ups"),
        ("逾期回访", "Overdue follow-ups"),
        SCORE_PARTS[3],
        ("未到号", "No-shows"),
        ("重呼足次", "Recalled in full"),
        SCORE_PARTS[4],
        ("总分", "Score"),
    ];
    for (c, (zh, en)) in headers.iter().enumerate() {
        sheet.write_string_with_format(top, c as u16, format!("{zh}\n{en}"), &f.header)?;
        sheet.set_column_width(c as u16, [22.0, 18.0].get(c).copied().unwrap_or(11.0))?;
    }
    sheet.set_row_height(top, 32)?;
    sheet.set_freeze_panes(top + 1, 2)?;
    for (i, t) in card.teams.iter().enumerate() {
        let row = top + 1 + i as u32;
        sheet.write_number_with_format(row, 0, f64::from(t.rank), &f.count)?;
        sheet.write_string(row, 1, &t.label)?;
        let cells: [(f64, &Format); 13] = [
            (t.staff as f64, &f.count),
            (t.legs as f64, &f.count),
            (t.served as f64, &f.count),
            (t.within_target_wait, &f.percent),
            (t.satisfaction, &f.percent),
            (t.rating_coverage, &f.percent),
            (t.follow_ups as f64, &f.count),
            (t.overdue_follow_ups as f64, &f.count),
            (t.follow_up_score, &f.percent),
            (t.no_shows as f64, &f.count),
            (t.no_shows_recalled as f64, &f.count),
            (t.no_show_score, &f.percent),
            (t.score, &f.decimal),
        ];
        for (j, (v, format)) in cells.into_iter().enumerate() {
            sheet.write_number_with_format(row, 2 + j as u16, v, format)?;
        }
    }
    wb.save_to_buffer()
}

/// The five parts of a team's score, in [`hallq_core::ScoreWeights::as_array`] order.
const SCORE_PARTS: [(&str, &str); 5] = [
    ("等候达标", "Within target wait"),
    ("满意度", "Satisfaction"),
    ("评价率", "Rating coverage"),
    ("回访及时", "Follow-ups on time"),
    ("未到号处理", "No-show handling"),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn kpis(within: Option<f64>, sat: Option<f64>, cov: Option<f64>) -> Kpis {
        Kpis { within_target_wait: within, satisfaction: sat, rating_coverage: cov, ..Kpis::default() }
    }

    #[test]
    fn a_row_misses_exactly_the_targets_it_is_below() {
        let t = Targets::default();
        assert!(misses(&kpis(Some(0.8), Some(0.95), Some(0.6)), &t).is_empty(), "at target is not below");
        let m = misses(&kpis(Some(0.79), None, Some(0.2)), &t);
        assert_eq!(m, ["等候达标 within target wait", "评价率 rating coverage"]);
    }

    #[test]
    fn halls_rank_by_wait_share_then_satisfaction() {
        let g = |key: &str, k: Kpis| hallq_store::KpiGroup {
            key: key.into(),
            label: key.into(),
            label_en: key.into(),
            kpis: k,
        };
        let d = NaiveDate::default();
        let mut r = KpiReport {
            from: d,
            to: d,
            by: GroupBy::Hall,
            total: Kpis::default(),
            groups: vec![
                g("A", kpis(Some(0.7), Some(0.99), None)),
                g("B", kpis(None, None, None)),
                g("C", kpis(Some(0.9), Some(0.90), None)),
                g("D", kpis(Some(0.9), Some(0.97), None)),
            ],
        };
        rank_halls(&mut r);
        let order: Vec<&str> = r.groups.iter().map(|g| g.key.as_str()).collect();
        assert_eq!(order, ["D", "C", "A", "B"]);
    }

    #[test]
    fn the_team_scorecard_workbook_has_the_weights_and_every_teams_figures() {
        use calamine::{Data, Reader as _, Xlsx};
        let team = |key: &str, rank: u32, score: f64| hallq_store::TeamScore {
            key: key.into(),
            label: key.into(),
            label_en: key.into(),
            staff: 2,
            legs: 6,
            served: 5,
            within_target_wait: 0.5,
            satisfaction: 0.5,
            rating_coverage: 0.8,
            follow_ups: 2,
            overdue_follow_ups: 1,
            follow_up_score: 0.5,
            no_shows: 1,
            no_shows_recalled: 0,
            no_show_score: 0.0,
            score,
            rank,
        };
        let card = TeamScorecard {
            month: "2026-11".parse().unwrap(),
            from: "2026-11-01".parse().unwrap(),
            to: "2026-11-30".parse().unwrap(),
            weights: hallq_core::ScoreWeights::default(),
            teams: vec![team("乙班", 1, 61.25), team("甲班", 2, 49.5)],
        };
        let bytes = team_scorecard_xlsx("T1 测试营业厅", &card).unwrap();
        let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(wb.sheet_names(), ["班组考核 Team scorecard"]);
        let sheet = wb.worksheet_range("班组考核 Team scorecard").unwrap();
        let at = |r: u32, c: u32| sheet.get_value((r, c)).cloned().unwrap_or(Data::Empty);
        assert_eq!(at(3, 1), Data::String("2026-11".into()));
        let weights: Vec<Data> = (6..11).map(|r| at(r, 1)).collect();
        assert_eq!(weights, [0.3, 0.3, 0.15, 0.15, 0.1].map(Data::Float));
        assert_eq!(at(12, 14), Data::String("总分\nScore".into()));
        assert_eq!(
            (at(13, 0), at(13, 1), at(13, 14)),
            (Data::Float(1.0), Data::String("乙班".into()), Data::Float(61.25))
        );
        let jia: Vec<Data> = (0..15).map(|c| at(14, c)).collect();
        let mut want = vec![Data::Float(2.0), Data::String("甲班".into())];
        want.extend([2.0, 6.0, 5.0, 0.5, 0.5, 0.8, 2.0, 1.0, 0.5, 1.0, 0.0, 0.0, 49.5].map(Data::Float));
        assert_eq!(jia, want);
    }
}
