//! The `idempotency` table: the first answer to a command sent with a key,
//! kept in the command's own transaction, and the request it answered.
//!
//! A key answers only the request it was first sent with (the caller's
//! fingerprint of route and body): the same key with another request is
//! refused ([`StoreError::IdempotencyKeyReused`]) rather than answered with
//! someone else's result. Scoping keys to a terminal is the caller's part.

use rusqlite::{Connection, OptionalExtension, params};

use crate::error::{Result, StoreError};
use crate::writer::Executed;

/// An idempotency key with the request it stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey {
    /// The key (already scoped by the caller), 1–128 characters.
    pub key: String,
    /// A fingerprint of the request (e.g. a hash of method, path and body);
    /// `None` when the caller has no request to bind (the CLI).
    pub request: Option<String>,
}

impl IdempotencyKey {
    /// A key bound to `request`.
    pub fn new(key: impl Into<String>, request: impl Into<String>) -> Self {
        Self { key: key.into(), request: Some(request.into()) }
    }
}

impl From<String> for IdempotencyKey {
    fn from(key: String) -> Self {
        Self { key, request: None }
    }
}

impl From<&str> for IdempotencyKey {
    fn from(key: &str) -> Self {
        Self::from(key.to_string())
    }
}

/// The first answer given under `key`, if any; the same key kept for another
/// request is an error. A key kept before requests were recorded (NULL)
/// matches any request.
pub(crate) fn replay(conn: &Connection, hall_key: i64, key: &IdempotencyKey) -> Result<Option<Executed>> {
    let kept: Option<(String, Option<String>)> = conn
        .prepare_cached("SELECT answer, request FROM idempotency WHERE hall = ?1 AND key = ?2")?
        .query_row(params![hall_key, key.key], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((answer, request)) = kept else { return Ok(None) };
    if request.is_some() && request != key.request {
        return Err(StoreError::IdempotencyKeyReused);
    }
    Ok(Some(serde_json::from_str(&answer)?))
}

/// Keeps a success under `key`.
pub(crate) fn keep(conn: &Connection, hall_key: i64, key: &IdempotencyKey, executed: &Executed) -> Result<()> {
    conn.prepare_cached("INSERT INTO idempotency (hall, key, answer, at, request) VALUES (?1, ?2, ?3, ?4, ?5)")?
        .execute(params![hall_key, key.key, serde_json::to_string(executed)?, executed.at, key.request])?;
    Ok(())
}
