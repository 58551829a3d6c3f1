//! The `credentials` and `pin_attempts` tables: staff PINs as argon2 hashes,
//! and the lockout after five wrong PINs. Secrets never enter the event log.
//!
//! Checking a PIN is three steps, so that no more than five guesses are ever
//! verified per lock, however many arrive at once: the attempt is *reserved*
//! first (counted in a write transaction, the lock set by the fifth), then
//! argon2 runs outside any transaction, then a right PIN resets the count.
//! A wrong PIN therefore needs no write after the check, and a crash between
//! the steps errs on the safe side (the attempt stays counted).
//!
//! Unknown staff numbers, and staff without a PIN, are checked against a
//! dummy hash and counted and locked exactly like real ones: the answer, the
//! count and the time taken do not tell which numbers exist.
//!
//! Counts are kept per origin: the hall PC itself ([`PinOrigin::Local`]) has
//! its own, so an attacker on the LAN who locks a staff number cannot lock
//! the supervisor out at the hall PC; `hallq unlock` clears every origin.

use std::sync::LazyLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use hallq_core::{CoreError, Millis};
use password_hash::rand_core::OsRng;
use rusqlite::{Connection, OptionalExtension, params};
use uuid::Uuid;

use crate::db;
use crate::error::{Result, StoreError};
use crate::halls;
use crate::store::Store;

/// Wrong PINs in a row before a staff number is locked.
pub const MAX_FAILED_PINS: i64 = 5;
/// How long a lock lasts.
pub const LOCK_MS: Millis = 5 * 60_000;
/// A partial count with no attempt for this long is forgotten.
const FORGET_MS: Millis = 24 * 3_600_000;

/// The result of checking a PIN. An unknown staff number, or one without a
/// PIN, gives exactly what a wrong PIN gives.
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
}

/// Where a PIN was typed: its wrong tries are counted apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinOrigin {
    /// The hall PC itself (its desktop app, its CLI, a browser on it).
    Local,
    /// Any other machine on the network.
    Lan,
}

impl PinOrigin {
    fn as_str(self) -> &'static str {
        match self {
            Self::Local => "local",
            Self::Lan => "lan",
        }
    }
}

/// A PIN is 4–12 digits.
pub fn valid_pin(pin: &str) -> bool {
    (4..=12).contains(&pin.len()) && pin.bytes().all(|b| b.is_ascii_digit())
}

/// A string that could be a staff number (1–16 letters or digits, as the
/// domain requires). Anything else cannot exist and is not counted.
fn could_be_staff(staff: &str) -> bool {
    (1..=16).contains(&staff.chars().count()) && staff.chars().all(char::is_alphanumeric)
}

/// What unknown staff numbers are checked against, so that they take as
/// long as real ones (same algorithm and parameters as every stored hash).
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default().hash_password(b"not a pin", &salt).map(|h| h.to_string()).unwrap_or_default()
});

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
        .map_err(|e| StoreError::PinHashFailed(e.to_string()))?
        .to_string();
    db::immediate(conn, || {
        conn.execute(
            "INSERT INTO credentials (hall, staff, pin_hash) VALUES (?1, ?2, ?3)
             ON CONFLICT (hall, staff) DO UPDATE SET pin_hash = ?3",
            params![hall_key, staff, hash],
        )?;
        conn.execute("DELETE FROM pin_attempts WHERE hall = ?1 AND staff = ?2", params![hall_key, staff])?;
        Ok(())
    })
}

/// Checks a PIN typed at the hall PC itself.
pub(crate) fn check(conn: &Connection, hall_key: i64, staff: &str, pin: &str, now: Millis) -> Result<PinCheck> {
    check_from(conn, hall_key, staff, pin, PinOrigin::Local, now)
}

/// A reserved attempt: the stored hash (none for an unknown number) and
/// the attempt's place in the count.
enum Reservation {
    Locked(Millis),
    Attempt { hash: Option<String>, failed: i64, locked_until: Option<Millis> },
}

fn check_from(
    conn: &Connection,
    hall_key: i64,
    staff: &str,
    pin: &str,
    origin: PinOrigin,
    now: Millis,
) -> Result<PinCheck> {
    if !could_be_staff(staff) {
        // No such number can exist: nothing to count, same work and answer.
        verify(None, pin)?;
        return Ok(PinCheck::Wrong { remaining: MAX_FAILED_PINS - 1 });
    }
    let reserved = db::immediate(conn, || reserve(conn, hall_key, staff, origin, now))?;
    let (hash, failed, locked_until) = match reserved {
        Reservation::Locked(until) => return Ok(PinCheck::Locked { until }),
        Reservation::Attempt { hash, failed, locked_until } => (hash, failed, locked_until),
    };
    if verify(hash.as_deref(), pin)? {
        conn.execute(
            "UPDATE pin_attempts SET failed = 0, locked_until = NULL WHERE hall = ?1 AND staff = ?2 AND origin = ?3",
            params![hall_key, staff, origin.as_str()],
        )?;
        return Ok(PinCheck::Ok);
    }
    Ok(match locked_until {
        Some(until) => PinCheck::Locked { until },
        None => PinCheck::Wrong { remaining: MAX_FAILED_PINS - failed },
    })
}

/// Counts the attempt before it is verified (inside the caller's write
/// transaction); the fifth sets the lock at once.
fn reserve(conn: &Connection, hall_key: i64, staff: &str, origin: PinOrigin, now: Millis) -> Result<Reservation> {
    conn.execute(
        "DELETE FROM pin_attempts WHERE hall = ?1 AND at < ?2 AND coalesce(locked_until, 0) < ?3",
        params![hall_key, now - FORGET_MS, now],
    )?;
    let row: Option<(i64, Option<Millis>)> = conn
        .query_row(
            "SELECT failed, locked_until FROM pin_attempts WHERE hall = ?1 AND staff = ?2 AND origin = ?3",
            params![hall_key, staff, origin.as_str()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (failed, locked_until) = row.unwrap_or((0, None));
    if let Some(until) = locked_until.filter(|u| *u > now) {
        return Ok(Reservation::Locked(until));
    }
    // A lock that has run out starts a fresh count.
    let failed = if locked_until.is_some() { 1 } else { failed + 1 };
    let locked_until = (failed >= MAX_FAILED_PINS).then_some(now + LOCK_MS);
    conn.execute(
        "INSERT INTO pin_attempts (hall, staff, origin, failed, locked_until, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (hall, staff, origin) DO UPDATE SET failed = ?4, locked_until = ?5, at = ?6",
        params![hall_key, staff, origin.as_str(), failed, locked_until, now],
    )?;
    let hash: Option<String> = conn
        .query_row("SELECT pin_hash FROM credentials WHERE hall = ?1 AND staff = ?2", params![hall_key, staff], |r| {
            r.get(0)
        })
        .optional()?;
    Ok(Reservation::Attempt { hash, failed, locked_until })
}

/// Runs argon2 against the stored hash, or against the dummy one (always
/// wrong) for a number without a PIN.
fn verify(hash: Option<&str>, pin: &str) -> Result<bool> {
    let stored = hash.unwrap_or(DUMMY_HASH.as_str());
    let parsed = PasswordHash::new(stored).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let right = Argon2::default().verify_password(pin.as_bytes(), &parsed).is_ok();
    Ok(right && hash.is_some())
}

/// Clears a staff number's wrong tries and locks, every origin. `Ok(true)`
/// if it was locked anywhere at `now`.
pub(crate) fn unlock(conn: &Connection, hall_key: i64, staff: &str, now: Millis) -> Result<bool> {
    let known: Option<i64> = conn
        .query_row("SELECT 1 FROM staff WHERE hall = ?1 AND number = ?2", params![hall_key, staff], |r| r.get(0))
        .optional()?;
    if known.is_none() {
        return Err(CoreError::UnknownStaff(staff.to_string()).into());
    }
    db::immediate(conn, || {
        let locked: i64 = conn.query_row(
            "SELECT count(*) FROM pin_attempts WHERE hall = ?1 AND staff = ?2 AND locked_until > ?3",
            params![hall_key, staff, now],
            |r| r.get(0),
        )?;
        conn.execute("DELETE FROM pin_attempts WHERE hall = ?1 AND staff = ?2", params![hall_key, staff])?;
        Ok(locked > 0)
    })
}

impl Store {
    /// Checks a staff PIN typed at `origin` at `now`. Wrong tries are
    /// reserved before argon2 runs, so however many arrive at once no more
    /// than five are verified before the staff number locks for five
    /// minutes (per origin). An unknown number answers like a wrong PIN.
    pub fn check_staff_pin_from(
        &self,
        hall: Uuid,
        staff: &str,
        pin: &str,
        origin: PinOrigin,
        now: Millis,
    ) -> Result<PinCheck> {
        let conn = self.pool.write()?;
        let key = halls::by_id(&conn, hall)?.key;
        check_from(&conn, key, staff, pin, origin, now)
    }

    /// Lifts a staff number's lock (and forgets its wrong tries) from every
    /// origin: `hallq unlock` on the hall PC. `Ok(true)` if it was locked.
    pub fn unlock_staff(&self, hall: Uuid, staff: &str, now: Millis) -> Result<bool> {
        let conn = self.pool.write()?;
        let key = halls::by_id(&conn, hall)?.key;
        unlock(&conn, key, staff, now)
    }
}
