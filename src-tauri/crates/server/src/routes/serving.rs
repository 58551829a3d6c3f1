//! `/api/v1/counters/{counter}/…`: what a clerk presses hundreds of times a
//! day — call next, call a number, recall, no-show, start, finish, transfer.
//!
//! Each is recorded as the staff member logged in at the counter; a counter
//! terminal acts only on its own counter (the guard) and only with staff
//! logged in (the domain and [`AppState::staff_actor`]).

use axum::extract::State;
use hallq_store::hallq_core::{Command, Resolution, TransferTarget};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::staff_command;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{IdempotencyKey, Json, Path};
use crate::queue;
use crate::state::AppState;
use crate::wire::CommandAnswer;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(call_next))
        .routes(routes!(call_number))
        .routes(routes!(recall))
        .routes(routes!(no_show))
        .routes(routes!(start))
        .routes(routes!(finish))
        .routes(routes!(transfer))
}

/// Call the next ticket by the counter's routing policy.
#[utoipa::path(
    post, path = "/api/v1/counters/{counter}/call-next", tag = "serving",
    security(("token" = ["serve_queue"])),
    params(("counter" = u32, Path, description = "counter number"), crate::extract::IdempotencyHeader),
    responses((status = 200, description = "The called ticket", body = CommandAnswer), (status = "4XX", body = ErrorBody))
)]
async fn call_next(
    State(state): State<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    Path(counter): Path<u32>,
) -> ApiResult<Json<CommandAnswer>> {
    staff_command(&state, &caller, counter, Command::CallNext { counter }, &key).await
}

/// Call one waiting ticket by number or id (a customer who came back).
#[utoipa::path(
    post, path = "/api/v1/counters/{counter}/call", tag = "serving",
    security(("token" = ["serve_queue"])),
    params(("counter" = u32, Path, description = "counter number"), crate::extract::IdempotencyHeader),
    request_body = CallRequest,
    responses((status = 200, body = CommandAnswer), (status = "4XX", body = ErrorBody))
)]
async fn call_number(
    State(state): State<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    Path(counter): Path<u32>,
    Json(req): Json<CallRequest>,
) -> ApiResult<Json<CommandAnswer>> {
    let cmd = Command::CallNumber { counter, ticket: queue::ticket_ref(&req.ticket) };
    staff_command(&state, &caller, counter, cmd, &key).await
}

/// Call the current ticket again (after the hall's recall limit it becomes a no-show).
#[utoipa::path(
    post, path = "/api/v1/counters/{counter}/recall", tag = "serving",
    security(("token" = ["serve_queue"])),
    params(("counter" = u32, Path, description = "counter number"), crate::extract::IdempotencyHeader),
    responses((status = 200, body = CommandAnswer), (status = "4XX", body = ErrorBody))
)]
async fn recall(
    State(state): State<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    Path(counter): Path<u32>,
) -> ApiResult<Json<CommandAnswer>> {
    staff_command(&state, &caller, counter, Command::Recall { counter }, &key).await
}

/// The called customer did not come.
#[utoipa::path(
    post, path = "/api/v1/counters/{counter}/no-show", tag = "serving",
    security(("token" = ["serve_queue"])),
    params(("counter" = u32, Path, description = "counter number"), crate::extract::IdempotencyHeader),
    responses((status = 200, body = CommandAnswer), (status = "4XX", body = ErrorBody))
)]
async fn no_show(
    State(state): State<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    Path(counter): Path<u32>,
) -> ApiResult<Json<CommandAnswer>> {
    staff_command(&state, &caller, counter, Command::NoShow { counter }, &key).await
}

/// The customer is at the counter: service starts.
#[utoipa::path(
    post, path = "/api/v1/counters/{counter}/start", tag = "serving",
    security(("token" = ["serve_queue"])),
    params(("counter" = u32, Path, description = "counter number"), crate::extract::IdempotencyHeader),
    responses((status = 200, body = CommandAnswer), (status = "4XX", body = ErrorBody))
)]
async fn start(
    State(state): State<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    Path(counter): Path<u32>,
) -> ApiResult<Json<CommandAnswer>> {
    staff_command(&state, &caller, counter, Command::Start { counter }, &key).await
}

/// The transaction is done (body optional: the resolution defaults to `completed`).
#[utoipa::path(
    post, path = "/api/v1/counters/{counter}/finish", tag = "serving",
    security(("token" = ["serve_queue"])),
    params(("counter" = u32, Path, description = "counter number"), crate::extract::IdempotencyHeader),
    request_body(content = Option<FinishRequest>, description = "optional; default resolution `completed`"),
    responses((status = 200, body = CommandAnswer), (status = "4XX", body = ErrorBody))
)]
async fn finish(
    State(state): State<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    Path(counter): Path<u32>,
    body: Option<Json<FinishRequest>>,
) -> ApiResult<Json<CommandAnswer>> {
    let resolution = body.map(|Json(b)| b.resolution).unwrap_or_default();
    staff_command(&state, &caller, counter, Command::Finish { counter, resolution }, &key).await
}

/// Send the current customer to another service's queue or to a named counter.
#[utoipa::path(
    post, path = "/api/v1/counters/{counter}/transfer", tag = "serving",
    security(("token" = ["serve_queue"])),
    params(("counter" = u32, Path, description = "counter number"), crate::extract::IdempotencyHeader),
    request_body = TransferRequest,
    responses((status = 200, description = "The new leg, waiting", body = CommandAnswer), (status = "4XX", body = ErrorBody))
)]
async fn transfer(
    State(state): State<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    Path(counter): Path<u32>,
    Json(req): Json<TransferRequest>,
) -> ApiResult<Json<CommandAnswer>> {
    let to = match (req.service, req.counter) {
        (Some(s), None) => TransferTarget::Service(s),
        (None, Some(c)) => TransferTarget::Counter(c),
        _ => {
            return Err(ApiError::invalid(
                "转移须指定业务（service）或窗口（counter）之一",
                "a transfer names exactly one of `service` and `counter`",
            ));
        }
    };
    staff_command(&state, &caller, counter, Command::Transfer { counter, to }, &key).await
}

// ---------------------------------------------------------------- wire types

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
    pub resolution: Resolution,
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
