//! `hallq report`: the responsiveness KPIs (DESIGN §4) of a date range,
//! grouped by hall, service, counter, staff, hour, day or weekday, with a
//! total row — as a table, the store's `KpiReport` in JSON, or CSV with a
//! bilingual header row for spreadsheets.
//!
//! The KPIs are computed by the store (from core's `KpiAccumulator`); this
//! module only chooses the range and the grouping and lays the numbers out.

use std::path::Path;

use anyhow::Result;
use hallq_store::hallq_core::Kpis;
use hallq_store::{GroupBy, KpiQuery, KpiReport};

use crate::error::CliError;
use crate::format::{align_right, decimal, minutes, parse_date, percent, print_json, table};
use crate::hall::{HallDb, open_existing};
use crate::init::now_ms;

/// `hallq report` flags.
#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// 起始营业日（含）/ first business day, YYYY-MM-DD [default: 29 days before --to]
    #[arg(long, value_name = "DATE")]
    from: Option<String>,
    /// 截止营业日（含）/ last business day, YYYY-MM-DD [default: today]
    #[arg(long, value_name = "DATE")]
    to: Option<String>,
    /// 分组 / group by
    #[arg(long, value_enum, default_value_t = By::Total)]
    by: By,
    /// 输出格式 / output format
    #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
    format: ReportFormat,
}

/// Groupings on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum By {
    /// 合计 / one total
    Total,
    /// 按营业厅（所有营业厅）/ per hall, all halls
    Hall,
    /// 按业务 / per service
    Service,
    /// 按窗口 / per counter
    Counter,
    /// 按员工 / per staff member
    Staff,
    /// 按时段 / per hour of day
    Hour,
    /// 按日 / per business day
    Day,
    /// 按星期 / per weekday
    Weekday,
}

/// Report output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum ReportFormat {
    /// 表格 / a table
    Table,
    /// JSON (the KpiReport)
    Json,
    /// CSV，首行为中英表头 / CSV with a bilingual header row
    Csv,
}

/// Runs `hallq report`.
pub fn run(db: &Path, hall: Option<&str>, a: &ReportArgs) -> Result<()> {
    // Dates are checked before the database is touched: a typo is a typo.
    let from = a.from.as_deref().map(parse_date).transpose()?;
    let to = a.to.as_deref().map(parse_date).transpose()?;

    let (store, hall) = if a.by == By::Hall && hall.is_none() {
        let store = open_existing(db)?;
        let first = store.halls()?.into_iter().next().ok_or_else(|| {
            CliError::input(
                "数据库中还没有营业厅，请先运行 hallq init",
                "the database has no hall yet; run `hallq init` first",
            )
        })?;
        (store, (first, None))
    } else {
        let h = HallDb::open(db, hall)?;
        let id = h.hall.id;
        (h.store, (h.hall, Some(id)))
    };
    let (reference, hall_id) = hall;
    let to = to.unwrap_or_else(|| reference.business_day(now_ms()));
    let from = from.unwrap_or_else(|| to - chrono::Duration::days(29));
    if from > to {
        return Err(CliError::input(
            format!("起始日期 {from} 晚于截止日期 {to}"),
            format!("--from {from} is after --to {to}"),
        )
        .into());
    }
    let report = store.reader()?.kpis(&KpiQuery { hall: hall_id, from, to, by: a.by.group() })?;
    match a.format {
        ReportFormat::Json => print_json(&report),
        ReportFormat::Csv => print_csv(&report),
        ReportFormat::Table => {
            let scope = match hall_id {
                Some(_) => format!("{} {}", reference.code, reference.name),
                None => "所有营业厅 / all halls".to_string(),
            };
            println!("{scope} · {from} – {to} · {} / by {}", a.by.zh(), a.by.group().as_str());
            print_table(&report);
            Ok(())
        }
    }
}

/// One KPI column: bilingual header and its value, `None` when undefined
/// (no tickets, nothing rated ...).
struct Column {
    zh: &'static str,
    en: &'static str,
    value: fn(&Kpis) -> Option<String>,
}

fn some(s: String) -> Option<String> {
    Some(s)
}

fn minutes_of(ms: Option<i64>) -> Option<String> {
    ms.map(|ms| minutes(Some(ms)))
}

fn percent_of(r: Option<f64>) -> Option<String> {
    r.map(|r| percent(Some(r)))
}

const COLUMNS: &[Column] = &[
    Column { zh: "取号", en: "issued", value: |k| some(k.issued.to_string()) },
    Column { zh: "办结", en: "served", value: |k| some(k.served.to_string()) },
    Column { zh: "过号率%", en: "no-show %", value: |k| percent_of(k.no_show_rate) },
    Column { zh: "未办离开%", en: "left w/o service %", value: |k| percent_of(k.left_without_service_rate) },
    Column { zh: "平均等候(分)", en: "wait mean (min)", value: |k| minutes_of(k.wait_mean_ms) },
    Column { zh: "等候P50(分)", en: "wait p50 (min)", value: |k| minutes_of(k.wait_p50_ms) },
    Column { zh: "等候P90(分)", en: "wait p90 (min)", value: |k| minutes_of(k.wait_p90_ms) },
    Column { zh: "最长等候(分)", en: "wait max (min)", value: |k| minutes_of(k.wait_max_ms) },
    Column { zh: "等候达标%", en: "within target wait %", value: |k| percent_of(k.within_target_wait) },
    Column { zh: "平均办理(分)", en: "handling mean (min)", value: |k| minutes_of(k.handling_mean_ms) },
    Column { zh: "办理P90(分)", en: "handling p90 (min)", value: |k| minutes_of(k.handling_p90_ms) },
    Column { zh: "办理达标%", en: "within target handling %", value: |k| percent_of(k.within_target_handling) },
    Column { zh: "最高排队", en: "peak queue", value: |k| some(k.peak_queue.to_string()) },
    Column { zh: "每小时到达", en: "arrivals/h", value: |k| k.arrivals_per_hour.map(|v| decimal(Some(v))) },
    Column { zh: "窗口利用率%", en: "utilisation %", value: |k| percent_of(k.utilisation) },
    Column { zh: "满意率%", en: "satisfaction %", value: |k| percent_of(k.satisfaction) },
    Column { zh: "评价率%", en: "rating coverage %", value: |k| percent_of(k.rating_coverage) },
];

/// The rows of a report: every group, then the total.
fn rows(report: &KpiReport) -> impl Iterator<Item = (&str, &str, &Kpis)> {
    report.groups.iter().map(|g| (g.key.as_str(), g.label.as_str(), &g.kpis)).chain(std::iter::once((
        "total",
        "合计 Total",
        &report.total,
    )))
}

fn print_table(report: &KpiReport) {
    let headers: Vec<String> = std::iter::once("分组\nGroup".to_string())
        .chain(COLUMNS.iter().map(|c| format!("{}\n{}", c.zh, c.en)))
        .collect();
    let header_refs: Vec<&str> = headers.iter().map(String::as_str).collect();
    let mut t = table(&header_refs);
    for (key, label, k) in rows(report) {
        let group = if key == label || key == "total" { label.to_string() } else { format!("{label} ({key})") };
        t.add_row(
            std::iter::once(group)
                .chain(COLUMNS.iter().map(|c| (c.value)(k).unwrap_or_else(|| "—".to_string())))
                .collect::<Vec<_>>(),
        );
    }
    align_right(&mut t, 1..=COLUMNS.len());
    println!("{t}");
}

fn print_csv(report: &KpiReport) -> Result<()> {
    let mut w = csv::Writer::from_writer(std::io::stdout().lock());
    let header: Vec<String> = ["键/key".to_string(), "分组/group".to_string()]
        .into_iter()
        .chain(COLUMNS.iter().map(|c| format!("{}/{}", c.zh, c.en)))
        .collect();
    w.write_record(&header)?;
    for (key, label, k) in rows(report) {
        let record: Vec<String> = [key.to_string(), label.to_string()]
            .into_iter()
            .chain(COLUMNS.iter().map(|c| (c.value)(k).unwrap_or_default()))
            .collect();
        w.write_record(&record)?;
    }
    w.flush()?;
    Ok(())
}

impl By {
    fn group(self) -> GroupBy {
        match self {
            Self::Total => GroupBy::Total,
            Self::Hall => GroupBy::Hall,
            Self::Service => GroupBy::Service,
            Self::Counter => GroupBy::Counter,
            Self::Staff => GroupBy::Staff,
            Self::Hour => GroupBy::Hour,
            Self::Day => GroupBy::Day,
            Self::Weekday => GroupBy::Weekday,
        }
    }

    fn zh(self) -> &'static str {
        match self {
            Self::Total => "合计",
            Self::Hall => "按营业厅",
            Self::Service => "按业务",
            Self::Counter => "按窗口",
            Self::Staff => "按员工",
            Self::Hour => "按时段",
            Self::Day => "按日",
            Self::Weekday => "按星期",
        }
    }
}
