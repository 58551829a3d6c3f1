//! The centre's HTTP API: [`app`] builds the router (tests build it too),
//! [`serve`] binds it. Handlers are thin: they read the request, call
//! [`crate::enrol`] or [`crate::ingest`], and answer JSON or a
//! [`CentralError`].
//!
//! - `POST /central/v1/enrol` `{code, hall: {id, code, name, settings}}` →
//!   `{hall_id, key}`;
//! - `POST /central/v1/events` (Bearer key, a gzip batch) → `{acknowledged_seq}`,
//!   answered only after the batch's transaction committed;
//! - `GET /central/v1/cursor` (Bearer key) → `{acknowledged_seq}`;
//! - `POST /central/v1/login` `{name, password}` → `{token, expires_at,
//!   role, county}` (a central user's bearer session, [`crate::users`]);
//! - `GET /central/v1/reports/kpis?from=&to=&by=&county=&hall=` → the
//!   report across halls (`hallq report`'s JSON, [`crate::report`]): with
//!   a user's token, a county manager's limited to their county; without
//!   one, only on a loopback listener (403 elsewhere).
//!
//! Plain HTTP is served only on a loopback address ([`check_listen`]):
//! keys would travel in the clear otherwise. With a certificate and its key
//! ([`tls_config`]: PEM files, rustls with ring) the centre serves HTTPS on
//! any address.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::rejection::QueryRejection;
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::routing::{get, post};
use axum::{Json, Router};
use axum_server::tls_rustls::RustlsConfig;
use deadpool_postgres::Pool;
use hallq_core::Millis;
use uuid::Uuid;

use crate::enrol::{self, EnrolRequest, Enrolled};
use crate::error::{CentralError, Result};
use crate::ingest::{self, MAX_BATCH_BYTES};
use crate::report::{self, CentralQuery};
use crate::users::{self, Login, Role, Session};

/// The centre's shared state: the database pool, and whether it listens
/// on a loopback address (reports are served only there for now).
#[derive(Clone)]
pub struct Central {
    pool: Pool,
    loopback: bool,
}

impl Central {
    /// The centre on `pool` (already migrated: [`crate::db::connect`]),
    /// listening on a loopback address when `loopback`.
    pub fn new(pool: Pool, loopback: bool) -> Self {
        Self { pool, loopback }
    }
}

/// The answer of a push and of the cursor (the forwarder's type).
pub use hallq_server::forward::Acknowledged;

/// The router with every route.
pub fn app(state: Central) -> Router {
    Router::new()
        .route("/central/v1/enrol", post(enrol_hall))
        .route("/central/v1/events", post(push_events))
        .route("/central/v1/cursor", get(cursor))
        .route("/central/v1/login", post(login))
        .route("/central/v1/reports/kpis", get(report_kpis))
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

/// The report's query string: the `hallq central report` flags.
#[derive(Debug, serde::Deserialize)]
struct ReportParams {
    from: Option<String>,
    to: Option<String>,
    by: Option<String>,
    county: Option<String>,
    hall: Option<String>,
}

async fn login(State(state): State<Central>, raw: std::result::Result<Bytes, BytesRejection>) -> Result<Json<Session>> {
    let login: Login = serde_json::from_slice(&body(raw)?).map_err(|e| CentralError::BadRequest {
        zh: format!("登录请求应为 {{name, password}}（{e}）"),
        en: format!("a login is {{name, password}} ({e})"),
    })?;
    Ok(Json(users::login(&state.pool, &login, now()).await?))
}

/// Who may see which halls: a user's token limits a county manager to
/// their county; without a token, only a loopback listener answers.
async fn viewer_county(state: &Central, headers: &HeaderMap, asked: Option<String>) -> Result<Option<String>> {
    let token =
        headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
    let Some(token) = token else {
        return if state.loopback { Ok(asked) } else { Err(CentralError::LoopbackOnly) };
    };
    match users::authenticate(&state.pool, token, now()).await? {
        Role::Province => Ok(asked),
        Role::County(own) => match asked {
            Some(other) if other != own => Err(CentralError::OtherCounty(other)),
            _ => Ok(Some(own)),
        },
    }
}

async fn report_kpis(
    State(state): State<Central>,
    headers: HeaderMap,
    params: std::result::Result<Query<ReportParams>, QueryRejection>,
) -> Result<Json<serde_json::Value>> {
    let Query(p) = params.map_err(|e| CentralError::BadRequest {
        zh: format!("查询参数无效（{e}）"),
        en: format!("invalid query parameters ({e})"),
    })?;
    let date = |name: &str, v: Option<&str>| {
        let v = v.unwrap_or_default();
        chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d").map_err(|_| CentralError::BadRequest {
            zh: format!("{name} 应为 YYYY-MM-DD 日期（不是“{v}”）"),
            en: format!("{name} must be a YYYY-MM-DD date (got '{v}')"),
        })
    };
    let q = CentralQuery {
        from: date("from", p.from.as_deref())?,
        to: date("to", p.to.as_deref())?,
        by: p.by.as_deref().unwrap_or("hall").parse()?,
        county: viewer_county(&state, &headers, p.county).await?,
        hall: p.hall,
    };
    let report = report::kpis(&state.pool, &q).await?;
    Ok(Json(report::to_json(&report, q.by)))
}

/// Refuses to serve plain HTTP (`tls` false) on an address other than loopback.
pub fn check_listen(addr: SocketAddr, tls: bool) -> Result<()> {
    if tls || addr.ip().is_loopback() {
        return Ok(());
    }
    Err(CentralError::BadRequest {
        zh: format!(
            "不能在 {addr} 上提供明文 HTTP：营业厅密钥会以明文传输。明文只允许本机回环地址（如 127.0.0.1:8791）；其他地址请用 --tls-cert 与 --tls-key 提供证书"
        ),
        en: format!(
            "refusing plain HTTP on {addr}: hall keys would travel in the clear. Plain HTTP is allowed only on a loopback address (e.g. 127.0.0.1:8791); for another address give a certificate with --tls-cert and --tls-key"
        ),
    })
}

/// The TLS configuration from a PEM certificate chain and its PEM private
/// key (rustls with the ring provider, TLS 1.2 and 1.3).
pub fn tls_config(cert: &Path, key: &Path) -> Result<RustlsConfig> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let bad = |what_zh: &str, what_en: &str, path: &Path, e: &dyn std::fmt::Display| CentralError::BadRequest {
        zh: format!("无法读取{what_zh} {}（{e}）", path.display()),
        en: format!("cannot read the {what_en} {} ({e})", path.display()),
    };
    let chain = CertificateDer::pem_file_iter(cert)
        .and_then(|certs| certs.collect::<std::result::Result<Vec<_>, _>>())
        .map_err(|e| bad("证书", "certificate", cert, &e))?;
    if chain.is_empty() {
        return Err(bad("证书", "certificate", cert, &"没有 PEM 证书 / no PEM certificate"));
    }
    let private = PrivateKeyDer::from_pem_file(key).map_err(|e| bad("私钥", "private key", key, &e))?;
    // ring's provider is deprecated since rustls 0.23.48 for lacking
    // post-quantum key exchange; aws-lc-rs has it but brings a large C
    // build (also into the Windows cross-build). X25519 and P-256 ECDHE are
    // what the halls' links need today; switching is this one line.
    #[allow(deprecated)]
    let provider = rustls::crypto::ring::default_provider();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(provider))
        .with_safe_default_protocol_versions()
        .and_then(|builder| builder.with_no_client_auth().with_single_cert(chain, private))
        .map_err(|e| bad("证书或私钥", "certificate or key", cert, &e))?;
    Ok(RustlsConfig::from_config(Arc::new(config)))
}

/// Serves the centre on `listener` (HTTPS with `tls`) until `shutdown`
/// completes.
pub async fn serve(
    pool: Pool,
    listener: tokio::net::TcpListener,
    tls: Option<RustlsConfig>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = app(Central::new(pool, listener.local_addr()?.ip().is_loopback()));
    let Some(tls) = tls else {
        return axum::serve(listener, app).with_graceful_shutdown(shutdown).await;
    };
    let handle = axum_server::Handle::new();
    let stop = handle.clone();
    tokio::spawn(async move {
        shutdown.await;
        stop.graceful_shutdown(Some(Duration::from_secs(5)));
    });
    axum_server::from_tcp_rustls(listener.into_std()?, tls)?.handle(handle).serve(app.into_make_service()).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_only_on_loopback_and_tls_anywhere() {
        for (addr, tls, ok) in [
            ("127.0.0.1:8791", false, true),
            ("[::1]:8791", false, true),
            ("0.0.0.0:8791", false, false),
            ("192.0.2.7:8791", false, false),
            ("0.0.0.0:8791", true, true),
        ] {
            assert_eq!(check_listen(addr.parse().unwrap(), tls).is_ok(), ok, "{addr} tls {tls}");
        }
    }
}
