//! Property tests of [`HallState`]: random command sequences with random clock
//! moves, driven the way the hall engine drives the state, checked against
//! the domain's invariants after every step.
//!
//! The harness plays the engine: its clock may run ahead past the
//! business-day rollover, or be stepped ahead or back (logging a
//! `ClockStepped`, which moves the day's tickets and may move the day), runs
//! [`HallState::rollover`] before each command and applies its events, then
//! executes the command. It keeps its own record of every ticket ever seen —
//! the state forgets yesterday's tickets — and checks numbering, counters,
//! final states, timestamps, routing against [`routing::pick_reference`], the
//! priority mix, that rejections change nothing, that replaying the log
//! rebuilds the state, and that a snapshot restores it. Fixed cases live in
//! `state_tests.rs`.

use std::collections::{HashMap, HashSet};

use chrono::{NaiveDate, NaiveTime};
use proptest::prelude::*;
use uuid::Uuid;

use crate::command::{Command, TicketRef, TransferTarget};
use crate::counter::{CounterConfig, CounterStatus, RoutingOrder, RoutingPolicy};
use crate::event::EventData;
use crate::hall::{Hall, OpeningHours};
use crate::routing;
use crate::service::Service;
use crate::staff::{Staff, StaffRole};
use crate::state::{Changes, HallState};
use crate::ticket::{LowScoreReason, PriorityClass, Resolution, Ticket, TicketState};
use crate::{CoreError, MINUTE_MS, Millis};

/// 2026-11-27 09:00 in Asia/Shanghai.
const T0: Millis = 1_795_741_200_000;
const HOUR: Millis = 60 * MINUTE_MS;

const SERVICES: [(&str, char, u32, u32); 3] = [("PAY", 'A', 5, 4), ("NEW", 'B', 15, 15), ("ASK", 'C', 10, 5)];
const STAFF: [&str; 3] = ["1001", "1002", "1003"];

fn hall() -> Hall {
    let mut h = Hall::new(Uuid::from_u128(0xA11), "TS01", "罗阳供电营业厅");
    h.opening = Some(OpeningHours {
        open: NaiveTime::from_hms_opt(7, 0, 0).unwrap(),
        close: NaiveTime::from_hms_opt(20, 0, 0).unwrap(),
    });
    h.max_recalls = 1;
    h
}

fn service(i: usize, enabled: bool) -> Service {
    let (code, prefix, wait, handling) = SERVICES[i];
    Service {
        code: code.into(),
        prefix,
        name_zh: format!("{code} 业务"),
        name_en: format!("{code} service"),
        target_wait_min: wait,
        target_handling_min: handling,
        enabled,
    }
}

/// The counters' configurations; `variant` 0 is the initial one, the others
/// are what a supervisor might switch to during the day.
fn counter(number: u32, variant: u8) -> CounterConfig {
    use RoutingOrder::{Fifo, Ordered};
    let (services, order, max): (&[&str], _, _) = match (number, variant % 3) {
        (1, 0) => (&["PAY", "ASK"], Ordered, Some(1)),
        (1, 1) => (&["PAY", "ASK"], Fifo, Some(3)),
        (1, _) => (&["ASK", "PAY"], Ordered, None),
        (2, 0) => (&["NEW", "PAY", "ASK"], Fifo, Some(2)),
        (2, 1) => (&["NEW", "PAY", "ASK"], Ordered, Some(1)),
        (2, _) => (&["PAY"], Fifo, Some(2)),
        (_, 0) => (&["ASK", "NEW"], Ordered, None),
        (_, 1) => (&["ASK", "NEW"], Fifo, Some(2)),
        (_, _) => (&["NEW", "ASK", "PAY"], Ordered, Some(1)),
    };
    CounterConfig {
        number,
        name: format!("{number}号窗口"),
        name_en: if number.is_multiple_of(2) { format!("Counter {number}") } else { String::new() },
        services: services.iter().map(|s| s.to_string()).collect(),
        policy: RoutingPolicy { order, max_priority_in_row: max },
    }
}

fn staff(i: usize, active: bool) -> Staff {
    Staff { number: STAFF[i].into(), name: format!("员工{}", STAFF[i]), role: StaffRole::Agent, active, team: None }
}

/// One step of a random day: a clock move or a command. Counter numbers run
/// to 4, which does not exist, and ticket picks index today's tickets.
#[derive(Debug, Clone)]
enum Op {
    /// The clock moves forward (seconds to hours).
    Wait(Millis),
    /// The clock jumps to the next calendar day at this local hour and
    /// minute: before 03:00 it is still the same business day, after it the
    /// day rolls over; before 07:00 the hall is closed.
    Jump(u8, u8),
    /// The wall clock is stepped back.
    Back(Millis),
    /// The wall clock is stepped ahead.
    Ahead(Millis),
    /// The clerk at a counter does the natural next thing: log in, open,
    /// resume, call, start, finish — or, by `choice`, recall, mark a
    /// no-show or transfer. Keeps random days busy.
    Work(u32, u8),
    Issue(usize, u8),
    CallNext(u32),
    CallNumber(u32, usize, bool),
    Recall(u32),
    NoShow(u32),
    Start(u32),
    Finish(u32, u8),
    TransferService(u32, usize),
    TransferCounter(u32, u32),
    Cancel(usize, bool),
    Rate(usize, u8, bool),
    Open(u32),
    Pause(u32),
    Resume(u32),
    Close(u32),
    Login(u32, usize),
    Logout(u32),
    Reconfigure(u32, u8),
    /// A supervisor (de)activates a staff member.
    SetStaff(usize, bool),
    /// A supervisor switches a service on or off.
    SetService(usize, bool),
}

fn op() -> impl Strategy<Value = Op> {
    // Counter 4 does not exist: now and then a command names it.
    let c = || prop_oneof![12 => 1u32..=3, 1 => Just(4u32)];
    prop_oneof![
        8 => (0..6 * MINUTE_MS).prop_map(Op::Wait),
        1 => (HOUR..4 * HOUR).prop_map(Op::Wait),
        1 => (1u8..=12, 0u8..60).prop_map(|(h, m)| Op::Jump(h, m)),
        1 => (0..30 * MINUTE_MS).prop_map(Op::Back),
        1 => (HOUR..72 * HOUR).prop_map(Op::Back),
        1 => (HOUR..72 * HOUR).prop_map(Op::Ahead),
        24 => (1u32..=3, any::<u8>()).prop_map(|(c, k)| Op::Work(c, k)),
        14 => (0usize..3, 0u8..8).prop_map(|(s, p)| Op::Issue(s, p)),
        3 => c().prop_map(Op::CallNext),
        2 => (c(), any::<usize>(), any::<bool>()).prop_map(|(c, i, b)| Op::CallNumber(c, i, b)),
        2 => c().prop_map(Op::Recall),
        1 => c().prop_map(Op::NoShow),
        2 => c().prop_map(Op::Start),
        2 => (c(), 0u8..5).prop_map(|(c, r)| Op::Finish(c, r)),
        2 => (c(), 0usize..4).prop_map(|(c, s)| Op::TransferService(c, s)),
        1 => (c(), c()).prop_map(|(c, to)| Op::TransferCounter(c, to)),
        1 => (any::<usize>(), any::<bool>()).prop_map(|(i, b)| Op::Cancel(i, b)),
        3 => (any::<usize>(), 0u8..=6, any::<bool>()).prop_map(|(i, l, r)| Op::Rate(i, l, r)),
        1 => c().prop_map(Op::Open),
        1 => c().prop_map(Op::Pause),
        1 => c().prop_map(Op::Resume),
        1 => c().prop_map(Op::Close),
        1 => (c(), 0usize..4).prop_map(|(c, s)| Op::Login(c, s)),
        1 => c().prop_map(Op::Logout),
        1 => (c(), 0u8..3).prop_map(|(c, v)| Op::Reconfigure(c, v)),
        1 => (0usize..3, prop::bool::weighted(0.7)).prop_map(|(i, on)| Op::SetStaff(i, on)),
        1 => (0usize..3, prop::bool::weighted(0.7)).prop_map(|(i, on)| Op::SetService(i, on)),
    ]
}

/// The engine around one hall, and everything the checks remember.
struct Harness {
    st: HallState,
    wall: Millis,
    next_id: u128,
    /// Every event, with the time it was applied at.
    log: Vec<(Millis, EventData)>,
    /// Follows the log event by event from a fresh state.
    replica: HallState,
    /// Every ticket leg ever seen.
    seen: HashSet<Uuid>,
    /// The final state each leg reached.
    finals: HashMap<Uuid, TicketState>,
    /// How many events ended each leg.
    endings: HashMap<Uuid, u32>,
    /// Tickets issued per service and business day.
    issued: HashMap<(String, NaiveDate), u16>,
    /// Every first leg's (service, day, number).
    numbers: HashSet<(String, NaiveDate, String)>,
    /// Business days closed by a rollover.
    closed: HashSet<NaiveDate>,
    /// Priority tickets called in a row by Call next, per counter.
    streak: HashMap<u32, u8>,
    staff_active: [bool; 3],
    rejected: usize,
    call_next_ok: usize,
}

impl Harness {
    fn new() -> Self {
        let st = HallState::new(hall(), T0);
        let mut h = Self {
            replica: st.clone(),
            st,
            wall: T0,
            next_id: 0,
            log: Vec::new(),
            seen: HashSet::new(),
            finals: HashMap::new(),
            endings: HashMap::new(),
            issued: HashMap::new(),
            numbers: HashSet::new(),
            closed: HashSet::new(),
            streak: HashMap::new(),
            staff_active: [true; 3],
            rejected: 0,
            call_next_ok: 0,
        };
        let mut setup = vec![Command::ConfigureHall { hall: hall() }];
        setup.extend((0..3).map(|i| Command::DefineService { service: service(i, true) }));
        setup.extend((1..=3).map(|n| Command::DefineCounter { counter: counter(n, 0) }));
        setup.extend((0..3).map(|i| Command::DefineStaff { staff: staff(i, true) }));
        for cmd in setup {
            h.command(&cmd).unwrap();
        }
        h
    }

    /// Today's tickets in queue order, for picking one by index.
    fn pick(&self, i: usize, by_id: bool) -> TicketRef {
        let mut ts: Vec<&Ticket> = self.st.tickets().collect();
        if ts.is_empty() {
            return TicketRef::Number("Z001".into());
        }
        ts.sort_by_key(|t| (t.visit_issued_at, t.issued_at, t.id));
        let t = ts[i % ts.len()];
        if by_id { TicketRef::Id(t.id) } else { TicketRef::Number(t.number.to_ascii_lowercase()) }
    }

    fn command_for(&mut self, op: &Op) -> Option<Command> {
        const CLASSES: [PriorityClass; 8] = [
            PriorityClass::Normal,
            PriorityClass::Normal,
            PriorityClass::Normal,
            PriorityClass::Normal,
            PriorityClass::Normal,
            PriorityClass::Priority,
            PriorityClass::Appointment,
            PriorityClass::Vip,
        ];
        const RESOLUTIONS: [Resolution; 5] = [
            Resolution::Completed,
            Resolution::Accepted,
            Resolution::MissingDocuments,
            Resolution::Answered,
            Resolution::Declined,
        ];
        Some(match op {
            Op::Wait(ms) => {
                self.wall += ms;
                return None;
            }
            Op::Jump(hour, minute) => {
                // The wall clock's local midnight, then the next day's hh:mm.
                let off = (self.wall - T0 + 9 * HOUR).rem_euclid(24 * HOUR);
                let at = self.wall - off + 24 * HOUR + Millis::from(*hour) * HOUR + Millis::from(*minute) * MINUTE_MS;
                self.wall = at.max(self.wall);
                return None;
            }
            Op::Work(c, choice) => return Some(self.work(*c, *choice)),
            Op::Back(ms) => {
                self.step_clock(-ms);
                return None;
            }
            Op::Ahead(ms) => {
                self.step_clock(*ms);
                return None;
            }
            Op::Issue(s, p) => Command::Issue {
                service: SERVICES[*s].0.into(),
                priority: CLASSES[usize::from(*p)],
                priority_reason: None,
                appointment: Some("YY2026-001".into()),
            },
            Op::CallNext(c) => Command::CallNext { counter: *c },
            Op::CallNumber(c, i, b) => Command::CallNumber { counter: *c, ticket: self.pick(*i, *b) },
            Op::Recall(c) => Command::Recall { counter: *c },
            Op::NoShow(c) => Command::NoShow { counter: *c },
            Op::Start(c) => Command::Start { counter: *c },
            Op::Finish(c, r) => Command::Finish { counter: *c, resolution: RESOLUTIONS[usize::from(*r)] },
            Op::TransferService(c, s) => Command::Transfer {
                counter: *c,
                to: TransferTarget::Service(SERVICES.get(*s).map_or("XXX", |s| s.0).into()),
            },
            Op::TransferCounter(c, to) => Command::Transfer { counter: *c, to: TransferTarget::Counter(*to) },
            Op::Cancel(i, b) => Command::Cancel { ticket: self.pick(*i, *b) },
            Op::Rate(i, level, r) => Command::Rate {
                ticket: self.pick(*i, false),
                level: *level,
                reason: r.then_some(LowScoreReason::Attitude),
            },
            Op::Open(c) => Command::OpenCounter { counter: *c },
            Op::Pause(c) => Command::PauseCounter { counter: *c, reason: "休息".into() },
            Op::Resume(c) => Command::ResumeCounter { counter: *c },
            Op::Close(c) => Command::CloseCounter { counter: *c },
            Op::Login(c, s) => Command::Login { counter: *c, staff: STAFF.get(*s).copied().unwrap_or("9999").into() },
            Op::Logout(c) => Command::Logout { counter: *c },
            Op::Reconfigure(c, v) => Command::DefineCounter { counter: counter_or_unknown(*c, *v) },
            Op::SetStaff(i, on) => Command::DefineStaff { staff: staff(*i, *on) },
            Op::SetService(i, on) => Command::DefineService { service: service(*i, *on) },
        })
    }

    /// The command the clerk at counter `c` would send next.
    fn work(&self, c: u32, choice: u8) -> Command {
        let Some(counter) = self.st.counter(c) else {
            return Command::CallNext { counter: c };
        };
        if counter.staff.is_none() {
            let busy: HashSet<&str> = self.st.counters().filter_map(|c| c.staff.as_deref()).collect();
            let free = (0..3)
                .map(|i| (i + usize::from(choice)) % 3)
                .find(|i| self.staff_active[*i] && !busy.contains(STAFF[*i]))
                .unwrap_or(0);
            return Command::Login { counter: c, staff: STAFF[free].into() };
        }
        let service = |i: u8| SERVICES[usize::from(i) % 3].0.to_string();
        match (counter.status, counter.current.and_then(|id| self.st.ticket(id))) {
            (CounterStatus::Closed, _) => Command::OpenCounter { counter: c },
            (CounterStatus::Paused, _) => Command::ResumeCounter { counter: c },
            (CounterStatus::Open, None) => Command::CallNext { counter: c },
            (CounterStatus::Open, Some(t)) if t.state == TicketState::Called => match choice % 8 {
                0 => Command::Recall { counter: c },
                1 => Command::NoShow { counter: c },
                2 => Command::Transfer { counter: c, to: TransferTarget::Service(service(choice / 8)) },
                _ => Command::Start { counter: c },
            },
            (CounterStatus::Open, Some(_)) => match choice % 8 {
                0 => Command::Transfer { counter: c, to: TransferTarget::Counter(u32::from(choice / 8 % 3) + 1) },
                1 => Command::Transfer { counter: c, to: TransferTarget::Service(service(choice / 8)) },
                _ => Command::Finish { counter: c, resolution: Resolution::Completed },
            },
        }
    }

    /// One step: a clock move, or a command run the way the engine runs it.
    fn step(&mut self, op: &Op) {
        let Some(cmd) = self.command_for(op) else {
            return;
        };
        let now = self.wall.max(self.st.last_at());
        let day_before = self.st.day();
        for e in self.st.rollover(now) {
            self.record(now, e);
        }
        if self.st.day() != day_before {
            assert!(self.st.day() > day_before);
            assert_eq!(self.st.tickets().count(), 0);
            for c in self.st.counters() {
                assert_eq!(c.status, CounterStatus::Closed);
                assert_eq!((&c.staff, c.current), (&None, None));
            }
        }
        self.check();

        let before = self.st.clone();
        // Routing: what the plain rule says, computed before the call.
        let expected = match &cmd {
            Command::CallNext { counter } => self.st.counter(*counter).map(|c| {
                let callable = self.st.callable(*counter);
                let normal_waiting = callable.iter().any(|t| !t.is_priority());
                let want = routing::pick_reference(c, &callable, now, &|s| {
                    self.st.service(s).map_or(Millis::MAX, Service::target_wait_ms)
                });
                let streak = self.streak.get(counter).copied().unwrap_or(0);
                (c.clone(), normal_waiting, want, streak)
            }),
            _ => None,
        };
        let mut decide_ids = {
            let mut n = self.next_id;
            move || {
                n += 1;
                Uuid::from_u128(n)
            }
        };
        let decided = before.decide(&cmd, now, &mut decide_ids);
        let result = self.command_at(&cmd, now);
        match result {
            Err(e) => {
                self.rejected += 1;
                assert_eq!(self.st, before, "{cmd:?} rejected ({e}) but changed the state");
                assert_eq!(decided, Err(e));
                if let Some((_, _, want, _)) = &expected {
                    // Call next fails only for a reason, never with a ticket to call.
                    assert!(
                        want.is_none() || !matches!(decided, Err(CoreError::QueueEmpty(_))),
                        "{cmd:?}: queue empty, but the rule picks {want:?}"
                    );
                }
            }
            Ok(events) => {
                assert_eq!(decided, Ok(events.clone()), "decide and execute agree");
                if let Some((c, normal_waiting, want, mine)) = expected {
                    self.call_next_ok += 1;
                    let [EventData::TicketCalled { ticket, .. }] = events[..] else {
                        panic!("call next produced {events:?}");
                    };
                    assert_eq!(Some(ticket), want, "call next at {} picked by the rule", c.number);
                    assert_eq!(c.priority_streak, mine, "the counter's streak is the calls'");
                    if let Some(k) = c.policy.max_priority_in_row
                        && mine >= k
                        && normal_waiting
                    {
                        assert!(
                            !self.st.ticket(ticket).unwrap().is_priority(),
                            "counter {} called a priority ticket after {mine} in a row \
                             while a normal ticket waited",
                            c.number
                        );
                    }
                }
            }
        }
        self.check();
    }

    /// Runs a setup command at the current clock.
    fn command(&mut self, cmd: &Command) -> Result<Vec<EventData>, CoreError> {
        let now = self.wall.max(self.st.last_at());
        self.command_at(cmd, now)
    }

    fn command_at(&mut self, cmd: &Command, now: Millis) -> Result<Vec<EventData>, CoreError> {
        let mut next = self.next_id;
        let out = self.st.execute(cmd, now, &mut || {
            next += 1;
            Uuid::from_u128(next)
        })?;
        self.next_id = next;
        if let Command::DefineStaff { staff } = cmd {
            let i = STAFF.iter().position(|s| *s == staff.number).unwrap();
            self.staff_active[i] = staff.active;
        }
        for e in &out.events {
            // What a customer is told at issue is what the screens count
            // later from the tickets alone (the hall server asks routing).
            if let EventData::TicketIssued { ticket } = e {
                assert_eq!(ticket.people_ahead, routing::people_ahead(self.st.tickets(), ticket), "{}", ticket.number);
            }
            self.log.push((now, e.clone()));
            self.replica.apply(now, e);
            self.observe_event(e);
        }
        self.observe_changes(&out.changes);
        if let Some(t) = &out.ticket {
            assert!(self.seen.contains(&t.id));
        }
        Ok(out.events)
    }

    /// A wall-clock step of `by`, logged the way the engine logs it. The day
    /// may move (never onto a closed one), taking its tickets and numbers.
    fn step_clock(&mut self, by: Millis) {
        let from = self.wall.max(self.st.last_at());
        let (day, durations) = (self.st.day(), self.durations(from));
        let e = self.st.clock_stepped(from, from + by);
        let EventData::ClockStepped { day: next, .. } = e else { unreachable!() };
        assert!(!self.closed.contains(&next), "a step moved the day onto closed {next}");
        if next != day {
            self.issued = self.issued.drain().map(|((s, d), n)| ((s, if d == day { next } else { d }), n)).collect();
            self.numbers = self.numbers.drain().map(|(s, d, n)| (s, if d == day { next } else { d }, n)).collect();
        }
        self.record(from + by, e);
        self.wall = from + by;
        assert_eq!(self.durations(from + by), durations, "a clock step changes no duration");
        self.check();
    }

    /// Every duration of today's tickets, and each counter's time in its
    /// state at `now`.
    fn durations(&self, now: Millis) -> Vec<(Uuid, [Option<Millis>; 4])> {
        let mut out: Vec<_> = self
            .st
            .tickets()
            .map(|t| (t.id, [t.wait_ms(), t.walkup_ms(), t.handling_ms(), t.visit_ms()]))
            .chain(
                self.st
                    .counters()
                    .map(|c| (Uuid::from_u128(u128::from(c.number)), [Some(now - c.status_since), None, None, None])),
            )
            .collect();
        out.sort();
        out
    }

    /// Applies an event the engine decides itself (rollover, clock).
    fn record(&mut self, at: Millis, e: EventData) {
        let changes = self.st.apply(at, &e);
        self.replica.apply(at, &e);
        self.log.push((at, e.clone()));
        self.observe_event(&e);
        self.observe_changes(&changes);
    }

    fn observe_event(&mut self, e: &EventData) {
        use EventData as E;
        let mut end = |id: &Uuid| *self.endings.entry(*id).or_default() += 1;
        match e {
            E::TicketIssued { ticket: t } => {
                assert_eq!(t.leg, 1);
                assert_eq!(t.business_day, self.st.day());
                let n = self.issued.entry((t.service.clone(), t.business_day)).or_default();
                *n += 1;
                let prefix = self.st.service(&t.service).unwrap().prefix;
                assert_eq!(t.number, format!("{prefix}{n:03}"), "numbers count up from 001 each day");
                assert!(
                    self.numbers.insert((t.service.clone(), t.business_day, t.number.clone())),
                    "number {} issued twice on {}",
                    t.number,
                    t.business_day
                );
                assert!(self.seen.insert(t.id), "ticket id reused");
            }
            E::TicketTransferred { ticket, new_ticket, .. } => {
                end(ticket);
                assert!(self.seen.insert(*new_ticket), "ticket id reused");
            }
            E::TicketNoShow { ticket, .. } | E::TicketFinished { ticket, .. } | E::TicketCancelled { ticket } => {
                end(ticket)
            }
            E::DayClosed { day, expired, .. } => {
                self.closed.insert(*day);
                expired.iter().for_each(end);
                self.streak.clear();
            }
            E::CounterClosed { counter } => {
                self.streak.remove(counter);
            }
            E::TicketCalled { ticket, counter, by_number: false, .. } => {
                let priority = self.st.ticket(*ticket).unwrap().is_priority();
                let s = self.streak.entry(*counter).or_default();
                *s = if priority { s.saturating_add(1) } else { 0 };
            }
            _ => {}
        }
    }

    /// Every ticket a change reports: a final state is recorded once and
    /// never changes.
    fn observe_changes(&mut self, ch: &Changes) {
        for t in &ch.tickets {
            assert!(self.seen.contains(&t.id), "a change reports an unknown ticket");
            check_ticket(t);
            match self.finals.get(&t.id) {
                Some(f) => assert_eq!(*f, t.state, "{} left its final state", t.number),
                None if t.state.is_final() => {
                    self.finals.insert(t.id, t.state);
                }
                None => {}
            }
        }
    }

    /// The invariants of the live state.
    fn check(&self) {
        let st = &self.st;
        assert_eq!(self.replica, *st, "applying the log gives the live state");
        let restored = HallState::restore(st.snapshot()).unwrap();
        assert_eq!(restored, *st, "a snapshot restores the live state");

        let mut current = HashSet::new();
        let mut logged_in = HashSet::new();
        for c in st.counters() {
            if c.status != CounterStatus::Closed {
                assert!(c.staff.is_some(), "counter {} open without staff", c.number);
            }
            if let Some(s) = &c.staff {
                assert!(logged_in.insert(s.clone()), "{s} at two counters");
            }
            if let Some(id) = c.current {
                assert!(current.insert(id), "a ticket is with two counters");
                let t = st.ticket(id).expect("the current ticket is today's");
                assert!(
                    matches!(t.state, TicketState::Called | TicketState::Serving),
                    "counter {} holds {} in state {:?}",
                    c.number,
                    t.number,
                    t.state
                );
                assert_eq!(t.counter, Some(c.number));
                assert_eq!(c.status, CounterStatus::Open, "only an open counter serves");
            }
        }
        let mut waiting: HashMap<&str, usize> = HashMap::new();
        for t in st.tickets() {
            assert!(self.seen.contains(&t.id));
            assert_eq!(t.business_day, st.day(), "only today's tickets are held");
            check_ticket(t);
            match self.finals.get(&t.id) {
                Some(f) => assert_eq!(*f, t.state, "{} left its final state", t.number),
                None => assert!(!t.state.is_final(), "{} ended unreported", t.number),
            }
            if matches!(t.state, TicketState::Called | TicketState::Serving) {
                assert!(current.contains(&t.id), "{} is called but at no counter", t.number);
            }
            if t.state == TicketState::Waiting && t.target_counter.is_none() {
                *waiting.entry(t.service.as_str()).or_default() += 1;
            }
        }
        for (code, ..) in SERVICES {
            assert_eq!(st.waiting_count(code), waiting.get(code).copied().unwrap_or(0));
        }
    }

    /// Ends the last day and checks that every ticket ever seen ended once.
    fn finish(mut self) {
        self.wall = self.wall.max(self.st.last_at()) + 48 * HOUR;
        // After a step back past a closed day the hall keeps its day until
        // the clock gets past it.
        while self.st.hall().business_day(self.wall) <= self.st.day() {
            self.wall += 24 * HOUR;
        }
        let now = self.wall;
        for e in self.st.rollover(now) {
            self.record(now, e);
        }
        self.check();
        assert_eq!(self.st.tickets().count(), 0);
        for id in &self.seen {
            assert!(self.finals.contains_key(id), "a ticket never ended");
            assert_eq!(self.endings.get(id), Some(&1), "a ticket ended more than once");
        }
        assert_eq!(self.finals.len(), self.seen.len());

        // Replaying the whole log on a fresh hall gives the live state.
        let mut fresh = HallState::new(hall(), T0);
        assert!(matches!(self.log[0].1, EventData::HallConfigured { .. }));
        let mut last = Millis::MIN;
        for (at, e) in &self.log {
            assert!(*at >= last || matches!(e, EventData::ClockStepped { .. }), "times go back only at a step");
            last = *at;
            fresh.apply(*at, e);
        }
        assert_eq!(fresh, self.st);
    }
}

/// A counter's configuration, or one naming a service that does not exist.
fn counter_or_unknown(number: u32, variant: u8) -> CounterConfig {
    let mut c = counter(number.min(3), variant);
    if number > 3 {
        c.number = number;
        c.services.push("XXX".into());
    }
    c
}

/// Timestamps in life order; durations never negative.
fn check_ticket(t: &Ticket) {
    let mut at = t.visit_issued_at;
    for (name, next) in [
        ("issued", Some(t.issued_at)),
        ("called", t.called_at),
        ("last called", t.last_called_at),
        ("started", t.started_at),
        ("ended", t.ended_at),
        ("rated", t.rated_at),
    ] {
        if let Some(n) = next {
            assert!(n >= at, "{} {name} at {n} before {at}", t.number);
            at = n;
        }
    }
    for d in [t.wait_ms(), t.walkup_ms(), t.handling_ms(), t.visit_ms()].into_iter().flatten() {
        assert!(d >= 0);
    }
    let (called, started, ended) = (t.called_at.is_some(), t.started_at.is_some(), t.ended_at.is_some());
    assert_eq!(t.last_called_at.is_some(), called);
    let shape_ok = match t.state {
        TicketState::Waiting => !called && !started && !ended,
        TicketState::Called => called && !started && !ended,
        TicketState::Serving => started && !ended,
        TicketState::Done => started && ended && t.resolution.is_some(),
        TicketState::NoShow => called && !started && ended,
        TicketState::Transferred => called && ended && t.transferred_to.is_some(),
        TicketState::Cancelled => !called && ended,
        TicketState::Expired => ended,
    };
    assert!(shape_ok, "{} has timestamps that do not fit {:?}: {t:?}", t.number, t.state);
    if t.rating.is_some() {
        assert_eq!(t.state, TicketState::Done);
    }
    if t.rating_reason.is_some() {
        assert!(t.rating.unwrap().is_low());
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        max_shrink_iters: 2_000,
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_days_keep_every_invariant(ops in proptest::collection::vec(op(), 1..200)) {
        let mut h = Harness::new();
        for op in &ops {
            h.step(op);
        }
        h.finish();
    }
}

#[test]
fn a_long_busy_run_reaches_every_kind_of_step() {
    // A fixed, long sequence so that each kind of step is known to happen
    // (the random runs could in principle all miss one).
    let mut h = Harness::new();
    let mut ops = Vec::new();
    for c in 1..=3 {
        ops.push(Op::Login(c, c as usize - 1));
        ops.push(Op::Open(c));
    }
    for round in 0..60u8 {
        let c = u32::from(round % 3) + 1;
        ops.extend([
            Op::Issue(usize::from(round % 3), round % 8),
            Op::Issue(usize::from(round / 3 % 3), (round + 5) % 8),
            Op::Wait(90_000),
            Op::CallNext(c),
            Op::Recall(c),
        ]);
        if round % 5 == 3 {
            // The recall past max_recalls (1) is an automatic no-show.
            ops.push(Op::Recall(c));
        } else {
            ops.extend([Op::Start(c), Op::Wait(200_000)]);
            ops.push(match round % 5 {
                0 => Op::TransferService(c, usize::from(round % 3)),
                1 => Op::TransferCounter(c, c % 3 + 1),
                _ => Op::Finish(c, round % 5),
            });
        }
        ops.push(Op::Rate(usize::from(round), round % 6, round % 2 == 0));
        if round % 17 == 0 {
            ops.push(Op::Back(HOUR));
            ops.push(if round % 2 == 0 { Op::Ahead(50 * HOUR) } else { Op::Back(50 * HOUR) });
            ops.push(Op::Cancel(usize::from(round), true));
        }
        if round == 30 {
            ops.push(Op::Jump(8, 0));
            for c in 1..=3 {
                ops.push(Op::Login(c, c as usize - 1));
                ops.push(Op::Open(c));
            }
        }
    }
    for op in &ops {
        h.step(op);
    }
    assert!(h.call_next_ok > 40, "{} calls", h.call_next_ok);
    assert!(h.rejected > 0);
    let kinds: HashSet<&str> = h.log.iter().map(|(_, e)| e.kind()).collect();
    for k in [
        "ticket_issued",
        "ticket_called",
        "ticket_recalled",
        "service_started",
        "ticket_finished",
        "ticket_transferred",
        "ticket_no_show",
        "ticket_rated",
        "day_closed",
        "clock_stepped",
    ] {
        assert!(kinds.contains(k), "no {k} in {kinds:?}");
    }
    h.finish();
}
