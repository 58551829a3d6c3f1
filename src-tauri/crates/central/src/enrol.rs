//! Enrolment and keys: how a hall gets the right to push its log.
//!
//! The bureau makes a one-time code for a hall code (`hallq central code`):
//! random, shown once, stored as its SHA-256, single use, valid for
//! [`CODE_DAYS`] days. The hall sends it with its id, code, name and
//! settings (`POST /central/v1/enrol`) and receives its own key; the code is
//! consumed in the same transaction. The key is the hall's id followed by
//! 32 random bytes, base64url: the id lets the centre find the hall by its
//! distribution column (one shard on Citus) and the random part is the
//! secret; only its SHA-256 is stored. `hallq central revoke` ends a key;
//! the hall enrols again with a new code.
//!
//! Times are arguments: nothing here reads the clock.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use deadpool_postgres::Pool;
use hallq_core::Millis;
use rand::TryRngCore;
use rand::rngs::OsRng;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::error::{CentralError, CodeRefusal, Result};

/// How long an enrolment code lasts.
pub const CODE_DAYS: i64 = 7;

const DAY_MS: Millis = 24 * 60 * 60 * 1000;

/// The code's alphabet: digits and capitals without 0, 1, I and O, which
/// are misread when a code is typed from a phone call (32 symbols, 5 bits).
const CODE_ALPHABET: &[u8; 32] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

/// Symbols in a code (60 bits), shown in groups of four.
const CODE_LEN: usize = 12;

/// Random bytes in a key after the hall id.
const KEY_SECRET_BYTES: usize = 32;

/// A code just made: shown once, never stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCode {
    /// The code, e.g. `K7QM-2XRP-9DHW`.
    pub code: String,
    /// The hall code it enrols.
    pub hall_code: String,
    /// When it stops working, UTC ms.
    pub expires_at: Millis,
}

/// `POST /central/v1/enrol`'s body.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EnrolRequest {
    /// The one-time code from the bureau.
    pub code: String,
    /// The hall that enrols.
    pub hall: EnrolHall,
}

impl EnrolRequest {
    /// The enrolment of the hall whose settings are `settings` (as its
    /// exchange file's header holds them) with the one-time `code`.
    pub fn of(code: &str, settings: &hallq_store::HallSettings) -> Self {
        let hall = &settings.hall;
        Self {
            code: code.to_string(),
            hall: EnrolHall {
                id: hall.id,
                code: hall.code.clone(),
                name: hall.name.clone(),
                // Plain data: serialising it cannot fail.
                settings: serde_json::to_value(settings).unwrap_or_default(),
            },
        }
    }
}

/// The hall as it describes itself when enrolling.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EnrolHall {
    /// The hall's id (the same as in its log).
    pub id: Uuid,
    /// Its code, which must be the one the code was made for.
    pub code: String,
    /// Its name.
    pub name: String,
    /// Its settings (services, counters, staff …), kept as given.
    #[serde(default)]
    pub settings: serde_json::Value,
}

/// `POST /central/v1/enrol`'s answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Enrolled {
    /// The hall enrolled.
    pub hall_id: Uuid,
    /// Its key: sent as `Authorization: Bearer <key>`; shown only this once.
    pub key: String,
}

pub(crate) fn sha256(text: &str) -> Vec<u8> {
    Sha256::digest(text.as_bytes()).to_vec()
}

pub(crate) fn random_bytes<const N: usize>() -> Result<[u8; N]> {
    let mut bytes = [0u8; N];
    OsRng.try_fill_bytes(&mut bytes).map_err(|e| CentralError::Internal(format!("no OS randomness: {e}")))?;
    Ok(bytes)
}

/// A code as typed: case, spaces and dashes do not matter.
fn normalise_code(code: &str) -> String {
    code.chars().filter(|c| !c.is_whitespace() && *c != '-').flat_map(char::to_uppercase).collect()
}

fn invalid(zh: impl Into<String>, en: impl Into<String>) -> CentralError {
    CentralError::BadRequest { zh: zh.into(), en: en.into() }
}

/// Makes a one-time code for `hall_code` (in `county`, if given), valid
/// for [`CODE_DAYS`] days from `now`.
pub async fn create_code(pool: &Pool, hall_code: &str, county: Option<&str>, now: Millis) -> Result<NewCode> {
    let hall_code = hall_code.trim();
    if hall_code.is_empty() {
        return Err(invalid("营业厅编码不能为空", "the hall code must not be empty"));
    }
    let random = random_bytes::<CODE_LEN>()?;
    let symbols: String = random.iter().map(|b| char::from(CODE_ALPHABET[usize::from(b % 32)])).collect();
    let code =
        symbols.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join("-");
    let expires_at = now + CODE_DAYS * DAY_MS;
    let client = pool.get().await?;
    client
        .execute(
            "INSERT INTO enrol_codes (code_hash, hall_code, county, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
            &[&sha256(&symbols), &hall_code, &county, &now, &expires_at],
        )
        .await?;
    Ok(NewCode { code, hall_code: hall_code.to_string(), expires_at })
}

/// Enrols a hall with a one-time code: checks the code, registers or
/// updates the hall, gives it a new key and consumes the code, in one
/// transaction.
pub async fn enrol(pool: &Pool, request: &EnrolRequest, now: Millis) -> Result<Enrolled> {
    let hall = &request.hall;
    let (code, name) = (hall.code.trim(), hall.name.trim());
    if code.is_empty() || name.is_empty() || code.chars().count() > 64 || name.chars().count() > 200 {
        return Err(invalid(
            "营业厅编码与名称不能为空（编码最多 64 字，名称最多 200 字）",
            "the hall's code and name must not be empty (code at most 64 characters, name at most 200)",
        ));
    }
    let settings = if hall.settings.is_null() { serde_json::json!({}) } else { hall.settings.clone() };
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    let code_hash = sha256(&normalise_code(&request.code));
    let row = tx
        .query_opt(
            "SELECT hall_code, county, expires_at, used_at FROM enrol_codes WHERE code_hash = $1 FOR UPDATE",
            &[&code_hash],
        )
        .await?
        .ok_or(CentralError::EnrolCode(CodeRefusal::Unknown))?;
    let (for_code, county, expires_at, used_at): (String, Option<String>, Millis, Option<Millis>) =
        (row.get(0), row.get(1), row.get(2), row.get(3));
    if used_at.is_some() {
        return Err(CentralError::EnrolCode(CodeRefusal::Used));
    }
    if expires_at <= now {
        return Err(CentralError::EnrolCode(CodeRefusal::Expired));
    }
    if for_code != code {
        return Err(CentralError::EnrolCodeOtherHall { expected: for_code, found: code.to_string() });
    }
    if tx.query_opt("SELECT 1 FROM halls WHERE code = $1 AND hall_id <> $2", &[&code, &hall.id]).await?.is_some() {
        return Err(CentralError::HallCodeTaken(code.to_string()));
    }
    let mut key_bytes = hall.id.as_bytes().to_vec();
    key_bytes.extend_from_slice(&random_bytes::<KEY_SECRET_BYTES>()?);
    let key = URL_SAFE_NO_PAD.encode(&key_bytes);
    tx.execute(
        "INSERT INTO halls (hall_id, code, name, county, settings, key_hash, key_revoked_at, enrolled_at, registered_at)
         VALUES ($1, $2, $3, $4, $5, $6, NULL, $7, $7)
         ON CONFLICT (hall_id) DO UPDATE SET code = excluded.code, name = excluded.name,
             county = coalesce(excluded.county, halls.county), settings = excluded.settings,
             key_hash = excluded.key_hash, key_revoked_at = NULL, enrolled_at = excluded.enrolled_at",
        &[&hall.id, &code, &name, &county, &settings, &sha256(&key), &now],
    )
    .await?;
    tx.execute("UPDATE enrol_codes SET used_at = $2, used_by = $3 WHERE code_hash = $1", &[&code_hash, &now, &hall.id])
        .await?;
    tx.commit().await?;
    Ok(Enrolled { hall_id: hall.id, key })
}

/// Revokes the key of the hall with `hall_code`; returns the hall's id.
/// Revoking twice keeps the first time.
pub async fn revoke(pool: &Pool, hall_code: &str, now: Millis) -> Result<Uuid> {
    let client = pool.get().await?;
    let row = client
        .query_opt(
            "UPDATE halls SET key_revoked_at = coalesce(key_revoked_at, $2)
             WHERE code = $1 AND key_hash IS NOT NULL RETURNING hall_id",
            &[&hall_code.trim(), &now],
        )
        .await?
        .ok_or_else(|| CentralError::UnknownHall(hall_code.trim().to_string()))?;
    Ok(row.get(0))
}

/// The hall a key belongs to: unknown keys are [`CentralError::Unauthorized`],
/// revoked ones [`CentralError::KeyRevoked`].
pub async fn authenticate(pool: &Pool, key: &str) -> Result<Uuid> {
    let bytes = URL_SAFE_NO_PAD.decode(key.trim()).map_err(|_| CentralError::Unauthorized)?;
    if bytes.len() != 16 + KEY_SECRET_BYTES {
        return Err(CentralError::Unauthorized);
    }
    let hall = Uuid::from_slice(&bytes[..16]).map_err(|_| CentralError::Unauthorized)?;
    let client = pool.get().await?;
    let row = client
        .query_opt("SELECT key_hash, key_revoked_at FROM halls WHERE hall_id = $1", &[&hall])
        .await?
        .ok_or(CentralError::Unauthorized)?;
    let (hash, revoked): (Option<Vec<u8>>, Option<Millis>) = (row.get(0), row.get(1));
    if hash.as_deref() != Some(sha256(key.trim()).as_slice()) {
        return Err(CentralError::Unauthorized);
    }
    if revoked.is_some() {
        return Err(CentralError::KeyRevoked);
    }
    Ok(hall)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_compared_without_case_spaces_or_dashes() {
        assert_eq!(normalise_code(" k7qm-2xrp 9dhw "), "K7QM2XRP9DHW");
    }
}
