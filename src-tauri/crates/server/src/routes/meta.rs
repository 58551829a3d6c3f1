//! `/api/v1/health` (is the server up, can it write its database, does the
//! hall still need its first-run setup), `/api/v1/backup` (the backups, for
//! the board) and `/api/v1/openapi.json` (this API's document).

use axum::Extension;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::session::admin;
use crate::ApiDocument;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::Json;
use crate::state::AppState;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(health)).routes(routes!(backup)).routes(routes!(openapi))
}

/// The server is up; `status` says whether its database can be written
/// (`disk_full`, `database_damaged`, with `problem` in words) and
/// `needs_setup` whether the admin PIN must still be set.
#[utoipa::path(
    get, path = "/api/v1/health", tag = "meta",
    security(()),
    responses((status = 200, body = HealthDto), (status = "4XX", body = ErrorBody))
)]
async fn health(State(state): State<AppState>) -> ApiResult<Json<HealthDto>> {
    let setup = async {
        Ok::<_, ApiError>(match admin(&state).await? {
            Some(a) => !state.blocking(move |store, hall| store.has_pin(hall, &a.number)).await?,
            None => false,
        })
    };
    // A damaged file may fail the reads: then the fault is the answer.
    let needs_setup = setup.await;
    let engine = state.engine().clone();
    let fault = tokio::task::spawn_blocking(move || engine.fault()).await.ok().flatten();
    let version = env!("CARGO_PKG_VERSION").into();
    let Some(fault) = fault else {
        return Ok(Json(HealthDto { status: "ok".into(), version, needs_setup: needs_setup?, problem: None }));
    };
    let problem = ApiError::from(fault.error()).body();
    Ok(Json(HealthDto {
        status: problem.code.clone(),
        version,
        needs_setup: needs_setup.unwrap_or(false),
        problem: Some(problem),
    }))
}

/// The backups: the folder, the last good backup, the last failure, and
/// whether the board should warn.
#[utoipa::path(
    get, path = "/api/v1/backup", tag = "meta",
    security(("token" = ["read_settings"])),
    responses((status = 200, body = BackupDto), (status = "4XX", body = ErrorBody))
)]
async fn backup(State(state): State<AppState>) -> ApiResult<Json<BackupDto>> {
    let s = state.clone();
    let b = tokio::task::spawn_blocking(move || s.backups().status(s.store().path(), s.now()))
        .await
        .map_err(|e| ApiError::Internal(format!("backup status task failed: {e}")))?;
    Ok(Json(BackupDto {
        dir: b.dir.display().to_string(),
        dir_exists: b.dir_exists,
        last_good: b.last_good.map(|r| BackupFileDto { file: r.file.display().to_string(), at: r.at, bytes: r.bytes }),
        last_error: b.last_error.map(|(_, zh, en)| ErrorBody {
            code: "backup_failed".into(),
            message_zh: zh,
            message_en: en,
        }),
        warning: b.warning,
    }))
}

/// This API's OpenAPI 3 document.
#[utoipa::path(
    get, path = "/api/v1/openapi.json", tag = "meta",
    security(()),
    responses((status = 200, description = "The OpenAPI document", content_type = "application/json"))
)]
async fn openapi(Extension(doc): Extension<ApiDocument>) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], doc.0.as_str().to_owned())
}

// ---------------------------------------------------------------- wire types

/// The server is up, and whether its database can be written.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct HealthDto {
    /// `ok`; `disk_full` (commands answer 507 until space is freed; it
    /// clears by itself) or `database_damaged` (the server writes nothing
    /// more; restore the last good backup).
    pub status: String,
    /// The server's version.
    pub version: String,
    /// Whether the first-run setup still has to be done.
    pub needs_setup: bool,
    /// What is wrong, in both languages, when `status` is not `ok`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem: Option<crate::error::ErrorBody>,
}

/// The hall's backups, for the board.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BackupDto {
    /// The backup folder.
    pub dir: String,
    /// Whether the folder exists (a USB stick not plugged in: `false`).
    pub dir_exists: bool,
    /// The last good (made and verified) backup.
    pub last_good: Option<BackupFileDto>,
    /// The last attempt's failure, when it failed.
    pub last_error: Option<crate::error::ErrorBody>,
    /// Whether the board warns: the folder is missing, the last attempt
    /// failed, or there is no good backup of the last two days.
    pub warning: bool,
}

/// One backup file.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BackupFileDto {
    /// The file.
    pub file: String,
    /// When it was made, UTC ms.
    pub at: i64,
    /// Its size, bytes.
    pub bytes: u64,
}
