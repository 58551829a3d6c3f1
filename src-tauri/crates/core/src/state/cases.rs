//! The hall's cases (工单) in [`HallState`]: deciding case commands and
//! applying case events. The state keeps the catalogue and the cases not
//! closed yet (open or on hold); closed cases live in the projections only.

use uuid::Uuid;

use super::{Changes, HallState};
use crate::command::Command;
use crate::commitment::{
    self, Case, CaseState, CaseType, FOLLOW_UP_CASE, MAX_AHEAD_MS, MAX_BACKDATE_MS, MAX_CASE_TYPES, StageProgress,
};
use crate::event::EventData;
use crate::staff::{Staff, StaffRole};
use crate::ticket::{LowScoreReason, Ticket};
use crate::{CoreError, Millis, text};

/// The most cases a hall opens in one business day (the number's three
/// digits).
pub const MAX_DAILY_CASES: u16 = 999;

impl HallState {
    /// The commitment catalogue, in the order types were first defined.
    pub fn case_types(&self) -> &[CaseType] {
        &self.case_types
    }

    /// A case type by code.
    pub fn case_type(&self, code: &str) -> Option<&CaseType> {
        self.case_types.iter().find(|t| t.code == code)
    }

    /// The cases not closed yet (open or on hold), by id.
    pub fn cases(&self) -> impl Iterator<Item = &Case> {
        self.cases.values()
    }

    /// A case not closed yet.
    pub fn case(&self, id: Uuid) -> Option<&Case> {
        self.cases.get(&id)
    }

    /// The events of a case command (other commands produce none).
    pub(super) fn decide_case(
        &self,
        cmd: &Command,
        now: Millis,
        new_id: &mut dyn FnMut() -> Uuid,
    ) -> Result<Vec<EventData>, CoreError> {
        use EventData as E;
        match cmd {
            Command::DefineCaseType { case_type } => (|| {
                case_type.validate()?;
                if self.case_type(&case_type.code).is_none() && self.case_types.len() >= MAX_CASE_TYPES {
                    return Err(CoreError::config(
                        format!("工单类型最多 {MAX_CASE_TYPES} 种"),
                        format!("at most {MAX_CASE_TYPES} case types"),
                    ));
                }
                Ok(vec![E::CaseTypeDefined { case_type: case_type.clone() }])
            })(),
            Command::OpenCase { case_type, received_at, ticket, customer_ref, note, staff } => (|| {
                let kind = self.case_type(case_type).ok_or_else(|| CoreError::UnknownCaseType(case_type.clone()))?;
                if !kind.active {
                    return Err(CoreError::CaseTypeInactive(case_type.clone()));
                }
                self.active_staff(staff)?;
                let received = received_at.unwrap_or(now);
                if received > now + MAX_AHEAD_MS {
                    return Err(CoreError::case(
                        "收件时间不能晚于现在",
                        "the time the documents were received cannot be in the future",
                    ));
                }
                if received < now - MAX_BACKDATE_MS {
                    return Err(CoreError::case(
                        "收件时间不能早于 30 天前；更早收到的材料请联系值班长处理",
                        "the documents cannot have been received more than 30 days ago; ask the supervisor",
                    ));
                }
                if let Some(t) = ticket
                    && !self.tickets.contains_key(t)
                {
                    return Err(CoreError::UnknownTicket(t.to_string()));
                }
                let customer_ref = text::check_opt(&text::CUSTOMER_REF, given(customer_ref))?;
                let note = text::check_opt(&text::CASE_NOTE, given(note))?;
                let case = self.new_case(
                    kind,
                    received,
                    now,
                    NewCase {
                        ticket: *ticket,
                        customer_ref: customer_ref.map(str::to_string),
                        note: note.map(str::to_string),
                        staff: staff.clone(),
                    },
                )?;
                Ok(vec![E::CaseOpened { case: case(new_id()) }])
            })(),
            Command::CompleteCaseStage { case, stage, staff } => (|| {
                let c = self.open_case(*case)?;
                self.active_staff(staff)?;
                if !c.stages.iter().any(|s| &s.code == stage && s.done_at.is_none()) {
                    return Err(CoreError::StageNotOpen { case: c.number.clone(), stage: stage.clone() });
                }
                Ok(vec![E::CaseStageDone { case: c.id, stage: stage.clone(), staff: staff.clone() }])
            })(),
            Command::HoldCase { case, reason, staff } => (|| {
                let c = self.open_case(*case)?;
                self.active_staff(staff)?;
                let reason = text::check(&text::HOLD_REASON, reason)?;
                Ok(vec![E::CaseHeld { case: c.id, reason: reason.to_string(), staff: staff.clone() }])
            })(),
            Command::ResumeCase { case, staff } => (|| {
                let c = self.cases.get(case).ok_or_else(|| CoreError::UnknownCase(case.to_string()))?;
                self.active_staff(staff)?;
                let Some(held_at) = c.held_at.filter(|_| c.state == CaseState::OnHold) else {
                    return Err(CoreError::CaseNotOnHold(c.number.clone()));
                };
                let (due_at, stage_due) = self.dues_after_hold(c, held_at, now);
                Ok(vec![E::CaseResumed { case: c.id, staff: staff.clone(), due_at, stage_due }])
            })(),
            Command::TransferCase { case, to, staff } => (|| {
                let c = self.cases.get(case).ok_or_else(|| CoreError::UnknownCase(case.to_string()))?;
                self.active_staff(staff)?;
                self.active_staff(to)?;
                if &c.staff == to {
                    return Err(CoreError::case(
                        format!("工单 {} 已由工号 {to} 办理", c.number),
                        format!("case {} is already with staff {to}", c.number),
                    ));
                }
                Ok(vec![E::CaseTransferred { case: c.id, from: c.staff.clone(), to: to.clone() }])
            })(),
            Command::CloseCase { case, outcome, note, staff } => (|| {
                let c = self.cases.get(case).ok_or_else(|| CoreError::UnknownCase(case.to_string()))?;
                self.active_staff(staff)?;
                let note = text::check_opt(&text::CASE_NOTE, given(note))?;
                // Closed while on hold: the hold ends with it.
                let due_at = match c.held_at.filter(|_| c.state == CaseState::OnHold) {
                    Some(held_at) => self.dues_after_hold(c, held_at, now).0,
                    None => c.due_at,
                };
                let mut events = vec![E::CaseClosed {
                    case: c.id,
                    outcome: *outcome,
                    note: note.map(str::to_string),
                    staff: staff.clone(),
                    due_at,
                }];
                // A follow-up case closes its follow-up with it.
                if let Some(t) = c.ticket.filter(|t| c.case_type == FOLLOW_UP_CASE && self.follow_ups.contains_key(t)) {
                    let note = note.map_or_else(
                        || format!("随工单 {} 办结（{}）/ closed with case {}", c.number, outcome.label_zh(), c.number),
                        str::to_string,
                    );
                    events.push(E::FollowUpClosed { ticket: t, note });
                }
                Ok(events)
            })(),
            _ => Ok(Vec::new()),
        }
    }

    /// Applies a case event (other events change nothing here).
    pub(super) fn apply_case(&mut self, at: Millis, event: &EventData, ch: &mut Changes) {
        use EventData as E;
        match event {
            E::CaseTypeDefined { case_type } => {
                match self.case_types.iter_mut().find(|t| t.code == case_type.code) {
                    Some(t) => *t = case_type.clone(),
                    None => self.case_types.push(case_type.clone()),
                }
                ch.case_types.push(case_type.clone());
            }
            E::CaseOpened { case } => {
                if let Some(seq) = case.number.rsplit('-').next().and_then(|n| n.parse::<u16>().ok()) {
                    self.case_seq = Some((self.hall.business_day(at), seq));
                }
                ch.cases.push(case.clone());
                self.cases.insert(case.id, case.clone());
            }
            E::CaseStageDone { case, stage, .. } => self.update_case(*case, ch, |c| {
                if let Some(s) = c.stages.iter_mut().find(|s| &s.code == stage) {
                    s.done_at = Some(at);
                }
            }),
            E::CaseHeld { case, reason, .. } => self.update_case(*case, ch, |c| {
                c.state = CaseState::OnHold;
                c.held_at = Some(at);
                c.hold_reason = Some(reason.clone());
                c.holds += 1;
            }),
            E::CaseResumed { case, due_at, stage_due, .. } => self.update_case(*case, ch, |c| {
                c.state = CaseState::Open;
                c.held_at = None;
                c.hold_reason = None;
                c.due_at = *due_at;
                for (s, due) in c.stages.iter_mut().zip(stage_due) {
                    s.due_at = *due;
                }
            }),
            E::CaseTransferred { case, to, .. } => self.update_case(*case, ch, |c| c.staff = to.clone()),
            E::CaseClosed { case, outcome, due_at, .. } => {
                if let Some(mut c) = self.cases.remove(case) {
                    c.state = CaseState::Closed;
                    c.held_at = None;
                    c.closed_at = Some(at);
                    c.outcome = Some(*outcome);
                    c.due_at = *due_at;
                    ch.cases.push(c);
                }
            }
            _ => {}
        }
    }

    /// A case of `kind` received at `received`, numbered as today's next,
    /// with its due times worked out now; the id is given last.
    fn new_case(
        &self,
        kind: &CaseType,
        received: Millis,
        now: Millis,
        new: NewCase,
    ) -> Result<impl FnOnce(Uuid) -> Case, CoreError> {
        let day = self.hall.business_day(now);
        let seq = match self.case_seq {
            Some((d, n)) if d == day => n + 1,
            _ => 1,
        };
        if seq > MAX_DAILY_CASES {
            return Err(CoreError::case(
                format!("今日已开 {MAX_DAILY_CASES} 个工单，已达上限"),
                format!("{MAX_DAILY_CASES} cases were opened today, the most a day holds"),
            ));
        }
        let due = |limit| commitment::due_at(&self.hall, received, limit);
        let stages: Vec<StageProgress> = kind
            .stages
            .iter()
            .map(|s| StageProgress { code: s.code.clone(), limit: s.limit, due_at: due(s.limit), done_at: None })
            .collect();
        let (number, code, limit, due_at, hold_stops_clock) =
            (commitment::case_number(day, seq), kind.code.clone(), kind.limit, due(kind.limit), kind.hold_stops_clock);
        Ok(move |id| Case {
            id,
            number,
            case_type: code,
            ticket: new.ticket,
            customer_ref: new.customer_ref,
            note: new.note,
            opened_by: new.staff.clone(),
            staff: new.staff,
            received_at: received,
            accepted_at: now.max(received),
            due_at,
            limit,
            hold_stops_clock,
            stages,
            state: CaseState::Open,
            held_at: None,
            hold_reason: None,
            holds: 0,
            closed_at: None,
            outcome: None,
        })
    }

    /// The follow-up case (回访工单) a low rating of `ticket` opens, when the
    /// hall's catalogue has an active [`FOLLOW_UP_CASE`] type: received at
    /// the rating, given to the hall's supervisor (the first active one by
    /// staff number; else the staff member who served). None when the hall
    /// has no such type, no one to give it to, or today's case numbers are
    /// used up — the follow-up itself is kept either way.
    pub(super) fn follow_up_case(
        &self,
        ticket: &Ticket,
        level: u8,
        reason: Option<LowScoreReason>,
        now: Millis,
        new_id: &mut dyn FnMut() -> Uuid,
    ) -> Option<EventData> {
        let kind = self.case_type(FOLLOW_UP_CASE).filter(|k| k.active)?;
        let active = |s: &&Staff| s.active;
        let staff = self
            .staff
            .values()
            .filter(active)
            .find(|s| s.role == StaffRole::Supervisor)
            .or_else(|| ticket.staff.as_ref().and_then(|n| self.staff.get(n)).filter(active))?;
        let why = reason.map(|r| format!("，原因 {} / reason {}", r.label_zh(), r.as_str())).unwrap_or_default();
        let note = format!("{} 号评价 {level} 分{why} / ticket {} rated {level}", ticket.number, ticket.number);
        let case = self
            .new_case(
                kind,
                now,
                now,
                NewCase { ticket: Some(ticket.id), customer_ref: None, note: Some(note), staff: staff.number.clone() },
            )
            .ok()?;
        Some(EventData::CaseOpened { case: case(new_id()) })
    }

    /// The open follow-up case of a rated ticket leg.
    pub(super) fn follow_up_case_of(&self, ticket: Uuid) -> Option<&Case> {
        self.cases.values().find(|c| c.case_type == FOLLOW_UP_CASE && c.ticket == Some(ticket))
    }

    fn update_case(&mut self, id: Uuid, ch: &mut Changes, f: impl FnOnce(&mut Case)) {
        if let Some(c) = self.cases.get_mut(&id) {
            f(c);
            ch.cases.push(c.clone());
        }
    }

    /// A case that is open (not on hold).
    fn open_case(&self, id: Uuid) -> Result<&Case, CoreError> {
        let c = self.cases.get(&id).ok_or_else(|| CoreError::UnknownCase(id.to_string()))?;
        if c.state == CaseState::OnHold {
            return Err(CoreError::CaseOnHold(c.number.clone()));
        }
        Ok(c)
    }

    fn active_staff(&self, number: &str) -> Result<(), CoreError> {
        match self.staff.get(number) {
            None => Err(CoreError::UnknownStaff(number.to_string())),
            Some(s) if !s.active => Err(CoreError::StaffInactive(number.to_string())),
            Some(_) => Ok(()),
        }
    }

    /// A held case's due times once the hold ends at `now`: moved on by the
    /// hold where its type lets a hold stop the clock, else as they were.
    fn dues_after_hold(&self, c: &Case, held_at: Millis, now: Millis) -> (Millis, Vec<Millis>) {
        if !c.hold_stops_clock {
            return (c.due_at, c.stages.iter().map(|s| s.due_at).collect());
        }
        let move_on = |due: Millis, limit| commitment::extend_for_hold(&self.hall, due, limit, held_at, now);
        let stages =
            c.stages.iter().map(|s| if s.done_at.is_none() { move_on(s.due_at, s.limit) } else { s.due_at }).collect();
        (move_on(c.due_at, c.limit), stages)
    }
}

/// What a new case is given besides its type and times.
struct NewCase {
    ticket: Option<Uuid>,
    customer_ref: Option<String>,
    note: Option<String>,
    staff: String,
}

/// An optional text field as given: blank is none.
fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDateTime, TimeZone};

    use super::*;
    use crate::commitment::{CaseOutcome, Limit, default_catalogue};
    use crate::hall::Hall;
    use crate::staff::{Staff, StaffRole};

    /// A hall with two clerks, the default catalogue, and 2025's National
    /// Day week on its calendar; `ids` counts up.
    struct Fx {
        st: HallState,
        ids: u128,
    }

    fn at(s: &str) -> Millis {
        let t = NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("a time");
        chrono_tz::Asia::Shanghai.from_local_datetime(&t).single().expect("one instant").timestamp_millis()
    }

    impl Fx {
        fn new() -> Self {
            let mut hall = Hall::new(Uuid::from_u128(0xA11), "TS01", "罗阳供电营业厅");
            hall.holidays = ["2025-10-01", "2025-10-02", "2025-10-03", "2025-10-06", "2025-10-07", "2025-10-08"]
                .map(|d| d.parse().expect("a date"))
                .to_vec();
            hall.workdays = vec!["2025-09-28".parse().expect("a date"), "2025-10-11".parse().expect("a date")];
            let mut fx = Self { st: HallState::new(hall, at("2025-09-22 08:00")), ids: 0 };
            for n in ["1001", "1002", "1003"] {
                let staff = Staff {
                    number: n.into(),
                    name: format!("员工{n}"),
                    role: StaffRole::Agent,
                    active: n != "1003",
                    team: None,
                };
                fx.ok(Command::DefineStaff { staff }, "2025-09-22 08:00");
            }
            for case_type in default_catalogue() {
                fx.ok(Command::DefineCaseType { case_type }, "2025-09-22 08:00");
            }
            fx
        }

        fn run(&mut self, cmd: Command, when: &str) -> Result<Vec<EventData>, CoreError> {
            let ids = &mut self.ids;
            let mut new_id = || {
                *ids += 1;
                Uuid::from_u128(*ids)
            };
            self.st.execute(&cmd, at(when), &mut new_id).map(|o| o.events)
        }

        fn ok(&mut self, cmd: Command, when: &str) -> Vec<EventData> {
            self.run(cmd, when).unwrap_or_else(|e| panic!("{e}"))
        }

        /// Refused, with this code, and nothing changed.
        fn refused(&mut self, cmd: Command, when: &str, code: &str) {
            let before = self.st.clone();
            let e = self.run(cmd, when).expect_err("refused");
            assert_eq!(e.code(), code, "{e}");
            assert_eq!(self.st, before, "a refusal changes nothing");
        }

        fn open(&mut self, kind: &str, received: Option<&str>, when: &str) -> Case {
            let cmd = Command::OpenCase {
                case_type: kind.into(),
                received_at: received.map(at),
                ticket: None,
                customer_ref: Some(" 3301234567 ".into()),
                note: Some("新装一户一表".into()),
                staff: "1001".into(),
            };
            match self.ok(cmd, when).pop() {
                Some(EventData::CaseOpened { case }) => case,
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn a_connection_is_opened_worked_held_and_closed_on_time() {
        let mut fx = Fx::new();
        // Documents taken Monday 22 September 09:00, entered at 11:30: the
        // clock starts at 09:00 (the 2½ h pile is recorded).
        let c = fx.open("LV_CONN", Some("2025-09-22 09:00"), "2025-09-22 11:30");
        assert_eq!(c.number, "W250922-001");
        assert_eq!((c.received_at, c.accepted_at), (at("2025-09-22 09:00"), at("2025-09-22 11:30")));
        assert_eq!(c.customer_ref.as_deref(), Some("3301234567"));
        // 6 working days: Tue 23 … Fri 26 (4), Sun 28 (make-up, 5), Mon 29
        // (6); the supply-plan reply within 3: Thu 25.
        assert_eq!(c.due_at, at("2025-09-30 00:00"));
        assert_eq!(c.stages[0].due_at, at("2025-09-26 00:00"));
        assert_eq!(fx.open("METER_TEST", None, "2025-09-22 14:00").number, "W250922-002");

        fx.ok(
            Command::CompleteCaseStage { case: c.id, stage: "PLAN".into(), staff: "1001".into() },
            "2025-09-24 10:00",
        );
        fx.refused(
            Command::CompleteCaseStage { case: c.id, stage: "PLAN".into(), staff: "1001".into() },
            "2025-09-24 10:05",
            "stage_not_open",
        );
        // On hold Thursday 25 to Monday 29 morning, waiting for the
        // customer's documents: Thu, Fri, Sun 28 held (3 working days), so
        // due moves from the end of Mon 29 to Tue 30, Thu 9, Fri 10 October.
        fx.ok(
            Command::HoldCase { case: c.id, reason: "等客户补充材料".into(), staff: "1001".into() },
            "2025-09-25 10:00",
        );
        fx.refused(
            Command::CompleteCaseStage { case: c.id, stage: "X".into(), staff: "1001".into() },
            "2025-09-25 11:00",
            "case_on_hold",
        );
        fx.refused(
            Command::HoldCase { case: c.id, reason: "再次".into(), staff: "1001".into() },
            "2025-09-25 11:00",
            "case_on_hold",
        );
        fx.ok(Command::ResumeCase { case: c.id, staff: "1001".into() }, "2025-09-29 09:00");
        let resumed = fx.st.case(c.id).expect("open").clone();
        assert_eq!(resumed.due_at, at("2025-10-11 00:00"));
        assert_eq!(resumed.holds, 1);
        fx.refused(Command::ResumeCase { case: c.id, staff: "1001".into() }, "2025-09-29 09:01", "case_not_on_hold");
        // Handed to 1002, who closes it on Thursday 9 October: on time.
        fx.refused(
            Command::TransferCase { case: c.id, to: "1001".into(), staff: "1001".into() },
            "2025-09-29 10:00",
            "invalid_case",
        );
        fx.refused(
            Command::TransferCase { case: c.id, to: "1003".into(), staff: "1001".into() },
            "2025-09-29 10:00",
            "staff_inactive",
        );
        fx.ok(Command::TransferCase { case: c.id, to: "1002".into(), staff: "1001".into() }, "2025-09-29 10:00");
        assert_eq!(fx.st.case(c.id).map(|c| c.staff.as_str()), Some("1002"));
        let closed = fx.ok(
            Command::CloseCase {
                case: c.id,
                outcome: CaseOutcome::Resolved,
                note: Some("已装表接电".into()),
                staff: "1002".into(),
            },
            "2025-10-09 16:00",
        );
        assert!(matches!(closed[0], EventData::CaseClosed { due_at, .. } if due_at == at("2025-10-11 00:00")));
        assert!(fx.st.case(c.id).is_none(), "closed cases leave the live state");
        fx.refused(
            Command::CloseCase { case: c.id, outcome: CaseOutcome::Resolved, note: None, staff: "1002".into() },
            "2025-10-09 16:01",
            "unknown_case",
        );
    }

    #[test]
    fn a_complaint_held_keeps_its_clock_running() {
        let mut fx = Fx::new();
        let c = fx.open("COMPLAINT", None, "2025-09-22 10:00");
        fx.ok(Command::HoldCase { case: c.id, reason: "客户出差".into(), staff: "1001".into() }, "2025-09-23 10:00");
        let events = fx.ok(
            Command::CloseCase { case: c.id, outcome: CaseOutcome::Resolved, note: None, staff: "1001".into() },
            "2025-10-09 10:00",
        );
        // Complaints do not stop the clock: due stays 7 working days from
        // Monday 22 (Tue 23 … Fri 26, Sun 28, Mon 29, Tue 30: end of Tue 30).
        assert!(matches!(events[0], EventData::CaseClosed { due_at, .. } if due_at == at("2025-10-01 00:00")));
        assert_eq!(c.due_at, at("2025-10-01 00:00"));
    }

    #[test]
    fn bad_case_input_is_refused_and_changes_nothing() {
        let mut fx = Fx::new();
        let open = |kind: &str, received: Option<Millis>, staff: &str, note: Option<&str>| Command::OpenCase {
            case_type: kind.into(),
            received_at: received,
            ticket: None,
            customer_ref: None,
            note: note.map(str::to_string),
            staff: staff.into(),
        };
        let now = "2025-09-22 10:00";
        fx.refused(open("NOPE", None, "1001", None), now, "unknown_case_type");
        fx.refused(open("RES_CONN", None, "9999", None), now, "unknown_staff");
        fx.refused(open("RES_CONN", None, "1003", None), now, "staff_inactive");
        fx.refused(open("RES_CONN", Some(at("2025-09-22 10:06")), "1001", None), now, "invalid_case");
        fx.refused(open("RES_CONN", Some(at("2025-08-22 09:59")), "1001", None), now, "invalid_case");
        fx.refused(open("RES_CONN", None, "1001", Some(&"长".repeat(501))), now, "invalid_text");
        let c = fx.open("RES_CONN", Some("2025-08-23 10:00"), now);
        fx.refused(Command::HoldCase { case: c.id, reason: "  ".into(), staff: "1001".into() }, now, "invalid_text");
        let mut off = default_catalogue().remove(0);
        off.active = false;
        fx.ok(Command::DefineCaseType { case_type: off }, now);
        fx.refused(open("RES_CONN", None, "1001", None), now, "case_type_inactive");
        let mut bad = default_catalogue().remove(0);
        bad.limit = Limit::Hours(0);
        fx.refused(Command::DefineCaseType { case_type: bad }, now, "invalid_config");
    }

    #[test]
    fn case_numbers_restart_each_day_and_survive_a_snapshot() {
        let mut fx = Fx::new();
        fx.open("RES_CONN", None, "2025-09-22 10:00");
        fx.open("RES_CONN", None, "2025-09-22 10:01");
        let restored = HallState::restore(fx.st.snapshot()).expect("restored");
        assert_eq!(restored, fx.st);
        fx.st = restored;
        assert_eq!(fx.open("RES_CONN", None, "2025-09-22 16:00").number, "W250922-003");
        assert_eq!(fx.open("RES_CONN", None, "2025-09-23 09:00").number, "W250923-001");
    }
}
