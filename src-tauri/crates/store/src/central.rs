//! The `central_link` table: the hall's link to the bureau's centre — where
//! it pushes its log, with which key, what the centre acknowledged, and how
//! the last attempt went (`hallq enrol` writes it, the server's forwarder
//! updates it).
//!
//! Operational rows like terminals: not events (forwarding decides nothing
//! about the queue) and not projections (a rebuild leaves them alone). The
//! key is kept as given: the hall must send it, so it cannot be a hash; it
//! is in the hall's database and so in its backups (see the migration).

use hallq_core::Millis;
use rusqlite::{Connection, OptionalExtension, params};

use crate::error::Result;

/// The hall's link to the centre.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CentralLink {
    /// The centre's base URL (`https://bureau.example:8791`).
    pub url: String,
    /// The hall's key (sent as `Authorization: Bearer <key>`).
    pub key: String,
    /// When the hall enrolled, UTC ms (a new enrolment is a new link).
    pub enrolled_at: Millis,
    /// The last seq the centre acknowledged holding.
    pub acknowledged_seq: u64,
    /// When a push or a cursor was last answered, UTC ms.
    pub last_success_at: Option<Millis>,
    /// The last failure, if the last attempt failed.
    pub last_error: Option<CentralFailure>,
}

/// A failed attempt to reach or push to the centre.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CentralFailure {
    /// When, UTC ms.
    pub at: Millis,
    /// The centre's error code (`divergent_log`, `key_revoked` …) or the
    /// hall's own (`central_unreachable` …).
    pub code: String,
    /// Chinese explanation.
    pub zh: String,
    /// English explanation.
    pub en: String,
}

pub(crate) fn get(conn: &Connection, hall: i64) -> Result<Option<CentralLink>> {
    let row = conn
        .prepare_cached(
            "SELECT url, hall_key, enrolled_at, acknowledged_seq, last_success_at,
                    last_error_at, last_error_code, last_error_zh, last_error_en
             FROM central_link WHERE hall = ?1",
        )?
        .query_row([hall], |r| {
            let error_at: Option<Millis> = r.get(5)?;
            Ok(CentralLink {
                url: r.get(0)?,
                key: r.get(1)?,
                enrolled_at: r.get(2)?,
                acknowledged_seq: r.get::<_, i64>(3)? as u64,
                last_success_at: r.get(4)?,
                last_error: match error_at {
                    Some(at) => Some(CentralFailure { at, code: r.get(6)?, zh: r.get(7)?, en: r.get(8)? }),
                    None => None,
                },
            })
        })
        .optional()?;
    Ok(row)
}

/// Records a new link (a new enrolment replaces the old one whole).
pub(crate) fn set(conn: &Connection, hall: i64, url: &str, key: &str, now: Millis) -> Result<()> {
    conn.execute(
        "INSERT OR REPLACE INTO central_link (hall, url, hall_key, enrolled_at) VALUES (?1, ?2, ?3, ?4)",
        params![hall, url, key, now],
    )?;
    Ok(())
}

/// Removes the link; whether there was one.
pub(crate) fn forget(conn: &Connection, hall: i64) -> Result<bool> {
    Ok(conn.execute("DELETE FROM central_link WHERE hall = ?1", [hall])? > 0)
}

/// The centre answered: it holds the hall's log up to `seq`. Only for the
/// link enrolled at `enrolled_at` (an answer to an old link is dropped).
pub(crate) fn acknowledged(conn: &Connection, hall: i64, enrolled_at: Millis, seq: u64, now: Millis) -> Result<()> {
    conn.execute(
        "UPDATE central_link SET acknowledged_seq = ?3, last_success_at = ?4, last_error_at = NULL,
             last_error_code = NULL, last_error_zh = NULL, last_error_en = NULL
         WHERE hall = ?1 AND enrolled_at = ?2",
        params![hall, enrolled_at, seq as i64, now],
    )?;
    Ok(())
}

/// An attempt failed (for the link enrolled at `enrolled_at`).
pub(crate) fn failed(conn: &Connection, hall: i64, enrolled_at: Millis, failure: &CentralFailure) -> Result<()> {
    conn.execute(
        "UPDATE central_link SET last_error_at = ?3, last_error_code = ?4, last_error_zh = ?5, last_error_en = ?6
         WHERE hall = ?1 AND enrolled_at = ?2",
        params![hall, enrolled_at, failure.at, failure.code, failure.zh, failure.en],
    )?;
    Ok(())
}
