//! Central users: the bureau's county managers (who see their county's
//! halls) and province managers (who see every hall), their passwords
//! hashed with argon2 as the hall hashes its staff's PINs, and the bearer
//! session a login gives (a random token, stored as its SHA-256, for
//! [`SESSION_HOURS`] hours).
//!
//! What it must not do: store a password or a token in clear, or tell a
//! wrong name from a wrong password (both are `bad_login`, in the same
//! time: an unknown name is checked against a dummy hash).

use std::sync::LazyLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use deadpool_postgres::Pool;
use hallq_core::Millis;
use password_hash::rand_core::OsRng;
use serde::{Deserialize, Serialize};

use crate::enrol::{random_bytes, sha256};
use crate::error::{CentralError, Result};

/// How long a login lasts.
pub const SESSION_HOURS: i64 = 12;

/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 8;

/// What a central user may see.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "role", content = "county", rename_all = "snake_case")]
pub enum Role {
    /// A county manager: the halls of this county.
    County(String),
    /// A province manager: every hall.
    Province,
}

/// The answer of a login.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// The bearer token (shown once).
    pub token: String,
    /// When it stops working, UTC ms.
    pub expires_at: Millis,
    /// The user's role and county.
    #[serde(flatten)]
    pub role: Role,
}

/// What a login asks.
#[derive(Debug, Clone, Deserialize)]
pub struct Login {
    /// The user's name.
    pub name: String,
    /// Their password.
    pub password: String,
}

/// An unknown name is checked against this, so it takes as long as a
/// known one (same algorithm and parameters as every stored hash).
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default().hash_password(b"not a password", &salt).map(|h| h.to_string()).unwrap_or_default()
});

fn invalid(zh: impl Into<String>, en: impl Into<String>) -> CentralError {
    CentralError::BadRequest { zh: zh.into(), en: en.into() }
}

/// Adds a user (`hallq central user add`).
pub async fn add(pool: &Pool, name: &str, role: &Role, password: &str, now: Millis) -> Result<()> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 64 || name.chars().any(char::is_control) {
        return Err(invalid("用户名须为 1–64 个字符", "a user name is 1 to 64 characters"));
    }
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(invalid(
            format!("密码至少 {MIN_PASSWORD_CHARS} 个字符"),
            format!("a password has at least {MIN_PASSWORD_CHARS} characters"),
        ));
    }
    let county = match role {
        Role::County(c) if c.trim().is_empty() => {
            return Err(invalid("县级用户须用 --county 指定所属县", "a county user needs --county"));
        }
        Role::County(c) => Some(c.trim().to_string()),
        Role::Province => None,
    };
    let password = password.to_string();
    let hash = tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string())
    })
    .await
    .map_err(|e| CentralError::Internal(format!("hashing a password: {e}")))?
    .map_err(|e| CentralError::Internal(format!("hashing a password: {e}")))?;
    let role_name = if county.is_some() { "county" } else { "province" };
    let client = pool.get().await?;
    let added = client
        .execute(
            "INSERT INTO central_users (name, role, county, password_hash, created_at) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (name) DO NOTHING",
            &[&name, &role_name, &county, &hash, &now],
        )
        .await?;
    if added == 0 {
        return Err(CentralError::UserExists(name.to_string()));
    }
    Ok(())
}

/// Checks a name and password; a new session on success.
pub async fn login(pool: &Pool, login: &Login, now: Millis) -> Result<Session> {
    let client = pool.get().await?;
    let row = client
        .query_opt("SELECT password_hash, county FROM central_users WHERE name = $1", &[&login.name.trim()])
        .await?;
    let (hash, county) = match &row {
        Some(r) => (Some(r.get::<_, String>(0)), r.get::<_, Option<String>>(1)),
        None => (None, None),
    };
    let password = login.password.clone();
    let right = tokio::task::spawn_blocking(move || {
        let stored = hash.as_deref().unwrap_or(DUMMY_HASH.as_str());
        let right = PasswordHash::new(stored)
            .is_ok_and(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok());
        right && hash.is_some()
    })
    .await
    .map_err(|e| CentralError::Internal(format!("checking a password: {e}")))?;
    if !right {
        return Err(CentralError::BadLogin);
    }
    let token = URL_SAFE_NO_PAD.encode(random_bytes::<32>()?);
    let expires_at = now + SESSION_HOURS * 3_600_000;
    client
        .execute(
            "INSERT INTO central_sessions (token_hash, name, created_at, expires_at) VALUES ($1, $2, $3, $4)",
            &[&sha256(&token), &login.name.trim(), &now, &expires_at],
        )
        .await?;
    let role = county.map_or(Role::Province, Role::County);
    Ok(Session { token, expires_at, role })
}

/// The role of a bearer token's user, or `session_unknown` (unknown or
/// expired token).
pub async fn authenticate(pool: &Pool, token: &str, now: Millis) -> Result<Role> {
    let client = pool.get().await?;
    let row = client
        .query_opt(
            "SELECT u.county FROM central_sessions s JOIN central_users u ON u.name = s.name
             WHERE s.token_hash = $1 AND s.expires_at > $2",
            &[&sha256(token), &now],
        )
        .await?;
    match row {
        Some(r) => Ok(r.get::<_, Option<String>>(0).map_or(Role::Province, Role::County)),
        None => Err(CentralError::SessionUnknown),
    }
}
