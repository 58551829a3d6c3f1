//! The what-if simulation (`hallq simulate`, `POST /api/v1/reports/simulate`):
//! one day of a hall with Poisson arrivals and `c` counters, run through the
//! real queue logic — [`HallState::execute`], the same decide/apply the hall
//! engine runs — on a simulated clock, and measured by the same
//! [`KpiAccumulator`] the reports use, with the Erlang C prediction beside it.
//!
//! What it models: every counter opens at the first simulated hour and calls
//! the next ticket (FIFO) the moment it is free; the customer starts at once
//! (no walk-up, no no-shows, no transfers, no cancellations), so a wait is
//! exactly issue → call, as in M/M/c. Arrivals follow a rate per hour
//! (constant, or a hall's observed profile); handling is exponential with a
//! given mean, or drawn from observed handling times. Arrivals stop after the
//! last hour; the counters then serve whoever still waits and close. The
//! simulated day is one business day however long it runs (the engine's day
//! rollover is not run), so a long what-if is never cut at night.
//!
//! A service's numbers stop at 999 a day, so a day with more customers is
//! spread round-robin over identical services (prefixes A, B, …) that every
//! counter serves in one FIFO order: the same single queue.
//!
//! One day is one sample: at a load of 0.8–0.9 a day's mean wait is off the
//! long-run mean by about half either way. [`Scenario::simulate_days`] runs
//! many independent days on every core and answers with the mean over the
//! days, its 95 % confidence interval and the spread between days ("a typical
//! day"), so a supervisor does not read one noisy day as the answer.
//!
//! Pure like the rest of hallq-core: the clock is the event times, ticket ids
//! are counted up from 1, and the randomness is a `StdRng` seeded by the
//! caller, so the same scenario always gives the same day, and the same days.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};

use chrono::{Days, NaiveDate, TimeZone};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, Exp};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::command::Command;
use crate::counter::{CounterConfig, RoutingOrder, RoutingPolicy};
use crate::erlang::ErlangC;
use crate::hall::Hall;
use crate::kpi::{KpiAccumulator, Kpis, TicketFacts};
use crate::service::Service;
use crate::staff::{Staff, StaffRole};
use crate::state::{HallState, MAX_DAILY_NUMBER};
use crate::ticket::Resolution;
use crate::{CoreError, Millis};

/// Most counters a what-if may open.
pub const MAX_COUNTERS: u32 = 64;
/// Most simulated hours of arrivals.
pub const MAX_HOURS: usize = 24;
/// Highest arrival rate per hour.
pub const MAX_ARRIVALS_PER_HOUR: f64 = 2000.0;
/// Most customers expected in one what-if (the sum of the hourly rates):
/// about two busy county halls' week, and well within 26 services' numbers.
pub const MAX_EXPECTED_CUSTOMERS: f64 = 20_000.0;
/// The longest mean or observed handling time, minutes.
pub const MAX_HANDLING_MINUTES: f64 = 240.0;
/// Most independent days of one what-if ([`Scenario::simulate_days`]).
pub const MAX_DAYS: u32 = 2000;
/// Most customers expected over all the days of one what-if (days × the
/// sum of the hourly rates): every wait is kept for the pooled percentiles,
/// 32 bytes a customer, so this bounds the memory to about 130 MB. 1,000
/// days of a busy hall (1,200 customers a day) fit; 1,000 days of the
/// largest day do not.
pub const MAX_EXPECTED_CUSTOMERS_OVER_DAYS: f64 = 4_000_000.0;

/// The work of a what-if, the unit of [`Scenario::simulate_until`]'s
/// budget: one unit per simulated event, plus, for every call, the
/// customers then waiting — call-next looks through the overdue part of
/// the queue, so an overloaded day (everyone overdue, a queue thousands
/// long) costs the square of its customers, not their number. That was the
/// 103 s of CPU of the largest inputs. The budget of a many-days what-if
/// ([`Scenario::simulate_days`]) is for the work of all its days together.
pub type Work = u64;

/// The work a hall server allows one what-if: about a second of one core
/// in a release build (a waiting customer looked through costs about 2 µs:
/// the heaviest inputs reached 20 million units after 40 s), 2–3 s in a
/// debug build. A busy hall's day (1,200 customers at 12 counters) takes
/// a few thousand units, 10,000 customers at a stable load some 50,000, a
/// queue growing by 20 an hour for 10 hours some 100,000; a queue growing
/// by a hundred an hour is refused — the answer would only say "add
/// counters".
pub const DEFAULT_WORK_BUDGET: Work = 500_000;

/// The work a hall server allows a many-days what-if
/// ([`Scenario::simulate_days`]), all days together: 1,000 days of the
/// issue's busy hall (44 arrivals an hour for 24 hours, 5.5 minutes at 5
/// counters, ρ ≈ 0.81) are 5.7 million units, 2.4–2.9 s on 2 cores in a
/// release build; 100 days of the heaviest inputs are refused after 0.8 s.
pub const DEFAULT_DAYS_WORK_BUDGET: Work = 8_000_000;

fn too_much_work(max: Work) -> CoreError {
    bad(
        format!("模拟工作量超出上限（{max} 步）：请减少到达人数或小时数，或增加窗口数（队伍过长）"),
        format!(
            "the simulation needs more than its budget of {max} steps: fewer arrivals or hours, or more counters \
             (the queue grows too long)"
        ),
    )
}

/// How many simulated events run between two looks at the cancel flag:
/// a few milliseconds of work at most, so a cancelled run stops at once.
pub const CANCEL_CHECK_EVERY: u64 = 64;

const HOUR: Millis = 3_600_000;

/// How long serving one customer takes.
#[derive(Debug, Clone, PartialEq)]
pub enum Handling {
    /// Exponential with this mean, ms (the M/M/c assumption).
    Exponential {
        /// Mean handling, ms.
        mean_ms: f64,
    },
    /// Drawn uniformly from these observed handling times, ms.
    Observed(Vec<Millis>),
}

impl Handling {
    /// The mean handling time, ms.
    pub fn mean_ms(&self) -> f64 {
        match self {
            Self::Exponential { mean_ms } => *mean_ms,
            Self::Observed(v) if v.is_empty() => 0.0,
            Self::Observed(v) => v.iter().map(|h| *h as f64).sum::<f64>() / v.len() as f64,
        }
    }
}

/// One what-if day.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// Arrivals per hour for each simulated hour, in order (1–24 hours).
    pub arrivals_per_hour: Vec<f64>,
    /// Local hour of day (0–23) of the first simulated hour.
    pub first_hour: u32,
    /// Handling times.
    pub handling: Handling,
    /// Counters open all day (1–64).
    pub counters: u32,
    /// The service's target wait, minutes (1–240).
    pub target_wait_min: u32,
    /// The service's target handling, minutes (1–240).
    pub target_handling_min: u32,
    /// Seed of the random arrivals and handling times.
    pub seed: u64,
}

/// What Erlang C predicts for a scenario.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Prediction {
    /// Mean wait, ms.
    pub mean_wait_ms: Millis,
    /// Share called within the target wait.
    pub within_target_wait: f64,
}

/// A simulated day: its customers and the KPIs of its tickets, still open
/// for merging with other days.
#[derive(Debug, Clone)]
pub struct Run {
    /// Customers who came (tickets issued).
    pub customers: u64,
    /// Every leg of the day, and the counters' open time.
    pub kpis: KpiAccumulator,
}

/// A what-if's answer: the simulated KPIs and the Erlang C prediction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    /// Customers who came.
    pub customers: u64,
    /// The KPIs of the simulated day.
    pub kpis: Kpis,
    /// Erlang C's prediction; `None` when some hour's load is unstable
    /// (arrivals ≥ counters × service rate).
    pub erlang_c: Option<Prediction>,
}

/// Many independent simulated days of one scenario: all their tickets'
/// KPIs together, and for the figures a supervisor compares, the mean over
/// the days with its 95 % confidence interval and the spread between days.
///
/// Each figure is first a day's (that day's mean wait, say), then a
/// statistic over the days, so every day weighs the same whatever its
/// number of customers; the pooled [`ManyDays::kpis`] weigh every customer
/// the same. Both estimate the long-run mean and differ by noise.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManyDays {
    /// Days simulated.
    pub days: u32,
    /// Customers who came, all days together.
    pub customers: u64,
    /// The KPIs of all the days' tickets together. Each day is its own
    /// calendar day, so `peak_queue` is the busiest day's and
    /// `arrivals_per_hour` the mean of an hour.
    pub kpis: Kpis,
    /// Erlang C's prediction (as in [`Outcome`]).
    pub erlang_c: Option<Prediction>,
    /// Each day's mean wait, ms. Days without customers have no wait and
    /// are left out; `None` when no day had a customer.
    pub wait_mean_ms: Option<OverDays<Millis>>,
    /// Each day's share called within the target wait. Days without
    /// customers are left out; `None` when no day had a customer.
    pub within_target_wait: Option<OverDays<f64>>,
    /// Each day's utilisation: handling time ÷ counter open time (0 on a
    /// day without customers, which counts).
    pub utilisation: Option<OverDays<f64>>,
}

/// One figure of a day, over many days.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct OverDays<T> {
    /// Days that have the figure.
    pub days: u32,
    /// The mean of the days' figures: the what-if's answer.
    pub mean: T,
    /// The 95 % confidence interval of `mean`: mean ± t·s/√n, with s the
    /// standard deviation of the days' figures and t Student's 0.975
    /// quantile with n − 1 degrees of freedom. `None` for a single day.
    pub ci95: Option<Interval<T>>,
    /// A typical day: the 10th and 90th percentiles (nearest rank, as in
    /// the reports) of the days' figures; about 8 days in 10 lie within.
    pub typical_day: Spread<T>,
}

/// A confidence interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Interval<T> {
    /// Lower end.
    pub low: T,
    /// Upper end.
    pub high: T,
}

/// The spread between days.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Spread<T> {
    /// 10th percentile of the days' figures.
    pub p10: T,
    /// 90th percentile of the days' figures.
    pub p90: T,
}

impl OverDays<f64> {
    /// The statistics of the days' figures, given in day order (the sums
    /// run in that order, so the answer does not depend on threads);
    /// `None` for no figures.
    pub fn of(figures: &[f64]) -> Option<Self> {
        let n = figures.len();
        if n == 0 {
            return None;
        }
        let mean = figures.iter().sum::<f64>() / n as f64;
        let ci95 = (n > 1).then(|| {
            let var = figures.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
            let half = student_t_975(n as u32 - 1) * (var / n as f64).sqrt();
            Interval { low: mean - half, high: mean + half }
        });
        let mut sorted = figures.to_vec();
        sorted.sort_by(f64::total_cmp);
        let rank = |p: f64| sorted[((p * n as f64).ceil() as usize).clamp(1, n) - 1];
        Some(Self { days: n as u32, mean, ci95, typical_day: Spread { p10: rank(0.1), p90: rank(0.9) } })
    }

    /// The same in whole milliseconds.
    fn millis(self) -> OverDays<Millis> {
        let ms = |x: f64| x.round() as Millis;
        OverDays {
            days: self.days,
            mean: ms(self.mean),
            ci95: self.ci95.map(|i| Interval { low: ms(i.low), high: ms(i.high) }),
            typical_day: Spread { p10: ms(self.typical_day.p10), p90: ms(self.typical_day.p90) },
        }
    }
}

/// Student's t 0.975 quantile (a two-sided 95 % interval) for `df` ≥ 1
/// degrees of freedom: the printed table up to 30, beyond it the
/// Cornish–Fisher expansion around the normal quantile (Abramowitz & Stegun
/// 26.7.5), within 10⁻⁵ of the table from 10 on.
fn student_t_975(df: u32) -> f64 {
    const TABLE: [f64; 30] = [
        12.706205, 4.302653, 3.182446, 2.776445, 2.570582, 2.446912, 2.364624, 2.306004, 2.262157, 2.228139, 2.200985,
        2.178813, 2.160369, 2.144787, 2.131450, 2.119905, 2.109816, 2.100922, 2.093024, 2.085963, 2.079614, 2.073873,
        2.068658, 2.063899, 2.059539, 2.055529, 2.051831, 2.048407, 2.045230, 2.042272,
    ];
    match df {
        0 => f64::NAN,
        1..=30 => TABLE[df as usize - 1],
        _ => cornish_fisher_t_975(f64::from(df)),
    }
}

fn cornish_fisher_t_975(v: f64) -> f64 {
    const Z: f64 = 1.959_963_984_540_054;
    let z = |k: i32| Z.powi(k);
    let g1 = (z(3) + Z) / 4.0;
    let g2 = (5.0 * z(5) + 16.0 * z(3) + 3.0 * Z) / 96.0;
    let g3 = (3.0 * z(7) + 19.0 * z(5) + 17.0 * z(3) - 15.0 * Z) / 384.0;
    let g4 = (79.0 * z(9) + 776.0 * z(7) + 1482.0 * z(5) - 1920.0 * z(3) - 945.0 * Z) / 92160.0;
    Z + g1 / v + g2 / v.powi(2) + g3 / v.powi(3) + g4 / v.powi(4)
}

/// The work budget of one what-if, shared by its days and threads. Each
/// day adds its work in batches and refuses once the total it sees passes
/// the budget; the total only grows and the last batch sees all of it, so
/// a what-if is refused exactly when all its days' work exceeds the
/// budget, however the days were spread over the threads.
struct Budget {
    max: Work,
    used: AtomicU64,
}

impl Budget {
    fn new(max: Work) -> Self {
        Self { max, used: AtomicU64::new(0) }
    }

    /// Adds `work`; answers the total so far.
    fn add(&self, work: Work) -> Work {
        self.used.fetch_add(work, Ordering::Relaxed).saturating_add(work)
    }
}

/// What one thread gathered of a many-days what-if.
#[derive(Default)]
struct Part {
    customers: u64,
    kpis: KpiAccumulator,
    figures: Vec<DayFigures>,
}

/// One day's figures, with the day's index.
struct DayFigures {
    day: u32,
    wait_mean_ms: Option<f64>,
    within_target_wait: Option<f64>,
    utilisation: Option<f64>,
}

impl Part {
    fn add(&mut self, day: u32, run: Run) {
        let k = run.kpis.clone().finish();
        self.figures.push(DayFigures {
            day,
            wait_mean_ms: k.wait_mean_ms.map(|w| w as f64),
            within_target_wait: k.within_target_wait,
            utilisation: k.utilisation,
        });
        self.customers += run.customers;
        self.kpis.merge(run.kpis);
    }
}

fn bad(zh: impl Into<String>, en: impl Into<String>) -> CoreError {
    CoreError::config(zh, en)
}

impl Scenario {
    /// A day with a constant arrival rate and exponential handling, from
    /// 08:00, with the default 15-minute targets.
    pub fn steady(
        arrivals_per_hour: f64,
        handling_minutes: f64,
        counters: u32,
        hours: u32,
        seed: u64,
    ) -> Result<Self, CoreError> {
        if !(1..=MAX_HOURS as u32).contains(&hours) {
            return Err(bad(
                format!("模拟小时数须为 1–{MAX_HOURS}（收到 {hours}）"),
                format!("hours must be 1-{MAX_HOURS} (got {hours})"),
            ));
        }
        let s = Self {
            arrivals_per_hour: vec![arrivals_per_hour; hours as usize],
            first_hour: 8,
            handling: Handling::Exponential { mean_ms: handling_minutes * 60_000.0 },
            counters,
            target_wait_min: 15,
            target_handling_min: 15,
            seed,
        };
        s.validate()?;
        Ok(s)
    }

    /// Checks every bound; a scenario outside them is refused, bilingually.
    pub fn validate(&self) -> Result<(), CoreError> {
        let hours = self.arrivals_per_hour.len();
        if !(1..=MAX_HOURS).contains(&hours) {
            return Err(bad(
                format!("模拟小时数须为 1–{MAX_HOURS}（收到 {hours}）"),
                format!("hours must be 1-{MAX_HOURS} (got {hours})"),
            ));
        }
        if let Some(r) =
            self.arrivals_per_hour.iter().find(|r| !(r.is_finite() && (0.0..=MAX_ARRIVALS_PER_HOUR).contains(*r)))
        {
            return Err(bad(
                format!("每小时到达人数须为 0–{MAX_ARRIVALS_PER_HOUR}（收到 {r}）"),
                format!("arrivals per hour must be 0-{MAX_ARRIVALS_PER_HOUR} (got {r})"),
            ));
        }
        let expected: f64 = self.arrivals_per_hour.iter().sum();
        if expected > MAX_EXPECTED_CUSTOMERS {
            return Err(bad(
                format!("每小时到达人数 × 小时数须不超过 {MAX_EXPECTED_CUSTOMERS}（收到 {expected}）"),
                format!("arrivals per hour × hours must be at most {MAX_EXPECTED_CUSTOMERS} (got {expected})"),
            ));
        }
        if self.first_hour > 23 {
            return Err(bad("起始钟点须为 0–23", "the first hour must be 0-23"));
        }
        if !(1..=MAX_COUNTERS).contains(&self.counters) {
            return Err(bad(
                format!("窗口数须为 1–{MAX_COUNTERS}（收到 {}）", self.counters),
                format!("counters must be 1-{MAX_COUNTERS} (got {})", self.counters),
            ));
        }
        let max_ms = MAX_HANDLING_MINUTES * 60_000.0;
        let handling_ok = match &self.handling {
            Handling::Exponential { mean_ms } => mean_ms.is_finite() && *mean_ms > 0.0 && *mean_ms <= max_ms,
            Handling::Observed(v) => !v.is_empty() && v.iter().all(|h| (0..=max_ms as Millis).contains(h)),
        };
        if !handling_ok {
            return Err(bad(
                format!("平均办理时长须大于 0 且不超过 {MAX_HANDLING_MINUTES} 分钟"),
                format!("the mean handling time must be above 0 and at most {MAX_HANDLING_MINUTES} minutes"),
            ));
        }
        if !(1..=240).contains(&self.target_wait_min) || !(1..=240).contains(&self.target_handling_min) {
            return Err(bad("目标等候和办理时长须在 1–240 分钟之间", "target wait and handling must be 1-240 minutes"));
        }
        Ok(())
    }

    /// Erlang C's prediction, hour by hour (each hour taken as steady),
    /// weighted by the hour's arrivals; observed handling enters by its mean.
    /// `None` when an hour with arrivals is unstable, or nobody comes.
    pub fn prediction(&self) -> Option<Prediction> {
        let per_ms = |r: f64| r / HOUR as f64;
        let h = self.handling.mean_ms();
        let target = f64::from(self.target_wait_min) * 60_000.0;
        let (mut n, mut wait, mut within) = (0.0, 0.0, 0.0);
        for r in self.arrivals_per_hour.iter().filter(|r| **r > 0.0) {
            let q = ErlangC::new(per_ms(*r), h, self.counters).ok()?;
            n += r;
            wait += r * q.mean_wait()?;
            within += r * q.within(target)?;
        }
        (n > 0.0).then(|| Prediction { mean_wait_ms: (wait / n).round() as Millis, within_target_wait: within / n })
    }

    /// Checks the bounds of a many-days what-if: the scenario's, 1–
    /// [`MAX_DAYS`] days, and at most [`MAX_EXPECTED_CUSTOMERS_OVER_DAYS`].
    pub fn validate_days(&self, days: u32) -> Result<(), CoreError> {
        self.validate()?;
        if !(1..=MAX_DAYS).contains(&days) {
            return Err(bad(
                format!("模拟天数须为 1–{MAX_DAYS}（收到 {days}）"),
                format!("days must be 1-{MAX_DAYS} (got {days})"),
            ));
        }
        let expected = f64::from(days) * self.arrivals_per_hour.iter().sum::<f64>();
        if expected > MAX_EXPECTED_CUSTOMERS_OVER_DAYS {
            return Err(bad(
                format!(
                    "天数 × 每日到达人数须不超过 {MAX_EXPECTED_CUSTOMERS_OVER_DAYS}（收到 {expected}）：请减少天数"
                ),
                format!(
                    "days × arrivals a day must be at most {MAX_EXPECTED_CUSTOMERS_OVER_DAYS} (got {expected}): \
                     fewer days"
                ),
            ));
        }
        Ok(())
    }

    /// The seed of day `day` of [`Scenario::simulate_days`]. Day 0 uses the
    /// scenario's seed, so one day is [`Scenario::simulate`]'s day; day
    /// i ≥ 1 the i-th output of SplitMix64 started at the seed, so the days
    /// of neighbouring seeds (1 and 2) share nothing.
    pub fn day_seed(&self, day: u32) -> u64 {
        if day == 0 {
            return self.seed;
        }
        let mut z = self.seed.wrapping_add(u64::from(day).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Simulates `days` independent days (1–[`MAX_DAYS`]) on every core and
    /// answers with their pooled KPIs and each figure's mean over the days,
    /// confidence interval and typical day. Day i runs with
    /// [`Scenario::day_seed`]`(i)` on its own calendar day (the scenario's
    /// date plus i), so the same scenario and days always give the same
    /// answer, on any number of cores, and `days = 1` is
    /// [`Scenario::simulate`]'s day.
    ///
    /// Bounded for a server like [`Scenario::simulate_until`]: `Ok(None)`
    /// once `cancel` is set, and a bilingual refusal once the work of all the
    /// days together passes `max_work` (see [`Work`]).
    pub fn simulate_days(&self, days: u32, cancel: &AtomicBool, max_work: Work) -> Result<Option<ManyDays>, CoreError> {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        self.simulate_days_on(threads, days, cancel, max_work)
    }

    /// [`Scenario::simulate_days`] on `threads` threads. Each thread takes
    /// the next day when it finishes one; the days' figures are put back in
    /// day order before any sum.
    fn simulate_days_on(
        &self,
        threads: usize,
        days: u32,
        cancel: &AtomicBool,
        max_work: Work,
    ) -> Result<Option<ManyDays>, CoreError> {
        self.validate_days(days)?;
        let budget = Budget::new(max_work);
        let next = AtomicU32::new(0);
        // Set by a thread that failed, so that the others stop too.
        let failed = AtomicBool::new(false);
        let work = || -> Result<Option<Part>, CoreError> {
            let mut part = Part::default();
            loop {
                let day = next.fetch_add(1, Ordering::Relaxed);
                if day >= days {
                    return Ok(Some(part));
                }
                if cancel.load(Ordering::Relaxed) || failed.load(Ordering::Relaxed) {
                    return Ok(None);
                }
                match self.play(day, cancel, &budget).and_then(|p| p.map(|(sim, last)| sim.finish(last)).transpose()) {
                    Ok(Some(run)) => part.add(day, run),
                    Ok(None) => return Ok(None),
                    Err(e) => {
                        failed.store(true, Ordering::Relaxed);
                        return Err(e);
                    }
                }
            }
        };
        let threads = threads.clamp(1, days as usize);
        let parts: Vec<_> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..threads).map(|_| scope.spawn(work)).collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|_| Err(bad("模拟线程意外终止", "a simulation thread panicked"))))
                .collect()
        });
        let mut all = Part::default();
        let mut cancelled = false;
        for part in parts {
            match part? {
                Some(p) => {
                    all.customers += p.customers;
                    all.kpis.merge(p.kpis);
                    all.figures.extend(p.figures);
                }
                None => cancelled = true,
            }
        }
        if cancelled {
            return Ok(None);
        }
        all.figures.sort_by_key(|f| f.day);
        let of = |pick: fn(&DayFigures) -> Option<f64>| {
            OverDays::of(&all.figures.iter().filter_map(pick).collect::<Vec<_>>())
        };
        Ok(Some(ManyDays {
            days,
            customers: all.customers,
            wait_mean_ms: of(|f| f.wait_mean_ms).map(OverDays::millis),
            within_target_wait: of(|f| f.within_target_wait),
            utilisation: of(|f| f.utilisation),
            kpis: all.kpis.finish(),
            erlang_c: self.prediction(),
        }))
    }

    /// Simulates the day and returns its KPIs with the prediction.
    pub fn simulate(&self) -> Result<Outcome, CoreError> {
        let run = self.run()?;
        Ok(Outcome { customers: run.customers, kpis: run.kpis.finish(), erlang_c: self.prediction() })
    }

    /// [`Scenario::simulate`] within bounds, for a server: it gives up as
    /// soon as `cancel` is set (the one who asked went away, or the server
    /// stops) — `Ok(None)` then — and refuses the scenario, bilingually,
    /// once its work passes `max_work` units (see [`Work`]). `cancel` is
    /// looked at every [`CANCEL_CHECK_EVERY`] events.
    pub fn simulate_until(&self, cancel: &AtomicBool, max_work: u64) -> Result<Option<Outcome>, CoreError> {
        let Some((sim, last)) = self.play(0, cancel, &Budget::new(max_work))? else { return Ok(None) };
        let run = sim.finish(last)?;
        Ok(Some(Outcome { customers: run.customers, kpis: run.kpis.finish(), erlang_c: self.prediction() }))
    }

    /// Simulates the day through [`HallState::execute`].
    pub fn run(&self) -> Result<Run, CoreError> {
        let never = AtomicBool::new(false);
        let (sim, last) = self
            .play(0, &never, &Budget::new(Work::MAX))?
            .ok_or_else(|| bad("模拟已取消", "the simulation was cancelled"))?;
        sim.finish(last)
    }

    /// Plays day `day` (its seed and date, see [`Scenario::simulate_days`])
    /// within `budget`; returns the simulation and the time of its last
    /// event, or `None` when `cancel` was set on the way.
    fn play(&self, day: u32, cancel: &AtomicBool, budget: &Budget) -> Result<Option<(Sim, Millis)>, CoreError> {
        self.validate()?;
        let mut rng = StdRng::seed_from_u64(self.day_seed(day));
        let hall = Hall::new(Uuid::from_u128(0x5117), "SIM", "模拟营业厅 what-if hall");
        let first = NaiveDate::from_ymd_opt(2026, 1, 5).unwrap_or_default();
        let day = first.checked_add_days(Days::new(u64::from(day))).unwrap_or(first);
        let start = hall
            .time_zone
            .from_local_datetime(&day.and_hms_opt(self.first_hour, 0, 0).unwrap_or_default())
            .earliest()
            .map_or(0, |t| t.timestamp_millis());
        let end = start + self.arrivals_per_hour.len() as Millis * HOUR;

        // Arrivals first, so that the handling draws do not shift them.
        let mut arrivals: Vec<Millis> = Vec::new();
        for (i, rate) in self.arrivals_per_hour.iter().enumerate() {
            let Ok(gap) = Exp::new(rate / HOUR as f64) else { continue };
            if *rate <= 0.0 {
                continue;
            }
            let (from, to) = (start + i as Millis * HOUR, start + (i as Millis + 1) * HOUR);
            let mut t = from as f64;
            loop {
                t += gap.sample(&mut rng);
                if t >= to as f64 {
                    break;
                }
                arrivals.push(t as Millis);
            }
        }
        let expected: f64 = self.arrivals_per_hour.iter().sum();
        let per_service = f64::from(MAX_DAILY_NUMBER);
        let services = (((expected + 6.0 * expected.sqrt() + 10.0) / per_service).ceil() as usize).clamp(1, 26);
        if arrivals.len() > services * usize::from(MAX_DAILY_NUMBER) {
            return Err(bad("模拟到达人数超出当日号码容量", "the simulated arrivals exceed a day's ticket numbers"));
        }

        let mut sim = Sim::new(hall, start, self, services)?;
        let mut heap: BinaryHeap<Reverse<(Millis, u64, Ev)>> = BinaryHeap::new();
        for (i, at) in arrivals.iter().enumerate() {
            heap.push(Reverse((*at, i as u64, Ev::Arrive(i % services))));
        }
        let mut seq = arrivals.len() as u64;
        let exp = match &self.handling {
            Handling::Exponential { mean_ms } => Exp::new(1.0 / mean_ms).ok(),
            Handling::Observed(_) => None,
        };
        let draw = |rng: &mut StdRng| -> Millis {
            match (&self.handling, &exp) {
                (Handling::Observed(v), _) => v[rng.random_range(0..v.len())],
                (_, Some(e)) => e.sample(rng).round() as Millis,
                _ => 0,
            }
        };
        let mut last = end;
        // `work` is this day's, not yet added to the budget; `seen` the
        // budget's total when it last was.
        let (mut events, mut work, mut seen): (u64, Work, Work) = (0, 0, 0);
        while let Some(Reverse((at, _, ev))) = heap.pop() {
            events += 1;
            if events % CANCEL_CHECK_EVERY == 0 {
                if cancel.load(Ordering::Relaxed) {
                    return Ok(None);
                }
                seen = budget.add(std::mem::take(&mut work));
            }
            work += 1;
            if seen.saturating_add(work) > budget.max {
                return Err(too_much_work(budget.max));
            }
            last = last.max(at);
            let free = match ev {
                Ev::Arrive(s) => {
                    sim.issue(s, at)?;
                    sim.idle.pop_front()
                }
                Ev::Done(c) => {
                    sim.exec(Command::Finish { counter: c, resolution: Resolution::Completed }, at)?;
                    Some(c)
                }
            };
            if let Some(c) = free {
                if sim.waiting > 0 {
                    // A call looks through the overdue part of the queue.
                    work += sim.waiting as u64;
                    sim.exec(Command::CallNext { counter: c }, at)?;
                    sim.exec(Command::Start { counter: c }, at)?;
                    sim.waiting -= 1;
                    seq += 1;
                    heap.push(Reverse((at + draw(&mut rng), seq, Ev::Done(c))));
                } else if !sim.idle.contains(&c) {
                    sim.idle.push_back(c);
                }
            }
        }
        if budget.add(work) > budget.max {
            return Err(too_much_work(budget.max));
        }
        Ok(Some((sim, last)))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Ev {
    /// A customer of the n-th service arrives.
    Arrive(usize),
    /// The counter with this number finishes its customer.
    Done(u32),
}

struct Sim {
    st: HallState,
    codes: Vec<String>,
    start: Millis,
    counters: u32,
    waiting: usize,
    idle: VecDeque<u32>,
    next_id: u128,
    customers: u64,
}

impl Sim {
    fn new(hall: Hall, start: Millis, s: &Scenario, services: usize) -> Result<Self, CoreError> {
        let mut sim = Self {
            st: HallState::new(hall, start),
            codes: Vec::new(),
            start,
            counters: s.counters,
            waiting: 0,
            idle: VecDeque::new(),
            next_id: 0,
            customers: 0,
        };
        for i in 0..services {
            let prefix = char::from(b'A' + i as u8);
            let service = Service {
                code: format!("SIM{prefix}"),
                prefix,
                name_zh: "模拟业务".into(),
                name_en: "Simulated service".into(),
                target_wait_min: s.target_wait_min,
                target_handling_min: s.target_handling_min,
                enabled: true,
            };
            sim.codes.push(service.code.clone());
            sim.exec(Command::DefineService { service }, start)?;
        }
        for n in 1..=s.counters {
            let counter = CounterConfig {
                number: n,
                name: format!("{n}号窗口"),
                name_en: String::new(),
                services: sim.codes.clone(),
                policy: RoutingPolicy { order: RoutingOrder::Fifo, max_priority_in_row: None },
            };
            sim.exec(Command::DefineCounter { counter }, start)?;
            let staff = Staff {
                number: format!("{}", 1000 + n),
                name: format!("柜员{n}"),
                role: StaffRole::Agent,
                active: true,
                team: None,
            };
            let number = staff.number.clone();
            sim.exec(Command::DefineStaff { staff }, start)?;
            sim.exec(Command::Login { counter: n, staff: number }, start)?;
            sim.exec(Command::OpenCounter { counter: n }, start)?;
            sim.idle.push_back(n);
        }
        Ok(sim)
    }

    fn exec(&mut self, cmd: Command, at: Millis) -> Result<(), CoreError> {
        let next = &mut self.next_id;
        // Ids count up, so tickets issued at one instant keep their order.
        let mut new_id = || {
            *next += 1;
            Uuid::from_u128(*next)
        };
        self.st.execute(&cmd, at, &mut new_id).map(|_| ())
    }

    fn issue(&mut self, service: usize, at: Millis) -> Result<(), CoreError> {
        let cmd = Command::Issue {
            service: self.codes[service].clone(),
            priority: Default::default(),
            priority_reason: None,
            appointment: None,
        };
        self.exec(cmd, at)?;
        self.waiting += 1;
        self.customers += 1;
        Ok(())
    }

    /// Closes the counters at `at` and measures every leg.
    fn finish(mut self, at: Millis) -> Result<Run, CoreError> {
        let mut kpis = KpiAccumulator::new();
        for n in 1..=self.counters {
            self.exec(Command::CloseCounter { counter: n }, at)?;
            kpis.add_open_ms(at - self.start);
        }
        for t in self.st.tickets() {
            if let Some(s) = self.st.service(&t.service) {
                kpis.push(&TicketFacts::of(t, s));
            }
        }
        Ok(Run { customers: self.customers, kpis })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ticket::TicketState;

    #[test]
    fn a_day_serves_everyone_in_order_and_counts_them() {
        let s = Scenario::steady(40.0, 6.0, 4, 8, 7).unwrap();
        let out = s.simulate().unwrap();
        // Poisson(320): far inside ±4.5σ.
        assert!((240..=400).contains(&out.customers), "{}", out.customers);
        assert_eq!(out.kpis.issued, out.customers);
        assert_eq!(out.kpis.served, out.customers);
        assert_eq!(out.kpis.open, 0);
        let util = out.kpis.utilisation.unwrap();
        assert!((0.7..1.0).contains(&util), "{util}");
        // a = 4 at 4 counters never settles: no prediction.
        assert_eq!(out.erlang_c, None);
        // The same seed gives the same day; another seed another.
        assert_eq!(Scenario::steady(40.0, 6.0, 4, 8, 7).unwrap().simulate().unwrap(), out);
        assert_ne!(Scenario::steady(40.0, 6.0, 4, 8, 8).unwrap().simulate().unwrap().kpis, out.kpis);
    }

    #[test]
    fn calls_are_first_come_first_served() {
        let s = Scenario::steady(50.0, 6.0, 3, 4, 3).unwrap();
        let (sim, _) = s.play(0, &AtomicBool::new(false), &Budget::new(Work::MAX)).unwrap().unwrap();
        let mut calls: Vec<(Millis, Uuid, Millis)> = Vec::new();
        for t in sim.st.tickets() {
            assert_eq!(t.state, TicketState::Done);
            assert_eq!(t.started_at, t.called_at, "no walk-up");
            calls.push((t.issued_at, t.id, t.called_at.unwrap()));
        }
        assert!(calls.len() > 100);
        // FIFO: sorted by arrival, the call times never go down.
        calls.sort();
        assert!(calls.windows(2).all(|w| w[0].2 <= w[1].2), "called out of order");
        // Somebody had to wait (ρ = 5/3 per counter… over 3 counters ≈ 1.67
        // Erlangs, so queues form), otherwise the check above is empty.
        assert!(calls.iter().any(|(i, _, c)| c > i));
    }

    #[test]
    fn a_busy_day_spreads_over_services_with_one_queue() {
        // 1,200 expected customers exceed one service's 999 numbers.
        let s = Scenario::steady(300.0, 1.0, 6, 4, 11).unwrap();
        let (sim, _) = s.play(0, &AtomicBool::new(false), &Budget::new(Work::MAX)).unwrap().unwrap();
        assert!(sim.codes.len() >= 2);
        let mut calls: Vec<(Millis, Uuid, Millis)> =
            sim.st.tickets().map(|t| (t.issued_at, t.id, t.called_at.unwrap())).collect();
        calls.sort();
        assert!(calls.windows(2).all(|w| w[0].2 <= w[1].2), "called out of order across services");
    }

    #[test]
    fn bad_scenarios_are_refused_in_two_languages() {
        let bad = [
            Scenario::steady(40.0, 6.0, 0, 8, 1),
            Scenario::steady(40.0, 6.0, 65, 8, 1),
            Scenario::steady(40.0, 6.0, 4, 0, 1),
            Scenario::steady(40.0, 6.0, 4, 25, 1),
            Scenario::steady(-1.0, 6.0, 4, 8, 1),
            Scenario::steady(f64::NAN, 6.0, 4, 8, 1),
            Scenario::steady(2001.0, 6.0, 4, 8, 1),
            Scenario::steady(1000.0, 6.0, 64, 24, 1),
            Scenario::steady(40.0, 0.0, 4, 8, 1),
            Scenario::steady(40.0, f64::INFINITY, 4, 8, 1),
            Scenario::steady(40.0, 241.0, 4, 8, 1),
        ];
        for r in bad {
            let e = r.unwrap_err();
            assert!(!e.message_zh().is_empty() && !e.message_en().is_empty(), "{e}");
        }
        let never = AtomicBool::new(false);
        let s = Scenario::steady(40.0, 6.0, 4, 8, 1).unwrap();
        let big = Scenario::steady(1000.0, 6.0, 64, 8, 1).unwrap();
        for (s, days) in [(&s, 0), (&s, MAX_DAYS + 1), (&big, 501)] {
            let e = s.simulate_days(days, &never, Work::MAX).unwrap_err();
            assert!(!e.message_zh().is_empty() && !e.message_en().is_empty(), "{e}");
            assert!(e.message_en().contains("days"), "{e}");
        }
        // 500 days of 8,000 customers are the most.
        assert!(big.validate_days(500).is_ok());
        let mut s = s;
        s.handling = Handling::Observed(Vec::new());
        assert!(s.run().is_err());
        assert!(s.simulate_days(2, &never, Work::MAX).is_err());
    }

    #[test]
    fn an_overloaded_day_is_refused_by_the_work_budget_and_a_cancelled_one_stops() {
        // The heaviest inputs: 20,000 customers, one counter, 4-hour handling.
        let heaviest = Scenario::steady(2000.0, 240.0, 1, 10, 1).unwrap();
        let never = AtomicBool::new(false);
        let started = std::time::Instant::now();
        let e = heaviest.simulate_until(&never, DEFAULT_WORK_BUDGET).unwrap_err();
        println!("refused after {:?}", started.elapsed());
        assert!(e.message_en().contains("budget") && e.message_zh().contains("上限"), "{e}");
        // A busy hall's day, and a stable load of thousands, are well within it.
        for (rate, minutes, counters) in [(120.0, 8.0, 12), (1000.0, 0.5, 10)] {
            let s = Scenario::steady(rate, minutes, counters, 10, 1).unwrap();
            let out = s.simulate_until(&never, DEFAULT_WORK_BUDGET).unwrap().unwrap();
            assert_eq!(out, s.simulate().unwrap(), "the bounded run is the same run");
        }
        // Cancelled before it starts: it stops within the first events.
        let cancelled = AtomicBool::new(true);
        assert_eq!(heaviest.simulate_until(&cancelled, u64::MAX).unwrap(), None);
    }

    #[test]
    fn no_arrivals_is_an_empty_day() {
        let out = Scenario::steady(0.0, 6.0, 2, 3, 1).unwrap().simulate().unwrap();
        assert_eq!(out.customers, 0);
        assert_eq!(out.kpis.wait_mean_ms, None);
        assert_eq!(out.erlang_c, None);
    }

    #[test]
    fn observed_handling_times_are_drawn_from_the_sample() {
        let mut s = Scenario::steady(20.0, 6.0, 3, 6, 5).unwrap();
        s.handling = Handling::Observed(vec![120_000, 480_000]);
        let (sim, _) = s.play(0, &AtomicBool::new(false), &Budget::new(Work::MAX)).unwrap().unwrap();
        for t in sim.st.tickets() {
            let h = t.handling_ms().unwrap();
            assert!(h == 120_000 || h == 480_000, "{h}");
        }
        assert_eq!(s.handling.mean_ms(), 300_000.0);
        // a = 20/h × 5 min = 1.67 < 3: a prediction.
        assert!(s.prediction().is_some());
    }

    /// Queueing theory: the mean over many days of the engine's M/M/c day
    /// agrees with Erlang C within 5 % at ρ = 0.7, 0.8 and 0.9, and Erlang C
    /// lies inside (or just outside) the answer's 95 % interval.
    ///
    /// Why these sizes: each day starts empty, so a day must hold many
    /// relaxation times (about ρ/(1 − √ρ)² customers: 342 at ρ = 0.9) or
    /// its mean wait is low — 2,600 customers a day were 4 % low at 0.9,
    /// 1,300 11 % — hence 2 counters with short handling and 24-hour days
    /// of 4,000–10,000 customers (several services, so the multi-service
    /// FIFO is exercised too). The mean wait of the customers of a day is
    /// strongly correlated, so days vary: a day's standard deviation was
    /// 15 %, 19 % and 22 % of the mean at these loads (400-day runs), which
    /// over these day counts puts the mean's standard deviation at about
    /// 1.9 %, 2.0 % and 2.5 %: the 5 % bound is 2–2.6 σ away (about one
    /// failure in 50–100 were the random stream changed; with these fixed
    /// seeds the errors printed are the margin: +0.6 %, −0.9 %, +2.0 %).
    /// Over seeds 1–12 (the ignored experiment below) every error was
    /// within −3.7 % … +3.6 %, the mean −0.8 %, −0.2 %, −1.3 % (the empty
    /// start, largest at 0.9). Erlang C was inside the interval 34 times in
    /// 36; asserted as is it would fail one load in seven by chance alone,
    /// so the interval is widened by half (2.9 σ). The days run on every core:
    /// 1.4 M customers, 25–35 s of a debug build on 2 cores, 6 s in
    /// release.
    #[test]
    fn the_mean_over_many_days_is_within_5_percent_of_erlang_c() {
        let never = AtomicBool::new(false);
        for (rho, minutes, days) in [(0.7, 0.5, 60), (0.8, 0.5, 90), (0.9, 0.25, 75)] {
            let lambda = rho * 2.0 * 60.0 / minutes;
            let s = Scenario::steady(lambda, minutes, 2, 24, 1).unwrap();
            let many = s.simulate_days(days, &never, Work::MAX).unwrap().unwrap();
            let erlang = ErlangC::new(lambda / HOUR as f64, minutes * 60_000.0, 2).unwrap().mean_wait().unwrap();
            let w = many.wait_mean_ms.unwrap();
            let ci = w.ci95.unwrap();
            let rel = w.mean as f64 / erlang - 1.0;
            let pooled = many.kpis.wait_mean_ms.unwrap() as f64 / erlang - 1.0;
            let half = (ci.high - ci.low) as f64 / 2.0;
            println!(
                "M/M/2 ρ={rho}: {days} days, {} customers, mean wait {} ms ({:+.2} %, pooled {:+.2} %), \
                 95 % {}–{} (±{:.1} %), typical day {}–{}, Erlang C {erlang:.0} ms",
                many.customers,
                w.mean,
                rel * 100.0,
                pooled * 100.0,
                ci.low,
                ci.high,
                half / erlang * 100.0,
                w.typical_day.p10,
                w.typical_day.p90,
            );
            assert!(rel.abs() < 0.05, "ρ={rho}: mean over days {} vs Erlang C {erlang}", w.mean);
            assert!(pooled.abs() < 0.05, "ρ={rho}: pooled {pooled}");
            assert!((w.mean as f64 - erlang).abs() <= 1.5 * half, "ρ={rho}: Erlang C {erlang} far outside {ci:?}");
            assert_eq!(many.kpis.served, many.customers);
            assert_eq!(w.days, days);
            // The utilisation agrees too: ρ of the open time, less the idle
            // tail after the last customer of each day.
            let u = many.utilisation.unwrap().mean;
            assert!((rho - 0.02..=rho + 0.01).contains(&u), "ρ={rho}: utilisation {u}");
        }
    }

    /// A small scenario for the many-days tests: 44 arrivals an hour for
    /// 4 hours at 5.5 minutes and 5 counters (ρ ≈ 0.81), 176 customers a day.
    fn small_hall(seed: u64) -> Scenario {
        Scenario::steady(44.0, 5.5, 5, 4, seed).unwrap()
    }

    #[test]
    fn many_days_give_the_same_answer_twice_and_on_any_number_of_threads() {
        let never = AtomicBool::new(false);
        let s = small_hall(3);
        let many = s.simulate_days(24, &never, Work::MAX).unwrap().unwrap();
        assert_eq!(s.simulate_days(24, &never, Work::MAX).unwrap().unwrap(), many);
        for threads in [1, 3, 7] {
            assert_eq!(s.simulate_days_on(threads, 24, &never, Work::MAX).unwrap().unwrap(), many, "{threads}");
        }
        // Each day is its own calendar day: the pooled hour is a mean hour,
        // not 24 days' arrivals piled on one.
        let per_hour = many.kpis.arrivals_per_hour.unwrap();
        assert!((30.0..60.0).contains(&per_hour), "{per_hour}");
        assert_eq!(many.kpis.issued, many.customers);
        // Another seed, other days (none shared with the neighbouring seed).
        assert_ne!(small_hall(4).simulate_days(24, &never, Work::MAX).unwrap().unwrap().kpis, many.kpis);
        let (a, b) = (small_hall(1), small_hall(2));
        let seeds: std::collections::HashSet<u64> = (0..1000).map(|d| a.day_seed(d)).collect();
        assert!((0..1000).all(|d| !seeds.contains(&b.day_seed(d))));
    }

    #[test]
    fn one_day_is_the_one_day_what_if() {
        let s = small_hall(11);
        let one = s.simulate().unwrap();
        let many = s.simulate_days(1, &AtomicBool::new(false), DEFAULT_WORK_BUDGET).unwrap().unwrap();
        assert_eq!((many.days, many.customers), (1, one.customers));
        assert_eq!(many.kpis, one.kpis);
        assert_eq!(many.erlang_c, one.erlang_c);
        let w = many.wait_mean_ms.unwrap();
        assert_eq!(Some(w.mean), one.kpis.wait_mean_ms);
        assert_eq!(w.ci95, None, "one day has no interval");
        assert_eq!((w.typical_day.p10, w.typical_day.p90), (w.mean, w.mean));
    }

    /// The interval's half-width is t·s/√n: four times the days, half the
    /// width. The days' standard deviation s is itself estimated, so the
    /// ratio is noisy: the relative error of s from 100 days is about
    /// √((κ − 1)/400) for a figure of kurtosis κ — 7 % for the utilisation
    /// (nearly normal), 15 % or more for the mean wait (skewed: a day with
    /// a long queue waits far longer) — hence bounds about 3 σ wide.
    #[test]
    fn the_interval_narrows_with_the_square_root_of_the_days() {
        let never = AtomicBool::new(false);
        let s = small_hall(5);
        let (a, b) = (
            s.simulate_days(100, &never, Work::MAX).unwrap().unwrap(),
            s.simulate_days(400, &never, Work::MAX).unwrap().unwrap(),
        );
        let width = |d: &OverDays<f64>| d.ci95.map(|i| i.high - i.low).unwrap();
        let util = width(&a.utilisation.unwrap()) / width(&b.utilisation.unwrap());
        let (wa, wb) = (a.wait_mean_ms.unwrap(), b.wait_mean_ms.unwrap());
        let wait =
            wa.ci95.map(|i| (i.high - i.low) as f64).unwrap() / wb.ci95.map(|i| (i.high - i.low) as f64).unwrap();
        println!("95 % interval at 100 days ÷ at 400 days (√4 = 2): utilisation {util:.2}, mean wait {wait:.2}");
        assert!((1.6..=2.5).contains(&util), "{util}");
        assert!((1.3..=3.0).contains(&wait), "{wait}");
        for w in [wa, wb] {
            let ci = w.ci95.unwrap();
            assert!(ci.low < w.mean && w.mean < ci.high, "{w:?}");
            assert!(w.typical_day.p10 < w.mean && w.mean < w.typical_day.p90, "{w:?}");
            // The interval of the mean is far narrower than the spread of days.
            assert!(ci.high - ci.low < w.typical_day.p90 - w.typical_day.p10, "{w:?}");
        }
    }

    #[test]
    fn day_statistics_are_the_textbook_ones() {
        // Mean 4; squares of the deviations 9 + 4 + 1 + 0 + 36 = 50, s² = 12.5;
        // half-width t(4) · s/√5 = 2.776445 × 1.581139 = 4.389945.
        let d = OverDays::of(&[10.0, 1.0, 3.0, 2.0, 4.0]).unwrap();
        assert_eq!((d.days, d.mean), (5, 4.0));
        let ci = d.ci95.unwrap();
        assert!((ci.low - (4.0 - 4.389945)).abs() < 1e-5 && (ci.high - (4.0 + 4.389945)).abs() < 1e-5, "{ci:?}");
        // Nearest rank: p10 is the 1st of 5 (⌈0.5⌉), p90 the 5th (⌈4.5⌉).
        assert_eq!(d.typical_day, Spread { p10: 1.0, p90: 10.0 });
        // Ten days: p10 the 1st, p90 the 9th.
        let ten: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!(OverDays::of(&ten).unwrap().typical_day, Spread { p10: 1.0, p90: 9.0 });
        let one = OverDays::of(&[7.0]).unwrap();
        assert_eq!((one.mean, one.ci95, one.typical_day), (7.0, None, Spread { p10: 7.0, p90: 7.0 }));
        assert_eq!(OverDays::of(&[]), None);
        // In whole milliseconds, rounded.
        let ms = OverDays::of(&[1000.4, 1000.8]).unwrap().millis();
        assert_eq!((ms.mean, ms.typical_day), (1001, Spread { p10: 1000, p90: 1001 }));
        // Student's t: the table, and the expansion beyond it, which meets
        // the table where both are given.
        assert_eq!(student_t_975(1), 12.706205);
        for df in 10..=30 {
            let (table, expansion) = (student_t_975(df), cornish_fisher_t_975(f64::from(df)));
            assert!((table - expansion).abs() < 5e-5, "df {df}: {table} vs {expansion}");
        }
        for (df, t) in [(40, 2.021075), (60, 2.000298), (100, 1.983972), (1000, 1.962339)] {
            assert!((student_t_975(df) - t).abs() < 1e-5, "df {df}");
        }
        assert!((1..200).all(|df| student_t_975(df) > student_t_975(df + 1)));
    }

    #[test]
    fn many_days_are_refused_over_the_budget_of_all_their_work_and_stop_when_cancelled() {
        let never = AtomicBool::new(false);
        let s = small_hall(2);
        let budget = Budget::new(Work::MAX);
        for day in 0..6 {
            s.play(day, &never, &budget).unwrap().unwrap();
        }
        let total = budget.used.load(Ordering::Relaxed);
        // Exactly the days' work fits; one unit less is refused, on one
        // thread or many.
        for threads in [1, 2, 4] {
            assert!(s.simulate_days_on(threads, 6, &never, total).unwrap().is_some());
            let e = s.simulate_days_on(threads, 6, &never, total - 1).unwrap_err();
            assert!(e.message_en().contains("budget") && e.message_zh().contains("上限"), "{e}");
        }
        // Cancelled: it stops within the first events of each thread.
        let cancelled = AtomicBool::new(true);
        let started = std::time::Instant::now();
        let heaviest = Scenario::steady(2000.0, 240.0, 1, 10, 1).unwrap();
        assert_eq!(heaviest.simulate_days(100, &cancelled, Work::MAX).unwrap(), None);
        assert_eq!(s.simulate_days(MAX_DAYS, &cancelled, Work::MAX).unwrap(), None);
        assert!(started.elapsed() < std::time::Duration::from_secs(2), "{:?}", started.elapsed());
    }

    /// The issue's figure: 1,000 days of 44 arrivals an hour for 24 hours at
    /// 5 counters (ρ ≈ 0.81). Run it in a release build:
    /// `cargo test --release -p hallq-core thousand_days -- --ignored --nocapture`.
    #[test]
    #[ignore = "a timing to print, in a release build"]
    fn thousand_days_of_a_busy_hall_take_seconds() {
        let s = Scenario::steady(44.0, 5.5, 5, 24, 11).unwrap();
        let never = AtomicBool::new(false);
        let one = std::time::Instant::now();
        s.simulate().unwrap();
        let one = one.elapsed();
        let started = std::time::Instant::now();
        let many = s.simulate_days(1000, &never, Work::MAX).unwrap().unwrap();
        let took = started.elapsed();
        let w = many.wait_mean_ms.unwrap();
        println!(
            "one day {one:?}; 1,000 days {took:?} on {} threads: {} customers, mean wait {} ms (95 % {:?}), \
             typical day {:?}, Erlang C {:?}",
            std::thread::available_parallelism().map_or(1, |n| n.get()),
            many.customers,
            w.mean,
            w.ci95,
            w.typical_day,
            many.erlang_c.map(|e| e.mean_wait_ms)
        );
        let budget = Budget::new(Work::MAX);
        for day in 0..1000 {
            s.play(day, &never, &budget).unwrap();
        }
        println!("work of the 1,000 days: {} units", budget.used.load(Ordering::Relaxed));
        // The heaviest inputs, a day on each core, within a server's budget.
        let heaviest = Scenario::steady(2000.0, 240.0, 1, 10, 1).unwrap();
        let started = std::time::Instant::now();
        assert!(heaviest.simulate_days(100, &never, DEFAULT_DAYS_WORK_BUDGET).is_err());
        println!("the heaviest inputs refused after {:?}", started.elapsed());
    }

    #[test]
    #[ignore = "an experiment: the M/M/c check's error over 12 seeds at each load (minutes; run it in release)"]
    fn spread_of_the_mm_c_check_over_seeds() {
        let never = AtomicBool::new(false);
        for (rho, minutes, days) in [(0.7, 0.5, 60), (0.8, 0.5, 90), (0.9, 0.25, 75)] {
            let lambda = rho * 2.0 * 60.0 / minutes;
            let erlang = ErlangC::new(lambda / HOUR as f64, minutes * 60_000.0, 2).unwrap().mean_wait().unwrap();
            for seed in 1..=12 {
                let s = Scenario::steady(lambda, minutes, 2, 24, seed).unwrap();
                let w = s.simulate_days(days, &never, Work::MAX).unwrap().unwrap().wait_mean_ms.unwrap();
                let ci = w.ci95.unwrap();
                let inside = ci.low as f64 <= erlang && erlang <= ci.high as f64;
                println!(
                    "ρ={rho} seed {seed}: {:+.2} %, Erlang C inside the interval: {inside}",
                    (w.mean as f64 / erlang - 1.0) * 100.0
                );
            }
        }
    }
}
