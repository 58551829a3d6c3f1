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
//!   one, only on a loopback listener (403 elsewhere);
//! - `GET /central/v1/reports/cases?from=&to=&county=&hall=` → the
//!   commitments report of those halls (`hallq report --cases`'s JSON,
//!   the hall's `CaseReport`), judged now; the same viewers' rules;
//! - `GET /central/v1/reports/follow-ups?from=&to=&county=&hall=` → per
//!   hall, its follow-ups of low ratings as its overview lists them
//!   (done, overdue, open and the first of them); the same viewers' rules;
//! - `GET /central/v1/targets` → the targets reports mark rows against
//!   (the hall's defaults: the centre has no targets of its own yet);
//! - `GET /central/v1/reports/kpis/export?…&format=xlsx|csv` → the same
//!   report as a file: CSV of the grouping asked for, or the bureau's
//!   workbook (`hallq_report::xlsx_sheets`: a summary, then the grouping
//!   asked for and every other hall grouping, each a sheet; a sheet by
//!   county when the viewer sees more than one county (first when asked
//!   by county); the commitments sheet when cases were opened);
//! - `POST /central/v1/import` (a user's token, an exchange file as the
//!   body) → what [`crate::import`] did: a province manager imports any
//!   hall's file; a county manager only a hall of their county or one the
//!   centre does not know yet (registered in their county);
//! - `GET /central` → the centre's page (login, reports, downloads,
//!   upload), from the same built UI as the hall's pages.
//!
//! Plain HTTP is served only on a loopback address ([`check_listen`]):
//! keys would travel in the clear otherwise. With a certificate and its key
//! ([`tls_config`]: PEM files, rustls with ring) the centre serves HTTPS on
//! any address.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::rejection::BytesRejection;
use axum::extract::rejection::QueryRejection;
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use axum_server::tls_rustls::RustlsConfig;
use deadpool_postgres::Pool;
use futures_util::TryStreamExt;
use hallq_core::{Millis, Targets};
use hallq_store::GroupBy;
use tokio::io::AsyncWriteExt;
use uuid::Uuid;

use crate::enrol::{self, EnrolRequest, Enrolled};
use crate::error::{CentralError, Result};
use crate::import::{self, Imported};
use crate::ingest::{self, MAX_BATCH_BYTES};
use crate::report::{self, CentralBy, CentralQuery};
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
        .route("/central/v1/reports/kpis/export", get(export_kpis))
        .route("/central/v1/reports/cases", get(report_cases))
        .route("/central/v1/reports/follow-ups", get(report_follow_ups))
        .route("/central/v1/targets", get(|| async { Json(targets()) }))
        // An upload streams to a temporary file, bounded by its own limit.
        .route("/central/v1/import", post(import_upload).layer(DefaultBodyLimit::disable()))
        .merge(hallq_server::ui_router(PAGES))
        .fallback(|| async { CentralError::NoRoute })
        // A compressed batch is smaller than its uncompressed limit.
        .layer(DefaultBodyLimit::max(MAX_BATCH_BYTES))
        .with_state(state)
}

/// The centre's page: `/central`, from the built UI's `central` folder.
const PAGES: &[(&str, &str)] = &[("/central", "central")];

/// The largest exchange file an upload takes. `hallq demo`'s 90 days
/// export to 2.8 MB (84,688 events), so a hall's year is about 11 MB:
/// this leaves room for a hall fourteen times as busy.
pub const MAX_IMPORT_BYTES: u64 = 160 * 1024 * 1024;

/// The bureau's targets the reports mark: not configured at the centre
/// yet, so the hall's defaults (as `hallq central report`).
fn targets() -> Targets {
    Targets::default()
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

/// The report's query string: the `hallq central report` flags (and, for
/// an export, the file's format).
#[derive(Debug, serde::Deserialize)]
struct ReportParams {
    from: Option<String>,
    to: Option<String>,
    by: Option<String>,
    county: Option<String>,
    hall: Option<String>,
    format: Option<String>,
}

async fn login(State(state): State<Central>, raw: std::result::Result<Bytes, BytesRejection>) -> Result<Json<Session>> {
    let login: Login = serde_json::from_slice(&body(raw)?).map_err(|e| CentralError::BadRequest {
        zh: format!("登录请求应为 {{name, password}}（{e}）"),
        en: format!("a login is {{name, password}} ({e})"),
    })?;
    Ok(Json(users::login(&state.pool, &login, now()).await?))
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "))
}

/// Who may see which halls: a user's token limits a county manager to
/// their county; without a token, only a loopback listener answers.
async fn viewer_county(state: &Central, headers: &HeaderMap, asked: Option<String>) -> Result<Option<String>> {
    let Some(token) = bearer(headers) else {
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

/// The query a report route asks, with the viewer's county applied.
async fn report_query(
    state: &Central,
    headers: &HeaderMap,
    params: std::result::Result<Query<ReportParams>, QueryRejection>,
) -> Result<(CentralQuery, Option<String>)> {
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
        county: viewer_county(state, headers, p.county).await?,
        hall: p.hall,
    };
    Ok((q, p.format))
}

async fn report_kpis(
    State(state): State<Central>,
    headers: HeaderMap,
    params: std::result::Result<Query<ReportParams>, QueryRejection>,
) -> Result<Json<serde_json::Value>> {
    let (q, _) = report_query(&state, &headers, params).await?;
    let report = report::kpis(&state.pool, &q).await?;
    Ok(Json(report::to_json(&report, q.by)))
}

async fn report_cases(
    State(state): State<Central>,
    headers: HeaderMap,
    params: std::result::Result<Query<ReportParams>, QueryRejection>,
) -> Result<Json<hallq_store::CaseReport>> {
    let (q, _) = report_query(&state, &headers, params).await?;
    Ok(Json(report::cases(&state.pool, &q, now()).await?))
}

async fn report_follow_ups(
    State(state): State<Central>,
    headers: HeaderMap,
    params: std::result::Result<Query<ReportParams>, QueryRejection>,
) -> Result<Json<report::FollowUpsReport>> {
    let (q, _) = report_query(&state, &headers, params).await?;
    Ok(Json(report::follow_ups(&state.pool, &q, now(), hallq_store::FOLLOW_UP_ITEMS).await?))
}

/// The report as a CSV of its grouping or as the bureau's workbook.
async fn export_kpis(
    State(state): State<Central>,
    headers: HeaderMap,
    params: std::result::Result<Query<ReportParams>, QueryRejection>,
) -> Result<Response> {
    let (q, format) = report_query(&state, &headers, params).await?;
    let failed = |e: &dyn std::fmt::Display| CentralError::Internal(format!("writing the report file: {e}"));
    let (bytes, mime, ext) = match format.as_deref().unwrap_or("xlsx") {
        "csv" => {
            let report = report::kpis(&state.pool, &q).await?;
            (hallq_report::csv(&report, &targets()).map_err(|e| failed(&e))?, "text/csv; charset=utf-8", "csv")
        }
        "xlsx" => {
            let bytes = workbook(&state.pool, &q).await?;
            (bytes, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx")
        }
        other => {
            return Err(CentralError::BadRequest {
                zh: format!("格式须为 csv 或 xlsx（不是“{other}”）"),
                en: format!("the format is csv or xlsx (got '{other}')"),
            });
        }
    };
    let name = format!("hallq-central-{}-{}-{}.{ext}", q.by.as_str(), q.from, q.to);
    let mut r = bytes.into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(r)
}

/// The bureau's workbook of a query: the hall groupings (the one asked
/// first), by county when the query covers more than one county (a
/// county manager's never does), and the commitments judged now.
async fn workbook(pool: &Pool, q: &CentralQuery) -> Result<Vec<u8>> {
    let several = q.hall.is_none();
    let first = match q.by {
        CentralBy::Hall(by) => by,
        CentralBy::County => GroupBy::Hall,
    };
    let mut reports = Vec::new();
    for by in hallq_report::sheets(first, several) {
        reports.push(report::kpis(pool, &CentralQuery { by: CentralBy::Hall(by), ..q.clone() }).await?);
    }
    let counties = match (&q.hall, &q.county) {
        (None, None) => Some(report::kpis(pool, &CentralQuery { by: CentralBy::County, ..q.clone() }).await?),
        _ => None,
    }
    .filter(|r| r.groups.len() > 1);
    let mut sheets: Vec<hallq_report::KpiSheet<'_>> = reports.iter().map(hallq_report::KpiSheet::of).collect();
    if let Some(r) = &counties {
        let sheet = hallq_report::KpiSheet { name: COUNTY_SHEET.to_string(), report: r, ranked: false };
        let at = if q.by == CentralBy::County { 0 } else { sheets.len() };
        sheets.insert(at, sheet);
    }
    let cases = Some(report::cases(pool, q, now()).await?).filter(|c| c.total.opened > 0);
    let halls = match (&q.hall, &q.county) {
        (Some(h), _) => h.clone(),
        (None, Some(c)) => c.clone(),
        (None, None) => "所有营业厅 all halls".to_string(),
    };
    let targets = targets();
    let scope = hallq_report::Scope { halls: &halls, from: q.from, to: q.to, targets: &targets };
    hallq_report::xlsx_sheets(&scope, &sheets, None, cases.as_ref())
        .map_err(|e| CentralError::Internal(format!("writing the report file: {e}")))
}

/// The name of the workbook's sheet by county.
pub const COUNTY_SHEET: &str = "按县 By county";

/// An uploaded exchange file imported as `hallq central import` imports
/// it. The body streams to a temporary file (at most
/// [`MAX_IMPORT_BYTES`]); a county manager imports only a hall of their
/// county, or a hall the centre does not know (it joins their county).
async fn import_upload(State(state): State<Central>, headers: HeaderMap, body: Body) -> Result<Json<Imported>> {
    let role = users::authenticate(&state.pool, bearer(&headers).ok_or(CentralError::SessionUnknown)?, now()).await?;
    let io = |e: std::io::Error| CentralError::Internal(format!("storing an upload: {e}"));
    let temp = tempfile::NamedTempFile::new().map_err(io)?;
    let mut file = tokio::fs::File::from_std(temp.reopen().map_err(io)?);
    let mut stream = body.into_data_stream();
    let mut size = 0u64;
    while let Some(chunk) = stream.try_next().await.map_err(|e| CentralError::BadRequest {
        zh: format!("上传中断（{e}）"),
        en: format!("the upload broke off ({e})"),
    })? {
        size += chunk.len() as u64;
        if size > MAX_IMPORT_BYTES {
            return Err(CentralError::FileTooLarge);
        }
        file.write_all(&chunk).await.map_err(io)?;
    }
    file.flush().await.map_err(io)?;
    drop(file);
    let county = match role {
        Role::Province => None,
        Role::County(own) => {
            import::check_county(&state.pool, temp.path(), &own).await?;
            Some(own)
        }
    };
    Ok(Json(import::import_file(&state.pool, temp.path(), county.as_deref(), now()).await?))
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
