//! `HallState`: one hall in memory — its configuration, its counters and
//! today's tickets — that decides commands and applies events.
//!
//! The cycle is `decide` (on `&self`: validate a command against the current
//! state and produce events, or a [`CoreError`] and no change at all) then
//! `apply` (on `&mut self`: fold an already-decided event into the state; it
//! cannot fail). Replaying a log through `apply` rebuilds the same state,
//! which is how the store rebuilds its projections. The day rollover is a
//! separate step, [`HallState::rollover`], that the engine runs before each
//! command so that a rejected command never loses a rollover.

use std::collections::{BTreeMap, HashMap, VecDeque};

use chrono::NaiveDate;
use uuid::Uuid;

use crate::command::{Command, TicketRef, TransferTarget};
use crate::commitment::{Case, CaseOutcome, CaseType};
use crate::counter::{Counter, CounterStatus};
use crate::event::EventData;
use crate::follow_up::{FOLLOW_UP_WORKING_DAYS, FollowUp};
use crate::hall::Hall;
use crate::routing::{self, Queue, Source};
use crate::service::Service;
use crate::staff::Staff;
use crate::ticket::{PriorityClass, Rating, Ticket, TicketState};
use crate::timing::{self, RECENT_HANDLING_WINDOW};
use crate::{CoreError, Millis, text};

/// The highest daily number of a service: prefix + 3 digits.
pub const MAX_DAILY_NUMBER: u16 = 999;

/// One hall's live state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HallState {
    hall: Hall,
    day: NaiveDate,
    unclosed_from: NaiveDate,
    last_at: Millis,
    services: Vec<Service>,
    counters: BTreeMap<u32, Counter>,
    staff: BTreeMap<String, Staff>,
    tickets: HashMap<Uuid, Ticket>,
    queues: HashMap<String, Queue>,
    directed: BTreeMap<u32, Queue>,
    last_number: HashMap<String, u16>,
    recent_handling: HashMap<String, VecDeque<Millis>>,
    follow_ups: BTreeMap<Uuid, FollowUp>,
    case_types: Vec<CaseType>,
    cases: BTreeMap<Uuid, Case>,
    /// The business day of the last case opened and its number's sequence.
    case_seq: Option<(NaiveDate, u16)>,
}

mod cases;
pub use cases::MAX_DAILY_CASES;

/// Everything needed to restore a [`HallState`] without replaying the log:
/// what the store's projections hold. Serde too: the centre keeps one per
/// hall between batches (as JSON) rather than replaying the hall's log.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct HallSnapshot {
    /// The hall.
    pub hall: Option<Hall>,
    /// The current business day.
    pub day: Option<NaiveDate>,
    /// The day after the last closed one (`None`: no day was closed yet).
    pub unclosed_from: Option<NaiveDate>,
    /// The time of the last event.
    pub last_at: Millis,
    /// Services in kiosk order.
    pub services: Vec<Service>,
    /// Counters with their live state.
    pub counters: Vec<Counter>,
    /// Staff.
    pub staff: Vec<Staff>,
    /// Today's tickets (every leg).
    pub tickets: Vec<Ticket>,
    /// Recent handling times per service, oldest first.
    pub recent_handling: Vec<(String, Vec<Millis>)>,
    /// Open follow-ups of low ratings.
    pub follow_ups: Vec<FollowUp>,
    /// The commitment catalogue.
    pub case_types: Vec<CaseType>,
    /// Cases not closed yet.
    pub cases: Vec<Case>,
    /// The business day of the last case opened and its sequence.
    pub case_seq: Option<(NaiveDate, u16)>,
}

/// What applying one event changed, for the store's projections.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    /// Tickets as they are after the event.
    pub tickets: Vec<Ticket>,
    /// Counters as they are after the event.
    pub counters: Vec<Counter>,
    /// Follow-ups as they are after the event (opened or closed).
    pub follow_ups: Vec<FollowUp>,
    /// Case types as they are after the event.
    pub case_types: Vec<CaseType>,
    /// Cases as they are after the event (opened, worked or closed).
    pub cases: Vec<Case>,
}

/// The result of executing a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The events it produced, in order.
    pub events: Vec<EventData>,
    /// The ticket the command was about, as it is afterwards (the issued
    /// ticket, the called ticket, the finished ticket ...).
    pub ticket: Option<Ticket>,
    /// What changed, merged over all events.
    pub changes: Changes,
}

impl HallState {
    /// A new hall with no services, counters or staff yet, whose business day
    /// is the one of `now`.
    pub fn new(hall: Hall, now: Millis) -> Self {
        Self {
            day: hall.business_day(now),
            unclosed_from: NaiveDate::MIN,
            hall,
            last_at: now,
            services: Vec::new(),
            counters: BTreeMap::new(),
            staff: BTreeMap::new(),
            tickets: HashMap::new(),
            queues: HashMap::new(),
            directed: BTreeMap::new(),
            last_number: HashMap::new(),
            recent_handling: HashMap::new(),
            follow_ups: BTreeMap::new(),
            case_types: Vec::new(),
            cases: BTreeMap::new(),
            case_seq: None,
        }
    }

    /// Restores a state from the projections; `None` if the snapshot has no hall.
    pub fn restore(snap: HallSnapshot) -> Option<Self> {
        let hall = snap.hall?;
        let day = snap.day.unwrap_or_else(|| hall.business_day(snap.last_at));
        let mut st = Self::new(hall, snap.last_at);
        st.day = day;
        st.unclosed_from = snap.unclosed_from.unwrap_or(NaiveDate::MIN);
        st.services = snap.services;
        st.counters = snap.counters.into_iter().map(|c| (c.number, c)).collect();
        st.staff = snap.staff.into_iter().map(|s| (s.number.clone(), s)).collect();
        for t in snap.tickets {
            if t.leg == 1
                && t.business_day == day
                && let Some(n) = t.number.get(1..).and_then(|d| d.parse::<u16>().ok())
            {
                let last = st.last_number.entry(t.service.clone()).or_default();
                *last = (*last).max(n);
            }
            if t.state == TicketState::Waiting {
                st.enqueue(&t);
            }
            st.tickets.insert(t.id, t);
        }
        st.follow_ups = snap.follow_ups.into_iter().filter(|f| f.closed_at.is_none()).map(|f| (f.ticket, f)).collect();
        st.case_types = snap.case_types;
        st.cases = snap.cases.into_iter().filter(|c| c.closed_at.is_none()).map(|c| (c.id, c)).collect();
        st.case_seq = snap.case_seq;
        st.recent_handling = snap
            .recent_handling
            .into_iter()
            .map(|(s, v)| (s, v.into_iter().rev().take(RECENT_HANDLING_WINDOW).rev().collect()))
            .collect();
        Some(st)
    }

    /// The snapshot [`HallState::restore`] takes.
    pub fn snapshot(&self) -> HallSnapshot {
        let mut tickets: Vec<Ticket> = self.tickets.values().cloned().collect();
        tickets.sort_by_key(|t| (t.visit_issued_at, t.issued_at, t.id));
        let mut recent: Vec<(String, Vec<Millis>)> =
            self.recent_handling.iter().map(|(s, v)| (s.clone(), v.iter().copied().collect())).collect();
        recent.sort();
        HallSnapshot {
            hall: Some(self.hall.clone()),
            day: Some(self.day),
            unclosed_from: Some(self.unclosed_from),
            last_at: self.last_at,
            services: self.services.clone(),
            counters: self.counters.values().cloned().collect(),
            staff: self.staff.values().cloned().collect(),
            tickets,
            recent_handling: recent,
            follow_ups: self.follow_ups.values().cloned().collect(),
            case_types: self.case_types.clone(),
            cases: self.cases.values().cloned().collect(),
            case_seq: self.case_seq,
        }
    }

    /// The hall.
    pub fn hall(&self) -> &Hall {
        &self.hall
    }

    /// The current business day.
    pub fn day(&self) -> NaiveDate {
        self.day
    }

    /// The time of the last applied event.
    pub fn last_at(&self) -> Millis {
        self.last_at
    }

    /// Services in kiosk order.
    pub fn services(&self) -> &[Service] {
        &self.services
    }

    /// A service by code.
    pub fn service(&self, code: &str) -> Option<&Service> {
        self.services.iter().find(|s| s.code == code)
    }

    /// Counters by number.
    pub fn counters(&self) -> impl Iterator<Item = &Counter> {
        self.counters.values()
    }

    /// A counter by number.
    pub fn counter(&self, number: u32) -> Option<&Counter> {
        self.counters.get(&number)
    }

    /// Staff by number.
    pub fn staff(&self) -> impl Iterator<Item = &Staff> {
        self.staff.values()
    }

    /// One staff member by number.
    pub fn staff_member(&self, number: &str) -> Option<&Staff> {
        self.staff.get(number)
    }

    /// Today's tickets, every leg, in no particular order.
    pub fn tickets(&self) -> impl Iterator<Item = &Ticket> {
        self.tickets.values()
    }

    /// A ticket of today by id.
    pub fn ticket(&self, id: Uuid) -> Option<&Ticket> {
        self.tickets.get(&id)
    }

    /// Open follow-ups of low ratings, by ticket.
    pub fn follow_ups(&self) -> impl Iterator<Item = &FollowUp> {
        self.follow_ups.values()
    }

    /// How many tickets wait for a service (not counting those transferred
    /// to a named counter).
    pub fn waiting_count(&self, service: &str) -> usize {
        self.queues.get(service).map_or(0, Queue::len)
    }

    /// Counters that are open, staffed and serve a service.
    pub fn open_counters_for(&self, service: &str) -> u32 {
        let n = self
            .counters
            .values()
            .filter(|c| c.status == CounterStatus::Open && c.staff.is_some() && c.services.iter().any(|s| s == service))
            .count();
        u32::try_from(n).unwrap_or(u32::MAX)
    }

    /// The estimated wait of a new ticket of this service and class now.
    pub fn estimate_for(&self, service: &Service, priority: PriorityClass) -> (u32, Option<Millis>) {
        let q = self.queues.get(&service.code);
        let ahead = q.map_or(0, |q| q.ahead_of_new(priority != PriorityClass::Normal));
        let ahead = u32::try_from(ahead).unwrap_or(u32::MAX);
        let recent: Vec<Millis> =
            self.recent_handling.get(&service.code).map(|v| v.iter().copied().collect()).unwrap_or_default();
        let est =
            timing::estimate_wait(ahead, &recent, service.target_handling_ms(), self.open_counters_for(&service.code));
        (ahead, est)
    }

    /// The events that close the business day, if `now` is in a later one:
    /// counters close, staff log out, every open ticket expires. Empty when
    /// the day has not changed. The engine applies these before a command.
    pub fn rollover(&self, now: Millis) -> Vec<EventData> {
        let next_day = self.hall.business_day(now);
        if next_day <= self.day {
            return Vec::new();
        }
        let mut events = Vec::new();
        for c in self.counters.values() {
            if c.status != CounterStatus::Closed {
                events.push(EventData::CounterClosed { counter: c.number });
            }
            if let Some(s) = &c.staff {
                events.push(EventData::StaffLoggedOut { counter: c.number, staff: s.clone() });
            }
        }
        let mut expired: Vec<&Ticket> = self.tickets.values().filter(|t| !t.state.is_final()).collect();
        expired.sort_by_key(|t| (t.visit_issued_at, t.issued_at, t.id));
        events.push(EventData::DayClosed {
            day: self.day,
            next_day,
            expired: expired.into_iter().map(|t| t.id).collect(),
        });
        events
    }

    /// The event of a wall-clock step from the hall's time `from` to the wall
    /// clock's `to`. The day follows the new clock, forwards or back, but never
    /// back onto a day already closed (its tickets are final and its numbers
    /// used). A step never closes a day by itself: the rollover does, as time
    /// passes, so a step and its correction leave the queue as it was.
    pub fn clock_stepped(&self, from: Millis, to: Millis) -> EventData {
        EventData::ClockStepped { from, to, day: self.hall.business_day(to).max(self.unclosed_from) }
    }

    /// Decides a command at `now`, then applies its events. On error nothing
    /// changed. `new_id` supplies ids for new tickets.
    pub fn execute(
        &mut self,
        cmd: &Command,
        now: Millis,
        new_id: &mut dyn FnMut() -> Uuid,
    ) -> Result<Outcome, CoreError> {
        let events = self.decide(cmd, now, new_id)?;
        let mut changes = Changes::default();
        for e in &events {
            let c = self.apply(now, e);
            changes.tickets.extend(c.tickets);
            changes.counters.extend(c.counters);
            changes.follow_ups.extend(c.follow_ups);
            changes.case_types.extend(c.case_types);
            changes.cases.extend(c.cases);
        }
        let ticket = events.iter().rev().find_map(EventData::subject).and_then(|id| self.tickets.get(&id).cloned());
        Ok(Outcome { events, ticket, changes })
    }

    /// Validates a command against the state and returns the events it
    /// produces, without changing anything.
    pub fn decide(
        &self,
        cmd: &Command,
        now: Millis,
        new_id: &mut dyn FnMut() -> Uuid,
    ) -> Result<Vec<EventData>, CoreError> {
        use EventData as E;
        Ok(match cmd {
            Command::DefineCaseType { .. }
            | Command::OpenCase { .. }
            | Command::CompleteCaseStage { .. }
            | Command::HoldCase { .. }
            | Command::ResumeCase { .. }
            | Command::TransferCase { .. }
            | Command::CloseCase { .. } => return self.decide_case(cmd, now, new_id),
            Command::Issue { service, priority, priority_reason, appointment } => {
                let svc = self.service(service).ok_or_else(|| CoreError::UnknownService(service.clone()))?;
                if !svc.enabled {
                    return Err(CoreError::ServiceDisabled(service.clone()));
                }
                if !self.hall.is_open(now) {
                    return Err(CoreError::HallClosed);
                }
                let n = self.last_number.get(service).copied().unwrap_or(0) + 1;
                if n > MAX_DAILY_NUMBER {
                    return Err(CoreError::NumbersExhausted(service.clone()));
                }
                // An empty field is no appointment number; anything else follows the text rule.
                let appointment = appointment.as_deref().filter(|a| !a.trim().is_empty());
                let appointment = text::check_opt(&text::APPOINTMENT, appointment)?;
                let (people_ahead, estimated_wait_ms) = self.estimate_for(svc, *priority);
                let id = new_id();
                vec![E::TicketIssued {
                    ticket: Ticket {
                        id,
                        visit_id: id,
                        leg: 1,
                        number: format!("{}{:03}", svc.prefix, n),
                        service: service.clone(),
                        priority: *priority,
                        priority_reason: priority_reason.filter(|_| *priority == PriorityClass::Priority),
                        appointment: appointment
                            .filter(|_| *priority == PriorityClass::Appointment)
                            .map(str::to_string),
                        business_day: self.day,
                        visit_issued_at: now,
                        issued_at: now,
                        called_at: None,
                        last_called_at: None,
                        recalls: 0,
                        started_at: None,
                        ended_at: None,
                        state: TicketState::Waiting,
                        resolution: None,
                        counter: None,
                        staff: None,
                        target_counter: None,
                        transferred_to: None,
                        rating: None,
                        rating_reason: None,
                        rated_at: None,
                        people_ahead,
                        estimated_wait_ms,
                        target_wait_ms: Some(svc.target_wait_ms()),
                        target_handling_ms: Some(svc.target_handling_ms()),
                    },
                }]
            }
            Command::CallNext { counter } => {
                let (c, staff) = self.ready_to_call(*counter)?;
                let id = self.pick(c, now).ok_or(CoreError::QueueEmpty(*counter))?;
                vec![E::TicketCalled { ticket: id, counter: *counter, staff, by_number: false }]
            }
            Command::CallNumber { counter, ticket } => {
                let (c, staff) = self.ready_to_call(*counter)?;
                let t = self.find(ticket)?;
                if t.state != TicketState::Waiting {
                    return Err(CoreError::TicketNotWaiting { number: t.number.clone(), state: t.state.as_str() });
                }
                match t.target_counter {
                    Some(tc) if tc != c.number => {
                        return Err(CoreError::TicketForOtherCounter { number: t.number.clone(), counter: tc });
                    }
                    None if !c.services.contains(&t.service) => {
                        return Err(CoreError::ServiceNotAtCounter { counter: c.number, service: t.service.clone() });
                    }
                    _ => {}
                }
                vec![E::TicketCalled { ticket: t.id, counter: *counter, staff, by_number: true }]
            }
            Command::Recall { counter } => {
                let t = self.current(*counter)?;
                self.require_called(t)?;
                if t.recalls >= self.hall.max_recalls {
                    vec![E::TicketNoShow { ticket: t.id, counter: *counter, automatic: true }]
                } else {
                    vec![E::TicketRecalled { ticket: t.id, counter: *counter }]
                }
            }
            Command::NoShow { counter } => {
                let t = self.current(*counter)?;
                self.require_called(t)?;
                vec![E::TicketNoShow { ticket: t.id, counter: *counter, automatic: false }]
            }
            Command::Start { counter } => {
                let t = self.current(*counter)?;
                self.require_called(t)?;
                vec![E::ServiceStarted { ticket: t.id, counter: *counter }]
            }
            Command::Finish { counter, resolution } => {
                let t = self.current(*counter)?;
                if t.state == TicketState::Called {
                    return Err(CoreError::NotStarted(t.number.clone()));
                }
                vec![E::TicketFinished { ticket: t.id, counter: *counter, resolution: *resolution }]
            }
            Command::Transfer { counter, to } => {
                let t = self.current(*counter)?;
                let (to_service, to_counter) = match to {
                    TransferTarget::Service(s) => {
                        let svc = self.service(s).ok_or_else(|| CoreError::UnknownService(s.clone()))?;
                        if !svc.enabled {
                            return Err(CoreError::ServiceDisabled(s.clone()));
                        }
                        // A leg waiting for a named counter may go back to its
                        // service's general queue.
                        if *s == t.service && t.target_counter.is_none() {
                            return Err(CoreError::TransferToSameService(s.clone()));
                        }
                        (s.clone(), None)
                    }
                    TransferTarget::Counter(n) => {
                        if !self.counters.contains_key(n) {
                            return Err(CoreError::UnknownCounter(*n));
                        }
                        if n == counter {
                            return Err(CoreError::config(
                                "不能转给本窗口",
                                "cannot transfer a ticket to its own counter",
                            ));
                        }
                        (t.service.clone(), Some(*n))
                    }
                };
                vec![E::TicketTransferred {
                    ticket: t.id,
                    counter: *counter,
                    new_ticket: new_id(),
                    to_service,
                    to_counter,
                }]
            }
            Command::Cancel { ticket } => {
                let t = self.find(ticket)?;
                if t.state != TicketState::Waiting {
                    return Err(CoreError::TicketNotWaiting { number: t.number.clone(), state: t.state.as_str() });
                }
                vec![E::TicketCancelled { ticket: t.id }]
            }
            Command::Rate { ticket, level, reason } => {
                let t = self.find(ticket)?;
                if t.state != TicketState::Done {
                    return Err(CoreError::NotRateable(t.number.clone()));
                }
                if t.rating.is_some() {
                    return Err(CoreError::AlreadyRated(t.number.clone()));
                }
                let rating = Rating::new(*level)
                    .ok_or_else(|| CoreError::InvalidRating(format!("level {level} (1–5 / 1-5)")))?;
                if reason.is_some() && !rating.is_low() {
                    return Err(CoreError::InvalidRating("reason only for 不满意/非常不满意 / low scores".into()));
                }
                let mut events = vec![E::TicketRated { ticket: t.id, rating, reason: *reason }];
                if rating.is_low() {
                    events.extend(self.follow_up_case(t, rating.level(), *reason, now, new_id));
                }
                events
            }
            Command::CloseFollowUp { ticket, note, staff } => {
                if !self.follow_ups.contains_key(ticket) {
                    // Named by its number when the ticket is today's; an id
                    // means nothing to a supervisor.
                    let number = self.tickets.get(ticket).map(|t| t.number.clone()).unwrap_or_default();
                    return Err(CoreError::UnknownFollowUp(number));
                }
                let note = text::check(&text::FOLLOW_UP_NOTE, note)?;
                let mut events = vec![E::FollowUpClosed { ticket: *ticket, note: note.to_string() }];
                // Its case closes with it, by whoever closed the follow-up
                // (the case's own staff member when no one is named).
                if let Some(c) = self.follow_up_case_of(*ticket) {
                    let staff = staff.clone().filter(|s| self.staff.get(s).is_some_and(|s| s.active));
                    events.push(E::CaseClosed {
                        case: c.id,
                        outcome: CaseOutcome::Resolved,
                        note: Some(note.to_string()),
                        staff: staff.unwrap_or_else(|| c.staff.clone()),
                        due_at: c.due_at,
                    });
                }
                events
            }
            Command::OpenCounter { counter } => {
                let c = self.counter_ref(*counter)?;
                match c.status {
                    CounterStatus::Open => return Err(CoreError::CounterAlreadyOpen(*counter)),
                    CounterStatus::Paused => return Err(CoreError::CounterPaused(*counter)),
                    CounterStatus::Closed => {}
                }
                if c.staff.is_none() {
                    return Err(CoreError::NoStaffAtCounter(*counter));
                }
                vec![E::CounterOpened { counter: *counter }]
            }
            Command::PauseCounter { counter, reason } => {
                let c = self.counter_ref(*counter)?;
                match c.status {
                    CounterStatus::Closed => return Err(CoreError::CounterClosed(*counter)),
                    CounterStatus::Paused => return Err(CoreError::CounterPaused(*counter)),
                    CounterStatus::Open => {}
                }
                self.require_idle(c)?;
                let reason = text::check(&text::PAUSE_REASON, reason)?;
                vec![E::CounterPaused { counter: *counter, reason: reason.to_string() }]
            }
            Command::ResumeCounter { counter } => {
                let c = self.counter_ref(*counter)?;
                if c.status != CounterStatus::Paused {
                    return Err(CoreError::CounterNotPaused(*counter));
                }
                vec![E::CounterResumed { counter: *counter }]
            }
            Command::CloseCounter { counter } => {
                let c = self.counter_ref(*counter)?;
                if c.status == CounterStatus::Closed {
                    return Err(CoreError::CounterClosed(*counter));
                }
                self.require_idle(c)?;
                vec![E::CounterClosed { counter: *counter }]
            }
            Command::Login { counter, staff } => {
                let c = self.counter_ref(*counter)?;
                let s = self.staff.get(staff).ok_or_else(|| CoreError::UnknownStaff(staff.clone()))?;
                if !s.active {
                    return Err(CoreError::StaffInactive(staff.clone()));
                }
                if let Some(other) = &c.staff {
                    return Err(CoreError::CounterHasStaff { counter: *counter, staff: other.clone() });
                }
                if let Some(elsewhere) = self.counters.values().find(|c| c.staff.as_ref() == Some(staff)) {
                    return Err(CoreError::StaffAtOtherCounter { staff: staff.clone(), counter: elsewhere.number });
                }
                vec![E::StaffLoggedIn { counter: *counter, staff: staff.clone() }]
            }
            Command::Logout { counter } => {
                let c = self.counter_ref(*counter)?;
                let staff = c.staff.clone().ok_or(CoreError::NoStaffAtCounter(*counter))?;
                self.require_idle(c)?;
                let mut events = Vec::new();
                if c.status != CounterStatus::Closed {
                    events.push(E::CounterClosed { counter: *counter });
                }
                events.push(E::StaffLoggedOut { counter: *counter, staff });
                events
            }
            Command::ConfigureHall { hall } => {
                if hall.id != self.hall.id {
                    return Err(CoreError::config("营业厅编号不能更改", "a hall's id cannot change"));
                }
                hall.validate()?;
                vec![E::HallConfigured { hall: hall.clone() }]
            }
            Command::DefineService { service } => {
                service.validate()?;
                if let Some(other) = self.services.iter().find(|s| s.prefix == service.prefix && s.code != service.code)
                {
                    return Err(CoreError::config(
                        format!("号码前缀 {} 已被业务“{}”使用", service.prefix, other.code),
                        format!("ticket prefix {} is already used by service '{}'", service.prefix, other.code),
                    ));
                }
                // Today's printed numbers must stay unambiguous: no prefix
                // moves while tickets carry it.
                let issued_today = |prefix: char| self.tickets.values().any(|t| t.number.starts_with(prefix));
                if let Some(old) = self.service(&service.code).filter(|old| old.prefix != service.prefix) {
                    if issued_today(old.prefix) || issued_today(service.prefix) {
                        return Err(CoreError::config(
                            format!("今日已有 {} 字头的号码，号码前缀须在换日后再改", old.prefix),
                            format!(
                                "tickets with prefix {} were issued today; change the prefix after the day ends",
                                old.prefix
                            ),
                        ));
                    }
                } else if self.service(&service.code).is_none() && issued_today(service.prefix) {
                    return Err(CoreError::config(
                        format!("今日已有 {} 字头的号码，请换一个前缀或换日后再用", service.prefix),
                        format!(
                            "tickets with prefix {} were issued today; choose another prefix or wait for the next day",
                            service.prefix
                        ),
                    ));
                }
                if self.services.len() >= 26 && self.service(&service.code).is_none() {
                    return Err(CoreError::config("最多 26 项业务（前缀 A–Z）", "at most 26 services (prefixes A-Z)"));
                }
                vec![E::ServiceDefined { service: service.clone() }]
            }
            Command::DefineCounter { counter } => {
                counter.validate()?;
                if let Some(s) = counter.services.iter().find(|s| self.service(s).is_none()) {
                    return Err(CoreError::UnknownService(s.clone()));
                }
                vec![E::CounterDefined { counter: counter.clone() }]
            }
            Command::DefineStaff { staff } => {
                staff.validate()?;
                if !staff.active
                    && let Some(c) = self.counters.values().find(|c| c.staff.as_ref() == Some(&staff.number))
                {
                    return Err(CoreError::StaffAtOtherCounter { staff: staff.number.clone(), counter: c.number });
                }
                vec![E::StaffDefined { staff: staff.clone() }]
            }
        })
    }

    /// Folds one decided event into the state. Never fails: an event is a fact.
    pub fn apply(&mut self, at: Millis, event: &EventData) -> Changes {
        use EventData as E;
        // Time only goes back at a clock step, whose time is the new clock's.
        self.last_at = if matches!(event, E::ClockStepped { .. }) { at } else { self.last_at.max(at) };
        let mut ch = Changes::default();
        match event {
            E::CaseTypeDefined { .. }
            | E::CaseOpened { .. }
            | E::CaseStageDone { .. }
            | E::CaseHeld { .. }
            | E::CaseResumed { .. }
            | E::CaseTransferred { .. }
            | E::CaseClosed { .. } => self.apply_case(at, event, &mut ch),
            E::HallConfigured { hall } => self.hall = hall.clone(),
            E::ServiceDefined { service } => match self.services.iter_mut().find(|s| s.code == service.code) {
                Some(s) => *s = service.clone(),
                None => self.services.push(service.clone()),
            },
            E::CounterDefined { counter: cfg } => {
                let c = self
                    .counters
                    .entry(cfg.number)
                    .or_insert_with(|| Counter::new(cfg.number, "", Vec::new(), cfg.policy));
                c.name = cfg.name.clone();
                c.name_en = cfg.name_en.clone();
                c.services = cfg.services.clone();
                c.policy = cfg.policy;
                ch.counters.push(c.clone());
            }
            E::StaffDefined { staff } => {
                self.staff.insert(staff.number.clone(), staff.clone());
            }
            E::TicketIssued { ticket } => {
                if let Some(n) = ticket.number.get(1..).and_then(|d| d.parse::<u16>().ok()) {
                    let last = self.last_number.entry(ticket.service.clone()).or_default();
                    *last = (*last).max(n);
                }
                self.enqueue(ticket);
                self.tickets.insert(ticket.id, ticket.clone());
                ch.tickets.push(ticket.clone());
            }
            E::TicketCalled { ticket, counter, staff, by_number } => {
                self.dequeue(*ticket);
                let priority = self.update_ticket(*ticket, &mut ch, |t| {
                    t.state = TicketState::Called;
                    t.called_at = t.called_at.or(Some(at));
                    t.last_called_at = Some(at);
                    t.counter = Some(*counter);
                    t.staff = Some(staff.clone());
                    t.is_priority()
                });
                self.update_counter(*counter, &mut ch, |c| {
                    c.current = Some(*ticket);
                    if !by_number {
                        c.priority_streak =
                            if priority == Some(true) { c.priority_streak.saturating_add(1) } else { 0 };
                    }
                });
            }
            E::TicketRecalled { ticket, .. } => {
                self.update_ticket(*ticket, &mut ch, |t| {
                    t.recalls += 1;
                    t.last_called_at = Some(at);
                });
            }
            E::TicketNoShow { ticket, counter, .. } => {
                self.end_ticket(*ticket, TicketState::NoShow, at, &mut ch);
                self.update_counter(*counter, &mut ch, |c| c.current = None);
            }
            E::ServiceStarted { ticket, .. } => {
                self.update_ticket(*ticket, &mut ch, |t| {
                    t.state = TicketState::Serving;
                    t.started_at = Some(at);
                });
            }
            E::TicketFinished { ticket, counter, resolution } => {
                self.update_ticket(*ticket, &mut ch, |t| t.resolution = Some(*resolution));
                ch.tickets.pop();
                self.end_ticket(*ticket, TicketState::Done, at, &mut ch);
                if let Some(t) = self.tickets.get(ticket)
                    && let Some(h) = t.handling_ms()
                {
                    let v = self.recent_handling.entry(t.service.clone()).or_default();
                    v.push_back(h);
                    while v.len() > RECENT_HANDLING_WINDOW {
                        v.pop_front();
                    }
                }
                self.update_counter(*counter, &mut ch, |c| c.current = None);
            }
            E::TicketTransferred { ticket, counter, new_ticket, to_service, to_counter } => {
                self.update_ticket(*ticket, &mut ch, |t| t.transferred_to = Some(*new_ticket));
                ch.tickets.pop();
                self.end_ticket(*ticket, TicketState::Transferred, at, &mut ch);
                self.update_counter(*counter, &mut ch, |c| c.current = None);
                // The new leg is judged by its new service's targets as they
                // stand now (events replay in order, so a rebuild agrees).
                let targets = self
                    .services
                    .iter()
                    .find(|s| s.code == *to_service)
                    .map(|s| (s.target_wait_ms(), s.target_handling_ms()));
                if let Some(old) = self.tickets.get(ticket) {
                    let leg = Ticket {
                        id: *new_ticket,
                        leg: old.leg + 1,
                        service: to_service.clone(),
                        business_day: self.day,
                        issued_at: at,
                        called_at: None,
                        last_called_at: None,
                        recalls: 0,
                        started_at: None,
                        ended_at: None,
                        state: TicketState::Waiting,
                        resolution: None,
                        counter: None,
                        staff: None,
                        target_counter: *to_counter,
                        transferred_to: None,
                        rating: None,
                        rating_reason: None,
                        rated_at: None,
                        people_ahead: 0,
                        estimated_wait_ms: None,
                        target_wait_ms: targets.map(|t| t.0),
                        target_handling_ms: targets.map(|t| t.1),
                        ..old.clone()
                    };
                    self.enqueue(&leg);
                    ch.tickets.push(leg.clone());
                    self.tickets.insert(leg.id, leg);
                }
            }
            E::TicketCancelled { ticket } => {
                self.dequeue(*ticket);
                self.end_ticket(*ticket, TicketState::Cancelled, at, &mut ch);
            }
            E::TicketRated { ticket, rating, reason } => {
                self.update_ticket(*ticket, &mut ch, |t| {
                    t.rating = Some(*rating);
                    t.rating_reason = *reason;
                    t.rated_at = Some(at);
                });
                if let (true, Some(t)) = (rating.is_low(), self.tickets.get(ticket)) {
                    let day = self.hall.business_day(at);
                    let f = FollowUp {
                        ticket: t.id,
                        number: t.number.clone(),
                        service: t.service.clone(),
                        counter: t.counter,
                        staff: t.staff.clone(),
                        level: rating.level(),
                        reason: *reason,
                        rated_at: at,
                        business_day: day,
                        deadline: self.hall.add_working_days(day, FOLLOW_UP_WORKING_DAYS),
                        closed_at: None,
                        note: None,
                    };
                    ch.follow_ups.push(f.clone());
                    self.follow_ups.insert(t.id, f);
                }
            }
            E::FollowUpClosed { ticket, note } => {
                if let Some(mut f) = self.follow_ups.remove(ticket) {
                    f.closed_at = Some(at);
                    f.note = Some(note.clone());
                    ch.follow_ups.push(f);
                }
            }
            E::CounterOpened { counter } | E::CounterResumed { counter } => {
                self.update_counter(*counter, &mut ch, |c| {
                    c.status = CounterStatus::Open;
                    c.pause_reason = None;
                    c.status_since = at;
                });
            }
            E::CounterPaused { counter, reason } => {
                self.update_counter(*counter, &mut ch, |c| {
                    c.status = CounterStatus::Paused;
                    c.pause_reason = Some(reason.clone());
                    c.status_since = at;
                });
            }
            E::CounterClosed { counter } => {
                self.update_counter(*counter, &mut ch, |c| {
                    c.status = CounterStatus::Closed;
                    c.pause_reason = None;
                    c.priority_streak = 0;
                    c.status_since = at;
                });
            }
            E::StaffLoggedIn { counter, staff } => {
                self.update_counter(*counter, &mut ch, |c| c.staff = Some(staff.clone()));
            }
            E::StaffLoggedOut { counter, .. } => {
                self.update_counter(*counter, &mut ch, |c| c.staff = None);
            }
            E::DayClosed { next_day, expired, .. } => {
                for id in expired {
                    self.dequeue(*id);
                    self.end_ticket(*id, TicketState::Expired, at, &mut ch);
                }
                for c in self.counters.values_mut() {
                    if c.current.is_some() || c.priority_streak != 0 {
                        c.current = None;
                        c.priority_streak = 0;
                        ch.counters.push(c.clone());
                    }
                }
                self.tickets.clear();
                self.queues.clear();
                self.directed.clear();
                self.last_number.clear();
                self.day = *next_day;
                self.unclosed_from = *next_day;
            }
            E::ClockSetBack { .. } => {}
            E::ClockStepped { from, to, day } => self.step_clock(to - from, *day, &mut ch),
        }
        ch
    }

    /// Moves the day's tickets and the counters' times by a clock step of
    /// `by`, and the day to `day`: durations measured across the step stay
    /// true, and the whole day reads on one clock, the new one.
    fn step_clock(&mut self, by: Millis, day: NaiveDate, ch: &mut Changes) {
        let mut moved: Vec<&mut Ticket> = self.tickets.values_mut().collect();
        moved.sort_by_key(|t| (t.visit_issued_at, t.issued_at, t.id));
        for t in moved {
            t.shift(by);
            t.business_day = day;
            ch.tickets.push(t.clone());
        }
        // Queues are ordered by issue time: rebuild them on the new clock.
        self.queues.clear();
        self.directed.clear();
        let waiting: Vec<Ticket> = self.tickets.values().filter(|t| t.state == TicketState::Waiting).cloned().collect();
        for t in &waiting {
            self.enqueue(t);
        }
        for c in self.counters.values_mut() {
            c.status_since += by;
            ch.counters.push(c.clone());
        }
        self.day = day;
    }

    fn counter_ref(&self, number: u32) -> Result<&Counter, CoreError> {
        self.counters.get(&number).ok_or(CoreError::UnknownCounter(number))
    }

    /// A counter that may call: open, staffed, with no open ticket.
    fn ready_to_call(&self, number: u32) -> Result<(&Counter, String), CoreError> {
        let c = self.counter_ref(number)?;
        match c.status {
            CounterStatus::Closed => return Err(CoreError::CounterClosed(number)),
            CounterStatus::Paused => return Err(CoreError::CounterPaused(number)),
            CounterStatus::Open => {}
        }
        let staff = c.staff.clone().ok_or(CoreError::NoStaffAtCounter(number))?;
        self.require_idle(c)?;
        Ok((c, staff))
    }

    fn require_idle(&self, c: &Counter) -> Result<(), CoreError> {
        match c.current.and_then(|id| self.tickets.get(&id)) {
            Some(t) => Err(CoreError::CurrentTicketOpen { counter: c.number, number: t.number.clone() }),
            None => Ok(()),
        }
    }

    fn current(&self, number: u32) -> Result<&Ticket, CoreError> {
        let c = self.counter_ref(number)?;
        c.current.and_then(|id| self.tickets.get(&id)).ok_or(CoreError::NoCurrentTicket(number))
    }

    fn require_called(&self, t: &Ticket) -> Result<(), CoreError> {
        match t.state {
            TicketState::Called => Ok(()),
            _ => Err(CoreError::AlreadyServing(t.number.clone())),
        }
    }

    /// Finds a ticket of today; by number, the visit's latest leg.
    fn find(&self, r: &TicketRef) -> Result<&Ticket, CoreError> {
        match r {
            TicketRef::Id(id) => self.tickets.get(id),
            TicketRef::Number(n) => {
                let n = n.trim().to_ascii_uppercase();
                self.tickets.values().filter(|t| t.number == n).max_by_key(|t| t.leg)
            }
        }
        .ok_or_else(|| CoreError::UnknownTicket(r.to_string()))
    }

    fn pick(&self, c: &Counter, now: Millis) -> Option<Uuid> {
        let empty = Queue::default();
        let mut sources =
            vec![Source { rank: 0, queue: self.directed.get(&c.number).unwrap_or(&empty), target_wait: None }];
        for (i, code) in c.services.iter().enumerate() {
            let target = self.service(code).map(Service::target_wait_ms);
            sources.push(Source { rank: i + 1, queue: self.queues.get(code).unwrap_or(&empty), target_wait: target });
        }
        let lookup = |id: Uuid| {
            let t = self.tickets.get(&id)?;
            Some((t.issued_at, self.service(&t.service).map_or(Millis::MAX, Service::target_wait_ms)))
        };
        routing::pick(c, &sources, now, &lookup)
    }

    /// Every waiting ticket `counter` may call, for the reference routing.
    pub fn callable(&self, counter: u32) -> Vec<&Ticket> {
        let Some(c) = self.counters.get(&counter) else {
            return Vec::new();
        };
        self.tickets
            .values()
            .filter(|t| t.state == TicketState::Waiting)
            .filter(|t| match t.target_counter {
                Some(n) => n == counter,
                None => c.services.contains(&t.service),
            })
            .collect()
    }

    fn enqueue(&mut self, t: &Ticket) {
        match t.target_counter {
            Some(n) => self.directed.entry(n).or_default().insert(t),
            None => self.queues.entry(t.service.clone()).or_default().insert(t),
        }
    }

    fn dequeue(&mut self, id: Uuid) {
        let Some(t) = self.tickets.get(&id) else {
            return;
        };
        // An emptied queue is removed, not kept: a state restored from a
        // snapshot only has queues with tickets, and must compare equal.
        match t.target_counter {
            Some(n) => {
                if let Some(q) = self.directed.get_mut(&n) {
                    q.remove(t);
                    if q.len() == 0 {
                        self.directed.remove(&n);
                    }
                }
            }
            None => {
                if let Some(q) = self.queues.get_mut(&t.service) {
                    q.remove(t);
                    if q.len() == 0 {
                        self.queues.remove(&t.service);
                    }
                }
            }
        }
    }

    fn update_ticket<R>(&mut self, id: Uuid, ch: &mut Changes, f: impl FnOnce(&mut Ticket) -> R) -> Option<R> {
        let t = self.tickets.get_mut(&id)?;
        let r = f(t);
        ch.tickets.push(t.clone());
        Some(r)
    }

    fn end_ticket(&mut self, id: Uuid, state: TicketState, at: Millis, ch: &mut Changes) {
        self.update_ticket(id, ch, |t| {
            t.state = state;
            t.ended_at = Some(at);
        });
    }

    fn update_counter(&mut self, number: u32, ch: &mut Changes, f: impl FnOnce(&mut Counter)) {
        if let Some(c) = self.counters.get_mut(&number) {
            f(c);
            ch.counters.push(c.clone());
        }
    }
}
