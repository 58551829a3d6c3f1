//! What can be asked of a hall: every command a kiosk, counter, rating pad,
//! supervisor or the system can send. Commands are decided by
//! [`crate::HallState::decide`]; a command is only a request until then.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::commitment::{CaseOutcome, CaseType};
use crate::counter::CounterConfig;
use crate::hall::Hall;
use crate::service::Service;
use crate::staff::Staff;
use crate::ticket::{LowScoreReason, PriorityClass, PriorityReason, Resolution};

/// Who sent a command; recorded in every event's envelope.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", content = "id", rename_all = "snake_case")]
pub enum Actor {
    /// The hall itself (day rollover, clock events).
    System,
    /// The `hallq` command line on the server PC.
    Cli,
    /// A staff member, by staff number.
    Staff(String),
    /// A paired terminal (kiosk, display, rating pad), by terminal id.
    Terminal(String),
    /// The supervisor, from the board or settings.
    Supervisor,
}

/// How a command names a ticket of today.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketRef {
    /// By id (exact leg).
    Id(Uuid),
    /// By printed number, e.g. `A012` (the visit's latest leg).
    Number(String),
}

impl std::fmt::Display for TicketRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Id(id) => write!(f, "{id}"),
            Self::Number(n) => f.write_str(n),
        }
    }
}

/// Where a transfer sends the customer.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransferTarget {
    /// Into another service's queue.
    Service(String),
    /// To one named counter, keeping the ticket's service.
    Counter(u32),
}

/// A request to the hall.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum Command {
    /// Take a ticket at the kiosk.
    Issue {
        /// Service code.
        service: String,
        /// Priority class.
        #[serde(default)]
        priority: PriorityClass,
        /// Why, for `Priority`.
        #[serde(default)]
        priority_reason: Option<PriorityReason>,
        /// Appointment number, for `Appointment`.
        #[serde(default)]
        appointment: Option<String>,
    },
    /// Call the next ticket by the counter's routing policy.
    CallNext {
        /// Counter number.
        counter: u32,
    },
    /// Call a specific waiting ticket.
    CallNumber {
        /// Counter number.
        counter: u32,
        /// The ticket.
        ticket: TicketRef,
    },
    /// Call the counter's current ticket again.
    Recall {
        /// Counter number.
        counter: u32,
    },
    /// The current ticket's customer did not come.
    NoShow {
        /// Counter number.
        counter: u32,
    },
    /// The customer arrived; service starts.
    Start {
        /// Counter number.
        counter: u32,
    },
    /// Service is done.
    Finish {
        /// Counter number.
        counter: u32,
        /// Outcome code.
        #[serde(default)]
        resolution: Resolution,
    },
    /// Send the current customer to another service or counter.
    Transfer {
        /// Counter number.
        counter: u32,
        /// Where to.
        to: TransferTarget,
    },
    /// Withdraw a waiting ticket.
    Cancel {
        /// The ticket.
        ticket: TicketRef,
    },
    /// The customer rates a served ticket.
    Rate {
        /// The ticket.
        ticket: TicketRef,
        /// 1..=5.
        level: u8,
        /// Reason of a low score.
        #[serde(default)]
        reason: Option<LowScoreReason>,
    },
    /// Close a follow-up of a low rating, saying what was done.
    CloseFollowUp {
        /// The rated ticket leg.
        ticket: Uuid,
        /// What was done (1–500 characters).
        note: String,
        /// The staff member who closed it, when the caller is one; its
        /// follow-up case (if any) is closed in their name.
        #[serde(default)]
        staff: Option<String>,
    },
    /// Open a closed counter.
    OpenCounter {
        /// Counter number.
        counter: u32,
    },
    /// Pause an open counter.
    PauseCounter {
        /// Counter number.
        counter: u32,
        /// Why (break, meeting, system down).
        reason: String,
    },
    /// Resume a paused counter.
    ResumeCounter {
        /// Counter number.
        counter: u32,
    },
    /// Close a counter.
    CloseCounter {
        /// Counter number.
        counter: u32,
    },
    /// A staff member logs in at a counter.
    Login {
        /// Counter number.
        counter: u32,
        /// Staff number.
        staff: String,
    },
    /// The staff member at a counter logs out (the counter closes).
    Logout {
        /// Counter number.
        counter: u32,
    },
    /// Change the hall's own settings (its id cannot change).
    ConfigureHall {
        /// New settings.
        hall: Hall,
    },
    /// Add or change a service.
    DefineService {
        /// The service.
        service: Service,
    },
    /// Add or change a counter's configuration.
    DefineCounter {
        /// The configuration.
        counter: CounterConfig,
    },
    /// Add or change a staff member.
    DefineStaff {
        /// The staff member.
        staff: Staff,
    },
    /// Add or change a type of case in the commitment catalogue.
    DefineCaseType {
        /// The case type.
        case_type: CaseType,
    },
    /// Open a case (工单) for a customer's request, timed from receipt.
    OpenCase {
        /// Its type's code.
        case_type: String,
        /// When the documents were taken at the window; `None`: now.
        #[serde(default)]
        received_at: Option<crate::Millis>,
        /// The ticket leg served when it was opened, if any (today's).
        #[serde(default)]
        ticket: Option<Uuid>,
        /// The customer's application or account number.
        #[serde(default)]
        customer_ref: Option<String>,
        /// What the customer asked for.
        #[serde(default)]
        note: Option<String>,
        /// Who opens it (and works it).
        staff: String,
    },
    /// Mark a stage of a case done.
    CompleteCaseStage {
        /// The case.
        case: Uuid,
        /// The stage's code.
        stage: String,
        /// Who did it.
        staff: String,
    },
    /// Put a case on hold (its clock stops where its type allows).
    HoldCase {
        /// The case.
        case: Uuid,
        /// Why (1–64 characters), shown with the case.
        reason: String,
        /// Who holds it.
        staff: String,
    },
    /// Take a case off hold.
    ResumeCase {
        /// The case.
        case: Uuid,
        /// Who resumes it.
        staff: String,
    },
    /// Give a case to another staff member.
    TransferCase {
        /// The case.
        case: Uuid,
        /// The staff member who works it from now on.
        to: String,
        /// Who hands it over.
        staff: String,
    },
    /// Close a case with an outcome.
    CloseCase {
        /// The case.
        case: Uuid,
        /// How it ended.
        outcome: CaseOutcome,
        /// What was done.
        #[serde(default)]
        note: Option<String>,
        /// Who closes it.
        staff: String,
    },
}

impl Command {
    /// The command's name, for logs and benchmarks.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Issue { .. } => "issue",
            Self::CallNext { .. } => "call_next",
            Self::CallNumber { .. } => "call_number",
            Self::Recall { .. } => "recall",
            Self::NoShow { .. } => "no_show",
            Self::Start { .. } => "start",
            Self::Finish { .. } => "finish",
            Self::Transfer { .. } => "transfer",
            Self::Cancel { .. } => "cancel",
            Self::Rate { .. } => "rate",
            Self::CloseFollowUp { .. } => "close_follow_up",
            Self::OpenCounter { .. } => "open_counter",
            Self::PauseCounter { .. } => "pause_counter",
            Self::ResumeCounter { .. } => "resume_counter",
            Self::CloseCounter { .. } => "close_counter",
            Self::Login { .. } => "login",
            Self::Logout { .. } => "logout",
            Self::ConfigureHall { .. } => "configure_hall",
            Self::DefineService { .. } => "define_service",
            Self::DefineCounter { .. } => "define_counter",
            Self::DefineStaff { .. } => "define_staff",
            Self::DefineCaseType { .. } => "define_case_type",
            Self::OpenCase { .. } => "open_case",
            Self::CompleteCaseStage { .. } => "complete_case_stage",
            Self::HoldCase { .. } => "hold_case",
            Self::ResumeCase { .. } => "resume_case",
            Self::TransferCase { .. } => "transfer_case",
            Self::CloseCase { .. } => "close_case",
        }
    }
}
