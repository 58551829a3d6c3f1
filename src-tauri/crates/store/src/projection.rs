//! Projections: the tables of current state, written from events.
//!
//! [`project`] is the only code that writes them, both while the engine runs
//! and when [`crate::Store::rebuild`] replays the log, so the two cannot
//! disagree about what an event means. Ticket and counter rows are written
//! as the domain left them after the event ([`Changes`]); sessions and
//! configuration rows come from the event itself.

use hallq_core::state::Changes;
use hallq_core::{EventData, HallState};
use rusqlite::{Connection, params};

use crate::error::Result;
use crate::log::StoredEvent;

/// Records where a hall's log stands (current business day, last time, last
/// seq). Written once per transaction, just before it commits, rather than
/// once per event. The last time goes back only after a clock step back.
pub(crate) fn mark_position(conn: &Connection, hall_key: i64, state: &HallState, last_seq: u64) -> Result<()> {
    conn.prepare_cached("UPDATE halls SET day = ?2, last_at = ?3, last_seq = ?4 WHERE key = ?1")?.execute(params![
        hall_key,
        state.day().to_string(),
        state.last_at(),
        last_seq as i64
    ])?;
    Ok(())
}

/// Writes what one event changed (the hall's position is marked separately,
/// see [`mark_position`]).
pub(crate) fn project(
    conn: &Connection,
    hall_key: i64,
    state: &HallState,
    e: &StoredEvent,
    ch: &Changes,
) -> Result<()> {
    use EventData as E;
    match &e.data {
        E::HallConfigured { hall } => {
            conn.prepare_cached("UPDATE halls SET code = ?2, name = ?3, config = ?4 WHERE key = ?1")?
                .execute(params![hall_key, hall.code, hall.name, serde_json::to_string(hall)?])?;
        }
        E::ServiceDefined { service } => crate::services::upsert(conn, hall_key, state, service)?,
        E::StaffDefined { staff } => crate::staff::upsert(conn, hall_key, staff)?,
        E::CounterOpened { counter } | E::CounterResumed { counter } => {
            let staff = state.counter(*counter).and_then(|c| c.staff.clone());
            let team = team_of(state, staff.as_deref());
            conn.prepare_cached(
                "INSERT INTO counter_sessions (hall, counter, staff, opened_at, team) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![hall_key, counter, staff, e.at, team])?;
        }
        E::CounterPaused { counter, .. } | E::CounterClosed { counter } => {
            conn.prepare_cached(
                "UPDATE counter_sessions SET closed_at = ?3 WHERE hall = ?1 AND counter = ?2 AND closed_at IS NULL",
            )?
            .execute(params![hall_key, counter, e.at])?;
        }
        E::StaffLoggedIn { counter, staff } => {
            conn.prepare_cached("INSERT INTO staff_sessions (hall, staff, counter, login_at) VALUES (?1, ?2, ?3, ?4)")?
                .execute(params![hall_key, staff, counter, e.at])?;
        }
        E::StaffLoggedOut { counter, staff } => {
            conn.prepare_cached(
                "UPDATE staff_sessions SET logout_at = ?4
                 WHERE hall = ?1 AND staff = ?2 AND counter = ?3 AND logout_at IS NULL",
            )?
            .execute(params![hall_key, staff, counter, e.at])?;
        }
        E::ClockStepped { from, to, .. } => {
            // Sessions still open move with the clock, as the day's tickets
            // and the counters do (`Changes`), so their length stays true.
            conn.prepare_cached(
                "UPDATE counter_sessions SET opened_at = opened_at + ?2 WHERE hall = ?1 AND closed_at IS NULL",
            )?
            .execute(params![hall_key, to - from])?;
            conn.prepare_cached(
                "UPDATE staff_sessions SET login_at = login_at + ?2 WHERE hall = ?1 AND logout_at IS NULL",
            )?
            .execute(params![hall_key, to - from])?;
            for t in &ch.tickets {
                crate::tickets::restamp(conn, t)?;
            }
        }
        _ => {}
    }
    for t in &ch.tickets {
        crate::tickets::upsert(conn, hall_key, t, team_of(state, t.staff.as_deref()))?;
    }
    for c in &ch.counters {
        crate::counters::upsert(conn, hall_key, c)?;
    }
    for f in &ch.follow_ups {
        crate::follow_ups::upsert(conn, hall_key, f)?;
    }
    for t in &ch.case_types {
        crate::cases::upsert_type(conn, hall_key, t)?;
    }
    for c in &ch.cases {
        crate::cases::upsert(conn, hall_key, state, c)?;
    }
    crate::cases::step(conn, hall_key, e)?;
    Ok(())
}

/// The team a staff member is in as of this event (the state after it), so
/// that a rebuild credits every leg and session as the live hall did.
fn team_of<'a>(state: &'a HallState, staff: Option<&str>) -> Option<&'a str> {
    staff.and_then(|s| state.staff_member(s)).and_then(|s| s.team.as_deref())
}
