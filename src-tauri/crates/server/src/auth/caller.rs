//! Who a request comes from ([`Caller`], put in the request by the guard,
//! taken by handlers as an extractor) and the cache of resolved tokens.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use hallq_store::Terminal;
use hallq_store::hallq_core::{Actor, Millis};
use uuid::Uuid;

use super::matrix::Role;
use crate::error::{ApiError, ApiResult};

/// The terminal behind a request, put in the request's extensions by
/// the guard; handlers take it as an extractor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The terminal's (or session's) id.
    pub terminal: Uuid,
    /// Its role.
    pub role: Role,
    /// Its counter, for counter and rating-pad terminals.
    pub counter: Option<u32>,
    /// Its name; for a supervisor session, the staff number it was opened for.
    pub name: String,
    /// When its token stops working by itself (sessions), UTC ms.
    pub expires_at: Option<Millis>,
}

impl Caller {
    /// The caller of a stored terminal, if its role is one this server knows.
    pub fn of(t: &Terminal) -> Option<Self> {
        Some(Self {
            terminal: t.id,
            role: Role::parse(&t.role)?,
            counter: t.counter,
            name: t.name.clone(),
            expires_at: t.expires_at,
        })
    }

    /// Who the event log records for a command from this caller that is
    /// not a staff action at a counter: the supervisor's staff number, or
    /// the terminal.
    pub fn actor(&self) -> Actor {
        match self.role {
            Role::Supervisor => Actor::Staff(self.name.clone()),
            _ => Actor::Terminal(self.terminal.to_string()),
        }
    }
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &S) -> ApiResult<Self> {
        parts.extensions.get::<Caller>().cloned().ok_or(ApiError::Unauthorized)
    }
}

/// Resolved tokens, so that a request does not cost a database read. An
/// entry is dropped when its terminal is revoked here (and a revoked
/// terminal never re-enters, even from a lookup that raced the revocation),
/// and refreshed after [`TOKEN_CACHE_TTL`] so that a change made by another
/// process is seen.
#[derive(Debug, Default)]
pub(crate) struct TokenCache {
    inner: Mutex<CacheInner>,
}

#[derive(Debug, Default)]
struct CacheInner {
    tokens: HashMap<String, Cached>,
    revoked: std::collections::HashSet<Uuid>,
}

#[derive(Debug, Clone)]
struct Cached {
    caller: Caller,
    expires_at: Option<Millis>,
    fetched: Instant,
}

/// How long a resolved token is trusted without asking the database again.
pub(crate) const TOKEN_CACHE_TTL: Duration = Duration::from_secs(30);
/// A bound on the cache; only valid tokens enter it, so this is never reached
/// by a hall's real terminals.
const TOKEN_CACHE_MAX: usize = 10_000;

impl TokenCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, CacheInner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn get(&self, token: &str, now: Millis) -> Option<Caller> {
        let inner = self.lock();
        let c = inner.tokens.get(token)?;
        let fresh = c.fetched.elapsed() < TOKEN_CACHE_TTL && c.expires_at.is_none_or(|e| e > now);
        fresh.then(|| c.caller.clone())
    }

    /// Caches a resolved token; `false` if its terminal was revoked meanwhile.
    pub(crate) fn put(&self, token: &str, caller: Caller, expires_at: Option<Millis>) -> bool {
        let mut inner = self.lock();
        if inner.revoked.contains(&caller.terminal) {
            return false;
        }
        if inner.tokens.len() >= TOKEN_CACHE_MAX {
            inner.tokens.clear();
        }
        inner.tokens.insert(token.to_string(), Cached { caller, expires_at, fetched: Instant::now() });
        true
    }

    /// Whether this terminal was revoked while the server ran.
    pub(crate) fn is_revoked(&self, terminal: Uuid) -> bool {
        self.lock().revoked.contains(&terminal)
    }

    /// Forgets every token of a terminal that was just revoked.
    pub(crate) fn forget(&self, terminal: Uuid) {
        let mut inner = self.lock();
        inner.revoked.insert(terminal);
        inner.tokens.retain(|_, c| c.caller.terminal != terminal);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_cache_honours_expiry_and_revocation() {
        let cache = TokenCache::default();
        let c = Caller {
            terminal: Uuid::from_u128(1),
            role: Role::Kiosk,
            counter: None,
            name: "k".into(),
            expires_at: Some(1_000),
        };
        assert!(cache.put("t", c.clone(), Some(1_000)));
        assert_eq!(cache.get("t", 999), Some(c.clone()));
        assert_eq!(cache.get("t", 1_000), None, "expired");
        cache.put("t", c.clone(), None);
        cache.forget(c.terminal);
        assert_eq!(cache.get("t", 0), None, "revoked");
        assert!(!cache.put("t", c.clone(), None), "a lookup that raced the revocation is not cached");
    }
}
