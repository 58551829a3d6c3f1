//! Where time comes from: the system clocks in production, a manual clock in
//! tests, demos and benchmarks; and the hall's time line built from them.
//!
//! A clock gives two readings: the wall clock (UTC, which a person or time
//! sync may step forwards or back at any moment) and a monotonic clock (which
//! never steps and counts on through suspend). The hall measures with the
//! monotonic clock anchored to the wall clock ([`HallTime`]); when the two
//! disagree by more than [`STEP_TOLERANCE_MS`] the wall clock was stepped, and
//! the writer logs the step and re-anchors. The engine reads the clock; the
//! domain never does.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use hallq_core::Millis;

/// How far the wall clock may drift from the anchored monotonic clock before
/// it counts as stepped. Time sync slews by well under a millisecond per
/// second; anything larger than this was a step.
pub const STEP_TOLERANCE_MS: Millis = 2_000;

/// One reading of a clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reading {
    /// The wall clock, UTC milliseconds.
    pub wall: Millis,
    /// The monotonic clock, milliseconds from an arbitrary origin.
    pub mono: Millis,
}

impl Reading {
    /// A reading of simulated time, whose wall clock never steps (the bulk
    /// writer's demo and benchmark days).
    pub fn steady(at: Millis) -> Self {
        Self { wall: at, mono: at }
    }
}

/// A source of the current time.
pub trait Clock: Send + Sync + 'static {
    /// The wall clock now, UTC milliseconds.
    fn now_ms(&self) -> Millis;

    /// The monotonic clock now: milliseconds from an arbitrary origin, never
    /// stepped, counting through suspend.
    fn mono_ms(&self) -> Millis;

    /// Both clocks now.
    fn read(&self) -> Reading {
        Reading { wall: self.now_ms(), mono: self.mono_ms() }
    }
}

/// The operating system's clocks: the wall clock (which a rural PC may have
/// set wrong and step) and, on Linux, `CLOCK_BOOTTIME` (monotonic, and it
/// counts while the PC sleeps, so a night in suspend is not a clock step);
/// elsewhere std's `Instant`.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> Millis {
        chrono::Utc::now().timestamp_millis()
    }

    #[cfg(target_os = "linux")]
    fn mono_ms(&self) -> Millis {
        let t = rustix::time::clock_gettime(rustix::time::ClockId::Boottime);
        t.tv_sec * 1_000 + t.tv_nsec / 1_000_000
    }

    #[cfg(not(target_os = "linux"))]
    fn mono_ms(&self) -> Millis {
        static ORIGIN: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
        Millis::try_from(ORIGIN.get_or_init(std::time::Instant::now).elapsed().as_millis()).unwrap_or(Millis::MAX)
    }
}

/// A clock that moves only when told to, with a wall clock that can be
/// stepped apart from the monotonic one. Clones share the same time.
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<[AtomicI64; 2]>);

impl ManualClock {
    /// A clock showing `start` (the monotonic clock starts there too).
    pub fn new(start: Millis) -> Self {
        Self(Arc::new([AtomicI64::new(start), AtomicI64::new(start)]))
    }

    /// Lets time pass until the wall clock shows `ms`. An earlier `ms` is a
    /// step of the wall clock back to it ([`ManualClock::step`]).
    pub fn set(&self, ms: Millis) {
        let by = ms - self.now_ms();
        if by >= 0 { self.advance(by) } else { self.step(by) }
    }

    /// Lets `ms` pass on both clocks.
    pub fn advance(&self, ms: Millis) {
        self.0[0].fetch_add(ms, Ordering::SeqCst);
        self.0[1].fetch_add(ms, Ordering::SeqCst);
    }

    /// Steps the wall clock by `ms` (forwards or back) while no time passes:
    /// what setting the PC's clock, or time sync correcting it, does.
    pub fn step(&self, ms: Millis) {
        self.0[0].fetch_add(ms, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> Millis {
        self.0[0].load(Ordering::SeqCst)
    }

    fn mono_ms(&self) -> Millis {
        self.0[1].load(Ordering::SeqCst)
    }
}

/// The hall's time line: the monotonic clock anchored to the wall clock at
/// the last reading, so it never goes backwards and measures true durations
/// between clock steps.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct HallTime {
    /// The hall's time and the monotonic clock at the last reading.
    anchor: Option<(Millis, Millis)>,
}

/// Where a reading falls on the hall's time line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Placed {
    /// The wall clock agrees with the monotonic one: the hall's time is this.
    Steady(Millis),
    /// The wall clock stepped from the hall's time `from` to `to`.
    Stepped { from: Millis, to: Millis },
}

impl Placed {
    /// The hall's time of the reading.
    pub(crate) fn now(self) -> Millis {
        match self {
            Self::Steady(now) | Self::Stepped { to: now, .. } => now,
        }
    }
}

impl HallTime {
    /// Places a reading, given the time of the hall's last event, without
    /// moving the anchor. At start (no anchor) no monotonic time spans the
    /// gap since the last event: a wall clock behind it by more than the
    /// tolerance is a step back from it (the time the hall was down counts
    /// as none).
    pub(crate) fn place(&self, r: Reading, last_at: Millis) -> Placed {
        match self.anchor {
            Some((at, mono)) => {
                let measured = (at + (r.mono - mono)).max(last_at);
                if (r.wall - measured).abs() > STEP_TOLERANCE_MS {
                    Placed::Stepped { from: measured, to: r.wall }
                } else {
                    Placed::Steady(measured)
                }
            }
            None if r.wall < last_at - STEP_TOLERANCE_MS => Placed::Stepped { from: last_at, to: r.wall },
            None => Placed::Steady(r.wall.max(last_at)),
        }
    }

    /// Anchors the time line at the hall's time `now` of reading `r`.
    pub(crate) fn anchor(&mut self, now: Millis, r: Reading) {
        self.anchor = Some((now, r.mono));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(wall: Millis, mono: Millis) -> Reading {
        Reading { wall, mono }
    }

    #[test]
    fn the_monotonic_clock_measures_and_the_wall_clock_only_anchors() {
        let mut t = HallTime::default();
        assert_eq!(t.place(at(10_000, 5), 9_000), Placed::Steady(10_000));
        t.anchor(10_000, at(10_000, 5));
        // Drift within the tolerance is not a step; the monotonic clock rules.
        assert_eq!(t.place(at(11_500, 1_005), 10_000), Placed::Steady(11_000));
        assert_eq!(t.place(at(9_500, 1_005), 10_000), Placed::Steady(11_000));
        assert_eq!(t.place(at(13_001, 1_005), 10_000), Placed::Stepped { from: 11_000, to: 13_001 });
        assert_eq!(t.place(at(8_999, 1_005), 10_000), Placed::Stepped { from: 11_000, to: 8_999 });
    }

    #[test]
    fn at_start_a_wall_clock_behind_the_log_is_a_step_back_from_the_log() {
        let t = HallTime::default();
        assert_eq!(t.place(at(7_000, 0), 10_000), Placed::Stepped { from: 10_000, to: 7_000 });
        assert_eq!(t.place(at(8_500, 0), 10_000), Placed::Steady(10_000), "within the tolerance");
    }

    #[test]
    fn a_manual_clock_steps_its_wall_clock_alone() {
        let c = ManualClock::new(1_000);
        c.advance(500);
        c.step(-300);
        assert_eq!(c.read(), at(1_200, 1_500));
        c.set(2_200);
        assert_eq!(c.read(), at(2_200, 2_500), "time passed");
        c.set(2_000);
        assert_eq!(c.read(), at(2_000, 2_500), "a step back");
    }
}
