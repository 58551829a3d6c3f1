//! Flood guards: one ticket per kiosk per interval, and a cap on wrong
//! pairing codes per minute.
//!
//! Both run on the server's clock (a manual one in tests) and keep their
//! counts in memory only: a restart forgets them, which is harmless.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use hallq_store::hallq_core::Millis;
use uuid::Uuid;

use crate::error::ApiError;

/// The last ticket each kiosk took.
#[derive(Debug, Default)]
pub(crate) struct KioskThrottle {
    last: Mutex<HashMap<Uuid, Slot>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Slot {
    at: Millis,
    key: Option<String>,
}

/// A kiosk's admission to issue one ticket; [`KioskThrottle::release`] gives the
/// slot back when the hall refused the ticket (a wrong button is not a ticket).
#[derive(Debug)]
pub(crate) struct Admission {
    kiosk: Uuid,
    previous: Option<Slot>,
}

impl KioskThrottle {
    /// Admits a kiosk's issue at `now` if its last one was at least
    /// `interval` ago. A retry carrying the idempotency key of the last
    /// admitted issue is always admitted: the engine answers it with the
    /// first ticket, it does not make a new one.
    pub(crate) fn admit(
        &self,
        kiosk: Uuid,
        key: Option<&str>,
        now: Millis,
        interval: Millis,
    ) -> Result<Admission, ApiError> {
        let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        let previous = last.get(&kiosk).cloned();
        let mut at = now;
        if let Some(p) = &previous {
            let retry = key.is_some() && p.key.as_deref() == key;
            let since = now - p.at;
            if retry {
                at = p.at;
            } else if since < interval {
                return Err(ApiError::KioskTooFast { retry_after_ms: interval - since.max(0) });
            }
        }
        last.insert(kiosk, Slot { at, key: key.map(str::to_string) });
        Ok(Admission { kiosk, previous })
    }

    /// Undoes an admission whose ticket was refused.
    pub(crate) fn release(&self, a: Admission) {
        let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        match a.previous {
            Some(p) => last.insert(a.kiosk, p),
            None => last.remove(&a.kiosk),
        };
    }
}

/// Wrong pairing codes of the last minute.
#[derive(Debug, Default)]
pub(crate) struct PairingThrottle {
    failures: Mutex<VecDeque<Millis>>,
}

const MINUTE: Millis = 60_000;

impl PairingThrottle {
    /// Refuses when `limit` wrong codes were tried in the last minute.
    pub(crate) fn check(&self, now: Millis, limit: usize) -> Result<(), ApiError> {
        let mut f = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        while f.front().is_some_and(|t| now - t >= MINUTE) {
            f.pop_front();
        }
        if f.len() >= limit { Err(ApiError::TooManyPairingAttempts) } else { Ok(()) }
    }

    /// Counts a wrong code.
    pub(crate) fn failed(&self, now: Millis) {
        self.failures.lock().unwrap_or_else(|p| p.into_inner()).push_back(now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const K: Uuid = Uuid::from_u128(7);

    #[test]
    fn one_ticket_per_kiosk_per_interval() {
        let t = KioskThrottle::default();
        t.admit(K, None, 0, 2_000).unwrap();
        let e = t.admit(K, None, 1_500, 2_000).unwrap_err();
        assert!(matches!(e, ApiError::KioskTooFast { retry_after_ms: 500 }));
        t.admit(Uuid::from_u128(8), None, 1_500, 2_000).expect("another kiosk is not held up");
        t.admit(K, None, 2_000, 2_000).expect("after the interval");
    }

    #[test]
    fn a_retry_with_the_same_key_passes_and_a_refused_ticket_gives_the_slot_back() {
        let t = KioskThrottle::default();
        t.admit(K, Some("k1"), 0, 2_000).unwrap();
        t.admit(K, Some("k1"), 100, 2_000).expect("the same request again");
        assert!(t.admit(K, Some("k2"), 200, 2_000).is_err());
        let a = t.admit(K, Some("k3"), 2_500, 2_000).unwrap();
        t.release(a);
        t.admit(K, Some("k4"), 2_600, 2_000).expect("the refused issue did not count");
    }

    #[test]
    fn wrong_pairing_codes_are_capped_per_minute() {
        let p = PairingThrottle::default();
        for i in 0..3 {
            p.check(i, 3).unwrap();
            p.failed(i);
        }
        assert!(p.check(10, 3).is_err());
        p.check(60_000, 3).expect("a minute later");
    }
}
