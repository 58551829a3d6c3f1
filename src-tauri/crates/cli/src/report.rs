//! `hallq report`: the responsiveness KPIs (DESIGN §4) of a date range,
//! grouped by hall, service, counter, staff, team, hour, day or weekday, with a
//! total row — as a table, the store's `KpiReport` in JSON, CSV (UTF-8 with
//! a BOM, bilingual header row) or XLSX (a summary sheet and one sheet per
//! grouping, and the inspection days against the other days when the range
//! has tickets), to standard output or `--out FILE`. By hall, halls are ranked
//! and figures below the bureau's targets are marked (▼).
//!
//! The KPIs are computed by the store (from core's `KpiAccumulator`); the
//! CSV and XLSX files are hallq-report's (shared with the hall server),
//! so the CLI and `GET /api/v1/reports/export` write the same file. This
//! module only chooses the range and the grouping and lays the numbers out.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::Result;
use hallq_report::{self as report_file, COLUMNS, Scope};
use hallq_store::hallq_core::Targets;
use hallq_store::{GroupBy, KpiReport};

use crate::error::CliError;
use crate::format::{align_right, parse_date, print_json, table};
use crate::hall::ReportScope;
use crate::output::{Stdout, outln};

/// `hallq report` flags.
#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// 起始营业日（含）/ first business day, YYYY-MM-DD [default: 29 days before --to]
    #[arg(long, value_name = "DATE")]
    from: Option<String>,
    /// 截止营业日（含）/ last business day, YYYY-MM-DD [default: today]
    #[arg(long, value_name = "DATE")]
    to: Option<String>,
    /// 分组（hall 为数据库中所有营业厅）/ group by (hall: every hall of the database)
    #[arg(long, value_parser = group_by(), default_value = "total")]
    by: GroupBy,
    /// 输出格式 / output format
    #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
    format: ReportFormat,
    /// 写入文件（xlsx 在终端上必须指定）/ write to this file (required for xlsx on a terminal)
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// 工单时限报表：本期开出的工单按类型、员工、班组统计按时办结与逾期（表格或 JSON；xlsx 总含此表）/
    /// the commitments report instead: the cases opened in the range, on time, late and overdue, by
    /// type, staff and team (table or JSON; an XLSX always has this sheet)
    #[arg(long)]
    cases: bool,
}

/// `--by`'s values: the store's groupings by their API names, each with
/// its bilingual name (the XLSX sheet's) as help.
fn group_by() -> impl clap::builder::TypedValueParser<Value = GroupBy> {
    use clap::builder::TypedValueParser as _;
    let values = GroupBy::ALL.map(|g| {
        let (zh, en) = report_file::grouping_name(g);
        clap::builder::PossibleValue::new(g.as_str()).help(format!("{zh} / {en}"))
    });
    clap::builder::PossibleValuesParser::new(values)
        .map(|name| name.parse::<GroupBy>().expect("a name from GroupBy::ALL"))
}

/// Report output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum ReportFormat {
    /// 表格 / a table
    Table,
    /// JSON (the KpiReport)
    Json,
    /// CSV（UTF-8 带 BOM），首行为中英表头 / CSV (UTF-8 with BOM) with a bilingual header row
    Csv,
    /// Excel 工作簿：汇总表、每种分组一张表和稽查日对比 / an Excel workbook: a summary sheet, one sheet per grouping and the inspection days
    Xlsx,
}

/// Runs `hallq report`.
pub fn run(db: &Path, hall: Option<&str>, a: &ReportArgs) -> Result<()> {
    // Dates are checked before the database is touched: a typo is a typo.
    let from = a.from.as_deref().map(parse_date).transpose()?;
    let to = a.to.as_deref().map(parse_date).transpose()?;

    // By hall, or with `--hall all`, every hall of the database (a bureau's).
    let opened = ReportScope::open(db, hall, (a.by == GroupBy::Hall && hall.is_none()) || hall == Some("all"))?;
    let (from, to) = opened.range(from, to, 30)?;
    let ReportScope { store, reference, hall: hall_id } = opened;
    if a.format == ReportFormat::Xlsx && a.out.is_none() && std::io::stdout().is_terminal() {
        return Err(CliError::input(
            "XLSX 是二进制文件，不能输出到终端：请用 --out 文件名.xlsx 指定，或重定向到文件",
            "XLSX is a binary file and is not written to a terminal: give --out FILE.xlsx or redirect the output",
        )
        .into());
    }
    if a.cases {
        return cases(&store, hall_id, from, to, a.format, a.out.as_deref());
    }
    let targets = reference.targets;
    let scope = match hall_id {
        Some(_) => format!("{} {}", reference.code, reference.name),
        None => "所有营业厅 / all halls".to_string(),
    };
    let by = a.by;
    let bys = match a.format {
        ReportFormat::Xlsx => report_file::sheets(by, hall_id.is_none()),
        _ => vec![by],
    };
    // XLSX also gets the inspection-day sheet, from the same pass (as the server's export).
    let (mut reports, inspection, cases) = match a.format {
        ReportFormat::Xlsx => {
            let reader = store.reader()?;
            let (reports, inspection) = reader.kpis_and_inspection(hall_id, from, to, &bys)?;
            let cases = reader.case_report(hall_id, from, to, chrono::Utc::now().timestamp_millis())?;
            (reports, inspection.has_legs().then_some(inspection), (cases.total.opened > 0).then_some(cases))
        }
        _ => (store.reader()?.kpis_many(hall_id, from, to, &bys)?, None, None),
    };
    for r in reports.iter_mut().filter(|r| r.by == GroupBy::Hall) {
        report_file::rank_halls(r);
    }
    let report = &reports[0];
    let bytes: Vec<u8> = match a.format {
        ReportFormat::Json => {
            if a.out.is_none() {
                return print_json(report);
            }
            serde_json::to_vec_pretty(report)?
        }
        ReportFormat::Csv => report_file::csv(report, &targets)?,
        ReportFormat::Xlsx => {
            let scope = Scope { halls: &scope, from, to, targets: &targets };
            report_file::xlsx_with(&scope, &reports, inspection.as_ref(), cases.as_ref()).map_err(|e| {
                CliError::failure(format!("无法生成 XLSX：{e}"), format!("could not build the XLSX: {e}"))
            })?
        }
        ReportFormat::Table => {
            let text = format!(
                "{scope} · {from} – {to} · {} / by {}\n{}\n{}",
                report_file::grouping_name(a.by).0,
                by.as_str(),
                render_table(report, &targets),
                targets_line(&targets)
            );
            if a.out.is_none() {
                outln!("{text}")?;
                return Ok(());
            }
            text.into_bytes()
        }
    };
    write_out(a.out.as_deref(), &bytes)
}

/// A report's bytes into `--out`, or to stdout.
pub(crate) fn write_out(path: Option<&Path>, bytes: &[u8]) -> Result<()> {
    match path {
        Some(path) => std::fs::write(path, bytes).map_err(|e| {
            CliError::failure(
                format!("无法写入 {}：{e}", path.display()),
                format!("cannot write {}: {e}", path.display()),
            )
        })?,
        None => {
            let mut out = Stdout::lock();
            out.write_all(bytes)?;
            out.flush()?;
        }
    }
    Ok(())
}

/// The targets under a table, so a ▼ can be read.
pub(crate) fn targets_line(t: &Targets) -> String {
    format!(
        "▼ 低于目标 / below target — 等候达标 within target wait ≥ {:.0}%, 满意率 satisfaction ≥ {:.0}%, 评价率 rating coverage ≥ {:.0}%",
        t.within_target_wait * 100.0,
        t.satisfaction * 100.0,
        t.rating_coverage * 100.0
    )
}

/// The table: one row per group (ranked by hall), then the total; a
/// figure below its target carries ▼.
pub(crate) fn render_table(report: &KpiReport, targets: &Targets) -> String {
    let ranked = report.by == GroupBy::Hall;
    let headers: Vec<String> = std::iter::once("分组\nGroup".to_string())
        .chain(COLUMNS.iter().map(|c| format!("{}\n{}", c.zh, c.en)))
        .collect();
    let header_refs: Vec<&str> = headers.iter().map(String::as_str).collect();
    let mut t = table(&header_refs);
    for (i, (key, label, k)) in report_file::rows(report).enumerate() {
        let mut group = if key == label || key == "total" { label.to_string() } else { format!("{label} ({key})") };
        if ranked && key != "total" {
            group = format!("{}. {group}", i + 1);
        }
        t.add_row(
            std::iter::once(group)
                .chain(COLUMNS.iter().map(|c| {
                    let text = c.text(k).unwrap_or_else(|| "—".to_string());
                    if c.below(k, targets) { format!("▼ {text}") } else { text }
                }))
                .collect::<Vec<_>>(),
        );
    }
    align_right(&mut t, 1..=COLUMNS.len());
    t.to_string()
}

/// `hallq report --cases`: the commitments report, as a table (by type, then
/// by staff, then the total), CSV (the XLSX sheet's rows) or JSON.
fn cases(
    store: &hallq_store::Store,
    hall: Option<uuid::Uuid>,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
    format: ReportFormat,
    out: Option<&Path>,
) -> Result<()> {
    let r = store.reader()?.case_report(hall, from, to, chrono::Utc::now().timestamp_millis())?;
    match format {
        ReportFormat::Json => return print_json(&r),
        ReportFormat::Table => {}
        ReportFormat::Csv => return write_out(out, &hallq_report::cases_csv(&r)?),
        ReportFormat::Xlsx => {
            return Err(CliError::input(
                "工单时限报表可输出为表格、CSV 或 JSON；XLSX 报表（不带 --cases）里总有“工单时限”一表",
                "the commitments report is a table, CSV or JSON; an XLSX report (without --cases) has its sheet",
            )
            .into());
        }
    }
    outln!("工单时限 / commitments · {from} – {to}\n{}", cases_table(&r, false))?;
    Ok(())
}

/// The name of the commitments table's section by hall.
const HALL_SECTION: &str = "营业厅 hall";

/// The commitments report as a table: by hall (when `by_hall`: the
/// centre's, across halls), by type, by staff, by team, then the total.
pub(crate) fn cases_table(r: &hallq_store::CaseReport, by_hall: bool) -> String {
    let mut t = table(&[
        "分组 Group",
        "名称 Name",
        "开单 opened",
        "按时 on time",
        "超时 late",
        "按时率 rate",
        "未结 open",
        "逾期 overdue",
        "用时 p50/p90 (工作日 days)",
        "收件→录入 gap (min)",
        "挂起 holds",
    ]);
    let mut sections = vec![("类型 type", &r.by_type), ("员工 staff", &r.by_staff), ("班组 team", &r.by_team)];
    if by_hall {
        sections.insert(0, (HALL_SECTION, &r.by_hall));
    }
    let total = hallq_store::CaseGroup {
        key: String::new(),
        label: "合计".into(),
        label_en: "total".into(),
        kpis: r.total.clone(),
    };
    let rows = sections
        .iter()
        .flat_map(|(name, groups)| groups.iter().map(move |g| (*name, g)))
        .chain(std::iter::once(("", &total)));
    for (name, g) in rows {
        let k = &g.kpis;
        let overdue = match k.max_overdue_working_days {
            Some(d) => format!("{} ({d})", k.open_overdue),
            None => k.open_overdue.to_string(),
        };
        let days = match (k.close_working_days_p50, k.close_working_days_p90) {
            (Some(a), Some(b)) => format!("{a} / {b}"),
            _ => "—".into(),
        };
        let mut label = if g.label == g.label_en { g.label.clone() } else { format!("{} {}", g.label, g.label_en) };
        if name == HALL_SECTION {
            // Halls may share a name: each is shown with its code.
            label = format!("{} {label}", g.key);
        }
        t.add_row(vec![
            name.to_string(),
            label,
            k.opened.to_string(),
            k.closed_on_time.to_string(),
            k.closed_late.to_string(),
            k.on_time_rate.map_or_else(|| "—".into(), |x| format!("{:.1}%", x * 100.0)),
            k.open.to_string(),
            overdue,
            days,
            crate::format::minutes(k.accept_gap_mean_ms),
            k.holds.to_string(),
        ]);
    }
    align_right(&mut t, 2..11);
    t.to_string()
}
