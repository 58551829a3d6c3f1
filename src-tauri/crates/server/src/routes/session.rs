//! First-run setup and supervisor sessions.
//!
//! There is no default password: until the admin (the staff member with the
//! admin role, `0001` in a new hall) has a PIN, `POST /api/v1/setup` sets it
//! and opens a session; afterwards it answers 409. A supervisor or admin
//! opens a 12-hour session with staff number and PIN; the session is a
//! terminal of role `supervisor` whose name is the staff number, so what
//! they do is logged as that staff member.

use axum::extract::State;
use axum::http::StatusCode;
use hallq_store::hallq_core::{Staff, StaffRole};
use hallq_store::{AttemptKind, AttemptLimit, PinCheck, PinOrigin, StoreError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::auth::{Caller, Role};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::Json;
use crate::routes::counters::StaffLogin;
use crate::routes::terminals::TokenDto;
use crate::source::Source;
use crate::state::AppState;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(setup)).routes(routes!(login, logout)).routes(routes!(me))
}

/// First run: set the admin's PIN and get a supervisor session. Only while
/// no admin PIN exists.
#[utoipa::path(
    post, path = "/api/v1/setup", tag = "session",
    security(()),
    request_body = SetupRequest,
    responses(
        (status = 201, body = TokenDto),
        (status = "4XX", description = "Already set up (409), PIN not 4-12 digits (422)", body = ErrorBody),
    )
)]
async fn setup(
    State(state): State<AppState>,
    Json(req): Json<SetupRequest>,
) -> ApiResult<(StatusCode, Json<TokenDto>)> {
    let _only_one = state.setup_lock().lock().await;
    let admin = admin(&state).await?.ok_or(ApiError::NoAdmin)?;
    let number = admin.number.clone();
    if state.blocking(move |store, hall| store.has_pin(hall, &number)).await? {
        return Err(ApiError::AlreadySetUp);
    }
    let number = admin.number.clone();
    state.blocking(move |store, hall| store.set_staff_pin(hall, &number, &req.pin)).await?;
    tracing::info!(staff = %admin.number, "first-run setup: admin PIN set");
    open_session(&state, admin.number).await
}

/// A supervisor or admin logs in: a session token valid 12 hours.
#[utoipa::path(
    post, path = "/api/v1/session", operation_id = "start_session", tag = "session",
    security(()),
    request_body = StaffLogin,
    responses(
        (status = 201, body = TokenDto),
        (status = "4XX", description = "Wrong staff number or PIN (401, the same for an unknown number), not a supervisor (403), locked, too many tries from this machine or checks busy (429)", body = ErrorBody),
    )
)]
async fn login(
    State(state): State<AppState>,
    source: Source,
    Json(req): Json<StaffLogin>,
) -> ApiResult<(StatusCode, Json<TokenDto>)> {
    verify_pin(&state, source, &req.staff, &req.pin).await?;
    let staff = state.read(|r, hall| r.staff(hall)).await?;
    let ok = staff
        .iter()
        .any(|s| s.number == req.staff && s.active && matches!(s.role, StaffRole::Supervisor | StaffRole::Admin));
    if !ok {
        return Err(ApiError::NotSupervisor);
    }
    open_session(&state, req.staff).await
}

/// End this supervisor session: its token stops working.
#[utoipa::path(
    delete, path = "/api/v1/session", operation_id = "end_session", tag = "session",
    security(("token" = ["end_session"])),
    responses((status = 204, description = "Ended"), (status = "4XX", body = ErrorBody))
)]
async fn logout(State(state): State<AppState>, caller: Caller) -> ApiResult<StatusCode> {
    let now = state.now();
    let id = caller.terminal;
    state.blocking(move |store, hall| store.revoke_terminal(hall, id, now)).await?;
    state.terminal_revoked(id);
    Ok(StatusCode::NO_CONTENT)
}

/// Who this token is: role, counter, name.
#[utoipa::path(
    get, path = "/api/v1/me", tag = "session",
    security(("token" = ["who_am_i"])),
    responses((status = 200, body = MeDto), (status = "4XX", body = ErrorBody))
)]
async fn me(State(state): State<AppState>, caller: Caller) -> Json<MeDto> {
    Json(MeDto {
        terminal: caller.terminal,
        role: caller.role,
        counter: caller.counter,
        name: caller.name,
        hall: state.hall(),
    })
}

/// The hall's admin: the first active staff member with the admin role.
pub(super) async fn admin(state: &AppState) -> ApiResult<Option<Staff>> {
    let staff = state.read(|r, hall| r.staff(hall)).await?;
    Ok(staff.into_iter().find(|s| s.active && s.role == StaffRole::Admin))
}

/// Checks a staff PIN now. At most a few checks run at once (argon2 is
/// costly; beyond a short queue they are refused at once), a LAN machine
/// gets a few tries a minute whatever the numbers, and wrong ones count
/// towards the five-try lock of the number at that origin (the hall PC
/// has its own). An unknown number answers exactly like a wrong PIN.
pub(super) async fn verify_pin(state: &AppState, source: Source, staff: &str, pin: &str) -> ApiResult<()> {
    let _turn = state.pins().enter().await?;
    let now = state.now();
    let origin = source.origin();
    if origin == PinOrigin::Lan {
        let limit = AttemptLimit {
            per_source: limit(state.config().pin_attempts_per_minute),
            per_hall: limit(state.config().pin_attempts_per_hall_per_minute),
        };
        let key = source.key();
        let admitted =
            state.blocking(move |store, hall| store.admit_attempt(hall, AttemptKind::Pin, &key, limit, now)).await?;
        if !admitted {
            return Err(ApiError::TooManyPinAttempts);
        }
    }
    let (number, pin) = (staff.to_string(), pin.to_string());
    let check = state.blocking(move |store, hall| store.check_staff_pin_from(hall, &number, &pin, origin, now)).await?;
    match check {
        PinCheck::Ok => Ok(()),
        PinCheck::Wrong { remaining } => Err(ApiError::WrongPin { remaining }),
        PinCheck::Locked { until } => Err(StoreError::StaffLocked { staff: staff.to_string(), until }.into()),
    }
}

/// A configured per-minute limit as the store counts it.
pub(super) fn limit(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// A new supervisor session for a staff member.
async fn open_session(state: &AppState, staff: String) -> ApiResult<(StatusCode, Json<TokenDto>)> {
    let now = state.now();
    let ttl = i64::try_from(state.config().session_ttl.as_millis()).unwrap_or(i64::MAX / 2);
    let (terminal, token) = state
        .blocking(move |store, hall| {
            store.create_terminal(hall, Role::Supervisor.as_str(), None, &staff, now, Some(now.saturating_add(ttl)))
        })
        .await?;
    Ok((StatusCode::CREATED, Json(TokenDto { token, terminal: terminal.into() })))
}

// ---------------------------------------------------------------- wire types

/// The caller itself.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MeDto {
    /// The terminal's id.
    pub terminal: Uuid,
    /// Its role.
    pub role: Role,
    /// Its counter.
    pub counter: Option<u32>,
    /// Its name.
    pub name: String,
    /// The hall.
    pub hall: Uuid,
}

/// The first-run admin PIN.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetupRequest {
    /// 4–12 digits.
    pub pin: String,
}
