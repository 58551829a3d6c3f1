//! `hallq simulate`: what a staffing would give, before trying it on
//! customers. A day of Poisson arrivals at `--counters` counters runs
//! through the real queue logic on a simulated clock (hallq-core's
//! `simulation`, the same `HallState::execute` the hall engine runs) and is
//! measured by the reports' KPI code, with Erlang C's prediction beside it.
//!
//! Two modes: the rates (`--arrivals-per-hour`, `--handling-minutes`,
//! `--hours`), or, with `--db` and no rates, the hall's own observed day —
//! its mean arrivals per hour of day and its handling times, drawn from what
//! it recorded (`--from`/`--to`, default everything).

use std::path::Path;

use anyhow::Result;
use chrono::NaiveDate;
use hallq_store::hallq_core::MINUTE_MS;
use hallq_store::hallq_core::simulation::{Handling, MAX_HANDLING_MINUTES, Outcome, Scenario};
use serde::Serialize;

use crate::error::CliError;
use crate::format::{align_right, decimal, minutes, parse_date, percent, print_json, table};
use crate::hall::HallDb;
use crate::output::outln;

/// `hallq simulate` flags.
#[derive(Debug, clap::Args)]
pub struct SimulateArgs {
    /// 每小时到达人数 / mean arrivals per hour (0–2000)
    #[arg(long, value_name = "N")]
    arrivals_per_hour: Option<f64>,
    /// 平均办理时长（分钟，指数分布）/ mean handling, minutes (exponential)
    #[arg(long, value_name = "MIN")]
    handling_minutes: Option<f64>,
    /// 开放窗口数 / counters open (1–64)
    #[arg(long, value_name = "C")]
    counters: u32,
    /// 模拟小时数 / hours of arrivals (1–24) [default: 8; with --db the observed day]
    #[arg(long, value_name = "H")]
    hours: Option<u32>,
    /// 目标等候（分钟）/ target wait, minutes [default: 15; with --db the hall's]
    #[arg(long, value_name = "MIN")]
    target_wait_minutes: Option<u32>,
    /// 随机种子 / random seed
    #[arg(long, value_name = "S", default_value_t = 1)]
    seed: u64,
    /// 观测数据起始营业日（仅 --db）/ first observed business day (with --db)
    #[arg(long, value_name = "DATE")]
    from: Option<String>,
    /// 观测数据截止营业日（仅 --db）/ last observed business day (with --db)
    #[arg(long, value_name = "DATE")]
    to: Option<String>,
    /// 输出格式 / output format
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// 表格 / a table
    Table,
    /// JSON
    Json,
}

/// What was simulated, for the output.
#[derive(Debug, Serialize)]
struct Setup {
    /// "rates" or "observed".
    mode: &'static str,
    /// The observed hall's code.
    hall: Option<String>,
    /// Observed open days.
    observed_days: Option<u32>,
    first_hour: u32,
    arrivals_per_hour: Vec<f64>,
    handling_mean_ms: f64,
    counters: u32,
    target_wait_ms: i64,
    seed: u64,
}

#[derive(Debug, Serialize)]
struct Answer {
    scenario: Setup,
    #[serde(flatten)]
    outcome: Outcome,
}

fn input(zh: impl Into<String>, en: impl Into<String>) -> anyhow::Error {
    CliError::input(zh, en).into()
}

/// Runs `hallq simulate`; `db` is the database only when one was named.
pub fn run(db: Option<&Path>, hall: Option<&str>, a: &SimulateArgs) -> Result<()> {
    let target = a.target_wait_minutes;
    let (scenario, setup) = match (a.arrivals_per_hour, a.handling_minutes, db) {
        (Some(rate), Some(minutes), _) => {
            if a.from.is_some() || a.to.is_some() {
                return Err(input(
                    "--from/--to 只用于 --db 的观测数据，不能与 --arrivals-per-hour 同用",
                    "--from/--to select observed data for --db; they do not go with --arrivals-per-hour",
                ));
            }
            let mut s = Scenario::steady(rate, minutes, a.counters, a.hours.unwrap_or(8), a.seed)?;
            if let Some(t) = target {
                s.target_wait_min = t;
            }
            s.validate()?;
            let setup = setup(&s, "rates", None, None);
            (s, setup)
        }
        (None, None, Some(db)) => observed(db, hall, a)?,
        (None, None, None) => {
            return Err(input(
                "请给出 --arrivals-per-hour 和 --handling-minutes，或用 --db 按营业厅的实际数据模拟",
                "give --arrivals-per-hour and --handling-minutes, or --db to replay a hall's observed day",
            ));
        }
        _ => {
            return Err(input(
                "--arrivals-per-hour 和 --handling-minutes 须同时给出",
                "--arrivals-per-hour and --handling-minutes go together",
            ));
        }
    };
    let outcome = scenario.simulate()?;
    let answer = Answer { scenario: setup, outcome };
    match a.format {
        Format::Json => print_json(&answer),
        Format::Table => {
            print_table(&answer)?;
            Ok(())
        }
    }
}

fn setup(s: &Scenario, mode: &'static str, hall: Option<String>, days: Option<u32>) -> Setup {
    Setup {
        mode,
        hall,
        observed_days: days,
        first_hour: s.first_hour,
        arrivals_per_hour: s.arrivals_per_hour.clone(),
        handling_mean_ms: s.handling.mean_ms(),
        counters: s.counters,
        target_wait_ms: i64::from(s.target_wait_min) * MINUTE_MS,
        seed: s.seed,
    }
}

/// The hall's observed day as a scenario.
fn observed(db: &Path, hall: Option<&str>, a: &SimulateArgs) -> Result<(Scenario, Setup)> {
    if a.hours.is_some() {
        return Err(input(
            "--hours 不能与 --db 同用：模拟时段取自营业厅的实际到达",
            "--hours does not go with --db: the simulated hours are the hall's observed ones",
        ));
    }
    let from = a.from.as_deref().map(parse_date).transpose()?;
    let to = a.to.as_deref().map(parse_date).transpose()?;
    let from = from.unwrap_or(NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default());
    let to = to.unwrap_or(NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or_default());
    if from > to {
        return Err(input(format!("起始日期 {from} 晚于截止日期 {to}"), format!("--from {from} is after --to {to}")));
    }
    let h = HallDb::open(db, hall)?;
    let p = h.store.reader()?.observed_profile(h.hall.id, from, to)?;
    let hours: Vec<usize> = (0..24).filter(|i| p.arrivals_per_hour[*i] > 0.0).collect();
    let (Some(first), Some(last)) = (hours.first().copied(), hours.last().copied()) else {
        return Err(input(
            format!("营业厅 {} 在所选日期内没有取号记录，无法按实际数据模拟", h.hall.code),
            format!("hall {} has no tickets in the chosen days; nothing observed to replay", h.hall.code),
        ));
    };
    if p.handling_ms.is_empty() {
        return Err(input(
            format!("营业厅 {} 在所选日期内没有办结记录，无法取得办理时长", h.hall.code),
            format!("hall {} handled nobody in the chosen days; no handling times to draw", h.hall.code),
        ));
    }
    let cap = (MAX_HANDLING_MINUTES * MINUTE_MS as f64) as i64;
    let round_min = |ms: Option<i64>| ms.map_or(15, |ms| ((ms as f64 / MINUTE_MS as f64).round() as u32).clamp(1, 240));
    let s = Scenario {
        arrivals_per_hour: p.arrivals_per_hour[first..=last].to_vec(),
        first_hour: first as u32,
        handling: Handling::Observed(p.handling_ms.iter().map(|h| (*h).min(cap)).collect()),
        counters: a.counters,
        target_wait_min: a.target_wait_minutes.unwrap_or_else(|| round_min(p.target_wait_ms)),
        target_handling_min: round_min(p.target_handling_ms),
        seed: a.seed,
    };
    s.validate()?;
    let setup = setup(&s, "observed", Some(h.hall.code.clone()), Some(p.days));
    Ok((s, setup))
}

fn print_table(a: &Answer) -> std::io::Result<()> {
    let s = &a.scenario;
    let k = &a.outcome.kpis;
    let e = a.outcome.erlang_c;
    let expected: f64 = s.arrivals_per_hour.iter().sum();
    let hours = s.arrivals_per_hour.len() as u32;
    match s.mode {
        "observed" => outln!(
            "按营业厅 {} 的实际数据（{} 个营业日）/ hall {}'s observed day ({} open days): {:02}:00 起 {} 小时 / from {:02}:00 for {} h",
            s.hall.as_deref().unwrap_or(""),
            s.observed_days.unwrap_or(0),
            s.hall.as_deref().unwrap_or(""),
            s.observed_days.unwrap_or(0),
            s.first_hour,
            hours,
            s.first_hour,
            hours
        ),
        _ => outln!(
            "每小时到达 {:.1} 人，平均办理 {:.1} 分钟，{} 小时 / {:.1} arrivals/h, {:.1} min mean handling, {} h",
            expected / f64::from(hours),
            s.handling_mean_ms / MINUTE_MS as f64,
            hours,
            expected / f64::from(hours),
            s.handling_mean_ms / MINUTE_MS as f64,
            hours
        ),
    }?;
    outln!(
        "{} 个窗口，目标等候 {} 分钟，种子 {} / {} counters, target wait {} min, seed {}",
        s.counters,
        s.target_wait_ms / MINUTE_MS,
        s.seed,
        s.counters,
        s.target_wait_ms / MINUTE_MS,
        s.seed
    )?;
    let mut t = table(&["指标\nMeasure", "模拟\nSimulated", "Erlang C\npredicted"]);
    let none = || "—".to_string();
    let load = expected * s.handling_mean_ms / 3_600_000.0 / (f64::from(s.counters) * f64::from(hours));
    t.add_row(vec!["到达人数 customers".to_string(), a.outcome.customers.to_string(), format!("{expected:.0}")]);
    t.add_row(vec!["办结 served".to_string(), k.served.to_string(), none()]);
    t.add_row(vec![
        "平均等候(分) wait mean (min)".to_string(),
        minutes(k.wait_mean_ms),
        e.map_or_else(none, |e| minutes(Some(e.mean_wait_ms))),
    ]);
    t.add_row(vec!["等候P50(分) wait p50 (min)".to_string(), minutes(k.wait_p50_ms), none()]);
    t.add_row(vec!["等候P90(分) wait p90 (min)".to_string(), minutes(k.wait_p90_ms), none()]);
    t.add_row(vec!["最长等候(分) wait max (min)".to_string(), minutes(k.wait_max_ms), none()]);
    t.add_row(vec![
        "等候达标% within target wait %".to_string(),
        percent(k.within_target_wait),
        e.map_or_else(none, |e| percent(Some(e.within_target_wait))),
    ]);
    t.add_row(vec!["平均办理(分) handling mean (min)".to_string(), minutes(k.handling_mean_ms), none()]);
    t.add_row(vec!["最高排队 peak queue".to_string(), k.peak_queue.to_string(), none()]);
    t.add_row(vec!["窗口利用率% utilisation %".to_string(), percent(k.utilisation), percent(Some(load))]);
    t.add_row(vec!["每小时到达 arrivals/h".to_string(), decimal(k.arrivals_per_hour), none()]);
    align_right(&mut t, 1..=2);
    outln!("{t}")?;
    if e.is_none() && expected > 0.0 {
        outln!(
            "注：到达率不低于窗口的服务能力，排队不会稳定，Erlang C 无解 / note: arrivals reach the counters' capacity; the queue never settles and Erlang C has no answer"
        )?;
    }
    Ok(())
}
