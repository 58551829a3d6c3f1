//! The `counters` table: each counter's configuration and live state.

use hallq_core::{Counter, CounterStatus};
use rusqlite::{Connection, params};

use crate::error::Result;
use crate::rows;

pub(crate) fn upsert(conn: &Connection, hall_key: i64, c: &Counter) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO counters (hall, number, name, services, policy, status, pause_reason, staff, current_ticket,
                               priority_streak, status_since, name_en)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
         ON CONFLICT (hall, number) DO UPDATE SET name = ?3, services = ?4, policy = ?5, status = ?6,
             pause_reason = ?7, staff = ?8, current_ticket = ?9, priority_streak = ?10, status_since = ?11,
             name_en = ?12",
    )?
    .execute(params![
        hall_key,
        c.number,
        c.name,
        serde_json::to_string(&c.services)?,
        serde_json::to_string(&c.policy)?,
        c.status.as_str(),
        c.pause_reason,
        c.staff,
        c.current.map(|u| u.as_bytes().to_vec()),
        c.priority_streak,
        c.status_since,
        c.name_en
    ])?;
    Ok(())
}

/// A hall's counters by number.
pub(crate) fn all(conn: &Connection, hall_key: i64) -> Result<Vec<Counter>> {
    let mut st = conn.prepare_cached(
        "SELECT number, name, services, policy, status, pause_reason, staff, current_ticket, priority_streak, status_since,
                name_en
         FROM counters WHERE hall = ?1 ORDER BY number",
    )?;
    let mut rows = st.query([hall_key])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(Counter {
            number: r.get(0)?,
            name: r.get(1)?,
            name_en: r.get(10)?,
            services: serde_json::from_str(&r.get::<_, String>(2)?)?,
            policy: serde_json::from_str(&r.get::<_, String>(3)?)?,
            status: rows::parsed(r, 4, "counter status", CounterStatus::parse)?,
            pause_reason: r.get(5)?,
            staff: r.get(6)?,
            current: rows::opt_uuid(r, 7)?,
            priority_streak: r.get(8)?,
            status_since: r.get(9)?,
        });
    }
    Ok(out)
}
