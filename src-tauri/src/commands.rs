//! The commands a page may ask of the shell, each a thin adapter; which page
//! may call which is decided by `capabilities/` (the hall's pages on
//! loopback: fullscreen, autostart, leave the kiosk lock; kiosk windows
//! also print to this PC's printer and counter windows print case receipts
//! (HTML), from the paired hall server's origin too in terminal mode
//! (capabilities added at launch, [`crate::launch`]);
//! the local wizard: set-up and a test print; the local unreachable page:
//! retry).
//!
//! Every command that loosens the lock or changes the set-up checks the
//! supervisor PIN here, in Rust; a page is never trusted to have asked.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Manager, Runtime, State, WebviewWindow};

use crate::config::{AppConfig, LocalPrinter, Mode, PrinterKind, Role, Screen, SettingError};
use crate::embedded_server::{self, NewHall};
use crate::html_print;
use crate::kiosk_lock::KioskLocks;
use crate::printing::{self, Devices, PrintFailure, PrintLock, StatusAnswer};
use crate::terminal::{self, Reachability};
use crate::{Shell, windows};

/// A refused command, as the page receives it: a stable code and the
/// message in Chinese and English (`message` is both, `中文 / English`).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CommandError {
    /// Stable, for the page to branch on.
    pub code: &'static str,
    /// `中文 / English`.
    pub message: String,
    /// In Chinese.
    pub message_zh: String,
    /// In English.
    pub message_en: String,
}

impl CommandError {
    fn new(code: &'static str, zh: impl Into<String>, en: impl Into<String>) -> Self {
        let (message_zh, message_en) = (zh.into(), en.into());
        Self { code, message: format!("{message_zh} / {message_en}"), message_zh, message_en }
    }

    fn wrong_pin() -> Self {
        Self::new("wrong_pin", "PIN 不正确", "wrong PIN")
    }

    /// An error whose text is already `中文 / English` (the shell's and the
    /// store's errors are written so).
    fn failed(error: impl std::fmt::Display) -> Self {
        let text = error.to_string();
        match text.split_once(" / ") {
            Some((zh, en)) => Self::new("failed", zh, en),
            None => Self::new("failed", text.clone(), text),
        }
    }
}

impl From<PrintFailure> for CommandError {
    fn from(f: PrintFailure) -> Self {
        Self::new(f.code, f.message_zh, f.message_en)
    }
}

impl From<SettingError> for CommandError {
    fn from(e: SettingError) -> Self {
        Self::new(e.code, e.message_zh, e.message_en)
    }
}

type Answer<T> = Result<T, CommandError>;

/// Whether `pin` is the supervisor's: asked of the embedded server's store,
/// or of the hall server in terminal mode.
async fn supervisor_pin_ok(shell: &Shell, pin: &str) -> Answer<bool> {
    if let Some(server) = shell.embedded() {
        let now = chrono::Utc::now().timestamp_millis();
        return match tauri::async_runtime::spawn_blocking({
            let pin = pin.to_string();
            move || server.check_pin(&pin, now)
        })
        .await
        .map_err(CommandError::failed)?
        {
            Ok(hallq_store::PinCheck::Ok) => Ok(true),
            Ok(hallq_store::PinCheck::Locked { .. }) => Err(CommandError::new(
                "pin_locked",
                "PIN 已锁定，请 5 分钟后再试",
                "PIN locked; try again in 5 minutes",
            )),
            Ok(_) => Ok(false),
            Err(error) => Err(CommandError::failed(error)),
        };
    }
    match shell.config().and_then(|c| c.server) {
        Some(server) => terminal::check_pin(&server, pin).await.map_err(CommandError::failed),
        None => Ok(false),
    }
}

/// Prints one ESC/POS job (base64, as the hall server's `/escpos` route
/// gives it) on this PC's printer: status first where the printer can
/// answer, refused with `printer_paper_out` / `printer_cover_open` /
/// `printer_offline` when it says it cannot print. The kiosk page reports
/// the outcome to the hall server itself.
#[tauri::command]
pub async fn print_escpos<R: Runtime>(app: AppHandle<R>, bytes_base64: String) -> Answer<()> {
    let bytes = printing::decode(&bytes_base64)?;
    let setting = app.state::<Shell>().config().map(|c| c.printer).unwrap_or_default();
    tauri::async_runtime::spawn_blocking(move || printing::print(&app.state::<PrintLock>(), &setting, &bytes))
        .await
        .map_err(CommandError::failed)??;
    Ok(())
}

/// Prints the calling kiosk or counter window's page as laid out for print
/// (the HTML ticket, a case receipt; on `paper` mm) on the system printer
/// this PC chose, else the
/// system's default printer — without a dialog, while every other window
/// runs on ([`html_print`]). The page reports the outcome itself.
#[tauri::command]
pub async fn print_html<R: Runtime>(window: WebviewWindow<R>, paper: u16) -> Answer<()> {
    if paper != 58 && paper != 80 {
        return Err(CommandError::new(
            "bad_printer_paper",
            format!("纸宽须为 58 或 80 毫米（收到 {paper}）"),
            format!("the paper width must be 58 or 80 mm (got {paper})"),
        ));
    }
    let printer = window.state::<Shell>().config().map(|c| c.printer).unwrap_or_default();
    let target = html_print::Target { printer: system_printer(&printer), paper: Some(paper) };
    html_print::print(&window, target).await?;
    Ok(())
}

/// The system printer a setting names (kind system with a name), else the
/// default printer (`None`).
pub fn system_printer(setting: &LocalPrinter) -> Option<String> {
    setting.address.clone().filter(|_| setting.kind == PrinterKind::System)
}

/// The state of this PC's printer (`not_checked` when it has none).
#[tauri::command]
pub async fn printer_status<R: Runtime>(app: AppHandle<R>) -> Answer<StatusAnswer> {
    let setting = app.state::<Shell>().config().map(|c| c.printer).unwrap_or_default();
    tauri::async_runtime::spawn_blocking(move || printing::status(&setting)).await.map_err(CommandError::failed)
}

/// The wizard's test print: a sample ticket on the printer as the form
/// shows it now (not yet saved).
#[tauri::command]
pub async fn test_print<R: Runtime>(
    app: AppHandle<R>,
    window: WebviewWindow<R>,
    printer: LocalPrinter,
    hall_name: String,
) -> Answer<()> {
    let setting = printer.validated()?;
    match setting.kind {
        PrinterKind::None => return Err(PrintFailure::not_configured().into()),
        // The wizard's own page, whose print layout is a sample ticket.
        PrinterKind::System => {
            let target = html_print::Target { printer: system_printer(&setting), paper: Some(setting.paper) };
            return html_print::print(&window, target).await.map_err(CommandError::from);
        }
        _ => {}
    }
    let now = chrono::Local::now().format("%Y-%m-%d %H:%M").to_string();
    let bytes = printing::sample_ticket(&hall_name, &now, printing::paper(&setting));
    tauri::async_runtime::spawn_blocking(move || printing::print(&app.state::<PrintLock>(), &setting, &bytes))
        .await
        .map_err(CommandError::failed)??;
    Ok(())
}

/// Fullscreen on or off; a locked window stays fullscreen.
#[tauri::command]
pub fn set_fullscreen<R: Runtime>(window: WebviewWindow<R>, locks: State<'_, KioskLocks>, on: bool) -> Answer<()> {
    if !on && locks.is_locked(window.label()) {
        return Err(CommandError::new("locked", "请先输入值班长 PIN 解锁", "unlock with the supervisor PIN first"));
    }
    window.set_fullscreen(on).map_err(CommandError::failed)
}

/// Whether the app starts with the OS session.
#[tauri::command]
pub fn autostart_enabled<R: Runtime>(app: AppHandle<R>) -> Answer<bool> {
    use tauri_plugin_autostart::ManagerExt;
    app.autolaunch().is_enabled().map_err(CommandError::failed)
}

/// Starts the app with the OS session, or stops doing so (supervisor PIN).
#[tauri::command]
pub async fn set_autostart<R: Runtime>(app: AppHandle<R>, enabled: bool, pin: String) -> Answer<()> {
    use tauri_plugin_autostart::ManagerExt;
    if !supervisor_pin_ok(&app.state::<Shell>(), &pin).await? {
        return Err(CommandError::wrong_pin());
    }
    let autostart = app.autolaunch();
    let done = if enabled { autostart.enable() } else { autostart.disable() };
    done.map_err(CommandError::failed)
}

/// Leaves the kiosk lock of the calling window with the supervisor PIN:
/// windowed, decorated, closable.
#[tauri::command]
pub async fn leave_kiosk<R: Runtime>(window: WebviewWindow<R>, pin: String) -> Answer<()> {
    let shell = window.state::<Shell>();
    if !supervisor_pin_ok(&shell, &pin).await? {
        return Err(CommandError::wrong_pin());
    }
    window.state::<KioskLocks>().unlock(window.label());
    window.set_fullscreen(false).map_err(CommandError::failed)?;
    window.set_decorations(true).map_err(CommandError::failed)
}

/// A default service the wizard offers.
#[derive(Debug, Serialize)]
pub struct ServiceChoice {
    code: String,
    name_zh: String,
    name_en: String,
}

/// What the wizard shows before anything is chosen.
#[derive(Debug, Serialize)]
pub struct WizardDefaults {
    /// The default supply hall's services.
    services: Vec<ServiceChoice>,
    /// How many monitors this PC has.
    monitors: usize,
    /// The config in force, if any (then saving needs the PIN).
    current: Option<AppConfig>,
    /// Printer devices found on this PC (suggestions).
    devices: Devices,
    /// The serial speeds offered.
    bauds: [u32; 7],
}

/// The wizard's starting point.
#[tauri::command]
pub fn wizard_defaults<R: Runtime>(app: AppHandle<R>) -> WizardDefaults {
    let hall = hallq_store::hallq_core::HallConfig::default_supply_hall(uuid::Uuid::nil(), "HALL", "");
    WizardDefaults {
        services: hall
            .services
            .into_iter()
            .map(|s| ServiceChoice { code: s.code, name_zh: s.name_zh, name_en: s.name_en })
            .collect(),
        monitors: app.available_monitors().map(|m| m.len()).unwrap_or(1).max(1),
        current: app.state::<Shell>().config(),
        devices: printing::devices(),
        bauds: crate::config::BAUDS,
    }
}

/// A screen as the wizard chooses it; `code` is its pairing code in
/// terminal mode.
#[derive(Debug, Deserialize)]
pub struct ScreenChoice {
    role: Role,
    #[serde(default)]
    counter: Option<u32>,
    #[serde(default)]
    monitor: usize,
    #[serde(default)]
    code: Option<String>,
}

/// Everything the wizard asks.
#[derive(Debug, Deserialize)]
pub struct WizardInput {
    mode: Mode,
    #[serde(default)]
    hall_name: String,
    #[serde(default)]
    services: Vec<String>,
    pin: String,
    #[serde(default)]
    lan: bool,
    /// As typed (empty = the default port); checked by [`crate::config::parse_port`].
    #[serde(default)]
    port: Option<String>,
    #[serde(default)]
    server: Option<String>,
    screens: Vec<ScreenChoice>,
    #[serde(default)]
    autostart: bool,
    #[serde(default)]
    printer: LocalPrinter,
}

/// Saves the set-up: creates the hall (one-PC, hall server) or pairs each
/// screen with its code (terminal), writes the config and puts it into
/// force. Changing a set-up already in force needs the supervisor PIN and
/// restarts the app.
#[tauri::command]
pub async fn wizard_save<R: Runtime>(app: AppHandle<R>, input: WizardInput) -> Answer<()> {
    let shell = app.state::<Shell>();
    let changing = shell.config().is_some();
    if changing && !supervisor_pin_ok(&shell, &input.pin).await? {
        return Err(CommandError::wrong_pin());
    }
    let printer = input.printer.validated()?;
    let port = match input.mode {
        Mode::Terminal => crate::config::DEFAULT_PORT,
        _ => crate::config::parse_port(input.port.as_deref().unwrap_or_default())?,
    };
    if input.mode != Mode::Terminal {
        port_available(&shell, port, input.lan)?;
    }
    let mut screens = Vec::new();
    for choice in input.screens {
        let counter = choice.counter.filter(|_| choice.role.has_counter()).or(choice.role.has_counter().then_some(1));
        let mut screen = Screen { role: choice.role, counter, monitor: choice.monitor, token: None };
        if input.mode == Mode::Terminal {
            let server = input.server.as_deref().unwrap_or_default();
            let code = choice.code.as_deref().unwrap_or_default().trim();
            if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
                return Err(CommandError::new("bad_code", "配对码为 6 位数字", "a pairing code is 6 digits"));
            }
            screen.token = Some(terminal::pair(server, code).await.map_err(CommandError::failed)?);
        }
        screens.push(screen);
    }
    let data = app.path().app_data_dir().map_err(CommandError::failed)?;
    let config = AppConfig {
        mode: input.mode,
        hall_name: input.hall_name.clone(),
        db: Some(data.join("hall.db")),
        port,
        lan: input.lan,
        server: input.server.map(|s| s.trim().trim_end_matches('/').to_string()).filter(|s| !s.is_empty()),
        screens,
        autostart: input.autostart,
        printer,
    };
    if config.mode != Mode::Terminal {
        if !hallq_store::valid_pin(&input.pin) {
            return Err(CommandError::new("bad_pin", "PIN 须为 4–12 位数字", "the PIN must be 4-12 digits"));
        }
        let hall = NewHall { name: input.hall_name, services: input.services, pin: input.pin };
        let db = config.db.clone().expect("set above");
        let now = chrono::Utc::now().timestamp_millis();
        tauri::async_runtime::spawn_blocking(move || embedded_server::create_hall(&db, &hall, now))
            .await
            .map_err(CommandError::failed)?
            .map_err(CommandError::failed)?;
    }
    if config.autostart {
        // Absent under the mock runtime (no plugin): nothing to enable.
        if let Some(autostart) = app.try_state::<tauri_plugin_autostart::AutoLaunchManager>()
            && let Err(error) = autostart.enable()
        {
            tracing::warn!(%error, "autostart not enabled");
        }
    }
    if changing {
        let path = shell.config_path().expect("a config path once started");
        config.save(&path).map_err(CommandError::failed)?;
        app.restart();
    }
    crate::launch(&app, config).await.map_err(CommandError::failed)?;
    if let Some(wizard) = app.get_webview_window(windows::WIZARD) {
        let _ = wizard.close();
    }
    Ok(())
}

/// Refuses a port another program already listens on (the hall server
/// inside this app may keep its own): bilingual, nothing saved.
fn port_available(shell: &Shell, port: u16, lan: bool) -> Answer<()> {
    if shell.embedded().is_some_and(|server| server.addr().port() == port) {
        return Ok(());
    }
    let ip = if lan { std::net::Ipv4Addr::UNSPECIFIED } else { std::net::Ipv4Addr::LOCALHOST };
    match std::net::TcpListener::bind((ip, port)) {
        Ok(_) => Ok(()),
        Err(error) => Err(CommandError::new(
            "port_in_use",
            format!("端口 {port} 已被其他程序占用，请换一个端口（{error}）"),
            format!("port {port} is used by another program: choose another port ({error})"),
        )),
    }
}

/// The unreachable page's Retry: check the hall server now.
#[tauri::command]
pub fn retry_server(reach: State<'_, Arc<Reachability>>) {
    reach.retry();
}

/// Quits the app while a screen is locked: needs the supervisor PIN.
#[tauri::command]
pub async fn quit_app<R: Runtime>(app: AppHandle<R>, pin: String) -> Answer<()> {
    if !supervisor_pin_ok(&app.state::<Shell>(), &pin).await? {
        return Err(CommandError::wrong_pin());
    }
    app.exit(0);
    Ok(())
}
