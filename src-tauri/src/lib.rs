//! hallq-desktop: the HallQ desktop shell (Tauri 2).
//!
//! It owns the PC's side of the hall: what this PC is ([`config`]), the hall
//! server running inside it ([`embedded_server`]), the role windows
//! ([`windows`]) and the kiosk lock ([`kiosk_lock`]), the link to a hall
//! server elsewhere in terminal mode ([`terminal`]), the tray ([`tray`]) and
//! the few commands a page may ask of the shell ([`commands`]). The pages
//! themselves are the hall server's (`ui/`); the shell's only local pages are
//! the first-run wizard and "cannot reach the hall server" (`wizard/`).
//!
//! It must not decide a queue question nor touch SQL: the server and the
//! store do. Read in this order: [`run`], [`launch`], then the modules.

pub mod commands;
pub mod config;
pub mod embedded_server;
pub mod html_print;
pub mod kiosk_lock;
pub mod printing;
pub mod terminal;
pub mod tray;
pub mod windows;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use tauri::{AppHandle, Builder, Manager, RunEvent, Runtime, Url};

use crate::config::{AppConfig, CONFIG_ENV, Mode};
use crate::embedded_server::EmbeddedServer;
use crate::kiosk_lock::KioskLocks;
use crate::terminal::Reachability;

/// The shell's state, managed by the app: where its config lives, the
/// config, and the hall server it runs (if any).
pub struct Shell {
    config_path: Mutex<Option<PathBuf>>,
    config: Mutex<Option<AppConfig>>,
    embedded: Mutex<Option<Arc<EmbeddedServer>>>,
    base: Mutex<Option<String>>,
    tray: bool,
}

impl Shell {
    /// A shell reading its config from `config_path`, or (when `None`) from
    /// `$HALLQ_DESKTOP_CONFIG`, else the OS's app-config directory.
    pub fn new(config_path: Option<PathBuf>) -> Self {
        let config_path =
            config_path.or_else(|| std::env::var_os(CONFIG_ENV).filter(|p| !p.is_empty()).map(PathBuf::from));
        Self {
            config_path: Mutex::new(config_path),
            config: Mutex::new(None),
            embedded: Mutex::new(None),
            base: Mutex::new(None),
            tray: true,
        }
    }

    /// A shell without a tray icon (the mock runtime has no desktop
    /// session to put one in).
    pub fn without_tray(mut self) -> Self {
        self.tray = false;
        self
    }

    /// The config file's path.
    pub fn config_path(&self) -> Option<PathBuf> {
        self.config_path.lock().expect("config path").clone()
    }

    /// The config in force (none before the wizard has run).
    pub fn config(&self) -> Option<AppConfig> {
        self.config.lock().expect("config").clone()
    }

    /// The hall server running inside the app, if any.
    pub fn embedded(&self) -> Option<Arc<EmbeddedServer>> {
        self.embedded.lock().expect("embedded").clone()
    }

    /// The base URL of the hall's pages (embedded server or the hall server).
    pub fn base_url(&self) -> Option<String> {
        self.base.lock().expect("base").clone()
    }

    /// Stops the embedded server, if one runs.
    pub fn stop(&self) {
        if let Some(server) = self.embedded.lock().expect("embedded").take() {
            server.stop();
        }
    }
}

/// Any failure of start-up, shown in the log (and to the wizard as text).
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Settings a hall PC needs that WebKit, GTK and the C library read only
/// from the environment, before GTK starts (`cargo xtask bench desktop`
/// measures the app with them, as installed):
///
/// - Accelerated compositing off. A hall PC has old integrated graphics or
///   none; with compositing the shared web process held about twice the
///   memory (500–590 MB PSS for the one-PC station), and the hall's pages
///   animate little (a call flashing on the display), which software
///   painting draws as smoothly.
/// - JavaScript without its JIT compilers. The pages are small forms and
///   lists; the JIT's code and compilation data grew the web process by
///   ~45 MB over 30 customers, and the counter's cold start is no slower
///   without it (771–931 ms against 822–979 ms, measured).
/// - At most two malloc arenas, and allocations of 128 KiB or more given
///   back to the system when freed instead of kept in the arenas: the
///   embedded server's threads each grew an arena, and the app's own memory
///   rose from ~110 to ~130 MB over 30 customers; with both it stays near
///   ~97 MB (measured; WebKit's processes inherit them).
///
/// A variable the user set, to any value, is left as it is.
pub const WEBKIT_ENV: [(&str, &str); 5] = [
    ("WEBKIT_DISABLE_COMPOSITING_MODE", "1"),
    ("JSC_useJIT", "0"),
    ("MALLOC_ARENA_MAX", "2"),
    ("MALLOC_MMAP_THRESHOLD_", "131072"),
    ("MALLOC_TRIM_THRESHOLD_", "131072"),
];

/// With compositing off nothing in the app's own process draws with GL,
/// yet GDK (to pick a GL visual) and WebKit's UI side (to find the GPU's
/// render node for the web process) each open Mesa, whose driver loads
/// LLVM: ~20–26 MB of the app's memory and ~400 ms of a cold start
/// (measured). So GDK's GL is disabled, WebKit's DMA-BUF renderer (the
/// composited path) is off, and the render node is named directly (the
/// first `/dev/dri/renderD*`, or `/dev/null` where there is none, which the
/// web process then never opens). The web process still uses Mesa's EGL.
pub const NO_GL_ENV: [&str; 3] = ["GDK_GL", "WEBKIT_DISABLE_DMABUF_RENDERER", "WEBKIT_WEB_RENDER_DEVICE_FILE"];

/// Whether WebKit composites with the environment `var` gives (WebKit's
/// own rule: any value but `0` turns it off; unset, the app sets `1`).
fn compositing_off(var: &impl Fn(&str) -> Option<String>) -> bool {
    var("WEBKIT_DISABLE_COMPOSITING_MODE").is_none_or(|v| v != "0")
}

/// The [`WEBKIT_ENV`] settings (and, with compositing off, the
/// [`NO_GL_ENV`] ones) missing from the environment `var` gives;
/// `render_node` is this PC's first DRM render node, if any.
pub fn missing_webkit_env(
    var: impl Fn(&str) -> Option<String>,
    render_node: Option<String>,
) -> Vec<(&'static str, String)> {
    let mut wanted: Vec<(&'static str, String)> = WEBKIT_ENV.iter().map(|&(k, v)| (k, v.to_string())).collect();
    if compositing_off(&var) {
        let [gdk, dmabuf, device] = NO_GL_ENV;
        wanted.push((gdk, "disable".into()));
        wanted.push((dmabuf, "1".into()));
        wanted.push((device, render_node.unwrap_or_else(|| "/dev/null".into())));
    }
    wanted.retain(|(name, _)| var(name).is_none());
    wanted
}

/// This PC's first DRM render node (`/dev/dri/renderD128` on most), the
/// one WebKit would have found through Mesa.
#[cfg(target_os = "linux")]
fn first_render_node() -> Option<String> {
    let mut nodes: Vec<String> = std::fs::read_dir("/dev/dri")
        .ok()?
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|name| name.starts_with("renderD"))
        .collect();
    nodes.sort();
    nodes.first().map(|name| format!("/dev/dri/{name}"))
}

/// Puts [`WEBKIT_ENV`] into force: when a setting is missing, the app
/// starts itself again (same pid, same arguments) with it — setting a
/// variable in a running process is not thread-safe, and this costs one
/// exec, a few milliseconds. Returns only if nothing was missing or the
/// exec failed (then the app runs without, and says so).
#[cfg(target_os = "linux")]
fn with_webkit_env() {
    use std::os::unix::process::CommandExt;
    let missing = missing_webkit_env(
        |name| std::env::var_os(name).map(|v| v.to_string_lossy().into_owned()),
        first_render_node(),
    );
    if missing.is_empty() {
        return;
    }
    let mut args = std::env::args_os();
    let error = match std::env::current_exe() {
        Ok(exe) => {
            let mut command = std::process::Command::new(exe);
            if let Some(arg0) = args.next() {
                command.arg0(arg0);
            }
            command.args(args).envs(missing).exec()
        }
        Err(error) => error,
    };
    tracing::warn!(%error, "WebKit's settings for a hall PC are not in force (compositing stays on)");
}

/// Starts the desktop app and runs it until it quits.
pub fn run() {
    // A log line that cannot be written (stdout on a full disk) is dropped:
    // reporting it with `eprintln!` would panic the thread that logged.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,tao=warn,wry=warn".into()),
        )
        .log_internal_errors(false)
        .try_init();
    #[cfg(target_os = "linux")]
    with_webkit_env();
    let app = builder(tauri::Builder::default(), Shell::new(None))
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| tray::show_any(app)))
        .plugin(tauri_plugin_autostart::init(tauri_plugin_autostart::MacosLauncher::LaunchAgent, None))
        .build(tauri::generate_context!())
        .expect("HallQ could not start its window system");
    // SIGTERM (the session ending, `kill`, a service manager) or Ctrl-C:
    // quit as Quit does — the hall server drains its engine — and exit 0.
    let handle = app.handle().clone();
    tauri::async_runtime::spawn(async move {
        hallq_server::platform::shutdown_signal().await;
        tracing::info!("asked to stop: quitting");
        handle.exit(0);
    });
    app.run(|app, event| match event {
        // Closing the last window does not stop the hall server inside the
        // app (LAN terminals and the tray still use it); Quit in the tray,
        // behind the PIN, does.
        RunEvent::ExitRequested { code: None, api, .. } if app.tray_by_id(tray::TRAY).is_some() => {
            api.prevent_exit();
        }
        RunEvent::Exit => app.state::<Shell>().stop(),
        _ => {}
    });
}

/// The app without the OS-integration plugins (single instance, autostart),
/// so the mock-runtime tests build exactly this.
pub fn builder<R: Runtime>(builder: Builder<R>, shell: Shell) -> Builder<R> {
    builder
        .manage(shell)
        .manage(KioskLocks::default())
        .manage(printing::PrintLock::default())
        .manage(Arc::new(Reachability::default()))
        .invoke_handler(tauri::generate_handler![
            commands::print_escpos,
            commands::print_html,
            commands::printer_status,
            commands::test_print,
            commands::set_fullscreen,
            commands::autostart_enabled,
            commands::set_autostart,
            commands::leave_kiosk,
            commands::wizard_defaults,
            commands::wizard_save,
            commands::retry_server,
            commands::quit_app,
        ])
        .on_window_event(|window, event| {
            // A locked window cannot be closed (Alt-F4, the WM): only
            // `leave_kiosk` with the PIN unlocks it.
            if let tauri::WindowEvent::CloseRequested { api, .. } = event
                && window.state::<KioskLocks>().is_locked(window.label())
            {
                api.prevent_close();
            }
        })
        .setup(|app| {
            let handle = app.handle().clone();
            if handle.state::<Shell>().tray
                && let Err(error) = tray::build(&handle)
            {
                tracing::warn!(%error, "no tray icon");
            }
            start(&handle).map_err(|e| -> Box<dyn std::error::Error> { e })?;
            Ok(())
        })
}

/// First start: the wizard; otherwise the configured mode.
fn start<R: Runtime>(app: &AppHandle<R>) -> Result<(), BoxError> {
    let shell = app.state::<Shell>();
    if shell.config_path().is_none() {
        let path = app.path().app_config_dir()?.join("config.json");
        *shell.config_path.lock().expect("config path") = Some(path);
    }
    let path = shell.config_path().expect("set above");
    match AppConfig::load(&path)? {
        None => {
            tracing::info!(config = %path.display(), "first run: the set-up wizard");
            windows::open_wizard(app, "")?;
        }
        Some(config) => tauri::async_runtime::block_on(launch(app, config))?,
    }
    Ok(())
}

/// Puts a config into force: starts the embedded server (one-PC, hall
/// server) or checks the hall server (terminal), then opens every screen.
/// Tokens minted on the way are saved back to the config file.
pub async fn launch<R: Runtime>(app: &AppHandle<R>, mut config: AppConfig) -> Result<(), BoxError> {
    let shell = app.state::<Shell>();
    let path = shell.config_path().expect("a config path once started");
    let now = chrono::Utc::now().timestamp_millis();
    let mut pages: Vec<(String, Url)> = Vec::new();
    match config.mode {
        Mode::OnePc | Mode::HallServer => {
            let db = match &config.db {
                Some(db) => db.clone(),
                None => app.path().app_data_dir()?.join("hall.db"),
            };
            let lan = config.mode == Mode::HallServer && config.lan;
            let server = Arc::new(EmbeddedServer::start(db, config.port, lan).await?);
            let base = server.base_url();
            for screen in &mut config.screens {
                screen.token = Some(server.token_for(screen, now)?);
                // A kiosk that cannot be told where it prints still opens:
                // it prints the way the hall server has it (logged).
                if let Err(error) = server.sync_kiosk_printer(screen, &config.printer, now) {
                    tracing::error!(%error, screen = %screen.label(), "the kiosk's printer could not be set");
                }
            }
            *shell.embedded.lock().expect("embedded") = Some(server);
            *shell.base.lock().expect("base") = Some(base.clone());
            let mut opening = Vec::new();
            for screen in &config.screens {
                let url = windows::screen_url(&base, screen, screen.token.as_deref().unwrap_or_default())?;
                opening.push((screen.clone(), url.clone(), url));
            }
            windows::open_screens(app, opening)?;
        }
        Mode::Terminal => {
            let server =
                config.server.clone().ok_or("终端模式缺少服务器地址 / terminal mode needs a server address")?;
            *shell.base.lock().expect("base") = Some(server.clone());
            allow_kiosk_printing_from(app, &server)?;
            let up = terminal::reachable(&server).await;
            let mut opening = Vec::new();
            for screen in config.screens.iter().filter(|s| s.token.is_some()) {
                let url = windows::screen_url(&server, screen, screen.token.as_deref().unwrap_or_default())?;
                let first = if up { url.clone() } else { terminal::unreachable_page(&server) };
                opening.push((screen.clone(), url.clone(), first));
                pages.push((screen.label(), url));
            }
            windows::open_screens(app, opening)?;
            terminal::watch(app.clone(), server, pages, up);
        }
    }
    config.save(&path)?;
    *shell.config.lock().expect("config") = Some(config);
    tray::refresh(app);
    Ok(())
}

/// The identifier of the capability [`allow_kiosk_printing_from`] adds.
pub const REMOTE_PRINT_CAPABILITY: &str = "kiosk-print-remote";

/// The identifier of the capability [`allow_kiosk_printing_from`] adds for
/// counter windows: the case receipt's HTML print, nothing else.
pub const REMOTE_RECEIPT_CAPABILITY: &str = "counter-receipt-remote";

/// The commands a kiosk window may call from the paired hall server's
/// origin (terminal mode): printing on this PC's printer, nothing else.
pub const REMOTE_PRINT_PERMISSIONS: [&str; 3] = ["allow-print-escpos", "allow-print-html", "allow-printer-status"];

/// Terminal mode: the kiosk's pages come from the hall server, whose origin
/// no capability file can name in advance. Grants the print commands —
/// only them, only to `kiosk-*` windows (and the HTML print alone to
/// `counter-*` windows, for case receipts), only on that exact origin
/// (scheme, host and port) — for as long as the app runs.
pub fn allow_kiosk_printing_from<R: Runtime>(app: &AppHandle<R>, server: &str) -> Result<(), BoxError> {
    let origin = remote_origin(server)?;
    let mut capability = tauri::ipc::CapabilityBuilder::new(REMOTE_PRINT_CAPABILITY)
        .remote(origin.clone())
        .local(false)
        .window("kiosk-*");
    for permission in REMOTE_PRINT_PERMISSIONS {
        capability = capability.permission(permission);
    }
    app.add_capability(capability)?;
    // A counter prints one thing: the customer's case receipt, as HTML.
    let counter = tauri::ipc::CapabilityBuilder::new(REMOTE_RECEIPT_CAPABILITY)
        .remote(origin.clone())
        .local(false)
        .window("counter-*")
        .permission("allow-print-html");
    app.add_capability(counter)?;
    tracing::info!(%origin, "kiosk windows may print, and counter windows print receipts, from the hall server's origin");
    Ok(())
}

/// The origin of the hall server's URL as a capability's remote URL
/// pattern: `http(s)://host:port`, nothing a URL pattern would read as a
/// wildcard.
pub fn remote_origin(server: &str) -> Result<String, BoxError> {
    let bad = || -> BoxError {
        format!("营业厅服务器地址无效：{server:?} / the hall server address is invalid: {server:?}").into()
    };
    let url = Url::parse(server).map_err(|_| bad())?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad());
    }
    let host = match url.host().ok_or_else(bad)? {
        // Only letters, digits, dots and hyphens: `*`, `(`, `+` … mean
        // something in a URL pattern.
        url::Host::Domain(d) if d.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-') => d.to_string(),
        url::Host::Domain(_) => return Err(bad()),
        url::Host::Ipv4(ip) => ip.to_string(),
        // URL patterns read `[` `]` and `:` of an IPv6 literal as syntax.
        url::Host::Ipv6(_) => {
            return Err(format!(
                "终端模式暂不支持 IPv6 地址的服务器：{server} / a hall server on an IPv6 address is not supported in terminal mode: {server}"
            )
            .into());
        }
    };
    // The default port is absent from a page's URL, so from the pattern too.
    Ok(match url.port() {
        Some(port) => format!("{}://{host}:{port}", url.scheme()),
        None => format!("{}://{host}", url.scheme()),
    })
}

#[cfg(test)]
mod tests;
