//! `/api/v1/settings`: the supervisor's configuration of the hall — the hall
//! itself (name, rollover hour, opening hours, recalls, notices), services,
//! counters (services served, routing policy, priority mix), staff and PINs.
//!
//! Every change is a command through the engine (`ConfigureHall`,
//! `DefineService`, `DefineCounter`, `DefineStaff`), so it is validated by
//! the domain and logged like any other event; only PINs, which are secrets
//! and never events, go straight to the store.

use axum::extract::State;
use axum::http::StatusCode;
use hallq_store::StoreError;
use hallq_store::hallq_core::Command;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::dto::{
    CommandAnswer, CounterSettings, HallSettings, PinRequest, ServiceSettings, SettingsDto, StaffDto, StaffSettings,
};
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{IdempotencyKey, Json, Path};
use crate::state::AppState;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(settings))
        .routes(routes!(hall))
        .routes(routes!(service))
        .routes(routes!(counter))
        .routes(routes!(staff))
        .routes(routes!(pin))
}

/// The hall's whole configuration.
#[utoipa::path(
    get, path = "/api/v1/settings", tag = "settings",
    security(("token" = ["read_settings"])),
    responses((status = 200, body = SettingsDto), (status = "4XX", body = ErrorBody))
)]
async fn settings(State(state): State<AppState>) -> ApiResult<Json<SettingsDto>> {
    let now = state.now();
    let dto = state
        .blocking(move |store, id| {
            let r = store.reader()?;
            let hall = r.halls()?.into_iter().find(|h| h.id == id).ok_or(StoreError::UnknownHall(id.to_string()))?;
            let status = r.status(id, now)?;
            let mut staff = Vec::new();
            for s in r.staff(id)? {
                let has_pin = store.has_pin(id, &s.number)?;
                staff.push(StaffDto { number: s.number, name: s.name, role: s.role.into(), active: s.active, has_pin });
            }
            Ok(SettingsDto {
                hall: hall.into(),
                services: status.services.into_iter().map(|s| s.service.into()).collect(),
                counters: r.counters(id)?.into_iter().map(|c| c.config().into()).collect(),
                staff,
            })
        })
        .await?;
    Ok(Json(dto))
}

/// Change the hall's settings and notices (the id stays).
#[utoipa::path(
    put, path = "/api/v1/settings/hall", tag = "settings",
    security(("token" = ["change_settings"])),
    params(crate::extract::IdempotencyHeader),
    request_body = HallSettings,
    responses((status = 200, body = CommandAnswer), (status = "4XX", body = ErrorBody))
)]
async fn hall(
    State(state): State<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    Json(req): Json<HallSettings>,
) -> ApiResult<Json<CommandAnswer>> {
    let current = state
        .read(|r, hall| r.halls()?.into_iter().find(|h| h.id == hall).ok_or(StoreError::UnknownHall(hall.to_string())))
        .await?;
    let cmd = Command::ConfigureHall { hall: req.into_hall(state.hall(), &current)? };
    Ok(Json(state.execute(caller.actor(), cmd, key.scoped(&caller)).await?.into()))
}

/// Add or change a service.
#[utoipa::path(
    put, path = "/api/v1/settings/services/{code}", tag = "settings",
    security(("token" = ["change_settings"])),
    params(("code" = String, Path, description = "service code, e.g. PAY"), crate::extract::IdempotencyHeader),
    request_body = ServiceSettings,
    responses((status = 200, body = CommandAnswer), (status = "4XX", body = ErrorBody))
)]
async fn service(
    State(state): State<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    Path(code): Path<String>,
    Json(req): Json<ServiceSettings>,
) -> ApiResult<Json<CommandAnswer>> {
    let cmd = Command::DefineService { service: req.into_service(code)? };
    Ok(Json(state.execute(caller.actor(), cmd, key.scoped(&caller)).await?.into()))
}

/// Add or change a counter: its services, routing policy and priority mix.
#[utoipa::path(
    put, path = "/api/v1/settings/counters/{number}", tag = "settings",
    security(("token" = ["change_settings"])),
    params(("number" = u32, Path, description = "counter number"), crate::extract::IdempotencyHeader),
    request_body = CounterSettings,
    responses((status = 200, body = CommandAnswer), (status = "4XX", body = ErrorBody))
)]
async fn counter(
    State(state): State<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    Path(number): Path<u32>,
    Json(req): Json<CounterSettings>,
) -> ApiResult<Json<CommandAnswer>> {
    let cmd = Command::DefineCounter { counter: req.into_config(number) };
    Ok(Json(state.execute(caller.actor(), cmd, key.scoped(&caller)).await?.into()))
}

/// Add or change a staff member.
#[utoipa::path(
    put, path = "/api/v1/settings/staff/{number}", tag = "settings",
    security(("token" = ["change_settings"])),
    params(("number" = String, Path, description = "staff number (工号)"), crate::extract::IdempotencyHeader),
    request_body = StaffSettings,
    responses((status = 200, body = CommandAnswer), (status = "4XX", body = ErrorBody))
)]
async fn staff(
    State(state): State<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    Path(number): Path<String>,
    Json(req): Json<StaffSettings>,
) -> ApiResult<Json<CommandAnswer>> {
    let cmd = Command::DefineStaff { staff: req.into_staff(number) };
    Ok(Json(state.execute(caller.actor(), cmd, key.scoped(&caller)).await?.into()))
}

/// Set a staff member's PIN (4–12 digits); clears a lock.
#[utoipa::path(
    put, path = "/api/v1/settings/staff/{number}/pin", tag = "settings",
    security(("token" = ["change_settings"])),
    params(("number" = String, Path, description = "staff number (工号)")),
    request_body = PinRequest,
    responses((status = 204, description = "Set"), (status = "4XX", body = ErrorBody))
)]
async fn pin(
    State(state): State<AppState>,
    Path(number): Path<String>,
    Json(req): Json<PinRequest>,
) -> ApiResult<StatusCode> {
    state.blocking(move |store, hall| store.set_staff_pin(hall, &number, &req.pin)).await?;
    Ok(StatusCode::NO_CONTENT)
}
