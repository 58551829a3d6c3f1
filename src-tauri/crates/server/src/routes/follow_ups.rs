//! `/api/v1/follow-ups`: the follow-ups (回访) of low ratings — every 不满意
//! and 非常不满意 opens one, due within 15 working days — for the board, and
//! closing one with what was done (the supervisor).

use axum::extract::State;
use chrono::NaiveDate;
use hallq_store::hallq_core::{Command, FollowUp};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::today;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{IdempotencyKey, Json, Path, Query};
use crate::state::AppState;
use crate::wire::CommandAnswer;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list)).routes(routes!(close))
}

/// Which follow-ups to list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct FollowUpParams {
    /// First business day of the ratings (with `to`: every follow-up of the
    /// range, open or closed; without: the open ones).
    from: Option<NaiveDate>,
    /// Last business day, inclusive (default `from`).
    to: Option<NaiveDate>,
}

/// Open follow-ups, soonest deadline first; or, with `from`/`to`, every
/// follow-up of the ratings given in that range.
#[utoipa::path(
    get, path = "/api/v1/follow-ups", operation_id = "list_follow_ups", tag = "follow-ups",
    security(("token" = ["read_follow_ups"])),
    params(FollowUpParams),
    responses((status = 200, body = Vec<FollowUpDto>), (status = "4XX", body = ErrorBody))
)]
async fn list(State(state): State<AppState>, Query(p): Query<FollowUpParams>) -> ApiResult<Json<Vec<FollowUpDto>>> {
    let now = state.now();
    if let (Some(from), Some(to)) = (p.from, p.to.or(p.from))
        && (from > to || (to - from).num_days() > 731)
    {
        return Err(ApiError::invalid(
            "日期范围无效（起始不晚于结束，最多 731 天）",
            "invalid range (from not after to, at most 731 days)",
        ));
    }
    let list = state
        .read(move |r, hall| {
            let day = today(r, hall, now)?;
            let list = match (p.from, p.to.or(p.from)) {
                (Some(from), Some(to)) => r.follow_ups(hall, from, to)?,
                _ => r.open_follow_ups(hall)?,
            };
            Ok(list.into_iter().map(|f| FollowUpDto::of(f, day)).collect())
        })
        .await?;
    Ok(Json(list))
}

/// Close a follow-up, saying what was done.
#[utoipa::path(
    post, path = "/api/v1/follow-ups/{ticket}/close", operation_id = "close_follow_up", tag = "follow-ups",
    security(("token" = ["close_follow_up"])),
    params(("ticket" = Uuid, Path, description = "The rated ticket leg"), crate::extract::IdempotencyHeader),
    request_body = CloseFollowUpRequest,
    responses((status = 200, body = CommandAnswer), (status = "4XX", body = ErrorBody))
)]
async fn close(
    State(state): State<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    Path(ticket): Path<Uuid>,
    Json(req): Json<CloseFollowUpRequest>,
) -> ApiResult<Json<CommandAnswer>> {
    let cmd = Command::CloseFollowUp { ticket, note: req.note, staff: Some(caller.name.clone()) };
    Ok(Json(state.execute(caller.actor(), cmd, key.scoped(&caller)).await?.into()))
}

// ---------------------------------------------------------------- wire types

/// A follow-up (回访) of a low rating, as judged today.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FollowUpDto {
    /// The follow-up.
    #[serde(flatten)]
    pub follow_up: FollowUp,
    /// Open past its deadline today.
    pub overdue: bool,
}

impl FollowUpDto {
    /// The wire form of a follow-up, judged on `today`.
    pub fn of(f: FollowUp, today: NaiveDate) -> Self {
        Self { overdue: f.is_overdue(today), follow_up: f }
    }
}

/// Close a follow-up.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseFollowUpRequest {
    /// What was done: the call back, the rectification (1–500 characters).
    pub note: String,
}
