//! The `terminals` and `pairing_codes` tables: which kiosks, counter PCs,
//! displays, rating pads and boards may talk to the hall, and the 6-digit
//! codes through which they are paired.
//!
//! A token is 32 random bytes shown once to the terminal; only its SHA-256
//! is stored, so a copy of the database does not hand out working tokens.
//! What each role may do is the server's business, not the store's.

use hallq_core::Millis;
use password_hash::rand_core::{OsRng, RngCore};
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::error::{Result, StoreError};
use crate::rows;

/// How long a pairing code is valid.
pub const PAIRING_CODE_MS: Millis = 10 * 60_000;

/// A paired terminal or a supervisor session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Terminal {
    /// Its id.
    pub id: Uuid,
    /// Its hall.
    pub hall: Uuid,
    /// Its role name (kiosk, counter, display, rating_pad, board, supervisor).
    pub role: String,
    /// The counter, for counter and rating-pad terminals.
    pub counter: Option<u32>,
    /// A name the supervisor recognises (“大厅取号机 1”).
    pub name: String,
    /// When it was paired.
    pub created_at: Millis,
    /// When its token stops working by itself (sessions), if ever.
    pub expires_at: Option<Millis>,
    /// When it was revoked.
    pub revoked_at: Option<Millis>,
}

/// A pairing code handed out by the supervisor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PairingCode {
    /// Six digits.
    pub code: String,
    /// The role the terminal will get.
    pub role: String,
    /// The counter, for counter and rating-pad terminals.
    pub counter: Option<u32>,
    /// The terminal's name.
    pub name: String,
    /// Valid until, UTC ms.
    pub expires_at: Millis,
}

fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

fn new_token() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub(crate) fn create_code(
    conn: &Connection,
    hall_key: i64,
    role: &str,
    counter: Option<u32>,
    name: &str,
    now: Millis,
) -> Result<PairingCode> {
    conn.execute(
        "DELETE FROM pairing_codes WHERE hall = ?1 AND expires_at < ?2",
        params![hall_key, now - PAIRING_CODE_MS],
    )?;
    for _ in 0..100 {
        let code = format!("{:06}", OsRng.next_u32() % 1_000_000);
        let taken: Option<i64> = conn
            .query_row("SELECT 1 FROM pairing_codes WHERE hall = ?1 AND code = ?2", params![hall_key, code], |r| {
                r.get(0)
            })
            .optional()?;
        if taken.is_some() {
            continue;
        }
        let expires_at = now + PAIRING_CODE_MS;
        conn.execute(
            "INSERT INTO pairing_codes (code, hall, role, counter, name, created_at, expires_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![code, hall_key, role, counter, name, now, expires_at],
        )?;
        return Ok(PairingCode { code, role: role.to_string(), counter, name: name.to_string(), expires_at });
    }
    Err(StoreError::Corrupt("no free pairing code".into()))
}

/// role, counter, name, expires_at, used_at
type CodeRow = (String, Option<u32>, String, Millis, Option<Millis>);

/// Exchanges a code for a new terminal and its token, once.
pub(crate) fn redeem_code(
    conn: &Connection,
    hall_key: i64,
    hall: Uuid,
    code: &str,
    now: Millis,
) -> Result<(Terminal, String)> {
    let row: Option<CodeRow> = conn
        .query_row(
            "SELECT role, counter, name, expires_at, used_at FROM pairing_codes WHERE hall = ?1 AND code = ?2",
            params![hall_key, code.trim()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional()?;
    let Some((role, counter, name, expires_at, used_at)) = row else { return Err(StoreError::BadPairingCode) };
    if used_at.is_some() || expires_at <= now {
        return Err(StoreError::BadPairingCode);
    }
    conn.execute(
        "UPDATE pairing_codes SET used_at = ?3 WHERE hall = ?1 AND code = ?2",
        params![hall_key, code.trim(), now],
    )?;
    insert_terminal(conn, hall_key, hall, &role, counter, &name, now, None)
}

/// Creates a terminal directly (supervisor sessions, the desktop app's own
/// windows) and returns its token.
#[allow(clippy::too_many_arguments)]
pub(crate) fn insert_terminal(
    conn: &Connection,
    hall_key: i64,
    hall: Uuid,
    role: &str,
    counter: Option<u32>,
    name: &str,
    now: Millis,
    expires_at: Option<Millis>,
) -> Result<(Terminal, String)> {
    let token = new_token();
    let id = Uuid::now_v7();
    conn.execute(
        "INSERT INTO terminals (id, hall, role, counter, name, token_hash, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![id.as_bytes(), hall_key, role, counter, name, token_hash(&token), now, expires_at],
    )?;
    let t = Terminal {
        id,
        hall,
        role: role.to_string(),
        counter,
        name: name.to_string(),
        created_at: now,
        expires_at,
        revoked_at: None,
    };
    Ok((t, token))
}

const COLUMNS: &str = "t.id, h.id, t.role, t.counter, t.name, t.created_at, t.expires_at, t.revoked_at";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Terminal> {
    Ok(Terminal {
        id: rows::uuid(r, 0)?,
        hall: rows::parsed(r, 1, "hall id", |s| s.parse().ok())?,
        role: r.get(2)?,
        counter: r.get(3)?,
        name: r.get(4)?,
        created_at: r.get(5)?,
        expires_at: r.get(6)?,
        revoked_at: r.get(7)?,
    })
}

/// The live terminal holding this token, if any.
pub(crate) fn by_token(conn: &Connection, token: &str, now: Millis) -> Result<Option<Terminal>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM terminals t JOIN halls h ON h.key = t.hall
         WHERE t.token_hash = ?1 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > ?2)"
    );
    Ok(conn.prepare_cached(&sql)?.query_row(params![token_hash(token), now], from_row).optional()?)
}

/// A hall's terminals, newest first, revoked ones included.
pub(crate) fn all(conn: &Connection, hall_key: i64) -> Result<Vec<Terminal>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM terminals t JOIN halls h ON h.key = t.hall WHERE t.hall = ?1 ORDER BY t.created_at DESC"
    );
    let mut st = conn.prepare_cached(&sql)?;
    let rows = st.query_map([hall_key], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub(crate) fn revoke(conn: &Connection, hall_key: i64, id: Uuid, now: Millis) -> Result<()> {
    let n = conn.execute(
        "UPDATE terminals SET revoked_at = coalesce(revoked_at, ?3) WHERE hall = ?1 AND id = ?2",
        params![hall_key, id.as_bytes(), now],
    )?;
    if n == 0 {
        return Err(StoreError::UnknownTerminal(id.to_string()));
    }
    Ok(())
}
