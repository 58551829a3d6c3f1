//! Running the server: open the hall, bind, serve until told to stop, then
//! close the streams and stop the engine after its queued commands.
//!
//! Connections are served here rather than by `axum::serve`: each accepted
//! socket is first admitted by the caps of [`crate::connections`] (or
//! closed at once), then served by hyper's HTTP/1 with its header-read
//! timer (an idle or half-sent request is closed) and WebSocket upgrades,
//! with the peer's address as axum's `ConnectInfo<SocketAddr>`. On stop,
//! requests in flight get [`crate::Limits::shutdown_grace`] to finish;
//! then the server stops regardless (a service manager's SIGTERM must end
//! it within seconds).
//!
//! A SIGKILL needs nothing here: every answered command is already on disk
//! (the store's engine commits before it answers), and a restart picks the
//! hall up from its projections.

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::Request;
use hallq_store::{StoreError, SystemClock};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tower::Service;

use crate::connections::ConnectionPermit;
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
        state.bounds().set_cap(crate::connections::connection_cap(&state.config().limits));
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
        let worker = crate::printing::spawn_worker(state.clone());
        let backups = crate::backup::spawn(state.clone());
        let forwarder = crate::forward::spawn(state.clone());
        let app = crate::app(state.clone());
        let limits = state.config().limits.clone();
        // Each connection holds a receiver; all gone = all connections closed.
        let (closed_tx, closed_rx) = watch::channel(());
        let stopping = state.shutdown_signal();
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                () = &mut shutdown => break,
                accepted = self.listener.accept() => match accepted {
                    Ok((socket, peer)) => {
                        let Some(permit) = state.bounds().admit(peer.ip()) else {
                            tracing::debug!(%peer, "connection refused: at the cap");
                            continue;
                        };
                        let conn = Connection {
                            app: app.clone(),
                            peer,
                            header_read_timeout: limits.header_read_timeout,
                            stopping: stopping.clone(),
                            closed: closed_rx.clone(),
                        };
                        tokio::spawn(conn.serve(socket, permit));
                    }
                    // Out of file descriptors or a reset before accept: wait
                    // a moment rather than spin, then go on.
                    Err(e) => {
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                },
            }
        }
        drop(self.listener);
        state.begin_shutdown();
        drop(closed_rx);
        if tokio::time::timeout(limits.shutdown_grace, closed_tx.closed()).await.is_err() {
            tracing::warn!("requests still in flight after the grace period: stopping anyway");
        }
        // The worker sees the shutdown signal; a print in flight finishes.
        let _ = worker.await;
        let _ = backups.await;
        let _ = forwarder.await;
        let engine = state.engine().clone();
        // Joining the engine thread blocks: not on the executor.
        let _ = tokio::task::spawn_blocking(move || engine.shutdown()).await;
        Ok(())
    }
}

/// One admitted connection and what it needs to be served.
struct Connection {
    app: axum::Router,
    peer: SocketAddr,
    header_read_timeout: Duration,
    stopping: watch::Receiver<bool>,
    closed: watch::Receiver<()>,
}

impl Connection {
    /// Serves the connection until it closes; on shutdown, finishes the
    /// request in flight and closes. The permit frees its place at the end.
    async fn serve(mut self, socket: TcpStream, _permit: ConnectionPermit) {
        let _ = socket.set_nodelay(true);
        let (app, peer) = (self.app, self.peer);
        let service = hyper::service::service_fn(move |mut req: Request<Incoming>| {
            req.extensions_mut().insert(ConnectInfo(peer));
            app.clone().call(req.map(Body::new))
        });
        let mut builder = http1::Builder::new();
        builder.timer(TokioTimer::new()).header_read_timeout(self.header_read_timeout);
        let conn = builder.serve_connection(TokioIo::new(socket), service).with_upgrades();
        tokio::pin!(conn);
        let mut graceful = false;
        loop {
            tokio::select! {
                result = conn.as_mut() => {
                    if let Err(e) = result {
                        tracing::debug!(%peer, error = %e, "connection ended with an error");
                    }
                    break;
                }
                _ = self.stopping.wait_for(|s| *s), if !graceful => {
                    graceful = true;
                    conn.as_mut().graceful_shutdown();
                }
            }
        }
        drop(self.closed);
    }
}

/// Opens, binds and serves until the system asks it to stop (Ctrl-C,
/// SIGTERM: [`crate::platform::shutdown_signal`]).
pub async fn serve(config: ServeConfig) -> Result<(), ServerError> {
    let server = Server::bind(config).await?;
    tracing::info!(addr = %server.local_addr(), "serving");
    server.run(crate::platform::shutdown_signal()).await
}
