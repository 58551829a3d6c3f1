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
//! Pure like the rest of hallq-core: the clock is the event times, ticket ids
//! are counted up from 1, and the randomness is a `StdRng` seeded by the
//! caller, so the same scenario always gives the same day.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{NaiveDate, TimeZone};
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

/// The work of a what-if, the unit of [`Scenario::simulate_until`]'s
/// budget: one unit per simulated event, plus, for every call, the
/// customers then waiting — call-next looks through the overdue part of
/// the queue, so an overloaded day (everyone overdue, a queue thousands
/// long) costs the square of its customers, not their number. That was the
/// 103 s of CPU of the largest inputs.
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
        let Some((sim, last)) = self.play(cancel, max_work)? else { return Ok(None) };
        let run = sim.finish(last)?;
        Ok(Some(Outcome { customers: run.customers, kpis: run.kpis.finish(), erlang_c: self.prediction() }))
    }

    /// Simulates the day through [`HallState::execute`].
    pub fn run(&self) -> Result<Run, CoreError> {
        let never = AtomicBool::new(false);
        let (sim, last) =
            self.play(&never, u64::MAX)?.ok_or_else(|| bad("模拟已取消", "the simulation was cancelled"))?;
        sim.finish(last)
    }

    /// Plays the day; returns the simulation and the time of its last
    /// event, or `None` when `cancel` was set on the way.
    fn play(&self, cancel: &AtomicBool, max_work: u64) -> Result<Option<(Sim, Millis)>, CoreError> {
        self.validate()?;
        let mut rng = StdRng::seed_from_u64(self.seed);
        let hall = Hall::new(Uuid::from_u128(0x5117), "SIM", "模拟营业厅 what-if hall");
        let day = NaiveDate::from_ymd_opt(2026, 1, 5).unwrap_or_default();
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
        let (mut events, mut work): (u64, u64) = (0, 0);
        while let Some(Reverse((at, _, ev))) = heap.pop() {
            events += 1;
            if events % CANCEL_CHECK_EVERY == 0 && cancel.load(Ordering::Relaxed) {
                return Ok(None);
            }
            work += 1;
            if work > max_work {
                return Err(too_much_work(max_work));
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
        let (sim, _) = s.play(&AtomicBool::new(false), u64::MAX).unwrap().unwrap();
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
        let (sim, _) = s.play(&AtomicBool::new(false), u64::MAX).unwrap().unwrap();
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
        let mut s = Scenario::steady(40.0, 6.0, 4, 8, 1).unwrap();
        s.handling = Handling::Observed(Vec::new());
        assert!(s.run().is_err());
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
        let (sim, _) = s.play(&AtomicBool::new(false), u64::MAX).unwrap().unwrap();
        for t in sim.st.tickets() {
            let h = t.handling_ms().unwrap();
            assert!(h == 120_000 || h == 480_000, "{h}");
        }
        assert_eq!(s.handling.mean_ms(), 300_000.0);
        // a = 20/h × 5 min = 1.67 < 3: a prediction.
        assert!(s.prediction().is_some());
    }

    /// The pooled KPIs of `days` simulated M/M/c days (seeds `first..`),
    /// run on every available core (each day is independent).
    fn pooled_days(lambda: f64, minutes: f64, c: u32, hours: u32, first: u64, days: u64) -> (u64, Kpis) {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8) as u64;
        let parts: Vec<(u64, KpiAccumulator)> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..threads)
                .map(|t| {
                    scope.spawn(move || {
                        let mut acc = KpiAccumulator::new();
                        let mut n = 0;
                        for seed in (first..first + days).filter(|s| s % threads == t) {
                            let run = Scenario::steady(lambda, minutes, c, hours, seed).unwrap().run().unwrap();
                            n += run.customers;
                            acc.merge(run.kpis);
                        }
                        (n, acc)
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let mut pooled = KpiAccumulator::new();
        let mut customers = 0;
        for (n, acc) in parts {
            customers += n;
            pooled.merge(acc);
        }
        (customers, pooled.finish())
    }

    /// Queueing theory: the engine's M/M/c day agrees with Erlang C.
    ///
    /// M/M/2 at ρ = 0.7: 84 arrivals/h, 1-minute mean handling, so
    /// Wq = C·h/(c − a) = 0.4118 × 60 s / 0.6 ≈ 57.6 s.
    ///
    /// Why this size: 200 independent 24-hour days, ≈ 403,000 customers
    /// (each day is spread over 3 services, so the multi-service FIFO is
    /// exercised too). The waits of consecutive customers are strongly
    /// correlated, so the mean converges slowly; in an independent model of
    /// exactly this design (a Lindley recursion, 30 repetitions) the pooled
    /// mean wait was off by −0.45 % on average (each day starts empty) with
    /// a standard deviation of 1.5 %, which puts the 5 % bound 3σ away
    /// (about 1 failure in 1,000 seed sets); the engine itself over 12 seed
    /// blocks of this size (the ignored test below) gave −2.6 % … +2.1 %,
    /// mean −0.2 %, standard deviation 1.7 %. 8-hour days were not enough:
    /// −1.3 % bias and 2.4 % spread, and 2 of 12 seed blocks of the engine
    /// itself missed 5 %. ρ = 0.7 and 2 counters give the least spread per
    /// customer in the brief's range; ρ = 0.8 or 4 counters need several
    /// times the customers. The days run on every core, a few seconds in a
    /// debug build. The seeds are fixed (the test is deterministic), not
    /// chosen: 1..=200.
    #[test]
    fn simulated_mm_c_mean_wait_is_within_5_percent_of_erlang_c() {
        let (lambda, minutes, c) = (84.0, 1.0, 2u32);
        let (customers, k) = pooled_days(lambda, minutes, c, 24, 1, 200);
        let simulated = k.wait_mean_ms.unwrap() as f64;
        let erlang = ErlangC::new(lambda / HOUR as f64, minutes * 60_000.0, c).unwrap().mean_wait().unwrap();
        let rel = simulated / erlang - 1.0;
        println!(
            "M/M/{c} ρ=0.7: {customers} customers, simulated Wq {simulated:.0} ms, Erlang C {erlang:.0} ms, {:+.2} %",
            rel * 100.0
        );
        assert!(rel.abs() < 0.05, "simulated {simulated} vs Erlang C {erlang}");
        assert_eq!(k.served, customers);
        // The utilisation agrees too: a/c = 0.7 of the open time, less the
        // idle tail after the last customer of each day.
        let u = k.utilisation.unwrap();
        assert!((0.66..=0.71).contains(&u), "{u}");
    }

    #[test]
    #[ignore = "an experiment: the spread of the M/M/c check over 12 seed blocks (minutes in debug)"]
    fn spread_of_the_mm_c_check_over_seed_blocks() {
        let erlang = ErlangC::new(84.0 / HOUR as f64, 60_000.0, 2).unwrap().mean_wait().unwrap();
        for block in 0..12u64 {
            let (_, k) = pooled_days(84.0, 1.0, 2, 24, 1 + block * 1000, 200);
            let w = k.wait_mean_ms.unwrap() as f64;
            println!("seeds {}..: {:+.2} %", 1 + block * 1000, (w / erlang - 1.0) * 100.0);
        }
    }
}
