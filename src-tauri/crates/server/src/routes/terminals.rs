//! Pairing and revoking terminals: the supervisor asks for a 6-digit code
//! for a role (and counter), the terminal exchanges it once for a token;
//! the supervisor lists terminals and revokes them (the token stops working
//! at once, the server's cache included, and its open streams close).
//! Pairing codes are counted per source address by the store, before they
//! are looked at, and the counts outlive a restart.

use axum::extract::State;
use axum::http::StatusCode;
use hallq_store::hallq_core::{CoreError, text};
use hallq_store::{AttemptKind, AttemptLimit, PairingCode, PinOrigin, Terminal};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::session::limit;
use crate::auth::Role;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{Json, Path};
use crate::source::Source;
use crate::state::AppState;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_code))
        .routes(routes!(pair))
        .routes(routes!(list))
        .routes(routes!(revoke))
}

/// A pairing code for a new terminal, valid ten minutes.
#[utoipa::path(
    post, path = "/api/v1/pairing-codes", tag = "terminals",
    security(("token" = ["manage_terminals"])),
    request_body = PairingRequest,
    responses((status = 201, body = PairingCodeDto), (status = "4XX", body = ErrorBody))
)]
async fn create_code(
    State(state): State<AppState>,
    Json(req): Json<PairingRequest>,
) -> ApiResult<(StatusCode, Json<PairingCodeDto>)> {
    let name = req.name.trim().to_string();
    check_pairing(&req, &name)?;
    if let Some(n) = req.counter {
        let known = state.read(|r, hall| r.counters(hall)).await?.iter().any(|c| c.number == n);
        if !known {
            return Err(CoreError::UnknownCounter(n).into());
        }
    }
    let now = state.now();
    let (role, counter) = (req.role.as_str(), req.counter);
    let code = state.blocking(move |store, hall| store.create_pairing_code(hall, role, counter, &name, now)).await?;
    Ok((StatusCode::CREATED, Json(code.into())))
}

/// A role is paired with a counter exactly when it is bound to one; a
/// supervisor is never paired (they log in with staff number and PIN).
fn check_pairing(req: &PairingRequest, name: &str) -> ApiResult<()> {
    if req.role == Role::Supervisor {
        return Err(ApiError::invalid(
            "值班长不配对终端，请用工号和 PIN 登录",
            "supervisors are not paired; they log in with staff number and PIN",
        ));
    }
    if req.role.has_counter() != req.counter.is_some() {
        return Err(ApiError::invalid(
            "窗口终端和评价器须指定窗口号，其他终端不能指定",
            "counter and rating_pad terminals need a counter; other roles take none",
        ));
    }
    text::check(&text::TERMINAL_NAME, name)?;
    Ok(())
}

/// Exchange a pairing code, once, for this terminal's token.
#[utoipa::path(
    post, path = "/api/v1/pair", tag = "terminals",
    security(()),
    request_body = PairRequest,
    responses(
        (status = 201, body = TokenDto),
        (status = "4XX", description = "Unknown, used or expired code (404); too many codes tried from this machine or the whole LAN in the last minute (429)", body = ErrorBody),
    )
)]
async fn pair(
    State(state): State<AppState>,
    source: Source,
    Json(req): Json<PairRequest>,
) -> ApiResult<(StatusCode, Json<TokenDto>)> {
    let now = state.now();
    let limit = AttemptLimit {
        per_source: limit(state.config().pairing_attempts_per_minute),
        per_hall: limit(state.config().pairing_attempts_per_hall_per_minute),
    };
    let key = source.key();
    let lan = source.origin() == PinOrigin::Lan;
    let (terminal, token) = state
        .blocking(move |store, hall| {
            // Counted before the code is looked at, so a burst gets no more
            // tries than the limit. The hall PC itself (loopback) is not
            // limited, as for PINs: whoever runs there already holds the
            // database.
            if lan && !store.admit_attempt(hall, AttemptKind::Pairing, &key, limit, now)? {
                return Ok(None);
            }
            store.redeem_pairing_code(hall, &req.code, now).map(Some)
        })
        .await?
        .ok_or(ApiError::TooManyPairingAttempts)?;
    tracing::info!(terminal = %terminal.id, role = %terminal.role, "terminal paired");
    Ok((StatusCode::CREATED, Json(TokenDto { token, terminal: terminal.into() })))
}

/// Every terminal and session of the hall, newest first, revoked ones included.
#[utoipa::path(
    get, path = "/api/v1/terminals", operation_id = "list_terminals", tag = "terminals",
    security(("token" = ["manage_terminals"])),
    responses((status = 200, body = Vec<TerminalDto>), (status = "4XX", body = ErrorBody))
)]
async fn list(State(state): State<AppState>) -> ApiResult<Json<Vec<TerminalDto>>> {
    let terminals = state.read(|r, hall| r.terminals(hall)).await?;
    Ok(Json(terminals.into_iter().map(Into::into).collect()))
}

/// Revoke a terminal: its token stops working now and its open streams
/// close (code 4001, reason `terminal_revoked`).
#[utoipa::path(
    delete, path = "/api/v1/terminals/{id}", tag = "terminals",
    security(("token" = ["manage_terminals"])),
    params(("id" = Uuid, Path, description = "terminal id")),
    responses((status = 204, description = "Revoked"), (status = "4XX", body = ErrorBody))
)]
async fn revoke(State(state): State<AppState>, Path(id): Path<Uuid>) -> ApiResult<StatusCode> {
    let now = state.now();
    state.blocking(move |store, hall| store.revoke_terminal(hall, id, now)).await?;
    state.terminal_revoked(id);
    tracing::info!(terminal = %id, "terminal revoked");
    Ok(StatusCode::NO_CONTENT)
}

// ---------------------------------------------------------------- wire types

/// A paired terminal or a supervisor session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TerminalDto {
    /// Id.
    pub id: Uuid,
    /// Role: kiosk, counter, display, rating_pad, board or supervisor.
    pub role: String,
    /// Its counter (counter, rating pad).
    pub counter: Option<u32>,
    /// Name; for a supervisor session, the staff number.
    pub name: String,
    /// Paired, UTC ms.
    pub created_at: i64,
    /// The token stops working by itself then (sessions), UTC ms.
    pub expires_at: Option<i64>,
    /// Revoked, UTC ms.
    pub revoked_at: Option<i64>,
}

impl From<Terminal> for TerminalDto {
    fn from(t: Terminal) -> Self {
        Self {
            id: t.id,
            role: t.role,
            counter: t.counter,
            name: t.name,
            created_at: t.created_at,
            expires_at: t.expires_at,
            revoked_at: t.revoked_at,
        }
    }
}

/// A pairing code for a new terminal.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PairingCodeDto {
    /// Six digits, typed on the terminal.
    pub code: String,
    /// The role it grants.
    pub role: String,
    /// Its counter.
    pub counter: Option<u32>,
    /// The terminal's name.
    pub name: String,
    /// Valid until, UTC ms.
    pub expires_at: i64,
}

impl From<PairingCode> for PairingCodeDto {
    fn from(c: PairingCode) -> Self {
        Self { code: c.code, role: c.role, counter: c.counter, name: c.name, expires_at: c.expires_at }
    }
}

/// A token and what it is: the answer of pairing, setup and supervisor login.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TokenDto {
    /// Send as `Authorization: Bearer <token>`; shown only now.
    pub token: String,
    /// The terminal or session.
    pub terminal: TerminalDto,
}

/// Ask for a pairing code.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PairingRequest {
    /// kiosk, counter, display, rating_pad or board (supervisors log in instead).
    pub role: Role,
    /// The counter, for counter and rating_pad.
    #[serde(default)]
    pub counter: Option<u32>,
    /// A name the supervisor recognises, 1–64 characters.
    pub name: String,
}

/// Exchange a pairing code.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PairRequest {
    /// The six digits.
    pub code: String,
}
