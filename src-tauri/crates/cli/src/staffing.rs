//! `hallq staffing`: for each hour of the week, the counters the hall
//! actually opened beside the counters Erlang C advises for a target share
//! of customers called within the target wait (the store's
//! `Reader::staffing` holds the definitions).

use std::path::Path;

use anyhow::Result;
use hallq_store::{StaffingQuery, StaffingReport};

use crate::error::CliError;
use crate::format::{align_right, decimal, minutes, parse_date, percent, print_json, table};
use crate::hall::ReportScope;
use crate::output::outln;
use crate::simulate::Format;

/// `hallq staffing` flags.
#[derive(Debug, clap::Args)]
pub struct StaffingArgs {
    /// 起始营业日（含）/ first business day, YYYY-MM-DD [default: 27 days before --to]
    #[arg(long, value_name = "DATE")]
    from: Option<String>,
    /// 截止营业日（含）/ last business day, YYYY-MM-DD [default: today]
    #[arg(long, value_name = "DATE")]
    to: Option<String>,
    /// 目标比例：在目标等候内叫号的顾客占比 / share to call within the target wait, 0–1 exclusive
    #[arg(long, value_name = "SHARE", default_value_t = 0.8)]
    target_share: f64,
    /// 输出格式 / output format
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

const WEEKDAYS: [&str; 7] = ["周一 Mon", "周二 Tue", "周三 Wed", "周四 Thu", "周五 Fri", "周六 Sat", "周日 Sun"];

/// Runs `hallq staffing`; `--hall all` covers every hall of the database.
pub fn run(db: &Path, hall: Option<&str>, a: &StaffingArgs) -> Result<()> {
    let from = a.from.as_deref().map(parse_date).transpose()?;
    let to = a.to.as_deref().map(parse_date).transpose()?;
    if !(a.target_share.is_finite() && a.target_share > 0.0 && a.target_share < 1.0) {
        return Err(CliError::input(
            format!("--target-share 须大于 0 且小于 1（收到 {}）", a.target_share),
            format!("--target-share must be above 0 and below 1 (got {})", a.target_share),
        )
        .into());
    }
    let scope = ReportScope::open(db, hall, hall == Some("all"))?;
    let (from, to) = scope.range(from, to, 28)?;
    let ReportScope { store, reference, hall: hall_id } = scope;
    let report = store.reader()?.staffing(&StaffingQuery { hall: hall_id, from, to, target_share: a.target_share })?;
    match a.format {
        Format::Json => print_json(&report),
        Format::Table => {
            let scope = match hall_id {
                Some(_) => format!("{} {}", reference.code, reference.name),
                None => "所有营业厅 / all halls".to_string(),
            };
            outln!(
                "{scope} · {from} – {to} · 目标：{:.0}% 在 {} 分钟内叫号 / target: {:.0}% called within {} min",
                a.target_share * 100.0,
                minutes(report.target_wait_ms),
                a.target_share * 100.0,
                minutes(report.target_wait_ms),
            )?;
            print_table(&report, hall_id.is_none())?;
            Ok(())
        }
    }
}

fn print_table(r: &StaffingReport, halls: bool) -> std::io::Result<()> {
    if r.rows.is_empty() {
        outln!("所选日期内没有取号记录 / no tickets in the chosen days")?;
        return Ok(());
    }
    let mut headers = vec![
        "星期\nWeekday",
        "时段\nHour",
        "每小时到达\nArrivals/h",
        "平均办理(分)\nHandling (min)",
        "实开窗口\nOpen counters",
        "建议窗口\nAdvised",
        "达标率%(实开)\nWithin target % (open)",
        "达标率%(建议)\nWithin target % (advised)",
    ];
    if halls {
        headers.insert(0, "营业厅\nHall");
    }
    let mut t = table(&headers);
    for row in &r.rows {
        let mut cells = vec![
            WEEKDAYS[usize::from(row.weekday).min(6)].to_string(),
            format!("{:02}:00–{:02}:00", row.hour, row.hour + 1),
            decimal(Some(row.arrivals_per_hour)),
            minutes(row.handling_mean_ms),
            decimal(Some(row.open_counters)),
            row.advised_counters.map_or_else(|| "—".to_string(), |c| c.to_string()),
            percent(row.within_target_at_open),
            percent(row.within_target_at_advised),
        ];
        if halls {
            cells.insert(0, row.hall.clone());
        }
        t.add_row(cells);
    }
    let first = if halls { 3 } else { 2 };
    align_right(&mut t, first..headers.len());
    outln!("{t}")
}
