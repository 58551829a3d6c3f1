//! Where time comes from: the system clock in production, a manual clock in
//! tests, demos and benchmarks. The engine reads the clock; the domain never does.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use hallq_core::Millis;

/// A source of the current time, UTC milliseconds.
pub trait Clock: Send + Sync + 'static {
    /// Now.
    fn now_ms(&self) -> Millis;
}

/// The operating system's wall clock (which a rural PC may set backwards;
/// the engine clamps it).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> Millis {
        chrono::Utc::now().timestamp_millis()
    }
}

/// A clock that moves only when told to. Clones share the same time.
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<AtomicI64>);

impl ManualClock {
    /// A clock showing `start`.
    pub fn new(start: Millis) -> Self {
        Self(Arc::new(AtomicI64::new(start)))
    }

    /// Sets the time (also backwards, to test clamping).
    pub fn set(&self, ms: Millis) {
        self.0.store(ms, Ordering::SeqCst);
    }

    /// Moves the time forward by `ms`.
    pub fn advance(&self, ms: Millis) {
        self.0.fetch_add(ms, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> Millis {
        self.0.load(Ordering::SeqCst)
    }
}
