//! The hall server inside the app (one-PC and hall-server modes): creates
//! the hall on first run, starts `hallq-server` on Tauri's tokio runtime,
//! mints the tokens of the app's own windows, tells the hall that this PC's
//! own kiosk prints on this PC's printer (printer kind `local`), checks the
//! supervisor PIN, and stops the server (streams closed, engine drained)
//! when the app quits.
//!
//! It binds loopback unless hall-server mode chose the LAN. It must not
//! decide a queue question or write SQL: the store and the server do.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use hallq_server::{AppState, Config, Server, ServerError};
use hallq_store::hallq_core::HallConfig;
use hallq_store::{Millis, PinCheck, PrinterConfig, PrinterKind, Store, StoreError, SystemClock};
use tokio::sync::oneshot;
use uuid::Uuid;

use crate::config::{LocalPrinter, Role, Screen};

/// The staff number of the hall's supervisor (the admin every new hall has).
pub const SUPERVISOR: &str = "0001";

/// What the first-run wizard asks for a new hall.
#[derive(Debug, Clone)]
pub struct NewHall {
    /// The hall's name.
    pub name: String,
    /// The codes of the default services to keep (an empty list keeps all).
    pub services: Vec<String>,
    /// The supervisor's PIN (4–12 digits).
    pub pin: String,
}

/// Creates the hall database at `db` from the default supply hall, keeping
/// only the chosen services, and sets the supervisor PIN. An existing
/// database with a hall is left as it is.
pub fn create_hall(db: &Path, hall: &NewHall, now: Millis) -> Result<(), StoreError> {
    if let Some(dir) = db.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let store = Store::open(db)?;
    if !store.halls()?.is_empty() {
        return Ok(());
    }
    let mut cfg = HallConfig::default_supply_hall(Uuid::now_v7(), "HALL", &hall.name);
    if !hall.services.is_empty() {
        cfg.services.retain(|s| hall.services.contains(&s.code));
        let kept: Vec<String> = cfg.services.iter().map(|s| s.code.clone()).collect();
        // A counter keeps the services it had that the hall still offers; one
        // left with none serves them all.
        for counter in &mut cfg.counters {
            counter.services.retain(|s| kept.contains(s));
            if counter.services.is_empty() {
                counter.services = kept.clone();
            }
        }
    }
    store.create_hall(&cfg, now)?;
    store.set_staff_pin(cfg.hall.id, SUPERVISOR, &hall.pin)
}

/// A running hall server inside the app.
pub struct EmbeddedServer {
    addr: SocketAddr,
    state: AppState,
    stop: Mutex<Option<oneshot::Sender<()>>>,
    done: Mutex<Option<tauri::async_runtime::JoinHandle<()>>>,
}

impl EmbeddedServer {
    /// Opens the hall of `db` and serves it on `port` (0 = any), on the LAN
    /// if `lan`, else on loopback. A fixed port that is taken falls back to
    /// any free port rather than leaving the station without its screens.
    pub async fn start(db: PathBuf, port: u16, lan: bool) -> Result<Self, ServerError> {
        let ip = if lan { Ipv4Addr::UNSPECIFIED } else { Ipv4Addr::LOCALHOST };
        // A PC runs a handful of screens, not a hall LAN's worth of readers.
        let config = Config { readers: 4, ..Config::default() };
        let state = tokio::task::spawn_blocking(move || AppState::open(&db, None, Arc::new(SystemClock), config))
            .await
            .map_err(|e| ServerError::Serve(std::io::Error::other(e)))??;
        let server = match Server::with_state(state.clone(), SocketAddr::from((ip, port))).await {
            Ok(server) => server,
            Err(error) if port != 0 => {
                tracing::warn!(%error, "port taken; serving on any free port");
                Server::with_state(state.clone(), SocketAddr::from((ip, 0))).await?
            }
            Err(error) => return Err(error),
        };
        let addr = server.local_addr();
        let (stop, stopped) = oneshot::channel::<()>();
        let done = tauri::async_runtime::spawn(async move {
            if let Err(error) = server
                .run(async move {
                    let _ = stopped.await;
                })
                .await
            {
                tracing::error!(%error, "the embedded hall server stopped");
            }
        });
        tracing::info!(%addr, "embedded hall server serving");
        Ok(Self { addr, state, stop: Mutex::new(Some(stop)), done: Mutex::new(Some(done)) })
    }

    /// The base URL the app's own windows load from: always loopback, even
    /// when the server also serves the LAN.
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.addr.port())
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The screen's token: the one it kept if the hall still knows it, else a
    /// new terminal minted directly in the store (the app's own windows need
    /// no pairing code).
    pub fn token_for(&self, screen: &Screen, now: Millis) -> Result<String, StoreError> {
        let store = self.state.store();
        if let Some(token) = &screen.token
            && store.terminal_by_token(token, now)?.is_some()
        {
            return Ok(token.clone());
        }
        let counter = screen.counter.filter(|_| screen.role.has_counter());
        let name = format!("本机{} / this PC {}", screen.role.title(), screen.label());
        let (_, token) =
            store.create_terminal(self.state.hall(), screen.role.terminal_role(), counter, &name, now, None)?;
        Ok(token)
    }

    /// Puts the wizard's printer choice into force for one of the app's own
    /// kiosk windows (contract §5): a thermal printer on this PC makes the
    /// kiosk's printer kind `local` on its paper (the page hands each ticket
    /// to the shell as ESC/POS); a system printer makes it `html` (the page
    /// has the shell print its HTML ticket without a dialog); "none" makes
    /// it `none` (the number on screen, nothing printed). A kind the
    /// supervisor chose on the server (network, usb, serial) is left alone
    /// unless this PC has a printer of its own. Returns the kiosk's printer
    /// as it now stands.
    pub fn sync_kiosk_printer(
        &self,
        screen: &Screen,
        printer: &LocalPrinter,
        now: Millis,
    ) -> Result<Option<PrinterConfig>, StoreError> {
        use crate::config::PrinterKind as Here;
        let store = self.state.store();
        let hall = self.state.hall();
        let Some(token) = screen.token.as_deref().filter(|_| screen.role == Role::Kiosk) else { return Ok(None) };
        let Some(terminal) = store.terminal_by_token(token, now)? else { return Ok(None) };
        let current = store.kiosk_printer(hall, terminal.id)?.config;
        let server_side = current.kind.delivery() == Some(hallq_store::PrintDelivery::Server);
        let kind = match printer.kind {
            Here::Usb | Here::Serial | Here::Network => PrinterKind::Local,
            Here::System => PrinterKind::Html,
            Here::None if server_side => return Ok(Some(current)),
            Here::None => PrinterKind::None,
        };
        let wanted = PrinterConfig { kind, address: None, baud: None, paper: printer.paper };
        if wanted == current {
            return Ok(Some(current));
        }
        let stored = store.set_kiosk_printer(hall, terminal.id, &wanted, now)?;
        tracing::info!(kiosk = %terminal.id, kind = stored.kind.as_str(), paper = stored.paper, "kiosk printer set");
        Ok(Some(stored))
    }

    /// Checks the supervisor's PIN, counting wrong tries like every other
    /// PIN of the hall (five lock it for five minutes).
    pub fn check_pin(&self, pin: &str, now: Millis) -> Result<PinCheck, StoreError> {
        self.state.store().check_staff_pin(self.state.hall(), SUPERVISOR, pin, now)
    }

    /// Stops serving and waits for the engine to finish its queued commands.
    pub fn stop(&self) {
        if let Some(stop) = self.stop.lock().expect("stop lock").take() {
            let _ = stop.send(());
        }
        if let Some(done) = self.done.lock().expect("done lock").take() {
            let _ = tauri::async_runtime::block_on(done);
        }
    }
}
