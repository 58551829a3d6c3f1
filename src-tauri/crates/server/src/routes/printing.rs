//! `/api/v1/printers` and `/api/v1/print-jobs`: each kiosk's printer and
//! its status, the test print, the print jobs with their bytes, the kiosk
//! page's results, cancelling, and `/api/v1/tickets/{ticket}/reprint`.
//!
//! Handlers adapt; the printing itself (jobs, tries, the worker) is
//! [`crate::printing`], the rows are the store's.

use axum::extract::State;
use base64::Engine;
use chrono::NaiveDate;
use hallq_printer::TicketPrint;
use hallq_store::hallq_core::CoreError;
use hallq_store::{
    PrintDelivery, PrintFault, PrintJob, PrintJobFilter, PrintJobState, PrintJobUpdate, PrintReason, PrinterConfig,
    PrinterKind,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::{tickets_today, today};
use crate::auth::{Caller, Role};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{Json, Path, Query};
use crate::state::AppState;
use crate::{printing, queue};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(printers))
        .routes(routes!(set_printer))
        .routes(routes!(test))
        .routes(routes!(jobs))
        .routes(routes!(escpos))
        .routes(routes!(result))
        .routes(routes!(cancel))
        .routes(routes!(reprint))
}

/// Every kiosk (by name) with its printer, status and pending jobs today; a
/// kiosk gets only itself.
#[utoipa::path(
    get, path = "/api/v1/printers", tag = "printing",
    security(("token" = ["read_printers"])),
    responses((status = 200, body = Vec<PrinterDto>), (status = "4XX", body = ErrorBody))
)]
async fn printers(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Vec<PrinterDto>>> {
    let now = state.now();
    let (kiosks, counts) = state
        .blocking(move |store, hall| {
            let day = today(&store.reader()?, hall, now)?;
            Ok((store.kiosk_printers(hall)?, store.pending_print_counts(hall, day)?))
        })
        .await?;
    let own = (caller.role == Role::Kiosk).then_some(caller.terminal);
    Ok(Json(
        kiosks
            .into_iter()
            .filter(|k| own.is_none_or(|o| o == k.kiosk))
            .map(|k| PrinterDto {
                status: printing::status_of(&state, k.kiosk, &k.config),
                pending: counts.iter().find(|(id, _)| *id == k.kiosk).map_or(0, |c| c.1),
                kiosk: k.kiosk,
                kiosk_name: k.name,
                config: k.config.into(),
            })
            .collect(),
    ))
}

/// Set a kiosk's printer. Its pending jobs go to the new printer.
#[utoipa::path(
    put, path = "/api/v1/printers/{kiosk}", tag = "printing",
    security(("token" = ["change_printers"])),
    params(("kiosk" = Uuid, Path, description = "the kiosk terminal's id")),
    request_body = PrinterConfigDto,
    responses((status = 200, body = PrinterDto), (status = "4XX", body = ErrorBody))
)]
async fn set_printer(
    State(state): State<AppState>,
    Path(kiosk): Path<Uuid>,
    Json(req): Json<PrinterConfigDto>,
) -> ApiResult<Json<PrinterDto>> {
    let now = state.now();
    let (k, pending) = state
        .blocking(move |store, hall| {
            store.set_kiosk_printer(hall, kiosk, &req.into(), now)?;
            let day = today(&store.reader()?, hall, now)?;
            let pending = store.pending_print_counts(hall, day)?.into_iter().find(|c| c.0 == kiosk).map_or(0, |c| c.1);
            Ok((store.kiosk_printer(hall, kiosk)?, pending))
        })
        .await?;
    Ok(Json(PrinterDto {
        status: printing::status_of(&state, k.kiosk, &k.config),
        kiosk: k.kiosk,
        kiosk_name: k.name,
        config: k.config.into(),
        pending,
    }))
}

/// Print a sample ticket ("测试 / TEST") now on a printer the server drives
/// (network, usb, serial). Nothing is stored.
#[utoipa::path(
    post, path = "/api/v1/printers/test", tag = "printing",
    security(("token" = ["change_printers"])),
    request_body = PrinterConfigDto,
    responses((status = 200, body = PrintOutcomeDto), (status = "4XX", body = ErrorBody))
)]
async fn test(State(state): State<AppState>, Json(req): Json<PrinterConfigDto>) -> ApiResult<Json<PrintOutcomeDto>> {
    let config = PrinterConfig::from(req).normalized()?;
    if config.kind.delivery() != Some(PrintDelivery::Server) {
        return Err(ApiError::PrinterTestOnKiosk);
    }
    Ok(Json(printing::test_print(&state, config).await?))
}

/// Which print jobs to list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct JobFilter {
    /// Only jobs in this state.
    state: Option<PrintJobState>,
    /// Only jobs of this business day, `YYYY-MM-DD`.
    day: Option<NaiveDate>,
}

/// Print jobs, newest first. A kiosk sees only its own jobs that its page prints.
#[utoipa::path(
    get, path = "/api/v1/print-jobs", tag = "printing",
    security(("token" = ["read_print_jobs"])),
    params(JobFilter),
    responses((status = 200, body = Vec<PrintJobDto>), (status = "4XX", body = ErrorBody))
)]
async fn jobs(
    State(state): State<AppState>,
    caller: Caller,
    Query(f): Query<JobFilter>,
) -> ApiResult<Json<Vec<PrintJobDto>>> {
    let kiosk = caller.role == Role::Kiosk;
    let filter = PrintJobFilter {
        state: f.state,
        day: f.day,
        kiosk: kiosk.then_some(caller.terminal),
        deliver: kiosk.then_some(PrintDelivery::Page),
    };
    let jobs = state.blocking(move |store, hall| store.print_jobs(hall, &filter)).await?;
    Ok(Json(jobs.into_iter().map(PrintJobDto::try_from).collect::<ApiResult<_>>()?))
}

/// A job's ESC/POS bytes (for the kiosk's own printer, through its desktop app).
#[utoipa::path(
    get, path = "/api/v1/print-jobs/{id}/escpos", tag = "printing",
    security(("token" = ["read_print_jobs"])),
    params(("id" = Uuid, Path, description = "print job id")),
    responses((status = 200, body = EscposDto), (status = "4XX", body = ErrorBody))
)]
async fn escpos(State(state): State<AppState>, caller: Caller, Path(id): Path<Uuid>) -> ApiResult<Json<EscposDto>> {
    let job = state.blocking(move |store, hall| store.print_job(hall, id)).await?;
    if caller.role == Role::Kiosk && job.kiosk != Some(caller.terminal) {
        return Err(ApiError::NotYourPrintJob);
    }
    let bytes = printing::escpos(&job)?;
    Ok(Json(EscposDto {
        paper: job.printer.paper,
        bytes_base64: base64::engine::general_purpose::STANDARD.encode(bytes),
    }))
}

/// What the kiosk page's printing did: printed, or why not (the job stays
/// pending and the attempt is counted).
#[utoipa::path(
    post, path = "/api/v1/print-jobs/{id}/result", tag = "printing",
    security(("token" = ["report_print"])),
    params(("id" = Uuid, Path, description = "print job id")),
    request_body = PrintResultRequest,
    responses((status = 200, body = PrintJobDto), (status = "4XX", body = ErrorBody))
)]
async fn result(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    Json(req): Json<PrintResultRequest>,
) -> ApiResult<Json<PrintJobDto>> {
    let update = if req.ok {
        PrintJobUpdate::Printed
    } else {
        let text = |s: Option<String>, max: usize| s.map(|s| s.chars().filter(|c| !c.is_control()).take(max).collect());
        let code: String =
            text(req.code, 64).filter(|c: &String| !c.is_empty()).unwrap_or_else(|| "printer_failed".into());
        PrintJobUpdate::Failed(PrintFault {
            message_zh: text(req.message_zh, 200).unwrap_or_else(|| "取号机打印失败".into()),
            message_en: text(req.message_en, 200).unwrap_or_else(|| "the kiosk could not print".into()),
            code,
        })
    };
    let fault = match &update {
        PrintJobUpdate::Failed(f) => {
            Some(ErrorBody { code: f.code.clone(), message_zh: f.message_zh.clone(), message_en: f.message_en.clone() })
        }
        _ => None,
    };
    let now = state.now();
    let (terminal, role) = (caller.terminal, caller.role);
    let job = state
        .blocking(move |store, hall| {
            let job = store.print_job(hall, id)?;
            Ok((job.kiosk, job.deliver, job.printer.kind))
        })
        .await?;
    if role == Role::Kiosk && job.0 != Some(terminal) {
        return Err(ApiError::NotYourPrintJob);
    }
    if job.1 != PrintDelivery::Page {
        return Err(ApiError::ServerPrintsJob);
    }
    let done = state.blocking(move |store, hall| store.update_print_job(hall, id, &update, now)).await?;
    if let (Some(kiosk), hallq_store::PrinterKind::Local) = (job.0, job.2) {
        printing::see_local(&state, kiosk, fault.as_ref());
    }
    Ok(Json(done.try_into()?))
}

/// Cancel a pending print job (a printed one cannot be: 409).
#[utoipa::path(
    post, path = "/api/v1/print-jobs/{id}/cancel", operation_id = "cancel_print_job", tag = "printing",
    security(("token" = ["cancel_print_job"])),
    params(("id" = Uuid, Path, description = "print job id")),
    responses((status = 200, body = PrintJobDto), (status = "4XX", body = ErrorBody))
)]
async fn cancel(State(state): State<AppState>, Path(id): Path<Uuid>) -> ApiResult<Json<PrintJobDto>> {
    let now = state.now();
    let job =
        state.blocking(move |store, hall| store.update_print_job(hall, id, &PrintJobUpdate::Cancelled, now)).await?;
    Ok(Json(job.try_into()?))
}

/// Print a ticket again, as it was printed at issue, at the kiosk that
/// issued it (or the one named). The server tries its jobs at once.
#[utoipa::path(
    post, path = "/api/v1/tickets/{ticket}/reprint", tag = "printing",
    security(("token" = ["reprint_ticket"])),
    params(("ticket" = String, Path, description = "ticket id, or today's number such as A012")),
    request_body(content = Option<ReprintRequest>, description = "optional: the kiosk"),
    responses((status = 200, body = PrintOutcomeDto), (status = "4XX", body = ErrorBody))
)]
async fn reprint(
    State(state): State<AppState>,
    Path(ticket): Path<String>,
    body: Option<Json<ReprintRequest>>,
) -> ApiResult<Json<PrintOutcomeDto>> {
    let req = body.map(|Json(r)| r).unwrap_or_default();
    let now = state.now();
    let this = state.clone();
    let made = state
        .blocking(move |store, hall| {
            let tickets = tickets_today(&store.reader()?, hall, now)?;
            let Some(t) = queue::find(&tickets, &queue::ticket_ref(&ticket)).cloned() else {
                return Ok(Err(ApiError::from(CoreError::UnknownTicket(ticket))));
            };
            let legs: Vec<Uuid> = tickets.iter().filter(|o| o.visit_id == t.visit_id).map(|o| o.id).collect();
            let first = store.print_jobs_of_tickets(hall, &legs)?.into_iter().next();
            let Some(kiosk) = req.kiosk.or_else(|| first.as_ref().and_then(|j| j.kiosk)) else {
                return Ok(Err(ApiError::ReprintNeedsKiosk));
            };
            let printer = store.kiosk_printer(hall, kiosk)?.config;
            if printer.kind.delivery().is_none() {
                return Ok(Err(ApiError::KioskPrintsNothing));
            }
            let (ticket, number, content) = match first {
                Some(j) => (j.ticket, j.number, j.content),
                None => (t.id, t.number.clone(), printing::ticket_content(&this, store, hall, &t, now)?),
            };
            let job = hallq_store::NewPrintJob {
                ticket,
                number,
                kiosk: Some(kiosk),
                reason: PrintReason::Reprint,
                printer,
                content,
                business_day: t.business_day,
            };
            Ok(Ok(store.add_print_job(hall, &job, now)?))
        })
        .await??;
    if made.deliver == PrintDelivery::Server {
        return Ok(Json(printing::try_now(&state, made).await?));
    }
    Ok(Json(PrintOutcomeDto { job: made.try_into()?, fault: None }))
}

// ---------------------------------------------------------------- wire types

/// A kiosk's printer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PrinterConfigDto {
    /// How tickets are printed.
    pub kind: PrinterKind,
    /// network: `host` or `host:port` (default port 9100); usb: device path
    /// (`/dev/usb/lp0`, Windows `\\localhost\POS58`); serial: port
    /// (`/dev/ttyUSB0`, `COM3`); otherwise `null`.
    #[serde(default)]
    pub address: Option<String>,
    /// Serial only: 2400–115200 (default 9600).
    #[serde(default)]
    pub baud: Option<u32>,
    /// Paper width, mm: 58 or 80 (default 80).
    #[serde(default = "paper_80")]
    pub paper: u16,
}

fn paper_80() -> u16 {
    80
}

impl From<PrinterConfig> for PrinterConfigDto {
    fn from(c: PrinterConfig) -> Self {
        Self { kind: c.kind, address: c.address, baud: c.baud, paper: c.paper }
    }
}

impl From<PrinterConfigDto> for PrinterConfig {
    fn from(c: PrinterConfigDto) -> Self {
        Self { kind: c.kind, address: c.address, baud: c.baud, paper: c.paper }
    }
}

/// A printer's state as last seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PrinterStateDto {
    /// Prints.
    Ready,
    /// Prints, but the roll is nearly finished.
    PaperNearEnd,
    /// Out of paper.
    PaperOut,
    /// Cover open.
    CoverOpen,
    /// Offline or unreachable.
    Offline,
    /// The transport cannot report status (USB), or the printer does not answer.
    Unknown,
    /// Not checked (kinds none, html, local before a report) or not yet.
    NotChecked,
}

/// A printer's status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PrinterStatusDto {
    /// The state.
    pub state: PrinterStateDto,
    /// When it was checked, UTC ms.
    pub checked_at: Option<i64>,
    /// 中文说明.
    pub message_zh: String,
    /// English explanation.
    pub message_en: String,
}

/// A kiosk, its printer and how that printer is doing.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PrinterDto {
    /// The kiosk terminal's id.
    pub kiosk: Uuid,
    /// The kiosk's name.
    pub kiosk_name: String,
    /// Its printer.
    pub config: PrinterConfigDto,
    /// The printer's status.
    pub status: PrinterStatusDto,
    /// That kiosk's print jobs still pending today.
    pub pending: u32,
}

/// A print job.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PrintJobDto {
    /// Its id.
    pub id: Uuid,
    /// The ticket.
    pub ticket: Uuid,
    /// The ticket's number.
    pub number: String,
    /// The kiosk it prints for.
    pub kiosk: Option<Uuid>,
    /// Why it was made.
    pub reason: PrintReason,
    /// Who prints it.
    pub deliver: PrintDelivery,
    /// The printer's kind.
    pub kind: PrinterKind,
    /// Paper width, mm.
    pub paper: u16,
    /// Where it stands.
    pub state: PrintJobState,
    /// Attempts so far.
    pub attempts: u32,
    /// Why the last attempt failed.
    pub last_error: Option<ErrorBody>,
    /// What the ticket says.
    pub content: TicketPrint,
    /// When it was made, UTC ms.
    pub created_at: i64,
    /// When it was printed.
    pub printed_at: Option<i64>,
}

impl TryFrom<PrintJob> for PrintJobDto {
    type Error = ApiError;
    fn try_from(j: PrintJob) -> Result<Self, ApiError> {
        let content = serde_json::from_value(j.content)
            .map_err(|e| ApiError::Internal(format!("print job {} content: {e}", j.id)))?;
        Ok(Self {
            id: j.id,
            ticket: j.ticket,
            number: j.number,
            kiosk: j.kiosk,
            reason: j.reason,
            deliver: j.deliver,
            kind: j.printer.kind,
            paper: j.printer.paper,
            state: j.state,
            attempts: j.attempts,
            last_error: j.last_error.map(|f| ErrorBody {
                code: f.code,
                message_zh: f.message_zh,
                message_en: f.message_en,
            }),
            content,
            created_at: j.created_at,
            printed_at: j.printed_at,
        })
    }
}

/// A print job and, when its attempt failed, why.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PrintOutcomeDto {
    /// The job as it is now.
    pub job: PrintJobDto,
    /// Why it did not print now (`null`: printed, or the page prints it).
    pub fault: Option<ErrorBody>,
}

/// A job's bytes for the kiosk's own printer.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EscposDto {
    /// Paper width, mm.
    pub paper: u16,
    /// The ESC/POS job, base64.
    pub bytes_base64: String,
}

/// What the kiosk page's printing did.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PrintResultRequest {
    /// Printed.
    pub ok: bool,
    /// The error's code when not.
    #[serde(default)]
    pub code: Option<String>,
    /// The error in Chinese.
    #[serde(default)]
    pub message_zh: Option<String>,
    /// The error in English.
    #[serde(default)]
    pub message_en: Option<String>,
}

/// Reprint a ticket.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReprintRequest {
    /// The kiosk to print at (default: the one that issued the ticket).
    #[serde(default)]
    pub kiosk: Option<Uuid>,
}
