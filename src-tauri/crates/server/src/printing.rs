//! Printing tickets from the hall server: what a ticket says
//! ([`content`]), the print job ordered with a kiosk's issue ([`order`]:
//! the store records it in the ticket's own commit; [`issued`] answers it),
//! trying a job at once ([`try_now`]), each printer's last seen status, and the print worker ([`spawn_worker`]) that retries pending
//! jobs in order when their printer is ready again and skips those whose
//! ticket no longer waits.
//!
//! Printer IO is blocking and may take seconds (a dead printer's timeout), so
//! it runs in `spawn_blocking`, one printer at a time (a lock per printer, so
//! the worker and an issue never send the same job twice or interleave two
//! jobs on one printer). Nothing here decides a queue question, and every
//! job is a row in the store before anything is sent: a job that failed
//! stays pending and is retried, never dropped.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use hallq_printer::{Paper, PrintError, Printer, PrinterStatus, TicketPrint, render};
use hallq_store::hallq_core::{Hall, Millis, Ticket, TicketState};
use hallq_store::{
    PrintDelivery, PrintFault, PrintJob, PrintJobState, PrintJobUpdate, PrintOrder, PrintReason, PrinterConfig,
    PrinterKind,
};
use uuid::Uuid;

use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::routes::printing::{PrintJobDto, PrintOutcomeDto, PrinterStateDto, PrinterStatusDto};
use crate::state::AppState;

/// The notice line at the bottom of every ticket.
pub const NOTICE: &str = "请留意叫号，过号请到柜台咨询 / Please listen for your number";

/// How long the server waits on a network or serial printer's answers.
const PRINTER_TIMEOUT: Duration = Duration::from_millis(1500);

/// How long an issue waits for a printer busy with another job before it
/// answers with the job pending (the worker prints it).
const ISSUE_WAIT: Duration = Duration::from_secs(3);

/// The printer a server-side configuration names (`None` for kinds the
/// server does not print to).
fn printer_of(config: &PrinterConfig) -> Option<Printer> {
    let address = config.address.clone()?;
    match config.kind {
        PrinterKind::Network => Some(Printer::Network { addr: address, timeout: PRINTER_TIMEOUT }),
        PrinterKind::Usb => Some(Printer::Device(address.into())),
        PrinterKind::Serial => Some(Printer::Serial {
            path: address,
            baud: config.baud.unwrap_or(hallq_store::DEFAULT_BAUD),
            timeout: PRINTER_TIMEOUT,
        }),
        PrinterKind::None | PrinterKind::Html | PrinterKind::Local => None,
    }
}

/// The status-cache key of a printer: the same network printer shared by two
/// kiosks is one printer.
fn key_of(config: &PrinterConfig) -> String {
    format!("{}:{}", config.kind.as_str(), config.address.as_deref().unwrap_or(""))
}

fn local_key(kiosk: Uuid) -> String {
    format!("local:{kiosk}")
}

fn paper(mm: u16) -> Paper {
    if mm == 58 { Paper::Mm58 } else { Paper::Mm80 }
}

fn fault_of(e: &PrintError) -> ErrorBody {
    ErrorBody { code: e.code().to_string(), message_zh: e.message_zh(), message_en: e.message_en() }
}

fn stored_fault(f: &ErrorBody) -> PrintFault {
    PrintFault { code: f.code.clone(), message_zh: f.message_zh.clone(), message_en: f.message_en.clone() }
}

fn state_of(status: &PrinterStatus) -> PrinterStateDto {
    match status.state() {
        "cover_open" => PrinterStateDto::CoverOpen,
        "paper_out" => PrinterStateDto::PaperOut,
        "offline" => PrinterStateDto::Offline,
        "paper_near_end" => PrinterStateDto::PaperNearEnd,
        _ => PrinterStateDto::Ready,
    }
}

/// What a failed print says about the printer.
fn state_of_error(e: &PrintError) -> PrinterStateDto {
    match e {
        PrintError::NotReady { status, .. } => state_of(status),
        PrintError::Status { .. } | PrintError::StatusUnsupported { .. } => PrinterStateDto::Unknown,
        _ => PrinterStateDto::Offline,
    }
}

/// What a successful print says: ready, except that a device file (USB)
/// never reports status, so its state stays unknown.
fn printed_state(config: &PrinterConfig) -> PrinterStateDto {
    if config.kind == PrinterKind::Usb { PrinterStateDto::Unknown } else { PrinterStateDto::Ready }
}

fn is_fault(state: PrinterStateDto) -> bool {
    matches!(state, PrinterStateDto::PaperOut | PrinterStateDto::CoverOpen | PrinterStateDto::Offline)
}

/// The wire status of a kiosk's printer.
pub(crate) fn status_of(state: &AppState, kiosk: Uuid, config: &PrinterConfig) -> PrinterStatusDto {
    let seen = match config.kind {
        PrinterKind::None | PrinterKind::Html => None,
        PrinterKind::Local => state.printing().seen(&local_key(kiosk)),
        _ => state.printing().seen(&key_of(config)),
    };
    let (st, checked_at) = match (&seen, config.kind) {
        (Some(s), _) => (s.state, Some(s.checked_at)),
        (None, PrinterKind::Usb) => (PrinterStateDto::Unknown, None),
        (None, _) => (PrinterStateDto::NotChecked, None),
    };
    let (zh, en) = match st {
        PrinterStateDto::Ready => ("打印机正常", "the printer is ready"),
        PrinterStateDto::PaperNearEnd => ("打印纸即将用完，请准备换纸", "the paper roll is nearly finished"),
        PrinterStateDto::PaperOut => ("打印机缺纸，请换纸", "the printer is out of paper"),
        PrinterStateDto::CoverOpen => ("打印机盖未合上", "the printer's cover is open"),
        PrinterStateDto::Offline => ("打印机离线或无法连接", "the printer is offline or cannot be reached"),
        PrinterStateDto::Unknown => {
            ("无法读取打印机状态（USB 或打印机不回应）", "the printer's status cannot be read (USB, or no answer)")
        }
        PrinterStateDto::NotChecked => ("未检查", "not checked"),
    };
    let (message_zh, message_en) = match seen.and_then(|s| s.fault) {
        Some(f) if is_fault(st) => (f.message_zh, f.message_en),
        _ => (zh.to_string(), en.to_string()),
    };
    PrinterStatusDto { state: st, checked_at, message_zh, message_en }
}

/// Records what a kiosk page reported about its own (`local`) printer.
pub(crate) fn see_local(state: &AppState, kiosk: Uuid, fault: Option<&ErrorBody>) {
    let st = match fault.map(|f| f.code.as_str()) {
        None => PrinterStateDto::Ready,
        Some("printer_paper_out") => PrinterStateDto::PaperOut,
        Some("printer_cover_open") => PrinterStateDto::CoverOpen,
        Some(_) => PrinterStateDto::Offline,
    };
    state.printing().see(&local_key(kiosk), st, state.now(), fault.cloned());
}

/// The base of live-ticket URLs: the server's `--public-url`, else the
/// hall's `public_url`, else the address the server listens on when that is
/// a LAN address; else empty (no QR code is printed).
pub(crate) fn public_base(state: &AppState, hall: &Hall) -> String {
    base_of(state.config().public_url.as_deref(), state.printing().bound(), hall)
}

fn base_of(server_url: Option<&str>, bound: Option<SocketAddr>, hall: &Hall) -> String {
    if let Some(u) = server_url.or(hall.public_url.as_deref()) {
        return u.trim_end_matches('/').to_string();
    }
    match bound {
        Some(a) if !a.ip().is_loopback() && !a.ip().is_unspecified() => format!("http://{a}"),
        _ => String::new(),
    }
}

/// What the ticket says, as printed at issue.
pub(crate) fn content(hall: &Hall, service_name: &str, t: &Ticket, base: &str) -> TicketPrint {
    TicketPrint {
        hall_name: hall.name.clone(),
        service_name: service_name.to_string(),
        number: t.number.clone(),
        people_ahead: t.people_ahead,
        // Round up: "about 0 minutes" for a short queue would mislead.
        estimated_wait_minutes: t
            .estimated_wait_ms
            .map(|ms| u32::try_from((ms.max(0) + 59_999) / 60_000).unwrap_or(u32::MAX)),
        issued_at: hall.local(t.issued_at).format("%Y-%m-%d %H:%M").to_string(),
        ticket_url: if base.is_empty() { String::new() } else { format!("{base}/t/{}", t.id) },
        notice: NOTICE.to_string(),
    }
}

/// A job's ESC/POS bytes, as [`hallq_printer::render`] gives them.
pub(crate) fn escpos(job: &PrintJob) -> hallq_store::Result<Vec<u8>> {
    let content: TicketPrint = serde_json::from_value(job.content.clone())
        .map_err(|e| hallq_store::StoreError::PrintRenderFailed(format!("print job {}: {e}", job.id)))?;
    Ok(render(&content, paper(job.printer.paper)))
}

fn outcome(job: PrintJob, fault: Option<ErrorBody>) -> ApiResult<PrintOutcomeDto> {
    Ok(PrintOutcomeDto { job: PrintJobDto::try_from(job)?, fault })
}

/// The print order of a kiosk's issue: the store records the job in the
/// ticket's own commit, with the content [`content`] gives at that moment.
pub(crate) fn order(state: &AppState, kiosk: Uuid) -> PrintOrder {
    let server_url = state.config().public_url.clone();
    let bound = state.printing().bound();
    PrintOrder {
        kiosk,
        content: Box::new(move |hall: &Hall, service_name: &str, t: &Ticket| {
            let c = content(hall, service_name, t, &base_of(server_url.as_deref(), bound, hall));
            serde_json::to_value(c).expect("a ticket's print content is plain JSON")
        }),
    }
}

/// The answer's print of a kiosk's ticket whose job the issue recorded:
/// tried at once when the server prints it (a retried issue's job as it is
/// now). The ticket is issued whatever happens here: a job the server could
/// not even try stays pending for the print worker.
pub(crate) async fn issued(state: &AppState, job: PrintJob) -> ApiResult<PrintOutcomeDto> {
    if job.deliver == PrintDelivery::Server && job.state == PrintJobState::Pending && job.attempts == 0 {
        match try_now(state, job.clone()).await {
            Ok(o) => return Ok(o),
            Err(e) => tracing::error!(error = %e, job = %job.id, "could not try the print now; the worker will"),
        }
    }
    let fault = job.last_error.clone().filter(|_| job.state == PrintJobState::Pending).map(|f| ErrorBody {
        code: f.code,
        message_zh: f.message_zh,
        message_en: f.message_en,
    });
    outcome(job, fault)
}

/// The ticket's printed content as JSON, built now.
pub(crate) fn ticket_content(
    state: &AppState,
    store: &hallq_store::Store,
    hall: Uuid,
    t: &Ticket,
    now: Millis,
) -> hallq_store::Result<serde_json::Value> {
    let r = store.reader()?;
    let h = r
        .halls()?
        .into_iter()
        .find(|h| h.id == hall)
        .ok_or_else(|| hallq_store::StoreError::UnknownHall(hall.to_string()))?;
    let service_name = r
        .status(hall, now)?
        .services
        .into_iter()
        .find(|s| s.service.code == t.service)
        .map_or_else(|| t.service.clone(), |s| s.service.name_zh);
    Ok(serde_json::to_value(content(&h, &service_name, t, &public_base(state, &h)))?)
}

/// Tries a server-side job now (status, then send) and answers it as it is
/// after the try. A printer seen faulty a moment ago is not waited for: the
/// job stays pending with that fault and the worker prints it when the
/// printer is back.
pub(crate) async fn try_now(state: &AppState, job: PrintJob) -> ApiResult<PrintOutcomeDto> {
    let key = key_of(&job.printer);
    let fresh_for = state.config().printer_poll * 2 + Duration::from_secs(1);
    let known = state.printing().seen(&key).filter(|s| is_fault(s.state) && s.when.elapsed() < fresh_for);
    if let Some(fault) = known.and_then(|s| s.fault) {
        return record_failure(state, job, fault).await;
    }
    let lock = state.printing().lock(&key);
    let Ok(_guard) = tokio::time::timeout(ISSUE_WAIT, lock.lock_owned()).await else {
        let busy = ErrorBody {
            code: "printer_busy".into(),
            message_zh: "打印机忙，稍后自动补打".into(),
            message_en: "the printer is busy; the ticket will be printed shortly".into(),
        };
        return outcome(job, Some(busy));
    };
    let now = state.now();
    let id = job.id;
    let (job, result) = state
        .blocking(move |store, hall| {
            let job = store.print_job(hall, id)?;
            if job.state != PrintJobState::Pending {
                return Ok((job, Ok(())));
            }
            let Some(printer) = printer_of(&job.printer) else { return Ok((job, Ok(()))) };
            let bytes = escpos(&job)?;
            let result = printer.print(&bytes);
            let update = match &result {
                Ok(()) => PrintJobUpdate::Printed,
                Err(e) => PrintJobUpdate::Failed(stored_fault(&fault_of(e))),
            };
            Ok((store.update_print_job(hall, id, &update, now)?, result))
        })
        .await?;
    match result {
        Ok(()) => {
            if job.state == PrintJobState::Printed {
                state.printing().see(&key, printed_state(&job.printer), now, None);
            }
            outcome(job, None)
        }
        Err(e) => {
            let fault = fault_of(&e);
            state.printing().see(&key, state_of_error(&e), now, Some(fault.clone()));
            outcome(job, Some(fault))
        }
    }
}

async fn record_failure(state: &AppState, job: PrintJob, fault: ErrorBody) -> ApiResult<PrintOutcomeDto> {
    let now = state.now();
    let (id, stored) = (job.id, stored_fault(&fault));
    let job = state
        .blocking(move |store, hall| match store.update_print_job(hall, id, &PrintJobUpdate::Failed(stored), now) {
            // The worker printed it meanwhile: answer it as it is.
            Err(hallq_store::StoreError::PrintJobClosed { .. }) => store.print_job(hall, id),
            other => other,
        })
        .await?;
    let fault = (job.state == PrintJobState::Pending).then_some(fault);
    outcome(job, fault)
}

/// Prints a sample ticket now on a server-side printer (the settings' test
/// button); nothing is stored. The job in the answer is `printed`, or
/// `cancelled` with the fault.
pub(crate) async fn test_print(state: &AppState, config: PrinterConfig) -> ApiResult<PrintOutcomeDto> {
    let now = state.now();
    let this = state.clone();
    let hall = state.read(|r, id| Ok(r.halls()?.into_iter().find(|h| h.id == id))).await?;
    let hall = hall.ok_or_else(|| ApiError::UnknownHall(state.hall().to_string()))?;
    let base = public_base(&this, &hall);
    let content = TicketPrint {
        hall_name: hall.name.clone(),
        service_name: "测试打印 / Test print".into(),
        number: "测试 TEST".into(),
        people_ahead: 0,
        estimated_wait_minutes: None,
        issued_at: hall.local(now).format("%Y-%m-%d %H:%M").to_string(),
        ticket_url: base,
        notice: NOTICE.into(),
    };
    let key = key_of(&config);
    let printer = printer_of(&config).ok_or(ApiError::PrinterTestOnKiosk)?;
    let bytes = render(&content, paper(config.paper));
    let lock = state.printing().lock(&key);
    let guard = lock.lock_owned().await;
    let result = tokio::task::spawn_blocking(move || printer.print(&bytes))
        .await
        .map_err(|e| ApiError::Internal(format!("test print task failed: {e}")))?;
    drop(guard);
    let (job_state, fault) = match &result {
        Ok(()) => {
            state.printing().see(&key, printed_state(&config), now, None);
            (PrintJobState::Printed, None)
        }
        Err(e) => {
            state.printing().see(&key, state_of_error(e), now, Some(fault_of(e)));
            (PrintJobState::Cancelled, Some(fault_of(e)))
        }
    };
    let job = PrintJob {
        id: Uuid::now_v7(),
        ticket: Uuid::nil(),
        number: content.number.clone(),
        kiosk: None,
        reason: PrintReason::Test,
        deliver: PrintDelivery::Server,
        printer: config,
        state: job_state,
        attempts: 1,
        last_error: fault.as_ref().map(stored_fault),
        content: serde_json::to_value(&content).map_err(|e| ApiError::Internal(e.to_string()))?,
        created_at: now,
        printed_at: (job_state == PrintJobState::Printed).then_some(now),
        business_day: hall.business_day(now),
    };
    outcome(job, fault)
}

/// Whether a pending job's ticket still needs its paper: its visit's newest
/// leg is waiting or called, today.
fn still_waits(job: &PrintJob, tickets: &[Ticket], today: chrono::NaiveDate) -> bool {
    if job.business_day != today {
        return false;
    }
    let Some(t) = tickets.iter().find(|t| t.id == job.ticket) else { return false };
    let newest = tickets.iter().filter(|o| o.visit_id == t.visit_id).max_by_key(|o| o.leg).unwrap_or(t);
    matches!(newest.state, TicketState::Waiting | TicketState::Called)
}

/// Starts the print worker: every `printer_poll` it skips pending jobs whose
/// ticket no longer waits, checks each server-side printer that has pending
/// jobs (and every network or serial printer, for the board), and sends a
/// ready printer's pending jobs in order. It stops when the server stops.
pub(crate) fn spawn_worker(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut signal = state.shutdown_signal();
        let stopping = async move {
            let _ = signal.wait_for(|s| *s).await;
        };
        tokio::pin!(stopping);
        loop {
            tokio::select! {
                () = tokio::time::sleep(state.config().printer_poll) => {}
                () = &mut stopping => return,
            }
            if let Err(e) = tick(&state).await {
                tracing::warn!(error = %e, "print worker round failed");
            }
        }
    })
}

/// One round of the worker.
pub(crate) async fn tick(state: &AppState) -> ApiResult<()> {
    let now = state.now();
    let (kiosks, pending, tickets, today) = state
        .blocking(move |store, hall| {
            let kiosks = store.kiosk_printers(hall)?;
            let pending = store.pending_print_jobs(hall)?;
            let r = store.reader()?;
            let h = r.halls()?.into_iter().find(|h| h.id == hall);
            let today = h.map_or_else(|| chrono::NaiveDate::MIN, |h| h.business_day(now));
            let tickets = if pending.is_empty() { Vec::new() } else { r.tickets_of_day(hall, today)? };
            Ok((kiosks, pending, tickets, today))
        })
        .await?;
    let (live, gone): (Vec<_>, Vec<_>) = pending.into_iter().partition(|j| still_waits(j, &tickets, today));
    if !gone.is_empty() {
        let ids: Vec<Uuid> = gone.iter().map(|j| j.id).collect();
        state
            .blocking(move |store, hall| {
                for id in ids {
                    match store.update_print_job(hall, id, &PrintJobUpdate::Skipped, now) {
                        Ok(_) | Err(hallq_store::StoreError::PrintJobClosed { .. }) => {}
                        Err(e) => return Err(e),
                    }
                }
                Ok(())
            })
            .await?;
    }
    let mut targets: BTreeMap<String, (PrinterConfig, bool)> = BTreeMap::new();
    for j in live.iter().filter(|j| j.deliver == PrintDelivery::Server) {
        targets.insert(key_of(&j.printer), (j.printer.clone(), true));
    }
    for k in kiosks.iter().filter(|k| matches!(k.config.kind, PrinterKind::Network | PrinterKind::Serial)) {
        targets.entry(key_of(&k.config)).or_insert_with(|| (k.config.clone(), false));
    }
    for (key, (config, has_jobs)) in targets {
        serve_printer(state, &key, config, has_jobs).await?;
    }
    Ok(())
}

/// Checks one printer and, when it can print, sends its pending jobs in
/// order, stopping at the first that fails.
async fn serve_printer(state: &AppState, key: &str, config: PrinterConfig, has_jobs: bool) -> ApiResult<()> {
    let Some(printer) = printer_of(&config) else { return Ok(()) };
    let lock = state.printing().lock(key);
    let _guard = lock.lock_owned().await;
    let now = state.now();
    let owned_key = key.to_string();
    let (seen, fault) = state
        .blocking(move |store, hall| {
            let (mut seen, mut fault, ready) = match printer.status() {
                Ok(s) => {
                    let fault = (!s.can_print())
                        .then(|| fault_of(&PrintError::NotReady { target: printer.target(), status: s }));
                    (state_of(&s), fault, s.can_print())
                }
                // A device file, or a printer that answers no status: send anyway.
                Err(e @ (PrintError::StatusUnsupported { .. } | PrintError::Status { .. })) => {
                    (state_of_error(&e), None, true)
                }
                Err(e) => (state_of_error(&e), Some(fault_of(&e)), false),
            };
            if !(ready && has_jobs) {
                return Ok((seen, fault));
            }
            let jobs = store
                .pending_print_jobs(hall)?
                .into_iter()
                .filter(|j| j.deliver == PrintDelivery::Server && key_of(&j.printer) == owned_key);
            for job in jobs {
                let bytes = escpos(&job)?;
                match printer.send(&bytes) {
                    Ok(()) => {
                        store.update_print_job(hall, job.id, &PrintJobUpdate::Printed, now)?;
                        if seen == PrinterStateDto::Unknown && !matches!(printer, Printer::Device(_)) {
                            seen = PrinterStateDto::Ready;
                        }
                    }
                    Err(e) => {
                        let f = fault_of(&e);
                        store.update_print_job(hall, job.id, &PrintJobUpdate::Failed(stored_fault(&f)), now)?;
                        seen = state_of_error(&e);
                        fault = Some(f);
                        break;
                    }
                }
            }
            Ok((seen, fault))
        })
        .await?;
    state.printing().see(key, seen, now, fault);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_printed_wait_rounds_up_and_the_url_needs_a_base() {
        let hall = Hall::new(Uuid::nil(), "T", "测试营业厅");
        let mut t: Ticket = serde_json::from_value(serde_json::json!({
            "id": Uuid::from_u128(7), "visit_id": Uuid::from_u128(7), "leg": 1, "number": "A012", "service": "PAY",
            "priority": "normal", "business_day": "2026-11-27", "visit_issued_at": 0, "issued_at": 1_795_742_400_000_i64,
            "recalls": 0, "state": "waiting", "people_ahead": 3, "estimated_wait_ms": 61_000
        }))
        .unwrap();
        let c = content(&hall, "交费", &t, "http://192.168.1.10:8080");
        assert_eq!(c.estimated_wait_minutes, Some(2));
        assert_eq!(c.ticket_url, format!("http://192.168.1.10:8080/t/{}", Uuid::from_u128(7)));
        assert_eq!(c.issued_at, "2026-11-27 09:20", "local time in the hall's zone");
        t.estimated_wait_ms = None;
        let c = content(&hall, "交费", &t, "");
        assert_eq!((c.estimated_wait_minutes, c.ticket_url.as_str()), (None, ""));
    }
}
