//! Erlang C: the M/M/c queue (Poisson arrivals, exponential handling, `c`
//! counters, one FIFO queue), for staffing advice and for the what-if
//! simulation's prediction.
//!
//! With arrival rate λ, mean handling h (so service rate μ = 1/h) and offered
//! load a = λh (in Erlangs), the queue is stable only when a < c. Then:
//! - C(c, a), the probability that a customer waits at all, is computed from
//!   Erlang B by its recursion B(0) = 1, B(k) = a·B(k−1) / (k + a·B(k−1)) and
//!   C = c·B / (c − a·(1 − B)); no factorials or powers, so it stays exact
//!   for hundreds of counters and loads where a^c/c! would overflow;
//! - the mean wait is Wq = C·h / (c − a);
//! - the share called within t is P(W ≤ t) = 1 − C·e^{−(c − a)·t/h}.
//!
//! Every function takes plain `f64`s in one unit of time of the caller's
//! choosing (HallQ passes milliseconds and arrivals per millisecond), refuses
//! NaN, infinite and negative inputs with a bilingual [`CoreError`], and
//! answers `None` where the figure does not exist (an unstable load).

use crate::CoreError;

/// A queue with Poisson arrivals and exponential handling at `counters`
/// identical counters, served first come, first served.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ErlangC {
    arrival_rate: f64,
    mean_handling: f64,
    counters: u32,
}

fn check(name_zh: &str, name_en: &str, x: f64) -> Result<f64, CoreError> {
    if x.is_finite() && x >= 0.0 {
        Ok(x)
    } else {
        Err(CoreError::config(
            format!("{name_zh}须为不小于 0 的有限数（收到 {x}）"),
            format!("{name_en} must be a finite number ≥ 0 (got {x})"),
        ))
    }
}

impl ErlangC {
    /// The queue with `arrival_rate` customers per unit of time, a mean
    /// handling of `mean_handling` units and `counters` counters.
    pub fn new(arrival_rate: f64, mean_handling: f64, counters: u32) -> Result<Self, CoreError> {
        let arrival_rate = check("到达率", "the arrival rate", arrival_rate)?;
        let mean_handling = check("平均办理时长", "the mean handling time", mean_handling)?;
        if mean_handling == 0.0 && arrival_rate > 0.0 {
            return Err(CoreError::config("平均办理时长须大于 0", "the mean handling time must be above 0"));
        }
        Ok(Self { arrival_rate, mean_handling, counters })
    }

    /// The offered load a = λ·h in Erlangs: the counters busy on average.
    pub fn offered_load(&self) -> f64 {
        self.arrival_rate * self.mean_handling
    }

    /// Whether the queue settles (a < c); with no arrivals it always does.
    pub fn is_stable(&self) -> bool {
        self.arrival_rate == 0.0 || self.offered_load() < f64::from(self.counters)
    }

    /// C(c, a): the probability that an arriving customer has to wait.
    /// `None` when the load is unstable; 0 with no arrivals.
    pub fn wait_probability(&self) -> Option<f64> {
        if self.arrival_rate == 0.0 {
            return Some(0.0);
        }
        if !self.is_stable() {
            return None;
        }
        let a = self.offered_load();
        let c = f64::from(self.counters);
        let b = erlang_b(self.counters, a);
        Some((c * b / (c - a * (1.0 - b))).clamp(0.0, 1.0))
    }

    /// The mean wait Wq (same unit as the handling time); `None` when
    /// unstable.
    pub fn mean_wait(&self) -> Option<f64> {
        let p = self.wait_probability()?;
        if p == 0.0 {
            return Some(0.0);
        }
        Some(p * self.mean_handling / (f64::from(self.counters) - self.offered_load()))
    }

    /// The share of customers called within `target` (same unit):
    /// 1 − C·e^{−(c−a)·t/h}. `None` when unstable or `target` is not a
    /// finite number ≥ 0.
    pub fn within(&self, target: f64) -> Option<f64> {
        if !(target.is_finite() && target >= 0.0) {
            return None;
        }
        let p = self.wait_probability()?;
        if p == 0.0 {
            return Some(1.0);
        }
        let decay = (f64::from(self.counters) - self.offered_load()) * target / self.mean_handling;
        Some((1.0 - p * (-decay).exp()).clamp(0.0, 1.0))
    }
}

/// Erlang B (the blocking probability of c servers with no queue) by its
/// stable recursion. `a` must be finite and ≥ 0.
pub fn erlang_b(c: u32, a: f64) -> f64 {
    let mut b = 1.0;
    for k in 1..=c {
        b = a * b / (f64::from(k) + a * b);
    }
    b
}

/// The fewest counters that call `target_share` of customers within
/// `target_wait`, with `arrivals_per_hour` and a mean handling of
/// `mean_handling_ms` (target in ms too). Counts start above the offered
/// load (fewer would never settle); `Ok(Some(0))` with no arrivals;
/// `Ok(None)` when even `max_counters` is not enough. Bad numbers (NaN,
/// negative, a share outside (0, 1)) are refused.
pub fn counters_needed(
    arrivals_per_hour: f64,
    mean_handling_ms: f64,
    target_wait_ms: f64,
    target_share: f64,
    max_counters: u32,
) -> Result<Option<u32>, CoreError> {
    let rate = check("到达率", "the arrival rate", arrivals_per_hour)? / 3_600_000.0;
    check("目标等候时长", "the target wait", target_wait_ms)?;
    if !(target_share.is_finite() && target_share > 0.0 && target_share < 1.0) {
        return Err(CoreError::config(
            format!("目标比例须大于 0 且小于 1（收到 {target_share}）"),
            format!("the target share must be above 0 and below 1 (got {target_share})"),
        ));
    }
    let q = ErlangC::new(rate, mean_handling_ms, 0)?;
    if rate == 0.0 {
        return Ok(Some(0));
    }
    let load = q.offered_load();
    // The first count above the load; a load beyond u32 is beyond any max.
    let first = if load >= f64::from(max_counters) { return Ok(None) } else { load.floor() as u32 + 1 };
    for c in first..=max_counters {
        let share = ErlangC { counters: c, ..q }.within(target_wait_ms).unwrap_or(0.0);
        if share >= target_share {
            return Ok(Some(c));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// C(c, a) by the textbook sum with factorials, for checking.
    fn erlang_c_by_sum(c: u32, a: f64) -> f64 {
        let fact = |n: u32| (1..=n).map(f64::from).product::<f64>();
        let top = a.powi(c as i32) / fact(c) * f64::from(c) / (f64::from(c) - a);
        let sum: f64 = (0..c).map(|k| a.powi(k as i32) / fact(k)).sum();
        top / (sum + top)
    }

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn single_counter_is_the_mm1_queue() {
        // M/M/1: C = ρ and Wq = ρ/(μ − λ). λ = 0.5/min, h = 1 min.
        let q = ErlangC::new(0.5, 1.0, 1).unwrap();
        assert!(close(q.wait_probability().unwrap(), 0.5, 1e-12));
        assert!(close(q.mean_wait().unwrap(), 1.0, 1e-12));
        // P(W ≤ 2) = 1 − 0.5·e^{−(1−0.5)·2} = 1 − 0.5/e.
        assert!(close(q.within(2.0).unwrap(), 1.0 - 0.5 * (-1.0f64).exp(), 1e-12));
    }

    #[test]
    fn two_counters_match_the_closed_form() {
        // M/M/2 with a = 1 (ρ = 0.5): C = 2a²/((2+a)(2−a))·… worked out by
        // hand: P0 = 1/(1 + 1 + 1/2·2/(2−1)) = 1/3, C = (1/2)·2·P0 = 1/3.
        let q = ErlangC::new(1.0, 1.0, 2).unwrap();
        assert!(close(q.wait_probability().unwrap(), 1.0 / 3.0, 1e-12));
        // Wq = C·h/(c − a) = 1/3.
        assert!(close(q.mean_wait().unwrap(), 1.0 / 3.0, 1e-12));
    }

    #[test]
    fn the_recursion_equals_the_factorial_sum() {
        for c in 1..=30u32 {
            for tenth in [1.0, 3.0, 5.0, 7.0, 8.5, 9.5] {
                let a = f64::from(c) * tenth / 10.0;
                let q = ErlangC::new(a, 1.0, c).unwrap();
                let want = erlang_c_by_sum(c, a);
                assert!(close(q.wait_probability().unwrap(), want, 1e-9), "c={c} a={a}");
            }
        }
    }

    #[test]
    fn a_call_centre_textbook_case() {
        // 360 calls/h, 4 min handling → a = 24 Erlangs; with 28 agents the
        // probability of waiting is 0.333 and the mean wait 20.0 s (worked
        // out separately from the factorial sum); with 26 agents it is
        // worse, with 30 better.
        let q = ErlangC::new(360.0 / 60.0, 4.0, 28).unwrap();
        let p = q.wait_probability().unwrap();
        assert!(close(p, erlang_c_by_sum(28, 24.0), 1e-9));
        assert!((0.332..0.335).contains(&p), "{p}");
        let asa_s = q.mean_wait().unwrap() * 60.0;
        assert!((19.9..20.1).contains(&asa_s), "{asa_s}");
        let w26 = ErlangC::new(6.0, 4.0, 26).unwrap().mean_wait().unwrap();
        let w30 = ErlangC::new(6.0, 4.0, 30).unwrap().mean_wait().unwrap();
        assert!(w26 > q.mean_wait().unwrap() && w30 < q.mean_wait().unwrap());
    }

    #[test]
    fn huge_counts_stay_finite() {
        // a^c/c! overflows f64 here; the recursion does not.
        let q = ErlangC::new(900.0, 1.0, 1000).unwrap();
        let p = q.wait_probability().unwrap();
        assert!(p.is_finite() && (0.0..1.0).contains(&p), "{p}");
    }

    #[test]
    fn no_arrivals_and_unstable_loads() {
        let idle = ErlangC::new(0.0, 5.0, 1).unwrap();
        assert_eq!((idle.wait_probability(), idle.mean_wait(), idle.within(0.0)), (Some(0.0), Some(0.0), Some(1.0)));
        // a = c and a > c never settle; neither do zero counters.
        for c in [0, 2, 3] {
            let q = ErlangC::new(3.0, 1.0, c).unwrap();
            assert!(!q.is_stable());
            assert_eq!((q.wait_probability(), q.mean_wait(), q.within(1.0)), (None, None, None));
        }
    }

    #[test]
    fn bad_numbers_are_refused_in_two_languages() {
        for (rate, h) in [(f64::NAN, 1.0), (-1.0, 1.0), (1.0, f64::INFINITY), (1.0, -2.0), (1.0, 0.0)] {
            let e = ErlangC::new(rate, h, 2).unwrap_err();
            assert_eq!(e.code(), "invalid_config");
            assert!(!e.message_zh().is_empty() && !e.message_en().is_empty());
        }
        assert!(counters_needed(10.0, 60_000.0, 60_000.0, 1.0, 10).is_err());
        assert!(counters_needed(10.0, 60_000.0, 60_000.0, 0.0, 10).is_err());
        assert!(counters_needed(10.0, 60_000.0, f64::NAN, 0.8, 10).is_err());
        assert!(counters_needed(f64::NAN, 60_000.0, 60_000.0, 0.8, 10).is_err());
        assert_eq!(ErlangC::new(1.0, 1.0, 2).unwrap().within(f64::NAN), None);
    }

    #[test]
    fn counters_needed_is_the_smallest_count_that_meets_the_share() {
        // 40/h, 6 min: a = 4, so 4 counters never settle; 5 call
        // 1 − C(5,4)·e^{−(5−4)·10/6} = 0.895 within 10 minutes (≥ 0.8).
        let share = |c: u32| ErlangC::new(40.0 / 3_600_000.0, 360_000.0, c).unwrap().within(600_000.0);
        assert!((share(5).unwrap() - 0.8953).abs() < 1e-4);
        assert_eq!(counters_needed(40.0, 360_000.0, 600_000.0, 0.8, 64).unwrap(), Some(5));
        // A 95 % target needs a sixth counter (0.990), a 99.5 % one a seventh.
        assert_eq!(counters_needed(40.0, 360_000.0, 600_000.0, 0.95, 64).unwrap(), Some(6));
        assert_eq!(counters_needed(40.0, 360_000.0, 600_000.0, 0.995, 64).unwrap(), Some(7));
        assert_eq!(counters_needed(0.0, 360_000.0, 600_000.0, 0.8, 64).unwrap(), Some(0));
        // Not enough counters allowed.
        assert_eq!(counters_needed(40.0, 360_000.0, 600_000.0, 0.8, 4).unwrap(), None);
        assert_eq!(counters_needed(40.0, 360_000.0, 600_000.0, 0.8, 5).unwrap(), Some(5));
    }
}
