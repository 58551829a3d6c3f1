//! `/api/v1/reports/overview` and `/api/v1/reports/export`: the reports
//! page's data for a range of business days — headline KPIs against the
//! previous period, daily trend, wait distribution, heat map, queue through
//! the day, counters, staff load balance, longest waits, follow-ups — and
//! the same KPIs as a CSV or XLSX file. `hall` picks the hall: omitted =
//! this server's, `all` = every hall in the database (a bureau's), or one
//! hall's code or id.

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use chrono::NaiveDate;
use hallq_store::{GroupBy, OverviewQuery, Reader};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::kpis::check_range;
use super::today;
use crate::dto::{GroupByDto, OverviewDto};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{Json, Query};
use crate::state::AppState;
use hallq_report as report_file;
use hallq_report::Scope;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(overview)).routes(routes!(export))
}

/// The range and halls of an overview.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct OverviewParams {
    /// First business day, `YYYY-MM-DD` (default today).
    from: Option<NaiveDate>,
    /// Last business day, inclusive (default `from`).
    to: Option<NaiveDate>,
    /// Omitted = this hall; `all` = every hall in the database; or a hall's code or id.
    hall: Option<String>,
}

/// The reports page's overview of a range.
#[utoipa::path(
    get, path = "/api/v1/reports/overview", tag = "kpis",
    security(("token" = ["read_kpis"])),
    params(OverviewParams),
    responses((status = 200, body = OverviewDto), (status = "4XX", body = ErrorBody))
)]
async fn overview(State(state): State<AppState>, Query(p): Query<OverviewParams>) -> ApiResult<Json<OverviewDto>> {
    let now = state.now();
    let (from, to) = range(&state, p.from, p.to).await?;
    let hall = resolve_hall(&state, p.hall).await?;
    let home = state.hall();
    let o = state.read(move |r, _| r.overview(&OverviewQuery { hall, home: Some(home), from, to, now })).await?;
    Ok(Json(o.into()))
}

/// A file format of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
enum ExportFormat {
    /// CSV of one grouping (UTF-8 with BOM).
    Csv,
    /// XLSX: a summary sheet and one sheet per grouping.
    Xlsx,
}

/// What to export.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ExportParams {
    /// First business day, `YYYY-MM-DD` (default today).
    from: Option<NaiveDate>,
    /// Last business day, inclusive (default `from`).
    to: Option<NaiveDate>,
    /// Grouping of the CSV, the first sheet after the summary in XLSX (default `service`).
    by: Option<GroupByDto>,
    /// `csv` or `xlsx`.
    // Inline: a parameter's schema is not collected into the components,
    // so a `$ref` to it would point nowhere.
    #[param(inline)]
    format: ExportFormat,
    /// Omitted = this hall; `all` = every hall in the database; or a hall's code or id.
    hall: Option<String>,
}

/// The KPIs of a range as a file to download: CSV (one grouping) or XLSX
/// (a summary sheet and one sheet per grouping), Chinese/English headers.
#[utoipa::path(
    get, path = "/api/v1/reports/export", tag = "kpis",
    security(("token" = ["read_kpis"])),
    params(ExportParams),
    responses(
        (status = 200, description = "The file, as an attachment: CSV or XLSX as `format` asks", content(
            ("text/csv"),
            ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        )),
        (status = "4XX", body = ErrorBody)
    )
)]
async fn export(State(state): State<AppState>, Query(p): Query<ExportParams>) -> ApiResult<impl IntoResponse> {
    let (from, to) = range(&state, p.from, p.to).await?;
    let hall = resolve_hall(&state, p.hall).await?;
    let home = state.hall();
    let by: GroupBy = p.by.unwrap_or(GroupByDto::Service).into();
    let format = p.format;
    let file = state
        .read(move |r, _| {
            let (halls, targets) = scope_of(r, hall, home)?;
            let bys = match format {
                ExportFormat::Csv => vec![by],
                ExportFormat::Xlsx => report_file::sheets(by, hall.is_none()),
            };
            let mut reports = r.kpis_many(hall, from, to, &bys)?;
            for rep in reports.iter_mut().filter(|rep| rep.by == GroupBy::Hall) {
                report_file::rank_halls(rep);
            }
            let bytes = match format {
                ExportFormat::Csv => report_file::csv(&reports[0], &targets)
                    .map_err(|e| hallq_store::StoreError::ReportFileFailed(format!("csv: {e}")))?,
                ExportFormat::Xlsx => {
                    report_file::xlsx(&Scope { halls: &halls, from, to, targets: &targets }, &reports)
                        .map_err(|e| hallq_store::StoreError::ReportFileFailed(format!("xlsx: {e}")))?
                }
            };
            Ok(bytes)
        })
        .await?;
    let (mime, ext) = match format {
        ExportFormat::Csv => ("text/csv; charset=utf-8", "csv"),
        ExportFormat::Xlsx => ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    };
    let name = format!("attachment; filename=\"hallq-report-{from}-{to}-{}.{ext}\"", by.as_str());
    Ok(([(header::CONTENT_TYPE, mime.to_string()), (header::CONTENT_DISPOSITION, name)], file))
}

/// Which halls a file covers, in words, and whose targets it marks.
fn scope_of(
    r: &Reader,
    hall: Option<Uuid>,
    home: Uuid,
) -> hallq_store::Result<(String, hallq_store::hallq_core::Targets)> {
    let halls = r.halls()?;
    let pick = hall.unwrap_or(home);
    let h = halls.iter().find(|h| h.id == pick).or(halls.first());
    let targets = h.map(|h| h.targets).unwrap_or_default();
    let words = match (hall, h) {
        (Some(_), Some(h)) => format!("{} {}", h.code, h.name),
        _ => format!("所有营业厅 all halls ({})", halls.len()),
    };
    Ok((words, targets))
}

/// The range of a report: `from` defaults to today, `to` to `from`.
async fn range(state: &AppState, from: Option<NaiveDate>, to: Option<NaiveDate>) -> ApiResult<(NaiveDate, NaiveDate)> {
    let now = state.now();
    let from = match from {
        Some(d) => d,
        None => state.read(move |r, hall| today(r, hall, now)).await?,
    };
    let to = to.unwrap_or(from);
    check_range(from, to)?;
    Ok((from, to))
}

/// The `hall` parameter: omitted = this server's hall, `all` = every hall
/// (`None`), else a hall's code or id in this database.
pub(super) async fn resolve_hall(state: &AppState, hall: Option<String>) -> ApiResult<Option<Uuid>> {
    let Some(name) = hall else { return Ok(Some(state.hall())) };
    if name == "all" {
        return Ok(None);
    }
    let halls = state.read(|r, _| r.halls()).await?;
    halls
        .iter()
        .find(|h| h.code == name || h.id.to_string() == name.to_ascii_lowercase())
        .map(|h| Some(h.id))
        .ok_or(ApiError::UnknownHall(name))
}
