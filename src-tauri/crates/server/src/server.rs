//! Running the server: open the hall, bind, serve until told to stop, then
//! close the streams and stop the engine after its queued commands.
//!
//! A SIGKILL needs nothing here: every answered command is already on disk
//! (the store's engine commits before it answers), and a restart picks the
//! hall up from its projections.

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use hallq_store::{StoreError, SystemClock};
use tokio::net::TcpListener;

use crate::state::{AppState, Config};

/// Where and what to serve.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// The hall database (must exist: `hallq init` creates it).
    pub db: PathBuf,
    /// The hall's code, in a database with several.
    pub hall: Option<String>,
    /// The address to bind; loopback unless serving the LAN was chosen.
    pub addr: SocketAddr,
    /// Behaviour.
    pub config: Config,
}

/// Starting or running the server failed.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The database or the hall could not be opened.
    #[error("{} / {}", .0.message_zh(), .0.message_en())]
    Store(#[from] StoreError),
    /// The address could not be bound (in use, not an address of this machine).
    #[error("无法监听 {addr}：{reason} / cannot listen on {addr}: {reason}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why (in use, not an address of this machine).
        reason: std::io::Error,
    },
    /// Serving failed.
    #[error("服务器异常停止：{0} / the server stopped with an error: {0}")]
    Serve(std::io::Error),
}

/// A bound server, not yet serving.
pub struct Server {
    listener: TcpListener,
    state: AppState,
}

impl Server {
    /// Opens the hall of `config.db` on the system clock and binds `config.addr`.
    pub async fn bind(config: ServeConfig) -> Result<Self, ServerError> {
        let ServeConfig { db, hall, addr, config } = config;
        let state =
            tokio::task::spawn_blocking(move || AppState::open(&db, hall.as_deref(), Arc::new(SystemClock), config))
                .await
                .map_err(|e| ServerError::Serve(std::io::Error::other(e)))??;
        Self::with_state(state, addr).await
    }

    /// Binds `addr` for an existing state (tests pass one on a manual clock).
    pub async fn with_state(state: AppState, addr: SocketAddr) -> Result<Self, ServerError> {
        let listener = TcpListener::bind(addr).await.map_err(|reason| ServerError::Bind { addr, reason })?;
        if let Ok(bound) = listener.local_addr() {
            state.printing().set_bound(bound);
        }
        Ok(Self { listener, state })
    }

    /// The bound address (the real port when 0 was asked for).
    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0)))
    }

    /// The server's state.
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` resolves; then stops accepting, closes the
    /// streams and the print worker, lets requests in flight finish and
    /// stops the engine.
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send + 'static) -> Result<(), ServerError> {
        let state = self.state.clone();
        let closing = state.clone();
        let worker = crate::printing::spawn_worker(state.clone());
        let backups = crate::backup::spawn(state.clone());
        // The peer address goes with each request: the throttles count by it.
        let app = crate::app(state.clone()).into_make_service_with_connect_info::<SocketAddr>();
        axum::serve(self.listener, app)
            .with_graceful_shutdown(async move {
                shutdown.await;
                closing.begin_shutdown();
            })
            .await
            .map_err(ServerError::Serve)?;
        // The worker sees the shutdown signal; a print in flight finishes.
        let _ = worker.await;
        let _ = backups.await;
        let engine = state.engine().clone();
        // Joining the engine thread blocks: not on the executor.
        let _ = tokio::task::spawn_blocking(move || engine.shutdown()).await;
        Ok(())
    }
}

/// Opens, binds and serves until Ctrl-C or SIGTERM.
pub async fn serve(config: ServeConfig) -> Result<(), ServerError> {
    let server = Server::bind(config).await?;
    tracing::info!(addr = %server.local_addr(), "serving");
    server.run(shutdown_signal()).await
}

/// Resolves on Ctrl-C, or SIGTERM on Unix (a service manager stopping us).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
