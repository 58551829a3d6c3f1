//! `AppState`: the one handle every handler gets — the store, the hall, its
//! engine, the clock, a small pool of read-only connections, the token
//! cache, the kiosk throttle, the PIN gate, the revocations that close
//! streams, the printers' status and the configuration.
//!
//! It is an explicit `Clone` handle (an `Arc` inside), passed through axum's
//! `State`; there are no globals. Everything that touches SQLite runs here
//! inside `spawn_blocking`, never on the async executor; commands go to the
//! hall engine, the only writer of the hall, and are awaited without blocking.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use hallq_store::hallq_core::{Actor, Command, CoreError, Millis};
use hallq_store::{Clock, Executed, HallEngine, IdempotencyKey, PrintOrder, Reader, Store, StoreError};
use tokio::sync::{broadcast, watch};
use uuid::Uuid;

use crate::auth::caller::{Caller, TokenCache};
use crate::auth::matrix::Role;
use crate::connections::{Bounds, Limits};
use crate::error::{ApiError, ApiResult};
use crate::printers::Printing;
use crate::throttle::{KioskThrottle, PinGate};

/// How the server behaves; the defaults are a hall's.
#[derive(Debug, Clone)]
pub struct Config {
    /// The least time between two tickets from one kiosk (the flood guard).
    pub kiosk_interval: Duration,
    /// How long a supervisor session lasts.
    pub session_ttl: Duration,
    /// Pairing codes one source may try per minute before pairing answers
    /// 429 there, so that six digits cannot be guessed by brute force (the
    /// hall PC itself, on loopback, is not limited).
    pub pairing_attempts_per_minute: usize,
    /// Pairing codes every source together may try per minute (a flood
    /// from many addresses).
    pub pairing_attempts_per_hall_per_minute: usize,
    /// PINs one machine on the LAN may try per minute, whatever the staff
    /// numbers (the hall PC itself is not limited; its own lock still holds).
    pub pin_attempts_per_minute: usize,
    /// PINs every LAN machine together may try per minute.
    pub pin_attempts_per_hall_per_minute: usize,
    /// PIN checks (argon2, ~19 MiB each) run at once, and queued beyond
    /// those; more are refused at once with 429 `pin_busy`.
    pub pin_checks: (usize, usize),
    /// Read-only connections kept open for reuse.
    pub readers: usize,
    /// The largest request body accepted, bytes.
    pub body_limit: usize,
    /// How often the print worker checks printers and retries pending jobs.
    pub printer_poll: Duration,
    /// The base of live-ticket URLs (`hallq serve --public-url`); overrides
    /// the hall's `public_url`.
    pub public_url: Option<String>,
    /// The backup folder (`hallq serve --backup-dir`); `None`: `backups/`
    /// beside the database.
    pub backup_dir: Option<std::path::PathBuf>,
    /// How old the last good backup may grow before the next is made.
    pub backup_interval: Duration,
    /// The longest wait between attempts to reach the bureau's centre
    /// (the forwarder's backoff doubles from a second up to it).
    pub central_retry_max: Duration,
    /// Connection and stream bounds, timeouts.
    pub limits: Limits,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            kiosk_interval: Duration::from_secs(2),
            session_ttl: Duration::from_secs(12 * 3600),
            pairing_attempts_per_minute: 20,
            pairing_attempts_per_hall_per_minute: 300,
            pin_attempts_per_minute: 10,
            pin_attempts_per_hall_per_minute: 120,
            // A hall's counters logging in together at opening time queue
            // (argon2's memory is taken only while a check runs).
            pin_checks: (2, 64),
            readers: 32,
            body_limit: 64 * 1024,
            printer_poll: Duration::from_secs(5),
            public_url: None,
            backup_dir: None,
            backup_interval: Duration::from_secs(24 * 3600),
            central_retry_max: Duration::from_secs(20),
            limits: Limits::default(),
        }
    }
}

/// The shared handle of a running hall server.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Shared>,
}

struct Shared {
    store: Store,
    hall: Uuid,
    engine: HallEngine,
    clock: Arc<dyn Clock>,
    config: Config,
    tokens: TokenCache,
    kiosks: KioskThrottle,
    pins: PinGate,
    /// Terminals revoked while running: their open streams close at once.
    revoked: broadcast::Sender<Uuid>,
    /// Printers' last seen status and one lock per printer.
    printing: Printing,
    /// The backup folder and the last backup's failure.
    backups: crate::backup::Backups,
    /// Whether forwarding to the centre stopped.
    forwarding: crate::forward::Forwarding,
    /// Serialises the first-run setup, so two racing calls cannot both set the admin PIN.
    setup: tokio::sync::Mutex<()>,
    /// Open connections and live streams, counted against the limits.
    bounds: Arc<Bounds>,
    /// One what-if simulation at a time for the hall (`POST /reports/simulate`).
    simulation: Arc<tokio::sync::Semaphore>,
    shutdown: watch::Sender<bool>,
}

impl AppState {
    /// A state over an open store and a running engine for `hall`.
    pub fn new(store: Store, hall: Uuid, engine: HallEngine, clock: Arc<dyn Clock>, config: Config) -> Self {
        let (shutdown, _) = watch::channel(false);
        let (revoked, _) = broadcast::channel(64);
        let pins = PinGate::new(config.pin_checks.0, config.pin_checks.1);
        let backups = crate::backup::Backups::new(store.path(), config.backup_dir.clone());
        store.keep_readers(config.readers);
        Self {
            inner: Arc::new(Shared {
                store,
                hall,
                engine,
                clock,
                tokens: TokenCache::default(),
                kiosks: KioskThrottle::default(),
                pins,
                revoked,
                printing: Printing::default(),
                backups,
                forwarding: crate::forward::Forwarding::default(),
                setup: tokio::sync::Mutex::new(()),
                simulation: Arc::new(tokio::sync::Semaphore::new(1)),
                bounds: Arc::new(Bounds::new(config.limits.clone())),
                shutdown,
                config,
            }),
        }
    }

    /// Opens an existing database, picks the hall (`code`, or the only one)
    /// and starts its engine on `clock`.
    pub fn open(db: &Path, code: Option<&str>, clock: Arc<dyn Clock>, config: Config) -> Result<Self, StoreError> {
        let store = Store::open_existing(db)?;
        let hall = store.resolve_hall(code)?;
        let engine = store.engine(hall.id, clock.clone())?;
        Ok(Self::new(store, hall.id, engine, clock, config))
    }

    /// The hall served.
    pub fn hall(&self) -> Uuid {
        self.inner.hall
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// The hall's engine.
    pub fn engine(&self) -> &HallEngine {
        &self.inner.engine
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// Now, by the server's clock.
    pub fn now(&self) -> Millis {
        self.inner.clock.now_ms()
    }

    /// Forwarding to the bureau's centre: whether it stopped.
    pub fn forwarding(&self) -> &crate::forward::Forwarding {
        &self.inner.forwarding
    }

    /// Tells long-lived connections (the streams) to close: the server stops.
    pub fn begin_shutdown(&self) {
        self.inner.shutdown.send_replace(true);
    }

    /// Resolves when [`AppState::begin_shutdown`] was called.
    pub(crate) fn shutdown_signal(&self) -> watch::Receiver<bool> {
        self.inner.shutdown.subscribe()
    }

    pub(crate) fn tokens(&self) -> &TokenCache {
        &self.inner.tokens
    }

    pub(crate) fn kiosks(&self) -> &KioskThrottle {
        &self.inner.kiosks
    }

    pub(crate) fn pins(&self) -> &PinGate {
        &self.inner.pins
    }

    /// A terminal's token was revoked: forget it and close its open streams.
    pub(crate) fn terminal_revoked(&self, terminal: Uuid) {
        self.inner.tokens.forget(terminal);
        // No stream open is no error.
        let _ = self.inner.revoked.send(terminal);
    }

    /// Terminals revoked from now on.
    pub(crate) fn revocations(&self) -> broadcast::Receiver<Uuid> {
        self.inner.revoked.subscribe()
    }

    pub(crate) fn printing(&self) -> &Printing {
        &self.inner.printing
    }

    pub(crate) fn backups(&self) -> &crate::backup::Backups {
        &self.inner.backups
    }

    pub(crate) fn setup_lock(&self) -> &tokio::sync::Mutex<()> {
        &self.inner.setup
    }

    /// Open connections and live streams.
    pub(crate) fn bounds(&self) -> &Arc<Bounds> {
        &self.inner.bounds
    }

    /// The hall's one what-if slot; a permit is held while a simulation runs.
    pub(crate) fn simulation_slot(&self) -> &Arc<tokio::sync::Semaphore> {
        &self.inner.simulation
    }

    /// Runs a read on a pooled read-only connection, off the executor.
    pub async fn read<T, F>(&self, f: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Reader, Uuid) -> hallq_store::Result<T> + Send + 'static,
    {
        let this = self.clone();
        tokio::task::spawn_blocking(move || {
            let reader = this.inner.store.reader().map_err(|e| this.failed(e))?;
            f(&reader, this.inner.hall).map_err(|e| this.failed(e))
        })
        .await
        .map_err(|e| ApiError::Internal(format!("read task failed: {e}")))?
    }

    /// Runs a store operation (PINs, terminals) off the executor.
    pub async fn blocking<T, F>(&self, f: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Store, Uuid) -> hallq_store::Result<T> + Send + 'static,
    {
        let this = self.clone();
        tokio::task::spawn_blocking(move || f(&this.inner.store, this.inner.hall).map_err(|e| this.failed(e)))
            .await
            .map_err(|e| ApiError::Internal(format!("store task failed: {e}")))?
    }

    /// A store failure as an answer; damage found by a read stops the
    /// engine writing too, and a full disk is told as such.
    fn failed(&self, e: StoreError) -> ApiError {
        if e.is_damage() || e.is_disk_full() { self.inner.engine.note_failure(e).into() } else { e.into() }
    }

    /// Executes a command through the hall engine and waits until it is durable.
    pub async fn execute(&self, actor: Actor, cmd: Command, key: Option<IdempotencyKey>) -> ApiResult<Executed> {
        self.execute_printing(actor, cmd, key, None).await
    }

    /// [`AppState::execute`] with the print job of a kiosk's ticket
    /// recorded in the same commit.
    pub(crate) async fn execute_printing(
        &self,
        actor: Actor,
        cmd: Command,
        key: Option<IdempotencyKey>,
        print: Option<PrintOrder>,
    ) -> ApiResult<Executed> {
        tracing::debug!(command = cmd.name(), ?actor, "execute");
        Ok(self.inner.engine.execute_printed_async(actor, cmd, key, print).await?)
    }

    /// Who the log records for a staff action at `counter`: the supervisor
    /// acting themselves, or the staff member logged in there. A counter
    /// terminal with nobody logged in may not act.
    pub async fn staff_actor(&self, caller: &Caller, counter: u32) -> ApiResult<Actor> {
        if caller.role == Role::Supervisor {
            return Ok(caller.actor());
        }
        let staff = self.read(move |r, hall| r.counter_staff(hall, counter)).await?;
        staff.map(Actor::Staff).ok_or_else(|| CoreError::NoStaffAtCounter(counter).into())
    }

    /// The terminal holding `token`, from the cache or the database. A
    /// terminal of another hall in the same database is refused.
    pub async fn authenticate(&self, token: &str) -> ApiResult<Caller> {
        let now = self.now();
        if let Some(c) = self.inner.tokens.get(token, now) {
            return Ok(c);
        }
        let owned = token.to_string();
        let terminal = self.read(move |r, _| r.terminal_by_token(&owned, now)).await?;
        let terminal = terminal.filter(|t| t.hall == self.inner.hall).ok_or(ApiError::Unauthorized)?;
        let caller = Caller::of(&terminal).ok_or(ApiError::Unauthorized)?;
        if !self.inner.tokens.put(token, caller.clone(), terminal.expires_at) {
            return Err(ApiError::Unauthorized);
        }
        Ok(caller)
    }
}
