//! `/api/v1/kpis`: the hall's responsiveness KPIs for a range of business
//! days, grouped by hall, service, counter, staff, hour, day or weekday; of
//! this hall, one named hall, or (`hall=all`) every hall in the database.

use axum::extract::State;
use chrono::NaiveDate;
use hallq_store::{GroupBy, KpiQuery, KpiReport};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::today;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{Json, Query};
use crate::state::AppState;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(report))
}

/// The longest range one request may ask for: a report reads every ticket
/// of its range on a worker thread, so it is bounded.
const MAX_DAYS: i64 = 731;

/// A report's range and grouping.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct KpiParams {
    /// First business day, `YYYY-MM-DD` (default today).
    from: Option<NaiveDate>,
    /// Last business day, inclusive (default `from`).
    to: Option<NaiveDate>,
    /// Grouping (default `total`).
    by: Option<GroupBy>,
    /// Omitted = this hall; `all` = every hall in the database (a bureau's);
    /// or a hall's code or id.
    hall: Option<String>,
}

/// KPIs of a range of business days.
#[utoipa::path(
    get, path = "/api/v1/kpis", tag = "kpis",
    security(("token" = ["read_kpis"])),
    params(KpiParams),
    responses((status = 200, body = KpiReport), (status = "4XX", body = ErrorBody))
)]
async fn report(State(state): State<AppState>, Query(p): Query<KpiParams>) -> ApiResult<Json<KpiReport>> {
    let now = state.now();
    let from = match p.from {
        Some(d) => d,
        None => state.read(move |r, hall| today(r, hall, now)).await?,
    };
    let to = p.to.unwrap_or(from);
    check_range(from, to)?;
    let by = p.by.unwrap_or_default();
    let hall = super::reports::resolve_hall(&state, p.hall).await?;
    let report = state.read(move |r, _| r.kpis(&KpiQuery { hall, from, to, by })).await?;
    Ok(Json(report))
}

/// Dates between 2000 and 2199, at most [`MAX_DAYS`] apart, `from` ≤ `to`.
pub(super) fn check_range(from: NaiveDate, to: NaiveDate) -> ApiResult<()> {
    let lo = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or(NaiveDate::MIN);
    let hi = NaiveDate::from_ymd_opt(2199, 12, 31).unwrap_or(NaiveDate::MAX);
    if !(lo..=hi).contains(&from) || !(lo..=hi).contains(&to) {
        return Err(ApiError::invalid("日期须在 2000–2199 年之间", "dates must be within 2000-2199"));
    }
    if from > to {
        return Err(ApiError::invalid(
            format!("起始日期 {from} 晚于结束日期 {to}"),
            format!("the start date {from} is after the end date {to}"),
        ));
    }
    if (to - from).num_days() >= MAX_DAYS {
        return Err(ApiError::invalid(
            format!("一次最多查询 {MAX_DAYS} 天"),
            format!("a report covers at most {MAX_DAYS} days"),
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------- wire types

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_bounded_and_ordered() {
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap();
        assert!(check_range(d(2026, 11, 1), d(2026, 11, 30)).is_ok());
        assert!(check_range(d(2026, 11, 30), d(2026, 11, 1)).is_err());
        assert!(check_range(d(2020, 1, 1), d(2026, 1, 1)).is_err());
        assert!(check_range(NaiveDate::MAX, NaiveDate::MAX).is_err(), "no date arithmetic overflow downstream");
    }
}
