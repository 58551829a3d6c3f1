//! `/api/v1/counters`: the counters now, one counter's figures today, and
//! the counter's own state — open, pause, resume, close, staff log-in (staff
//! number + PIN, five wrong PINs lock the number) and log-out.

use axum::extract::State;
use hallq_store::hallq_core::{Actor, Command, CoreError, CounterStatus, Kpis, RoutingPolicy, Ticket};
use hallq_store::{CounterNow, GroupBy, KpiQuery, ServiceStatus};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::session::verify_pin;
use super::{staff_command, today};
use crate::auth::Caller;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{IdempotencyKey, Json, Path};
use crate::source::Source;
use crate::state::AppState;
use crate::wire::CommandAnswer;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(one))
        .routes(routes!(kpis))
        .routes(routes!(open))
        .routes(routes!(pause))
        .routes(routes!(resume))
        .routes(routes!(close))
        .routes(routes!(login))
        .routes(routes!(logout))
}

/// Every counter: state, staff, current ticket, waiting for its services.
#[utoipa::path(
    get, path = "/api/v1/counters", operation_id = "list_counters", tag = "counters",
    security(("token" = ["read_counters"])),
    responses((status = 200, body = Vec<CounterNowDto>), (status = "4XX", body = ErrorBody))
)]
async fn list(State(state): State<AppState>) -> ApiResult<Json<Vec<CounterNowDto>>> {
    let now = state.now();
    let s = state.read(move |r, hall| r.status(hall, now)).await?;
    Ok(Json(s.counters.into_iter().map(|c| CounterNowDto::of(c, &s.services)).collect()))
}

/// One counter now.
#[utoipa::path(
    get, path = "/api/v1/counters/{counter}", operation_id = "one_counter", tag = "counters",
    security(("token" = ["read_counter"])),
    params(("counter" = u32, Path, description = "counter number")),
    responses((status = 200, body = CounterNowDto), (status = "4XX", body = ErrorBody))
)]
async fn one(State(state): State<AppState>, Path(counter): Path<u32>) -> ApiResult<Json<CounterNowDto>> {
    let now = state.now();
    let s = state.read(move |r, hall| r.status(hall, now)).await?;
    let c = s.counters.into_iter().find(|c| c.counter.number == counter).ok_or(CoreError::UnknownCounter(counter))?;
    Ok(Json(CounterNowDto::of(c, &s.services)))
}

/// The counter's KPIs today (what the clerk sees of their own day).
#[utoipa::path(
    get, path = "/api/v1/counters/{counter}/kpis", tag = "counters",
    security(("token" = ["read_counter_kpis"])),
    params(("counter" = u32, Path, description = "counter number")),
    responses((status = 200, body = Kpis), (status = "4XX", body = ErrorBody))
)]
async fn kpis(State(state): State<AppState>, Path(counter): Path<u32>) -> ApiResult<Json<Kpis>> {
    let now = state.now();
    let report = state
        .read(move |r, hall| {
            if !r.counters(hall)?.iter().any(|c| c.number == counter) {
                return Err(CoreError::UnknownCounter(counter).into());
            }
            let day = today(r, hall, now)?;
            r.kpis(&KpiQuery { hall: Some(hall), from: day, to: day, by: GroupBy::Counter })
        })
        .await?;
    let key = format!("{counter:03}");
    let kpis = report.groups.into_iter().find(|g| g.key == key).map(|g| g.kpis).unwrap_or_default();
    Ok(Json(kpis))
}

/// Open the counter (someone must be logged in).
#[utoipa::path(
    post, path = "/api/v1/counters/{counter}/open", tag = "counters",
    security(("token" = ["operate_counter"])),
    params(("counter" = u32, Path, description = "counter number"), crate::extract::IdempotencyHeader),
    responses((status = 200, body = CommandAnswer), (status = "4XX", body = ErrorBody))
)]
async fn open(
    State(state): State<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    Path(counter): Path<u32>,
) -> ApiResult<Json<CommandAnswer>> {
    staff_command(&state, &caller, counter, Command::OpenCounter { counter }, &key).await
}

/// Pause the counter (idle only), with a reason.
#[utoipa::path(
    post, path = "/api/v1/counters/{counter}/pause", tag = "counters",
    security(("token" = ["operate_counter"])),
    params(("counter" = u32, Path, description = "counter number"), crate::extract::IdempotencyHeader),
    request_body = PauseRequest,
    responses((status = 200, body = CommandAnswer), (status = "4XX", body = ErrorBody))
)]
async fn pause(
    State(state): State<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    Path(counter): Path<u32>,
    Json(req): Json<PauseRequest>,
) -> ApiResult<Json<CommandAnswer>> {
    staff_command(&state, &caller, counter, Command::PauseCounter { counter, reason: req.reason }, &key).await
}

/// Resume a paused counter.
#[utoipa::path(
    post, path = "/api/v1/counters/{counter}/resume", tag = "counters",
    security(("token" = ["operate_counter"])),
    params(("counter" = u32, Path, description = "counter number"), crate::extract::IdempotencyHeader),
    responses((status = 200, body = CommandAnswer), (status = "4XX", body = ErrorBody))
)]
async fn resume(
    State(state): State<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    Path(counter): Path<u32>,
) -> ApiResult<Json<CommandAnswer>> {
    staff_command(&state, &caller, counter, Command::ResumeCounter { counter }, &key).await
}

/// Close the counter (idle only).
#[utoipa::path(
    post, path = "/api/v1/counters/{counter}/close", operation_id = "close_counter", tag = "counters",
    security(("token" = ["operate_counter"])),
    params(("counter" = u32, Path, description = "counter number"), crate::extract::IdempotencyHeader),
    responses((status = 200, body = CommandAnswer), (status = "4XX", body = ErrorBody))
)]
async fn close(
    State(state): State<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    Path(counter): Path<u32>,
) -> ApiResult<Json<CommandAnswer>> {
    staff_command(&state, &caller, counter, Command::CloseCounter { counter }, &key).await
}

/// A staff member logs in at the counter with staff number and PIN.
#[utoipa::path(
    post, path = "/api/v1/counters/{counter}/login", operation_id = "staff_login", tag = "counters",
    security(("token" = ["staff_session"])),
    params(("counter" = u32, Path, description = "counter number"), crate::extract::IdempotencyHeader),
    request_body = StaffLogin,
    responses(
        (status = 200, body = CommandAnswer),
        (status = "4XX", description = "Wrong staff number or PIN (401), locked after five, too many tries or checks busy (429), counter taken (409)", body = ErrorBody),
    )
)]
async fn login(
    State(state): State<AppState>,
    caller: Caller,
    source: Source,
    key: IdempotencyKey,
    Path(counter): Path<u32>,
    Json(req): Json<StaffLogin>,
) -> ApiResult<Json<CommandAnswer>> {
    verify_pin(&state, source, &req.staff, &req.pin).await?;
    let cmd = Command::Login { counter, staff: req.staff.clone() };
    Ok(Json(state.execute(Actor::Staff(req.staff), cmd, key.scoped(&caller)).await?.into()))
}

/// The staff member logs out; the counter closes (idle only).
#[utoipa::path(
    post, path = "/api/v1/counters/{counter}/logout", operation_id = "staff_logout", tag = "counters",
    security(("token" = ["staff_session"])),
    params(("counter" = u32, Path, description = "counter number"), crate::extract::IdempotencyHeader),
    responses((status = 200, body = CommandAnswer), (status = "4XX", body = ErrorBody))
)]
async fn logout(
    State(state): State<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    Path(counter): Path<u32>,
) -> ApiResult<Json<CommandAnswer>> {
    staff_command(&state, &caller, counter, Command::Logout { counter }, &key).await
}

// ---------------------------------------------------------------- wire types

/// A counter now.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CounterNowDto {
    /// Number.
    pub number: u32,
    /// Name.
    pub name: String,
    /// English name (“Counter 3” when it has none).
    pub name_en: String,
    /// Services served, in preference order.
    pub services: Vec<String>,
    /// Routing policy.
    pub routing: RoutingPolicy,
    /// Open, paused or closed.
    pub status: CounterStatus,
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
    pub current: Option<Ticket>,
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
            name_en: k.english_name(),
            name: k.name,
            services: k.services,
            routing: k.policy,
            status: k.status,
            state,
            pause_reason: k.pause_reason,
            staff: k.staff,
            staff_name: c.staff_name,
            status_since: k.status_since,
            current: c.current,
            waiting,
        }
    }
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
