//! Staffing advice from what a hall observed: for each hour of the week, the
//! mean arrivals, the mean handling and the counters actually open, and the
//! counters Erlang C advises for a target share within the target wait.
//! Also the observed day profile that `hallq simulate --db` replays.
//!
//! Definitions (each hall on its own; a bureau database gives rows per hall):
//! - *open days*: the business days of the range on which the hall issued
//!   at least one ticket; a weekday's hours are averaged over its open days;
//! - only *complete hours* count: while a counter is still open (a day
//!   being worked on), the hour of the hall's last event is still in
//!   progress and is left out of every figure and of its hour's day count,
//!   so a counter open since 08:00 is not read as "0 open" from the few
//!   minutes of its current hour seen so far;
//! - *arrivals per hour* of (weekday, hour): visits (first legs) issued in
//!   that local clock hour ÷ the open days of that weekday;
//! - *handling* of (weekday, hour): mean of (end − start) of the legs issued
//!   in that hour that were started and ended (the KPI's handling); an hour
//!   with arrivals but no handled leg takes the hall's mean over the range;
//! - *open counters*: counter open time (`counter_sessions`, cut at local
//!   hour boundaries, as utilisation reads it) in that hour of open days ÷
//!   (open days × 1 h);
//! - *target wait*: the services' target waits weighted by their ticket legs
//!   in the range (over every hall of the query);
//! - *advised*: the fewest counters whose Erlang C share within the target
//!   wait reaches the target share; the shares "at open" use the mean open
//!   counters rounded to the nearest whole counter, and are 0 where that
//!   many counters cannot keep up (arrivals ≥ counters × service rate).

use std::collections::{BTreeSet, HashMap};

use chrono::{Datelike, Duration, NaiveDate, Timelike};
use hallq_core::Millis;
use hallq_core::erlang::{ErlangC, counters_needed};
use serde::Serialize;
use uuid::Uuid;

use crate::error::{Result, StoreError};
use crate::halls::{self, HallRow};
use crate::reader::Reader;
use crate::report::{day_start, hour_pieces};

/// The most counters an advice may name.
pub const MAX_ADVISED_COUNTERS: u32 = 200;
const HOUR: Millis = 3_600_000;

/// What to advise on.
#[derive(Debug, Clone, PartialEq)]
pub struct StaffingQuery {
    /// One hall, or `None` for every hall in the database.
    pub hall: Option<Uuid>,
    /// First business day, inclusive.
    pub from: NaiveDate,
    /// Last business day, inclusive.
    pub to: NaiveDate,
    /// Share of customers to call within the target wait, in (0, 1).
    pub target_share: f64,
}

/// The advice: one row per hall and hour of the week with arrivals.
#[derive(Debug, Clone, Serialize)]
pub struct StaffingReport {
    /// First business day.
    pub from: NaiveDate,
    /// Last business day.
    pub to: NaiveDate,
    /// The share to call within the target wait.
    pub target_share: f64,
    /// Ticket-weighted target wait of the services, ms; `None` without tickets.
    pub target_wait_ms: Option<Millis>,
    /// By hall, weekday, hour.
    pub rows: Vec<StaffingRow>,
}

/// One hour of the week of one hall.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StaffingRow {
    /// The hall's code.
    pub hall: String,
    /// 0 = Monday … 6 = Sunday (of the business day).
    pub weekday: u8,
    /// Local hour of day, 0–23.
    pub hour: u8,
    /// Open days of this weekday the figures average over.
    pub days: u32,
    /// Mean visits in this hour.
    pub arrivals_per_hour: f64,
    /// Mean handling, ms (`None` when the hall handled nobody in the range).
    pub handling_mean_ms: Option<Millis>,
    /// Mean counters open in this hour.
    pub open_counters: f64,
    /// Counters Erlang C advises (`None`: no handling known, or more than
    /// [`MAX_ADVISED_COUNTERS`]).
    pub advised_counters: Option<u32>,
    /// Predicted share within the target wait at the open counters.
    pub within_target_at_open: Option<f64>,
    /// Predicted share within the target wait at the advised counters.
    pub within_target_at_advised: Option<f64>,
}

/// A hall's observed day, for `hallq simulate --db`.
#[derive(Debug, Clone, PartialEq)]
pub struct ObservedProfile {
    /// Open days (business days with tickets) observed.
    pub days: u32,
    /// Mean visits per local hour of day, index 0 = 00:00–01:00.
    pub arrivals_per_hour: [f64; 24],
    /// Every observed handling time, ms.
    pub handling_ms: Vec<Millis>,
    /// Ticket-weighted target wait, ms.
    pub target_wait_ms: Option<Millis>,
    /// Ticket-weighted target handling, ms.
    pub target_handling_ms: Option<Millis>,
}

/// One hall's raw counts over the range.
struct Scan {
    code: String,
    open_days: BTreeSet<NaiveDate>,
    /// The hour of the week in progress, (weekday, hour), when a counter
    /// is still open; nothing from its start on is counted.
    partial: Option<(usize, usize)>,
    /// The start of that hour (`Millis::MAX` when none is in progress).
    cutoff: Millis,
    arrivals: [[u64; 24]; 7],
    handling_sum: [[i64; 24]; 7],
    handling_n: [[u64; 24]; 7],
    handlings: Vec<Millis>,
    open_ms: [[i64; 24]; 7],
    legs: u64,
    target_wait_sum: i64,
    target_handling_sum: i64,
}

impl Scan {
    /// Open days of this weekday whose hour `hour` is complete.
    fn days_of(&self, weekday: usize, hour: usize) -> u32 {
        let days = self.open_days.iter().filter(|d| d.weekday().num_days_from_monday() as usize == weekday).count();
        days.saturating_sub(usize::from(self.partial == Some((weekday, hour)))) as u32
    }
}

fn check_range(from: NaiveDate, to: NaiveDate) -> Result<()> {
    if from > to {
        return Err(StoreError::Core(hallq_core::CoreError::InvalidConfig {
            zh: format!("起始日期 {from} 晚于结束日期 {to}"),
            en: format!("the start date {from} is after the end date {to}"),
        }));
    }
    Ok(())
}

impl Reader {
    /// Staffing advice for a range of business days.
    pub fn staffing(&self, q: &StaffingQuery) -> Result<StaffingReport> {
        check_range(q.from, q.to)?;
        // Refuse a bad share up front, even with no data to advise on.
        counters_needed(1.0, 1.0, 1.0, q.target_share, 1).map_err(StoreError::Core)?;
        let rows = halls::all(&self.conn)?;
        let rows: Vec<HallRow> = match q.hall {
            Some(id) => vec![
                rows.into_iter().find(|h| h.hall.id == id).ok_or_else(|| StoreError::UnknownHall(id.to_string()))?,
            ],
            None => rows,
        };
        let scans = rows.iter().map(|r| self.scan(r, q.from, q.to)).collect::<Result<Vec<_>>>()?;
        let legs: u64 = scans.iter().map(|s| s.legs).sum();
        let target_wait_ms = (legs > 0)
            .then(|| (scans.iter().map(|s| s.target_wait_sum).sum::<i64>() as f64 / legs as f64).round() as Millis);
        let mut out = Vec::new();
        for s in &scans {
            let all_n: u64 = s.handling_n.iter().flatten().sum();
            let all_sum: i64 = s.handling_sum.iter().flatten().sum();
            let hall_mean = (all_n > 0).then(|| all_sum as f64 / all_n as f64);
            for w in 0..7 {
                for h in 0..24 {
                    let days = s.days_of(w, h);
                    let n = s.arrivals[w][h];
                    if n == 0 || days == 0 {
                        continue;
                    }
                    let arrivals = n as f64 / f64::from(days);
                    let handling = match s.handling_n[w][h] {
                        0 => hall_mean,
                        k => Some(s.handling_sum[w][h] as f64 / k as f64),
                    };
                    let open = s.open_ms[w][h] as f64 / (f64::from(days) * HOUR as f64);
                    let share_at = |c: u32| -> Option<f64> {
                        let (hm, t) = (handling?, target_wait_ms? as f64);
                        let q = ErlangC::new(arrivals / HOUR as f64, hm, c).ok()?;
                        Some(q.within(t).unwrap_or(0.0))
                    };
                    let advised = match (handling, target_wait_ms) {
                        (Some(hm), Some(t)) => {
                            counters_needed(arrivals, hm, t as f64, q.target_share, MAX_ADVISED_COUNTERS)
                                .map_err(StoreError::Core)?
                        }
                        _ => None,
                    };
                    out.push(StaffingRow {
                        hall: s.code.clone(),
                        weekday: w as u8,
                        hour: h as u8,
                        days,
                        arrivals_per_hour: arrivals,
                        handling_mean_ms: handling.map(|m| m.round() as Millis),
                        open_counters: open,
                        advised_counters: advised,
                        within_target_at_open: share_at(open.round() as u32),
                        within_target_at_advised: advised.and_then(share_at),
                    });
                }
            }
        }
        Ok(StaffingReport { from: q.from, to: q.to, target_share: q.target_share, target_wait_ms, rows: out })
    }

    /// A hall's observed day over a range: mean arrivals per hour of day and
    /// every handling time, for the what-if simulation.
    pub fn observed_profile(&self, hall: Uuid, from: NaiveDate, to: NaiveDate) -> Result<ObservedProfile> {
        check_range(from, to)?;
        let row = halls::all(&self.conn)?
            .into_iter()
            .find(|h| h.hall.id == hall)
            .ok_or_else(|| StoreError::UnknownHall(hall.to_string()))?;
        let s = self.scan(&row, from, to)?;
        let days = s.open_days.len() as u32;
        // (The profile's hours are means over the open days: an hour in
        // progress on the last day is left out of its sum, which the
        // what-if reads as a slightly quieter hour.)
        let mut arrivals_per_hour = [0.0; 24];
        for (h, slot) in arrivals_per_hour.iter_mut().enumerate() {
            let n: u64 = (0..7).map(|w| s.arrivals[w][h]).sum();
            if days > 0 {
                *slot = n as f64 / f64::from(days);
            }
        }
        let mean = |sum: i64| (s.legs > 0).then(|| (sum as f64 / s.legs as f64).round() as Millis);
        Ok(ObservedProfile {
            days,
            arrivals_per_hour,
            target_wait_ms: mean(s.target_wait_sum),
            target_handling_ms: mean(s.target_handling_sum),
            handling_ms: s.handlings,
        })
    }

    fn scan(&self, row: &HallRow, from: NaiveDate, to: NaiveDate) -> Result<Scan> {
        let targets: HashMap<String, (Millis, Millis)> = crate::services::all(&self.conn, row.key)?
            .into_iter()
            .map(|s| (s.code.clone(), (s.target_wait_ms(), s.target_handling_ms())))
            .collect();
        let mut s = Scan {
            code: row.hall.code.clone(),
            open_days: BTreeSet::new(),
            partial: None,
            cutoff: Millis::MAX,
            arrivals: [[0; 24]; 7],
            handling_sum: [[0; 24]; 7],
            handling_n: [[0; 24]; 7],
            handlings: Vec::new(),
            open_ms: [[0; 24]; 7],
            legs: 0,
            target_wait_sum: 0,
            target_handling_sum: 0,
        };
        // A counter still open: the day is being worked on, and the hour of
        // the last event is not over.
        let mut partial_day = None;
        let working: bool = self
            .conn
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM counter_sessions WHERE hall = ?1 AND closed_at IS NULL)")?
            .query_row([row.key], |r| r.get(0))?;
        if working {
            let local = row.hall.local(row.last_at);
            s.cutoff = crate::report::hour_start(row.last_at, &local);
            partial_day = Some((row.hall.business_day(row.last_at), local.hour() as usize));
        }
        let mut st = self.conn.prepare_cached(
            "SELECT service, business_day, leg, issued_at, started_at, ended_at, target_wait_ms, target_handling_ms
             FROM tickets WHERE hall = ?1 AND business_day BETWEEN ?2 AND ?3",
        )?;
        let mut rs = st.query(rusqlite::params![row.key, from.to_string(), to.to_string()])?;
        let mut day_cache: Option<(String, NaiveDate)> = None;
        while let Some(r) = rs.next()? {
            let day_text = r.get_ref(1)?.as_str()?;
            let day = match &day_cache {
                Some((t, d)) if t == day_text => *d,
                _ => {
                    let d: NaiveDate =
                        day_text.parse().map_err(|e: chrono::ParseError| StoreError::Corrupt(e.to_string()))?;
                    day_cache = Some((day_text.to_string(), d));
                    d
                }
            };
            s.open_days.insert(day);
            let w = day.weekday().num_days_from_monday() as usize;
            let leg: u16 = r.get(2)?;
            let issued: Millis = r.get(3)?;
            let h = row.hall.local(issued).hour() as usize;
            if issued >= s.cutoff {
                continue;
            }
            if leg == 1 {
                s.arrivals[w][h] += 1;
            }
            if let (Some(a), Some(b)) = (r.get::<_, Option<Millis>>(4)?, r.get::<_, Option<Millis>>(5)?) {
                let d = (b - a).max(0);
                s.handling_sum[w][h] += d;
                s.handling_n[w][h] += 1;
                s.handlings.push(d);
            }
            let (tw, th) = targets.get(r.get_ref(0)?.as_str()?).copied().unwrap_or((15 * 60_000, 15 * 60_000));
            let tw = r.get::<_, Option<Millis>>(6)?.unwrap_or(tw);
            let th = r.get::<_, Option<Millis>>(7)?.unwrap_or(th);
            s.legs += 1;
            s.target_wait_sum += tw;
            s.target_handling_sum += th;
        }
        drop(rs);
        // Its hour is taken off that weekday's day count only if the day
        // counts at all (it issued a ticket).
        s.partial = partial_day
            .filter(|(d, _)| s.open_days.contains(d))
            .map(|(d, h)| (d.weekday().num_days_from_monday() as usize, h));
        self.open_time(row, from, to, &mut s)?;
        Ok(s)
    }

    /// Counter open time per (weekday, hour) of open days.
    fn open_time(&self, row: &HallRow, from: NaiveDate, to: NaiveDate, s: &mut Scan) -> Result<()> {
        let start = day_start(&row.hall, from);
        let end = day_start(&row.hall, to + Duration::days(1));
        let mut st = self.conn.prepare_cached(
            "SELECT opened_at, coalesce(closed_at, ?4) FROM counter_sessions
             WHERE hall = ?1 AND opened_at < ?3 AND coalesce(closed_at, ?4) > ?2",
        )?;
        let mut rs = st.query(rusqlite::params![row.key, start, end, row.last_at])?;
        while let Some(r) = rs.next()? {
            let (a, b): (Millis, Millis) = (r.get::<_, Millis>(0)?.max(start), r.get::<_, Millis>(1)?.min(end));
            for (t, piece_end, hour, day) in hour_pieces(&row.hall, a, b) {
                if s.open_days.contains(&day) && t < s.cutoff {
                    let w = day.weekday().num_days_from_monday() as usize;
                    s.open_ms[w][hour as usize] += piece_end - t;
                }
            }
        }
        Ok(())
    }
}
