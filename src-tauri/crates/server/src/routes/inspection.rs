//! `/api/v1/reports/inspection`: the hall's inspection days (稽查日) against
//! its other working days, and the day-to-day consistency of the share
//! within the target wait and of satisfaction, per hall and staff member
//! (hallq-store's `inspection` module holds the definitions). `hall` as in
//! the other reports: omitted = this server's, `all`, or a code or id.

use axum::extract::State;
use chrono::NaiveDate;
use hallq_store::{Inspection, InspectionQuery};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::reports::{range, resolve_hall};
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{Json, Query};
use crate::state::AppState;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(inspection))
}

/// The range and halls of an inspection comparison.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct InspectionParams {
    /// First business day, `YYYY-MM-DD` (default today).
    from: Option<NaiveDate>,
    /// Last business day, inclusive (default `from`).
    to: Option<NaiveDate>,
    /// Omitted = this hall; `all` = every hall in the database; or a hall's code or id.
    hall: Option<String>,
}

/// Inspection days against the other working days, and consistency, per
/// hall and staff member. A range without inspection days answers with
/// empty inspection figures (and `inspection_days` empty), not an error.
#[utoipa::path(
    get, path = "/api/v1/reports/inspection", tag = "kpis",
    security(("token" = ["read_kpis"])),
    params(InspectionParams),
    responses((status = 200, body = Inspection), (status = "4XX", body = ErrorBody))
)]
async fn inspection(State(state): State<AppState>, Query(p): Query<InspectionParams>) -> ApiResult<Json<Inspection>> {
    let (from, to) = range(&state, p.from, p.to).await?;
    let hall = resolve_hall(&state, p.hall).await?;
    Ok(Json(state.read(move |r, _| r.inspection(&InspectionQuery { hall, from, to })).await?))
}
