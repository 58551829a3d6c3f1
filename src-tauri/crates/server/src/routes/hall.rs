//! The hall now, as the kiosk, the display and the board read it: the hall
//! and its notices, services with their queues and estimated waits, the
//! whole status, the waiting tickets in order, and the last calls.

use axum::extract::State;
use chrono::NaiveDate;
use hallq_store::hallq_core::{Ticket, TicketState};
use hallq_store::{HallStatus, ServiceStatus, StoreError};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::tickets_today;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{Json, Query};
use crate::queue;
use crate::routes::counters::CounterNowDto;
use crate::state::AppState;
use crate::wire::{HallDto, ServiceDto};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(hall))
        .routes(routes!(services))
        .routes(routes!(status))
        .routes(routes!(queues))
        .routes(routes!(calls))
}

/// The hall: settings, notices, business day, the server's clock.
#[utoipa::path(
    get, path = "/api/v1/hall", tag = "hall",
    security(("token" = ["read_hall"])),
    responses((status = 200, body = HallInfo), (status = "4XX", body = ErrorBody))
)]
async fn hall(State(state): State<AppState>) -> ApiResult<Json<HallInfo>> {
    let now = state.now();
    let (hall, seq) = state
        .read(move |r, id| {
            let hall = r.halls()?.into_iter().find(|h| h.id == id).ok_or(StoreError::UnknownHall(id.to_string()))?;
            Ok((hall, r.last_seq(id)?))
        })
        .await?;
    Ok(Json(HallInfo { day: hall.business_day(now), hall: hall.into(), now, seq }))
}

/// Services in kiosk order with waiting counts and the wait a new ticket would be told.
#[utoipa::path(
    get, path = "/api/v1/services", tag = "hall",
    security(("token" = ["read_services"])),
    responses((status = 200, body = Vec<ServiceNow>), (status = "4XX", body = ErrorBody))
)]
async fn services(State(state): State<AppState>) -> ApiResult<Json<Vec<ServiceNow>>> {
    let now = state.now();
    let s = state.read(move |r, hall| r.status(hall, now)).await?;
    Ok(Json(s.services.into_iter().map(Into::into).collect()))
}

/// The whole hall now: services and counters.
#[utoipa::path(
    get, path = "/api/v1/status", tag = "hall",
    security(("token" = ["read_status"])),
    responses((status = 200, body = StatusDto), (status = "4XX", body = ErrorBody))
)]
async fn status(State(state): State<AppState>) -> ApiResult<Json<StatusDto>> {
    let now = state.now();
    Ok(Json(state.read(move |r, hall| r.status(hall, now)).await?.into()))
}

/// Every waiting ticket, per service (kiosk order) and per named counter.
#[utoipa::path(
    get, path = "/api/v1/queues", tag = "hall",
    security(("token" = ["read_queues"])),
    responses((status = 200, body = QueuesDto), (status = "4XX", body = ErrorBody))
)]
async fn queues(State(state): State<AppState>) -> ApiResult<Json<QueuesDto>> {
    let now = state.now();
    let (tickets, status) = state.read(move |r, hall| Ok((tickets_today(r, hall, now)?, r.status(hall, now)?))).await?;
    let queue::Queues { services: mut by_service, counters: by_counter } = queue::queues(&tickets);
    let services = status
        .services
        .iter()
        .map(|s| ServiceQueueDto {
            service: s.service.code.clone(),
            tickets: by_service.remove(&s.service.code).unwrap_or_default().into_iter().cloned().collect(),
        })
        .collect();
    let counters = by_counter
        .into_iter()
        .map(|(counter, q)| CounterQueueDto { counter, tickets: q.into_iter().cloned().collect() })
        .collect();
    Ok(Json(QueuesDto { services, counters }))
}

/// How many calls the display asks for.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct CallsQuery {
    /// How many (1–50, default 10).
    limit: Option<u16>,
}

/// The latest calls, newest first (the display's list).
#[utoipa::path(
    get, path = "/api/v1/calls", tag = "hall",
    security(("token" = ["read_calls"])),
    params(CallsQuery),
    responses((status = 200, body = Vec<CallDto>), (status = "4XX", body = ErrorBody))
)]
async fn calls(State(state): State<AppState>, Query(q): Query<CallsQuery>) -> ApiResult<Json<Vec<CallDto>>> {
    let now = state.now();
    let n = usize::from(q.limit.unwrap_or(10).clamp(1, 50));
    let tickets = state.read(move |r, hall| tickets_today(r, hall, now)).await?;
    let calls = queue::last_calls(&tickets, n)
        .into_iter()
        .filter_map(|t| {
            Some(CallDto {
                ticket: t.id,
                number: t.number.clone(),
                service: t.service.clone(),
                counter: t.counter?,
                called_at: t.last_called_at?,
                recalls: t.recalls,
                state: t.state,
            })
        })
        .collect();
    Ok(Json(calls))
}

// ---------------------------------------------------------------- wire types

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
    pub state: TicketState,
}

/// Waiting tickets of one service, in queue order.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ServiceQueueDto {
    /// Service code.
    pub service: String,
    /// Priority tickets first, then by the visit's issue time.
    pub tickets: Vec<Ticket>,
}

/// Waiting tickets transferred to one named counter.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CounterQueueDto {
    /// Counter number.
    pub counter: u32,
    /// In queue order.
    pub tickets: Vec<Ticket>,
}

/// Every queue.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct QueuesDto {
    /// Per service, in kiosk order.
    pub services: Vec<ServiceQueueDto>,
    /// Per named counter.
    pub counters: Vec<CounterQueueDto>,
}
