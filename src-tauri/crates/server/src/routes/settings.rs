//! `/api/v1/settings`: the supervisor's configuration of the hall — the hall
//! itself (name, rollover hour, opening hours, recalls, notices), services,
//! counters (services served, routing policy, priority mix), staff (and
//! their teams) and PINs.
//!
//! Every change is a command through the engine (`ConfigureHall`,
//! `DefineService`, `DefineCounter`, `DefineStaff`), so it is validated by
//! the domain and logged like any other event; only PINs, which are secrets
//! and never events, go straight to the store.

use axum::extract::State;
use axum::http::StatusCode;
use chrono::NaiveDate;
use hallq_store::StoreError;
use hallq_store::hallq_core::counter::CounterConfig;
use hallq_store::hallq_core::{Command, Hall, RoutingOrder, RoutingPolicy, ScoreWeights, Service, Staff, StaffRole};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{IdempotencyKey, Json, Path};
use crate::state::AppState;
use crate::wire::{CommandAnswer, HallDto, OpeningHoursDto, ServiceDto, TargetsDto};

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
                staff.push(StaffDto {
                    number: s.number,
                    name: s.name,
                    role: s.role,
                    active: s.active,
                    team: s.team,
                    has_pin,
                });
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
    put, path = "/api/v1/settings/hall", operation_id = "set_hall", tag = "settings",
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

// ---------------------------------------------------------------- wire types

/// A counter's configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CounterConfigDto {
    /// Number.
    pub number: u32,
    /// Name.
    pub name: String,
    /// English name; empty when none was given.
    pub name_en: String,
    /// Services served, in preference order.
    pub services: Vec<String>,
    /// Routing policy.
    pub routing: RoutingPolicy,
}

impl From<CounterConfig> for CounterConfigDto {
    fn from(c: CounterConfig) -> Self {
        Self { number: c.number, name: c.name, name_en: c.name_en, services: c.services, routing: c.policy }
    }
}

/// A staff member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct StaffDto {
    /// Staff number (工号).
    pub number: String,
    /// Name.
    pub name: String,
    /// Role.
    pub role: StaffRole,
    /// Whether they may log in.
    pub active: bool,
    /// Their team (班组); `null` = none.
    pub team: Option<String>,
    /// Whether a PIN is set (without one they cannot log in).
    pub has_pin: bool,
}

/// The hall's whole configuration.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SettingsDto {
    /// The hall.
    pub hall: HallDto,
    /// Services in kiosk order.
    pub services: Vec<ServiceDto>,
    /// Counters by number.
    pub counters: Vec<CounterConfigDto>,
    /// Staff by number.
    pub staff: Vec<StaffDto>,
}

/// A new PIN.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PinRequest {
    /// 4–12 digits.
    pub pin: String,
}

/// The hall's settings (its id cannot change).
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HallSettings {
    /// Short code.
    pub code: String,
    /// Name.
    pub name: String,
    /// IANA time zone.
    pub time_zone: String,
    /// Local hour 0–23 at which the business day turns.
    pub rollover_hour: u8,
    /// Opening hours; `null` = any time.
    #[serde(default)]
    pub opening: Option<OpeningHoursDto>,
    /// Recalls before an automatic no-show (0–20).
    pub max_recalls: u16,
    /// Notices for the display (at most 10, each 1–200 characters).
    #[serde(default)]
    pub notices: Vec<String>,
    /// Public holidays on weekdays (not working days), for follow-up deadlines.
    #[serde(default)]
    pub holidays: Vec<NaiveDate>,
    /// Make-up working days on weekends.
    #[serde(default)]
    pub workdays: Vec<NaiveDate>,
    /// Inspection days (稽查日), sorted, each once, at most 400; absent =
    /// keep the hall's current ones.
    #[serde(default)]
    pub inspection_days: Option<Vec<NaiveDate>>,
    /// The targets reports mark; absent = keep the hall's current targets.
    #[serde(default)]
    pub targets: Option<TargetsDto>,
    /// The team scorecard's weights (each 0–1, together 1); absent = keep
    /// the hall's current weights.
    #[serde(default)]
    pub score_weights: Option<ScoreWeights>,
    /// The hall server's address for customers' phones, `http(s)://host[:port]`
    /// (the live-ticket QR code); absent or `null` = keep the current one,
    /// `""` = none (derived from the server's address).
    #[serde(default)]
    pub public_url: Option<String>,
}

impl HallSettings {
    /// The domain's hall with this id; without targets, weights, inspection
    /// days or a public URL in the request, the `current` hall's stay.
    pub fn into_hall(self, id: Uuid, current: &Hall) -> Result<Hall, ApiError> {
        let time_zone = self.time_zone.parse().map_err(|_| {
            ApiError::invalid(
                format!("时区“{}”无效（如 Asia/Shanghai）", self.time_zone),
                format!("unknown time zone '{}' (e.g. Asia/Shanghai)", self.time_zone),
            )
        })?;
        Ok(Hall {
            id,
            code: self.code,
            name: self.name,
            time_zone,
            rollover_hour: self.rollover_hour,
            opening: self.opening.map(TryInto::try_into).transpose()?,
            max_recalls: self.max_recalls,
            notices: self.notices,
            holidays: self.holidays,
            workdays: self.workdays,
            inspection_days: self.inspection_days.unwrap_or_else(|| current.inspection_days.clone()),
            targets: self.targets.map_or(current.targets, Into::into),
            score_weights: self.score_weights.unwrap_or(current.score_weights),
            public_url: match self.public_url {
                None => current.public_url.clone(),
                Some(u) if u.trim().is_empty() => None,
                Some(u) => Some(u.trim().trim_end_matches('/').to_string()),
            },
        })
    }
}

/// A service's settings (its code is in the path).
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceSettings {
    /// Ticket prefix, one capital letter.
    pub prefix: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// Target wait, minutes (1–240).
    pub target_wait_min: u32,
    /// Target handling, minutes (1–240).
    pub target_handling_min: u32,
    /// Whether the kiosk issues tickets for it (default true).
    #[serde(default = "yes")]
    pub enabled: bool,
}

fn yes() -> bool {
    true
}

impl ServiceSettings {
    /// The domain's service with this code.
    pub fn into_service(self, code: String) -> Result<Service, ApiError> {
        let mut chars = self.prefix.chars();
        let (Some(prefix), None) = (chars.next(), chars.next()) else {
            return Err(ApiError::invalid("号码前缀须为一个大写字母", "the prefix must be one capital letter"));
        };
        Ok(Service {
            code,
            prefix,
            name_zh: self.name_zh,
            name_en: self.name_en,
            target_wait_min: self.target_wait_min,
            target_handling_min: self.target_handling_min,
            enabled: self.enabled,
        })
    }
}

/// A counter's settings (its number is in the path).
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CounterSettings {
    /// Name, 1–32 characters.
    pub name: String,
    /// English name, up to 64 characters; empty or absent: English pages
    /// say “Counter 3”.
    #[serde(default)]
    pub name_en: String,
    /// Services served, in preference order.
    pub services: Vec<String>,
    /// Routing policy (default fifo, at most 2 priority tickets in a row).
    #[serde(default = "default_routing")]
    pub routing: RoutingPolicy,
}

fn default_routing() -> RoutingPolicy {
    RoutingPolicy { order: RoutingOrder::Fifo, max_priority_in_row: Some(2) }
}

impl CounterSettings {
    /// The domain's counter configuration with this number.
    pub fn into_config(self, number: u32) -> CounterConfig {
        CounterConfig {
            number,
            name: self.name,
            name_en: self.name_en.trim().to_string(),
            services: self.services,
            policy: self.routing,
        }
    }
}

/// A staff member's settings (the number is in the path).
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StaffSettings {
    /// Name, 1–32 characters.
    pub name: String,
    /// Role.
    pub role: StaffRole,
    /// Whether they may log in (default true).
    #[serde(default = "yes")]
    pub active: bool,
    /// Their team (班组), 1–32 characters; absent, `null` or blank = none.
    #[serde(default)]
    pub team: Option<String>,
}

impl StaffSettings {
    /// The domain's staff member with this number.
    pub fn into_staff(self, number: String) -> Staff {
        Staff { number, name: self.name, role: self.role, active: self.active, team: None }.with_team(self.team)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_service_prefix_is_exactly_one_character() {
        let s = |p: &str| ServiceSettings {
            prefix: p.into(),
            name_zh: "交费".into(),
            name_en: "Pay".into(),
            target_wait_min: 15,
            target_handling_min: 5,
            enabled: true,
        };
        assert_eq!(s("A").into_service("PAY".into()).unwrap().prefix, 'A');
        assert!(s("AB").into_service("PAY".into()).is_err());
        assert!(s("").into_service("PAY".into()).is_err());
    }
}
