//! The `credentials` table: staff PINs as argon2 hashes, and the lockout
//! after five wrong PINs. Secrets never enter the event log.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use hallq_core::{CoreError, Millis};
use password_hash::rand_core::OsRng;
use rusqlite::{Connection, OptionalExtension, params};

use crate::error::{Result, StoreError};

/// Wrong PINs in a row before a staff number is locked.
pub const MAX_FAILED_PINS: i64 = 5;
/// How long a lock lasts.
pub const LOCK_MS: Millis = 5 * 60_000;

/// The result of checking a PIN.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum PinCheck {
    /// The PIN is right.
    Ok,
    /// The PIN is wrong; this many tries are left before the lock.
    Wrong {
        /// Tries left.
        remaining: i64,
    },
    /// Too many wrong PINs: locked until this time, whatever the PIN.
    Locked {
        /// UTC ms.
        until: Millis,
    },
    /// No PIN was ever set for this staff number.
    NoPin,
}

/// A PIN is 4–12 digits.
pub fn valid_pin(pin: &str) -> bool {
    (4..=12).contains(&pin.len()) && pin.bytes().all(|b| b.is_ascii_digit())
}

pub(crate) fn set(conn: &Connection, hall_key: i64, staff: &str, pin: &str) -> Result<()> {
    if !valid_pin(pin) {
        return Err(StoreError::BadPin);
    }
    let known: Option<i64> = conn
        .query_row("SELECT 1 FROM staff WHERE hall = ?1 AND number = ?2", params![hall_key, staff], |r| r.get(0))
        .optional()?;
    if known.is_none() {
        return Err(CoreError::UnknownStaff(staff.to_string()).into());
    }
    let salt = SaltString::generate(&mut OsRng);
    let hash = Argon2::default()
        .hash_password(pin.as_bytes(), &salt)
        .map_err(|e| StoreError::Corrupt(e.to_string()))?
        .to_string();
    conn.execute(
        "INSERT INTO credentials (hall, staff, pin_hash) VALUES (?1, ?2, ?3)
         ON CONFLICT (hall, staff) DO UPDATE SET pin_hash = ?3, failed_attempts = 0, locked_until = NULL",
        params![hall_key, staff, hash],
    )?;
    Ok(())
}

pub(crate) fn check(conn: &Connection, hall_key: i64, staff: &str, pin: &str, now: Millis) -> Result<PinCheck> {
    let row: Option<(String, i64, Option<i64>)> = conn
        .query_row(
            "SELECT pin_hash, failed_attempts, locked_until FROM credentials WHERE hall = ?1 AND staff = ?2",
            params![hall_key, staff],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((hash, failed, locked_until)) = row else {
        return Ok(PinCheck::NoPin);
    };
    if let Some(until) = locked_until.filter(|u| *u > now) {
        return Ok(PinCheck::Locked { until });
    }
    let parsed = PasswordHash::new(&hash).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    if Argon2::default().verify_password(pin.as_bytes(), &parsed).is_ok() {
        conn.execute(
            "UPDATE credentials SET failed_attempts = 0, locked_until = NULL WHERE hall = ?1 AND staff = ?2",
            params![hall_key, staff],
        )?;
        return Ok(PinCheck::Ok);
    }
    // A lock that has run out starts a fresh count.
    let failed = if locked_until.is_some() { 1 } else { failed + 1 };
    if failed >= MAX_FAILED_PINS {
        let until = now + LOCK_MS;
        conn.execute(
            "UPDATE credentials SET failed_attempts = ?3, locked_until = ?4 WHERE hall = ?1 AND staff = ?2",
            params![hall_key, staff, failed, until],
        )?;
        return Ok(PinCheck::Locked { until });
    }
    conn.execute(
        "UPDATE credentials SET failed_attempts = ?3, locked_until = NULL WHERE hall = ?1 AND staff = ?2",
        params![hall_key, staff, failed],
    )?;
    Ok(PinCheck::Wrong { remaining: MAX_FAILED_PINS - failed })
}
