//! Shared output formatting: the `--format` choice, tables with bilingual
//! headers, durations in minutes, local times and the Chinese
//! names of states. Only presentation lives here; no hall logic.

use anyhow::Result;
use chrono::NaiveDate;
use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{CellAlignment, ContentArrangement, Table};
use hallq_store::Millis;
use hallq_store::hallq_core::{Hall, MINUTE_MS, TicketState};
use serde::Serialize;

use crate::error::CliError;
use crate::output::outln;

/// Human text or machine JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum TextOrJson {
    /// 文字 / human-readable text
    #[default]
    Text,
    /// JSON
    Json,
}

/// Prints a value as pretty JSON on stdout.
pub fn print_json<T: Serialize + ?Sized>(value: &T) -> Result<()> {
    outln!("{}", serde_json::to_string_pretty(value)?)?;
    Ok(())
}

/// A table with the house style; `headers` are "中文\nEnglish" pairs.
pub fn table(headers: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(headers.iter().copied());
    t
}

/// Right-aligns the given columns (numbers read better that way).
pub fn align_right(t: &mut Table, columns: impl IntoIterator<Item = usize>) {
    for i in columns {
        if let Some(c) = t.column_mut(i) {
            c.set_cell_alignment(CellAlignment::Right);
        }
    }
}

/// Milliseconds as minutes with one decimal, `—` when there is no value.
pub fn minutes(ms: Option<Millis>) -> String {
    ms.map_or_else(|| "—".to_string(), minutes_num)
}

/// Milliseconds as minutes with one decimal.
pub fn minutes_num(ms: Millis) -> String {
    format!("{:.1}", ms as f64 / MINUTE_MS as f64)
}

/// A share as a percentage with one decimal (`87.5`), `—` when there is no value.
pub fn percent(r: Option<f64>) -> String {
    r.map_or_else(|| "—".to_string(), |r| format!("{:.1}", r * 100.0))
}

/// A number with one decimal, `—` when there is no value.
pub fn decimal(v: Option<f64>) -> String {
    v.map_or_else(|| "—".to_string(), |v| format!("{v:.1}"))
}

/// The estimated wait told to a customer: whole minutes, rounded up, or
/// unknown when no open counter serves the service.
pub fn estimate(ms: Option<Millis>) -> String {
    match ms {
        None => "未知 / unknown".to_string(),
        Some(ms) if ms <= 0 => "无需等候 / no wait".to_string(),
        Some(ms) => {
            let min = (ms + MINUTE_MS - 1) / MINUTE_MS;
            format!("约 {min} 分钟 / about {min} min")
        }
    }
}

/// An instant as the hall's local date and time, to the second.
pub fn local_time(hall: &Hall, at: Millis) -> String {
    hall.local(at).format("%Y-%m-%d %H:%M:%S").to_string()
}

/// An instant as the hall's local clock time.
pub fn local_clock(hall: &Hall, at: Millis) -> String {
    hall.local(at).format("%H:%M:%S").to_string()
}

/// A counter's board state (`Counter::state_name`) in Chinese and English.
pub fn counter_state(name: &str) -> &'static str {
    match name {
        "open" => "空闲 open",
        "serving" => "服务中 serving",
        "paused" => "暂停 paused",
        "closed" => "关闭 closed",
        _ => "未知 unknown",
    }
}

/// A ticket state in Chinese and English.
pub fn ticket_state(state: TicketState) -> &'static str {
    match state {
        TicketState::Waiting => "等候中 waiting",
        TicketState::Called => "已叫号 called",
        TicketState::Serving => "办理中 serving",
        TicketState::Done => "已办结 done",
        TicketState::NoShow => "过号 no-show",
        TicketState::Transferred => "已转移 transferred",
        TicketState::Cancelled => "已取消 cancelled",
        TicketState::Expired => "已过期 expired",
    }
}

/// Parses a `YYYY-MM-DD` date, with a bilingual error naming what was typed.
pub fn parse_date(s: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| {
        CliError::input(
            format!("日期“{s}”无效，应为 YYYY-MM-DD（如 2026-11-01）"),
            format!("invalid date '{s}': expected YYYY-MM-DD (e.g. 2026-11-01)"),
        )
        .into()
    })
}

/// A number spelled in full-width characters, which a terminal draws twice
/// as wide: the ticket number stands out the way it does on paper.
pub fn wide(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '!'..='~' => char::from_u32(c as u32 - 0x21 + 0xFF01).unwrap_or(c),
            _ => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_ratios_read_as_people_say_them() {
        assert_eq!(minutes(Some(90_000)), "1.5");
        assert_eq!(minutes(None), "—");
        assert_eq!(estimate(Some(61_000)), "约 2 分钟 / about 2 min");
        assert_eq!(estimate(None), "未知 / unknown");
        assert_eq!(wide("A012"), "Ａ０１２");
    }

    #[test]
    fn dates_must_be_iso_days() {
        assert_eq!(parse_date("2026-11-01").unwrap(), NaiveDate::from_ymd_opt(2026, 11, 1).unwrap());
        assert!(parse_date("2026-13-01").is_err());
        assert!(parse_date("01/11/2026").is_err());
    }
}
