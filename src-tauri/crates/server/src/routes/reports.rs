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
use hallq_report as report_file;
use hallq_report::Scope;
use hallq_store::hallq_core::Kpis;
use hallq_store::{FollowUpState, GroupBy, KpiGroup, Overview, OverviewQuery, Reader};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::kpis::check_range;
use super::today;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{Json, Query};
use crate::state::AppState;
use crate::wire::TargetsDto;

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
    /// XLSX: a summary sheet, one sheet per grouping, and the inspection days.
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
    by: Option<GroupBy>,
    /// `csv` or `xlsx`.
    // Inline: a parameter's schema is not collected into the components,
    // so a `$ref` to it would point nowhere.
    #[param(inline)]
    format: ExportFormat,
    /// Omitted = this hall; `all` = every hall in the database; or a hall's code or id.
    hall: Option<String>,
}

/// The KPIs of a range as a file to download: CSV (one grouping) or XLSX
/// (a summary sheet, one sheet per grouping and, when the range has
/// tickets, the sheet "稽查日 Inspection"), Chinese/English headers.
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
    let by: GroupBy = p.by.unwrap_or(GroupBy::Service);
    let format = p.format;
    let now = state.now();
    let file = state
        .read(move |r, _| {
            let (halls, targets) = scope_of(r, hall, home)?;
            let bys = match format {
                ExportFormat::Csv => vec![by],
                ExportFormat::Xlsx => report_file::sheets(by, hall.is_none()),
            };
            // XLSX also gets the inspection-day sheet, from the same pass,
            // and the commitments sheet when the range has cases.
            let (mut reports, inspection, cases) = match format {
                ExportFormat::Csv => (r.kpis_many(hall, from, to, &bys)?, None, None),
                ExportFormat::Xlsx => {
                    let (reports, inspection) = r.kpis_and_inspection(hall, from, to, &bys)?;
                    let cases = r.case_report(hall, from, to, now)?;
                    (reports, inspection.has_legs().then_some(inspection), (cases.total.opened > 0).then_some(cases))
                }
            };
            for rep in reports.iter_mut().filter(|rep| rep.by == GroupBy::Hall) {
                report_file::rank_halls(rep);
            }
            let bytes = match format {
                ExportFormat::Csv => report_file::csv(&reports[0], &targets)
                    .map_err(|e| hallq_store::StoreError::ReportFileFailed(format!("csv: {e}")))?,
                ExportFormat::Xlsx => report_file::xlsx_with(
                    &Scope { halls: &halls, from, to, targets: &targets },
                    &reports,
                    inspection.as_ref(),
                    cases.as_ref(),
                )
                .map_err(|e| hallq_store::StoreError::ReportFileFailed(format!("xlsx: {e}")))?,
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
pub(super) fn scope_of(
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
pub(super) async fn range(
    state: &AppState,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> ApiResult<(NaiveDate, NaiveDate)> {
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

// ---------------------------------------------------------------- wire types

/// A range of business days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PeriodDto {
    /// First business day.
    pub from: NaiveDate,
    /// Last business day, inclusive.
    pub to: NaiveDate,
}

/// A hall a report covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct HallRefDto {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
}

/// One business day's KPIs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DailyKpisDto {
    /// The day.
    pub day: NaiveDate,
    /// Its KPIs (empty days have zero counts and null rates).
    pub kpis: Kpis,
}

/// A 2-minute bucket of called legs' waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct WaitBucketDto {
    /// Lower bound, minutes, inclusive.
    pub from_min: u32,
    /// Upper bound, minutes, exclusive; null for the last bucket (60+).
    pub to_min: Option<u32>,
    /// Called legs.
    pub count: u64,
}

/// One cell of the hour × weekday heat map.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct HeatCellDto {
    /// 0 = Monday … 6 = Sunday.
    pub weekday: u8,
    /// Local hour of issue.
    pub hour: u8,
    /// Mean visits in this hour on such a weekday of the range.
    pub arrivals: f64,
    /// Mean wait of the called legs issued in it, ms.
    pub mean_wait_ms: Option<i64>,
}

/// The queue at one time of day, every 15 minutes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct QueuePointDto {
    /// Local minute of the day.
    pub minute: u32,
    /// Mean legs waiting at that minute over the days with tickets.
    pub mean_queue: f64,
    /// Most legs waiting at that minute on one day.
    pub max_queue: u64,
}

/// A staff member's row with their share of the load.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct StaffRowDto {
    /// Staff number.
    pub key: String,
    /// Name.
    pub label: String,
    /// Name in English (the same: people's names are not translated).
    pub label_en: String,
    /// Their KPIs.
    pub kpis: Kpis,
    /// Their served legs ÷ all staff's served legs.
    pub share_of_load: Option<f64>,
}

/// The staff table with the load balance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct StaffLoadDto {
    /// By staff number.
    pub rows: Vec<StaffRowDto>,
    /// Most served ÷ mean served; null with fewer than two staff.
    pub max_over_mean: Option<f64>,
    /// Gini coefficient of served legs; null with fewer than two staff.
    pub gini: Option<f64>,
}

/// One of the longest waits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LongWaitDto {
    /// The ticket leg.
    pub ticket: Uuid,
    /// Its number.
    pub number: String,
    /// Service code.
    pub service: String,
    /// Service name.
    pub service_name: String,
    /// Service's English name.
    pub service_name_en: String,
    /// Business day.
    pub day: NaiveDate,
    /// When it joined its queue, UTC ms.
    pub issued_at: i64,
    /// First call − issue, ms.
    pub wait_ms: i64,
    /// The counter that called it.
    pub counter: Option<u32>,
}

/// One follow-up of the range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FollowUpItemDto {
    /// The rated ticket leg.
    pub ticket: Uuid,
    /// Its number.
    pub number: String,
    /// Rating level, 1 or 2.
    pub rating: u8,
    /// The reason given.
    pub reason: Option<String>,
    /// Deadline.
    pub due: NaiveDate,
    /// State today.
    pub state: FollowUpState,
}

/// The follow-ups of a range's low ratings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FollowUpSummaryDto {
    /// Open, deadline not passed.
    pub open: u64,
    /// Closed.
    pub done: u64,
    /// Open past the deadline.
    pub overdue: u64,
    /// Overdue first, then open, then done, each by deadline; at most 200.
    pub items: Vec<FollowUpItemDto>,
}

/// The reports page's overview of a range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct OverviewDto {
    /// First business day.
    pub from: NaiveDate,
    /// Last business day.
    pub to: NaiveDate,
    /// The period of the same length just before.
    pub previous: PeriodDto,
    /// The halls covered.
    pub halls: Vec<HallRefDto>,
    /// The targets marked.
    pub targets: TargetsDto,
    /// The whole range.
    pub total: Kpis,
    /// The previous period.
    pub previous_total: Kpis,
    /// Every day of the range, in order.
    pub daily: Vec<DailyKpisDto>,
    /// Called legs' waits in 2-minute buckets; the last is 60+.
    pub wait_histogram: Vec<WaitBucketDto>,
    /// Hour × weekday cells with data.
    pub heatmap: Vec<HeatCellDto>,
    /// Queue length every 15 minutes through the day.
    pub queue_by_time: Vec<QueuePointDto>,
    /// Counters (utilisation inside the KPIs).
    pub counters: Vec<KpiGroup>,
    /// Staff and the load balance.
    pub staff: StaffLoadDto,
    /// The 20 longest waits, longest first.
    pub longest_waits: Vec<LongWaitDto>,
    /// Follow-ups of the range's low ratings.
    pub follow_ups: FollowUpSummaryDto,
}

impl From<Overview> for OverviewDto {
    fn from(o: Overview) -> Self {
        Self {
            from: o.from,
            to: o.to,
            previous: PeriodDto { from: o.previous.0, to: o.previous.1 },
            halls: o.halls.into_iter().map(|(id, name)| HallRefDto { id, name }).collect(),
            targets: o.targets.into(),
            total: o.total,
            previous_total: o.previous_total,
            daily: o.daily.into_iter().map(|(day, k)| DailyKpisDto { day, kpis: k }).collect(),
            wait_histogram: o
                .wait_histogram
                .into_iter()
                .map(|b| WaitBucketDto { from_min: b.from_min, to_min: b.to_min, count: b.count })
                .collect(),
            heatmap: o
                .heatmap
                .into_iter()
                .map(|c| HeatCellDto {
                    weekday: c.weekday,
                    hour: c.hour,
                    arrivals: c.arrivals,
                    mean_wait_ms: c.mean_wait_ms,
                })
                .collect(),
            queue_by_time: o
                .queue_by_time
                .into_iter()
                .map(|p| QueuePointDto { minute: p.minute, mean_queue: p.mean_queue, max_queue: p.max_queue })
                .collect(),
            counters: o.counters,
            staff: StaffLoadDto {
                rows: o
                    .staff
                    .rows
                    .into_iter()
                    .map(|r| StaffRowDto {
                        key: r.group.key,
                        label: r.group.label,
                        label_en: r.group.label_en,
                        kpis: r.group.kpis,
                        share_of_load: r.share_of_load,
                    })
                    .collect(),
                max_over_mean: o.staff.max_over_mean,
                gini: o.staff.gini,
            },
            longest_waits: o
                .longest_waits
                .into_iter()
                .map(|l| LongWaitDto {
                    ticket: l.ticket,
                    number: l.number,
                    service: l.service,
                    service_name: l.service_name,
                    service_name_en: l.service_name_en,
                    day: l.day,
                    issued_at: l.issued_at,
                    wait_ms: l.wait_ms,
                    counter: l.counter,
                })
                .collect(),
            follow_ups: FollowUpSummaryDto {
                open: o.follow_ups.open,
                done: o.follow_ups.done,
                overdue: o.follow_ups.overdue,
                items: o
                    .follow_ups
                    .items
                    .into_iter()
                    .map(|i| FollowUpItemDto {
                        ticket: i.ticket,
                        number: i.number,
                        rating: i.rating,
                        reason: i.reason,
                        due: i.due,
                        state: i.state,
                    })
                    .collect(),
            },
        }
    }
}
