//! Wire types: every JSON body the API reads or writes, with its OpenAPI
//! schema, and the mapping from and to the domain's and the store's types.
//!
//! The domain's own serde forms are the event log's format and must never
//! change; these types are the API's, so the two can evolve apart. Enum
//! mirrors are generated with exhaustive `From` both ways, so a variant added
//! to the domain fails to compile here until the API says what it is. Field
//! names follow the domain's (a `TicketDto` reads like the `ticket` inside a
//! `ticket_issued` event), times are UTC milliseconds, days are `YYYY-MM-DD`.
//!
//! Read in this order: the enums, then responses (tickets, hall, status,
//! stream, KPIs, settings, terminals), then requests.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveTime};
use hallq_store::hallq_core::counter::CounterConfig;
use hallq_store::hallq_core::hall::OpeningHours;
use hallq_store::hallq_core::{
    Actor, CounterStatus, EventData, Hall, Kpis, LowScoreReason, PriorityClass, PriorityReason, Resolution,
    RoutingOrder, RoutingPolicy, Service, Staff, StaffRole, Targets, Ticket, TicketState,
};
use hallq_store::{
    CounterNow, FollowUpState, GroupBy, HallStatus, KpiGroup, KpiReport, Overview, PairingCode, PrintDelivery,
    PrintJob, PrintJobState, PrintReason, PrinterConfig, PrinterKind, ServiceStatus, StoredEvent, Terminal,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::matrix::Role;
use crate::error::{ApiError, ErrorBody};

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

// ---------------------------------------------------------------- responses

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

/// The hall as every terminal sees it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct HallInfo {
    /// Settings, notices included.
    pub hall: HallDto,
    /// The current business day.
    pub day: NaiveDate,
    /// The server's clock, UTC ms (screens show times relative to it).
    pub now: i64,
    /// The seq of the hall's last event.
    pub seq: u64,
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

/// One service's queue now.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ServiceNow {
    /// The service.
    pub service: ServiceDto,
    /// Tickets waiting for it.
    pub waiting: u32,
    /// Open, staffed counters serving it.
    pub open_counters: u32,
    /// What a new normal ticket would be told, ms; `null` with no open counter.
    pub estimated_wait_ms: Option<i64>,
    /// How long the longest-waiting ticket has waited, ms.
    pub longest_wait_ms: Option<i64>,
}

impl From<ServiceStatus> for ServiceNow {
    fn from(s: ServiceStatus) -> Self {
        Self {
            service: s.service.into(),
            waiting: s.waiting,
            open_counters: s.open_counters,
            estimated_wait_ms: s.estimated_wait_ms,
            longest_wait_ms: s.longest_wait_ms,
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

/// A counter now.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CounterNowDto {
    /// Number.
    pub number: u32,
    /// Name.
    pub name: String,
    /// Services served, in preference order.
    pub services: Vec<String>,
    /// Routing policy.
    pub routing: RoutingDto,
    /// Open, paused or closed.
    pub status: CounterStatusDto,
    /// `serving` when open with a current ticket, else the status.
    pub state: String,
    /// Why paused.
    pub pause_reason: Option<String>,
    /// Staff number logged in.
    pub staff: Option<String>,
    /// Their name.
    pub staff_name: Option<String>,
    /// When the status last changed, UTC ms.
    pub status_since: i64,
    /// The ticket called to or served at it.
    pub current: Option<TicketDto>,
    /// Tickets waiting for the services it serves.
    pub waiting: u32,
}

impl CounterNowDto {
    /// A counter of a status, with the waiting count of its services.
    pub fn of(c: CounterNow, services: &[ServiceStatus]) -> Self {
        let waiting = services.iter().filter(|s| c.counter.services.contains(&s.service.code)).map(|s| s.waiting).sum();
        let state = c.counter.state_name().to_string();
        let k = c.counter;
        Self {
            number: k.number,
            name: k.name,
            services: k.services,
            routing: k.policy.into(),
            status: k.status.into(),
            state,
            pause_reason: k.pause_reason,
            staff: k.staff,
            staff_name: c.staff_name,
            status_since: k.status_since,
            current: c.current.map(Into::into),
            waiting,
        }
    }
}

/// The hall now: what the board and the display draw.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct StatusDto {
    /// The hall.
    pub hall: HallDto,
    /// Its business day.
    pub day: NaiveDate,
    /// Services with their queues, in kiosk order.
    pub services: Vec<ServiceNow>,
    /// Counters by number.
    pub counters: Vec<CounterNowDto>,
}

impl From<HallStatus> for StatusDto {
    fn from(s: HallStatus) -> Self {
        let counters = s.counters.into_iter().map(|c| CounterNowDto::of(c, &s.services)).collect();
        Self { hall: s.hall.into(), day: s.day, services: s.services.into_iter().map(Into::into).collect(), counters }
    }
}

/// A ticket's place in the queue now.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PositionDto {
    /// The ticket (the visit's latest leg when asked by number).
    pub ticket: Uuid,
    /// Printed number.
    pub number: String,
    /// Service code.
    pub service: String,
    /// State.
    pub state: TicketStateDto,
    /// People ahead in its queue; `null` when it is no longer waiting.
    pub people_ahead: Option<u32>,
    /// Estimated wait from now, ms; `null` when unknown or not waiting.
    pub estimated_wait_ms: Option<i64>,
    /// The counter it was called to.
    pub counter: Option<u32>,
}

/// One call, for the display.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CallDto {
    /// The ticket.
    pub ticket: Uuid,
    /// Printed number.
    pub number: String,
    /// Service code.
    pub service: String,
    /// The counter it was called to.
    pub counter: u32,
    /// The latest call or recall, UTC ms.
    pub called_at: i64,
    /// Recalls so far.
    pub recalls: u16,
    /// State now.
    pub state: TicketStateDto,
}

/// Waiting tickets of one service, in queue order.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ServiceQueueDto {
    /// Service code.
    pub service: String,
    /// Priority tickets first, then by the visit's issue time.
    pub tickets: Vec<TicketDto>,
}

/// Waiting tickets transferred to one named counter.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CounterQueueDto {
    /// Counter number.
    pub counter: u32,
    /// In queue order.
    pub tickets: Vec<TicketDto>,
}

/// Every queue.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct QueuesDto {
    /// Per service, in kiosk order.
    pub services: Vec<ServiceQueueDto>,
    /// Per named counter.
    pub counters: Vec<CounterQueueDto>,
}

/// The ticket a rating pad asks the customer to rate.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PendingRatingDto {
    /// The counter.
    pub counter: u32,
    /// The ticket just finished there and not yet rated; `null` when none.
    pub ticket: Option<TicketDto>,
}

/// One event of the hall's log.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EventDto {
    /// Per-hall sequence number, gapless from 1.
    pub seq: u64,
    /// UUIDv7.
    pub id: Uuid,
    /// UTC ms.
    pub at: i64,
    /// Event kind, e.g. `ticket_called`.
    pub kind: String,
    /// Who caused it, as in the log: `{"type": "staff", "id": "1001"}`.
    #[schema(value_type = Object)]
    pub actor: Actor,
    /// The event as the log stores it (`kind` plus its fields); the log's
    /// format is stable: kinds are only ever added.
    #[schema(value_type = Object)]
    pub data: EventData,
}

impl From<&StoredEvent> for EventDto {
    fn from(e: &StoredEvent) -> Self {
        Self {
            seq: e.seq,
            id: e.id,
            at: e.at,
            kind: e.data.kind().to_string(),
            actor: e.actor.clone(),
            data: e.data.clone(),
        }
    }
}

/// The hall at one seq: the stream's first message.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SnapshotDto {
    /// Events after this seq follow.
    pub seq: u64,
    /// The hall at that seq.
    pub status: StatusDto,
}

/// A message of `/api/v1/stream` (JSON text frames).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum StreamMessage {
    /// First, without `since`: the hall now.
    Snapshot(SnapshotDto),
    /// Then every event, in seq order, once each.
    Event(EventDto),
    /// The stream cannot go on (a `since` from the future); it closes.
    Error(ErrorBody),
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

/// One group of a KPI report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct KpiGroupDto {
    /// Sortable key (service code, counter `003`, hour `09`, date ...).
    pub key: String,
    /// What people read.
    pub label: String,
    /// The KPIs.
    pub kpis: KpisDto,
}

/// A KPI report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct KpiReportDto {
    /// First business day.
    pub from: NaiveDate,
    /// Last business day.
    pub to: NaiveDate,
    /// Grouping.
    pub by: GroupByDto,
    /// The whole range.
    pub total: KpisDto,
    /// Per group, by key.
    pub groups: Vec<KpiGroupDto>,
}

impl From<KpiReport> for KpiReportDto {
    fn from(r: KpiReport) -> Self {
        Self {
            from: r.from,
            to: r.to,
            by: r.by.into(),
            total: r.total.into(),
            groups: r
                .groups
                .into_iter()
                .map(|g: KpiGroup| KpiGroupDto { key: g.key, label: g.label, kpis: g.kpis.into() })
                .collect(),
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

/// A range of business days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PeriodDto {
    /// First business day.
    pub from: NaiveDate,
    /// Last business day, inclusive.
    pub to: NaiveDate,
}

/// A hall a report covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct HallRefDto {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
}

/// One business day's KPIs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DailyKpisDto {
    /// The day.
    pub day: NaiveDate,
    /// Its KPIs (empty days have zero counts and null rates).
    pub kpis: KpisDto,
}

/// A 2-minute bucket of called legs' waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct WaitBucketDto {
    /// Lower bound, minutes, inclusive.
    pub from_min: u32,
    /// Upper bound, minutes, exclusive; null for the last bucket (60+).
    pub to_min: Option<u32>,
    /// Called legs.
    pub count: u64,
}

/// One cell of the hour × weekday heat map.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct HeatCellDto {
    /// 0 = Monday … 6 = Sunday.
    pub weekday: u8,
    /// Local hour of issue.
    pub hour: u8,
    /// Mean visits in this hour on such a weekday of the range.
    pub arrivals: f64,
    /// Mean wait of the called legs issued in it, ms.
    pub mean_wait_ms: Option<i64>,
}

/// The queue at one time of day, every 15 minutes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct QueuePointDto {
    /// Local minute of the day.
    pub minute: u32,
    /// Mean legs waiting at that minute over the days with tickets.
    pub mean_queue: f64,
    /// Most legs waiting at that minute on one day.
    pub max_queue: u64,
}

/// A staff member's row with their share of the load.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct StaffRowDto {
    /// Staff number.
    pub key: String,
    /// Name.
    pub label: String,
    /// Their KPIs.
    pub kpis: KpisDto,
    /// Their served legs ÷ all staff's served legs.
    pub share_of_load: Option<f64>,
}

/// The staff table with the load balance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct StaffLoadDto {
    /// By staff number.
    pub rows: Vec<StaffRowDto>,
    /// Most served ÷ mean served; null with fewer than two staff.
    pub max_over_mean: Option<f64>,
    /// Gini coefficient of served legs; null with fewer than two staff.
    pub gini: Option<f64>,
}

/// One of the longest waits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LongWaitDto {
    /// The ticket leg.
    pub ticket: Uuid,
    /// Its number.
    pub number: String,
    /// Service code.
    pub service: String,
    /// Service name.
    pub service_name: String,
    /// Business day.
    pub day: NaiveDate,
    /// When it joined its queue, UTC ms.
    pub issued_at: i64,
    /// First call − issue, ms.
    pub wait_ms: i64,
    /// The counter that called it.
    pub counter: Option<u32>,
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

/// One follow-up of the range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FollowUpItemDto {
    /// The rated ticket leg.
    pub ticket: Uuid,
    /// Its number.
    pub number: String,
    /// Rating level, 1 or 2.
    pub rating: u8,
    /// The reason given.
    pub reason: Option<String>,
    /// Deadline.
    pub due: NaiveDate,
    /// State today.
    pub state: FollowUpStateDto,
}

/// The follow-ups of a range's low ratings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FollowUpSummaryDto {
    /// Open, deadline not passed.
    pub open: u64,
    /// Closed.
    pub done: u64,
    /// Open past the deadline.
    pub overdue: u64,
    /// Overdue first, then open, then done, each by deadline; at most 200.
    pub items: Vec<FollowUpItemDto>,
}

/// The reports page's overview of a range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct OverviewDto {
    /// First business day.
    pub from: NaiveDate,
    /// Last business day.
    pub to: NaiveDate,
    /// The period of the same length just before.
    pub previous: PeriodDto,
    /// The halls covered.
    pub halls: Vec<HallRefDto>,
    /// The targets marked.
    pub targets: TargetsDto,
    /// The whole range.
    pub total: KpisDto,
    /// The previous period.
    pub previous_total: KpisDto,
    /// Every day of the range, in order.
    pub daily: Vec<DailyKpisDto>,
    /// Called legs' waits in 2-minute buckets; the last is 60+.
    pub wait_histogram: Vec<WaitBucketDto>,
    /// Hour × weekday cells with data.
    pub heatmap: Vec<HeatCellDto>,
    /// Queue length every 15 minutes through the day.
    pub queue_by_time: Vec<QueuePointDto>,
    /// Counters (utilisation inside the KPIs).
    pub counters: Vec<KpiGroupDto>,
    /// Staff and the load balance.
    pub staff: StaffLoadDto,
    /// The 20 longest waits, longest first.
    pub longest_waits: Vec<LongWaitDto>,
    /// Follow-ups of the range's low ratings.
    pub follow_ups: FollowUpSummaryDto,
}

impl From<Overview> for OverviewDto {
    fn from(o: Overview) -> Self {
        let group = |g: KpiGroup| KpiGroupDto { key: g.key, label: g.label, kpis: g.kpis.into() };
        Self {
            from: o.from,
            to: o.to,
            previous: PeriodDto { from: o.previous.0, to: o.previous.1 },
            halls: o.halls.into_iter().map(|(id, name)| HallRefDto { id, name }).collect(),
            targets: o.targets.into(),
            total: o.total.into(),
            previous_total: o.previous_total.into(),
            daily: o.daily.into_iter().map(|(day, k)| DailyKpisDto { day, kpis: k.into() }).collect(),
            wait_histogram: o
                .wait_histogram
                .into_iter()
                .map(|b| WaitBucketDto { from_min: b.from_min, to_min: b.to_min, count: b.count })
                .collect(),
            heatmap: o
                .heatmap
                .into_iter()
                .map(|c| HeatCellDto {
                    weekday: c.weekday,
                    hour: c.hour,
                    arrivals: c.arrivals,
                    mean_wait_ms: c.mean_wait_ms,
                })
                .collect(),
            queue_by_time: o
                .queue_by_time
                .into_iter()
                .map(|p| QueuePointDto { minute: p.minute, mean_queue: p.mean_queue, max_queue: p.max_queue })
                .collect(),
            counters: o.counters.into_iter().map(group).collect(),
            staff: StaffLoadDto {
                rows: o
                    .staff
                    .rows
                    .into_iter()
                    .map(|r| StaffRowDto {
                        key: r.group.key,
                        label: r.group.label,
                        kpis: r.group.kpis.into(),
                        share_of_load: r.share_of_load,
                    })
                    .collect(),
                max_over_mean: o.staff.max_over_mean,
                gini: o.staff.gini,
            },
            longest_waits: o
                .longest_waits
                .into_iter()
                .map(|l| LongWaitDto {
                    ticket: l.ticket,
                    number: l.number,
                    service: l.service,
                    service_name: l.service_name,
                    day: l.day,
                    issued_at: l.issued_at,
                    wait_ms: l.wait_ms,
                    counter: l.counter,
                })
                .collect(),
            follow_ups: FollowUpSummaryDto {
                open: o.follow_ups.open,
                done: o.follow_ups.done,
                overdue: o.follow_ups.overdue,
                items: o
                    .follow_ups
                    .items
                    .into_iter()
                    .map(|i| FollowUpItemDto {
                        ticket: i.ticket,
                        number: i.number,
                        rating: i.rating,
                        reason: i.reason,
                        due: i.due,
                        state: match i.state {
                            FollowUpState::Open => FollowUpStateDto::Open,
                            FollowUpState::Done => FollowUpStateDto::Done,
                            FollowUpState::Overdue => FollowUpStateDto::Overdue,
                        },
                    })
                    .collect(),
            },
        }
    }
}

/// A counter's configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CounterConfigDto {
    /// Number.
    pub number: u32,
    /// Name.
    pub name: String,
    /// Services served, in preference order.
    pub services: Vec<String>,
    /// Routing policy.
    pub routing: RoutingDto,
}

impl From<CounterConfig> for CounterConfigDto {
    fn from(c: CounterConfig) -> Self {
        Self { number: c.number, name: c.name, services: c.services, routing: c.policy.into() }
    }
}

/// A staff member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct StaffDto {
    /// Staff number (工号).
    pub number: String,
    /// Name.
    pub name: String,
    /// Role.
    pub role: StaffRoleDto,
    /// Whether they may log in.
    pub active: bool,
    /// Whether a PIN is set (without one they cannot log in).
    pub has_pin: bool,
}

/// The hall's whole configuration.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SettingsDto {
    /// The hall.
    pub hall: HallDto,
    /// Services in kiosk order.
    pub services: Vec<ServiceDto>,
    /// Counters by number.
    pub counters: Vec<CounterConfigDto>,
    /// Staff by number.
    pub staff: Vec<StaffDto>,
}

/// A paired terminal or a supervisor session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TerminalDto {
    /// Id.
    pub id: Uuid,
    /// Role: kiosk, counter, display, rating_pad, board or supervisor.
    pub role: String,
    /// Its counter (counter, rating pad).
    pub counter: Option<u32>,
    /// Name; for a supervisor session, the staff number.
    pub name: String,
    /// Paired, UTC ms.
    pub created_at: i64,
    /// The token stops working by itself then (sessions), UTC ms.
    pub expires_at: Option<i64>,
    /// Revoked, UTC ms.
    pub revoked_at: Option<i64>,
}

impl From<Terminal> for TerminalDto {
    fn from(t: Terminal) -> Self {
        Self {
            id: t.id,
            role: t.role,
            counter: t.counter,
            name: t.name,
            created_at: t.created_at,
            expires_at: t.expires_at,
            revoked_at: t.revoked_at,
        }
    }
}

/// A pairing code for a new terminal.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PairingCodeDto {
    /// Six digits, typed on the terminal.
    pub code: String,
    /// The role it grants.
    pub role: String,
    /// Its counter.
    pub counter: Option<u32>,
    /// The terminal's name.
    pub name: String,
    /// Valid until, UTC ms.
    pub expires_at: i64,
}

impl From<PairingCode> for PairingCodeDto {
    fn from(c: PairingCode) -> Self {
        Self { code: c.code, role: c.role, counter: c.counter, name: c.name, expires_at: c.expires_at }
    }
}

/// A token and what it is: the answer of pairing, setup and supervisor login.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TokenDto {
    /// Send as `Authorization: Bearer <token>`; shown only now.
    pub token: String,
    /// The terminal or session.
    pub terminal: TerminalDto,
}

/// The caller itself.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MeDto {
    /// The terminal's id.
    pub terminal: Uuid,
    /// Its role.
    pub role: Role,
    /// Its counter.
    pub counter: Option<u32>,
    /// Its name.
    pub name: String,
    /// The hall.
    pub hall: Uuid,
}

/// The server is up, and whether its database can be written.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct HealthDto {
    /// `ok`; `disk_full` (commands answer 507 until space is freed; it
    /// clears by itself) or `database_damaged` (the server writes nothing
    /// more; restore the last good backup).
    pub status: String,
    /// The server's version.
    pub version: String,
    /// Whether the first-run setup still has to be done.
    pub needs_setup: bool,
    /// What is wrong, in both languages, when `status` is not `ok`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem: Option<crate::error::ErrorBody>,
}

/// The hall's backups, for the board.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BackupDto {
    /// The backup folder.
    pub dir: String,
    /// Whether the folder exists (a USB stick not plugged in: `false`).
    pub dir_exists: bool,
    /// The last good (made and verified) backup.
    pub last_good: Option<BackupFileDto>,
    /// The last attempt's failure, when it failed.
    pub last_error: Option<crate::error::ErrorBody>,
    /// Whether the board warns: the folder is missing, the last attempt
    /// failed, or there is no good backup of the last two days.
    pub warning: bool,
}

/// One backup file.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BackupFileDto {
    /// The file.
    pub file: String,
    /// When it was made, UTC ms.
    pub at: i64,
    /// Its size, bytes.
    pub bytes: u64,
}

// ---------------------------------------------------------------- requests

/// Take a ticket.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueRequest {
    /// Service code.
    pub service: String,
    /// Priority class (default `normal`).
    #[serde(default)]
    pub priority: Priority,
    /// Why, for `priority`.
    #[serde(default)]
    pub priority_reason: Option<PriorityWhy>,
    /// Appointment number, for `appointment`.
    #[serde(default)]
    pub appointment: Option<String>,
}

/// Call one waiting ticket.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CallRequest {
    /// Ticket id, or today's number (`A012`).
    pub ticket: String,
}

/// Finish the current ticket.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FinishRequest {
    /// Outcome (default `completed`).
    #[serde(default)]
    pub resolution: ResolutionDto,
}

/// Send the current customer on: exactly one of `service` and `counter`.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferRequest {
    /// Into this service's queue.
    #[serde(default)]
    pub service: Option<String>,
    /// To this counter, keeping the service.
    #[serde(default)]
    pub counter: Option<u32>,
}

/// Pause a counter.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PauseRequest {
    /// Why (break, meeting, system down), 1–64 characters.
    pub reason: String,
}

/// Staff number and PIN.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StaffLogin {
    /// Staff number (工号).
    pub staff: String,
    /// PIN, 4–12 digits.
    pub pin: String,
}

/// The customer's rating.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RateRequest {
    /// 5 非常满意, 4 满意, 3 基本满意, 2 不满意, 1 非常不满意.
    pub level: u8,
    /// Reason of a low score (levels 1 and 2).
    #[serde(default)]
    pub reason: Option<LowScoreWhy>,
    /// The ticket the pad showed; if given and no longer the one to rate,
    /// the rating is refused rather than given to the next customer.
    #[serde(default)]
    pub ticket: Option<Uuid>,
}

/// The first-run admin PIN.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetupRequest {
    /// 4–12 digits.
    pub pin: String,
}

/// A new PIN.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PinRequest {
    /// 4–12 digits.
    pub pin: String,
}

/// Ask for a pairing code.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PairingRequest {
    /// kiosk, counter, display, rating_pad or board (supervisors log in instead).
    pub role: Role,
    /// The counter, for counter and rating_pad.
    #[serde(default)]
    pub counter: Option<u32>,
    /// A name the supervisor recognises, 1–64 characters.
    pub name: String,
}

/// Exchange a pairing code.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PairRequest {
    /// The six digits.
    pub code: String,
}

/// The hall's settings (its id cannot change).
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HallSettings {
    /// Short code.
    pub code: String,
    /// Name.
    pub name: String,
    /// IANA time zone.
    pub time_zone: String,
    /// Local hour 0–23 at which the business day turns.
    pub rollover_hour: u8,
    /// Opening hours; `null` = any time.
    #[serde(default)]
    pub opening: Option<OpeningHoursDto>,
    /// Recalls before an automatic no-show (0–20).
    pub max_recalls: u16,
    /// Notices for the display (at most 10, each 1–200 characters).
    #[serde(default)]
    pub notices: Vec<String>,
    /// Public holidays on weekdays (not working days), for follow-up deadlines.
    #[serde(default)]
    pub holidays: Vec<NaiveDate>,
    /// Make-up working days on weekends.
    #[serde(default)]
    pub workdays: Vec<NaiveDate>,
    /// The targets reports mark; absent = keep the hall's current targets.
    #[serde(default)]
    pub targets: Option<TargetsDto>,
    /// The hall server's address for customers' phones, `http(s)://host[:port]`
    /// (the live-ticket QR code); absent or `null` = keep the current one,
    /// `""` = none (derived from the server's address).
    #[serde(default)]
    pub public_url: Option<String>,
}

impl HallSettings {
    /// The domain's hall with this id; without targets or a public URL in
    /// the request, the `current` hall's stay.
    pub fn into_hall(self, id: Uuid, current: &Hall) -> Result<Hall, ApiError> {
        let time_zone = self.time_zone.parse().map_err(|_| {
            ApiError::invalid(
                format!("时区“{}”无效（如 Asia/Shanghai）", self.time_zone),
                format!("unknown time zone '{}' (e.g. Asia/Shanghai)", self.time_zone),
            )
        })?;
        Ok(Hall {
            id,
            code: self.code,
            name: self.name,
            time_zone,
            rollover_hour: self.rollover_hour,
            opening: self.opening.map(TryInto::try_into).transpose()?,
            max_recalls: self.max_recalls,
            notices: self.notices,
            holidays: self.holidays,
            workdays: self.workdays,
            targets: self.targets.map_or(current.targets, Into::into),
            public_url: match self.public_url {
                None => current.public_url.clone(),
                Some(u) if u.trim().is_empty() => None,
                Some(u) => Some(u.trim().trim_end_matches('/').to_string()),
            },
        })
    }
}

/// A service's settings (its code is in the path).
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceSettings {
    /// Ticket prefix, one capital letter.
    pub prefix: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// Target wait, minutes (1–240).
    pub target_wait_min: u32,
    /// Target handling, minutes (1–240).
    pub target_handling_min: u32,
    /// Whether the kiosk issues tickets for it (default true).
    #[serde(default = "yes")]
    pub enabled: bool,
}

fn yes() -> bool {
    true
}

impl ServiceSettings {
    /// The domain's service with this code.
    pub fn into_service(self, code: String) -> Result<Service, ApiError> {
        let mut chars = self.prefix.chars();
        let (Some(prefix), None) = (chars.next(), chars.next()) else {
            return Err(ApiError::invalid("号码前缀须为一个大写字母", "the prefix must be one capital letter"));
        };
        Ok(Service {
            code,
            prefix,
            name_zh: self.name_zh,
            name_en: self.name_en,
            target_wait_min: self.target_wait_min,
            target_handling_min: self.target_handling_min,
            enabled: self.enabled,
        })
    }
}

/// A counter's settings (its number is in the path).
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CounterSettings {
    /// Name, 1–32 characters.
    pub name: String,
    /// Services served, in preference order.
    pub services: Vec<String>,
    /// Routing policy (default fifo, at most 2 priority tickets in a row).
    #[serde(default = "default_routing")]
    pub routing: RoutingDto,
}

fn default_routing() -> RoutingDto {
    RoutingDto { order: RoutingOrderDto::Fifo, max_priority_in_row: Some(2) }
}

impl CounterSettings {
    /// The domain's counter configuration with this number.
    pub fn into_config(self, number: u32) -> CounterConfig {
        CounterConfig { number, name: self.name, services: self.services, policy: self.routing.into() }
    }
}

/// A staff member's settings (the number is in the path).
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StaffSettings {
    /// Name, 1–32 characters.
    pub name: String,
    /// Role.
    pub role: StaffRoleDto,
    /// Whether they may log in (default true).
    #[serde(default = "yes")]
    pub active: bool,
}

impl StaffSettings {
    /// The domain's staff member with this number.
    pub fn into_staff(self, number: String) -> Staff {
        Staff { number, name: self.name, role: self.role.into(), active: self.active }
    }
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

    #[test]
    fn stream_messages_are_tagged_by_type() {
        let e = StoredEvent {
            id: Uuid::from_u128(9),
            hall_id: Uuid::from_u128(1),
            seq: 7,
            at: 100,
            actor: Actor::Staff("1001".into()),
            data: EventData::CounterOpened { counter: 3 },
        };
        let v = serde_json::to_value(StreamMessage::Event(EventDto::from(&e))).unwrap();
        assert_eq!(v["type"], "event");
        assert_eq!(v["seq"], 7);
        assert_eq!(v["kind"], "counter_opened");
        assert_eq!(v["data"]["counter"], 3);
        assert_eq!(v["actor"]["id"], "1001");
    }

    #[test]
    fn a_service_prefix_is_exactly_one_character() {
        let s = |p: &str| ServiceSettings {
            prefix: p.into(),
            name_zh: "交费".into(),
            name_en: "Pay".into(),
            target_wait_min: 15,
            target_handling_min: 5,
            enabled: true,
        };
        assert_eq!(s("A").into_service("PAY".into()).unwrap().prefix, 'A');
        assert!(s("AB").into_service("PAY".into()).is_err());
        assert!(s("").into_service("PAY".into()).is_err());
    }
}

/// A follow-up (回访) of a low rating.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FollowUpDto {
    /// The rated ticket leg (the follow-up's id).
    pub ticket: Uuid,
    /// Its number.
    pub number: String,
    /// Its service code.
    pub service: String,
    /// The counter that served it.
    pub counter: Option<u32>,
    /// The staff member who served it.
    pub staff: Option<String>,
    /// 1 (非常不满意) or 2 (不满意).
    pub level: u8,
    /// The reason the customer gave.
    pub reason: Option<LowScoreWhy>,
    /// When it was rated, UTC ms.
    pub rated_at: i64,
    /// The business day of the rating.
    pub business_day: NaiveDate,
    /// The last working day to close it on time (15 working days).
    pub deadline: NaiveDate,
    /// When it was closed, UTC ms.
    pub closed_at: Option<i64>,
    /// What was done.
    pub note: Option<String>,
    /// Open past its deadline today.
    pub overdue: bool,
}

impl FollowUpDto {
    /// The wire form of a follow-up, judged on `today`.
    pub fn of(f: hallq_store::hallq_core::FollowUp, today: NaiveDate) -> Self {
        Self {
            overdue: f.is_overdue(today),
            ticket: f.ticket,
            number: f.number,
            service: f.service,
            counter: f.counter,
            staff: f.staff,
            level: f.level,
            reason: f.reason.map(Into::into),
            rated_at: f.rated_at,
            business_day: f.business_day,
            deadline: f.deadline,
            closed_at: f.closed_at,
            note: f.note,
        }
    }
}

/// Close a follow-up.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseFollowUpRequest {
    /// What was done: the call back, the rectification (1–500 characters).
    pub note: String,
}

// Printing (issue 7): kiosk printers, print jobs, the live ticket page.

wire_enum! {
    /// How a kiosk's tickets are printed.
    PrinterKindDto <=> PrinterKind {
        /// No ticket printed (screen only).
        None,
        /// The kiosk page prints the HTML ticket.
        Html,
        /// A network printer (port 9100): the hall server prints.
        Network,
        /// A USB printer device on the hall server's PC.
        Usb,
        /// A serial printer on the hall server's PC.
        Serial,
        /// The kiosk's desktop app prints to its own printer.
        Local,
    }
}

wire_enum! {
    /// Where a print job stands.
    PrintJobStateDto <=> PrintJobState {
        /// Not printed yet; retried until it is.
        Pending,
        /// On paper.
        Printed,
        /// Not printed: its ticket no longer waits.
        Skipped,
        /// Cancelled by staff.
        Cancelled,
    }
}

wire_enum! {
    /// Who prints a job.
    PrintDeliveryDto <=> PrintDelivery {
        /// The hall server.
        Server,
        /// The kiosk page (HTML ticket, or its desktop app).
        Page,
    }
}

wire_enum! {
    /// Why a job was made.
    PrintReasonDto <=> PrintReason {
        /// The ticket was just issued.
        Issue,
        /// Staff asked for it again.
        Reprint,
        /// A test print from the settings.
        Test,
    }
}

/// A kiosk's printer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PrinterConfigDto {
    /// How tickets are printed.
    pub kind: PrinterKindDto,
    /// network: `host` or `host:port` (default port 9100); usb: device path
    /// (`/dev/usb/lp0`, Windows `\\localhost\POS58`); serial: port
    /// (`/dev/ttyUSB0`, `COM3`); otherwise `null`.
    #[serde(default)]
    pub address: Option<String>,
    /// Serial only: 2400–115200 (default 9600).
    #[serde(default)]
    pub baud: Option<u32>,
    /// Paper width, mm: 58 or 80 (default 80).
    #[serde(default = "paper_80")]
    pub paper: u16,
}

fn paper_80() -> u16 {
    80
}

impl From<PrinterConfig> for PrinterConfigDto {
    fn from(c: PrinterConfig) -> Self {
        Self { kind: c.kind.into(), address: c.address, baud: c.baud, paper: c.paper }
    }
}

impl From<PrinterConfigDto> for PrinterConfig {
    fn from(c: PrinterConfigDto) -> Self {
        Self { kind: c.kind.into(), address: c.address, baud: c.baud, paper: c.paper }
    }
}

/// A printer's state as last seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PrinterStateDto {
    /// Prints.
    Ready,
    /// Prints, but the roll is nearly finished.
    PaperNearEnd,
    /// Out of paper.
    PaperOut,
    /// Cover open.
    CoverOpen,
    /// Offline or unreachable.
    Offline,
    /// The transport cannot report status (USB), or the printer does not answer.
    Unknown,
    /// Not checked (kinds none, html, local before a report) or not yet.
    NotChecked,
}

/// A printer's status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PrinterStatusDto {
    /// The state.
    pub state: PrinterStateDto,
    /// When it was checked, UTC ms.
    pub checked_at: Option<i64>,
    /// 中文说明.
    pub message_zh: String,
    /// English explanation.
    pub message_en: String,
}

/// A kiosk, its printer and how that printer is doing.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PrinterDto {
    /// The kiosk terminal's id.
    pub kiosk: Uuid,
    /// The kiosk's name.
    pub kiosk_name: String,
    /// Its printer.
    pub config: PrinterConfigDto,
    /// The printer's status.
    pub status: PrinterStatusDto,
    /// That kiosk's print jobs still pending today.
    pub pending: u32,
}

/// What a printed ticket says, as it was at issue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TicketPrintDto {
    /// The hall's name.
    pub hall_name: String,
    /// The service's name.
    pub service_name: String,
    /// The ticket number, e.g. `A012`.
    pub number: String,
    /// Customers ahead at issue.
    pub people_ahead: u32,
    /// Estimated wait at issue, minutes; `null` when unknown.
    pub estimated_wait_minutes: Option<u32>,
    /// Issue time, local, `YYYY-MM-DD HH:MM`.
    pub issued_at: String,
    /// The live page's URL (the QR code); `""` when the hall has no LAN address.
    pub ticket_url: String,
    /// One notice line.
    pub notice: String,
}

/// A print job.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PrintJobDto {
    /// Its id.
    pub id: Uuid,
    /// The ticket.
    pub ticket: Uuid,
    /// The ticket's number.
    pub number: String,
    /// The kiosk it prints for.
    pub kiosk: Option<Uuid>,
    /// Why it was made.
    pub reason: PrintReasonDto,
    /// Who prints it.
    pub deliver: PrintDeliveryDto,
    /// The printer's kind.
    pub kind: PrinterKindDto,
    /// Paper width, mm.
    pub paper: u16,
    /// Where it stands.
    pub state: PrintJobStateDto,
    /// Attempts so far.
    pub attempts: u32,
    /// Why the last attempt failed.
    pub last_error: Option<ErrorBody>,
    /// What the ticket says.
    pub content: TicketPrintDto,
    /// When it was made, UTC ms.
    pub created_at: i64,
    /// When it was printed.
    pub printed_at: Option<i64>,
}

impl TryFrom<PrintJob> for PrintJobDto {
    type Error = ApiError;
    fn try_from(j: PrintJob) -> Result<Self, ApiError> {
        let content = serde_json::from_value(j.content)
            .map_err(|e| ApiError::Internal(format!("print job {} content: {e}", j.id)))?;
        Ok(Self {
            id: j.id,
            ticket: j.ticket,
            number: j.number,
            kiosk: j.kiosk,
            reason: j.reason.into(),
            deliver: j.deliver.into(),
            kind: j.printer.kind.into(),
            paper: j.printer.paper,
            state: j.state.into(),
            attempts: j.attempts,
            last_error: j.last_error.map(|f| ErrorBody {
                code: f.code,
                message_zh: f.message_zh,
                message_en: f.message_en,
            }),
            content,
            created_at: j.created_at,
            printed_at: j.printed_at,
        })
    }
}

/// A print job and, when its attempt failed, why.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PrintOutcomeDto {
    /// The job as it is now.
    pub job: PrintJobDto,
    /// Why it did not print now (`null`: printed, or the page prints it).
    pub fault: Option<ErrorBody>,
}

/// The answer to taking a ticket: the command's answer and the print.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct IssueAnswer {
    /// The seq of the last event it logged.
    pub seq: u64,
    /// The hall's time for it, UTC ms.
    pub at: i64,
    /// The ticket issued.
    pub ticket: Option<TicketDto>,
    /// Its print job; `null` when the caller is not a kiosk or prints nothing.
    pub print: Option<PrintOutcomeDto>,
}

/// A job's bytes for the kiosk's own printer.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EscposDto {
    /// Paper width, mm.
    pub paper: u16,
    /// The ESC/POS job, base64.
    pub bytes_base64: String,
}

/// What the kiosk page's printing did.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PrintResultRequest {
    /// Printed.
    pub ok: bool,
    /// The error's code when not.
    #[serde(default)]
    pub code: Option<String>,
    /// The error in Chinese.
    #[serde(default)]
    pub message_zh: Option<String>,
    /// The error in English.
    #[serde(default)]
    pub message_en: Option<String>,
}

/// Reprint a ticket.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReprintRequest {
    /// The kiosk to print at (default: the one that issued the ticket).
    #[serde(default)]
    pub kiosk: Option<Uuid>,
}

/// A ticket as its customer's phone shows it (the live ticket page).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LiveTicketDto {
    /// The ticket id named (the visit's first or any leg).
    pub ticket: Uuid,
    /// The number now.
    pub number: String,
    /// The service code now.
    pub service: String,
    /// The service's name.
    pub service_name: String,
    /// The hall's name.
    pub hall_name: String,
    /// The visit's state now (its newest leg).
    pub state: TicketStateDto,
    /// Customers ahead while waiting.
    pub people_ahead: Option<u32>,
    /// Estimated wait while waiting, ms.
    pub estimated_wait_ms: Option<i64>,
    /// The counter it is called to or served at.
    pub counter: Option<u32>,
    /// That counter's name.
    pub counter_name: Option<String>,
    /// When the visit began, UTC ms.
    pub issued_at: i64,
    /// When this leg was last called.
    pub called_at: Option<i64>,
    /// The hall's seq this view reflects.
    pub seq: u64,
}
