//! `/api/v1/tickets`: taking a ticket at the kiosk (with the flood guard),
//! a ticket's place in the queue, today's tickets, and cancelling.

use axum::extract::State;
use axum::http::StatusCode;
use chrono::NaiveDate;
use hallq_store::hallq_core::{Command, CoreError, PriorityClass, PriorityReason, Ticket, TicketState, routing};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::{tickets_today, today};
use crate::auth::{Caller, Role};
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{IdempotencyKey, Json, Path, Query};
use crate::routes::printing::PrintOutcomeDto;
use crate::state::AppState;
use crate::wire::CommandAnswer;
use crate::{printing, queue};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(issue))
        .routes(routes!(list))
        .routes(routes!(one))
        .routes(routes!(position))
        .routes(routes!(cancel))
}

/// Take a ticket. A kiosk gets one ticket per interval (2 s by default);
/// faster presses get 429 and no ticket. A kiosk's ticket gets a print job
/// (`print`), already tried once when the server prints it; the ticket is
/// issued whether or not it printed.
#[utoipa::path(
    post, path = "/api/v1/tickets", tag = "tickets",
    security(("token" = ["issue_ticket"])),
    params(crate::extract::IdempotencyHeader),
    request_body = IssueRequest,
    responses(
        (status = 201, description = "Issued: number, people ahead, estimated wait, and the ticket's print job", body = IssueAnswer),
        (status = "4XX", description = "Unknown or disabled service, hall closed, kiosk too fast", body = ErrorBody),
    )
)]
async fn issue(
    State(state): State<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    Json(req): Json<IssueRequest>,
) -> ApiResult<(StatusCode, Json<IssueAnswer>)> {
    let cmd = Command::Issue {
        service: req.service,
        priority: req.priority,
        priority_reason: req.priority_reason,
        appointment: req.appointment,
    };
    let interval = i64::try_from(state.config().kiosk_interval.as_millis()).unwrap_or(i64::MAX);
    let admission = (caller.role == Role::Kiosk)
        .then(|| state.kiosks().admit(caller.terminal, key.0.as_deref(), state.now(), interval))
        .transpose()?;
    // A kiosk's ticket and its print job are one commit.
    let order = (caller.role == Role::Kiosk).then(|| printing::order(&state, caller.terminal));
    let done = state.execute_printing(caller.actor(), cmd, key.scoped(&caller), order).await;
    if let (Err(_), Some(a)) = (&done, admission) {
        state.kiosks().release(a);
    }
    let mut done = done?;
    let print = match done.print.take() {
        Some(job) => Some(printing::issued(&state, job).await?),
        None => None,
    };
    let CommandAnswer { seq, at, ticket } = done.into();
    Ok((StatusCode::CREATED, Json(IssueAnswer { seq, at, ticket, print })))
}

/// Filters of today's (or another day's) tickets.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct TicketFilter {
    /// Business day, `YYYY-MM-DD` (default today).
    day: Option<NaiveDate>,
    /// Only tickets in this state.
    state: Option<TicketState>,
    /// Only this service.
    service: Option<String>,
    /// Only tickets called to this counter.
    counter: Option<u32>,
}

/// A day's tickets, every leg, in issue order.
#[utoipa::path(
    get, path = "/api/v1/tickets", operation_id = "list_tickets", tag = "tickets",
    security(("token" = ["read_tickets"])),
    params(TicketFilter),
    responses((status = 200, body = Vec<Ticket>), (status = "4XX", body = ErrorBody))
)]
async fn list(State(state): State<AppState>, Query(f): Query<TicketFilter>) -> ApiResult<Json<Vec<Ticket>>> {
    let now = state.now();
    let day = f.day;
    let tickets =
        state.read(move |r, hall| r.tickets_of_day(hall, day.map_or_else(|| today(r, hall, now), Ok)?)).await?;
    Ok(Json(
        tickets
            .into_iter()
            .filter(|t| f.state.is_none_or(|s| t.state == s))
            .filter(|t| f.service.as_ref().is_none_or(|s| *s == t.service))
            .filter(|t| f.counter.is_none_or(|c| t.counter == Some(c)))
            .collect(),
    ))
}

/// One ticket of today, by id or number (by number: the visit's latest leg).
#[utoipa::path(
    get, path = "/api/v1/tickets/{ticket}", operation_id = "one_ticket", tag = "tickets",
    security(("token" = ["read_tickets"])),
    params(("ticket" = String, Path, description = "ticket id, or today's number such as A012")),
    responses((status = 200, body = Ticket), (status = "4XX", body = ErrorBody))
)]
async fn one(State(state): State<AppState>, Path(ticket): Path<String>) -> ApiResult<Json<Ticket>> {
    let now = state.now();
    let tickets = state.read(move |r, hall| tickets_today(r, hall, now)).await?;
    let t = queue::find(&tickets, &queue::ticket_ref(&ticket)).ok_or(CoreError::UnknownTicket(ticket))?;
    Ok(Json(t.clone()))
}

/// Where a ticket is now: people ahead and the estimated wait.
#[utoipa::path(
    get, path = "/api/v1/tickets/{ticket}/position", tag = "tickets",
    security(("token" = ["read_ticket_position"])),
    params(("ticket" = String, Path, description = "ticket id, or today's number such as A012")),
    responses((status = 200, body = PositionDto), (status = "4XX", body = ErrorBody))
)]
async fn position(State(state): State<AppState>, Path(ticket): Path<String>) -> ApiResult<Json<PositionDto>> {
    let now = state.now();
    let (tickets, status) = state.read(move |r, hall| Ok((tickets_today(r, hall, now)?, r.status(hall, now)?))).await?;
    let t = queue::find(&tickets, &queue::ticket_ref(&ticket)).ok_or(CoreError::UnknownTicket(ticket))?;
    let waiting = t.state == hallq_store::hallq_core::TicketState::Waiting;
    let ahead = waiting.then(|| routing::people_ahead(&tickets, t));
    let estimate = ahead.and_then(|a| queue::estimate(t, a, &status));
    Ok(Json(PositionDto {
        ticket: t.id,
        number: t.number.clone(),
        service: t.service.clone(),
        state: t.state,
        people_ahead: ahead,
        estimated_wait_ms: estimate,
        counter: t.counter,
    }))
}

/// Withdraw a waiting ticket (the customer left).
#[utoipa::path(
    post, path = "/api/v1/tickets/{ticket}/cancel", operation_id = "cancel_ticket", tag = "tickets",
    security(("token" = ["cancel_ticket"])),
    params(("ticket" = String, Path, description = "ticket id, or today's number"), crate::extract::IdempotencyHeader),
    responses((status = 200, body = CommandAnswer), (status = "4XX", body = ErrorBody))
)]
async fn cancel(
    State(state): State<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    Path(ticket): Path<String>,
) -> ApiResult<Json<CommandAnswer>> {
    let cmd = Command::Cancel { ticket: queue::ticket_ref(&ticket) };
    Ok(Json(state.execute(caller.actor(), cmd, key.scoped(&caller)).await?.into()))
}

// ---------------------------------------------------------------- wire types

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
    pub state: TicketState,
    /// People ahead in its queue; `null` when it is no longer waiting.
    pub people_ahead: Option<u32>,
    /// Estimated wait from now, ms; `null` when unknown or not waiting.
    pub estimated_wait_ms: Option<i64>,
    /// The counter it was called to.
    pub counter: Option<u32>,
}

/// Take a ticket.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueRequest {
    /// Service code.
    pub service: String,
    /// Priority class (default `normal`).
    #[serde(default)]
    pub priority: PriorityClass,
    /// Why, for `priority`.
    #[serde(default)]
    pub priority_reason: Option<PriorityReason>,
    /// Appointment number, for `appointment`.
    #[serde(default)]
    pub appointment: Option<String>,
}

/// The answer to taking a ticket: the command's answer and the print.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct IssueAnswer {
    /// The seq of the last event it logged.
    pub seq: u64,
    /// The hall's time for it, UTC ms.
    pub at: i64,
    /// The ticket issued.
    pub ticket: Option<Ticket>,
    /// Its print job; `null` when the caller is not a kiosk or prints nothing.
    pub print: Option<PrintOutcomeDto>,
}
