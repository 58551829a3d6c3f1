//! `hallq demo`: days of realistic synthetic traffic, run through the real
//! hall logic (the store's bulk writer: the same decide/apply and event log
//! as the engine, committed once per simulated day), so that reports, the
//! board and comparisons have something true to the field to show.
//!
//! [`simulate`] is a discrete-event simulation of one hall, reused by
//! `hallq bench` to build large databases. What it models, per day:
//! - business hours 08:30–17:30 local; staff log in at 08:20, counters open
//!   at 08:30, and close (and log out) after 17:30 once nobody waits for them;
//! - arrivals: a Poisson process whose rate follows the hour of day (morning
//!   ramp, a peak 11:00–13:00, a quieter afternoon) and the weekday (Monday
//!   ×1.4, weekends ×0.5; the hall is open every day), tickets until 17:15;
//! - the service mix of a supply hall (bill payment most, then enquiries,
//!   changes, new connections, faults, meter checks, complaints, DER), ~8 %
//!   priority tickets (mostly elderly), a few appointments and key accounts;
//! - counters call the next ticket as soon as they are idle; walk-up 10–60 s;
//!   handling log-normal around each service's target (about one in five
//!   over target); ~4 % no-shows (recalled, then marked by hand or by the
//!   recall limit), ~3 % transfers, ~2 % cancellations while waiting; one
//!   counter takes a 30-minute lunch pause from 12:00 on most days;
//! - ~70 % of served tickets rated, mostly 5 and 4, worse after long waits,
//!   with a reason for every low score;
//! - cases (工单) opened at the counter for about half of the new
//!   connections, meter checks and DER and most complaints (a quarter of them
//!   entered only at the day's end, so the received → accepted gap shows);
//!   worked on later days on the hall's calendar: a stage done, now and then a
//!   hold and its resume, closed mostly on time and about one in eight late;
//!   those due after the last simulated day stay open (some overdue). Cases
//!   draw from their own random source, so the queue's traffic is the same
//!   with or without them.
//!
//! The same seed gives the same traffic (`StdRng`); nothing reads the wall
//! clock or iterates a hash map. It must stay fast: no O(n²) work per
//! ticket, and no commit but the daily one.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result};
use chrono::{Datelike, Duration, NaiveDate, TimeZone, Weekday};
use hallq_store::hallq_core::commitment::{self, Case, CaseOutcome};
use hallq_store::hallq_core::{
    Actor, Command, Counter, EventData, Hall, HallConfig, LowScoreReason, PriorityClass, PriorityReason, Resolution,
    Staff, StaffRole, Ticket, TicketRef, TicketState, TransferTarget,
};
use hallq_store::{BulkWriter, Executed, Millis, Store};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, Exp, LogNormal};
use uuid::Uuid;

use crate::error::CliError;
use crate::format::parse_date;
use crate::init;
use crate::output::outln;

/// `hallq demo` flags.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// 模拟天数 / how many days to simulate
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=3660))]
    days: u32,
    /// 随机种子：同一种子得到同样的数据 / random seed: the same seed gives the same data
    #[arg(long, value_name = "S", default_value_t = 1)]
    seed: u64,
    /// 第一天 / first simulated day, YYYY-MM-DD [default: N days before today]
    #[arg(long, value_name = "DATE")]
    start: Option<String>,
    /// 营业厅数：第一个为 --hall（默认 DEMO），其余为 DEMO2… /
    /// how many halls: the first is --hall (default DEMO), the others DEMO2…
    #[arg(long, value_name = "K", default_value_t = 1,
          value_parser = clap::value_parser!(u32).range(1..=50))]
    halls: u32,
}

/// What to simulate in one hall.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    /// The first simulated business day.
    pub start: NaiveDate,
    /// How many days.
    pub days: u32,
    /// The seed of the hall's random traffic.
    pub seed: u64,
    /// Mean visits on an ordinary weekday (Wednesday); Monday is ×1.4,
    /// weekends ×0.5.
    pub visits_per_day: f64,
}

/// What a simulation wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Days simulated.
    pub days: u32,
    /// Visits (tickets issued at the kiosk).
    pub visits: u64,
    /// Ticket legs (visits plus transfers).
    pub tickets: u64,
    /// Commands executed.
    pub commands: u64,
    /// Events logged.
    pub events: u64,
}

impl std::ops::AddAssign for Counts {
    fn add_assign(&mut self, o: Self) {
        self.days += o.days;
        self.visits += o.visits;
        self.tickets += o.tickets;
        self.commands += o.commands;
        self.events += o.events;
    }
}

/// A demo hall: its code suffix position, name and traffic level. The
/// levels differ so that a comparison of halls has something to show.
#[derive(Debug, Clone, Copy)]
pub struct Profile {
    /// Name of a hall created by the demo.
    pub name: &'static str,
    /// Mean visits on an ordinary weekday.
    pub visits_per_day: f64,
}

/// The profile of the `index`-th demo hall (0 = the county hall itself).
pub fn profile(index: usize) -> Profile {
    const PROFILES: [Profile; 9] = [
        Profile { name: "演示供电营业厅", visits_per_day: 190.0 },
        Profile { name: "罗阳供电所", visits_per_day: 235.0 },
        Profile { name: "百丈供电所", visits_per_day: 110.0 },
        Profile { name: "雅阳供电所", visits_per_day: 160.0 },
        Profile { name: "筱村供电所", visits_per_day: 85.0 },
        Profile { name: "泗溪供电所", visits_per_day: 135.0 },
        Profile { name: "司前供电所", visits_per_day: 70.0 },
        Profile { name: "三魁供电所", visits_per_day: 120.0 },
        Profile { name: "彭溪供电所", visits_per_day: 100.0 },
    ];
    PROFILES.get(index).copied().unwrap_or(Profile { name: "演示供电所", visits_per_day: 100.0 })
}

/// The seed of the `index`-th hall of a demo run: different traffic per
/// hall, the same for the same run seed.
pub fn hall_seed(seed: u64, index: usize) -> u64 {
    seed ^ (index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// Runs `hallq demo`.
pub fn run(db: &Path, hall_code: Option<&str>, a: &DemoArgs) -> Result<()> {
    // Today in the default zone (Asia/Shanghai) with the default rollover.
    let today = Hall::new(Uuid::nil(), "DEMO", "demo").business_day(init::now_ms());
    let start = match &a.start {
        Some(s) => parse_date(s)?,
        None => today - Duration::days(i64::from(a.days)),
    };
    let last = start + Duration::days(i64::from(a.days) - 1);
    if last >= today {
        // A hall whose log runs into today or later would take the real
        // clock for a step back into the simulated past.
        return Err(CliError::input(
            format!("演示数据须在今天（{today}）之前结束，而 {start} 起 {} 天到 {last}", a.days),
            format!("demo days must end before today ({today}); {} days from {start} end on {last}", a.days),
        )
        .into());
    }
    let first_code = hall_code.unwrap_or("DEMO");
    let store = init::open_or_create(db)?;
    let existing = store.halls()?;

    // Check every existing hall before creating anything, so a refusal
    // leaves the database as it was.
    let mut halls: Vec<(usize, String, Option<Hall>)> = Vec::new();
    for k in 0..a.halls as usize {
        let code = if k == 0 { first_code.to_string() } else { format!("{first_code}{}", k + 1) };
        let hall = existing.iter().find(|h| h.code == code).cloned();
        if let Some(h) = &hall {
            check_start(&store, h, start)?;
        }
        halls.push((k, code, hall));
    }

    let mut pin: Option<String> = None;
    let mut total = Counts::default();
    let began = Instant::now();
    for (k, code, hall) in halls {
        let p = profile(k);
        let hall = match hall {
            Some(h) => h,
            None => {
                let cfg = hall_config(&code, p.name, 4);
                let created_at = local_ms(&cfg.hall, start, 7, 30);
                let pin = pin.get_or_insert_with(init::random_pin);
                init::create(&store, &cfg, created_at, pin)?;
                cfg.hall
            }
        };
        let plan = Plan { start, days: a.days, seed: hall_seed(a.seed, k), visits_per_day: p.visits_per_day };
        let t0 = Instant::now();
        let counts = simulate(&store, hall.id, &plan)?;
        let secs = t0.elapsed().as_secs_f64();
        outln!(
            "{} {}：{} 天 / days（{} – {}），{} 人次 / visits，{} 张号 / tickets，{} 条事件 / events，{:.1} s",
            hall.code,
            hall.name,
            counts.days,
            start,
            start + Duration::days(i64::from(a.days) - 1),
            counts.visits,
            counts.tickets,
            counts.events,
            secs
        )?;
        total += counts;
    }
    let secs = began.elapsed().as_secs_f64().max(1e-9);
    outln!(
        "速度 / speed: {:.0} 张号/秒 tickets/s，{:.0} 条事件/秒 events/s",
        total.tickets as f64 / secs,
        total.events as f64 / secs
    )?;
    if let Some(pin) = pin {
        outln!()?;
        outln!(
            "新建营业厅的值班长（工号 {}）PIN，只显示这一次 / the admin (staff {}) PIN of the new halls, shown only this once:",
            init::ADMIN,
            init::ADMIN
        )?;
        outln!("    {pin}")?;
    }
    Ok(())
}

/// A demo hall's configuration: the default supply hall, with more general
/// counters (like counters 2 and 3) when `counters` is above its four.
pub fn hall_config(code: &str, name: &str, counters: usize) -> HallConfig {
    let mut cfg = HallConfig::default_supply_hall(Uuid::now_v7(), code, name);
    let templates: Vec<Counter> = cfg.counters.iter().filter(|c| c.name.contains("综合")).cloned().collect();
    let mut number = cfg.counters.iter().map(|c| c.number).max().unwrap_or(0);
    for template in templates.iter().cycle().take(counters.saturating_sub(cfg.counters.len())) {
        number += 1;
        cfg.counters.push(
            Counter::new(number, format!("{number}号窗口 综合"), template.services.clone(), template.policy)
                .with_name_en(format!("Counter {number} General")),
        );
    }
    cfg
}

/// The business days [`build_year`] fills: a fixed calendar range starting
/// 2025-01-01, so that the same arguments always build the same data.
pub fn year_range(days: i64) -> (NaiveDate, NaiveDate) {
    let from = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap_or_default();
    (from, from + Duration::days(days.max(1) - 1))
}

/// Builds a large database for `hallq bench`: `halls` demo halls (DEMO,
/// DEMO2, …) of `days` days each from [`year_range`], with traffic scaled so
/// that every 8 halls × 365 days come to about a million tickets (beyond the
/// eighth hall the eight profiles repeat, named with a number), and enough
/// counters per hall for that traffic (about 45 visits a counter a day).
/// With `keep_log` false each hall's event log is deleted once the hall is
/// generated ([`Store::discard_event_log_for_bench`]): reports read only the
/// projections, and ten million tickets' log would not fit the disk.
/// `after_hall` is told each hall's index and counts as it is done.
/// `path` should not hold halls yet.
pub fn build_year(
    path: &Path,
    halls: usize,
    days: i64,
    keep_log: bool,
    mut after_hall: impl FnMut(usize, &Counts) -> std::result::Result<(), CliError>,
) -> std::result::Result<Counts, CliError> {
    // Visits per hall-day for a million legs over 8 × 365 (≈1.03 legs a
    // visit), over the mean demo profile times the mean weekday factor.
    const TARGET_VISITS: f64 = 1_000_000.0 / 1.03 / (8.0 * 365.0);
    let base: f64 = (0..8).map(|k| profile(k).visits_per_day).sum::<f64>() / 8.0;
    let scale = TARGET_VISITS / (base * 6.6 / 7.0);
    let (start, _) = year_range(days);
    let days = u32::try_from(days.max(1)).unwrap_or(u32::MAX);
    let store = Store::open(path)?;
    let mut total = Counts::default();
    for k in 0..halls {
        let p = profile(k % 8);
        let visits = p.visits_per_day * scale;
        let counters = (visits / 45.0).ceil().max(4.0) as usize;
        let code = if k == 0 { "DEMO".to_string() } else { format!("DEMO{}", k + 1) };
        let name = if k < 8 { p.name.to_string() } else { format!("{}{}", p.name, k / 8 + 1) };
        let cfg = hall_config(&code, &name, counters);
        store.create_hall(&cfg, local_ms(&cfg.hall, start, 7, 30))?;
        let plan = Plan { start, days, seed: hall_seed(1, k), visits_per_day: visits };
        let counts = simulate(&store, cfg.hall.id, &plan)?;
        if !keep_log {
            store.discard_event_log_for_bench(cfg.hall.id)?;
        }
        after_hall(k, &counts)?;
        total += counts;
    }
    Ok(total)
}

/// Refuses to simulate into the past of a hall: time in the event log goes
/// back only at a clock step, so simulated days must come after everything
/// it holds.
fn check_start(store: &Store, hall: &Hall, start: NaiveDate) -> Result<()> {
    let last = store.bulk(hall.id)?.state().last_at();
    let first = local_ms(hall, start, 8, 0);
    if last > first {
        let when = hall.local(last).format("%Y-%m-%d %H:%M");
        return Err(CliError::input(
            format!(
                "营业厅 {} 已有到 {when} 的记录，演示数据只能从其后开始：请用新的数据库（如 --db demo.db，演示会自己建厅），或把 --start 设在其后",
                hall.code
            ),
            format!(
                "hall {} already has events up to {when}; demo days must come after them: use a new database (e.g. --db demo.db; the demo creates its halls), or a later --start",
                hall.code
            ),
        )
        .into());
    }
    Ok(())
}

/// Simulates `plan.days` days of one hall through the store's bulk writer,
/// committing once per day. Creates the demo clerks (staff 1001…) if missing.
pub fn simulate(store: &Store, hall: Uuid, plan: &Plan) -> Result<Counts> {
    let mut bulk = store.bulk(hall)?;
    let mut sim = Sim::new(&bulk, plan)?;
    sim.define_staff(&mut bulk, plan.start)?;
    for d in 0..plan.days {
        let day = plan.start + Duration::days(i64::from(d));
        sim.day(&mut bulk, day, d).with_context(|| format!("simulating {day}"))?;
        bulk.commit()?;
        sim.counts.days += 1;
    }
    Ok(sim.counts)
}

/// The local instant `h:m` of `day` in the hall's zone.
fn local_ms(hall: &Hall, day: NaiveDate, h: u32, m: u32) -> Millis {
    let naive = day.and_hms_opt(h, m, 0).unwrap_or_default();
    hall.time_zone
        .from_local_datetime(&naive)
        .earliest()
        .map_or_else(|| naive.and_utc().timestamp_millis(), |t| t.timestamp_millis())
}

const SECOND: Millis = 1_000;
const MINUTE: Millis = 60 * SECOND;
const HOUR: Millis = 60 * MINUTE;

/// Arrival intensity through the day: (from, to) in local minutes after
/// midnight, and the relative rate.
const DAY_SHAPE: [(u32, u32, f64); 10] = [
    (8 * 60 + 30, 9 * 60, 0.7),
    (9 * 60, 10 * 60, 1.0),
    (10 * 60, 11 * 60, 1.15),
    (11 * 60, 12 * 60, 1.45),
    (12 * 60, 13 * 60, 1.35),
    (13 * 60, 14 * 60, 0.85),
    (14 * 60, 15 * 60, 1.0),
    (15 * 60, 16 * 60, 1.0),
    (16 * 60, 17 * 60, 0.8),
    (17 * 60, 17 * 60 + 15, 0.45),
];

fn weekday_factor(d: Weekday) -> f64 {
    match d {
        Weekday::Mon => 1.4,
        Weekday::Tue | Weekday::Fri => 1.1,
        Weekday::Wed | Weekday::Thu => 1.0,
        Weekday::Sat | Weekday::Sun => 0.5,
    }
}

/// Share of visits per service code (others get a small share).
fn service_weight(code: &str) -> f64 {
    match code {
        "PAY" => 40.0,
        "ASK" => 20.0,
        "CHG" => 12.0,
        "NEW" => 8.0,
        "FLT" => 7.0,
        "MTR" => 5.0,
        "CMP" => 4.0,
        "DER" => 4.0,
        _ => 3.0,
    }
}

/// Where a clerk sends a customer who came to the wrong queue.
fn transfer_targets(code: &str) -> &'static [&'static str] {
    match code {
        "ASK" => &["CHG", "NEW", "PAY"],
        "PAY" => &["ASK", "CHG"],
        "CHG" => &["MTR", "NEW"],
        "FLT" => &["MTR", "CMP"],
        "MTR" => &["CHG", "CMP"],
        "NEW" => &["DER", "CHG"],
        "CMP" => &["ASK", "MTR"],
        "DER" => &["NEW"],
        _ => &["ASK"],
    }
}

/// How a clerk closes a ticket of a service.
fn resolution(code: &str, r: f64) -> Resolution {
    match code {
        "PAY" => Resolution::Completed,
        "ASK" => Resolution::Answered,
        "NEW" | "DER" if r < 0.12 => Resolution::MissingDocuments,
        "NEW" | "DER" | "MTR" | "FLT" | "CMP" => Resolution::Accepted,
        "CHG" if r < 0.10 => Resolution::MissingDocuments,
        "CHG" if r < 0.40 => Resolution::Accepted,
        _ if r > 0.99 => Resolution::Declined,
        _ => Resolution::Completed,
    }
}

const DEMO_NAMES: [&str; 16] = [
    "王芳", "李强", "张伟", "刘洋", "陈静", "杨帆", "赵敏", "黄磊", "周婷", "吴昊", "徐丽", "孙鹏", "马琳", "朱军",
    "胡雪", "郭涛",
];

/// The demo hall's teams (班组): 甲班 and 乙班.
const DEMO_TEAMS: [&str; 2] = ["甲班", "乙班"];

const LOW_REASONS: [(LowScoreReason, f64); 5] = [
    (LowScoreReason::Efficiency, 40.0),
    (LowScoreReason::Procedure, 20.0),
    (LowScoreReason::Attitude, 15.0),
    (LowScoreReason::Skill, 15.0),
    (LowScoreReason::Environment, 10.0),
];

#[derive(Debug, Clone)]
struct SimService {
    code: String,
    weight: f64,
    target_wait: Millis,
    target_handling: Millis,
    transfers: Vec<String>,
    takes_appointments: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Closed,
    Idle,
    Called(Uuid),
    Serving(Uuid),
    Paused,
}

#[derive(Debug, Clone)]
struct SimCounter {
    number: u32,
    services: Vec<String>,
    staff: String,
    phase: Phase,
    idle_since: Millis,
    lunch: bool,
}

/// What the customer behind a visit will do, drawn when the ticket is issued.
#[derive(Debug, Clone)]
struct Visit {
    no_show: bool,
    late: bool,
    transfer: Option<String>,
}

/// One arrival of the day, drawn ahead.
#[derive(Debug, Clone)]
struct Arrival {
    service: usize,
    priority: PriorityClass,
    reason: Option<PriorityReason>,
    appointment: Option<String>,
    patience: Option<Millis>,
    visit: Visit,
}

/// Things that happen at an instant; ties are broken by insertion order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Ev {
    Arrive(usize),
    Ready(usize),
    LateRecall(usize, Uuid),
    Walkup(usize, Uuid),
    NoShowCheck(usize, Uuid),
    Done(usize, Uuid),
    Rate(Uuid, u8, Option<u8>),
    Cancel(Uuid),
    LunchStart(usize),
    LunchEnd(usize),
    Closing,
    /// The day's `k`th case step ([`Day::case_steps`]).
    Case(usize),
}

/// Something done to a case on a day.
#[derive(Debug, Clone)]
enum CaseStep {
    Open { kind: &'static str, staff: String, ticket: Uuid, received_at: Millis },
    Stage { case: Uuid, stage: String, staff: String },
    Hold { case: Uuid, staff: String },
    Resume { case: Uuid, staff: String },
    Close { case: Uuid, staff: String, outcome: CaseOutcome },
}

struct Sim {
    rng: StdRng,
    hall: Hall,
    visits_per_day: f64,
    services: Vec<SimService>,
    counters: Vec<SimCounter>,
    pool: Vec<String>,
    counts: Counts,
    /// The cases' own random source.
    case_rng: StdRng,
    /// Case steps planned for later days, by day.
    case_plan: Vec<(NaiveDate, Millis, CaseStep)>,
}

/// The state of one simulated day.
struct Day {
    heap: BinaryHeap<Reverse<(Millis, u64, Ev)>>,
    seq: u64,
    arrivals: Vec<Arrival>,
    visits: HashMap<Uuid, Visit>,
    closing: bool,
    lunch_at: Millis,
    case_steps: Vec<CaseStep>,
}

impl Day {
    fn push(&mut self, at: Millis, ev: Ev) {
        self.seq += 1;
        self.heap.push(Reverse((at, self.seq, ev)));
    }
}

impl Sim {
    fn new(bulk: &BulkWriter, plan: &Plan) -> Result<Self> {
        let st = bulk.state();
        let services: Vec<SimService> = st
            .services()
            .iter()
            .filter(|s| s.enabled)
            .map(|s| SimService {
                code: s.code.clone(),
                weight: service_weight(&s.code),
                target_wait: s.target_wait_ms(),
                target_handling: s.target_handling_ms(),
                transfers: Vec::new(),
                takes_appointments: matches!(s.code.as_str(), "NEW" | "CHG" | "DER" | "MTR"),
            })
            .collect();
        let enabled = |c: &str| services.iter().any(|s| s.code == c);
        let counters: Vec<SimCounter> = st
            .counters()
            .map(|c| SimCounter {
                number: c.number,
                services: c.services.iter().filter(|s| enabled(s)).cloned().collect(),
                staff: String::new(),
                phase: Phase::Closed,
                idle_since: 0,
                lunch: false,
            })
            .filter(|c| !c.services.is_empty())
            .collect();
        // Only services some counter serves get customers.
        let served = |code: &str| counters.iter().any(|c| c.services.iter().any(|s| s == code));
        let mut services: Vec<SimService> = services.into_iter().filter(|s| served(&s.code)).collect();
        let codes: Vec<String> = services.iter().map(|s| s.code.clone()).collect();
        for s in &mut services {
            s.transfers = transfer_targets(&s.code)
                .iter()
                .filter(|t| codes.iter().any(|c| c == *t))
                .map(|t| t.to_string())
                .collect();
        }
        if services.is_empty() || counters.is_empty() {
            return Err(CliError::input(
                format!("营业厅 {} 没有可办理的业务或窗口，无法模拟", st.hall().code),
                format!("hall {} has no service served at a counter; nothing to simulate", st.hall().code),
            )
            .into());
        }
        let pool = (0..counters.len() + 2).map(|i| format!("{}", 1001 + i)).collect();
        Ok(Self {
            rng: StdRng::seed_from_u64(plan.seed),
            hall: st.hall().clone(),
            visits_per_day: plan.visits_per_day,
            services,
            counters,
            pool,
            counts: Counts::default(),
            case_rng: StdRng::seed_from_u64(plan.seed ^ 0xCA5E_CA5E),
            case_plan: Vec::new(),
        })
    }

    fn exec(&mut self, bulk: &mut BulkWriter, actor: Actor, cmd: Command, at: Millis) -> Result<Executed> {
        let name = cmd.name();
        let ex =
            bulk.execute(actor, cmd, at).with_context(|| format!("demo command {name} at {}", self.hall.local(at)))?;
        self.counts.commands += 1;
        self.counts.events += ex.events.len() as u64;
        Ok(ex)
    }

    /// Adds the demo clerks the hall does not have yet.
    fn define_staff(&mut self, bulk: &mut BulkWriter, start: NaiveDate) -> Result<()> {
        let at = local_ms(&self.hall, start, 8, 0);
        // Names differ per hall so that staff reports read like real ones.
        let offset = (self.hall.id.as_u128() % 16) as usize;
        for (i, number) in self.pool.clone().into_iter().enumerate() {
            if bulk.state().staff().any(|s| s.number == number) {
                continue;
            }
            let staff = Staff {
                number,
                name: DEMO_NAMES[(offset + i) % DEMO_NAMES.len()].to_string(),
                role: StaffRole::Agent,
                active: true,
                // Two teams (班组) that supervise each other, clerks taking turns.
                team: Some(DEMO_TEAMS[i % DEMO_TEAMS.len()].to_string()),
            };
            self.exec(bulk, Actor::Cli, Command::DefineStaff { staff }, at)?;
        }
        Ok(())
    }

    fn day(&mut self, bulk: &mut BulkWriter, date: NaiveDate, index: u32) -> Result<()> {
        let mut day = Day {
            heap: BinaryHeap::new(),
            seq: 0,
            arrivals: Vec::new(),
            visits: HashMap::new(),
            closing: false,
            lunch_at: local_ms(&self.hall, date, 12, 0),
            case_steps: Vec::new(),
        };
        // The case steps planned for today.
        let (today, later): (Vec<_>, Vec<_>) =
            std::mem::take(&mut self.case_plan).into_iter().partition(|(d, ..)| *d == date);
        self.case_plan = later;
        for (_, at, step) in today {
            day.case_steps.push(step);
            day.push(at, Ev::Case(day.case_steps.len() - 1));
        }

        // Morning: the day's clerks (a rotation) log in and open.
        let n = self.counters.len();
        let login = local_ms(&self.hall, date, 8, 20);
        let open = local_ms(&self.hall, date, 8, 30);
        for c in 0..n {
            let staff = self.pool[(index as usize + c) % self.pool.len()].clone();
            self.counters[c].staff = staff.clone();
            self.counters[c].lunch = false;
            let number = self.counters[c].number;
            let at = login + c as Millis * 20 * SECOND;
            let cmd = Command::Login { counter: number, staff: staff.clone() };
            self.exec(bulk, Actor::Staff(staff), cmd, at)?;
        }
        for c in 0..n {
            let number = self.counters[c].number;
            let staff = self.counters[c].staff.clone();
            // All at 08:30 sharp: the day's first arrival may come a moment later.
            self.exec(bulk, Actor::Staff(staff), Command::OpenCounter { counter: number }, open)?;
            self.counters[c].phase = Phase::Idle;
            self.counters[c].idle_since = open;
        }

        self.draw_arrivals(&mut day, date);
        if self.rng.random_bool(0.6) {
            let c = self.rng.random_range(0..n);
            day.push(day.lunch_at, Ev::LunchStart(c));
        }
        day.push(local_ms(&self.hall, date, 17, 30), Ev::Closing);

        // An overloaded hall still stops at night: whoever waits then expires
        // at the rollover, and the next day starts clean.
        let curfew = local_ms(&self.hall, date, 23, 0);
        let mut last = open;
        while let Some(Reverse((at, _, ev))) = day.heap.pop() {
            if at > curfew {
                break;
            }
            last = at;
            self.handle(bulk, &mut day, at, ev)?;
        }
        // Anyone still open (nothing was left to call) closes now.
        for c in 0..n {
            if self.counters[c].phase == Phase::Idle {
                self.close(bulk, c, last + SECOND)?;
            }
        }
        Ok(())
    }

    /// Draws the day's arrivals: a Poisson process, piecewise constant in
    /// rate over the day's shape, scaled by weekday and a little day noise.
    fn draw_arrivals(&mut self, day: &mut Day, date: NaiveDate) {
        let noise = LogNormal::new(0.0, 0.08).map(|d| d.sample(&mut self.rng)).unwrap_or(1.0);
        let expected = self.visits_per_day * weekday_factor(date.weekday()) * noise;
        let weight_hours: f64 = DAY_SHAPE.iter().map(|(from, to, w)| w * f64::from(to - from) / 60.0).sum();
        let mut prev: Millis = 0;
        for (from, to, w) in DAY_SHAPE {
            let from = local_ms(&self.hall, date, from / 60, from % 60);
            let to = local_ms(&self.hall, date, to / 60, to % 60);
            let per_ms = expected * w / weight_hours / HOUR as f64;
            let Ok(gap) = Exp::new(per_ms) else { continue };
            let mut t = from as f64;
            loop {
                t += gap.sample(&mut self.rng);
                if t >= to as f64 {
                    break;
                }
                // Distinct instants keep the queue order independent of ids.
                let at = (t as Millis).max(prev + 1);
                prev = at;
                let arrival = self.draw_arrival();
                day.arrivals.push(arrival);
                let i = day.arrivals.len() - 1;
                day.push(at, Ev::Arrive(i));
            }
        }
    }

    fn draw_arrival(&mut self) -> Arrival {
        let total: f64 = self.services.iter().map(|s| s.weight).sum();
        let mut r = self.rng.random::<f64>() * total;
        let mut service = self.services.len() - 1;
        for (i, s) in self.services.iter().enumerate() {
            if r < s.weight {
                service = i;
                break;
            }
            r -= s.weight;
        }
        let svc = &self.services[service];
        let p = self.rng.random::<f64>();
        let (priority, reason, appointment) = if p < 0.08 {
            let q = self.rng.random::<f64>();
            let reason = if q < 0.75 {
                PriorityReason::Elderly
            } else if q < 0.9 {
                PriorityReason::Disabled
            } else {
                PriorityReason::Pregnant
            };
            (PriorityClass::Priority, Some(reason), None)
        } else if p < 0.10 && svc.takes_appointments {
            let no = format!("YY{:06}", self.rng.random_range(0..1_000_000u32));
            (PriorityClass::Appointment, None, Some(no))
        } else if p < 0.105 && svc.takes_appointments {
            (PriorityClass::Vip, None, None)
        } else {
            (PriorityClass::Normal, None, None)
        };
        let patience = self.rng.random_bool(0.08).then(|| self.rng.random_range(MINUTE..20 * MINUTE));
        let no_show = self.rng.random_bool(0.045);
        let late = !no_show && self.rng.random_bool(0.06);
        let transfer = if !no_show && !svc.transfers.is_empty() && self.rng.random_bool(0.03) {
            let i = self.rng.random_range(0..svc.transfers.len());
            Some(svc.transfers[i].clone())
        } else {
            None
        };
        Arrival { service, priority, reason, appointment, patience, visit: Visit { no_show, late, transfer } }
    }

    fn handle(&mut self, bulk: &mut BulkWriter, day: &mut Day, at: Millis, ev: Ev) -> Result<()> {
        match ev {
            Ev::Arrive(i) => {
                let a = day.arrivals[i].clone();
                let code = self.services[a.service].code.clone();
                let cmd = Command::Issue {
                    service: code.clone(),
                    priority: a.priority,
                    priority_reason: a.reason,
                    appointment: a.appointment,
                };
                let ex = self.exec(bulk, kiosk(), cmd, at)?;
                let t = ticket(&ex)?;
                self.counts.visits += 1;
                self.counts.tickets += 1;
                if let Some(p) = a.patience {
                    day.push(at + p, Ev::Cancel(t.id));
                }
                day.visits.insert(t.visit_id, a.visit);
                self.dispatch(bulk, day, &code, at)?;
            }
            Ev::Ready(c) => {
                if self.counters[c].phase == Phase::Idle {
                    self.next(bulk, day, c, at)?;
                }
            }
            Ev::LateRecall(c, id) => {
                if self.counters[c].phase == Phase::Called(id) {
                    let ex =
                        self.exec(bulk, self.clerk(c), Command::Recall { counter: self.counters[c].number }, at)?;
                    if ticket(&ex)?.state == TicketState::NoShow {
                        self.idle(day, c, at);
                    }
                }
            }
            Ev::Walkup(c, id) => {
                if self.counters[c].phase == Phase::Called(id) {
                    let ex = self.exec(bulk, self.clerk(c), Command::Start { counter: self.counters[c].number }, at)?;
                    let t = ticket(&ex)?;
                    let svc = self.service(&t.service);
                    let target = self.services[svc].target_handling as f64;
                    let mut h = LogNormal::new((0.7 * target).ln(), 0.45)
                        .map(|d| d.sample(&mut self.rng))
                        .unwrap_or(target)
                        .clamp(30_000.0, 4.0 * target.max(30_000.0));
                    let transfers = t.leg == 1 && day.visits.get(&t.visit_id).is_some_and(|v| v.transfer.is_some());
                    if transfers {
                        h *= 0.4;
                    }
                    self.counters[c].phase = Phase::Serving(id);
                    day.push(at + h as Millis, Ev::Done(c, id));
                }
            }
            Ev::NoShowCheck(c, id) => {
                if self.counters[c].phase == Phase::Called(id) {
                    let number = self.counters[c].number;
                    let by_hand = self.rng.random_bool(0.3);
                    let cmd =
                        if by_hand { Command::NoShow { counter: number } } else { Command::Recall { counter: number } };
                    let ex = self.exec(bulk, self.clerk(c), cmd, at)?;
                    if ticket(&ex)?.state == TicketState::NoShow {
                        self.idle(day, c, at);
                    } else {
                        let wait = self.rng.random_range(45 * SECOND..75 * SECOND);
                        day.push(at + wait, Ev::NoShowCheck(c, id));
                    }
                }
            }
            Ev::Done(c, id) => {
                if self.counters[c].phase == Phase::Serving(id) {
                    self.done(bulk, day, c, at)?;
                }
            }
            Ev::Rate(id, level, reason) => {
                let reason = reason.map(|r| LOW_REASONS[usize::from(r)].0);
                let cmd = Command::Rate { ticket: TicketRef::Id(id), level, reason };
                self.exec(bulk, Actor::Terminal("rating-pad".into()), cmd, at)?;
            }
            Ev::Cancel(id) => {
                let waiting = bulk.state().ticket(id).is_some_and(|t| t.state == TicketState::Waiting);
                if waiting {
                    let cmd = Command::Cancel { ticket: TicketRef::Id(id) };
                    self.exec(bulk, kiosk(), cmd, at)?;
                }
            }
            Ev::LunchStart(c) => {
                self.counters[c].lunch = true;
                if self.counters[c].phase == Phase::Idle {
                    self.pause(bulk, day, c, at)?;
                }
            }
            Ev::LunchEnd(c) => {
                if self.counters[c].phase == Phase::Paused {
                    let number = self.counters[c].number;
                    self.exec(bulk, self.clerk(c), Command::ResumeCounter { counter: number }, at)?;
                    self.counters[c].phase = Phase::Idle;
                    self.counters[c].idle_since = at;
                    self.next(bulk, day, c, at)?;
                }
            }
            Ev::Case(k) => self.case_step(bulk, day.case_steps[k].clone(), at)?,
            Ev::Closing => {
                day.closing = true;
                for c in 0..self.counters.len() {
                    if self.counters[c].phase == Phase::Idle {
                        self.next(bulk, day, c, at)?;
                    }
                }
            }
        }
        Ok(())
    }

    /// What an idle counter does next: lunch, call, close, or wait.
    fn next(&mut self, bulk: &mut BulkWriter, day: &mut Day, c: usize, at: Millis) -> Result<()> {
        if self.counters[c].lunch && at >= day.lunch_at {
            self.pause(bulk, day, c, at)
        } else if self.callable(bulk, c) {
            self.call(bulk, day, c, at)
        } else if day.closing {
            self.close(bulk, c, at)
        } else {
            Ok(())
        }
    }

    /// Hands a new waiting ticket of `service` to the counter idle longest.
    fn dispatch(&mut self, bulk: &mut BulkWriter, day: &mut Day, service: &str, at: Millis) -> Result<()> {
        let idle = self
            .counters
            .iter()
            .enumerate()
            .filter(|(_, c)| c.phase == Phase::Idle && c.services.iter().any(|s| s == service))
            .min_by_key(|(i, c)| (c.idle_since, *i))
            .map(|(i, _)| i);
        match idle {
            Some(c) => self.next(bulk, day, c, at),
            None => Ok(()),
        }
    }

    fn callable(&self, bulk: &BulkWriter, c: usize) -> bool {
        let st = bulk.state();
        self.counters[c].services.iter().any(|s| st.waiting_count(s) > 0)
    }

    fn call(&mut self, bulk: &mut BulkWriter, day: &mut Day, c: usize, at: Millis) -> Result<()> {
        let number = self.counters[c].number;
        let ex = self.exec(bulk, self.clerk(c), Command::CallNext { counter: number }, at)?;
        let t = ticket(&ex)?;
        let (id, leg, visit_id) = (t.id, t.leg, t.visit_id);
        self.counters[c].phase = Phase::Called(id);
        let visit = day.visits.get(&visit_id).filter(|_| leg == 1);
        if visit.is_some_and(|v| v.no_show) {
            let wait = self.rng.random_range(40 * SECOND..70 * SECOND);
            day.push(at + wait, Ev::NoShowCheck(c, id));
        } else if visit.is_some_and(|v| v.late) {
            day.push(at + MINUTE, Ev::LateRecall(c, id));
            let walk = self.rng.random_range(75 * SECOND..150 * SECOND);
            day.push(at + walk, Ev::Walkup(c, id));
        } else {
            let walk = self.rng.random_range(10 * SECOND..60 * SECOND);
            day.push(at + walk, Ev::Walkup(c, id));
        }
        Ok(())
    }

    /// Service ends: a transfer for the few who came to the wrong queue,
    /// otherwise finish, and most customers rate.
    fn done(&mut self, bulk: &mut BulkWriter, day: &mut Day, c: usize, at: Millis) -> Result<()> {
        let number = self.counters[c].number;
        let Phase::Serving(id) = self.counters[c].phase else {
            return Ok(());
        };
        let (leg, visit_id, service) = match bulk.state().ticket(id) {
            Some(t) => (t.leg, t.visit_id, t.service.clone()),
            None => return Ok(()),
        };
        let transfer = (leg == 1).then(|| day.visits.get(&visit_id).and_then(|v| v.transfer.clone())).flatten();
        if let Some(to) = transfer {
            let cmd = Command::Transfer { counter: number, to: TransferTarget::Service(to.clone()) };
            self.exec(bulk, self.clerk(c), cmd, at)?;
            self.counts.tickets += 1;
            self.idle(day, c, at);
            return self.dispatch(bulk, day, &to, at);
        }
        let r = self.rng.random::<f64>();
        let cmd = Command::Finish { counter: number, resolution: resolution(&service, r) };
        let ex = self.exec(bulk, self.clerk(c), cmd, at)?;
        let t = ticket(&ex)?;
        self.maybe_case(bulk, day, c, t.id, &service, at)?;
        if self.rng.random_bool(0.7) {
            let (level, reason) = self.draw_rating(t);
            let later = self.rng.random_range(5 * SECOND..25 * SECOND);
            day.push(at + later, Ev::Rate(id, level, reason));
        }
        self.idle(day, c, at);
        Ok(())
    }

    /// 5 and 4 mostly; worse after a long wait or a slow transaction.
    fn draw_rating(&mut self, t: &Ticket) -> (u8, Option<u8>) {
        let svc = &self.services[self.service(&t.service)];
        let slow = t.wait_ms().is_some_and(|w| w > svc.target_wait)
            || t.handling_ms().is_some_and(|h| h * 2 > svc.target_handling * 3);
        // Cumulative shares of levels 1, 2, 3, 4 (5 takes the rest).
        let cut = if slow { [0.03, 0.08, 0.20, 0.50] } else { [0.008, 0.02, 0.07, 0.27] };
        let r = self.rng.random::<f64>();
        let level = 1 + cut.iter().filter(|c| r >= **c).count() as u8;
        let reason = (level <= 2).then(|| {
            let total: f64 = LOW_REASONS.iter().map(|(_, w)| w).sum();
            let mut x = self.rng.random::<f64>() * total;
            let mut pick = 0u8;
            for (i, (_, w)) in LOW_REASONS.iter().enumerate() {
                if x < *w {
                    pick = i as u8;
                    break;
                }
                x -= w;
            }
            pick
        });
        (level, reason)
    }

    /// The counter is free again; it looks for the next customer after a
    /// few seconds of paperwork.
    fn idle(&mut self, day: &mut Day, c: usize, at: Millis) {
        self.counters[c].phase = Phase::Idle;
        self.counters[c].idle_since = at;
        let gap = self.rng.random_range(2 * SECOND..10 * SECOND);
        day.push(at + gap, Ev::Ready(c));
    }

    fn pause(&mut self, bulk: &mut BulkWriter, day: &mut Day, c: usize, at: Millis) -> Result<()> {
        let number = self.counters[c].number;
        let cmd = Command::PauseCounter { counter: number, reason: "午休 lunch".into() };
        self.exec(bulk, self.clerk(c), cmd, at)?;
        self.counters[c].phase = Phase::Paused;
        self.counters[c].lunch = false;
        day.push(at + 30 * MINUTE, Ev::LunchEnd(c));
        Ok(())
    }

    fn close(&mut self, bulk: &mut BulkWriter, c: usize, at: Millis) -> Result<()> {
        let number = self.counters[c].number;
        self.exec(bulk, self.clerk(c), Command::CloseCounter { counter: number }, at)?;
        self.exec(bulk, self.clerk(c), Command::Logout { counter: number }, at)?;
        self.counters[c].phase = Phase::Closed;
        Ok(())
    }

    /// After a transaction that often makes a promise, a case: opened now,
    /// or (one in four) entered at the day's end from the pile.
    fn maybe_case(
        &mut self,
        bulk: &mut BulkWriter,
        day: &mut Day,
        c: usize,
        ticket: Uuid,
        service: &str,
        at: Millis,
    ) -> Result<()> {
        let r = self.case_rng.random::<f64>();
        let kind = match service {
            "NEW" if r < 0.42 => "RES_CONN",
            "NEW" if r < 0.57 => "LV_CONN",
            "NEW" if r < 0.6 => "HV_SINGLE",
            "MTR" if r < 0.3 => "METER_TEST",
            "MTR" if r < 0.5 => "METER_DATA",
            "CMP" if r < 0.8 => "COMPLAINT",
            "DER" if r < 0.5 => "LV_CONN",
            _ => return Ok(()),
        };
        let step = CaseStep::Open { kind, staff: self.counters[c].staff.clone(), ticket, received_at: at };
        if self.case_rng.random_bool(0.25) {
            day.case_steps.push(step);
            let entered = local_ms(&self.hall, self.hall.local(at).date_naive(), 17, 40)
                + day.case_steps.len() as Millis * SECOND;
            day.push(entered.max(at + SECOND), Ev::Case(day.case_steps.len() - 1));
            return Ok(());
        }
        // At the finish's own instant: a later one would put the hall's
        // clock ahead of the next events of this instant.
        self.case_step(bulk, step, at)
    }

    /// Does one case step; an opened case gets its later steps planned.
    fn case_step(&mut self, bulk: &mut BulkWriter, step: CaseStep, at: Millis) -> Result<()> {
        let (actor, cmd) = match step {
            CaseStep::Open { kind, staff, ticket, received_at } => {
                // A ticket of an earlier day (a pile entered after the rollover) is not linked.
                let ticket = bulk.state().ticket(ticket).map(|t| t.id);
                let cmd = Command::OpenCase {
                    case_type: kind.to_string(),
                    received_at: Some(received_at),
                    ticket,
                    customer_ref: Some(format!("33{:08}", self.case_rng.random_range(0..100_000_000u32))),
                    note: None,
                    staff: staff.clone(),
                };
                let ex = self.exec(bulk, Actor::Staff(staff), cmd, at)?;
                for e in &ex.events {
                    if let EventData::CaseOpened { case } = &e.data {
                        self.plan_case(case, at);
                    }
                }
                return Ok(());
            }
            CaseStep::Stage { case, stage, staff } => {
                (Actor::Staff(staff.clone()), Command::CompleteCaseStage { case, stage, staff })
            }
            CaseStep::Hold { case, staff } => {
                let reason = "等客户补充材料".to_string();
                (Actor::Staff(staff.clone()), Command::HoldCase { case, reason, staff })
            }
            CaseStep::Resume { case, staff } => (Actor::Staff(staff.clone()), Command::ResumeCase { case, staff }),
            CaseStep::Close { case, staff, outcome } => {
                (Actor::Staff(staff.clone()), Command::CloseCase { case, outcome, note: None, staff })
            }
        };
        self.exec(bulk, actor, cmd, at)?;
        Ok(())
    }

    /// Plans a new case's later steps on working days: its stage, for one in
    /// ten a hold of two working days, and its close — mostly by its due
    /// day, one in eight up to four working days late.
    fn plan_case(&mut self, case: &Case, opened: Millis) {
        let hall = &self.hall;
        let today = hall.local(opened).date_naive();
        let due_day = hall.local(case.due_at - 1).date_naive();
        let rng = &mut self.case_rng;
        let ahead = commitment::working_days_after(hall, today, due_day).max(1);
        let mut close_day = if rng.random_bool(0.12) {
            hall.add_working_days(due_day, rng.random_range(1..=4))
        } else {
            hall.add_working_days(today, rng.random_range(1..=ahead))
        };
        let at =
            |day: NaiveDate, h: u32, rng: &mut StdRng| local_ms(hall, day, h, 0) + rng.random_range(0..50) * MINUTE;
        let staff = case.staff.clone();
        let mut plan = Vec::new();
        if let Some(stage) = case.stages.first() {
            let by = hall.local(stage.due_at - 1).date_naive().min(close_day);
            let days = commitment::working_days_after(hall, today, by).max(1);
            let day = hall.add_working_days(today, rng.random_range(1..=days)).min(close_day);
            plan.push((
                day,
                at(day, 14, rng),
                CaseStep::Stage { case: case.id, stage: stage.code.clone(), staff: staff.clone() },
            ));
        } else if case.hold_stops_clock && rng.random_bool(0.1) {
            let hold = hall.add_working_days(today, 1);
            let resume = hall.add_working_days(hold, 2);
            close_day = close_day.max(hall.add_working_days(resume, 1));
            plan.push((hold, at(hold, 10, rng), CaseStep::Hold { case: case.id, staff: staff.clone() }));
            plan.push((resume, at(resume, 11, rng), CaseStep::Resume { case: case.id, staff: staff.clone() }));
        }
        let outcome = match rng.random_range(0..100) {
            0..90 => CaseOutcome::Resolved,
            90..97 => CaseOutcome::Withdrawn,
            _ => CaseOutcome::Referred,
        };
        plan.push((close_day, at(close_day, 15, rng), CaseStep::Close { case: case.id, staff, outcome }));
        self.case_plan.extend(plan);
    }

    fn clerk(&self, c: usize) -> Actor {
        Actor::Staff(self.counters[c].staff.clone())
    }

    fn service(&self, code: &str) -> usize {
        self.services.iter().position(|s| s.code == code).unwrap_or_default()
    }
}

fn kiosk() -> Actor {
    Actor::Terminal("kiosk-1".into())
}

fn ticket(ex: &Executed) -> Result<&Ticket> {
    ex.ticket.as_ref().context("the hall returned no ticket for a ticket command")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_year_gives_busier_halls_more_counters_and_fills_every_day() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("year.db");
        let counts = build_year(&path, 2, 2, true, |_, _| Ok(())).expect("build");
        assert_eq!(counts.days, 4);
        // A Wednesday and a Thursday of the two busiest halls at bench
        // traffic: about 485 and 600 visits a day.
        assert!((1600..=2800).contains(&counts.visits), "{counts:?}");
        assert!(counts.events > counts.tickets * 3, "{counts:?}");
        let store = Store::open(&path).expect("open");
        let halls = store.halls().expect("halls");
        assert_eq!(halls.len(), 2);
        let (from, to) = year_range(2);
        let report = store
            .reader()
            .expect("reader")
            .kpis(&hallq_store::KpiQuery { hall: None, from, to, by: hallq_store::GroupBy::Hall })
            .expect("kpis");
        assert_eq!(report.groups.len(), 2);
        assert_eq!(report.total.issued, counts.visits);
        let busy = report.groups.iter().find(|g| g.key.contains("DEMO2") || g.label.contains("罗阳"));
        assert!(busy.is_some(), "{:?}", report.groups.iter().map(|g| &g.key).collect::<Vec<_>>());
    }

    #[test]
    fn extra_counters_copy_the_general_counters() {
        let cfg = hall_config("X", "x", 7);
        assert_eq!(cfg.counters.len(), 7);
        assert_eq!(cfg.counters[4].number, 5);
        assert_eq!(cfg.counters[4].services, cfg.counters[1].services);
        assert_eq!(cfg.counters[5].services, cfg.counters[2].services);
        assert_eq!(hall_config("X", "x", 2).counters.len(), 4);
    }
}
