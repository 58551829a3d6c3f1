//! A ticket: one leg of a customer's visit, from issue to its final state.
//!
//! A visit starts with one ticket; a transfer closes the current leg
//! (`transferred`) and opens a new leg of the same visit, with the same
//! number, in another service or for a named counter. Every leg has its own
//! wait and handling time; ordering in the queue uses the visit's original
//! issue time so a transferred customer does not go to the back.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Millis;

/// Where a ticket is in its life. The last five are final: a ticket in a
/// final state never changes state again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = TicketStateDto))]
pub enum TicketState {
    /// In the queue.
    Waiting,
    /// Called to a counter, not yet started.
    Called,
    /// Being served at a counter.
    Serving,
    /// Served and finished.
    Done,
    /// Called but never came.
    NoShow,
    /// This leg was moved to another service or counter.
    Transferred,
    /// Withdrawn while waiting.
    Cancelled,
    /// Still open when the business day rolled over.
    Expired,
}

impl TicketState {
    /// All states, in life order.
    pub const ALL: [TicketState; 8] = [
        Self::Waiting,
        Self::Called,
        Self::Serving,
        Self::Done,
        Self::NoShow,
        Self::Transferred,
        Self::Cancelled,
        Self::Expired,
    ];

    /// True for the states a ticket never leaves.
    pub fn is_final(self) -> bool {
        !matches!(self, Self::Waiting | Self::Called | Self::Serving)
    }

    /// The snake_case name used in the database and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Waiting => "waiting",
            Self::Called => "called",
            Self::Serving => "serving",
            Self::Done => "done",
            Self::NoShow => "no_show",
            Self::Transferred => "transferred",
            Self::Cancelled => "cancelled",
            Self::Expired => "expired",
        }
    }

    /// Parses [`TicketState::as_str`]'s names.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }
}

/// Who goes first. Everything but `Normal` is served before normal tickets,
/// within the counter's priority mix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = Priority))]
pub enum PriorityClass {
    /// An ordinary ticket.
    #[default]
    Normal,
    /// Elderly, disabled or pregnant customers.
    Priority,
    /// A booked appointment.
    Appointment,
    /// A key account (大客户).
    Vip,
}

impl PriorityClass {
    /// The snake_case name used in the database and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Normal => "normal",
            Self::Priority => "priority",
            Self::Appointment => "appointment",
            Self::Vip => "vip",
        }
    }

    /// Parses [`PriorityClass::as_str`]'s names.
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Normal, Self::Priority, Self::Appointment, Self::Vip].into_iter().find(|p| p.as_str() == s)
    }
}

/// Why a customer has a priority ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = PriorityWhy))]
pub enum PriorityReason {
    /// 老年人.
    Elderly,
    /// 残疾人.
    Disabled,
    /// 孕妇.
    Pregnant,
}

/// How the clerk closed a served ticket (the outcome code of Finish).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = ResolutionDto))]
pub enum Resolution {
    /// 办结: the business was completed at the counter.
    #[default]
    Completed,
    /// 受理: a case was opened that the back office must close within a time limit.
    Accepted,
    /// 资料不全: the customer must come back with documents.
    MissingDocuments,
    /// 咨询: an enquiry was answered.
    Answered,
    /// 未办理: the business could not be done (e.g. not eligible).
    Declined,
}

impl Resolution {
    /// The snake_case name used in the database and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Completed => "completed",
            Self::Accepted => "accepted",
            Self::MissingDocuments => "missing_documents",
            Self::Answered => "answered",
            Self::Declined => "declined",
        }
    }

    /// Parses [`Resolution::as_str`]'s names.
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Completed, Self::Accepted, Self::MissingDocuments, Self::Answered, Self::Declined]
            .into_iter()
            .find(|r| r.as_str() == s)
    }
}

/// The national five-level 好差评 scale, 5 = 非常满意 … 1 = 非常不满意.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Rating(u8);

impl Rating {
    /// A rating from 1 (非常不满意) to 5 (非常满意); `None` outside that range.
    pub fn new(level: u8) -> Option<Self> {
        (1..=5).contains(&level).then_some(Self(level))
    }

    /// The level, 1..=5.
    pub fn level(self) -> u8 {
        self.0
    }

    /// 非常满意 and 满意 count as satisfied.
    pub fn is_satisfied(self) -> bool {
        self.0 >= 4
    }

    /// 不满意 and 非常不满意 are low scores: they ask a reason and open a follow-up.
    pub fn is_low(self) -> bool {
        self.0 <= 2
    }

    /// The level's name in Chinese.
    pub fn name_zh(self) -> &'static str {
        ["非常不满意", "不满意", "基本满意", "满意", "非常满意"][usize::from(self.0 - 1)]
    }
}

impl TryFrom<u8> for Rating {
    type Error = String;
    fn try_from(v: u8) -> Result<Self, String> {
        Self::new(v).ok_or_else(|| format!("rating must be 1..=5, got {v}"))
    }
}

impl From<Rating> for u8 {
    fn from(r: Rating) -> u8 {
        r.0
    }
}

/// The one-tap reason of a low score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = LowScoreWhy))]
pub enum LowScoreReason {
    /// 效率.
    Efficiency,
    /// 水平 (professional skill).
    Skill,
    /// 态度.
    Attitude,
    /// 环境.
    Environment,
    /// 流程.
    Procedure,
}

impl LowScoreReason {
    /// The snake_case name used in the database and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Efficiency => "efficiency",
            Self::Skill => "skill",
            Self::Attitude => "attitude",
            Self::Environment => "environment",
            Self::Procedure => "procedure",
        }
    }

    /// Its Chinese name, as the rating pad shows it.
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Efficiency => "效率",
            Self::Skill => "水平",
            Self::Attitude => "态度",
            Self::Environment => "环境",
            Self::Procedure => "流程",
        }
    }

    /// Parses [`LowScoreReason::as_str`]'s names.
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Efficiency, Self::Skill, Self::Attitude, Self::Environment, Self::Procedure]
            .into_iter()
            .find(|r| r.as_str() == s)
    }
}

/// One leg of a visit, with every timestamp the KPIs need. Times are UTC
/// milliseconds; the hall server sends a ticket in exactly this form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = TicketDto))]
pub struct Ticket {
    /// This leg's id.
    pub id: Uuid,
    /// The visit's id: the first leg's id, shared by all legs.
    pub visit_id: Uuid,
    /// 1 for the issued ticket, 2.. for each transfer.
    pub leg: u16,
    /// Prefix letter + 3 digits, e.g. `A012`; kept across transfers.
    pub number: String,
    /// The service this leg waits for.
    pub service: String,
    /// Priority class.
    pub priority: PriorityClass,
    /// Why a `Priority` ticket is priority.
    pub priority_reason: Option<PriorityReason>,
    /// The appointment number, for `Appointment` tickets.
    pub appointment: Option<String>,
    /// The hall's business day this ticket belongs to.
    pub business_day: NaiveDate,
    /// When the visit's first ticket was issued (queue order).
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub visit_issued_at: Millis,
    /// When this leg entered its queue.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub issued_at: Millis,
    /// First call of this leg.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub called_at: Option<Millis>,
    /// Latest call or recall.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub last_called_at: Option<Millis>,
    /// How many times it was recalled.
    pub recalls: u16,
    /// When service started.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub started_at: Option<Millis>,
    /// When it reached its final state.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub ended_at: Option<Millis>,
    /// Current state.
    pub state: TicketState,
    /// The Finish outcome code, for `Done` tickets.
    pub resolution: Option<Resolution>,
    /// The counter that called it.
    pub counter: Option<u32>,
    /// The staff member who called it.
    pub staff: Option<String>,
    /// Set when the leg waits for one named counter only.
    pub target_counter: Option<u32>,
    /// The next leg, when this one was transferred.
    pub transferred_to: Option<Uuid>,
    /// The customer's rating.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<u8>))]
    pub rating: Option<Rating>,
    /// The reason given with a low rating.
    pub rating_reason: Option<LowScoreReason>,
    /// When it was rated.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub rated_at: Option<Millis>,
    /// People ahead when it was issued.
    pub people_ahead: u32,
    /// Estimated wait told to the customer; `None` when no counter was open.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub estimated_wait_ms: Option<Millis>,
    /// The service's target wait in force when this leg was issued, ms: a
    /// leg is judged by it, not by a target changed later. `None` on legs
    /// issued before targets were recorded (reports then use the
    /// service's current one).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub target_wait_ms: Option<Millis>,
    /// The service's target handling in force at issue, ms (as above).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub target_handling_ms: Option<Millis>,
}

impl Ticket {
    /// Moves every timestamp by `by` ms: the ticket as the clock shows it
    /// after a wall-clock step of `by`. Every duration stays what it was.
    pub fn shift(&mut self, by: Millis) {
        self.visit_issued_at += by;
        self.issued_at += by;
        for at in [
            &mut self.called_at,
            &mut self.last_called_at,
            &mut self.started_at,
            &mut self.ended_at,
            &mut self.rated_at,
        ]
        .into_iter()
        .flatten()
        {
            *at += by;
        }
    }

    /// wait = first call − issue.
    pub fn wait_ms(&self) -> Option<Millis> {
        self.called_at.map(|c| (c - self.issued_at).max(0))
    }

    /// walk-up = start − the call the customer answered.
    pub fn walkup_ms(&self) -> Option<Millis> {
        match (self.last_called_at, self.started_at) {
            (Some(c), Some(s)) => Some((s - c).max(0)),
            _ => None,
        }
    }

    /// handling = end − start (finish, or the hand-over of a transfer).
    pub fn handling_ms(&self) -> Option<Millis> {
        match (self.started_at, self.ended_at) {
            (Some(s), Some(e)) => Some((e - s).max(0)),
            _ => None,
        }
    }

    /// visit = finish − the visit's first issue, for served tickets.
    pub fn visit_ms(&self) -> Option<Millis> {
        match (self.state, self.ended_at) {
            (TicketState::Done, Some(e)) => Some((e - self.visit_issued_at).max(0)),
            _ => None,
        }
    }

    /// True for any class but `Normal`.
    pub fn is_priority(&self) -> bool {
        self.priority != PriorityClass::Normal
    }
}
