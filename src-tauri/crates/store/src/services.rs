//! The `services` table: a hall's services in kiosk order.

use hallq_core::{HallState, Service};
use rusqlite::{Connection, Row, params};

use crate::error::Result;
use crate::rows;

pub(crate) fn upsert(conn: &Connection, hall_key: i64, state: &HallState, s: &Service) -> Result<()> {
    let position = state.services().iter().position(|x| x.code == s.code).unwrap_or(0) as i64;
    conn.prepare_cached(
        "INSERT INTO services (hall, code, position, prefix, name_zh, name_en, target_wait_min, target_handling_min, enabled)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (hall, code) DO UPDATE SET position = ?3, prefix = ?4, name_zh = ?5, name_en = ?6,
             target_wait_min = ?7, target_handling_min = ?8, enabled = ?9",
    )?
    .execute(params![
        hall_key,
        s.code,
        position,
        s.prefix.to_string(),
        s.name_zh,
        s.name_en,
        s.target_wait_min,
        s.target_handling_min,
        s.enabled
    ])?;
    Ok(())
}

/// A hall's services in kiosk order.
pub(crate) fn all(conn: &Connection, hall_key: i64) -> Result<Vec<Service>> {
    let mut st = conn.prepare_cached(
        "SELECT code, prefix, name_zh, name_en, target_wait_min, target_handling_min, enabled
         FROM services WHERE hall = ?1 ORDER BY position",
    )?;
    let rows = st.query_map([hall_key], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn from_row(r: &Row<'_>) -> rusqlite::Result<Service> {
    Ok(Service {
        code: r.get(0)?,
        prefix: rows::parsed(r, 1, "service prefix", |s| s.chars().next())?,
        name_zh: r.get(2)?,
        name_en: r.get(3)?,
        target_wait_min: r.get(4)?,
        target_handling_min: r.get(5)?,
        enabled: r.get(6)?,
    })
}
