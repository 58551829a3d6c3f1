//! The `staff` table.

use hallq_core::Staff;
use rusqlite::{Connection, params};

use crate::error::Result;
use crate::rows;
use crate::tickets::{json_name, parse_name};

pub(crate) fn upsert(conn: &Connection, hall_key: i64, s: &Staff) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO staff (hall, number, name, role, active, team) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (hall, number) DO UPDATE SET name = ?3, role = ?4, active = ?5, team = ?6",
    )?
    .execute(params![hall_key, s.number, s.name, json_name(&s.role), s.active, s.team])?;
    Ok(())
}

/// A hall's staff by number.
pub(crate) fn all(conn: &Connection, hall_key: i64) -> Result<Vec<Staff>> {
    let mut st =
        conn.prepare_cached("SELECT number, name, role, active, team FROM staff WHERE hall = ?1 ORDER BY number")?;
    let rows = st.query_map([hall_key], |r| {
        Ok(Staff {
            number: r.get(0)?,
            name: r.get(1)?,
            role: rows::parsed(r, 2, "staff role", parse_name)?,
            active: r.get(3)?,
            team: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
