//! The event log: appending events in their envelope and reading them back.
//! Events are never updated or deleted (triggers in the schema enforce it).

use hallq_core::{Actor, EventData, Millis};
use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::Result;

/// An event in its envelope, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredEvent {
    /// UUIDv7, unique across all halls (the key for merging logs).
    pub id: Uuid,
    /// The hall whose log it is in.
    pub hall_id: Uuid,
    /// Per-hall sequence number, gapless from 1.
    pub seq: u64,
    /// UTC ms; never decreases within a hall.
    pub at: Millis,
    /// Who caused it.
    pub actor: Actor,
    /// What happened.
    pub data: EventData,
}

pub(crate) fn append(conn: &Connection, hall_key: i64, e: &StoredEvent) -> Result<()> {
    let mut st = conn.prepare_cached(
        "INSERT INTO events (hall, seq, id, at, kind, actor, data) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    st.execute(params![
        hall_key,
        e.seq as i64,
        e.id.as_bytes(),
        e.at,
        e.data.kind(),
        serde_json::to_string(&e.actor)?,
        serde_json::to_string(&e.data)?,
    ])?;
    Ok(())
}

/// Reads a hall's events after `after_seq`, in order, at most `limit`.
pub(crate) fn read(
    conn: &Connection,
    hall_key: i64,
    hall_id: Uuid,
    after_seq: u64,
    limit: usize,
) -> Result<Vec<StoredEvent>> {
    let mut st = conn.prepare_cached(
        "SELECT seq, id, at, actor, data FROM events WHERE hall = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
    )?;
    let rows = st.query_map(params![hall_key, after_seq as i64, limit as i64], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, Vec<u8>>(1)?,
            r.get::<_, i64>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (seq, id, at, actor, data) = row?;
        out.push(StoredEvent {
            id: Uuid::from_slice(&id).map_err(|e| crate::StoreError::Corrupt(e.to_string()))?,
            hall_id,
            seq: seq as u64,
            at,
            actor: serde_json::from_str(&actor)?,
            data: serde_json::from_str(&data)?,
        });
    }
    Ok(out)
}
