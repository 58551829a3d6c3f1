//! Table-driven tests of [`HallState`]: every command's transition and every
//! error it can raise, the day rollover, numbering, opening hours, timing,
//! the estimated wait, call-next routing and the bilingual error messages.
//!
//! Each rejected command is checked twice: the exact [`CoreError`] and a state
//! equal to its clone from before (a rejection changes nothing). Halls are
//! built through `Define*` commands on [`HallState::new`]; ids come from a
//! counter (`Uuid::from_u128`) and times are explicit milliseconds, so every
//! test is deterministic. The random counterpart is `state_props.rs`.

use chrono::{NaiveDate, NaiveTime};
use uuid::Uuid;

use crate::command::{Command, TicketRef, TransferTarget};
use crate::commitment::CaseOutcome;
use crate::counter::{CounterConfig, CounterStatus, RoutingOrder, RoutingPolicy};
use crate::event::EventData;
use crate::hall::{Hall, HallConfig, OpeningHours};
use crate::routing;
use crate::service::Service;
use crate::staff::{Staff, StaffRole};
use crate::state::{HallState, MAX_DAILY_NUMBER, Outcome};
use crate::text::{
    self,
    TextProblem::{Blank, TooLong},
};
use crate::ticket::{LowScoreReason, PriorityClass, PriorityReason, Resolution, Ticket, TicketState};
use crate::{CoreError, MINUTE_MS, Millis};

/// 2026-11-27 09:00 in Asia/Shanghai (01:00 UTC), a Friday morning.
const T0: Millis = 1_795_741_200_000;
/// The business day of `T0`.
const DAY0: (i32, u32, u32) = (2026, 11, 27);
/// 2026-11-28 03:00 in Shanghai: the first instant of the next business day.
const ROLLOVER: Millis = T0 + 18 * 60 * MINUTE_MS;
const MIN: Millis = MINUTE_MS;
const SEC: Millis = 1_000;

fn date((y, m, d): (i32, u32, u32)) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn hall() -> Hall {
    Hall::new(Uuid::from_u128(0xA11), "TS01", "罗阳供电营业厅")
}

fn service(code: &str, prefix: char, wait_min: u32, handling_min: u32) -> Service {
    Service {
        code: code.into(),
        prefix,
        name_zh: format!("{code} 业务"),
        name_en: format!("{code} service"),
        target_wait_min: wait_min,
        target_handling_min: handling_min,
        enabled: true,
    }
}

fn counter(number: u32, services: &[&str], order: RoutingOrder, max_priority_in_row: Option<u8>) -> CounterConfig {
    CounterConfig {
        number,
        name: format!("{number}号窗口"),
        name_en: String::new(),
        services: services.iter().map(|s| s.to_string()).collect(),
        policy: RoutingPolicy { order, max_priority_in_row },
    }
}

fn staff(number: &str, active: bool) -> Staff {
    Staff { number: number.into(), name: format!("员工{number}"), role: StaffRole::Agent, active, team: None }
}

fn num(n: &str) -> TicketRef {
    TicketRef::Number(n.into())
}

/// A hall under test: the state, the clock and the id counter.
#[derive(Clone)]
struct Fx {
    st: HallState,
    now: Millis,
    next_id: u128,
}

impl Fx {
    /// A hall with no services, counters or staff.
    fn empty() -> Self {
        Self { st: HallState::new(hall(), T0), now: T0, next_id: 0 }
    }

    /// The small hall most tests use:
    /// services PAY (A), NEW (B), ASK (C), and OLD (D, disabled);
    /// counters 1 [PAY, ASK] ordered ≤2, 2 [NEW, PAY] fifo ≤2, 3 [ASK] fifo
    /// unlimited, 4 [PAY] fifo ≤2, 5 [NEW] fifo ≤2, all closed;
    /// staff 1001..=1005 active and 1009 deactivated.
    fn small() -> Self {
        let mut fx = Self::empty();
        let mut old = service("OLD", 'D', 15, 5);
        old.enabled = false;
        for s in [service("PAY", 'A', 15, 4), service("NEW", 'B', 15, 15), service("ASK", 'C', 15, 5), old] {
            fx.ok(Command::DefineService { service: s });
        }
        use RoutingOrder::{Fifo, Ordered};
        for c in [
            counter(1, &["PAY", "ASK"], Ordered, Some(2)),
            counter(2, &["NEW", "PAY"], Fifo, Some(2)),
            counter(3, &["ASK"], Fifo, None),
            counter(4, &["PAY"], Fifo, Some(2)),
            counter(5, &["NEW"], Fifo, Some(2)),
        ] {
            fx.ok(Command::DefineCounter { counter: c });
        }
        for s in ["1001", "1002", "1003", "1004", "1005"] {
            fx.ok(Command::DefineStaff { staff: staff(s, true) });
        }
        fx.ok(Command::DefineStaff { staff: staff("1009", false) });
        fx
    }

    /// The small hall in the middle of a morning, with a ticket in every state:
    /// - A001 done (unrated), A002 done and rated 5, A004 cancelled;
    /// - A003 called at counter 1 (open, 1001);
    /// - B001 serving at counter 2 (open, 1002);
    /// - C002 transferred by counter 3 to counter 4 (its leg 2 waits there);
    /// - C001 and A005 waiting;
    /// - counter 3 paused (1003), counter 4 closed without staff,
    ///   counter 5 open and idle (1005) with nobody waiting for NEW.
    fn busy() -> Self {
        let mut fx = Self::small();
        for s in ["PAY", "NEW", "PAY", "ASK", "ASK", "PAY"] {
            fx.issue(s);
            fx.tick(SEC);
        }
        for (c, s) in [(1, "1001"), (2, "1002"), (3, "1003"), (5, "1005")] {
            fx.staff_open(c, s);
        }
        fx.tick(MIN);
        for n in ["A001", "A002"] {
            fx.ok(Command::CallNumber { counter: 1, ticket: num(n) });
            fx.tick(MIN);
            fx.ok(Command::Start { counter: 1 });
            fx.tick(3 * MIN);
            fx.ok(Command::Finish { counter: 1, resolution: Resolution::Completed });
        }
        fx.ok(Command::Rate { ticket: num("A002"), level: 5, reason: None });
        fx.tick(MIN);
        assert_eq!(fx.call_next(1).number, "A003");
        assert_eq!(fx.call_next(2).number, "B001");
        fx.ok(Command::Start { counter: 2 });
        fx.ok(Command::CallNumber { counter: 3, ticket: num("C002") });
        fx.ok(Command::Transfer { counter: 3, to: TransferTarget::Counter(4) });
        fx.ok(Command::PauseCounter { counter: 3, reason: "午休".into() });
        fx.issue("PAY");
        fx.ok(Command::Cancel { ticket: num("A004") });
        fx.tick(SEC);
        fx.issue("PAY");
        fx.tick(MIN);
        fx
    }

    fn tick(&mut self, ms: Millis) {
        self.now += ms;
    }

    fn at(&mut self, now: Millis) {
        self.now = now;
    }

    /// The id the next id-taking command will get.
    fn peek_id(&self) -> Uuid {
        Uuid::from_u128(self.next_id + 1)
    }

    fn run(&mut self, cmd: &Command) -> Result<Outcome, CoreError> {
        let mut next = self.next_id;
        let out = self.st.execute(cmd, self.now, &mut || {
            next += 1;
            Uuid::from_u128(next)
        });
        self.next_id = next;
        out
    }

    fn ok(&mut self, cmd: Command) -> Outcome {
        self.run(&cmd).unwrap_or_else(|e| panic!("{cmd:?} was rejected: {e}"))
    }

    /// Runs a command that must be rejected; checks that nothing changed.
    fn rejects(&mut self, cmd: Command) -> CoreError {
        let before = self.st.clone();
        let err = self.run(&cmd).expect_err(&format!("{cmd:?} should be rejected"));
        assert_eq!(self.st, before, "{cmd:?} was rejected but changed the state");
        err
    }

    fn issue(&mut self, svc: &str) -> Ticket {
        self.issue_as(svc, PriorityClass::Normal)
    }

    fn issue_as(&mut self, svc: &str, priority: PriorityClass) -> Ticket {
        self.ok(Command::Issue {
            service: svc.into(),
            priority,
            priority_reason: (priority == PriorityClass::Priority).then_some(PriorityReason::Elderly),
            appointment: None,
        })
        .ticket
        .unwrap()
    }

    fn staff_open(&mut self, c: u32, s: &str) {
        self.ok(Command::Login { counter: c, staff: s.into() });
        self.ok(Command::OpenCounter { counter: c });
    }

    fn call_next(&mut self, c: u32) -> Ticket {
        self.ok(Command::CallNext { counter: c }).ticket.unwrap()
    }

    /// Call next, start and finish at once; returns the number served.
    fn serve_next(&mut self, c: u32) -> String {
        let t = self.call_next(c);
        self.ok(Command::Start { counter: c });
        self.ok(Command::Finish { counter: c, resolution: Resolution::Completed });
        t.number
    }

    /// The visit's latest leg with this number.
    fn t(&self, number: &str) -> &Ticket {
        self.st
            .tickets()
            .filter(|t| t.number == number)
            .max_by_key(|t| t.leg)
            .unwrap_or_else(|| panic!("no ticket {number}"))
    }

    /// A leg by number and leg.
    fn leg(&self, number: &str, leg: u16) -> &Ticket {
        self.st
            .tickets()
            .find(|t| t.number == number && t.leg == leg)
            .unwrap_or_else(|| panic!("no ticket {number} leg {leg}"))
    }

    fn status(&self, c: u32) -> CounterStatus {
        self.st.counter(c).unwrap().status
    }

    /// Applies the rollover events at `now`, as the engine does.
    fn rollover(&mut self) -> Vec<EventData> {
        let events = self.st.rollover(self.now);
        for e in &events {
            self.st.apply(self.now, e);
        }
        events
    }

    /// What the reference routing says counter `c` should call now.
    fn reference_pick(&self, c: u32) -> Option<Uuid> {
        let counter = self.st.counter(c).unwrap();
        let waiting = self.st.callable(c);
        routing::pick_reference(counter, &waiting, self.now, &|s| self.st.service(s).unwrap().target_wait_ms())
    }
}

/// A hand-made error that only its code can be compared with.
fn invalid_config() -> CoreError {
    CoreError::InvalidConfig { zh: String::new(), en: String::new() }
}

/// The text rule's refusal of `field`.
fn invalid_text(field: &text::TextField, problem: text::TextProblem) -> CoreError {
    CoreError::InvalidText { field_zh: field.zh, field_en: field.en, problem }
}

/// Asserts the exact error, or only the code for `InvalidConfig`, whose
/// texts are explanations rather than data.
fn assert_error(got: &CoreError, want: &CoreError, cmd: &Command) {
    match want {
        CoreError::InvalidConfig { .. } => assert_eq!(got.code(), want.code(), "{cmd:?}: {got}"),
        _ => assert_eq!(got, want, "{cmd:?}"),
    }
}

// ---------------------------------------------------------------------------
// Every error, table-driven.

#[test]
fn every_rejected_command_returns_its_error_and_changes_nothing() {
    let busy = Fx::busy();
    let c002_leg1 = busy.leg("C002", 1).id;
    let mut other_hall = hall();
    other_hall.id = Uuid::from_u128(0xB22);
    let mut bad_code = hall();
    bad_code.code = "TS 01".into();
    let mut too_many_recalls = hall();
    too_many_recalls.max_recalls = 21;
    let mut bad_rollover = hall();
    bad_rollover.rollover_hour = 24;
    let mut lower_prefix = service("LOW", 'a', 15, 5);
    lower_prefix.prefix = 'a';
    let mut deactivated_1001 = staff("1001", true);
    deactivated_1001.active = false;
    let cfg = |c: CounterConfig| Command::DefineCounter { counter: c };
    use CoreError as E;
    use RoutingOrder::Fifo;

    let cases: Vec<(Command, CoreError)> = vec![
        // Issue
        (
            Command::Issue {
                service: "XXX".into(),
                priority: PriorityClass::Normal,
                priority_reason: None,
                appointment: None,
            },
            E::UnknownService("XXX".into()),
        ),
        (
            Command::Issue {
                service: "OLD".into(),
                priority: PriorityClass::Vip,
                priority_reason: None,
                appointment: None,
            },
            E::ServiceDisabled("OLD".into()),
        ),
        // CallNext
        (Command::CallNext { counter: 99 }, E::UnknownCounter(99)),
        (Command::CallNext { counter: 4 }, E::CounterClosed(4)),
        (Command::CallNext { counter: 3 }, E::CounterPaused(3)),
        (Command::CallNext { counter: 1 }, E::CurrentTicketOpen { counter: 1, number: "A003".into() }),
        (Command::CallNext { counter: 2 }, E::CurrentTicketOpen { counter: 2, number: "B001".into() }),
        (Command::CallNext { counter: 5 }, E::QueueEmpty(5)),
        // CallNumber
        (Command::CallNumber { counter: 5, ticket: num("Z999") }, E::UnknownTicket("Z999".into())),
        (
            Command::CallNumber { counter: 5, ticket: TicketRef::Id(Uuid::from_u128(u128::MAX)) },
            E::UnknownTicket(Uuid::from_u128(u128::MAX).to_string()),
        ),
        (
            Command::CallNumber { counter: 5, ticket: num("A005") },
            E::ServiceNotAtCounter { counter: 5, service: "PAY".into() },
        ),
        (
            Command::CallNumber { counter: 5, ticket: num("A001") },
            E::TicketNotWaiting { number: "A001".into(), state: "done" },
        ),
        (
            Command::CallNumber { counter: 5, ticket: num("B001") },
            E::TicketNotWaiting { number: "B001".into(), state: "serving" },
        ),
        (
            Command::CallNumber { counter: 5, ticket: TicketRef::Id(c002_leg1) },
            E::TicketNotWaiting { number: "C002".into(), state: "transferred" },
        ),
        (
            Command::CallNumber { counter: 5, ticket: num("C002") },
            E::TicketForOtherCounter { number: "C002".into(), counter: 4 },
        ),
        (Command::CallNumber { counter: 4, ticket: num("C001") }, E::CounterClosed(4)),
        (
            Command::CallNumber { counter: 1, ticket: num("C001") },
            E::CurrentTicketOpen { counter: 1, number: "A003".into() },
        ),
        // Recall, NoShow, Start, Finish
        (Command::Recall { counter: 99 }, E::UnknownCounter(99)),
        (Command::Recall { counter: 5 }, E::NoCurrentTicket(5)),
        (Command::Recall { counter: 2 }, E::AlreadyServing("B001".into())),
        (Command::NoShow { counter: 5 }, E::NoCurrentTicket(5)),
        (Command::NoShow { counter: 2 }, E::AlreadyServing("B001".into())),
        (Command::Start { counter: 4 }, E::NoCurrentTicket(4)),
        (Command::Start { counter: 2 }, E::AlreadyServing("B001".into())),
        (Command::Finish { counter: 5, resolution: Resolution::Completed }, E::NoCurrentTicket(5)),
        (Command::Finish { counter: 1, resolution: Resolution::Completed }, E::NotStarted("A003".into())),
        // Transfer
        (Command::Transfer { counter: 5, to: TransferTarget::Service("PAY".into()) }, E::NoCurrentTicket(5)),
        (Command::Transfer { counter: 2, to: TransferTarget::Service("XXX".into()) }, E::UnknownService("XXX".into())),
        (Command::Transfer { counter: 2, to: TransferTarget::Service("OLD".into()) }, E::ServiceDisabled("OLD".into())),
        (
            Command::Transfer { counter: 2, to: TransferTarget::Service("NEW".into()) },
            E::TransferToSameService("NEW".into()),
        ),
        (
            Command::Transfer { counter: 1, to: TransferTarget::Service("PAY".into()) },
            E::TransferToSameService("PAY".into()),
        ),
        (Command::Transfer { counter: 2, to: TransferTarget::Counter(99) }, E::UnknownCounter(99)),
        (Command::Transfer { counter: 2, to: TransferTarget::Counter(2) }, invalid_config()),
        // Cancel
        (Command::Cancel { ticket: num("Z999") }, E::UnknownTicket("Z999".into())),
        (Command::Cancel { ticket: num("A003") }, E::TicketNotWaiting { number: "A003".into(), state: "called" }),
        (Command::Cancel { ticket: num("A001") }, E::TicketNotWaiting { number: "A001".into(), state: "done" }),
        (Command::Cancel { ticket: num("A004") }, E::TicketNotWaiting { number: "A004".into(), state: "cancelled" }),
        // Rate
        (Command::Rate { ticket: num("Z999"), level: 5, reason: None }, E::UnknownTicket("Z999".into())),
        (Command::Rate { ticket: num("A003"), level: 5, reason: None }, E::NotRateable("A003".into())),
        (Command::Rate { ticket: num("B001"), level: 5, reason: None }, E::NotRateable("B001".into())),
        (Command::Rate { ticket: num("A004"), level: 1, reason: None }, E::NotRateable("A004".into())),
        (
            Command::CloseFollowUp { ticket: Uuid::from_u128(4242), note: "已回访".into(), staff: None },
            E::UnknownFollowUp(String::new()),
        ),
        (Command::Rate { ticket: TicketRef::Id(c002_leg1), level: 4, reason: None }, E::NotRateable("C002".into())),
        (
            Command::Rate { ticket: num("A002"), level: 1, reason: Some(LowScoreReason::Attitude) },
            E::AlreadyRated("A002".into()),
        ),
        (Command::Rate { ticket: num("A001"), level: 0, reason: None }, E::InvalidRating("level 0 (1–5 / 1-5)".into())),
        (Command::Rate { ticket: num("A001"), level: 6, reason: None }, E::InvalidRating("level 6 (1–5 / 1-5)".into())),
        (
            Command::Rate { ticket: num("A001"), level: 3, reason: Some(LowScoreReason::Efficiency) },
            E::InvalidRating("reason only for 不满意/非常不满意 / low scores".into()),
        ),
        (
            Command::Rate { ticket: num("A001"), level: 5, reason: Some(LowScoreReason::Skill) },
            E::InvalidRating("reason only for 不满意/非常不满意 / low scores".into()),
        ),
        // Counter lifecycle
        (Command::OpenCounter { counter: 99 }, E::UnknownCounter(99)),
        (Command::OpenCounter { counter: 1 }, E::CounterAlreadyOpen(1)),
        (Command::OpenCounter { counter: 3 }, E::CounterPaused(3)),
        (Command::OpenCounter { counter: 4 }, E::NoStaffAtCounter(4)),
        (Command::PauseCounter { counter: 99, reason: "break".into() }, E::UnknownCounter(99)),
        (Command::PauseCounter { counter: 4, reason: "break".into() }, E::CounterClosed(4)),
        (Command::PauseCounter { counter: 3, reason: "break".into() }, E::CounterPaused(3)),
        (
            Command::PauseCounter { counter: 1, reason: "break".into() },
            E::CurrentTicketOpen { counter: 1, number: "A003".into() },
        ),
        (Command::PauseCounter { counter: 5, reason: "  ".into() }, invalid_text(&text::PAUSE_REASON, Blank)),
        (
            Command::PauseCounter { counter: 5, reason: "很".repeat(65) },
            invalid_text(&text::PAUSE_REASON, TooLong { max: 64 }),
        ),
        (Command::ResumeCounter { counter: 99 }, E::UnknownCounter(99)),
        (Command::ResumeCounter { counter: 1 }, E::CounterNotPaused(1)),
        (Command::ResumeCounter { counter: 4 }, E::CounterNotPaused(4)),
        (Command::CloseCounter { counter: 99 }, E::UnknownCounter(99)),
        (Command::CloseCounter { counter: 4 }, E::CounterClosed(4)),
        (Command::CloseCounter { counter: 2 }, E::CurrentTicketOpen { counter: 2, number: "B001".into() }),
        // Login, Logout
        (Command::Login { counter: 99, staff: "1004".into() }, E::UnknownCounter(99)),
        (Command::Login { counter: 4, staff: "7777".into() }, E::UnknownStaff("7777".into())),
        (Command::Login { counter: 4, staff: "1009".into() }, E::StaffInactive("1009".into())),
        (Command::Login { counter: 1, staff: "1004".into() }, E::CounterHasStaff { counter: 1, staff: "1001".into() }),
        (Command::Login { counter: 1, staff: "1001".into() }, E::CounterHasStaff { counter: 1, staff: "1001".into() }),
        (
            Command::Login { counter: 4, staff: "1002".into() },
            E::StaffAtOtherCounter { staff: "1002".into(), counter: 2 },
        ),
        (Command::Logout { counter: 99 }, E::UnknownCounter(99)),
        (Command::Logout { counter: 4 }, E::NoStaffAtCounter(4)),
        (Command::Logout { counter: 1 }, E::CurrentTicketOpen { counter: 1, number: "A003".into() }),
        // Configuration
        (Command::ConfigureHall { hall: other_hall }, invalid_config()),
        (Command::ConfigureHall { hall: bad_code }, invalid_config()),
        (Command::ConfigureHall { hall: too_many_recalls }, invalid_config()),
        (Command::ConfigureHall { hall: bad_rollover }, invalid_config()),
        (Command::DefineService { service: service("FLT", 'A', 15, 5) }, invalid_config()),
        (Command::DefineService { service: lower_prefix }, invalid_config()),
        (Command::DefineService { service: service("FLT", 'F', 0, 5) }, invalid_config()),
        (Command::DefineService { service: service("F LT", 'F', 15, 5) }, invalid_config()),
        (cfg(counter(6, &["PAY", "XXX"], Fifo, None)), E::UnknownService("XXX".into())),
        (cfg(counter(6, &[], Fifo, None)), invalid_config()),
        (cfg(counter(0, &["PAY"], Fifo, None)), invalid_config()),
        (cfg(counter(1000, &["PAY"], Fifo, None)), invalid_config()),
        (cfg(counter(6, &["PAY", "PAY"], Fifo, None)), invalid_config()),
        (cfg(counter(6, &["PAY"], Fifo, Some(0))), invalid_config()),
        (
            cfg(CounterConfig { name_en: "Counter\u{202E}6".into(), ..counter(6, &["PAY"], Fifo, None) }),
            invalid_text(&text::COUNTER_NAME_EN, text::TextProblem::BidiOverride),
        ),
        (
            cfg(CounterConfig { name_en: "C".repeat(65), ..counter(6, &["PAY"], Fifo, None) }),
            invalid_text(&text::COUNTER_NAME_EN, text::TextProblem::TooLong { max: 64 }),
        ),
        (Command::DefineStaff { staff: deactivated_1001 }, E::StaffAtOtherCounter { staff: "1001".into(), counter: 1 }),
        (Command::DefineStaff { staff: staff("10 01", true) }, invalid_config()),
        (
            Command::DefineStaff { staff: Staff { name: " ".into(), ..staff("1006", true) } },
            invalid_text(&text::STAFF_NAME, Blank),
        ),
    ];

    for (cmd, want) in &cases {
        let mut fx = busy.clone();
        let got = fx.rejects(cmd.clone());
        assert_error(&got, want, cmd);
        // `decide` is what `execute` runs first; it must agree.
        let mut ids = || Uuid::from_u128(u128::MAX - 1);
        let decided = busy.st.decide(cmd, busy.now, &mut ids).unwrap_err();
        assert_eq!(decided, got);
    }
    // Every command kind has at least one error case above, and every error
    // but the two that need a clock or a full day (tested below) is raised.
    let kinds: std::collections::HashSet<_> = cases.iter().map(|(c, _)| c.name()).collect();
    assert_eq!(kinds.len(), 21, "{kinds:?}");
    let mut raised: std::collections::HashSet<_> = cases.iter().map(|(_, e)| e.code()).collect();
    raised.extend(["hall_closed", "numbers_exhausted"]);
    // The case commands' errors, each raised (and shown to change nothing)
    // by the tests in `state/cases.rs`.
    raised.extend([
        "unknown_case_type",
        "case_type_inactive",
        "unknown_case",
        "case_on_hold",
        "case_not_on_hold",
        "stage_not_open",
        "invalid_case",
    ]);
    let all: std::collections::HashSet<_> = every_error().iter().map(CoreError::code).collect();
    assert_eq!(raised, all);
}

#[test]
fn a_27th_service_is_rejected_but_redefining_one_is_not() {
    let mut fx = Fx::empty();
    for (i, p) in ('A'..='Z').enumerate() {
        fx.ok(Command::DefineService { service: service(&format!("S{i}"), p, 15, 5) });
    }
    let err = fx.rejects(Command::DefineService { service: service("S26", 'A', 15, 5) });
    assert_eq!(err.code(), "invalid_config");
    let mut renamed = service("S0", 'A', 20, 5);
    renamed.name_zh = "改名".into();
    fx.ok(Command::DefineService { service: renamed });
    assert_eq!(fx.st.service("S0").unwrap().target_wait_min, 20);
    assert_eq!(fx.st.services().len(), 26);
}

#[test]
fn a_service_cannot_take_a_prefix_another_service_uses() {
    let mut fx = Fx::small();
    let err = fx.rejects(Command::DefineService { service: service("NEW", 'A', 15, 5) });
    assert_eq!(err.code(), "invalid_config");
    assert!(err.message_en().contains("'PAY'"), "{err}");
    // Keeping its own prefix is fine.
    fx.ok(Command::DefineService { service: service("NEW", 'B', 10, 15) });
}

#[test]
fn issuing_outside_opening_hours_is_rejected_with_hall_closed() {
    let mut fx = Fx::small();
    let mut h = hall();
    h.opening = Some(OpeningHours {
        open: NaiveTime::from_hms_opt(8, 30, 0).unwrap(),
        close: NaiveTime::from_hms_opt(17, 30, 0).unwrap(),
    });
    fx.ok(Command::ConfigureHall { hall: h });
    fx.at(T0 + 8 * 60 * MIN + 29 * MIN); // 17:29
    assert_eq!(fx.issue("PAY").number, "A001");
    fx.at(T0 + 8 * 60 * MIN + 30 * MIN); // 17:30
    let issue = Command::Issue {
        service: "PAY".into(),
        priority: PriorityClass::Normal,
        priority_reason: None,
        appointment: None,
    };
    assert_eq!(fx.rejects(issue.clone()), CoreError::HallClosed);
    // An unknown or disabled service is reported before the hours.
    assert_eq!(
        fx.rejects(Command::Issue {
            service: "OLD".into(),
            priority: PriorityClass::Normal,
            priority_reason: None,
            appointment: None,
        }),
        CoreError::ServiceDisabled("OLD".into())
    );
    fx.at(ROLLOVER + 5 * 60 * MIN + 29 * MIN); // 08:29 the next morning
    fx.rollover();
    assert_eq!(fx.rejects(issue.clone()), CoreError::HallClosed);
    fx.tick(MIN); // 08:30
    assert_eq!(fx.ok(issue).ticket.unwrap().number, "A001");
}

#[test]
fn the_thousandth_ticket_of_a_service_is_refused_and_numbers_restart_next_day() {
    let mut fx = Fx::small();
    for i in 1..=MAX_DAILY_NUMBER {
        let t = fx.issue("PAY");
        assert_eq!(t.number, format!("A{i:03}"));
    }
    assert_eq!(fx.t("A999").number, "A999");
    let issue = Command::Issue {
        service: "PAY".into(),
        priority: PriorityClass::Priority,
        priority_reason: Some(PriorityReason::Pregnant),
        appointment: None,
    };
    assert_eq!(fx.rejects(issue.clone()), CoreError::NumbersExhausted("PAY".into()));
    // Other services have their own numbers.
    assert_eq!(fx.issue("NEW").number, "B001");
    fx.at(ROLLOVER);
    fx.rollover();
    let t = fx.ok(issue).ticket.unwrap();
    assert_eq!(t.number, "A001");
    assert_eq!(t.business_day, date((2026, 11, 28)));
}

// ---------------------------------------------------------------------------
// Every transition, table-driven: the events a command produces.

#[test]
fn every_accepted_command_produces_exactly_its_events() {
    let busy = Fx::busy();
    let id = |n: &str| busy.t(n).id;
    let (a001, a003, b001, c001) = (id("A001"), id("A003"), id("B001"), id("C001"));
    let new_id = busy.peek_id();
    let mut h = hall();
    h.max_recalls = 3;
    let new_svc = service("FLT", 'F', 10, 6);
    let c6 = counter(6, &["FLT", "PAY"], RoutingOrder::Fifo, None);
    let s6 = staff("1006", true);
    use EventData as E;
    let cases: Vec<(Command, Vec<EventData>)> = vec![
        (Command::Recall { counter: 1 }, vec![E::TicketRecalled { ticket: a003, counter: 1 }]),
        (Command::NoShow { counter: 1 }, vec![E::TicketNoShow { ticket: a003, counter: 1, automatic: false }]),
        (Command::Start { counter: 1 }, vec![E::ServiceStarted { ticket: a003, counter: 1 }]),
        (
            Command::Finish { counter: 2, resolution: Resolution::Accepted },
            vec![E::TicketFinished { ticket: b001, counter: 2, resolution: Resolution::Accepted }],
        ),
        (
            Command::Transfer { counter: 2, to: TransferTarget::Service("PAY".into()) },
            vec![E::TicketTransferred {
                ticket: b001,
                counter: 2,
                new_ticket: new_id,
                to_service: "PAY".into(),
                to_counter: None,
            }],
        ),
        (
            Command::Transfer { counter: 2, to: TransferTarget::Counter(1) },
            vec![E::TicketTransferred {
                ticket: b001,
                counter: 2,
                new_ticket: new_id,
                to_service: "NEW".into(),
                to_counter: Some(1),
            }],
        ),
        (
            Command::Transfer { counter: 1, to: TransferTarget::Service("ASK".into()) },
            vec![E::TicketTransferred {
                ticket: a003,
                counter: 1,
                new_ticket: new_id,
                to_service: "ASK".into(),
                to_counter: None,
            }],
        ),
        (Command::Cancel { ticket: num("c001") }, vec![E::TicketCancelled { ticket: c001 }]),
        (
            Command::Rate { ticket: num("A001"), level: 2, reason: Some(LowScoreReason::Procedure) },
            vec![E::TicketRated {
                ticket: a001,
                rating: crate::Rating::new(2).unwrap(),
                reason: Some(LowScoreReason::Procedure),
            }],
        ),
        (
            Command::Login { counter: 4, staff: "1004".into() },
            vec![E::StaffLoggedIn { counter: 4, staff: "1004".into() }],
        ),
        (Command::ResumeCounter { counter: 3 }, vec![E::CounterResumed { counter: 3 }]),
        (Command::CloseCounter { counter: 3 }, vec![E::CounterClosed { counter: 3 }]),
        (
            Command::PauseCounter { counter: 5, reason: " 开会 ".into() },
            vec![E::CounterPaused { counter: 5, reason: "开会".into() }],
        ),
        (Command::CloseCounter { counter: 5 }, vec![E::CounterClosed { counter: 5 }]),
        (
            Command::Logout { counter: 5 },
            vec![E::CounterClosed { counter: 5 }, E::StaffLoggedOut { counter: 5, staff: "1005".into() }],
        ),
        (
            Command::Logout { counter: 3 },
            vec![E::CounterClosed { counter: 3 }, E::StaffLoggedOut { counter: 3, staff: "1003".into() }],
        ),
        (Command::ConfigureHall { hall: h.clone() }, vec![E::HallConfigured { hall: h }]),
        (Command::DefineService { service: new_svc.clone() }, vec![E::ServiceDefined { service: new_svc }]),
        (Command::DefineStaff { staff: s6.clone() }, vec![E::StaffDefined { staff: s6 }]),
    ];
    for (cmd, want) in cases {
        let mut fx = busy.clone();
        let out = fx.ok(cmd.clone());
        assert_eq!(out.events, want, "{cmd:?}");
        // Replaying the events on the state before gives the same state.
        let mut replay = busy.st.clone();
        for e in &out.events {
            replay.apply(busy.now, e);
        }
        assert_eq!(replay, fx.st, "{cmd:?}");
    }
    // A counter may be defined once its services exist.
    let mut fx = busy.clone();
    fx.ok(Command::DefineService { service: service("FLT", 'F', 10, 6) });
    let out = fx.ok(Command::DefineCounter { counter: c6.clone() });
    assert_eq!(out.events, vec![E::CounterDefined { counter: c6 }]);
    assert_eq!(fx.status(6), CounterStatus::Closed);
}

// ---------------------------------------------------------------------------
// Transitions in detail: what each leaves in the state.

#[test]
fn a_counter_keeps_its_english_name_and_events_from_before_it_still_read() {
    let mut fx = Fx::small();
    let c = CounterConfig { name_en: "Counter 6 Payments".into(), ..counter(6, &["PAY"], RoutingOrder::Fifo, None) };
    fx.ok(Command::DefineCounter { counter: c });
    let six = fx.st.counter(6).unwrap();
    assert_eq!((six.name_en.as_str(), six.english_name()), ("Counter 6 Payments", "Counter 6 Payments".to_string()));
    // An event written before counters had English names.
    let old =
        r#"{"number":7,"name":"7号窗口","services":["PAY"],"policy":{"order":"fifo","max_priority_in_row":null}}"#;
    let seven: CounterConfig = serde_json::from_str(old).unwrap();
    fx.ok(Command::DefineCounter { counter: seven });
    assert_eq!(
        (fx.st.counter(7).unwrap().name_en.as_str(), fx.st.counter(7).unwrap().english_name()),
        ("", "Counter 7".to_string())
    );
}

#[test]
fn issue_creates_a_waiting_first_leg_numbered_by_service_and_day() {
    let mut fx = Fx::small();
    let a = fx.issue("PAY");
    fx.tick(SEC);
    let b = fx.issue("NEW");
    fx.tick(SEC);
    let out = fx.ok(Command::Issue {
        service: "PAY".into(),
        priority: PriorityClass::Appointment,
        priority_reason: Some(PriorityReason::Elderly),
        appointment: Some(" YY-2026-0042 ".into()),
    });
    let c = out.ticket.clone().unwrap();
    assert_eq!((a.number.as_str(), b.number.as_str()), ("A001", "B001"));
    assert_eq!(c.number, "A002");
    assert_eq!(out.events, vec![EventData::TicketIssued { ticket: c.clone() }]);
    assert_eq!(out.changes.tickets, vec![c.clone()]);
    assert_eq!(c.id, Uuid::from_u128(3));
    assert_eq!(c.visit_id, c.id);
    assert_eq!(c.leg, 1);
    assert_eq!(c.state, TicketState::Waiting);
    assert_eq!(c.business_day, date(DAY0));
    assert_eq!((c.issued_at, c.visit_issued_at), (T0 + 2 * SEC, T0 + 2 * SEC));
    // A reason only belongs to a priority ticket; an appointment number is
    // kept (trimmed) only for an appointment.
    assert_eq!(c.priority_reason, None);
    assert_eq!(c.appointment.as_deref(), Some("YY-2026-0042"));
    assert_eq!(c.people_ahead, 0, "an appointment only counts priority tickets ahead");
    assert_eq!(a.people_ahead, 0);
    assert_eq!(a.estimated_wait_ms, None, "no counter open: unknown");
    assert_eq!(fx.st.waiting_count("PAY"), 2);
    assert_eq!(fx.st.waiting_count("NEW"), 1);
    let vip = fx.issue_as("PAY", PriorityClass::Vip);
    assert_eq!(vip.people_ahead, 1);
    let normal = fx.issue("PAY");
    assert_eq!(normal.people_ahead, 3);
}

#[test]
fn call_next_marks_the_ticket_called_at_the_counter_by_its_staff() {
    let mut fx = Fx::small();
    let a = fx.issue("PAY");
    fx.staff_open(1, "1001");
    fx.tick(2 * MIN);
    let out = fx.ok(Command::CallNext { counter: 1 });
    assert_eq!(
        out.events,
        vec![EventData::TicketCalled { ticket: a.id, counter: 1, staff: "1001".into(), by_number: false }]
    );
    let t = out.ticket.unwrap();
    assert_eq!(t.state, TicketState::Called);
    assert_eq!((t.called_at, t.last_called_at), (Some(fx.now), Some(fx.now)));
    assert_eq!((t.counter, t.staff.as_deref()), (Some(1), Some("1001")));
    let c = fx.st.counter(1).unwrap();
    assert_eq!(c.current, Some(a.id));
    assert_eq!(c.state_name(), "serving");
    assert_eq!(fx.st.waiting_count("PAY"), 0);
    assert_eq!(out.changes.counters.len(), 1);
}

#[test]
fn call_number_calls_that_ticket_trimmed_and_case_insensitive() {
    let mut fx = Fx::small();
    fx.issue("PAY");
    let second = fx.issue("PAY");
    fx.staff_open(4, "1004");
    let out = fx.ok(Command::CallNumber { counter: 4, ticket: num(" a002 ") });
    assert_eq!(
        out.events,
        vec![EventData::TicketCalled { ticket: second.id, counter: 4, staff: "1004".into(), by_number: true }]
    );
    assert_eq!(fx.t("A002").state, TicketState::Called);
    assert_eq!(fx.t("A001").state, TicketState::Waiting);
}

#[test]
fn recall_counts_calls_and_the_recall_past_max_recalls_is_an_automatic_no_show() {
    let mut fx = Fx::small();
    fx.issue("PAY");
    fx.staff_open(1, "1001");
    fx.call_next(1);
    let called = fx.now;
    assert_eq!(fx.st.hall().max_recalls, 2);
    for n in 1..=2 {
        fx.tick(MIN);
        fx.ok(Command::Recall { counter: 1 });
        let t = fx.t("A001");
        assert_eq!(t.recalls, n);
        assert_eq!(t.state, TicketState::Called);
        assert_eq!((t.called_at, t.last_called_at), (Some(called), Some(fx.now)));
    }
    fx.tick(MIN);
    let out = fx.ok(Command::Recall { counter: 1 });
    let id = fx.t("A001").id;
    assert_eq!(out.events, vec![EventData::TicketNoShow { ticket: id, counter: 1, automatic: true }]);
    let t = fx.t("A001");
    assert_eq!((t.state, t.recalls, t.ended_at), (TicketState::NoShow, 2, Some(fx.now)));
    assert_eq!(fx.st.counter(1).unwrap().current, None);
    assert_eq!(fx.rejects(Command::Recall { counter: 1 }), CoreError::NoCurrentTicket(1));
}

#[test]
fn with_max_recalls_zero_the_first_recall_is_a_no_show() {
    let mut fx = Fx::small();
    let mut h = hall();
    h.max_recalls = 0;
    fx.ok(Command::ConfigureHall { hall: h });
    fx.issue("PAY");
    fx.staff_open(1, "1001");
    fx.call_next(1);
    let out = fx.ok(Command::Recall { counter: 1 });
    assert!(matches!(out.events[..], [EventData::TicketNoShow { automatic: true, .. }]));
}

#[test]
fn no_show_ends_a_called_ticket_and_frees_the_counter() {
    let mut fx = Fx::busy();
    fx.ok(Command::NoShow { counter: 1 });
    let t = fx.t("A003");
    assert_eq!((t.state, t.ended_at, t.started_at), (TicketState::NoShow, Some(fx.now), None));
    assert_eq!(fx.st.counter(1).unwrap().current, None);
    assert_eq!(fx.call_next(1).number, "A005");
}

#[test]
fn start_and_finish_record_every_resolution() {
    for res in [
        Resolution::Completed,
        Resolution::Accepted,
        Resolution::MissingDocuments,
        Resolution::Answered,
        Resolution::Declined,
    ] {
        let mut fx = Fx::busy();
        fx.tick(MIN);
        fx.ok(Command::Start { counter: 1 });
        let started = fx.now;
        assert_eq!(fx.t("A003").state, TicketState::Serving);
        assert_eq!(fx.t("A003").started_at, Some(started));
        fx.tick(4 * MIN);
        let out = fx.ok(Command::Finish { counter: 1, resolution: res });
        let t = out.ticket.unwrap();
        assert_eq!((t.state, t.resolution), (TicketState::Done, Some(res)));
        assert_eq!(t.ended_at, Some(fx.now));
        assert_eq!(t.handling_ms(), Some(4 * MIN));
        assert_eq!(fx.st.counter(1).unwrap().current, None);
        // One change per ticket: the finished ticket as it is now.
        assert_eq!(out.changes.tickets, vec![t]);
        assert_eq!(Resolution::parse(res.as_str()), Some(res));
    }
}

#[test]
fn transfer_to_a_service_opens_a_new_leg_of_the_same_visit() {
    let mut fx = Fx::busy();
    let old = fx.t("B001").clone();
    fx.tick(5 * MIN);
    let out = fx.ok(Command::Transfer { counter: 2, to: TransferTarget::Service("PAY".into()) });
    let new = out.ticket.unwrap();
    let closed = fx.leg("B001", 1);
    assert_eq!(closed.state, TicketState::Transferred);
    assert_eq!(closed.ended_at, Some(fx.now));
    assert_eq!(closed.transferred_to, Some(new.id));
    assert!(closed.handling_ms().unwrap() >= 5 * MIN);
    assert_eq!(new.visit_id, old.visit_id);
    assert_eq!(new.number, "B001");
    assert_eq!(new.leg, 2);
    assert_eq!(new.service, "PAY");
    assert_eq!(new.state, TicketState::Waiting);
    assert_eq!(new.visit_issued_at, old.visit_issued_at);
    assert_eq!(new.issued_at, fx.now);
    assert_eq!(new.target_counter, None);
    assert_eq!((new.called_at, new.counter, new.staff.clone()), (None, None, None));
    assert_eq!(new.priority, old.priority);
    assert_eq!(fx.st.counter(2).unwrap().current, None);
    assert_eq!(out.changes.tickets.len(), 2);
    // Its own wait: from the transfer, not from the visit's first issue.
    fx.tick(3 * MIN);
    // B001's visit began before A005: it keeps its place ahead of it.
    assert_eq!(fx.call_next(2).id, new.id);
    assert_eq!(fx.t("B001").wait_ms(), Some(3 * MIN));
    // By number, the visit's latest leg is found.
    assert_eq!(fx.t("B001").id, new.id);
}

#[test]
fn transfer_of_a_called_ticket_ends_its_leg_without_handling() {
    let mut fx = Fx::busy();
    fx.ok(Command::Transfer { counter: 1, to: TransferTarget::Service("ASK".into()) });
    let leg1 = fx.leg("A003", 1);
    assert_eq!(leg1.state, TicketState::Transferred);
    assert_eq!(leg1.handling_ms(), None);
    assert_eq!(fx.t("A003").service, "ASK");
    assert_eq!(fx.st.waiting_count("ASK"), 2);
}

#[test]
fn transfer_to_a_named_counter_keeps_the_service_and_is_only_callable_there() {
    let mut fx = Fx::busy();
    let out = fx.ok(Command::Transfer { counter: 2, to: TransferTarget::Counter(5) });
    let new = out.ticket.unwrap();
    assert_eq!((new.service.as_str(), new.target_counter), ("NEW", Some(5)));
    assert_eq!(fx.st.waiting_count("NEW"), 0, "a named-counter leg is not in the service queue");
    // Counter 2 serves NEW but may not call it.
    assert!(fx.st.callable(2).iter().all(|t| t.id != new.id));
    assert_eq!(
        fx.rejects(Command::CallNumber { counter: 2, ticket: num("B001") }),
        CoreError::TicketForOtherCounter { number: "B001".into(), counter: 5 }
    );
    assert_eq!(fx.call_next(2).number, "A005");
    assert_eq!(fx.call_next(5).id, new.id);
}

#[test]
fn a_ticket_transferred_to_a_counter_can_be_called_there_by_number_even_outside_its_services() {
    let mut fx = Fx::busy();
    fx.staff_open(4, "1004");
    // Counter 4 serves only PAY; C002 (ASK) was sent to it by name.
    fx.ok(Command::CallNumber { counter: 4, ticket: num("C002") });
    assert_eq!(fx.t("C002").counter, Some(4));
}

#[test]
fn cancel_withdraws_a_waiting_ticket_from_its_queue() {
    let mut fx = Fx::busy();
    assert_eq!(fx.st.waiting_count("ASK"), 1);
    fx.ok(Command::Cancel { ticket: num("C001") });
    let t = fx.t("C001");
    assert_eq!((t.state, t.ended_at), (TicketState::Cancelled, Some(fx.now)));
    assert_eq!(fx.st.waiting_count("ASK"), 0);
    // A named-counter leg can be cancelled too.
    fx.ok(Command::Cancel { ticket: num("C002") });
    assert_eq!(fx.t("C002").state, TicketState::Cancelled);
    assert!(fx.st.callable(4).iter().all(|t| t.number != "C002"));
}

#[test]
fn a_served_ticket_is_rated_once_and_only_low_scores_take_a_reason() {
    for level in 1..=5u8 {
        for reason in [None, Some(LowScoreReason::Environment)] {
            let mut fx = Fx::busy();
            fx.tick(MIN);
            let cmd = Command::Rate { ticket: num("A001"), level, reason };
            if reason.is_some() && level > 2 {
                assert_eq!(fx.rejects(cmd).code(), "invalid_rating");
                continue;
            }
            fx.ok(cmd);
            let t = fx.t("A001");
            assert_eq!(t.rating.map(|r| r.level()), Some(level));
            assert_eq!((t.rating_reason, t.rated_at), (reason, Some(fx.now)));
            assert_eq!(t.state, TicketState::Done);
            let again = Command::Rate { ticket: num("A001"), level: 5, reason: None };
            assert_eq!(fx.rejects(again), CoreError::AlreadyRated("A001".into()));
        }
    }
}

#[test]
fn only_a_done_ticket_can_be_rated() {
    let mut fx = Fx::busy();
    fx.ok(Command::NoShow { counter: 1 });
    for n in ["A003", "A004", "A005", "B001", "C001", "C002"] {
        let err = fx.rejects(Command::Rate { ticket: num(n), level: 4, reason: None });
        assert_eq!(err, CoreError::NotRateable(n.into()));
    }
}

#[test]
fn counters_open_pause_resume_and_close_recording_when() {
    let mut fx = Fx::small();
    fx.ok(Command::Login { counter: 1, staff: "1001".into() });
    assert_eq!(fx.status(1), CounterStatus::Closed);
    fx.tick(MIN);
    fx.ok(Command::OpenCounter { counter: 1 });
    let c = fx.st.counter(1).unwrap();
    assert_eq!((c.status, c.status_since), (CounterStatus::Open, fx.now));
    fx.tick(MIN);
    fx.ok(Command::PauseCounter { counter: 1, reason: "系统故障".into() });
    let c = fx.st.counter(1).unwrap();
    assert_eq!((c.status, c.pause_reason.as_deref()), (CounterStatus::Paused, Some("系统故障")));
    assert_eq!(c.state_name(), "paused");
    fx.tick(MIN);
    fx.ok(Command::ResumeCounter { counter: 1 });
    let c = fx.st.counter(1).unwrap();
    assert_eq!((c.status, c.pause_reason.clone(), c.status_since), (CounterStatus::Open, None, fx.now));
    fx.tick(MIN);
    fx.ok(Command::CloseCounter { counter: 1 });
    let c = fx.st.counter(1).unwrap();
    assert_eq!((c.status, c.status_since), (CounterStatus::Closed, fx.now));
    assert_eq!(c.staff.as_deref(), Some("1001"), "closing keeps the staff logged in");
    fx.ok(Command::OpenCounter { counter: 1 });
    assert_eq!(fx.status(1), CounterStatus::Open);
}

#[test]
fn an_open_counter_counts_toward_estimates_only_while_open() {
    let mut fx = Fx::small();
    assert_eq!(fx.st.open_counters_for("PAY"), 0);
    fx.staff_open(1, "1001");
    fx.staff_open(2, "1002");
    assert_eq!(fx.st.open_counters_for("PAY"), 2);
    assert_eq!(fx.st.open_counters_for("ASK"), 1);
    fx.ok(Command::PauseCounter { counter: 2, reason: "break".into() });
    assert_eq!(fx.st.open_counters_for("PAY"), 1);
}

#[test]
fn logout_closes_the_counter_and_frees_the_staff_member() {
    let mut fx = Fx::small();
    fx.staff_open(1, "1001");
    let out = fx.ok(Command::Logout { counter: 1 });
    assert_eq!(out.changes.counters.len(), 2);
    let c = fx.st.counter(1).unwrap();
    assert_eq!((c.status, c.staff.clone()), (CounterStatus::Closed, None));
    // A closed counter only logs the staff member out.
    fx.ok(Command::Login { counter: 2, staff: "1001".into() });
    let out = fx.ok(Command::Logout { counter: 2 });
    assert_eq!(out.events, vec![EventData::StaffLoggedOut { counter: 2, staff: "1001".into() }]);
    // Logged out everywhere, the staff member can be deactivated.
    fx.ok(Command::DefineStaff { staff: staff("1001", false) });
    assert_eq!(
        fx.rejects(Command::Login { counter: 1, staff: "1001".into() }),
        CoreError::StaffInactive("1001".into())
    );
}

#[test]
fn configuration_commands_change_the_hall_services_counters_and_staff() {
    let mut fx = Fx::busy();
    let mut h = fx.st.hall().clone();
    h.name = "罗阳营业厅（新）".into();
    h.rollover_hour = 4;
    fx.ok(Command::ConfigureHall { hall: h.clone() });
    assert_eq!(fx.st.hall(), &h);
    // Disabling a service stops issuing, but its waiting tickets stay callable.
    let mut pay = service("PAY", 'A', 15, 4);
    pay.enabled = false;
    fx.ok(Command::DefineService { service: pay });
    let issue = Command::Issue {
        service: "PAY".into(),
        priority: PriorityClass::Normal,
        priority_reason: None,
        appointment: None,
    };
    assert_eq!(fx.rejects(issue), CoreError::ServiceDisabled("PAY".into()));
    assert_eq!(fx.st.waiting_count("PAY"), 1);
    // Redefining a counter keeps its live state (status, staff, current).
    fx.ok(Command::DefineCounter { counter: counter(1, &["ASK", "PAY"], RoutingOrder::Fifo, None) });
    let c = fx.st.counter(1).unwrap();
    assert_eq!(c.services, vec!["ASK".to_string(), "PAY".to_string()]);
    assert_eq!(c.policy.max_priority_in_row, None);
    assert_eq!((c.status, c.staff.as_deref()), (CounterStatus::Open, Some("1001")));
    assert_eq!(c.current, Some(fx.t("A003").id));
    fx.ok(Command::DefineStaff { staff: Staff { role: StaffRole::Supervisor, ..staff("1004", true) } });
    assert_eq!(fx.st.staff().find(|s| s.number == "1004").unwrap().role, StaffRole::Supervisor);
}

#[test]
fn the_default_supply_hall_can_be_set_up_through_commands() {
    let cfg = HallConfig::default_supply_hall(Uuid::from_u128(7), "DEMO", "演示营业厅");
    let mut st = HallState::new(cfg.hall.clone(), T0);
    let mut n = 0u128;
    let mut ids = || {
        n += 1;
        Uuid::from_u128(n)
    };
    let mut cmds = vec![Command::ConfigureHall { hall: cfg.hall.clone() }];
    cmds.extend(cfg.services.iter().map(|s| Command::DefineService { service: s.clone() }));
    cmds.extend(cfg.counters.iter().map(|c| Command::DefineCounter { counter: c.config() }));
    cmds.extend(cfg.staff.iter().map(|s| Command::DefineStaff { staff: s.clone() }));
    for c in &cmds {
        st.execute(c, T0, &mut ids).unwrap();
    }
    assert_eq!(st.services(), &cfg.services[..]);
    assert_eq!(st.counters().cloned().collect::<Vec<_>>(), cfg.counters);
    assert_eq!(st.staff().cloned().collect::<Vec<_>>(), cfg.staff);
    let t = st
        .execute(
            &Command::Issue {
                service: "DER".into(),
                priority: PriorityClass::Normal,
                priority_reason: None,
                appointment: None,
            },
            T0,
            &mut ids,
        )
        .unwrap()
        .ticket
        .unwrap();
    assert_eq!(t.number, "H001");
}

// ---------------------------------------------------------------------------
// The business day.

#[test]
fn rollover_expires_open_tickets_closes_counters_and_logs_staff_out() {
    let mut fx = Fx::busy();
    fx.at(ROLLOVER - 1);
    assert!(fx.st.rollover(fx.now).is_empty(), "02:59:59.999 is still the same day");
    fx.at(ROLLOVER);
    let id = |n: &str| fx.t(n).id;
    // Open legs in queue order (the visit's first issue).
    let expired = vec![id("B001"), id("C001"), id("C002"), id("A003"), id("A005")];
    let events = fx.st.rollover(fx.now);
    use EventData as E;
    let closed_out =
        |c: u32, s: &str| [E::CounterClosed { counter: c }, E::StaffLoggedOut { counter: c, staff: s.into() }];
    let mut want: Vec<EventData> = Vec::new();
    for (c, s) in [(1, "1001"), (2, "1002"), (3, "1003"), (5, "1005")] {
        want.extend(closed_out(c, s));
    }
    want.push(E::DayClosed { day: date(DAY0), next_day: date((2026, 11, 28)), expired: expired.clone() });
    assert_eq!(events, want);
    // The engine applies them; the changes report each expired leg.
    let before = fx.st.clone();
    let mut changed = Vec::new();
    for e in &events {
        changed.extend(fx.st.apply(fx.now, e).tickets);
    }
    assert_eq!(changed.len(), expired.len());
    for t in &changed {
        assert_eq!((t.state, t.ended_at), (TicketState::Expired, Some(ROLLOVER)));
        assert!(expired.contains(&t.id));
        assert!(!before.ticket(t.id).unwrap().state.is_final());
    }
    assert_eq!(fx.st.day(), date((2026, 11, 28)));
    assert_eq!(fx.st.tickets().count(), 0, "yesterday's tickets leave the state");
    for c in fx.st.counters() {
        assert_eq!((c.status, &c.staff, c.current), (CounterStatus::Closed, &None, None));
        assert_eq!(c.priority_streak, 0);
    }
    assert!(fx.st.rollover(fx.now).is_empty(), "rollover happens once");
    // Numbers restart at 001.
    fx.staff_open(1, "1001");
    let t = fx.issue("PAY");
    assert_eq!((t.number.as_str(), t.business_day), ("A001", date((2026, 11, 28))));
    assert_eq!(fx.issue("ASK").number, "C001");
}

#[test]
fn rollover_skips_to_the_day_of_now_after_a_long_pause() {
    let mut fx = Fx::busy();
    fx.at(ROLLOVER + 3 * 24 * 60 * MIN + 7 * 60 * MIN);
    let events = fx.rollover();
    assert!(matches!(
        events.last(),
        Some(EventData::DayClosed { next_day, .. }) if *next_day == date((2026, 12, 1))
    ));
    assert_eq!(fx.issue("PAY").business_day, date((2026, 12, 1)));
}

#[test]
fn a_quiet_day_rolls_over_with_nothing_to_expire() {
    let mut fx = Fx::small();
    fx.at(ROLLOVER);
    assert_eq!(
        fx.rollover(),
        vec![EventData::DayClosed { day: date(DAY0), next_day: date((2026, 11, 28)), expired: vec![] }]
    );
}

// ---------------------------------------------------------------------------
// Timing.

#[test]
fn wait_walkup_handling_and_visit_are_measured_per_leg_in_millis() {
    let mut fx = Fx::small();
    fx.staff_open(1, "1001");
    fx.staff_open(2, "1002");
    fx.issue("PAY"); // A001 at T0
    fx.at(T0 + MIN);
    fx.issue("PAY"); // A002 at T0 + 1'
    fx.at(T0 + 5 * MIN);
    fx.call_next(1);
    fx.at(T0 + 6 * MIN);
    fx.ok(Command::Recall { counter: 1 });
    fx.at(T0 + 7 * MIN + 500);
    fx.ok(Command::Start { counter: 1 });
    fx.at(T0 + 11 * MIN);
    fx.ok(Command::Finish { counter: 1, resolution: Resolution::Completed });
    let a = fx.t("A001");
    assert_eq!(a.wait_ms(), Some(5 * MIN));
    assert_eq!(a.walkup_ms(), Some(MIN + 500), "from the recall the customer answered");
    assert_eq!(a.handling_ms(), Some(4 * MIN - 500));
    assert_eq!(a.visit_ms(), Some(11 * MIN));

    // A002: called at 12', started at 13', transferred to NEW at 15'.
    fx.at(T0 + 12 * MIN);
    fx.call_next(1);
    fx.at(T0 + 13 * MIN);
    fx.ok(Command::Start { counter: 1 });
    fx.at(T0 + 15 * MIN);
    fx.ok(Command::Transfer { counter: 1, to: TransferTarget::Service("NEW".into()) });
    let leg1 = fx.leg("A002", 1);
    assert_eq!(leg1.wait_ms(), Some(11 * MIN));
    assert_eq!(leg1.handling_ms(), Some(2 * MIN));
    assert_eq!(leg1.visit_ms(), None, "a transferred leg is not a finished visit");
    // Leg 2 waits from the transfer: called at 20', served 21'–30'.
    fx.at(T0 + 20 * MIN);
    assert_eq!(fx.call_next(2).number, "A002");
    fx.at(T0 + 21 * MIN);
    fx.ok(Command::Start { counter: 2 });
    fx.at(T0 + 30 * MIN);
    fx.ok(Command::Finish { counter: 2, resolution: Resolution::Accepted });
    let leg2 = fx.t("A002");
    assert_eq!(leg2.leg, 2);
    assert_eq!(leg2.wait_ms(), Some(5 * MIN));
    assert_eq!(leg2.walkup_ms(), Some(MIN));
    assert_eq!(leg2.handling_ms(), Some(9 * MIN));
    assert_eq!(leg2.visit_ms(), Some(29 * MIN), "visit spans every leg");
}

#[test]
fn durations_are_unknown_until_their_events_happen() {
    let fx = Fx::busy();
    let waiting = fx.t("A005");
    assert_eq!(
        (waiting.wait_ms(), waiting.walkup_ms(), waiting.handling_ms(), waiting.visit_ms()),
        (None, None, None, None)
    );
    let called = fx.t("A003");
    assert!(called.wait_ms().is_some());
    assert_eq!((called.walkup_ms(), called.handling_ms()), (None, None));
    let serving = fx.t("B001");
    assert!(serving.walkup_ms().is_some());
    assert_eq!((serving.handling_ms(), serving.visit_ms()), (None, None));
    let cancelled = fx.t("A004");
    assert_eq!((cancelled.wait_ms(), cancelled.visit_ms()), (None, None));
}

#[test]
fn estimated_wait_is_people_ahead_times_recent_handling_over_open_counters() {
    let mut fx = Fx::small();
    // No counter open: unknown.
    let t = fx.issue("PAY");
    assert_eq!((t.people_ahead, t.estimated_wait_ms), (0, None));
    // One counter, no history: the target handling (4') stands in.
    fx.staff_open(1, "1001");
    let t = fx.issue("PAY");
    assert_eq!((t.people_ahead, t.estimated_wait_ms), (1, Some(4 * MIN)));
    // Serve both with handling 3' and 6': recent mean 4.5'.
    for h in [3 * MIN, 6 * MIN] {
        fx.call_next(1);
        fx.ok(Command::Start { counter: 1 });
        fx.tick(h);
        fx.ok(Command::Finish { counter: 1, resolution: Resolution::Completed });
    }
    fx.staff_open(2, "1002");
    fx.staff_open(4, "1004");
    assert_eq!(fx.st.open_counters_for("PAY"), 3);
    for _ in 0..4 {
        fx.issue("PAY");
    }
    fx.issue_as("PAY", PriorityClass::Priority);
    // Five ahead (the priority ticket too) × 4.5' ÷ 3 counters = 7.5'.
    let t = fx.issue("PAY");
    assert_eq!(t.people_ahead, 5);
    assert_eq!(t.estimated_wait_ms, Some(5 * (9 * MIN / 2) / 3));
    // A priority customer only waits behind priority tickets.
    let p = fx.issue_as("PAY", PriorityClass::Priority);
    assert_eq!((p.people_ahead, p.estimated_wait_ms), (1, Some(9 * MIN / 2 / 3)));
    // Other services keep their own history.
    let ask = fx.issue("ASK");
    assert_eq!((ask.people_ahead, ask.estimated_wait_ms), (0, Some(0)));
    let ask2 = fx.issue("ASK");
    assert_eq!(ask2.estimated_wait_ms, Some(5 * MIN));
    // The estimate the state reports is the one the kiosk prints.
    let pay = fx.st.service("PAY").unwrap().clone();
    let (ahead, est) = fx.st.estimate_for(&pay, PriorityClass::Normal);
    assert_eq!((ahead, est), (7, Some(7 * (9 * MIN / 2) / 3)));
}

#[test]
fn the_estimate_uses_only_the_most_recent_handling_times() {
    let mut fx = Fx::small();
    fx.staff_open(4, "1004");
    // 5 slow (20') then 20 fast (2') services: only the 20 fast count.
    for i in 0..25 {
        fx.issue("PAY");
        fx.call_next(4);
        fx.ok(Command::Start { counter: 4 });
        fx.tick(if i < 5 { 20 * MIN } else { 2 * MIN });
        fx.ok(Command::Finish { counter: 4, resolution: Resolution::Completed });
    }
    fx.issue("PAY");
    let t = fx.issue("PAY");
    assert_eq!(t.estimated_wait_ms, Some(2 * MIN));
}

// ---------------------------------------------------------------------------
// Routing.

#[test]
fn call_next_takes_priority_tickets_first() {
    let mut fx = Fx::small();
    fx.staff_open(4, "1004");
    fx.issue("PAY");
    fx.tick(SEC);
    let p = fx.issue_as("PAY", PriorityClass::Priority);
    assert_eq!(fx.reference_pick(4), Some(p.id));
    assert_eq!(fx.call_next(4).id, p.id);
}

#[test]
fn every_priority_class_but_normal_goes_first() {
    for class in [PriorityClass::Priority, PriorityClass::Appointment, PriorityClass::Vip] {
        let mut fx = Fx::small();
        fx.staff_open(4, "1004");
        fx.issue("PAY");
        fx.tick(SEC);
        fx.issue_as("PAY", class);
        assert_eq!(fx.call_next(4).number, "A002", "{class:?}");
        assert_eq!(PriorityClass::parse(class.as_str()), Some(class));
    }
}

#[test]
fn after_max_priority_in_row_priority_calls_a_waiting_normal_ticket_goes_next() {
    let mut fx = Fx::small();
    fx.staff_open(4, "1004"); // [PAY] fifo, at most 2 priority in a row
    fx.issue("PAY"); // A001 normal
    for _ in 0..4 {
        fx.tick(SEC);
        fx.issue_as("PAY", PriorityClass::Priority); // A002..A005
    }
    fx.tick(SEC);
    fx.issue("PAY"); // A006 normal
    let mut order = Vec::new();
    for _ in 0..6 {
        let want = fx.reference_pick(4);
        let n = fx.serve_next(4);
        assert_eq!(Some(fx.t(&n).id), want);
        order.push(n);
    }
    assert_eq!(order, ["A002", "A003", "A001", "A004", "A005", "A006"]);
}

#[test]
fn with_no_normal_ticket_waiting_priority_tickets_keep_going_first() {
    let mut fx = Fx::small();
    fx.staff_open(4, "1004");
    for _ in 0..3 {
        fx.issue_as("PAY", PriorityClass::Vip);
    }
    for _ in 0..3 {
        fx.serve_next(4);
    }
    assert_eq!(fx.st.counter(4).unwrap().priority_streak, 3);
    // The streak is past the limit: a normal arrival goes next, then priority.
    fx.issue_as("PAY", PriorityClass::Vip);
    fx.issue("PAY");
    assert_eq!(fx.serve_next(4), "A005");
    assert_eq!(fx.serve_next(4), "A004");
}

#[test]
fn a_counter_without_a_priority_limit_always_calls_priority_first() {
    let mut fx = Fx::small();
    fx.staff_open(3, "1003"); // [ASK], no limit
    fx.issue("ASK");
    for _ in 0..4 {
        fx.issue_as("ASK", PriorityClass::Priority);
    }
    let order: Vec<_> = (0..5).map(|_| fx.serve_next(3)).collect();
    assert_eq!(order, ["C002", "C003", "C004", "C005", "C001"]);
}

#[test]
fn calling_by_number_does_not_count_toward_the_priority_mix() {
    let mut fx = Fx::small();
    fx.staff_open(4, "1004");
    fx.issue("PAY"); // A001
    for _ in 0..4 {
        fx.issue_as("PAY", PriorityClass::Priority); // A002..A005
    }
    fx.serve_next(4); // A002, streak 1
    fx.ok(Command::CallNumber { counter: 4, ticket: num("A004") });
    fx.ok(Command::NoShow { counter: 4 });
    assert_eq!(fx.st.counter(4).unwrap().priority_streak, 1);
    assert_eq!(fx.serve_next(4), "A003");
    assert_eq!(fx.serve_next(4), "A001");
    assert_eq!(fx.st.counter(4).unwrap().priority_streak, 0);
}

#[test]
fn closing_a_counter_resets_its_priority_streak() {
    let mut fx = Fx::small();
    fx.staff_open(4, "1004");
    fx.issue("PAY");
    for _ in 0..3 {
        fx.issue_as("PAY", PriorityClass::Priority);
    }
    fx.serve_next(4);
    fx.serve_next(4);
    fx.ok(Command::CloseCounter { counter: 4 });
    fx.ok(Command::OpenCounter { counter: 4 });
    assert_eq!(fx.serve_next(4), "A004");
}

#[test]
fn an_overdue_normal_ticket_goes_before_other_normal_tickets() {
    let mut fx = Fx::small();
    fx.staff_open(1, "1001"); // [PAY, ASK] ordered
    fx.issue("ASK"); // C001 at T0, target wait 15'
    fx.at(T0 + 10 * MIN);
    fx.issue("PAY"); // A001
    fx.at(T0 + 15 * MIN);
    // Exactly at the target is not past it: PAY comes first by order.
    let mut early = fx.clone();
    assert_eq!(early.reference_pick(1), Some(early.t("A001").id));
    assert_eq!(early.call_next(1).number, "A001");
    fx.at(T0 + 15 * MIN + 1);
    assert_eq!(fx.reference_pick(1), Some(fx.t("C001").id));
    assert_eq!(fx.call_next(1).number, "C001");
}

#[test]
fn priority_still_goes_before_an_overdue_normal_ticket() {
    let mut fx = Fx::small();
    fx.staff_open(1, "1001");
    fx.issue("ASK");
    fx.at(T0 + 20 * MIN);
    fx.issue_as("PAY", PriorityClass::Priority);
    assert_eq!(fx.call_next(1).number, "A001");
}

#[test]
fn the_oldest_overdue_ticket_goes_first_across_services() {
    let mut fx = Fx::small();
    fx.ok(Command::DefineService { service: service("ASK", 'C', 5, 5) });
    fx.staff_open(1, "1001"); // [PAY, ASK] ordered
    fx.issue("PAY"); // A001 at T0, target 15'
    fx.at(T0 + MIN);
    fx.issue("ASK"); // C001 at 1', target 5'
    fx.at(T0 + 7 * MIN);
    // Only C001 is overdue: it goes before A001 despite the counter's order.
    assert_eq!(fx.call_next(1).number, "C001");
}

#[test]
fn overdue_is_judged_on_the_legs_own_wait_not_the_visits() {
    let mut fx = Fx::busy();
    // B001's visit began at T0+1s; its new PAY leg starts waiting at the transfer.
    fx.at(T0 + 30 * MIN);
    fx.ok(Command::Transfer { counter: 2, to: TransferTarget::Service("PAY".into()) });
    fx.ok(Command::NoShow { counter: 1 });
    fx.ok(Command::Cancel { ticket: num("C001") });
    fx.issue("PAY"); // A006, newest
    // A005 (issued ~T0+10') is overdue at T0+30'; B001's new leg is not,
    // although its visit is older.
    assert_eq!(fx.reference_pick(1), Some(fx.t("A005").id));
    assert_eq!(fx.call_next(1).number, "A005");
    assert_eq!(fx.serve_next(2), "B001");
}

#[test]
fn fifo_takes_the_oldest_across_services_and_ordered_the_first_service() {
    let mut fx = Fx::small();
    fx.staff_open(1, "1001"); // [PAY, ASK] ordered
    fx.issue("ASK"); // C001
    fx.tick(MIN);
    fx.issue("PAY"); // A001
    let mut ordered = fx.clone();
    assert_eq!(ordered.call_next(1).number, "A001");
    fx.ok(Command::DefineCounter { counter: counter(1, &["PAY", "ASK"], RoutingOrder::Fifo, Some(2)) });
    assert_eq!(fx.reference_pick(1), Some(fx.t("C001").id));
    assert_eq!(fx.call_next(1).number, "C001");
}

#[test]
fn ordered_priority_tickets_also_follow_the_counters_service_order() {
    let mut fx = Fx::small();
    fx.staff_open(1, "1001"); // [PAY, ASK] ordered
    fx.issue_as("ASK", PriorityClass::Priority);
    fx.tick(MIN);
    fx.issue_as("PAY", PriorityClass::Priority);
    assert_eq!(fx.call_next(1).number, "A001");
}

#[test]
fn a_ticket_sent_to_a_named_counter_is_called_there_and_nowhere_else() {
    let mut fx = Fx::busy();
    fx.ok(Command::DefineCounter { counter: counter(4, &["PAY"], RoutingOrder::Ordered, Some(2)) });
    fx.staff_open(4, "1004");
    fx.issue("PAY");
    // A005 waits in PAY; C002's leg waits for counter 4 by name and goes first
    // (rank 0), then the PAY queue.
    assert_eq!(fx.reference_pick(4), Some(fx.t("C002").id));
    assert_eq!(fx.serve_next(4), "C002");
    assert_eq!(fx.serve_next(4), "A005");
    // Counter 1, which also serves PAY, never saw C002.
    assert_eq!(fx.t("C002").counter, Some(4));
}

#[test]
fn a_transferred_customer_keeps_their_place_in_the_new_queue() {
    let mut fx = Fx::small();
    fx.staff_open(2, "1002"); // [NEW, PAY] fifo
    fx.staff_open(4, "1004"); // [PAY]
    fx.issue("NEW"); // B001 at T0
    fx.tick(MIN);
    fx.issue("PAY"); // A001 at T0+1'
    fx.tick(MIN);
    assert_eq!(fx.call_next(2).number, "B001");
    fx.ok(Command::Start { counter: 2 });
    fx.tick(MIN);
    fx.ok(Command::Transfer { counter: 2, to: TransferTarget::Service("PAY".into()) });
    // B001's visit is older than A001: it is called first at counter 4.
    assert_eq!(fx.call_next(4).number, "B001");
}

#[test]
fn call_next_with_nobody_waiting_for_the_counter_is_queue_empty() {
    let mut fx = Fx::small();
    fx.staff_open(5, "1005");
    fx.issue("PAY");
    assert_eq!(fx.reference_pick(5), None);
    assert_eq!(fx.rejects(Command::CallNext { counter: 5 }), CoreError::QueueEmpty(5));
}

// ---------------------------------------------------------------------------
// Snapshots, names and messages.

#[test]
fn restoring_a_snapshot_gives_back_the_same_state() {
    let mut fx = Fx::busy();
    let restored = HallState::restore(fx.st.snapshot()).unwrap();
    assert_eq!(restored, fx.st);
    // Including after queues were emptied by calls and cancels.
    fx.ok(Command::Cancel { ticket: num("C001") });
    fx.ok(Command::Cancel { ticket: num("C002") });
    let restored = HallState::restore(fx.st.snapshot()).unwrap();
    assert_eq!(restored, fx.st);
    // And it keeps numbering where the live state was.
    let mut back = Fx { st: restored, ..fx.clone() };
    assert_eq!(back.issue("PAY").number, fx.issue("PAY").number);
    assert!(HallState::restore(crate::HallSnapshot::default()).is_none());
}

#[test]
fn state_names_round_trip_and_exactly_five_states_are_final() {
    for s in TicketState::ALL {
        assert_eq!(TicketState::parse(s.as_str()), Some(s));
    }
    let finals: Vec<_> = TicketState::ALL.into_iter().filter(|s| s.is_final()).collect();
    assert_eq!(finals.len(), 5);
    for s in [CounterStatus::Closed, CounterStatus::Open, CounterStatus::Paused] {
        assert_eq!(CounterStatus::parse(s.as_str()), Some(s));
    }
    for r in [
        LowScoreReason::Efficiency,
        LowScoreReason::Skill,
        LowScoreReason::Attitude,
        LowScoreReason::Environment,
        LowScoreReason::Procedure,
    ] {
        assert_eq!(LowScoreReason::parse(r.as_str()), Some(r));
    }
}

/// One value of every [`CoreError`] variant. The `match` below fails to
/// compile when a variant is added, so this list cannot fall behind.
fn every_error() -> Vec<CoreError> {
    use CoreError as E;
    let all = vec![
        E::UnknownService("PAY".into()),
        E::ServiceDisabled("PAY".into()),
        E::UnknownCounter(3),
        E::UnknownStaff("1001".into()),
        E::StaffInactive("1001".into()),
        E::UnknownTicket("A001".into()),
        E::HallClosed,
        E::CounterClosed(3),
        E::CounterPaused(3),
        E::CounterAlreadyOpen(3),
        E::CounterNotPaused(3),
        E::NoStaffAtCounter(3),
        E::CounterHasStaff { counter: 3, staff: "1001".into() },
        E::StaffAtOtherCounter { staff: "1001".into(), counter: 3 },
        E::CurrentTicketOpen { counter: 3, number: "A001".into() },
        E::NoCurrentTicket(3),
        E::AlreadyServing("A001".into()),
        E::NotStarted("A001".into()),
        E::QueueEmpty(3),
        E::TicketNotWaiting { number: "A001".into(), state: "called" },
        E::ServiceNotAtCounter { counter: 3, service: "PAY".into() },
        E::TicketForOtherCounter { number: "A001".into(), counter: 3 },
        E::NumbersExhausted("PAY".into()),
        E::TransferToSameService("PAY".into()),
        E::AlreadyRated("A001".into()),
        E::NotRateable("A001".into()),
        E::InvalidRating("level 9".into()),
        E::UnknownFollowUp("A001".into()),
        invalid_text(&text::HALL_NAME, Blank),
        E::InvalidConfig { zh: "不对".into(), en: "wrong".into() },
        E::UnknownCaseType("RES_CONN".into()),
        E::CaseTypeInactive("RES_CONN".into()),
        E::UnknownCase("W251014-003".into()),
        E::CaseOnHold("W251014-003".into()),
        E::CaseNotOnHold("W251014-003".into()),
        E::StageNotOpen { case: "W251014-003".into(), stage: "PLAN".into() },
        E::InvalidCase { zh: "收件时间不对".into(), en: "wrong receipt time".into() },
    ];
    for e in &all {
        match e {
            E::UnknownService(_)
            | E::ServiceDisabled(_)
            | E::UnknownCounter(_)
            | E::UnknownStaff(_)
            | E::StaffInactive(_)
            | E::UnknownTicket(_)
            | E::HallClosed
            | E::CounterClosed(_)
            | E::CounterPaused(_)
            | E::CounterAlreadyOpen(_)
            | E::CounterNotPaused(_)
            | E::NoStaffAtCounter(_)
            | E::CounterHasStaff { .. }
            | E::StaffAtOtherCounter { .. }
            | E::CurrentTicketOpen { .. }
            | E::NoCurrentTicket(_)
            | E::AlreadyServing(_)
            | E::NotStarted(_)
            | E::QueueEmpty(_)
            | E::TicketNotWaiting { .. }
            | E::ServiceNotAtCounter { .. }
            | E::TicketForOtherCounter { .. }
            | E::NumbersExhausted(_)
            | E::TransferToSameService(_)
            | E::AlreadyRated(_)
            | E::NotRateable(_)
            | E::InvalidRating(_)
            | E::UnknownFollowUp(_)
            | E::InvalidText { .. }
            | E::InvalidConfig { .. }
            | E::UnknownCaseType(_)
            | E::CaseTypeInactive(_)
            | E::UnknownCase(_)
            | E::CaseOnHold(_)
            | E::CaseNotOnHold(_)
            | E::StageNotOpen { .. }
            | E::InvalidCase { .. } => {}
        }
    }
    all
}

#[test]
fn every_error_has_a_unique_code_and_distinct_nonempty_zh_and_en_messages() {
    let all = every_error();
    let codes: std::collections::HashSet<_> = all.iter().map(CoreError::code).collect();
    assert_eq!(codes.len(), all.len(), "codes are unique");
    for e in &all {
        let (zh, en) = (e.message_zh(), e.message_en());
        assert!(!zh.trim().is_empty() && !en.trim().is_empty(), "{e:?}");
        assert_ne!(zh, en, "{e:?}");
        assert!(!zh.is_ascii(), "zh is Chinese: {zh}");
        assert!(en.is_ascii(), "en is English: {en}");
        assert_eq!(e.to_string(), format!("{zh} / {en}"));
        assert!(e.code().bytes().all(|b| b.is_ascii_lowercase() || b == b'_'), "{}", e.code());
    }
}

#[test]
fn every_ticket_state_has_a_chinese_name_in_messages() {
    for s in TicketState::ALL {
        let e = CoreError::TicketNotWaiting { number: "A001".into(), state: s.as_str() };
        assert!(!e.message_zh().contains("未知"), "{}", e.message_zh());
        assert!(e.message_en().contains(s.as_str()));
    }
}

#[test]
fn a_prefix_in_use_today_cannot_move_until_the_day_ends() {
    let mut fx = Fx::small();
    fx.issue("PAY");
    // PAY printed A001 today: moving PAY to Z, or giving A to a new service
    // once PAY has left it, would make "A001" ambiguous.
    let err = fx.rejects(Command::DefineService { service: service("PAY", 'Z', 15, 4) });
    assert_eq!(err.code(), "invalid_config");
    assert!(err.message_en().contains("prefix A"), "{err}");
    // A prefix nobody printed today moves freely.
    fx.ok(Command::DefineService { service: service("NEW", 'Y', 15, 15) });
    // The next business day, PAY may move.
    fx.tick(24 * 60 * MIN);
    assert!(!fx.rollover().is_empty());
    fx.ok(Command::DefineService { service: service("PAY", 'Z', 15, 4) });
    assert_eq!(fx.issue("PAY").number, "Z001");
}

#[test]
fn a_ticket_sent_to_a_named_counter_can_go_back_to_its_service_queue() {
    let mut fx = Fx::busy();
    fx.staff_open(4, "1004");
    fx.ok(Command::CallNumber { counter: 4, ticket: num("C002") });
    let back = fx.ok(Command::Transfer { counter: 4, to: TransferTarget::Service("ASK".into()) }).ticket.unwrap();
    assert_eq!((back.service.as_str(), back.target_counter, back.leg), ("ASK", None, 3));
    assert!(fx.st.callable(3).iter().any(|t| t.id == back.id) || fx.st.waiting_count("ASK") >= 1);
}

#[test]
fn a_low_rating_opens_a_follow_up_due_in_15_working_days_until_closed() {
    let mut fx = Fx::busy();
    // A002 was rated 5: no follow-up. Rate A001 不满意 (2) for attitude.
    assert_eq!(fx.st.follow_ups().count(), 0);
    let out = fx.ok(Command::Rate { ticket: num("A001"), level: 2, reason: Some(LowScoreReason::Attitude) });
    assert_eq!(out.changes.follow_ups.len(), 1);
    let f = fx.st.follow_ups().next().unwrap().clone();
    assert_eq!((f.number.as_str(), f.level, f.reason), ("A001", 2, Some(LowScoreReason::Attitude)));
    assert_eq!(f.deadline, fx.st.hall().add_working_days(f.business_day, 15));
    assert!(f.deadline >= f.business_day + chrono::Duration::days(19), "15 working days span three weekends");
    assert!(!f.is_overdue(f.deadline) && f.is_overdue(f.deadline.succ_opt().unwrap()));
    // It survives the day rollover, unlike the day's tickets.
    fx.tick(24 * 60 * MIN);
    fx.rollover();
    assert_eq!(fx.st.follow_ups().count(), 1);
    let err = fx.rejects(Command::CloseFollowUp { ticket: f.ticket, note: "  ".into(), staff: None });
    assert_eq!(err, invalid_text(&text::FOLLOW_UP_NOTE, Blank));
    let closed = fx.ok(Command::CloseFollowUp {
        ticket: f.ticket,
        note: "已电话回访，致歉并整改 / called back".into(),
        staff: None,
    });
    assert_eq!(closed.changes.follow_ups[0].closed_at, Some(fx.now));
    assert_eq!(fx.st.follow_ups().count(), 0);
    assert_eq!(
        fx.rejects(Command::CloseFollowUp { ticket: f.ticket, note: "again".into(), staff: None }),
        CoreError::UnknownFollowUp(String::new()),
        "yesterday's ticket: no id in the message, a plain sentence"
    );
}

#[test]
fn a_low_rating_opens_a_follow_up_case_for_the_supervisor_and_both_close_together() {
    let mut fx = Fx::busy();
    // Without the catalogue's FOLLOW_UP type a low rating opens only the
    // follow-up (a hall created before cases existed).
    fx.ok(Command::Rate { ticket: num("A001"), level: 1, reason: None });
    assert_eq!((fx.st.follow_ups().count(), fx.st.cases().count()), (1, 0));

    for case_type in crate::commitment::default_catalogue() {
        fx.ok(Command::DefineCaseType { case_type });
    }
    // No supervisor yet: the case goes to the clerk who served.
    fx.ok(Command::Start { counter: 1 });
    fx.tick(2 * MIN);
    fx.ok(Command::Finish { counter: 1, resolution: Resolution::Completed });
    let out = fx.ok(Command::Rate { ticket: num("A003"), level: 2, reason: Some(LowScoreReason::Attitude) });
    assert_eq!(out.ticket.as_ref().map(|t| t.number.as_str()), Some("A003"), "the answer is still the rated ticket");
    let [EventData::TicketRated { .. }, EventData::CaseOpened { case }] = out.events.as_slice() else {
        panic!("{:?}", out.events)
    };
    let a003 = fx.st.tickets().find(|t| t.number == "A003").unwrap().clone();
    let follow_up = fx.st.follow_ups().find(|f| f.ticket == a003.id).unwrap().clone();
    assert_eq!((case.case_type.as_str(), case.ticket, case.staff.as_str()), ("FOLLOW_UP", Some(a003.id), "1001"));
    assert_eq!(case.note.as_deref(), Some("A003 号评价 2 分，原因 态度 / reason attitude / ticket A003 rated 2"));
    // Due at the end of the follow-up's last working day: the two agree.
    let due_day = fx.st.hall().local(case.due_at).date_naive();
    assert_eq!(due_day.pred_opt(), Some(follow_up.deadline));

    // A supervisor now: the next low rating's case is theirs. Closing the
    // follow-up closes the case in the closer's name.
    let mut sup = staff("1000", true);
    sup.role = StaffRole::Supervisor;
    fx.ok(Command::DefineStaff { staff: sup });
    fx.ok(Command::CallNext { counter: 1 });
    fx.ok(Command::Start { counter: 1 });
    fx.tick(MIN);
    let t = fx.ok(Command::Finish { counter: 1, resolution: Resolution::Completed }).ticket.unwrap();
    fx.ok(Command::Rate { ticket: TicketRef::Id(t.id), level: 1, reason: None });
    let second = fx.st.cases().find(|c| c.ticket == Some(t.id)).unwrap().clone();
    assert_eq!(second.staff, "1000");
    let closed =
        fx.ok(Command::CloseFollowUp { ticket: t.id, note: "已回访致歉".into(), staff: Some("1000".into()) });
    assert!(matches!(
        &closed.events[..],
        [EventData::FollowUpClosed { .. }, EventData::CaseClosed { case, outcome: CaseOutcome::Resolved, staff, note, .. }]
            if *case == second.id && staff == "1000" && note.as_deref() == Some("已回访致歉")
    ));
    assert!(fx.st.case(second.id).is_none());

    // Closing the case closes the follow-up, with a note saying so.
    let closed =
        fx.ok(Command::CloseCase { case: case.id, outcome: CaseOutcome::Resolved, note: None, staff: "1001".into() });
    assert!(matches!(
        &closed.events[..],
        [EventData::CaseClosed { .. }, EventData::FollowUpClosed { ticket, note }]
            if *ticket == a003.id && note.starts_with("随工单 W")
    ));
    assert!(fx.st.follow_ups().all(|f| f.ticket != a003.id));
    // A high rating opens neither.
    fx.ok(Command::CallNext { counter: 1 });
    fx.ok(Command::Start { counter: 1 });
    let t = fx.ok(Command::Finish { counter: 1, resolution: Resolution::Completed }).ticket.unwrap();
    let out = fx.ok(Command::Rate { ticket: TicketRef::Id(t.id), level: 4, reason: None });
    assert_eq!(out.events.len(), 1);
}

#[test]
fn a_clock_step_moves_the_day_and_its_tickets_and_keeps_every_duration() {
    let mut fx = Fx::busy();
    let step = |fx: &mut Fx, by: Millis| {
        let e = fx.st.clock_stepped(fx.now, fx.now + by);
        fx.now += by;
        fx.st.apply(fx.now, &e);
        e
    };
    let durations = |fx: &Fx| {
        let mut d: Vec<_> = fx.st.tickets().map(|t| (t.id, t.wait_ms(), t.handling_ms(), t.visit_ms())).collect();
        d.sort();
        d
    };
    let before = durations(&fx);
    let a003_called = fx.t("A003").called_at.unwrap();
    let paused_since = fx.st.counter(3).unwrap().status_since;
    let c001_issued = fx.t("C001").issued_at;

    // Two days ahead: the day and every ticket of it move; nothing expires.
    let e = step(&mut fx, 2 * 24 * 60 * MIN);
    assert!(matches!(e, EventData::ClockStepped { day, .. } if day == date((2026, 11, 29))));
    assert_eq!(fx.st.day(), date((2026, 11, 29)));
    assert!(fx.st.tickets().all(|t| t.business_day == date((2026, 11, 29))));
    assert_eq!(fx.t("A003").called_at, Some(a003_called + 2 * 24 * 60 * MIN));
    assert_eq!(durations(&fx), before);
    assert!(fx.st.rollover(fx.now).is_empty(), "a step closes no day");
    fx.tick(MIN);
    assert_eq!(fx.issue("PAY").number, "A006", "numbers go on");
    fx.ok(Command::Start { counter: 1 });
    fx.tick(2 * MIN);
    fx.ok(Command::Finish { counter: 1, resolution: Resolution::Completed });
    fx.ok(Command::CallNumber { counter: 1, ticket: num("C001") });
    let waited = fx.t("C001").wait_ms().unwrap();
    assert_eq!(waited, fx.now - 2 * 24 * 60 * MIN - c001_issued, "C001 waited what really passed");

    // Corrected: back to the day it was, every duration still true.
    step(&mut fx, -2 * 24 * 60 * MIN);
    assert_eq!(fx.st.day(), date(DAY0));
    assert_eq!(fx.t("C001").wait_ms(), Some(waited));
    assert_eq!(fx.st.counter(3).unwrap().status_since, paused_since, "paused since, on the right clock");
    assert_eq!(fx.t("A003").called_at, Some(a003_called));

    // Once a day is closed, a step back never reopens it.
    fx.at(ROLLOVER);
    fx.rollover();
    step(&mut fx, -6 * 60 * MIN);
    assert_eq!(fx.st.day(), date((2026, 11, 28)), "the day stays, on the clock set back");
}

/// Every free-text field of a command follows `text`'s rule: a NUL, CR/LF,
/// a bidi override, a name of zero-width characters only or an overlong
/// appointment is refused with `invalid_text` and changes nothing.
#[test]
fn loose_text_in_any_command_is_refused_and_changes_nothing() {
    let mut fx = Fx::busy();
    let mut hall = fx.st.hall().clone();
    hall.name = "城关\0供电所".into();
    let mut notices = fx.st.hall().clone();
    notices.notices = vec!["今日\r\n停电".into()];
    let mut svc = service("PAY", 'A', 15, 4);
    svc.name_zh = "缴\u{202E}费".into();
    let mut ctr = counter(4, &["PAY"], RoutingOrder::Fifo, Some(2));
    ctr.name = "\u{200B}\u{200B}".into();
    let mut person = staff("1004", true);
    person.name = "王\u{2067}芳".into();
    let commands = [
        Command::ConfigureHall { hall },
        Command::ConfigureHall { hall: notices },
        Command::DefineService { service: svc },
        Command::DefineCounter { counter: ctr },
        Command::DefineStaff { staff: person },
        Command::PauseCounter { counter: 5, reason: "午休\n".repeat(2) },
        Command::Issue {
            service: "PAY".into(),
            priority: PriorityClass::Appointment,
            priority_reason: None,
            appointment: Some("Y".repeat(10_000)),
        },
    ];
    for cmd in commands {
        let e = fx.rejects(cmd.clone());
        assert_eq!(e.code(), "invalid_text", "{cmd:?}: {e}");
    }
}
