//! The `source_attempts` table: how many pairing codes and PINs each source
//! address tried in the current minute, with a hall-wide ceiling.
//!
//! An attempt is counted before it is checked, in one write transaction, so
//! a burst cannot slip more attempts past the limit than it allows; the
//! counts are rows, so a restart does not forget them. What a source is
//! (an IPv4 address, an IPv6 /64) is the caller's business.

use hallq_core::Millis;
use rusqlite::{Connection, params};
use uuid::Uuid;

use crate::db;
use crate::error::Result;
use crate::halls;
use crate::store::Store;

/// The length of a counting window.
pub const ATTEMPT_WINDOW_MS: Millis = 60_000;

/// What is being attempted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptKind {
    /// Redeeming a pairing code.
    Pairing,
    /// Checking a staff PIN.
    Pin,
}

impl AttemptKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Pairing => "pairing",
            Self::Pin => "pin",
        }
    }
}

/// Attempts allowed per window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttemptLimit {
    /// From one source.
    pub per_source: u32,
    /// From every source together (a flood from many addresses).
    pub per_hall: u32,
}

/// The source key of the hall-wide count.
const HALL_WIDE: &str = "*";

/// Counts one attempt at `now` and returns the count in its window.
fn count(conn: &Connection, hall_key: i64, kind: AttemptKind, source: &str, now: Millis) -> Result<i64> {
    Ok(conn.query_row(
        "INSERT INTO source_attempts (hall, kind, source, window_start, attempts) VALUES (?1, ?2, ?3, ?4, 1)
         ON CONFLICT (hall, kind, source) DO UPDATE SET
             attempts = CASE WHEN window_start <= ?4 - ?5 OR window_start > ?4 THEN 1 ELSE attempts + 1 END,
             window_start = CASE WHEN window_start <= ?4 - ?5 OR window_start > ?4 THEN ?4 ELSE window_start END
         RETURNING attempts",
        params![hall_key, kind.as_str(), source, now, ATTEMPT_WINDOW_MS],
        |r| r.get(0),
    )?)
}

pub(crate) fn admit(
    conn: &Connection,
    hall_key: i64,
    kind: AttemptKind,
    source: &str,
    limit: AttemptLimit,
    now: Millis,
) -> Result<bool> {
    db::immediate(conn, || {
        conn.execute(
            "DELETE FROM source_attempts WHERE hall = ?1 AND window_start < ?2",
            params![hall_key, now - 10 * ATTEMPT_WINDOW_MS],
        )?;
        if count(conn, hall_key, kind, source, now)? > i64::from(limit.per_source) {
            // A source over its own limit does not use up the hall's.
            return Ok(false);
        }
        Ok(count(conn, hall_key, kind, HALL_WIDE, now)? <= i64::from(limit.per_hall))
    })
}

impl Store {
    /// Counts an attempt of `kind` from `source` at `now` and says whether
    /// it may go ahead: `false` once the source, or the hall as a whole, is
    /// over its limit for the current minute. Counted before the caller
    /// checks anything, atomically, and kept across a restart.
    pub fn admit_attempt(
        &self,
        hall: Uuid,
        kind: AttemptKind,
        source: &str,
        limit: AttemptLimit,
        now: Millis,
    ) -> Result<bool> {
        let conn = self.pool.write()?;
        let key = halls::by_id(&conn, hall)?.key;
        admit(&conn, key, kind, source, limit, now)
    }
}
