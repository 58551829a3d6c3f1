//! `/api/v1/reports/teams` and `/api/v1/reports/teams/export`: the monthly
//! team scorecard (班组考核) — each team's sub-scores, weighted score and
//! rank for one calendar month (see hallq-store's `teams` for the
//! definitions) — and the same as an XLSX workbook for the month's pay
//! review. For supervisors and the bureau board, like the other reports.

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use hallq_report as report_file;
use hallq_store::{Month, StoreError, TeamQuery, TeamScorecard};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::reports::{resolve_hall, scope_of};
use super::today;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{Json, Query};
use crate::state::AppState;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(teams)).routes(routes!(export))
}

/// The month and halls of a scorecard.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct TeamParams {
    /// The month, `YYYY-MM` (default this month).
    #[param(value_type = Option<String>, example = "2026-11")]
    month: Option<Month>,
    /// Omitted = this hall; `all` = every hall in the database; or a hall's code or id.
    hall: Option<String>,
}

/// The month's team scorecard: every team's sub-scores, score and rank.
#[utoipa::path(
    get, path = "/api/v1/reports/teams", operation_id = "team_scorecard", tag = "kpis",
    security(("token" = ["read_kpis"])),
    params(TeamParams),
    responses((status = 200, body = TeamScorecard), (status = "4XX", body = ErrorBody))
)]
async fn teams(State(state): State<AppState>, Query(p): Query<TeamParams>) -> ApiResult<Json<TeamScorecard>> {
    let q = query(&state, p).await?;
    Ok(Json(state.read(move |r, _| r.team_scorecard(&q)).await?))
}

/// The month's team scorecard as an XLSX workbook (one sheet, 班组考核 Team
/// scorecard): the weights, then each team's figures, best first.
#[utoipa::path(
    get, path = "/api/v1/reports/teams/export", operation_id = "export_team_scorecard", tag = "kpis",
    security(("token" = ["read_kpis"])),
    params(TeamParams),
    responses(
        (status = 200, description = "The workbook, as an attachment", content(
            ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        )),
        (status = "4XX", body = ErrorBody)
    )
)]
async fn export(State(state): State<AppState>, Query(p): Query<TeamParams>) -> ApiResult<impl IntoResponse> {
    let q = query(&state, p).await?;
    let (home, month) = (state.hall(), q.month);
    let file = state
        .read(move |r, _| {
            let card = r.team_scorecard(&q)?;
            let (halls, _) = scope_of(r, q.hall, home)?;
            report_file::team_scorecard_xlsx(&halls, &card)
                .map_err(|e| StoreError::ReportFileFailed(format!("xlsx: {e}")))
        })
        .await?;
    let mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    let name = format!("attachment; filename=\"hallq-teams-{month}.xlsx\"");
    Ok(([(header::CONTENT_TYPE, mime.to_string()), (header::CONTENT_DISPOSITION, name)], file))
}

/// The store's query: the month asked for or this one, the halls asked for.
async fn query(state: &AppState, p: TeamParams) -> ApiResult<TeamQuery> {
    let now = state.now();
    let hall = resolve_hall(state, p.hall).await?;
    let month = match p.month {
        Some(m) => m,
        None => Month::of(state.read(move |r, hall| today(r, hall, now)).await?),
    };
    Ok(TeamQuery { hall, home: Some(state.hall()), month, now })
}
