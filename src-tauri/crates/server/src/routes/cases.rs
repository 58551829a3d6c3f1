//! `/api/v1/cases` and `/api/v1/case-types`: commitments (承诺时限). A
//! counter's staff member opens a case (工单) for a customer's request and
//! works it (stages, hold, resume, hand-over, close); the board sees what is
//! due today, within one working day and overdue, by staff; the supervisor
//! sees and reassigns every case and edits the catalogue and the calendar
//! (`/api/v1/calendar`). A counter terminal acts as the staff member logged
//! in at it, on that staff member's own cases only; a display sees none.
//! `/api/v1/live/cases/{id}` is the customer's view of a case (public, by
//! the full id printed as a QR code on the receipt; the reference masked).

use axum::extract::State;
use chrono::NaiveDate;
use hallq_store::hallq_core::commitment::{
    self, Case, CaseOutcome, CaseState, CaseType, Limit, StageProgress, default_catalogue,
};
use hallq_store::hallq_core::{Actor, Command, Hall, Millis};
use hallq_store::{CaseFilter, CaseReport, CaseStep, Reader, StoreError};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::auth::{Caller, Role};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{IdempotencyKey, Json, Path, Query};
use crate::state::AppState;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_types))
        .routes(routes!(colleagues))
        .routes(routes!(define_type))
        .routes(routes!(load_defaults))
        .routes(routes!(list, open))
        .routes(routes!(due))
        .routes(routes!(one))
        .routes(routes!(stage_done))
        .routes(routes!(hold))
        .routes(routes!(resume))
        .routes(routes!(transfer))
        .routes(routes!(close))
        .routes(routes!(import_calendar))
        .routes(routes!(live_case))
        .routes(routes!(report))
}

/// The commitment catalogue, in order.
#[utoipa::path(
    get, path = "/api/v1/case-types", operation_id = "list_case_types", tag = "cases",
    security(("token" = ["read_cases"])),
    responses((status = 200, body = Vec<CaseType>), (status = "4XX", body = ErrorBody))
)]
async fn list_types(State(state): State<AppState>) -> ApiResult<Json<Vec<CaseType>>> {
    Ok(Json(state.read(|r, hall| r.case_types(hall)).await?))
}

/// The staff a case can be handed to: every active staff member, by number
/// (their number and name only).
#[utoipa::path(
    get, path = "/api/v1/case-staff", operation_id = "list_case_staff", tag = "cases",
    security(("token" = ["read_cases"])),
    responses((status = 200, body = Vec<Colleague>), (status = "4XX", body = ErrorBody))
)]
async fn colleagues(State(state): State<AppState>) -> ApiResult<Json<Vec<Colleague>>> {
    let staff = state.read(|r, hall| r.staff(hall)).await?;
    let mut list: Vec<Colleague> =
        staff.into_iter().filter(|s| s.active).map(|s| Colleague { number: s.number, name: s.name }).collect();
    list.sort_by(|a, b| a.number.cmp(&b.number));
    Ok(Json(list))
}

/// Add or change a case type (its limits apply to cases opened from now on:
/// cases already open keep the due times they were promised).
#[utoipa::path(
    put, path = "/api/v1/case-types/{code}", operation_id = "define_case_type", tag = "cases",
    security(("token" = ["change_settings"])),
    params(("code" = String, Path, description = "the case type's code"), crate::extract::IdempotencyHeader),
    request_body = CaseType,
    responses((status = 200, body = Vec<CaseType>), (status = "4XX", body = ErrorBody))
)]
async fn define_type(
    State(state): State<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    Path(code): Path<String>,
    Json(case_type): Json<CaseType>,
) -> ApiResult<Json<Vec<CaseType>>> {
    if case_type.code != code {
        return Err(ApiError::invalid(
            format!("路径中的编码 {code} 与请求中的 {} 不一致", case_type.code),
            format!("the code in the path ({code}) differs from the body's ({})", case_type.code),
        ));
    }
    state.execute(caller.actor(), Command::DefineCaseType { case_type }, key.scoped(&caller)).await?;
    Ok(Json(state.read(|r, hall| r.case_types(hall)).await?))
}

/// Add the State Grid 2023 defaults the catalogue lacks (a hall created
/// before commitments existed starts with none); changes no type it has.
#[utoipa::path(
    post, path = "/api/v1/case-types/defaults", operation_id = "load_default_case_types", tag = "cases",
    security(("token" = ["change_settings"])),
    responses((status = 200, body = Vec<CaseType>), (status = "4XX", body = ErrorBody))
)]
async fn load_defaults(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Vec<CaseType>>> {
    let have = state.read(|r, hall| r.case_types(hall)).await?;
    for case_type in default_catalogue().into_iter().filter(|d| !have.iter().any(|t| t.code == d.code)) {
        state.execute(caller.actor(), Command::DefineCaseType { case_type }, None).await?;
    }
    Ok(Json(state.read(|r, hall| r.case_types(hall)).await?))
}

/// Which cases to list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct CaseParams {
    /// Only cases not closed (default true).
    open: Option<bool>,
    /// Only this staff member's (a counter sees only its staff member's).
    staff: Option<String>,
    /// Opened from this business day …
    from: Option<NaiveDate>,
    /// … to this one, inclusive.
    to: Option<NaiveDate>,
    /// At most this many (1–500, default 200).
    limit: Option<u32>,
}

/// Cases: open ones soonest due first, then closed ones newest first.
#[utoipa::path(
    get, path = "/api/v1/cases", operation_id = "list_cases", tag = "cases",
    security(("token" = ["read_cases"])),
    params(CaseParams),
    responses((status = 200, body = Vec<CaseDto>), (status = "4XX", body = ErrorBody))
)]
async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(p): Query<CaseParams>,
) -> ApiResult<Json<Vec<CaseDto>>> {
    let limit = p.limit.unwrap_or(200);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::invalid("limit 须为 1–500", "limit must be 1-500"));
    }
    let days = match (p.from, p.to) {
        (None, None) => None,
        (from, to) => {
            let (from, to) = (from.unwrap_or(NaiveDate::MIN), to.unwrap_or(NaiveDate::MAX));
            if from > to {
                return Err(ApiError::invalid("起始日期不能晚于结束日期", "from cannot be after to"));
            }
            Some((from, to))
        }
    };
    let staff = match own_staff(&state, &caller).await? {
        Some(own) => Some(own),
        None => p.staff,
    };
    let filter = CaseFilter { staff, open_only: p.open.unwrap_or(true), days, limit };
    let now = state.now();
    Ok(Json(
        state
            .read(move |r, hall| {
                let (h, types) = hall_and_types(r, hall)?;
                Ok(r.cases(hall, &filter)?.into_iter().map(|c| CaseDto::of(c, &h, &types, now)).collect())
            })
            .await?,
    ))
}

/// What is due: the open cases due today, due on the next working day, and
/// overdue, and per staff member how many of each and how many open.
#[utoipa::path(
    get, path = "/api/v1/cases/due", operation_id = "cases_due", tag = "cases",
    security(("token" = ["read_cases"])),
    responses((status = 200, body = DueBoard), (status = "4XX", body = ErrorBody))
)]
async fn due(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<DueBoard>> {
    let staff = own_staff(&state, &caller).await?;
    let now = state.now();
    Ok(Json(
        state
            .read(move |r, hall| {
                let (h, types) = hall_and_types(r, hall)?;
                let filter = CaseFilter { staff, open_only: true, days: None, limit: u32::MAX };
                let cases = r.cases(hall, &filter)?.into_iter().map(|c| CaseDto::of(c, &h, &types, now));
                Ok(DueBoard::of(cases, r.staff(hall)?.into_iter().map(|s| (s.number, s.name)).collect()))
            })
            .await?,
    ))
}

/// One case with its steps.
#[utoipa::path(
    get, path = "/api/v1/cases/{id}", operation_id = "get_case", tag = "cases",
    security(("token" = ["read_cases"])),
    params(("id" = Uuid, Path, description = "the case's id")),
    responses((status = 200, body = CaseDetail), (status = "4XX", body = ErrorBody))
)]
async fn one(State(state): State<AppState>, caller: Caller, Path(id): Path<Uuid>) -> ApiResult<Json<CaseDetail>> {
    let own = own_staff(&state, &caller).await?;
    let now = state.now();
    let detail = state
        .read(move |r, hall| {
            let (h, types) = hall_and_types(r, hall)?;
            Ok(r.case(hall, id)?.map(|(c, steps)| CaseDetail { case: CaseDto::of(c, &h, &types, now), steps }))
        })
        .await?
        .ok_or_else(|| unknown(id))?;
    if let Some(own) = own
        && detail.case.case.staff != own
    {
        return Err(ApiError::NotYourCase { staff: detail.case.case.staff });
    }
    Ok(Json(detail))
}

/// Open a case for the customer at the counter.
#[utoipa::path(
    post, path = "/api/v1/cases", operation_id = "open_case", tag = "cases",
    security(("token" = ["work_cases"])),
    params(crate::extract::IdempotencyHeader),
    request_body = OpenCaseRequest,
    responses((status = 200, body = OpenedCase), (status = "4XX", body = ErrorBody))
)]
async fn open(
    State(state): State<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    Json(req): Json<OpenCaseRequest>,
) -> ApiResult<Json<OpenedCase>> {
    let staff = acting_staff(&state, &caller).await?;
    let cmd = Command::OpenCase {
        case_type: req.case_type,
        received_at: req.received_at,
        ticket: req.ticket,
        customer_ref: req.customer_ref,
        note: req.note,
        staff: staff.clone(),
    };
    let done = state.execute(Actor::Staff(staff), cmd, key.scoped(&caller)).await?;
    let id = done
        .events
        .iter()
        .find_map(|e| match &e.data {
            hallq_store::hallq_core::EventData::CaseOpened { case } => Some(case.id),
            _ => None,
        })
        .ok_or_else(|| ApiError::from(StoreError::Corrupt("open_case logged no case".into())))?;
    let hall = state.read(this_hall).await?;
    let base = crate::printing::public_base(&state, &hall);
    let live_url = (!base.is_empty()).then(|| format!("{base}/c/{id}"));
    Ok(Json(OpenedCase { case: dto(&state, id).await?, live_url }))
}

/// A stage of a case is done.
#[utoipa::path(
    post, path = "/api/v1/cases/{id}/stage-done", operation_id = "case_stage_done", tag = "cases",
    security(("token" = ["work_cases"])),
    params(("id" = Uuid, Path, description = "the case's id"), crate::extract::IdempotencyHeader),
    request_body = StageDoneRequest,
    responses((status = 200, body = CaseDto), (status = "4XX", body = ErrorBody))
)]
async fn stage_done(
    State(state): State<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    Path(id): Path<Uuid>,
    Json(req): Json<StageDoneRequest>,
) -> ApiResult<Json<CaseDto>> {
    work(&state, &caller, key, id, |staff| Command::CompleteCaseStage { case: id, stage: req.stage, staff }).await
}

/// Put a case on hold, saying why (its clock stops where its type allows).
#[utoipa::path(
    post, path = "/api/v1/cases/{id}/hold", operation_id = "hold_case", tag = "cases",
    security(("token" = ["work_cases"])),
    params(("id" = Uuid, Path, description = "the case's id"), crate::extract::IdempotencyHeader),
    request_body = HoldRequest,
    responses((status = 200, body = CaseDto), (status = "4XX", body = ErrorBody))
)]
async fn hold(
    State(state): State<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    Path(id): Path<Uuid>,
    Json(req): Json<HoldRequest>,
) -> ApiResult<Json<CaseDto>> {
    work(&state, &caller, key, id, |staff| Command::HoldCase { case: id, reason: req.reason, staff }).await
}

/// Take a case off hold.
#[utoipa::path(
    post, path = "/api/v1/cases/{id}/resume", operation_id = "resume_case", tag = "cases",
    security(("token" = ["work_cases"])),
    params(("id" = Uuid, Path, description = "the case's id"), crate::extract::IdempotencyHeader),
    responses((status = 200, body = CaseDto), (status = "4XX", body = ErrorBody))
)]
async fn resume(
    State(state): State<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<CaseDto>> {
    work(&state, &caller, key, id, |staff| Command::ResumeCase { case: id, staff }).await
}

/// Hand a case to another staff member (the one working it, or the supervisor).
#[utoipa::path(
    post, path = "/api/v1/cases/{id}/transfer", operation_id = "transfer_case", tag = "cases",
    security(("token" = ["work_cases"])),
    params(("id" = Uuid, Path, description = "the case's id"), crate::extract::IdempotencyHeader),
    request_body = TransferCaseRequest,
    responses((status = 200, body = CaseDto), (status = "4XX", body = ErrorBody))
)]
async fn transfer(
    State(state): State<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    Path(id): Path<Uuid>,
    Json(req): Json<TransferCaseRequest>,
) -> ApiResult<Json<CaseDto>> {
    work(&state, &caller, key, id, |staff| Command::TransferCase { case: id, to: req.to, staff }).await
}

/// Close a case with its outcome.
#[utoipa::path(
    post, path = "/api/v1/cases/{id}/close", operation_id = "close_case", tag = "cases",
    security(("token" = ["work_cases"])),
    params(("id" = Uuid, Path, description = "the case's id"), crate::extract::IdempotencyHeader),
    request_body = CloseCaseRequest,
    responses((status = 200, body = CaseDto), (status = "4XX", body = ErrorBody))
)]
async fn close(
    State(state): State<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    Path(id): Path<Uuid>,
    Json(req): Json<CloseCaseRequest>,
) -> ApiResult<Json<CaseDto>> {
    work(&state, &caller, key, id, |staff| Command::CloseCase { case: id, outcome: req.outcome, note: req.note, staff })
        .await
}

/// Merge a year's calendar file into the hall's working-day calendar: one
/// day a line, `YYYY-MM-DD 休` (a public holiday on a weekday) or
/// `YYYY-MM-DD 班` (a make-up working day on a weekend). The whole file is
/// taken or, on the first bad line, nothing. Cases already open keep their
/// due times.
#[utoipa::path(
    post, path = "/api/v1/calendar", operation_id = "import_calendar", tag = "cases",
    security(("token" = ["change_settings"])),
    params(crate::extract::IdempotencyHeader),
    request_body = CalendarImport,
    responses((status = 200, body = CalendarDto), (status = "4XX", body = ErrorBody))
)]
async fn import_calendar(
    State(state): State<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    Json(req): Json<CalendarImport>,
) -> ApiResult<Json<CalendarDto>> {
    let days = commitment::parse_calendar(&req.text).map_err(StoreError::from)?;
    if days.is_empty() {
        return Err(ApiError::invalid("日历文件里没有日期", "the calendar file holds no days"));
    }
    let hall = state.read(this_hall).await?;
    let merged = commitment::merge_calendar(&hall, &days).map_err(StoreError::from)?;
    let out = CalendarDto { holidays: merged.holidays.clone(), workdays: merged.workdays.clone() };
    state.execute(caller.actor(), Command::ConfigureHall { hall: merged }, key.scoped(&caller)).await?;
    Ok(Json(out))
}

/// A case as its customer sees it (public: the full id only, the reference
/// masked, no staff).
#[utoipa::path(
    get, path = "/api/v1/live/cases/{id}", operation_id = "live_case", tag = "live",
    security(()),
    params(("id" = String, Path, description = "the case's id (a UUID; numbers are not accepted)")),
    responses((status = 200, body = LiveCaseDto), (status = "4XX", body = ErrorBody))
)]
async fn live_case(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<LiveCaseDto>> {
    let id = Uuid::try_parse(&id).map_err(|_| unknown_text(&id))?;
    let now = state.now();
    let live = state
        .read(move |r, hall| {
            let (h, types) = hall_and_types(r, hall)?;
            Ok(r.case(hall, id)?.map(|(c, _)| LiveCaseDto::of(CaseDto::of(c, &h, &types, now), &h)))
        })
        .await?;
    live.map(Json).ok_or_else(|| unknown(id))
}

/// The range and halls of a commitments report.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct CaseReportParams {
    /// First business day the cases were opened, `YYYY-MM-DD` (default today).
    from: Option<NaiveDate>,
    /// Last business day, inclusive (default `from`).
    to: Option<NaiveDate>,
    /// Omitted = this hall; `all` = every hall in the database; or a hall's code or id.
    hall: Option<String>,
}

/// On-time closure of the cases opened in a range, by hall, type, staff and
/// team: opened, closed on time and late, open and overdue now (the most
/// overdue's working days), median and p90 working days to close, the
/// received → accepted gap, holds.
#[utoipa::path(
    get, path = "/api/v1/reports/cases", operation_id = "case_report", tag = "kpis",
    security(("token" = ["read_kpis"])),
    params(CaseReportParams),
    responses((status = 200, body = CaseReport), (status = "4XX", body = ErrorBody))
)]
async fn report(State(state): State<AppState>, Query(p): Query<CaseReportParams>) -> ApiResult<Json<CaseReport>> {
    let (from, to) = super::reports::range(&state, p.from, p.to).await?;
    let hall = super::reports::resolve_hall(&state, p.hall).await?;
    let now = state.now();
    Ok(Json(state.read(move |r, _| r.case_report(hall, from, to, now)).await?))
}

// ------------------------------------------------------------------ helpers

/// The staff member a counter terminal acts as (the one logged in at it);
/// `None` for the board and the supervisor, who see every case.
async fn own_staff(state: &AppState, caller: &Caller) -> ApiResult<Option<String>> {
    match (caller.role, caller.counter) {
        (Role::Counter, Some(counter)) => match state.staff_actor(caller, counter).await? {
            Actor::Staff(s) => Ok(Some(s)),
            _ => Err(ApiError::Forbidden { role: "counter" }),
        },
        _ => Ok(None),
    }
}

/// Who opens or works a case: the staff member at the counter, or the
/// supervisor themselves.
async fn acting_staff(state: &AppState, caller: &Caller) -> ApiResult<String> {
    match own_staff(state, caller).await? {
        Some(s) => Ok(s),
        None if caller.role == Role::Supervisor => Ok(caller.name.clone()),
        None => Err(ApiError::Forbidden { role: caller.role.as_str() }),
    }
}

/// Runs a command on a case: at a counter only on the staff member's own.
async fn work(
    state: &AppState,
    caller: &Caller,
    key: IdempotencyKey,
    id: Uuid,
    cmd: impl FnOnce(String) -> Command,
) -> ApiResult<Json<CaseDto>> {
    let staff = acting_staff(state, caller).await?;
    let case = state.read(move |r, hall| r.case(hall, id)).await?.ok_or_else(|| unknown(id))?.0;
    if caller.role != Role::Supervisor && case.staff != staff {
        return Err(ApiError::NotYourCase { staff: case.staff });
    }
    state.execute(Actor::Staff(staff.clone()), cmd(staff), key.scoped(caller)).await?;
    Ok(Json(dto(state, id).await?))
}

async fn dto(state: &AppState, id: Uuid) -> ApiResult<CaseDto> {
    let now = state.now();
    state
        .read(move |r, hall| {
            let (h, types) = hall_and_types(r, hall)?;
            Ok(r.case(hall, id)?.map(|(c, _)| CaseDto::of(c, &h, &types, now)))
        })
        .await?
        .ok_or_else(|| unknown(id))
}

/// This server's hall (its calendar, name and address).
fn this_hall(r: &Reader, hall: Uuid) -> hallq_store::Result<Hall> {
    r.halls()?.into_iter().find(|h| h.id == hall).ok_or(StoreError::NoHall)
}

fn hall_and_types(r: &Reader, hall: Uuid) -> hallq_store::Result<(Hall, Vec<CaseType>)> {
    Ok((this_hall(r, hall)?, r.case_types(hall)?))
}

fn unknown(id: Uuid) -> ApiError {
    unknown_text(&id.to_string())
}

fn unknown_text(id: &str) -> ApiError {
    StoreError::Core(hallq_store::hallq_core::CoreError::UnknownCase(id.to_string())).into()
}

// ---------------------------------------------------------------- wire types

/// How a case stands against its due time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DueStatus {
    /// Open past its due time.
    Overdue,
    /// Open, due by the end of today.
    DueToday,
    /// Open, due on the next working day.
    DueNext,
    /// Open, due later.
    Later,
    /// Closed by its due time.
    ClosedOnTime,
    /// Closed after its due time.
    ClosedLate,
}

/// A stage as lists show it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct StageDto {
    /// Its progress.
    #[serde(flatten)]
    pub progress: StageProgress,
    /// Its name (as the catalogue says now; the code when the type lost it).
    pub name: String,
    /// Its English name.
    pub name_en: String,
}

/// A case as lists, the board and the counter show it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CaseDto {
    /// The case.
    #[serde(flatten)]
    pub case: Case,
    /// Its type's name.
    pub type_name: String,
    /// Its type's English name.
    pub type_name_en: String,
    /// Its stages with their names.
    pub stage_list: Vec<StageDto>,
    /// How it stands against its due time now.
    pub due_status: DueStatus,
    /// The local day its due time ends.
    pub due_day: NaiveDate,
    /// Working days from today to the due day (negative: overdue by that
    /// many); for closed cases, from the close's day.
    pub working_days_left: i64,
    /// Received → accepted: how long the documents waited to be entered, ms.
    pub accept_gap_ms: i64,
    /// The day it would be due if it were promised now, on today's
    /// calendar with its own limit — only when that differs from the day
    /// promised (the calendar changed since), and only for an open case
    /// never held (a hold moves the due time by the calendar of its days).
    /// The promise stands; this only shows the difference.
    pub due_day_now: Option<NaiveDate>,
}

impl CaseDto {
    /// A case judged at `now` on the hall's calendar.
    pub fn of(case: Case, hall: &Hall, types: &[CaseType], now: Millis) -> Self {
        let kind = types.iter().find(|t| t.code == case.case_type);
        let due_day = hall.local(case.due_at - 1).date_naive();
        let today = hall.local(case.closed_at.unwrap_or(now)).date_naive();
        let working_days_left = if due_day >= today {
            i64::from(commitment::working_days_after(hall, today, due_day))
        } else {
            -i64::from(commitment::working_days_after(hall, due_day, today))
        };
        let due_status = match case.state {
            CaseState::Closed if case.is_late(now) => DueStatus::ClosedLate,
            CaseState::Closed => DueStatus::ClosedOnTime,
            _ if now > case.due_at => DueStatus::Overdue,
            _ if due_day == today => DueStatus::DueToday,
            _ if due_day == commitment::next_working_day(hall, today) => DueStatus::DueNext,
            _ => DueStatus::Later,
        };
        let stage_list = case
            .stages
            .iter()
            .map(|p| {
                let named = kind.and_then(|k| k.stage(&p.code));
                StageDto {
                    progress: p.clone(),
                    name: named.map_or_else(|| p.code.clone(), |s| s.name_zh.clone()),
                    name_en: named.map_or_else(|| p.code.clone(), |s| s.name_en.clone()),
                }
            })
            .collect();
        let due_day_now = (case.state == CaseState::Open && case.holds == 0)
            .then(|| hall.local(commitment::due_at(hall, case.received_at, case.limit) - 1).date_naive())
            .filter(|d| *d != due_day);
        Self {
            due_day_now,
            type_name: kind.map_or_else(|| case.case_type.clone(), |k| k.name_zh.clone()),
            type_name_en: kind.map_or_else(|| case.case_type.clone(), |k| k.name_en.clone()),
            accept_gap_ms: (case.accepted_at - case.received_at).max(0),
            stage_list,
            due_status,
            due_day,
            working_days_left,
            case,
        }
    }
}

/// A case just opened, with the address of its page for the customer's
/// phone (the QR code the counter shows).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OpenedCase {
    /// The case.
    #[serde(flatten)]
    pub case: CaseDto,
    /// `<public base>/c/<id>`; none when the hall has no address phones
    /// reach (no public URL, and the server on loopback).
    pub live_url: Option<String>,
}

/// A case with its steps.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CaseDetail {
    /// The case.
    pub case: CaseDto,
    /// What happened to it, in order.
    pub steps: Vec<CaseStep>,
}

/// One staff member's open cases.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct StaffDue {
    /// Staff number.
    pub staff: String,
    /// Their name.
    pub name: String,
    /// Open cases.
    pub open: u32,
    /// Of which overdue.
    pub overdue: u32,
    /// Due by the end of today.
    pub due_today: u32,
    /// Due on the next working day.
    pub due_next: u32,
    /// On hold.
    pub on_hold: u32,
}

/// The board's due list.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DueBoard {
    /// Open past their due time, most overdue first.
    pub overdue: Vec<CaseDto>,
    /// Due by the end of today.
    pub due_today: Vec<CaseDto>,
    /// Due on the next working day.
    pub due_next: Vec<CaseDto>,
    /// Every open case, by staff member (most overdue first).
    pub by_staff: Vec<StaffDue>,
    /// Open cases in all.
    pub open: u32,
}

impl DueBoard {
    fn of(cases: impl Iterator<Item = CaseDto>, names: Vec<(String, String)>) -> Self {
        let mut board = Self { overdue: vec![], due_today: vec![], due_next: vec![], by_staff: vec![], open: 0 };
        let mut by_staff: std::collections::BTreeMap<String, StaffDue> = std::collections::BTreeMap::new();
        for c in cases {
            board.open += 1;
            let s = by_staff.entry(c.case.staff.clone()).or_insert_with(|| StaffDue {
                staff: c.case.staff.clone(),
                name: names.iter().find(|(n, _)| *n == c.case.staff).map_or_else(String::new, |(_, name)| name.clone()),
                ..StaffDue::default()
            });
            s.open += 1;
            s.on_hold += u32::from(c.case.state == CaseState::OnHold);
            match c.due_status {
                DueStatus::Overdue => {
                    s.overdue += 1;
                    board.overdue.push(c);
                }
                DueStatus::DueToday => {
                    s.due_today += 1;
                    board.due_today.push(c);
                }
                DueStatus::DueNext => {
                    s.due_next += 1;
                    board.due_next.push(c);
                }
                _ => {}
            }
        }
        board.by_staff = by_staff.into_values().collect();
        board
            .by_staff
            .sort_by(|a, b| b.overdue.cmp(&a.overdue).then(b.due_today.cmp(&a.due_today)).then(a.staff.cmp(&b.staff)));
        board
    }
}

/// Open a case.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenCaseRequest {
    /// The case type's code.
    pub case_type: String,
    /// When the documents were taken at the window (UTC ms); default now.
    /// At most 30 days back, never ahead.
    #[serde(default)]
    pub received_at: Option<i64>,
    /// The ticket leg at the counter, if any (today's).
    #[serde(default)]
    pub ticket: Option<Uuid>,
    /// The customer's application or account number (≤ 32 characters).
    #[serde(default)]
    pub customer_ref: Option<String>,
    /// What the customer asked for (≤ 500 characters).
    #[serde(default)]
    pub note: Option<String>,
}

/// A stage done.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StageDoneRequest {
    /// The stage's code.
    pub stage: String,
}

/// Put on hold.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HoldRequest {
    /// Why (1–64 characters), e.g. 等客户补充材料.
    pub reason: String,
}

/// A staff member a case can be handed to.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
pub struct Colleague {
    /// Staff number.
    pub number: String,
    /// Their name.
    pub name: String,
}

/// Hand over.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferCaseRequest {
    /// The staff member who works it from now on.
    pub to: String,
}

/// Close.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseCaseRequest {
    /// How it ended.
    pub outcome: CaseOutcome,
    /// What was done (≤ 500 characters).
    #[serde(default)]
    pub note: Option<String>,
}

/// A calendar file's text.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CalendarImport {
    /// One day a line: `2025-10-01 休`, `2025-10-11 班` (or `holiday`,
    /// `workday`); `#` starts a comment.
    pub text: String,
}

/// The hall's working-day calendar.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
pub struct CalendarDto {
    /// Public holidays on weekdays.
    pub holidays: Vec<NaiveDate>,
    /// Make-up working days on weekends.
    pub workdays: Vec<NaiveDate>,
}

/// A case as its customer sees it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LiveCaseDto {
    /// The hall's name.
    pub hall: String,
    /// The case's number.
    pub number: String,
    /// Its type's name.
    pub type_name: String,
    /// Its type's English name.
    pub type_name_en: String,
    /// The customer's reference, masked (`****5678`).
    pub customer_ref: Option<String>,
    /// Where it is.
    pub state: CaseState,
    /// How it stands against its due time.
    pub due_status: DueStatus,
    /// When the documents were received (UTC ms).
    pub received_at: i64,
    /// When it is due (UTC ms).
    pub due_at: i64,
    /// The local day it is due.
    pub due_day: NaiveDate,
    /// Its promised limit.
    pub limit: Limit,
    /// Why it is on hold, while it is.
    pub hold_reason: Option<String>,
    /// Its stages.
    pub stages: Vec<StageDto>,
    /// When it was closed (UTC ms).
    pub closed_at: Option<i64>,
    /// How it was closed.
    pub outcome: Option<CaseOutcome>,
}

impl LiveCaseDto {
    fn of(c: CaseDto, hall: &Hall) -> Self {
        Self {
            hall: hall.name.clone(),
            number: c.case.number,
            type_name: c.type_name,
            type_name_en: c.type_name_en,
            customer_ref: c.case.customer_ref.as_deref().map(commitment::mask_ref),
            state: c.case.state,
            due_status: c.due_status,
            received_at: c.case.received_at,
            due_at: c.case.due_at,
            due_day: c.due_day,
            limit: c.case.limit,
            hold_reason: c.case.hold_reason,
            stages: c.stage_list,
            closed_at: c.case.closed_at,
            outcome: c.case.outcome,
        }
    }
}
