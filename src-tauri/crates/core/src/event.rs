//! What happened in a hall: the payload of every entry in the event log.
//!
//! Events are facts, already decided: applying one never fails. The store
//! wraps each in an envelope (UUIDv7 id, hall id, per-hall seq, UTC time,
//! actor) and persists it; projections and reports are derived from them.
//! Variants are only ever added, never changed, once shipped: old logs must
//! replay.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Millis;
use crate::commitment::{Case, CaseOutcome, CaseType};
use crate::counter::CounterConfig;
use crate::hall::Hall;
use crate::service::Service;
use crate::staff::Staff;
use crate::ticket::{LowScoreReason, Rating, Resolution, Ticket};

/// The payload of one event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventData {
    /// The hall's settings were set.
    HallConfigured {
        /// The settings.
        hall: Hall,
    },
    /// A service was added or changed.
    ServiceDefined {
        /// The service.
        service: Service,
    },
    /// A counter was added or reconfigured.
    CounterDefined {
        /// Its configuration.
        counter: CounterConfig,
    },
    /// A staff member was added or changed.
    StaffDefined {
        /// The staff member.
        staff: Staff,
    },
    /// A ticket (a visit's first leg) was issued.
    TicketIssued {
        /// The new ticket, waiting.
        ticket: Ticket,
    },
    /// A ticket was called to a counter.
    TicketCalled {
        /// The ticket.
        ticket: Uuid,
        /// The counter.
        counter: u32,
        /// The staff member at the counter.
        staff: String,
        /// True when called by number rather than by Call next.
        by_number: bool,
    },
    /// A called ticket was called again.
    TicketRecalled {
        /// The ticket.
        ticket: Uuid,
        /// The counter.
        counter: u32,
    },
    /// A called customer did not come.
    TicketNoShow {
        /// The ticket.
        ticket: Uuid,
        /// The counter.
        counter: u32,
        /// True when marked by the recall limit rather than by hand.
        automatic: bool,
    },
    /// Service started.
    ServiceStarted {
        /// The ticket.
        ticket: Uuid,
        /// The counter.
        counter: u32,
    },
    /// Service finished.
    TicketFinished {
        /// The ticket.
        ticket: Uuid,
        /// The counter.
        counter: u32,
        /// Outcome code.
        resolution: Resolution,
    },
    /// A leg was closed and a new leg opened for another service or counter.
    TicketTransferred {
        /// The closed leg.
        ticket: Uuid,
        /// The counter that transferred it.
        counter: u32,
        /// The new leg's id.
        new_ticket: Uuid,
        /// The new leg's service.
        to_service: String,
        /// The named counter the new leg waits for, if any.
        to_counter: Option<u32>,
    },
    /// A waiting ticket was withdrawn.
    TicketCancelled {
        /// The ticket.
        ticket: Uuid,
    },
    /// The customer rated a served ticket.
    TicketRated {
        /// The ticket.
        ticket: Uuid,
        /// The rating.
        rating: Rating,
        /// The reason of a low score.
        reason: Option<LowScoreReason>,
    },
    /// A follow-up of a low rating was closed.
    FollowUpClosed {
        /// The rated ticket leg.
        ticket: Uuid,
        /// What was done.
        note: String,
    },
    /// A counter opened.
    CounterOpened {
        /// The counter.
        counter: u32,
    },
    /// A counter paused.
    CounterPaused {
        /// The counter.
        counter: u32,
        /// Why.
        reason: String,
    },
    /// A paused counter resumed.
    CounterResumed {
        /// The counter.
        counter: u32,
    },
    /// A counter closed.
    CounterClosed {
        /// The counter.
        counter: u32,
    },
    /// A staff member logged in at a counter.
    StaffLoggedIn {
        /// The counter.
        counter: u32,
        /// The staff number.
        staff: String,
    },
    /// A staff member logged out.
    StaffLoggedOut {
        /// The counter.
        counter: u32,
        /// The staff number.
        staff: String,
    },
    /// The business day ended: every open ticket expired and the numbers restart.
    DayClosed {
        /// The day that ended.
        day: NaiveDate,
        /// The day that begins.
        next_day: NaiveDate,
        /// Tickets that were still open.
        expired: Vec<Uuid>,
    },
    /// The wall clock went backwards and the hall kept its last time (logged
    /// by HallQ until clock steps were measured, [`EventData::ClockStepped`];
    /// kept so that old logs replay).
    ClockSetBack {
        /// What the wall clock said.
        wall: Millis,
        /// The time the hall kept using.
        kept: Millis,
    },
    /// The wall clock stepped (set by hand, or corrected by time sync) while
    /// no real time passed: the hall's time jumped from `from` to `to`. The
    /// business day's tickets and the counters move with it, so every
    /// duration stays true, and the day follows the new clock.
    ClockStepped {
        /// The hall's time just before the step (the monotonic clock).
        from: Millis,
        /// What the wall clock said: the hall's time from here on.
        to: Millis,
        /// The business day after the step.
        day: NaiveDate,
    },
    /// A type of case was added to (or changed in) the commitment catalogue.
    CaseTypeDefined {
        /// The case type.
        case_type: CaseType,
    },
    /// A case was opened, its due times computed on the calendar of the day.
    CaseOpened {
        /// The new case, open.
        case: Case,
    },
    /// A stage of a case was done.
    CaseStageDone {
        /// The case.
        case: Uuid,
        /// The stage's code.
        stage: String,
        /// Who did it.
        staff: String,
    },
    /// A case was put on hold.
    CaseHeld {
        /// The case.
        case: Uuid,
        /// Why.
        reason: String,
        /// Who held it.
        staff: String,
    },
    /// A case came off hold; its due times as they now are.
    CaseResumed {
        /// The case.
        case: Uuid,
        /// Who resumed it.
        staff: String,
        /// The case's due time (moved on by the hold where its type allows).
        due_at: Millis,
        /// Each stage's due time, in the case's stage order.
        stage_due: Vec<Millis>,
    },
    /// A case was handed to another staff member.
    CaseTransferred {
        /// The case.
        case: Uuid,
        /// Who had it.
        from: String,
        /// Who has it now.
        to: String,
    },
    /// A case was closed.
    CaseClosed {
        /// The case.
        case: Uuid,
        /// How it ended.
        outcome: CaseOutcome,
        /// What was done.
        note: Option<String>,
        /// Who closed it.
        staff: String,
        /// Its due time at the close (moved on by a hold it was closed in,
        /// where its type allows).
        due_at: Millis,
    },
}

impl EventData {
    /// The ticket this event is about: the issued, called, finished or newly
    /// transferred leg. `None` for hall, counter and staff events.
    pub fn subject(&self) -> Option<Uuid> {
        match self {
            Self::TicketIssued { ticket } => Some(ticket.id),
            Self::TicketTransferred { new_ticket, .. } => Some(*new_ticket),
            Self::TicketCalled { ticket, .. }
            | Self::TicketRecalled { ticket, .. }
            | Self::TicketNoShow { ticket, .. }
            | Self::ServiceStarted { ticket, .. }
            | Self::TicketFinished { ticket, .. }
            | Self::TicketCancelled { ticket }
            | Self::TicketRated { ticket, .. } => Some(*ticket),
            _ => None,
        }
    }

    /// The snake_case kind stored in the log's `kind` column.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::HallConfigured { .. } => "hall_configured",
            Self::ServiceDefined { .. } => "service_defined",
            Self::CounterDefined { .. } => "counter_defined",
            Self::StaffDefined { .. } => "staff_defined",
            Self::TicketIssued { .. } => "ticket_issued",
            Self::TicketCalled { .. } => "ticket_called",
            Self::TicketRecalled { .. } => "ticket_recalled",
            Self::TicketNoShow { .. } => "ticket_no_show",
            Self::ServiceStarted { .. } => "service_started",
            Self::TicketFinished { .. } => "ticket_finished",
            Self::TicketTransferred { .. } => "ticket_transferred",
            Self::TicketCancelled { .. } => "ticket_cancelled",
            Self::TicketRated { .. } => "ticket_rated",
            Self::FollowUpClosed { .. } => "follow_up_closed",
            Self::CounterOpened { .. } => "counter_opened",
            Self::CounterPaused { .. } => "counter_paused",
            Self::CounterResumed { .. } => "counter_resumed",
            Self::CounterClosed { .. } => "counter_closed",
            Self::StaffLoggedIn { .. } => "staff_logged_in",
            Self::StaffLoggedOut { .. } => "staff_logged_out",
            Self::DayClosed { .. } => "day_closed",
            Self::ClockSetBack { .. } => "clock_set_back",
            Self::ClockStepped { .. } => "clock_stepped",
            Self::CaseTypeDefined { .. } => "case_type_defined",
            Self::CaseOpened { .. } => "case_opened",
            Self::CaseStageDone { .. } => "case_stage_done",
            Self::CaseHeld { .. } => "case_held",
            Self::CaseResumed { .. } => "case_resumed",
            Self::CaseTransferred { .. } => "case_transferred",
            Self::CaseClosed { .. } => "case_closed",
        }
    }
}
