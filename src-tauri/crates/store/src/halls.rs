//! The `halls` table: which halls this database holds, each hall's current
//! business day and the position of its log; and restoring a hall's live
//! state from the projections.

use chrono::NaiveDate;
use hallq_core::state::HallSnapshot;
use hallq_core::timing::RECENT_HANDLING_WINDOW;
use hallq_core::{EventData, Hall, HallState, Millis};
use rusqlite::{Connection, OptionalExtension, params};
use uuid::Uuid;

use crate::error::{Result, StoreError};

/// Where a hall's log stands.
pub(crate) struct HallRow {
    pub(crate) key: i64,
    pub(crate) hall: Hall,
    pub(crate) day: NaiveDate,
    pub(crate) last_at: Millis,
    pub(crate) last_seq: u64,
}

/// Adds a hall's row; its configuration is then written by its first event.
pub(crate) fn insert(conn: &Connection, hall: &Hall, now: Millis) -> Result<i64> {
    let exists: Option<i64> = conn
        .query_row("SELECT key FROM halls WHERE code = ?1 OR id = ?2", params![hall.code, hall.id.to_string()], |r| {
            r.get(0)
        })
        .optional()?;
    if exists.is_some() {
        return Err(StoreError::HallExists(hall.code.clone()));
    }
    conn.execute(
        "INSERT INTO halls (id, code, name, config, day, last_at, last_seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0)",
        params![
            hall.id.to_string(),
            hall.code,
            hall.name,
            serde_json::to_string(hall)?,
            hall.business_day(now).to_string(),
            now
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

/// Every hall, by code.
pub(crate) fn all(conn: &Connection) -> Result<Vec<HallRow>> {
    let mut st = conn.prepare_cached("SELECT key, config, day, last_at, last_seq FROM halls ORDER BY code")?;
    let mut rows = st.query([])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(from_row(r)?);
    }
    Ok(out)
}

fn from_row(r: &rusqlite::Row<'_>) -> Result<HallRow> {
    Ok(HallRow {
        key: r.get(0)?,
        hall: serde_json::from_str(&r.get::<_, String>(1)?)?,
        day: r.get::<_, String>(2)?.parse().map_err(|e: chrono::ParseError| StoreError::Corrupt(e.to_string()))?,
        last_at: r.get(3)?,
        last_seq: r.get::<_, i64>(4)? as u64,
    })
}

/// One hall by id.
pub(crate) fn by_id(conn: &Connection, id: Uuid) -> Result<HallRow> {
    let mut st = conn.prepare_cached("SELECT key, config, day, last_at, last_seq FROM halls WHERE id = ?1")?;
    let mut rows = st.query([id.to_string()])?;
    match rows.next()? {
        Some(r) => from_row(r),
        None => Err(StoreError::UnknownHall(id.to_string())),
    }
}

/// A hall's compact key by id (the hot path of every per-hall read).
pub(crate) fn key_of(conn: &Connection, id: Uuid) -> Result<i64> {
    conn.prepare_cached("SELECT key FROM halls WHERE id = ?1")?
        .query_row([id.to_string()], |r| r.get(0))
        .optional()?
        .ok_or_else(|| StoreError::UnknownHall(id.to_string()))
}

/// The day after the hall's last closed day, from its last `day_closed`
/// event (a clock step may move the current day back, but never onto a
/// closed day); `None` when no day was closed yet.
fn unclosed_from(conn: &Connection, hall_key: i64) -> Result<Option<NaiveDate>> {
    let data: Option<String> = conn
        .prepare_cached("SELECT data FROM events WHERE hall = ?1 AND kind = 'day_closed' ORDER BY seq DESC LIMIT 1")?
        .query_row([hall_key], |r| r.get(0))
        .optional()?;
    match data.map(|d| serde_json::from_str::<EventData>(&d)).transpose()? {
        Some(EventData::DayClosed { next_day, .. }) => Ok(Some(next_day)),
        _ => Ok(None),
    }
}

/// Restores a hall's live state from its projections.
pub(crate) fn restore(conn: &Connection, row: &HallRow) -> Result<HallState> {
    let snap = HallSnapshot {
        hall: Some(row.hall.clone()),
        day: Some(row.day),
        unclosed_from: unclosed_from(conn, row.key)?,
        last_at: row.last_at,
        services: crate::services::all(conn, row.key)?,
        counters: crate::counters::all(conn, row.key)?,
        staff: crate::staff::all(conn, row.key)?,
        tickets: crate::tickets::of_day(conn, row.key, row.day)?,
        recent_handling: crate::tickets::recent_handling(conn, row.key, RECENT_HANDLING_WINDOW)?,
        follow_ups: crate::follow_ups::open(conn, row.key)?,
        case_types: crate::cases::types(conn, row.key)?,
        cases: crate::cases::open(conn, row.key)?,
        case_seq: crate::cases::last_seq(conn, row.key)?,
    };
    HallState::restore(snap).ok_or(StoreError::NoHall)
}
