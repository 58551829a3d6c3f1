//! The `follow_ups` table: low ratings and whether they were followed up in time.

use chrono::NaiveDate;
use hallq_core::{FollowUp, LowScoreReason, Millis};
use rusqlite::{Connection, Row, params};
use uuid::Uuid;

use crate::error::Result;
use crate::overview::FollowUpSummary;
use crate::reader::Reader;
use crate::rows;

pub(crate) fn upsert(conn: &Connection, hall_key: i64, f: &FollowUp) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO follow_ups (ticket, hall, number, service, counter, staff, level, reason, rated_at, business_day,
                                 deadline, closed_at, note)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
         ON CONFLICT (ticket) DO UPDATE SET closed_at = ?12, note = ?13",
    )?
    .execute(params![
        f.ticket.as_bytes(),
        hall_key,
        f.number,
        f.service,
        f.counter,
        f.staff,
        f.level,
        f.reason.map(|r| r.as_str()),
        f.rated_at,
        f.business_day.to_string(),
        f.deadline.to_string(),
        f.closed_at,
        f.note,
    ])?;
    Ok(())
}

const COLUMNS: &str =
    "ticket, number, service, counter, staff, level, reason, rated_at, business_day, deadline, closed_at, note";

fn from_row(r: &Row<'_>) -> rusqlite::Result<FollowUp> {
    let date = |i: usize| -> rusqlite::Result<chrono::NaiveDate> {
        let s: String = r.get(i)?;
        s.parse().map_err(|e| rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e)))
    };
    Ok(FollowUp {
        ticket: rows::uuid(r, 0)?,
        number: r.get(1)?,
        service: r.get(2)?,
        counter: r.get(3)?,
        staff: r.get(4)?,
        level: r.get(5)?,
        reason: r.get::<_, Option<String>>(6)?.and_then(|s| LowScoreReason::parse(&s)),
        rated_at: r.get(7)?,
        business_day: date(8)?,
        deadline: date(9)?,
        closed_at: r.get(10)?,
        note: r.get(11)?,
    })
}

/// A hall's open follow-ups, soonest deadline first.
pub(crate) fn open(conn: &Connection, hall_key: i64) -> Result<Vec<FollowUp>> {
    let sql =
        format!("SELECT {COLUMNS} FROM follow_ups WHERE hall = ?1 AND closed_at IS NULL ORDER BY deadline, rated_at");
    let mut st = conn.prepare_cached(&sql)?;
    let rows = st.query_map([hall_key], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A hall's follow-ups of low ratings given from `from` to `to` (business
/// days, inclusive), as the overview shows them: how many are closed,
/// overdue (open after their deadline, as of the hall's business day
/// `today`) and open, and the first `limit` of them — overdue, then open,
/// then closed; each by deadline, then number, then newest rating first.
/// Counted and ordered by SQLite, so a year's follow-ups are not read.
pub(crate) fn summary_of_range(
    conn: &Connection,
    hall_key: i64,
    from: &str,
    to: &str,
    today: &str,
    limit: usize,
) -> Result<((u64, u64, u64), Vec<FollowUp>)> {
    let counts = conn
        .prepare_cached(
            "SELECT count(*), coalesce(sum(closed_at IS NOT NULL), 0), coalesce(sum(closed_at IS NULL AND deadline < ?4), 0)
             FROM follow_ups WHERE hall = ?1 AND business_day BETWEEN ?2 AND ?3",
        )?
        .query_row(params![hall_key, from, to, today], |r| {
            let (all, done, overdue): (u64, u64, u64) = (r.get(0)?, r.get(1)?, r.get(2)?);
            Ok((done, overdue, all - done - overdue))
        })?;
    let sql = format!(
        "SELECT {COLUMNS} FROM follow_ups WHERE hall = ?1 AND business_day BETWEEN ?2 AND ?3
         ORDER BY CASE WHEN closed_at IS NOT NULL THEN 2 WHEN deadline < ?4 THEN 0 ELSE 1 END,
                  deadline, number, rated_at DESC
         LIMIT ?5"
    );
    let mut st = conn.prepare_cached(&sql)?;
    let rows = st.query_map(params![hall_key, from, to, today, limit as i64], from_row)?;
    Ok((counts, rows.collect::<rusqlite::Result<_>>()?))
}

/// A hall's follow-ups of low ratings given from `from` to `to` (business
/// days, inclusive), open or closed, newest first.
pub(crate) fn of_range(conn: &Connection, hall_key: i64, from: &str, to: &str) -> Result<Vec<FollowUp>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM follow_ups WHERE hall = ?1 AND business_day BETWEEN ?2 AND ?3 ORDER BY rated_at DESC"
    );
    let mut st = conn.prepare_cached(&sql)?;
    let rows = st.query_map(params![hall_key, from, to], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

impl Reader {
    /// One hall's follow-ups of low ratings given from `from` to `to`, as
    /// the overview shows them, judged on the hall's business day at `now`,
    /// listing at most `limit` (the overview lists
    /// [`crate::FOLLOW_UP_ITEMS`]). The bureau's centre answers the same
    /// from PostgreSQL.
    pub fn follow_up_summary(
        &self,
        hall: Uuid,
        from: NaiveDate,
        to: NaiveDate,
        now: Millis,
        limit: usize,
    ) -> Result<FollowUpSummary> {
        crate::report::check_range(from, to)?;
        let row = crate::halls::by_id(&self.conn, hall)?;
        let today = row.hall.business_day(now);
        let (counts, first) =
            summary_of_range(&self.conn, row.key, &from.to_string(), &to.to_string(), &today.to_string(), limit)?;
        let mut summary = FollowUpSummary::default();
        summary.add_hall(counts, first, today);
        summary.finish();
        Ok(summary)
    }
}
