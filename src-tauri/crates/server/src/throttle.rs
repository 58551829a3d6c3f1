//! Flood guards: one ticket per kiosk per interval, and the gate that
//! bounds how many PIN checks (argon2, ~19 MiB each) run at once.
//!
//! The kiosk guard runs on the server's clock (a manual one in tests) and
//! keeps its slots in memory only: a restart forgets them, which is
//! harmless. Pairing codes and PINs per source are counted by the store
//! (`Store::admit_attempt`), atomically and across restarts.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

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

/// At most `running` PIN checks at once, and `waiting` more queued for a
/// turn; anything beyond is refused at once ([`ApiError::PinBusy`]), so a
/// burst of guesses costs neither memory nor time.
#[derive(Debug)]
pub(crate) struct PinGate {
    running: Arc<Semaphore>,
    admitted: Arc<Semaphore>,
}

/// A turn at checking a PIN; the next one may start when it is dropped.
#[derive(Debug)]
pub(crate) struct PinTurn {
    _running: OwnedSemaphorePermit,
    _admitted: OwnedSemaphorePermit,
}

impl PinGate {
    pub(crate) fn new(running: usize, waiting: usize) -> Self {
        let running = running.max(1);
        Self { running: Arc::new(Semaphore::new(running)), admitted: Arc::new(Semaphore::new(running + waiting)) }
    }

    /// Waits for a turn if there is room in the queue; refuses at once if not.
    pub(crate) async fn enter(&self) -> Result<PinTurn, ApiError> {
        let admitted = self.admitted.clone().try_acquire_owned().map_err(|_| ApiError::PinBusy)?;
        let running = self.running.clone().acquire_owned().await.map_err(|_| ApiError::PinBusy)?;
        Ok(PinTurn { _running: running, _admitted: admitted })
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

    #[tokio::test]
    async fn pin_checks_beyond_the_running_and_waiting_ones_are_refused_at_once() {
        let gate = Arc::new(PinGate::new(1, 1));
        let first = gate.enter().await.unwrap();
        let waiting = tokio::spawn({
            let gate = gate.clone();
            async move { gate.enter().await.map(drop) }
        });
        tokio::task::yield_now().await;
        while gate.admitted.available_permits() > 0 {
            tokio::task::yield_now().await;
        }
        assert!(matches!(gate.enter().await, Err(ApiError::PinBusy)), "queue full");
        drop(first);
        waiting.await.unwrap().expect("the queued check gets its turn");
        gate.enter().await.expect("room again");
    }
}
