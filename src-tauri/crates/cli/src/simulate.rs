//! `hallq simulate`: what a staffing would give, before trying it on
//! customers. Days of Poisson arrivals at `--counters` counters run
//! through the real queue logic on a simulated clock (hallq-core's
//! `simulation`, the same `HallState::execute` the hall engine runs) and are
//! measured by the reports' KPI code, with Erlang C's prediction beside it.
//! One day is noisy (±50 % at high load), so `--days` (default 100)
//! independent days give the mean with its 95 % interval and the spread
//! between days ("a typical day").
//!
//! Two modes: the rates (`--arrivals-per-hour`, `--handling-minutes`,
//! `--hours`), or, with `--db` and no rates, the hall's own observed day —
//! its mean arrivals per hour of day and its handling times, drawn from what
//! it recorded (`--from`/`--to`, default everything).

use std::path::Path;

use anyhow::Result;
use chrono::NaiveDate;
use hallq_store::hallq_core::{MINUTE_MS, Millis};
use std::sync::atomic::AtomicBool;

use hallq_store::hallq_core::simulation::{Handling, MAX_HANDLING_MINUTES, ManyDays, OverDays, Scenario};
use serde::Serialize;

use crate::error::CliError;
use crate::format::{align_right, decimal, minutes, minutes_num, parse_date, percent, print_json, table};
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
    /// 模拟天数（互相独立，1–2000）/ independent simulated days (1–2000)
    #[arg(long, value_name = "N", default_value_t = 100)]
    days: u32,
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
    /// Simulated days.
    days: u32,
}

#[derive(Debug, Serialize)]
struct Answer {
    scenario: Setup,
    #[serde(flatten)]
    outcome: ManyDays,
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
    let never = AtomicBool::new(false);
    let outcome = scenario
        .simulate_days(a.days, &never, u64::MAX)?
        .ok_or_else(|| input("模拟已取消", "the simulation was cancelled"))?;
    let answer = Answer { scenario: Setup { days: a.days, ..setup }, outcome };
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
        days: 1,
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

/// A table row of a figure over the days: mean, 95 % interval, a typical
/// day (10th–90th percentile), and the prediction.
fn over_days<T: Copy>(
    name: &str,
    f: Option<&OverDays<T>>,
    show: impl Fn(T) -> String,
    predicted: Option<String>,
) -> Vec<String> {
    let dash = || "—".to_string();
    vec![
        name.to_string(),
        f.map_or_else(dash, |f| show(f.mean)),
        f.and_then(|f| f.ci95).map_or_else(dash, |c| format!("{}–{}", show(c.low), show(c.high))),
        f.map_or_else(dash, |f| format!("{}–{}", show(f.typical_day.p10), show(f.typical_day.p90))),
        predicted.unwrap_or_else(dash),
    ]
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
    let o = &a.outcome;
    outln!(
        "{} 个窗口，目标等候 {} 分钟，{} 个独立的模拟日（种子 {}）/ {} counters, target wait {} min, {} independent days (seed {})",
        s.counters,
        s.target_wait_ms / MINUTE_MS,
        o.days,
        s.seed,
        s.counters,
        s.target_wait_ms / MINUTE_MS,
        o.days,
        s.seed
    )?;
    let none = || "—".to_string();
    let load = expected * s.handling_mean_ms / 3_600_000.0 / (f64::from(s.counters) * f64::from(hours));
    // The three figures a staffing is decided on: the mean over the days,
    // how sure that mean is, and what a single day is like.
    let mut t = table(&[
        "指标\nMeasure",
        "模拟均值\nSimulated mean",
        "95% 置信区间\n95% interval",
        "一般的一天\nA typical day",
        "Erlang C\npredicted",
    ]);
    let wait = |x: Millis| minutes_num(x);
    let pct = |x: f64| percent(Some(x));
    t.add_row(over_days(
        "平均等候(分) wait mean (min)",
        o.wait_mean_ms.as_ref(),
        wait,
        e.map(|e| e.mean_wait_ms).map(wait),
    ));
    t.add_row(over_days(
        "等候达标% within target wait %",
        o.within_target_wait.as_ref(),
        pct,
        e.map(|e| pct(e.within_target_wait)),
    ));
    t.add_row(over_days("窗口利用率% utilisation %", o.utilisation.as_ref(), pct, Some(pct(load))));
    align_right(&mut t, 1..=4);
    outln!("{t}")?;
    if let Some(w) = &o.wait_mean_ms {
        outln!(
            "一般的一天平均等候 {}–{} 分钟（10 天中约 8 天在此范围）/ a typical day: {}–{} min mean wait (about 8 days in 10)",
            wait(w.typical_day.p10),
            wait(w.typical_day.p90),
            wait(w.typical_day.p10),
            wait(w.typical_day.p90)
        )?;
    }
    let outside = |w: &OverDays<Millis>, p: Millis| w.ci95.is_some_and(|c| p < c.low || p > c.high);
    if let (Some(w), Some(p)) = (&o.wait_mean_ms, e)
        && outside(w, p.mean_wait_ms)
    {
        outln!(
            "注：每个模拟日从空厅开始，而 Erlang C 描述一直持续的稳态，所以两者可以有差异 / note: each simulated day starts with an empty hall, while Erlang C describes a queue that never stops, so the two can differ"
        )?;
    }
    // Everything else, over all the days' customers together.
    let days = f64::from(o.days.max(1));
    let mut t = table(&["全部模拟日合计\nAll days together", "模拟\nSimulated", "Erlang C\npredicted"]);
    t.add_row(vec![
        "每日到达人数 customers a day".to_string(),
        format!("{:.1}", o.customers as f64 / days),
        format!("{expected:.0}"),
    ]);
    t.add_row(vec!["每日办结 served a day".to_string(), format!("{:.1}", k.served as f64 / days), none()]);
    t.add_row(vec!["等候P50(分) wait p50 (min)".to_string(), minutes(k.wait_p50_ms), none()]);
    t.add_row(vec!["等候P90(分) wait p90 (min)".to_string(), minutes(k.wait_p90_ms), none()]);
    t.add_row(vec!["最长等候(分) wait max (min)".to_string(), minutes(k.wait_max_ms), none()]);
    t.add_row(vec!["平均办理(分) handling mean (min)".to_string(), minutes(k.handling_mean_ms), none()]);
    t.add_row(vec!["最忙一天最高排队 peak queue (busiest day)".to_string(), k.peak_queue.to_string(), none()]);
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
