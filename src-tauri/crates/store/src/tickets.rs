//! The `tickets` table: every ticket leg with its timestamps.

use chrono::NaiveDate;
use hallq_core::{LowScoreReason, PriorityClass, Rating, Resolution, Ticket, TicketState};
use rusqlite::{Connection, Row, params};
use uuid::Uuid;

use crate::error::Result;
use crate::rows;

/// The columns [`from_row`] reads, in order.
pub(crate) const COLUMNS: &str = "id, visit_id, leg, number, service, priority, priority_reason, appointment,
    business_day, visit_issued_at, issued_at, called_at, last_called_at, recalls, started_at, ended_at, state,
    resolution, counter, staff, target_counter, transferred_to, rating, rating_reason, rated_at, people_ahead,
    estimated_wait_ms, target_wait_ms, target_handling_ms";

/// Rewrites a ticket's business day and issue times, which only a clock step
/// changes; [`upsert`] keeps them as first written (and the hot path pays
/// nothing for this).
pub(crate) fn restamp(conn: &Connection, t: &Ticket) -> Result<()> {
    conn.prepare_cached("UPDATE tickets SET business_day = ?2, visit_issued_at = ?3, issued_at = ?4 WHERE id = ?1")?
        .execute(params![t.id.as_bytes(), t.business_day.to_string(), t.visit_issued_at, t.issued_at])?;
    Ok(())
}

/// Writes a ticket as the domain left it: an insert for a new one; for a
/// known one, only the fields that change after issue. `team` is the team
/// of the leg's staff member now; it is kept only when the staff is first
/// recorded on the leg (or changes), so the leg stays credited to the team
/// the clerk was in when they served it.
pub(crate) fn upsert(conn: &Connection, hall_key: i64, t: &Ticket, team: Option<&str>) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO tickets (id, hall, visit_id, leg, number, service, priority, priority_reason, appointment,
            business_day, visit_issued_at, issued_at, called_at, last_called_at, recalls, started_at, ended_at,
            state, resolution, counter, staff, target_counter, transferred_to, rating, rating_reason, rated_at,
            people_ahead, estimated_wait_ms, target_wait_ms, target_handling_ms, team)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20,
                 ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31)
         ON CONFLICT (id) DO UPDATE SET called_at = ?13, last_called_at = ?14, recalls = ?15, started_at = ?16,
            ended_at = ?17, state = ?18, resolution = ?19, counter = ?20, staff = ?21, transferred_to = ?23,
            rating = ?24, rating_reason = ?25, rated_at = ?26,
            team = CASE WHEN staff IS ?21 THEN team ELSE ?31 END",
    )?
    .execute(params![
        t.id.as_bytes(),
        hall_key,
        t.visit_id.as_bytes(),
        t.leg,
        t.number,
        t.service,
        t.priority.as_str(),
        t.priority_reason.map(|r| json_name(&r)),
        t.appointment,
        t.business_day.to_string(),
        t.visit_issued_at,
        t.issued_at,
        t.called_at,
        t.last_called_at,
        t.recalls,
        t.started_at,
        t.ended_at,
        t.state.as_str(),
        t.resolution.map(|r| r.as_str()),
        t.counter,
        t.staff,
        t.target_counter,
        t.transferred_to.map(|u| u.as_bytes().to_vec()),
        t.rating.map(|r| r.level()),
        t.rating_reason.map(|r| r.as_str()),
        t.rated_at,
        t.people_ahead,
        t.estimated_wait_ms,
        t.target_wait_ms,
        t.target_handling_ms,
        team,
    ])?;
    Ok(())
}

/// Reads a ticket from a row selected with [`COLUMNS`].
pub(crate) fn from_row(r: &Row<'_>) -> rusqlite::Result<Ticket> {
    let uuid = |i: usize| rows::uuid(r, i);
    Ok(Ticket {
        id: uuid(0)?,
        visit_id: uuid(1)?,
        leg: r.get(2)?,
        number: r.get(3)?,
        service: r.get(4)?,
        priority: rows::parsed(r, 5, "priority", PriorityClass::parse)?,
        priority_reason: rows::opt_parsed(r, 6, "priority reason", parse_name)?,
        appointment: r.get(7)?,
        business_day: rows::day(r, 8)?,
        visit_issued_at: r.get(9)?,
        issued_at: r.get(10)?,
        called_at: r.get(11)?,
        last_called_at: r.get(12)?,
        recalls: r.get(13)?,
        started_at: r.get(14)?,
        ended_at: r.get(15)?,
        state: rows::parsed(r, 16, "ticket state", TicketState::parse)?,
        resolution: rows::opt_parsed(r, 17, "resolution", Resolution::parse)?,
        counter: r.get(18)?,
        staff: r.get(19)?,
        target_counter: r.get(20)?,
        transferred_to: r.get::<_, Option<Vec<u8>>>(21)?.and_then(|b| Uuid::from_slice(&b).ok()),
        rating: r
            .get::<_, Option<u8>>(22)?
            .map(|v| Rating::new(v).ok_or_else(|| rows::damaged(22, "rating")))
            .transpose()?,
        rating_reason: rows::opt_parsed(r, 23, "rating reason", LowScoreReason::parse)?,
        rated_at: r.get(24)?,
        people_ahead: r.get(25)?,
        estimated_wait_ms: r.get(26)?,
        target_wait_ms: r.get(27)?,
        target_handling_ms: r.get(28)?,
    })
}

/// A hall's tickets of one business day, every leg, in issue order.
pub(crate) fn of_day(conn: &Connection, hall_key: i64, day: NaiveDate) -> Result<Vec<Ticket>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM tickets WHERE hall = ?1 AND business_day = ?2 ORDER BY visit_issued_at, issued_at, id"
    );
    let mut st = conn.prepare_cached(&sql)?;
    let rows = st.query_map(params![hall_key, day.to_string()], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The last `n` handling times per service, oldest first (the estimate's input).
pub(crate) fn recent_handling(conn: &Connection, hall_key: i64, n: usize) -> Result<Vec<(String, Vec<i64>)>> {
    let mut st = conn.prepare_cached(
        "SELECT service, handling_ms FROM (
             SELECT service, handling_ms, ended_at, id,
                    row_number() OVER (PARTITION BY service ORDER BY ended_at DESC, id DESC) AS k
             FROM tickets WHERE hall = ?1 AND state = 'done' AND started_at IS NOT NULL)
         WHERE k <= ?2 ORDER BY service, ended_at, id",
    )?;
    let rows = st.query_map(params![hall_key, n as i64], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
    let mut out: Vec<(String, Vec<i64>)> = Vec::new();
    for row in rows {
        let (s, h) = row?;
        match out.last_mut() {
            Some((last, v)) if *last == s => v.push(h),
            _ => out.push((s, vec![h])),
        }
    }
    Ok(out)
}

/// The snake_case name serde gives a unit enum variant.
pub(crate) fn json_name<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v).ok().and_then(|j| j.as_str().map(str::to_string)).unwrap_or_default()
}

/// Parses a unit enum variant from its serde name.
pub(crate) fn parse_name<T: serde::de::DeserializeOwned>(s: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(s.to_string())).ok()
}
