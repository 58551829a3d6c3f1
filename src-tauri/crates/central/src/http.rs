//! The centre's HTTP API: [`app`] builds the router (tests build it too),
//! [`serve`] binds it. Handlers are thin: they read the request, call
//! [`crate::enrol`] or [`crate::ingest`], and answer JSON or a
//! [`CentralError`].
//!
//! - `POST /central/v1/enrol` `{code, hall: {id, code, name, settings}}` →
//!   `{hall_id, key}`;
//! - `POST /central/v1/events` (Bearer key, a gzip batch) → `{acknowledged_seq}`,
//!   answered only after the batch's transaction committed;
//! - `GET /central/v1/cursor` (Bearer key) → `{acknowledged_seq}`.
//!
//! Plain HTTP is served only on a loopback address ([`check_listen`]):
//! keys travel in the clear otherwise.

use std::net::SocketAddr;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::routing::{get, post};
use axum::{Json, Router};
use deadpool_postgres::Pool;
use hallq_core::Millis;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::enrol::{self, EnrolRequest, Enrolled};
use crate::error::{CentralError, Result};
use crate::ingest::{self, MAX_BATCH_BYTES};

/// The centre's shared state: the database pool.
#[derive(Clone)]
pub struct Central {
    pool: Pool,
}

impl Central {
    /// The centre on `pool` (already migrated: [`crate::db::connect`]).
    pub fn new(pool: Pool) -> Self {
        Self { pool }
    }
}

/// The answer of a push and of the cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Acknowledged {
    /// The hall's last seq the centre holds (0 when none).
    pub acknowledged_seq: u64,
}

/// The router with every route.
pub fn app(state: Central) -> Router {
    Router::new()
        .route("/central/v1/enrol", post(enrol_hall))
        .route("/central/v1/events", post(push_events))
        .route("/central/v1/cursor", get(cursor))
        .fallback(|| async { CentralError::NoRoute })
        // A compressed batch is smaller than its uncompressed limit.
        .layer(DefaultBodyLimit::max(MAX_BATCH_BYTES))
        .with_state(state)
}

fn now() -> Millis {
    chrono::Utc::now().timestamp_millis()
}

fn body(body: std::result::Result<Bytes, BytesRejection>) -> Result<Bytes> {
    body.map_err(|rejection| match rejection.status() {
        StatusCode::PAYLOAD_TOO_LARGE => CentralError::BatchTooLarge,
        _ => CentralError::BadRequest {
            zh: format!("无法读取请求正文（{rejection}）"),
            en: format!("the request body could not be read ({rejection})"),
        },
    })
}

async fn hall_of(state: &Central, headers: &HeaderMap) -> Result<Uuid> {
    let key = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or(CentralError::Unauthorized)?;
    enrol::authenticate(&state.pool, key).await
}

async fn enrol_hall(
    State(state): State<Central>,
    raw: std::result::Result<Bytes, BytesRejection>,
) -> Result<Json<Enrolled>> {
    let request: EnrolRequest = serde_json::from_slice(&body(raw)?).map_err(|e| CentralError::BadRequest {
        zh: format!("注册请求应为 {{code, hall: {{id, code, name, settings}}}}（{e}）"),
        en: format!("an enrolment is {{code, hall: {{id, code, name, settings}}}} ({e})"),
    })?;
    Ok(Json(enrol::enrol(&state.pool, &request, now()).await?))
}

async fn push_events(
    State(state): State<Central>,
    headers: HeaderMap,
    raw: std::result::Result<Bytes, BytesRejection>,
) -> Result<Json<Acknowledged>> {
    let hall = hall_of(&state, &headers).await?;
    let bytes = body(raw)?;
    let events = tokio::task::spawn_blocking(move || ingest::decode_batch(&bytes, hall))
        .await
        .map_err(|e| CentralError::Internal(format!("decoding a batch: {e}")))??;
    let mut client = state.pool.get().await?;
    let tx = client.transaction().await?;
    let done = ingest::append(&tx, hall, &events).await?;
    tx.commit().await?;
    Ok(Json(Acknowledged { acknowledged_seq: done.acknowledged_seq }))
}

async fn cursor(State(state): State<Central>, headers: HeaderMap) -> Result<Json<Acknowledged>> {
    let hall = hall_of(&state, &headers).await?;
    let client = state.pool.get().await?;
    Ok(Json(Acknowledged { acknowledged_seq: ingest::cursor(&client, hall).await? }))
}

/// Refuses to serve plain HTTP on an address other than loopback.
pub fn check_listen(addr: SocketAddr) -> Result<()> {
    if addr.ip().is_loopback() {
        return Ok(());
    }
    Err(CentralError::BadRequest {
        zh: format!(
            "不能在 {addr} 上提供明文 HTTP：营业厅密钥会以明文传输。明文只允许本机回环地址（如 127.0.0.1:8791）；请在前面放置 TLS 反向代理并监听回环地址（本版本的中心尚不自带 TLS）"
        ),
        en: format!(
            "refusing plain HTTP on {addr}: hall keys would travel in the clear. Plain HTTP is allowed only on a loopback address (e.g. 127.0.0.1:8791); put a TLS reverse proxy in front and listen on loopback (this version of the centre does not terminate TLS itself yet)"
        ),
    })
}

/// Serves the centre on `listener` until `shutdown` completes.
pub async fn serve(
    pool: Pool,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app(Central::new(pool))).with_graceful_shutdown(shutdown).await
}
