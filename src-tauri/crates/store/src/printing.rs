//! The `kiosk_printers` and `print_jobs` tables: which printer each kiosk
//! prints on, and every ticket that is to be printed until it is.
//!
//! These are operational rows like terminals: not events (printing decides
//! nothing about the queue) and not projections (a rebuild leaves them
//! alone). A job is never deleted: it stays `pending` until it is printed,
//! skipped (its ticket no longer waits) or cancelled, so a print that failed
//! is never silently lost. This module stores and validates; when and how to
//! print is the server's business, and what the ticket says is kept as the
//! caller's JSON.

use chrono::NaiveDate;
use hallq_core::{Hall, Millis, Ticket};
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{Result, StoreError};
use crate::rows;

/// How a kiosk's tickets are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = PrinterKindDto))]
pub enum PrinterKind {
    /// No ticket is printed (the screen only).
    None,
    /// No thermal printer: the kiosk page prints the HTML ticket.
    Html,
    /// A network printer (raw TCP, port 9100): the hall server prints.
    Network,
    /// A USB printer device on the hall server's PC: the hall server prints.
    Usb,
    /// A serial printer on the hall server's PC: the hall server prints.
    Serial,
    /// The kiosk's desktop app prints to its own printer.
    Local,
}

impl PrinterKind {
    /// Every kind.
    pub const ALL: [PrinterKind; 6] = [Self::None, Self::Html, Self::Network, Self::Usb, Self::Serial, Self::Local];

    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Html => "html",
            Self::Network => "network",
            Self::Usb => "usb",
            Self::Serial => "serial",
            Self::Local => "local",
        }
    }

    /// Parses [`PrinterKind::as_str`]'s names.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Who prints a ticket for a kiosk of this kind; `None` for kind `none`.
    pub fn delivery(self) -> Option<PrintDelivery> {
        match self {
            Self::None => None,
            Self::Html | Self::Local => Some(PrintDelivery::Page),
            Self::Network | Self::Usb | Self::Serial => Some(PrintDelivery::Server),
        }
    }
}

/// Serial speeds a ticket printer may be set to.
pub const BAUD_RATES: [u32; 7] = [2400, 4800, 9600, 19_200, 38_400, 57_600, 115_200];
/// The serial speed when none is given.
pub const DEFAULT_BAUD: u32 = 9600;
/// The raw-printing port of a network printer when none is given.
pub const DEFAULT_PRINTER_PORT: u16 = 9100;

/// A kiosk's printer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrinterConfig {
    /// How tickets are printed.
    pub kind: PrinterKind,
    /// `host:port` (network), device path (usb) or port (serial); else `None`.
    pub address: Option<String>,
    /// Serial speed (serial only).
    pub baud: Option<u32>,
    /// Paper width, mm: 58 or 80.
    pub paper: u16,
}

impl Default for PrinterConfig {
    /// A kiosk never configured prints the HTML ticket on 80 mm paper.
    fn default() -> Self {
        Self { kind: PrinterKind::Html, address: None, baud: None, paper: 80 }
    }
}

impl PrinterConfig {
    /// The configuration checked and in its stored form: a network address
    /// gets the default port, a serial printer the default speed, and fields
    /// the kind does not use are dropped. Bad input is a bilingual
    /// [`StoreError::InvalidPrinter`].
    pub fn normalized(&self) -> Result<PrinterConfig> {
        if self.paper != 58 && self.paper != 80 {
            return Err(invalid(
                format!("纸宽须为 58 或 80 毫米，而不是 {}", self.paper),
                format!("paper must be 58 or 80 mm, not {}", self.paper),
            ));
        }
        let address = self.address.as_deref().map(str::trim).filter(|a| !a.is_empty());
        let (address, baud) = match self.kind {
            PrinterKind::None | PrinterKind::Html | PrinterKind::Local => (None, None),
            PrinterKind::Network => (Some(network_address(address)?), None),
            PrinterKind::Usb => (Some(device_path(address)?), None),
            PrinterKind::Serial => {
                let baud = self.baud.unwrap_or(DEFAULT_BAUD);
                if !BAUD_RATES.contains(&baud) {
                    return Err(invalid(
                        format!("波特率 {baud} 无效，须为 2400、4800、9600、19200、38400、57600 或 115200"),
                        format!("baud rate {baud} is not one of 2400, 4800, 9600, 19200, 38400, 57600, 115200"),
                    ));
                }
                (Some(serial_port(address)?), Some(baud))
            }
        };
        Ok(PrinterConfig { kind: self.kind, address, baud, paper: self.paper })
    }
}

fn invalid(zh: String, en: String) -> StoreError {
    StoreError::InvalidPrinter { zh, en }
}

/// `host` or `host:port`: a host name or IPv4 address (an IPv6 address in
/// brackets), and a port 1–65535 (default 9100).
fn network_address(address: Option<&str>) -> Result<String> {
    let bad = |a: &str| {
        invalid(
            format!("网络打印机地址“{a}”无效，须为 主机 或 主机:端口（如 192.168.1.50:9100）"),
            format!("network printer address '{a}' must be host or host:port (e.g. 192.168.1.50:9100)"),
        )
    };
    let a = address.ok_or_else(|| {
        invalid(
            "网络打印机须填写地址（如 192.168.1.50:9100）".into(),
            "a network printer needs an address (e.g. 192.168.1.50:9100)".into(),
        )
    })?;
    let (host, port) = match a.strip_prefix('[') {
        Some(rest) => {
            let (host, after) = rest.split_once(']').ok_or_else(|| bad(a))?;
            if host.parse::<std::net::Ipv6Addr>().is_err() {
                return Err(bad(a));
            }
            let port = match after {
                "" => None,
                p => Some(p.strip_prefix(':').ok_or_else(|| bad(a))?),
            };
            (format!("[{host}]"), port)
        }
        None => {
            let (host, port) = match a.split_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (a, None),
            };
            let host_ok = !host.is_empty()
                && host.len() <= 253
                && host.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
                && !host.starts_with(['.', '-']);
            if !host_ok {
                return Err(bad(a));
            }
            (host.to_string(), port)
        }
    };
    let port = match port {
        None => DEFAULT_PRINTER_PORT,
        Some(p) => p.parse::<u16>().ok().filter(|p| *p > 0).ok_or_else(|| bad(a))?,
    };
    Ok(format!("{host}:{port}"))
}

/// A device path: `/dev/usb/lp0` on Linux, a shared printer `\\host\name`
/// or a port such as `USB001` on Windows.
fn device_path(address: Option<&str>) -> Result<String> {
    let a = address.ok_or_else(|| {
        invalid(
            "USB 打印机须填写设备路径（如 /dev/usb/lp0）".into(),
            "a USB printer needs a device path (e.g. /dev/usb/lp0)".into(),
        )
    })?;
    if a.chars().count() > 260 || a.chars().any(char::is_control) {
        return Err(invalid(
            format!("设备路径“{a}”无效"),
            format!("device path '{a}' is not valid (at most 260 characters, no control characters)"),
        ));
    }
    Ok(a.to_string())
}

/// A serial port name: `/dev/ttyUSB0`, `COM3`.
fn serial_port(address: Option<&str>) -> Result<String> {
    let a = address.ok_or_else(|| {
        invalid(
            "串口打印机须填写端口（如 /dev/ttyUSB0 或 COM3）".into(),
            "a serial printer needs a port (e.g. /dev/ttyUSB0 or COM3)".into(),
        )
    })?;
    if a.len() > 128 || a.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(invalid(format!("串口“{a}”无效"), format!("serial port '{a}' is not valid")));
    }
    Ok(a.to_string())
}

/// Who prints a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = PrintDeliveryDto))]
pub enum PrintDelivery {
    /// The hall server sends it to the printer.
    Server,
    /// The kiosk page prints it (the HTML ticket, or its desktop app).
    Page,
}

impl PrintDelivery {
    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Server => "server",
            Self::Page => "page",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        [Self::Server, Self::Page].into_iter().find(|d| d.as_str() == s)
    }
}

/// Why a job was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = PrintReasonDto))]
pub enum PrintReason {
    /// The ticket was just issued.
    Issue,
    /// Staff asked for the ticket again.
    Reprint,
    /// A test print from the settings (never stored).
    Test,
}

impl PrintReason {
    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Issue => "issue",
            Self::Reprint => "reprint",
            Self::Test => "test",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        [Self::Issue, Self::Reprint, Self::Test].into_iter().find(|r| r.as_str() == s)
    }
}

/// Where a job stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = PrintJobStateDto))]
pub enum PrintJobState {
    /// Not printed yet; retried until it is.
    Pending,
    /// On paper.
    Printed,
    /// Not printed because its ticket no longer waits (served, cancelled,
    /// no-show, another day).
    Skipped,
    /// Cancelled by staff.
    Cancelled,
}

impl PrintJobState {
    /// Every state.
    pub const ALL: [PrintJobState; 4] = [Self::Pending, Self::Printed, Self::Skipped, Self::Cancelled];

    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Printed => "printed",
            Self::Skipped => "skipped",
            Self::Cancelled => "cancelled",
        }
    }

    /// Parses [`PrintJobState::as_str`]'s names.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }
}

/// Why the last attempt did not print: a stable code and the messages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrintFault {
    /// A stable code, e.g. `printer_paper_out`.
    pub code: String,
    /// In Chinese.
    pub message_zh: String,
    /// In English.
    pub message_en: String,
}

/// A job to add.
#[derive(Debug, Clone, PartialEq)]
pub struct NewPrintJob {
    /// The ticket printed.
    pub ticket: Uuid,
    /// Its number, e.g. `A012`.
    pub number: String,
    /// The kiosk it prints for.
    pub kiosk: Option<Uuid>,
    /// Why.
    pub reason: PrintReason,
    /// Where it goes (a kind that prints; `none` is refused).
    pub printer: PrinterConfig,
    /// What the ticket says (the server's JSON).
    pub content: serde_json::Value,
    /// The ticket's business day.
    pub business_day: NaiveDate,
}

/// What a kiosk's ticket prints, ordered with the issue itself: the job is
/// recorded in the same transaction as the ticket (one commit, one fsync),
/// so a ticket a kiosk issued never exists without its print job.
pub struct PrintOrder {
    /// The kiosk that issues.
    pub kiosk: Uuid,
    /// What the ticket says.
    pub content: PrintContent,
}

/// What a ticket says (the server's JSON), from the hall, the service's
/// Chinese name and the ticket as issued.
pub type PrintContent = Box<dyn Fn(&Hall, &str, &Ticket) -> serde_json::Value + Send + Sync>;

impl std::fmt::Debug for PrintOrder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PrintOrder").field("kiosk", &self.kiosk).finish_non_exhaustive()
    }
}

/// A stored print job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrintJob {
    /// Its id.
    pub id: Uuid,
    /// The ticket printed.
    pub ticket: Uuid,
    /// The ticket's number.
    pub number: String,
    /// The kiosk it prints for.
    pub kiosk: Option<Uuid>,
    /// Why it was made.
    pub reason: PrintReason,
    /// Who prints it.
    pub deliver: PrintDelivery,
    /// Where it goes.
    pub printer: PrinterConfig,
    /// Where it stands.
    pub state: PrintJobState,
    /// Attempts that failed or succeeded.
    pub attempts: u32,
    /// Why the last attempt failed.
    pub last_error: Option<PrintFault>,
    /// What the ticket says.
    pub content: serde_json::Value,
    /// When it was made, UTC ms.
    pub created_at: Millis,
    /// When it was printed.
    pub printed_at: Option<Millis>,
    /// The ticket's business day.
    pub business_day: NaiveDate,
}

/// What happened to a pending job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrintJobUpdate {
    /// It printed.
    Printed,
    /// An attempt failed; the job stays pending.
    Failed(PrintFault),
    /// Its ticket no longer waits.
    Skipped,
    /// Staff cancelled it.
    Cancelled,
}

/// Which jobs to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PrintJobFilter {
    /// Only in this state.
    pub state: Option<PrintJobState>,
    /// Only of this business day.
    pub day: Option<NaiveDate>,
    /// Only for this kiosk.
    pub kiosk: Option<Uuid>,
    /// Only delivered this way.
    pub deliver: Option<PrintDelivery>,
}

/// A kiosk terminal and its printer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KioskPrinter {
    /// The kiosk terminal's id.
    pub kiosk: Uuid,
    /// Its name.
    pub name: String,
    /// Its printer (the default when never configured).
    pub config: PrinterConfig,
}

/// A printer stored in columns `i..i + 4` (kind, address, baud, paper).
fn config_at(r: &Row<'_>, i: usize) -> rusqlite::Result<PrinterConfig> {
    Ok(PrinterConfig {
        kind: rows::parsed(r, i, "printer kind", PrinterKind::parse)?,
        address: r.get(i + 1)?,
        baud: r.get(i + 2)?,
        paper: r.get(i + 3)?,
    })
}

/// A kiosk's printer from a `LEFT JOIN kiosk_printers` (columns `i..i + 4`):
/// the default when the kiosk was never configured.
fn kiosk_config_at(r: &Row<'_>, i: usize) -> rusqlite::Result<PrinterConfig> {
    match r.get::<_, Option<String>>(i)? {
        Some(_) => config_at(r, i),
        None => Ok(PrinterConfig::default()),
    }
}

/// The live kiosk terminals of a hall with their printers, by name.
pub(crate) fn kiosks(conn: &Connection, hall_key: i64) -> Result<Vec<KioskPrinter>> {
    let mut st = conn.prepare_cached(
        "SELECT t.id, t.name, p.kind, p.address, p.baud, p.paper
         FROM terminals t LEFT JOIN kiosk_printers p ON p.terminal = t.id
         WHERE t.hall = ?1 AND t.role = 'kiosk' AND t.revoked_at IS NULL
         ORDER BY t.name, t.created_at",
    )?;
    let rows = st.query_map([hall_key], |r| {
        let id: Vec<u8> = r.get(0)?;
        let config = kiosk_config_at(r, 2)?;
        Ok(KioskPrinter { kiosk: Uuid::from_slice(&id).map_err(|_| rows::damaged(0, "id"))?, name: r.get(1)?, config })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// One live kiosk's printer; anything else is [`StoreError::NotAKiosk`].
pub(crate) fn kiosk(conn: &Connection, hall_key: i64, kiosk: Uuid) -> Result<KioskPrinter> {
    kiosks(conn, hall_key)?.into_iter().find(|k| k.kiosk == kiosk).ok_or(StoreError::NotAKiosk(kiosk.to_string()))
}

/// A live kiosk's printer, `None` for any other terminal (one revoked a
/// moment ago: its ticket stands, nothing is printed for it).
fn live_kiosk_printer(conn: &Connection, hall_key: i64, kiosk: Uuid) -> Result<Option<PrinterConfig>> {
    let mut st = conn.prepare_cached(
        "SELECT p.kind, p.address, p.baud, p.paper
         FROM terminals t LEFT JOIN kiosk_printers p ON p.terminal = t.id
         WHERE t.id = ?1 AND t.hall = ?2 AND t.role = 'kiosk' AND t.revoked_at IS NULL",
    )?;
    let found = st.query_row(params![kiosk.as_bytes(), hall_key], |r| kiosk_config_at(r, 0)).optional()?;
    Ok(found)
}

/// The print job recorded when a ticket was issued, if any (an issue
/// replayed by its idempotency key answers with it).
pub(crate) fn issue_job_of(conn: &Connection, hall_key: i64, ticket: Uuid) -> Result<Option<PrintJob>> {
    Ok(of_tickets(conn, hall_key, &[ticket])?.into_iter().find(|j| j.reason == PrintReason::Issue))
}

/// Records the print job of a ticket a kiosk just issued, inside the
/// issue's transaction: `None` when the kiosk prints nothing.
pub(crate) fn record_issue(
    conn: &Connection,
    hall_key: i64,
    order: &PrintOrder,
    hall: &Hall,
    service_name: &str,
    ticket: &Ticket,
    now: Millis,
) -> Result<Option<PrintJob>> {
    let Some(printer) = live_kiosk_printer(conn, hall_key, order.kiosk)? else { return Ok(None) };
    let Some(deliver) = printer.kind.delivery() else { return Ok(None) };
    let job = NewPrintJob {
        ticket: ticket.id,
        number: ticket.number.clone(),
        kiosk: Some(order.kiosk),
        reason: PrintReason::Issue,
        printer,
        content: (order.content)(hall, service_name, ticket),
        business_day: ticket.business_day,
    };
    let id = insert(conn, hall_key, &job, now)?;
    // The job as stored, without reading it back (this runs on the hall
    // engine's thread, inside the issue's transaction).
    Ok(Some(PrintJob {
        id,
        ticket: job.ticket,
        number: job.number,
        kiosk: job.kiosk,
        reason: job.reason,
        deliver,
        printer: job.printer,
        state: PrintJobState::Pending,
        attempts: 0,
        last_error: None,
        content: job.content,
        created_at: now,
        printed_at: None,
        business_day: job.business_day,
    }))
}

/// Sets a kiosk's printer and points its pending jobs at it (a job waiting
/// for a broken printer prints once the supervisor names a working one).
/// With kind `none` the pending jobs keep their printer: nothing is dropped.
pub(crate) fn set(conn: &Connection, hall_key: i64, kiosk_id: Uuid, config: &PrinterConfig, now: Millis) -> Result<()> {
    kiosk(conn, hall_key, kiosk_id)?;
    conn.execute(
        "INSERT INTO kiosk_printers (terminal, hall, kind, address, baud, paper, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (terminal) DO UPDATE SET kind = ?3, address = ?4, baud = ?5, paper = ?6, updated_at = ?7",
        params![kiosk_id.as_bytes(), hall_key, config.kind.as_str(), config.address, config.baud, config.paper, now],
    )?;
    if let Some(deliver) = config.kind.delivery() {
        conn.execute(
            "UPDATE print_jobs SET deliver = ?3, kind = ?4, address = ?5, baud = ?6, paper = ?7
             WHERE hall = ?1 AND kiosk = ?2 AND state = 'pending'",
            params![
                hall_key,
                kiosk_id.as_bytes(),
                deliver.as_str(),
                config.kind.as_str(),
                config.address,
                config.baud,
                config.paper
            ],
        )?;
    }
    Ok(())
}

/// Adds a pending job.
pub(crate) fn insert(conn: &Connection, hall_key: i64, job: &NewPrintJob, now: Millis) -> Result<Uuid> {
    let Some(deliver) = job.printer.kind.delivery() else {
        return Err(invalid("此取号机设置为不打印".into(), "this kiosk is set to print nothing".into()));
    };
    let id = Uuid::now_v7();
    conn.prepare_cached(
        "INSERT INTO print_jobs (id, hall, ticket, number, kiosk, reason, deliver, kind, address, baud, paper, state,
                                 content, created_at, business_day)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 'pending', ?12, ?13, ?14)",
    )?
    .execute(params![
        id.as_bytes(),
        hall_key,
        job.ticket.as_bytes(),
        job.number,
        job.kiosk.map(|k| k.as_bytes().to_vec()),
        job.reason.as_str(),
        deliver.as_str(),
        job.printer.kind.as_str(),
        job.printer.address,
        job.printer.baud,
        job.printer.paper,
        job.content.to_string(),
        now,
        job.business_day.to_string(),
    ])?;
    Ok(id)
}

const COLUMNS: &str = "id, ticket, number, kiosk, reason, deliver, kind, address, baud, paper, state, attempts,
                       error_code, error_zh, error_en, content, created_at, printed_at, business_day";

fn from_row(r: &Row<'_>) -> rusqlite::Result<PrintJob> {
    let uuid = |i: usize| rows::uuid(r, i);
    let damaged = |i: usize, what: &str| {
        rusqlite::Error::FromSqlConversionFailure(
            i,
            rusqlite::types::Type::Text,
            format!("unknown {what} in print_jobs").into(),
        )
    };
    let text = |i: usize| -> rusqlite::Result<String> { r.get(i) };
    let code: Option<String> = r.get(12)?;
    let content: String = r.get(15)?;
    Ok(PrintJob {
        id: uuid(0)?,
        ticket: uuid(1)?,
        number: r.get(2)?,
        kiosk: rows::opt_uuid(r, 3)?,
        reason: PrintReason::parse(&text(4)?).ok_or_else(|| damaged(4, "reason"))?,
        deliver: PrintDelivery::parse(&text(5)?).ok_or_else(|| damaged(5, "delivery"))?,
        printer: config_at(r, 6)?,
        state: PrintJobState::parse(&text(10)?).ok_or_else(|| damaged(10, "state"))?,
        attempts: r.get(11)?,
        last_error: match code {
            Some(code) => Some(PrintFault {
                code,
                message_zh: r.get::<_, Option<String>>(13)?.unwrap_or_default(),
                message_en: r.get::<_, Option<String>>(14)?.unwrap_or_default(),
            }),
            None => None,
        },
        content: serde_json::from_str(&content).map_err(|_| damaged(15, "content"))?,
        created_at: r.get(16)?,
        printed_at: r.get(17)?,
        business_day: text(18)?.parse().map_err(|_| damaged(18, "business day"))?,
    })
}

/// One job of the hall.
pub(crate) fn one(conn: &Connection, hall_key: i64, id: Uuid) -> Result<PrintJob> {
    let sql = format!("SELECT {COLUMNS} FROM print_jobs WHERE hall = ?1 AND id = ?2");
    conn.prepare_cached(&sql)?
        .query_row(params![hall_key, id.as_bytes()], from_row)
        .optional()?
        .ok_or_else(|| StoreError::UnknownPrintJob(id.to_string()))
}

/// Jobs matching a filter, newest first.
pub(crate) fn list(conn: &Connection, hall_key: i64, f: &PrintJobFilter) -> Result<Vec<PrintJob>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM print_jobs
         WHERE hall = ?1 AND (?2 IS NULL OR state = ?2) AND (?3 IS NULL OR business_day = ?3)
           AND (?4 IS NULL OR kiosk = ?4) AND (?5 IS NULL OR deliver = ?5)
         ORDER BY created_at DESC, id DESC"
    );
    let mut st = conn.prepare_cached(&sql)?;
    let rows = st.query_map(
        params![
            hall_key,
            f.state.map(PrintJobState::as_str),
            f.day.map(|d| d.to_string()),
            f.kiosk.map(|k| k.as_bytes().to_vec()),
            f.deliver.map(PrintDelivery::as_str),
        ],
        from_row,
    )?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Every pending job of the hall, any day, oldest first (the print order).
pub(crate) fn pending(conn: &Connection, hall_key: i64) -> Result<Vec<PrintJob>> {
    let sql = format!("SELECT {COLUMNS} FROM print_jobs WHERE hall = ?1 AND state = 'pending' ORDER BY created_at, id");
    let mut st = conn.prepare_cached(&sql)?;
    let rows = st.query_map([hall_key], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The jobs of these tickets, oldest first.
pub(crate) fn of_tickets(conn: &Connection, hall_key: i64, tickets: &[Uuid]) -> Result<Vec<PrintJob>> {
    let sql = format!("SELECT {COLUMNS} FROM print_jobs WHERE hall = ?1 AND ticket = ?2 ORDER BY created_at, id");
    let mut st = conn.prepare_cached(&sql)?;
    let mut jobs = Vec::new();
    for t in tickets {
        jobs.extend(st.query_map(params![hall_key, t.as_bytes()], from_row)?.collect::<rusqlite::Result<Vec<_>>>()?);
    }
    jobs.sort_by_key(|j| (j.created_at, j.id));
    Ok(jobs)
}

/// Records what happened to a pending job. A job that is no longer pending
/// is final: changing it is [`StoreError::PrintJobClosed`], except that
/// cancelling a cancelled job, or reporting a printed one printed again,
/// answers the job as it is (a retried request).
pub(crate) fn update(conn: &Connection, hall_key: i64, id: Uuid, what: &PrintJobUpdate, now: Millis) -> Result<()> {
    let job = one(conn, hall_key, id)?;
    if job.state != PrintJobState::Pending {
        let repeat = matches!(
            (what, job.state),
            (PrintJobUpdate::Cancelled, PrintJobState::Cancelled) | (PrintJobUpdate::Printed, PrintJobState::Printed)
        );
        return if repeat {
            Ok(())
        } else {
            Err(StoreError::PrintJobClosed { job: id.to_string(), state: job.state.as_str() })
        };
    }
    let key = params![hall_key, id.as_bytes()];
    match what {
        PrintJobUpdate::Printed => conn.execute(
            "UPDATE print_jobs SET state = 'printed', attempts = attempts + 1, printed_at = ?3
             WHERE hall = ?1 AND id = ?2",
            params![hall_key, id.as_bytes(), now],
        )?,
        PrintJobUpdate::Failed(f) => conn.execute(
            "UPDATE print_jobs SET attempts = attempts + 1, error_code = ?3, error_zh = ?4, error_en = ?5
             WHERE hall = ?1 AND id = ?2",
            params![hall_key, id.as_bytes(), f.code, f.message_zh, f.message_en],
        )?,
        PrintJobUpdate::Skipped => {
            conn.execute("UPDATE print_jobs SET state = 'skipped' WHERE hall = ?1 AND id = ?2", key)?
        }
        PrintJobUpdate::Cancelled => {
            conn.execute("UPDATE print_jobs SET state = 'cancelled' WHERE hall = ?1 AND id = ?2", key)?
        }
    };
    Ok(())
}

/// Pending jobs of a business day per kiosk.
pub(crate) fn pending_per_kiosk(conn: &Connection, hall_key: i64, day: NaiveDate) -> Result<Vec<(Uuid, u32)>> {
    let mut st = conn.prepare_cached(
        "SELECT kiosk, count(*) FROM print_jobs
         WHERE hall = ?1 AND state = 'pending' AND business_day = ?2 AND kiosk IS NOT NULL GROUP BY kiosk",
    )?;
    let rows = st.query_map(params![hall_key, day.to_string()], |r| Ok((rows::uuid(r, 0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(kind: PrinterKind, address: Option<&str>, baud: Option<u32>, paper: u16) -> PrinterConfig {
        PrinterConfig { kind, address: address.map(str::to_string), baud, paper }
    }

    #[test]
    fn a_network_address_gets_the_default_port_and_bad_ones_are_refused() {
        let ok = |a: &str| cfg(PrinterKind::Network, Some(a), None, 80).normalized().unwrap().address.unwrap();
        assert_eq!(ok("192.168.1.50"), "192.168.1.50:9100");
        assert_eq!(ok(" printer-1.hall.lan:9101 "), "printer-1.hall.lan:9101");
        assert_eq!(ok("[fe80::1]:9100"), "[fe80::1]:9100");
        for bad in ["", "host:0", "host:70000", "host:x", "a b", "http://h", "[zz]:1", "-h"] {
            let e = cfg(PrinterKind::Network, Some(bad), None, 80).normalized().unwrap_err();
            assert_eq!(e.code(), "invalid_printer_config", "{bad}");
            assert!(!e.message_zh().is_empty() && e.message_zh() != e.message_en());
        }
    }

    #[test]
    fn paper_baud_and_unused_fields_are_checked_or_dropped() {
        assert!(cfg(PrinterKind::Html, None, None, 76).normalized().is_err());
        let html = cfg(PrinterKind::Html, Some("/dev/usb/lp0"), Some(9600), 58).normalized().unwrap();
        assert_eq!(html, cfg(PrinterKind::Html, None, None, 58));
        let serial = cfg(PrinterKind::Serial, Some("/dev/ttyUSB0"), None, 80).normalized().unwrap();
        assert_eq!(serial.baud, Some(9600));
        assert!(cfg(PrinterKind::Serial, Some("COM3"), Some(12345), 80).normalized().is_err());
        assert!(cfg(PrinterKind::Serial, None, None, 80).normalized().is_err());
        assert!(cfg(PrinterKind::Usb, Some("/dev/usb/\u{1b}lp0"), None, 80).normalized().is_err());
        assert!(cfg(PrinterKind::Usb, Some("\\\\localhost\\POS58"), None, 58).normalized().is_ok());
    }
}
