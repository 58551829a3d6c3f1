//! `/api/v1/central`: the hall's sync state with the bureau's centre, for
//! the board — whether it enrolled, what the centre acknowledged, the
//! backlog, the last success and the last error, and whether forwarding
//! stopped (see [`crate::forward`]).

use axum::extract::State;
use hallq_store::Millis;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{ApiResult, ErrorBody};
use crate::extract::Json;
use crate::state::AppState;

/// A backlog with no success for this long is a warning on the board.
pub const STALE_MS: Millis = 10 * 60 * 1000;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(central))
}

/// The hall's sync state with the bureau's centre.
#[utoipa::path(
    get, path = "/api/v1/central", tag = "meta",
    security(("token" = ["read_settings"])),
    responses((status = 200, body = CentralDto), (status = "4XX", body = ErrorBody))
)]
async fn central(State(state): State<AppState>) -> ApiResult<Json<CentralDto>> {
    let (link, last_seq) =
        state.blocking(|store, hall| Ok((store.central_link(hall)?, store.reader()?.last_seq(hall)?))).await?;
    let Some(link) = link else {
        return Ok(Json(CentralDto { last_seq, ..CentralDto::default() }));
    };
    let stopped = state.forwarding().stopped(link.enrolled_at);
    let backlog = last_seq.saturating_sub(link.acknowledged_seq);
    let since = link.last_success_at.unwrap_or(link.enrolled_at);
    Ok(Json(CentralDto {
        linked: true,
        url: Some(link.url),
        acknowledged_seq: link.acknowledged_seq,
        last_seq,
        backlog,
        last_success_at: link.last_success_at,
        last_error_at: link.last_error.as_ref().map(|e| e.at),
        last_error: link.last_error.map(|e| ErrorBody { code: e.code, message_zh: e.zh, message_en: e.en }),
        stopped,
        warning: stopped || (backlog > 0 && state.now() - since > STALE_MS),
    }))
}

// ---------------------------------------------------------------- wire types

/// The hall's sync state with the centre.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct CentralDto {
    /// Whether the hall enrolled with a centre (`hallq enrol`); the other
    /// fields but `last_seq` are empty when not.
    pub linked: bool,
    /// The centre's address.
    pub url: Option<String>,
    /// The last seq the centre acknowledged holding.
    pub acknowledged_seq: u64,
    /// The hall's last seq.
    pub last_seq: u64,
    /// Events the centre does not hold yet (`last_seq − acknowledged_seq`).
    pub backlog: u64,
    /// When the centre last answered, UTC ms.
    pub last_success_at: Option<i64>,
    /// When the last attempt failed, UTC ms.
    pub last_error_at: Option<i64>,
    /// Why the last attempt failed (`divergent_log`, `key_revoked`,
    /// `central_unreachable` …), when it failed.
    pub last_error: Option<ErrorBody>,
    /// Whether forwarding stopped (a refusal that retrying cannot fix; a
    /// new enrolment or a restart tries again).
    pub stopped: bool,
    /// Whether the board shows it in red: stopped, or a backlog and no
    /// success for ten minutes.
    pub warning: bool,
}
