//! Wire types shared by several API areas: the ticket, a command's answer,
//! the hall, its services and targets, and the enums they carry. Each API
//! area keeps its own request and response types beside its routes
//! (`routes/<area>.rs`); a type lives here only when more than one area
//! reads or writes it.
//!
//! The domain's own serde forms are the event log's format and must never
//! change; these types are the API's, so the two can evolve apart. Enum
//! mirrors are generated with exhaustive `From` both ways, so a variant added
//! to the domain fails to compile here until the API says what it is. Field
//! names follow the domain's (a `TicketDto` reads like the `ticket` inside a
//! `ticket_issued` event), times are UTC milliseconds, days are `YYYY-MM-DD`.

/// A wire enum mirroring a domain enum variant for variant, snake_case.
macro_rules! wire_enum {
    ($(#[$m:meta])* $name:ident <=> $core:ident { $($(#[$vm:meta])* $v:ident),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vm])* $v),*
        }
        impl From<$core> for $name {
            fn from(v: $core) -> Self {
                match v { $($core::$v => Self::$v),* }
            }
        }
        impl From<$name> for $core {
            fn from(v: $name) -> Self {
                match v { $($name::$v => $core::$v),* }
            }
        }
    };
}
use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveTime};
use hallq_store::GroupBy;
use hallq_store::hallq_core::hall::OpeningHours;
use hallq_store::hallq_core::{
    CounterStatus, Hall, Kpis, LowScoreReason, PriorityClass, PriorityReason, Resolution, RoutingOrder, RoutingPolicy,
    Service, StaffRole, Targets, Ticket, TicketState,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
pub(crate) use wire_enum;

use crate::error::ApiError;

wire_enum! {
    /// Who goes first.
    #[derive(Default)]
    Priority <=> PriorityClass {
        /// 普通.
        #[default]
        Normal,
        /// 优先: elderly, disabled, pregnant.
        Priority,
        /// 预约.
        Appointment,
        /// 大客户.
        Vip,
    }
}

wire_enum! {
    /// Why a ticket is `priority`.
    PriorityWhy <=> PriorityReason {
        /// 老年人.
        Elderly,
        /// 残疾人.
        Disabled,
        /// 孕妇.
        Pregnant,
    }
}

wire_enum! {
    /// How a served ticket was closed.
    #[derive(Default)]
    ResolutionDto <=> Resolution {
        /// 办结.
        #[default]
        Completed,
        /// 受理 (a case for the back office).
        Accepted,
        /// 资料不全.
        MissingDocuments,
        /// 咨询已答复.
        Answered,
        /// 未办理.
        Declined,
    }
}

wire_enum! {
    /// The reason of a low rating.
    LowScoreWhy <=> LowScoreReason {
        /// 效率.
        Efficiency,
        /// 水平.
        Skill,
        /// 态度.
        Attitude,
        /// 环境.
        Environment,
        /// 流程.
        Procedure,
    }
}

wire_enum! {
    /// Where a ticket is in its life.
    TicketStateDto <=> TicketState {
        /// In the queue.
        Waiting,
        /// Called to a counter.
        Called,
        /// Being served.
        Serving,
        /// Served.
        Done,
        /// Called but never came.
        NoShow,
        /// Moved on to another service or counter.
        Transferred,
        /// Withdrawn.
        Cancelled,
        /// Open at day end.
        Expired,
    }
}

wire_enum! {
    /// Whether a counter takes customers.
    CounterStatusDto <=> CounterStatus {
        /// Not taking customers.
        Closed,
        /// Taking customers.
        Open,
        /// On a break.
        Paused,
    }
}

wire_enum! {
    /// Which waiting ticket a counter calls among equals.
    RoutingOrderDto <=> RoutingOrder {
        /// The oldest across its services.
        Fifo,
        /// Its first service before its second.
        Ordered,
    }
}

wire_enum! {
    /// A staff member's role.
    StaffRoleDto <=> StaffRole {
        /// 营业员.
        Agent,
        /// 值班长.
        Supervisor,
        /// 管理员.
        Admin,
    }
}

wire_enum! {
    /// How a KPI report groups tickets.
    #[derive(Default)]
    GroupByDto <=> GroupBy {
        /// One group.
        #[default]
        Total,
        /// Per hall.
        Hall,
        /// Per service.
        Service,
        /// Per counter.
        Counter,
        /// Per staff member.
        Staff,
        /// Per local hour of issue.
        Hour,
        /// Per business day.
        Day,
        /// Per weekday.
        Weekday,
    }
}

/// One leg of a customer's visit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TicketDto {
    /// This leg's id.
    pub id: Uuid,
    /// The visit's id (the first leg's).
    pub visit_id: Uuid,
    /// 1 for the issued ticket, 2.. after transfers.
    pub leg: u16,
    /// Printed number, e.g. `A012`.
    pub number: String,
    /// Service code.
    pub service: String,
    /// Priority class.
    pub priority: Priority,
    /// Why a priority ticket.
    pub priority_reason: Option<PriorityWhy>,
    /// Appointment number.
    pub appointment: Option<String>,
    /// Business day.
    pub business_day: NaiveDate,
    /// When the visit began (queue order), UTC ms.
    pub visit_issued_at: i64,
    /// When this leg entered its queue, UTC ms.
    pub issued_at: i64,
    /// First call, UTC ms.
    pub called_at: Option<i64>,
    /// Latest call or recall, UTC ms.
    pub last_called_at: Option<i64>,
    /// Recalls so far.
    pub recalls: u16,
    /// Service start, UTC ms.
    pub started_at: Option<i64>,
    /// Reached its final state, UTC ms.
    pub ended_at: Option<i64>,
    /// State.
    pub state: TicketStateDto,
    /// Finish outcome.
    pub resolution: Option<ResolutionDto>,
    /// The counter that called it.
    pub counter: Option<u32>,
    /// The staff member who called it.
    pub staff: Option<String>,
    /// Set when it waits for one named counter.
    pub target_counter: Option<u32>,
    /// The next leg, after a transfer.
    pub transferred_to: Option<Uuid>,
    /// Rating 1..=5.
    pub rating: Option<u8>,
    /// Low-score reason.
    pub rating_reason: Option<LowScoreWhy>,
    /// When rated, UTC ms.
    pub rated_at: Option<i64>,
    /// People ahead at issue.
    pub people_ahead: u32,
    /// Estimated wait told at issue, ms; `null` when no counter was open.
    pub estimated_wait_ms: Option<i64>,
}

impl From<Ticket> for TicketDto {
    fn from(t: Ticket) -> Self {
        Self {
            id: t.id,
            visit_id: t.visit_id,
            leg: t.leg,
            number: t.number,
            service: t.service,
            priority: t.priority.into(),
            priority_reason: t.priority_reason.map(Into::into),
            appointment: t.appointment,
            business_day: t.business_day,
            visit_issued_at: t.visit_issued_at,
            issued_at: t.issued_at,
            called_at: t.called_at,
            last_called_at: t.last_called_at,
            recalls: t.recalls,
            started_at: t.started_at,
            ended_at: t.ended_at,
            state: t.state.into(),
            resolution: t.resolution.map(Into::into),
            counter: t.counter,
            staff: t.staff,
            target_counter: t.target_counter,
            transferred_to: t.transferred_to,
            rating: t.rating.map(|r| r.level()),
            rating_reason: t.rating_reason.map(Into::into),
            rated_at: t.rated_at,
            people_ahead: t.people_ahead,
            estimated_wait_ms: t.estimated_wait_ms,
        }
    }
}

/// What a command did.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CommandAnswer {
    /// The seq of the last event it logged (the stream carries it too).
    pub seq: u64,
    /// The hall's time for it, UTC ms.
    pub at: i64,
    /// The ticket it was about, as it is now (issued, called, finished ...).
    pub ticket: Option<TicketDto>,
}

impl From<hallq_store::Executed> for CommandAnswer {
    fn from(e: hallq_store::Executed) -> Self {
        Self { seq: e.seq, at: e.at, ticket: e.ticket.map(Into::into) }
    }
}

/// Local opening hours, `HH:MM`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OpeningHoursDto {
    /// First minute tickets are issued, e.g. `08:30`.
    pub open: String,
    /// No tickets from this time on, e.g. `17:30`.
    pub close: String,
}

impl From<OpeningHours> for OpeningHoursDto {
    fn from(h: OpeningHours) -> Self {
        Self { open: h.open.format("%H:%M").to_string(), close: h.close.format("%H:%M").to_string() }
    }
}

impl TryFrom<OpeningHoursDto> for OpeningHours {
    type Error = ApiError;
    fn try_from(h: OpeningHoursDto) -> Result<Self, ApiError> {
        let t = |s: &str| {
            NaiveTime::parse_from_str(s, "%H:%M")
                .or_else(|_| NaiveTime::parse_from_str(s, "%H:%M:%S"))
                .map_err(|_| ApiError::invalid(format!("时间“{s}”须为 HH:MM"), format!("time '{s}' must be HH:MM")))
        };
        Ok(Self { open: t(&h.open)?, close: t(&h.close)? })
    }
}

/// The hall's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct HallDto {
    /// Stable id.
    pub id: Uuid,
    /// Short code.
    pub code: String,
    /// Name.
    pub name: String,
    /// IANA time zone, e.g. `Asia/Shanghai`.
    pub time_zone: String,
    /// Local hour at which the business day turns.
    pub rollover_hour: u8,
    /// Opening hours; `null` = tickets at any time.
    pub opening: Option<OpeningHoursDto>,
    /// Recalls before an automatic no-show.
    pub max_recalls: u16,
    /// Notices for the display's ticker, in order.
    pub notices: Vec<String>,
    /// Public holidays on weekdays (not working days).
    pub holidays: Vec<NaiveDate>,
    /// Make-up working days on weekends.
    pub workdays: Vec<NaiveDate>,
    /// The targets reports mark.
    pub targets: TargetsDto,
    /// The hall server's address on the LAN for customers' phones (the base
    /// of the live-ticket URL in the QR code); `null` = derived.
    pub public_url: Option<String>,
}

impl From<Hall> for HallDto {
    fn from(h: Hall) -> Self {
        Self {
            id: h.id,
            code: h.code,
            name: h.name,
            time_zone: h.time_zone.name().to_string(),
            rollover_hour: h.rollover_hour,
            opening: h.opening.map(Into::into),
            max_recalls: h.max_recalls,
            notices: h.notices,
            holidays: h.holidays,
            workdays: h.workdays,
            targets: h.targets.into(),
            public_url: h.public_url,
        }
    }
}

/// A service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ServiceDto {
    /// Code, e.g. `PAY`.
    pub code: String,
    /// Ticket prefix letter.
    pub prefix: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// Target wait, minutes.
    pub target_wait_min: u32,
    /// Target handling, minutes.
    pub target_handling_min: u32,
    /// Whether the kiosk issues tickets for it.
    pub enabled: bool,
}

impl From<Service> for ServiceDto {
    fn from(s: Service) -> Self {
        Self {
            code: s.code,
            prefix: s.prefix.to_string(),
            name_zh: s.name_zh,
            name_en: s.name_en,
            target_wait_min: s.target_wait_min,
            target_handling_min: s.target_handling_min,
            enabled: s.enabled,
        }
    }
}

/// How a counter picks the next ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RoutingDto {
    /// Order among equals.
    pub order: RoutingOrderDto,
    /// At most this many priority tickets in a row while normal ones wait;
    /// `null` = priority always first.
    pub max_priority_in_row: Option<u8>,
}

impl From<RoutingPolicy> for RoutingDto {
    fn from(p: RoutingPolicy) -> Self {
        Self { order: p.order.into(), max_priority_in_row: p.max_priority_in_row }
    }
}

impl From<RoutingDto> for RoutingPolicy {
    fn from(p: RoutingDto) -> Self {
        Self { order: p.order.into(), max_priority_in_row: p.max_priority_in_row }
    }
}

/// The KPIs of a set of tickets (definitions in hallq-core's `kpi` module).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct KpisDto {
    /// Visits.
    pub issued: u64,
    /// Legs (visits plus transfers).
    pub legs: u64,
    /// Legs served to the end.
    pub served: u64,
    /// Visits that ended as no-shows.
    pub no_show: u64,
    /// Visits withdrawn.
    pub cancelled: u64,
    /// Visits open at day end.
    pub expired: u64,
    /// Legs transferred.
    pub transferred: u64,
    /// Legs still open.
    pub open: u64,
    /// no_show ÷ issued.
    pub no_show_rate: Option<f64>,
    /// (cancelled + expired) ÷ issued.
    pub left_without_service_rate: Option<f64>,
    /// Mean wait, ms.
    pub wait_mean_ms: Option<i64>,
    /// Median wait, ms.
    pub wait_p50_ms: Option<i64>,
    /// 90th percentile wait, ms.
    pub wait_p90_ms: Option<i64>,
    /// Longest wait, ms.
    pub wait_max_ms: Option<i64>,
    /// Share called within the target wait.
    pub within_target_wait: Option<f64>,
    /// Mean handling, ms.
    pub handling_mean_ms: Option<i64>,
    /// 90th percentile handling, ms.
    pub handling_p90_ms: Option<i64>,
    /// Share handled within the target.
    pub within_target_handling: Option<f64>,
    /// Most legs waiting at once.
    pub peak_queue: u64,
    /// Visits per clock hour with arrivals.
    pub arrivals_per_hour: Option<f64>,
    /// Handling time ÷ counter open time.
    pub utilisation: Option<f64>,
    /// Rated legs.
    pub rated: u64,
    /// rated ÷ served.
    pub rating_coverage: Option<f64>,
    /// (非常满意 + 满意) ÷ rated.
    pub satisfaction: Option<f64>,
    /// Ratings per level, index 0 = level 1 … 4 = level 5.
    pub ratings_by_level: Vec<u64>,
    /// Low-score reasons and their counts.
    pub low_score_reasons: BTreeMap<String, u64>,
}

impl From<Kpis> for KpisDto {
    fn from(k: Kpis) -> Self {
        Self {
            issued: k.issued,
            legs: k.legs,
            served: k.served,
            no_show: k.no_show,
            cancelled: k.cancelled,
            expired: k.expired,
            transferred: k.transferred,
            open: k.open,
            no_show_rate: k.no_show_rate,
            left_without_service_rate: k.left_without_service_rate,
            wait_mean_ms: k.wait_mean_ms,
            wait_p50_ms: k.wait_p50_ms,
            wait_p90_ms: k.wait_p90_ms,
            wait_max_ms: k.wait_max_ms,
            within_target_wait: k.within_target_wait,
            handling_mean_ms: k.handling_mean_ms,
            handling_p90_ms: k.handling_p90_ms,
            within_target_handling: k.within_target_handling,
            peak_queue: k.peak_queue,
            arrivals_per_hour: k.arrivals_per_hour,
            utilisation: k.utilisation,
            rated: k.rated,
            rating_coverage: k.rating_coverage,
            satisfaction: k.satisfaction,
            ratings_by_level: k.ratings_by_level.to_vec(),
            low_score_reasons: k.low_score_reasons,
        }
    }
}

/// The targets a bureau holds its halls to; reports mark rows below them.
/// Each is a share, 0..1.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TargetsDto {
    /// Share called within the target wait (default 0.8).
    pub within_target_wait: f64,
    /// Satisfaction (default 0.95).
    pub satisfaction: f64,
    /// Rating coverage (default 0.6).
    pub rating_coverage: f64,
}

// JSON has no NaN: a target is a finite number, so equality is reflexive.
impl Eq for TargetsDto {}

impl From<Targets> for TargetsDto {
    fn from(t: Targets) -> Self {
        Self {
            within_target_wait: t.within_target_wait,
            satisfaction: t.satisfaction,
            rating_coverage: t.rating_coverage,
        }
    }
}

impl From<TargetsDto> for Targets {
    fn from(t: TargetsDto) -> Self {
        Self {
            within_target_wait: t.within_target_wait,
            satisfaction: t.satisfaction,
            rating_coverage: t.rating_coverage,
        }
    }
}

/// A follow-up's state today.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FollowUpStateDto {
    /// Open, deadline not passed.
    Open,
    /// Closed.
    Done,
    /// Open past its deadline.
    Overdue,
}

#[cfg(test)]
mod tests {
    use super::*;
    use hallq_store::hallq_core::Rating;

    fn ticket() -> Ticket {
        Ticket {
            id: Uuid::from_u128(1),
            visit_id: Uuid::from_u128(1),
            leg: 1,
            number: "A001".into(),
            service: "PAY".into(),
            priority: PriorityClass::Priority,
            priority_reason: Some(PriorityReason::Elderly),
            appointment: None,
            business_day: NaiveDate::from_ymd_opt(2026, 11, 27).unwrap(),
            visit_issued_at: 10,
            issued_at: 10,
            called_at: Some(20),
            last_called_at: Some(25),
            recalls: 1,
            started_at: Some(30),
            ended_at: Some(40),
            state: TicketState::Done,
            resolution: Some(Resolution::MissingDocuments),
            counter: Some(2),
            staff: Some("1001".into()),
            target_counter: None,
            transferred_to: None,
            rating: Rating::new(2),
            rating_reason: Some(LowScoreReason::Attitude),
            rated_at: Some(50),
            people_ahead: 3,
            estimated_wait_ms: Some(600_000),
        }
    }

    #[test]
    fn a_ticket_on_the_wire_reads_exactly_like_the_ticket_inside_an_event() {
        let t = ticket();
        let wire = serde_json::to_value(TicketDto::from(t.clone())).unwrap();
        let log = serde_json::to_value(&t).unwrap();
        assert_eq!(wire, log);
    }

    #[test]
    fn opening_hours_take_hh_mm_and_refuse_nonsense() {
        let h: OpeningHours = OpeningHoursDto { open: "08:30".into(), close: "17:30:00".into() }.try_into().unwrap();
        assert_eq!(OpeningHoursDto::from(h), OpeningHoursDto { open: "08:30".into(), close: "17:30".into() });
        let bad: Result<OpeningHours, _> = OpeningHoursDto { open: "25:00".into(), close: "x".into() }.try_into();
        assert_eq!(bad.unwrap_err().code(), "invalid_request");
    }
}
