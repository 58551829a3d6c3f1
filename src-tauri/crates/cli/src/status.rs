//! `hallq status`: the hall now — waiting, estimated and longest wait and
//! open counters per service, and each counter's state, staff and current
//! ticket — as two tables, or as the store's `HallStatus` in JSON.

use std::path::Path;

use anyhow::Result;
use hallq_store::HallStatus;

use crate::format::{
    TextOrJson, align_right, counter_state, local_clock, local_time, minutes, print_json, table, ticket_state,
};
use crate::hall::HallDb;
use crate::init::now_ms;
use crate::output::outln;

/// `hallq status` flags.
#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    /// 输出格式 / output format
    #[arg(long, value_enum, default_value_t = TextOrJson::Text)]
    format: TextOrJson,
}

/// Runs `hallq status`.
pub fn run(db: &Path, hall: Option<&str>, a: &StatusArgs) -> Result<()> {
    let h = HallDb::open(db, hall)?;
    let now = now_ms();
    let status = h.store.reader()?.status(h.hall.id, now)?;
    match a.format {
        TextOrJson::Json => print_json(&status),
        TextOrJson::Text => {
            print_text(&status, now)?;
            Ok(())
        }
    }
}

fn print_text(s: &HallStatus, now: i64) -> std::io::Result<()> {
    let hall = &s.hall;
    outln!("{} {} — 营业日 / business day {} — {}", hall.code, hall.name, s.day, local_time(hall, now))?;
    outln!()?;
    outln!("排队 / queues:")?;
    let mut t = table(&[
        "业务\nService",
        "前缀\nPrefix",
        "等候人数\nWaiting",
        "预计等候(分)\nEst. wait (min)",
        "开放窗口\nOpen counters",
        "最长等候(分)\nLongest wait (min)",
    ]);
    for q in &s.services {
        let svc = &q.service;
        let name = if svc.enabled {
            format!("{} {}", svc.name_zh, svc.code)
        } else {
            format!("{} {}（停办 disabled）", svc.name_zh, svc.code)
        };
        let estimate = match q.estimated_wait_ms {
            Some(ms) => minutes(Some(ms)),
            None => "未知 unknown".to_string(),
        };
        t.add_row(vec![
            name,
            svc.prefix.to_string(),
            q.waiting.to_string(),
            estimate,
            q.open_counters.to_string(),
            minutes(q.longest_wait_ms),
        ]);
    }
    align_right(&mut t, [2, 3, 4, 5]);
    outln!("{t}")?;
    let waiting: u32 = s.services.iter().map(|q| q.waiting).sum();
    outln!("共 {waiting} 人等候 / {waiting} waiting in all")?;
    outln!()?;
    outln!("窗口 / counters:")?;
    let mut t =
        table(&["窗口\nNo.", "名称\nName", "状态\nState", "员工\nStaff", "当前号码\nCurrent", "叫号时间\nCalled at"]);
    for c in &s.counters {
        let counter = &c.counter;
        let mut state = counter_state(counter.state_name()).to_string();
        if let Some(reason) = &counter.pause_reason {
            state = format!("{state}（{reason}）");
        }
        let staff = match (&counter.staff, &c.staff_name) {
            (Some(no), Some(name)) => format!("{no} {name}"),
            (Some(no), None) => no.clone(),
            (None, _) => "—".to_string(),
        };
        let (current, called) = match &c.current {
            Some(t) => (
                format!("{} {}", t.number, ticket_state(t.state)),
                t.last_called_at.map_or_else(|| "—".to_string(), |at| local_clock(hall, at)),
            ),
            None => ("—".to_string(), "—".to_string()),
        };
        t.add_row(vec![counter.number.to_string(), counter.name.clone(), state, staff, current, called]);
    }
    align_right(&mut t, [0]);
    outln!("{t}")
}
