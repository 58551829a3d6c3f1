//! `/api/v1/health` (is the server up, does the hall still need its
//! first-run setup) and `/api/v1/openapi.json` (this API's document).

use axum::Extension;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::session::admin;
use crate::ApiDocument;
use crate::dto::HealthDto;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::Json;
use crate::state::AppState;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(health)).routes(routes!(openapi))
}

/// The server is up; `needs_setup` says whether the admin PIN must still be set.
#[utoipa::path(
    get, path = "/api/v1/health", tag = "meta",
    security(()),
    responses((status = 200, body = HealthDto), (status = "4XX", body = ErrorBody))
)]
async fn health(State(state): State<AppState>) -> ApiResult<Json<HealthDto>> {
    let needs_setup = match admin(&state).await? {
        Some(a) => !state.blocking(move |store, hall| store.has_pin(hall, &a.number)).await?,
        None => false,
    };
    Ok(Json(HealthDto { status: "ok".into(), version: env!("CARGO_PKG_VERSION").into(), needs_setup }))
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
