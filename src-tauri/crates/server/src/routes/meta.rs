//! `/api/v1/health` (is the server up, can it write its database, does the
//! hall still need its first-run setup), `/api/v1/backup` (the backups, for
//! the board) and `/api/v1/openapi.json` (this API's document).

use axum::Extension;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::session::admin;
use crate::ApiDocument;
use crate::dto::{BackupDto, BackupFileDto, HealthDto};
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
