//! `/api/v1/counters/{counter}/rating`: the rating pad beside a counter —
//! which ticket it asks about, and the customer's 好差评.
//!
//! The pad never picks a ticket itself: it rates the one just finished at
//! its counter ([`queue::awaiting_rating`]). It may name the ticket it showed,
//! so that a tap meant for one customer is never given to the next.

use axum::extract::State;
use hallq_store::hallq_core::{Command, LowScoreReason, Ticket, TicketRef};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::tickets_today;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{IdempotencyKey, Json, Path};
use crate::queue;
use crate::state::AppState;
use crate::wire::CommandAnswer;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(pending, rate))
}

/// The ticket the pad should ask the customer to rate, if any.
#[utoipa::path(
    get, path = "/api/v1/counters/{counter}/rating", tag = "rating",
    security(("token" = ["read_rating"])),
    params(("counter" = u32, Path, description = "counter number")),
    responses((status = 200, body = PendingRatingDto), (status = "4XX", body = ErrorBody))
)]
async fn pending(State(state): State<AppState>, Path(counter): Path<u32>) -> ApiResult<Json<PendingRatingDto>> {
    let now = state.now();
    let (ticket, staff_name) = state
        .read(move |r, hall| {
            let tickets = tickets_today(r, hall, now)?;
            let Some(ticket) = queue::awaiting_rating(&tickets, counter, now).cloned() else {
                return Ok((None, None));
            };
            // 好差评 names who served: the pad shows the clerk's name and
            // number (the staff list is read only when there is a ticket).
            let name = match &ticket.staff {
                Some(number) => r.staff(hall)?.into_iter().find(|s| &s.number == number).map(|s| s.name),
                None => None,
            };
            Ok((Some(ticket), name))
        })
        .await?;
    Ok(Json(PendingRatingDto { counter, ticket, staff_name }))
}

/// The customer rates the transaction just finished at this counter.
#[utoipa::path(
    post, path = "/api/v1/counters/{counter}/rating", tag = "rating",
    security(("token" = ["rate"])),
    params(("counter" = u32, Path, description = "counter number"), crate::extract::IdempotencyHeader),
    request_body = RateRequest,
    responses(
        (status = 200, body = CommandAnswer),
        (status = "4XX", description = "Nothing to rate, already rated, the ticket changed, invalid level", body = ErrorBody),
    )
)]
async fn rate(
    State(state): State<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    Path(counter): Path<u32>,
    Json(req): Json<RateRequest>,
) -> ApiResult<Json<CommandAnswer>> {
    let now = state.now();
    let tickets = state.read(move |r, hall| tickets_today(r, hall, now)).await?;
    let id = match (queue::awaiting_rating(&tickets, counter, now), req.ticket) {
        (Some(t), Some(named)) if t.id != named => return Err(ApiError::RatingTicketChanged),
        (Some(t), _) => t.id,
        // A retry of a rating that already went through: the engine answers
        // it with the first answer (same key) or refuses it as already rated.
        (None, Some(named))
            if key.0.is_some()
                && tickets.iter().any(|t| t.id == named && t.counter == Some(counter) && t.rating.is_some()) =>
        {
            named
        }
        (None, _) => return Err(ApiError::NothingToRate(counter)),
    };
    let cmd = Command::Rate { ticket: TicketRef::Id(id), level: req.level, reason: req.reason };
    Ok(Json(state.execute(caller.actor(), cmd, key.scoped(&caller)).await?.into()))
}

// ---------------------------------------------------------------- wire types

/// The ticket a rating pad asks the customer to rate.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PendingRatingDto {
    /// The counter.
    pub counter: u32,
    /// The ticket just finished there and not yet rated; `null` when none.
    pub ticket: Option<Ticket>,
    /// The name of the staff member who served it (its `staff` is the
    /// staff number); `null` when there is no ticket.
    pub staff_name: Option<String>,
}

/// The customer's rating.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RateRequest {
    /// 5 非常满意, 4 满意, 3 基本满意, 2 不满意, 1 非常不满意.
    pub level: u8,
    /// Reason of a low score (levels 1 and 2).
    #[serde(default)]
    pub reason: Option<LowScoreReason>,
    /// The ticket the pad showed; if given and no longer the one to rate,
    /// the rating is refused rather than given to the next customer.
    #[serde(default)]
    pub ticket: Option<Uuid>,
}
