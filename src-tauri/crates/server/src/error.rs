//! `ApiError`: every way a request can fail, mapped once to an HTTP status,
//! a stable code and a message in Chinese and English.
//!
//! The body is always `{code, message_zh, message_en}` ([`ErrorBody`]). The
//! domain's and the store's codes pass through unchanged, so the UI classifies
//! errors the same way whether they come from the CLI or the server. Internal
//! failures (SQLite, I/O, a panic) answer 500 with a generic message; their
//! detail goes to the log only. Bad input must never reach that path: each
//! variant documents its status, and only [`ApiError::Internal`] and the
//! store's machine failures are 5xx.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hallq_store::StoreError;
use hallq_store::hallq_core::{CoreError, Millis};
use serde::Serialize;
use utoipa::ToSchema;

/// The JSON body of every error answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, ToSchema)]
pub struct ErrorBody {
    /// Stable machine-readable code, e.g. `queue_empty`, `forbidden`.
    pub code: String,
    /// 中文说明.
    pub message_zh: String,
    /// English explanation.
    pub message_en: String,
}

/// A request failed.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The store or the domain refused or failed; status by its code
    /// (unknown_* 404, invalid_* 422, state conflicts 409, a locked staff
    /// number 429, the engine stopping 503, machine failures 500).
    #[error("{0}")]
    Store(#[from] StoreError),
    /// 401: no token, or one that is unknown, revoked or expired.
    #[error("unauthorized")]
    Unauthorized,
    /// 401: the terminal was revoked (the reason an open stream closes).
    #[error("terminal revoked")]
    TerminalRevoked,
    /// 401: the supervisor session ran out or was ended (the reason an open
    /// stream closes).
    #[error("session expired")]
    SessionExpired,
    /// 403: the terminal's role may not use this route.
    #[error("forbidden for {role}")]
    Forbidden {
        /// The caller's role name.
        role: &'static str,
    },
    /// 403: a counter or rating-pad terminal named another counter.
    #[error("not your counter")]
    NotYourCounter {
        /// The terminal's own counter.
        own: u32,
    },
    /// 404: no such route.
    #[error("no route")]
    NoRoute,
    /// 405: the route exists but not with this method.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// 400: the body is not well-formed JSON.
    #[error("malformed JSON: {0}")]
    MalformedJson(String),
    /// 422: well-formed JSON of the wrong shape (missing field, wrong type).
    #[error("invalid body: {0}")]
    InvalidBody(String),
    /// 415: a body without `Content-Type: application/json`.
    #[error("not JSON")]
    NotJson,
    /// 413: a body over the size limit.
    #[error("body too large")]
    BodyTooLarge,
    /// 400: a path segment of the wrong type (a counter that is not a number).
    #[error("invalid path: {0}")]
    InvalidPath(String),
    /// 400: a query string of the wrong shape.
    #[error("invalid query: {0}")]
    InvalidQuery(String),
    /// 400: an `Idempotency-Key` header that is not 1–64 visible ASCII characters.
    #[error("bad idempotency key")]
    BadIdempotencyKey,
    /// 400: a plain HTTP request to the WebSocket route.
    #[error("not a WebSocket upgrade")]
    NotWebSocket,
    /// 422: a request that parses but asks for something impossible.
    #[error("{en}")]
    Invalid {
        /// Chinese explanation.
        zh: String,
        /// English explanation.
        en: String,
    },
    /// 429: a kiosk asked for tickets faster than its interval.
    #[error("kiosk too fast")]
    KioskTooFast {
        /// How long until the kiosk may issue again.
        retry_after_ms: Millis,
    },
    /// 429: too many pairing codes from this source (or the whole LAN) in
    /// the last minute.
    #[error("too many pairing attempts")]
    TooManyPairingAttempts,
    /// 429: too many PINs from this source (or the whole LAN) in the last minute.
    #[error("too many PIN attempts")]
    TooManyPinAttempts,
    /// 429: too many PIN checks in progress; refused at once, not counted.
    #[error("PIN checks busy")]
    PinBusy,
    /// 401: the staff number or the PIN is wrong (an unknown number, or one
    /// without a PIN, answers exactly the same).
    #[error("wrong PIN")]
    WrongPin {
        /// Tries left before the staff number locks.
        remaining: i64,
    },
    /// 403: a session was asked for by a staff member who is not a supervisor or admin.
    #[error("not a supervisor")]
    NotSupervisor,
    /// 409: the first-run setup was already done.
    #[error("already set up")]
    AlreadySetUp,
    /// 409: the hall has no active admin to set up.
    #[error("no admin")]
    NoAdmin,
    /// 409: no ticket at this counter is waiting for a rating.
    #[error("nothing to rate at counter {0}")]
    NothingToRate(u32),
    /// 409: the rating pad named a ticket that is no longer the one to rate.
    #[error("rating ticket changed")]
    RatingTicketChanged,
    /// 404: a report named a hall this database does not hold.
    #[error("unknown hall {0}")]
    UnknownHall(String),
    /// 422: a test print asked of the server for a printer the kiosk drives
    /// (html, local) or for none.
    #[error("test this printer at the kiosk")]
    PrinterTestOnKiosk,
    /// 422: a reprint of a ticket no kiosk issued, without naming a kiosk.
    #[error("reprint needs a kiosk")]
    ReprintNeedsKiosk,
    /// 422: a reprint at a kiosk set to print nothing.
    #[error("kiosk prints nothing")]
    KioskPrintsNothing,
    /// 403: a kiosk named another kiosk's print job.
    #[error("not your print job")]
    NotYourPrintJob,
    /// 403: a counter's staff member named a case another staff member works.
    #[error("not your case")]
    NotYourCase {
        /// Who works it.
        staff: String,
    },
    /// 409: a print result reported for a job the server prints.
    #[error("the server prints this job")]
    ServerPrintsJob,
    /// 429: a bounded resource is taken (a what-if already runs for this
    /// hall; the live-ticket streams are full); try again after `retry_after_s`.
    #[error("{en}")]
    Busy {
        /// The stable code, e.g. `simulation_busy`.
        code: &'static str,
        /// Chinese explanation.
        zh: String,
        /// English explanation.
        en: String,
        /// Seconds until a retry may succeed (`Retry-After`).
        retry_after_s: i64,
    },
    /// 500: a fault of the server; the detail is logged, never sent.
    #[error("internal error: {0}")]
    Internal(String),
}

/// Handlers' result type.
pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    /// A 422 for a request that parses but cannot be done.
    pub fn invalid(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self::Invalid { zh: zh.into(), en: en.into() }
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Store(e) => store_status(e),
            Self::Unauthorized | Self::TerminalRevoked | Self::SessionExpired | Self::WrongPin { .. } => {
                StatusCode::UNAUTHORIZED
            }
            Self::Forbidden { .. }
            | Self::NotYourCounter { .. }
            | Self::NotSupervisor
            | Self::NotYourPrintJob
            | Self::NotYourCase { .. } => StatusCode::FORBIDDEN,
            Self::NoRoute | Self::UnknownHall(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::MalformedJson(_)
            | Self::InvalidPath(_)
            | Self::InvalidQuery(_)
            | Self::BadIdempotencyKey
            | Self::NotWebSocket => StatusCode::BAD_REQUEST,
            Self::InvalidBody(_)
            | Self::Invalid { .. }
            | Self::PrinterTestOnKiosk
            | Self::ReprintNeedsKiosk
            | Self::KioskPrintsNothing => StatusCode::UNPROCESSABLE_ENTITY,
            Self::NotJson => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::BodyTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::KioskTooFast { .. }
            | Self::TooManyPairingAttempts
            | Self::TooManyPinAttempts
            | Self::PinBusy
            | Self::Busy { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::AlreadySetUp
            | Self::NoAdmin
            | Self::NothingToRate(_)
            | Self::RatingTicketChanged
            | Self::ServerPrintsJob => StatusCode::CONFLICT,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Store(e) if store_status(e).is_server_error() => internal_code(e),
            Self::Store(e) => e.code(),
            Self::Unauthorized => "unauthorized",
            Self::TerminalRevoked => "terminal_revoked",
            Self::SessionExpired => "session_expired",
            Self::Forbidden { .. } => "forbidden",
            Self::NotYourCounter { .. } => "not_your_counter",
            Self::NoRoute => "no_route",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::MalformedJson(_) => "malformed_json",
            Self::InvalidBody(_) => "invalid_body",
            Self::NotJson => "not_json",
            Self::BodyTooLarge => "body_too_large",
            Self::InvalidPath(_) => "invalid_path",
            Self::InvalidQuery(_) => "invalid_query",
            Self::BadIdempotencyKey => "bad_idempotency_key",
            Self::NotWebSocket => "not_websocket",
            Self::Invalid { .. } => "invalid_request",
            Self::KioskTooFast { .. } => "kiosk_too_fast",
            Self::TooManyPairingAttempts | Self::TooManyPinAttempts => "too_many_attempts",
            Self::PinBusy => "pin_busy",
            Self::WrongPin { .. } => "wrong_pin",
            Self::NotSupervisor => "not_supervisor",
            Self::AlreadySetUp => "already_set_up",
            Self::NoAdmin => "no_admin",
            Self::NothingToRate(_) => "nothing_to_rate",
            Self::RatingTicketChanged => "rating_ticket_changed",
            Self::UnknownHall(_) => "unknown_hall",
            Self::PrinterTestOnKiosk => "printer_test_on_kiosk",
            Self::ReprintNeedsKiosk => "reprint_needs_kiosk",
            Self::KioskPrintsNothing => "kiosk_prints_nothing",
            Self::NotYourPrintJob => "not_your_print_job",
            Self::NotYourCase { .. } => "not_your_case",
            Self::ServerPrintsJob => "server_prints_job",
            Self::Busy { code, .. } => code,
            Self::Internal(_) => "internal",
        }
    }

    /// The Chinese message.
    pub fn message_zh(&self) -> String {
        match self {
            Self::Store(StoreError::EngineStopped) => "服务器正在停止，请稍后重试".into(),
            Self::Store(e) if speaks_for_itself(e) => told(e).message_zh(),
            Self::Store(e) if store_status(e).is_server_error() => INTERNAL_ZH.into(),
            Self::Store(e) => e.message_zh(),
            Self::Unauthorized => "未登录或凭证已失效，请重新配对或登录".into(),
            Self::TerminalRevoked => "本终端已被值班长停用，请重新配对".into(),
            Self::SessionExpired => "登录已过期或已退出，请重新登录".into(),
            Self::Forbidden { role } => format!("此终端（{}）无权执行该操作", role_zh(role)),
            Self::NotYourCounter { own } => format!("本终端只能操作 {own} 号窗口"),
            Self::NoRoute => "没有这个接口".into(),
            Self::MethodNotAllowed => "该接口不支持此请求方法".into(),
            Self::MalformedJson(d) => format!("请求内容不是有效的 JSON：{d}"),
            Self::InvalidBody(d) => format!("请求内容的字段缺失或类型不对：{d}"),
            Self::NotJson => "请求内容须为 JSON（Content-Type: application/json）".into(),
            Self::BodyTooLarge => "请求内容过大（上限 64 KiB）".into(),
            Self::InvalidPath(d) => format!("网址中的参数无效：{d}"),
            Self::InvalidQuery(d) => format!("查询参数无效：{d}"),
            Self::BadIdempotencyKey => "Idempotency-Key 须为 1–64 个可见 ASCII 字符".into(),
            Self::NotWebSocket => "该接口只接受 WebSocket 连接".into(),
            Self::Invalid { zh, .. } => zh.clone(),
            Self::KioskTooFast { retry_after_ms } => {
                format!("取号太频繁，请 {} 秒后再取", retry_secs(*retry_after_ms))
            }
            Self::TooManyPairingAttempts => "配对尝试次数过多，请一分钟后再试".into(),
            Self::TooManyPinAttempts => "本机 PIN 尝试次数过多，请一分钟后再试".into(),
            Self::PinBusy => "正在核对其他 PIN，请稍后再试".into(),
            Self::WrongPin { remaining } => format!("工号或 PIN 错误，还可再试 {remaining} 次"),
            Self::NotSupervisor => "只有值班长或管理员可以登录管理".into(),
            Self::AlreadySetUp => "系统已完成初始设置，管理员 PIN 已存在".into(),
            Self::NoAdmin => "营业厅没有可用的管理员工号".into(),
            Self::NothingToRate(c) => format!("{c} 号窗口没有待评价的业务"),
            Self::RatingTicketChanged => "待评价的号码已变化，请重新评价".into(),
            Self::UnknownHall(h) => format!("数据库中没有营业厅“{h}”"),
            Self::PrinterTestOnKiosk => "请在取号机上测试此打印机".into(),
            Self::ReprintNeedsKiosk => "此号码不是取号机打出的，请选择在哪台取号机补打".into(),
            Self::KioskPrintsNothing => "该取号机设置为不打印，无法补打".into(),
            Self::NotYourPrintJob => "这不是本取号机的打印任务".into(),
            Self::NotYourCase { staff } => format!("这个工单由工号 {staff} 办理；请值班长转交"),
            Self::ServerPrintsJob => "此打印任务由服务器打印，取号机不能报告结果".into(),
            Self::Busy { zh, .. } => zh.clone(),
            Self::Internal(_) => INTERNAL_ZH.into(),
        }
    }

    /// The English message.
    pub fn message_en(&self) -> String {
        match self {
            Self::Store(StoreError::EngineStopped) => "the server is stopping; try again shortly".into(),
            Self::Store(e) if speaks_for_itself(e) => told(e).message_en(),
            Self::Store(e) if store_status(e).is_server_error() => INTERNAL_EN.into(),
            Self::Store(e) => e.message_en(),
            Self::Unauthorized => "missing, unknown, revoked or expired token; pair or log in again".into(),
            Self::TerminalRevoked => "this terminal was revoked by the supervisor; pair it again".into(),
            Self::SessionExpired => "the session has expired or was ended; log in again".into(),
            Self::Forbidden { role } => format!("a {role} terminal may not do this"),
            Self::NotYourCounter { own } => format!("this terminal may only act on counter {own}"),
            Self::NoRoute => "no such route".into(),
            Self::MethodNotAllowed => "this route does not accept that method".into(),
            Self::MalformedJson(d) => format!("the body is not valid JSON: {d}"),
            Self::InvalidBody(d) => format!("the body has missing or mistyped fields: {d}"),
            Self::NotJson => "the body must be JSON (Content-Type: application/json)".into(),
            Self::BodyTooLarge => "the body is too large (limit 64 KiB)".into(),
            Self::InvalidPath(d) => format!("invalid path parameter: {d}"),
            Self::InvalidQuery(d) => format!("invalid query parameters: {d}"),
            Self::BadIdempotencyKey => "Idempotency-Key must be 1-64 visible ASCII characters".into(),
            Self::NotWebSocket => "this route only accepts WebSocket connections".into(),
            Self::Invalid { en, .. } => en.clone(),
            Self::KioskTooFast { retry_after_ms } => format!(
                "tickets are being taken too fast at this kiosk; try again in {} s",
                retry_secs(*retry_after_ms)
            ),
            Self::TooManyPairingAttempts => "too many pairing attempts; try again in a minute".into(),
            Self::TooManyPinAttempts => "too many PIN attempts from this machine; try again in a minute".into(),
            Self::PinBusy => "other PINs are being checked; try again in a moment".into(),
            Self::WrongPin { remaining } => format!("wrong staff number or PIN; {remaining} tries left"),
            Self::NotSupervisor => "only a supervisor or admin may open a supervisor session".into(),
            Self::AlreadySetUp => "the hall is already set up: the admin PIN exists".into(),
            Self::NoAdmin => "the hall has no active admin staff member".into(),
            Self::NothingToRate(c) => format!("no transaction at counter {c} is waiting for a rating"),
            Self::RatingTicketChanged => "the ticket to rate has changed; rate again".into(),
            Self::UnknownHall(h) => format!("no hall '{h}' in this database"),
            Self::PrinterTestOnKiosk => "test this printer at the kiosk".into(),
            Self::ReprintNeedsKiosk => "no kiosk issued this ticket; name the kiosk to reprint it at".into(),
            Self::KioskPrintsNothing => "this kiosk is set to print nothing; it cannot reprint".into(),
            Self::NotYourPrintJob => "this print job belongs to another kiosk".into(),
            Self::NotYourCase { staff } => format!("staff {staff} works this case; ask the supervisor to hand it over"),
            Self::ServerPrintsJob => "the server prints this job; a kiosk cannot report its result".into(),
            Self::Busy { en, .. } => en.clone(),
            Self::Internal(_) => INTERNAL_EN.into(),
        }
    }

    /// The JSON body.
    pub fn body(&self) -> ErrorBody {
        ErrorBody { code: self.code().to_string(), message_zh: self.message_zh(), message_en: self.message_en() }
    }
}

const INTERNAL_ZH: &str = "服务器内部错误，已记录日志，请稍后重试或联系管理员";
const INTERNAL_EN: &str = "internal server error; it was logged; try again or contact the administrator";

/// Retry-After in whole seconds, at least one.
fn retry_secs(ms: Millis) -> i64 {
    ((ms + 999) / 1000).max(1)
}

fn role_zh(role: &str) -> &'static str {
    match role {
        "kiosk" => "取号机",
        "counter" => "窗口",
        "display" => "叫号屏",
        "rating_pad" => "评价器",
        "board" => "值班长看板",
        "supervisor" => "值班长",
        _ => "未知终端",
    }
}

/// How a store error reaches HTTP. The domain's codes are grouped by what
/// they mean for the client: the thing named does not exist (404), the
/// request's content is wrong (422), or the hall's current state does not
/// allow it (409).
fn store_status(e: &StoreError) -> StatusCode {
    match e {
        e if e.is_disk_full() => StatusCode::INSUFFICIENT_STORAGE,
        StoreError::ReadOnly(_) => StatusCode::INSUFFICIENT_STORAGE,
        StoreError::Damaged(_) => StatusCode::SERVICE_UNAVAILABLE,
        StoreError::Core(c) => core_status(c),
        StoreError::BadPin => StatusCode::UNPROCESSABLE_ENTITY,
        StoreError::BadIdempotencyKey => StatusCode::BAD_REQUEST,
        StoreError::IdempotencyKeyReused => StatusCode::UNPROCESSABLE_ENTITY,
        StoreError::BadPairingCode
        | StoreError::UnknownTerminal(_)
        | StoreError::NotAKiosk(_)
        | StoreError::UnknownPrintJob(_) => StatusCode::NOT_FOUND,
        StoreError::InvalidPrinter { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        StoreError::PrintJobClosed { .. } => StatusCode::CONFLICT,
        StoreError::StaffLocked { .. } => StatusCode::TOO_MANY_REQUESTS,
        StoreError::EngineStopped => StatusCode::SERVICE_UNAVAILABLE,
        StoreError::Exchange { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        StoreError::Sqlite(_)
        | StoreError::Migration(_)
        | StoreError::Json(_)
        | StoreError::Io(_)
        | StoreError::NoDatabase(_)
        | StoreError::Corrupt(_)
        | StoreError::NoHall
        | StoreError::UnknownHall(_)
        | StoreError::SeveralHalls(_)
        | StoreError::HallExists(_)
        | StoreError::Aborted(_)
        | StoreError::TooNew { .. }
        | StoreError::InUse(_)
        | StoreError::BadBackup { .. }
        | StoreError::PinHashFailed(_)
        | StoreError::ReportThreadFailed
        | StoreError::ReportFileFailed(_)
        | StoreError::PrintRenderFailed(_)
        | StoreError::DiskFull => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

fn core_status(e: &CoreError) -> StatusCode {
    match e {
        CoreError::UnknownService(_)
        | CoreError::UnknownCounter(_)
        | CoreError::UnknownStaff(_)
        | CoreError::UnknownTicket(_)
        | CoreError::UnknownFollowUp(_)
        | CoreError::UnknownCaseType(_)
        | CoreError::UnknownCase(_) => StatusCode::NOT_FOUND,
        CoreError::InvalidRating(_)
        | CoreError::InvalidText { .. }
        | CoreError::InvalidConfig { .. }
        | CoreError::InvalidCase { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        CoreError::ServiceDisabled(_)
        | CoreError::StaffInactive(_)
        | CoreError::HallClosed
        | CoreError::CounterClosed(_)
        | CoreError::CounterPaused(_)
        | CoreError::CounterAlreadyOpen(_)
        | CoreError::CounterNotPaused(_)
        | CoreError::NoStaffAtCounter(_)
        | CoreError::CounterHasStaff { .. }
        | CoreError::StaffAtOtherCounter { .. }
        | CoreError::CurrentTicketOpen { .. }
        | CoreError::NoCurrentTicket(_)
        | CoreError::AlreadyServing(_)
        | CoreError::NotStarted(_)
        | CoreError::QueueEmpty(_)
        | CoreError::TicketNotWaiting { .. }
        | CoreError::ServiceNotAtCounter { .. }
        | CoreError::TicketForOtherCounter { .. }
        | CoreError::NumbersExhausted(_)
        | CoreError::TransferToSameService(_)
        | CoreError::AlreadyRated(_)
        | CoreError::NotRateable(_)
        | CoreError::CaseTypeInactive(_)
        | CoreError::CaseOnHold(_)
        | CoreError::CaseNotOnHold(_)
        | CoreError::StageNotOpen { .. } => StatusCode::CONFLICT,
    }
}

/// The faults of the disk and the file that the client is told in words
/// (507 `disk_full`, 507 `read_only`, 503 `database_damaged`): a hall cannot
/// work until someone frees space or restores a backup, so the board and the
/// counters say what to do rather than "internal error".
fn speaks_for_itself(e: &StoreError) -> bool {
    e.is_disk_full() || matches!(e, StoreError::ReadOnly(_) | StoreError::Damaged(_))
}

/// A disk-full SQLite or I/O error told as [`StoreError::DiskFull`].
fn told(e: &StoreError) -> &StoreError {
    if e.is_disk_full() { &StoreError::DiskFull } else { e }
}

/// 5xx store errors share a few codes: the engine stopping (retry later),
/// the faults that speak for themselves, and failures with a cause of their
/// own (a PIN hash, a report's thread or file, a ticket's layout); every
/// other fault is just `internal`.
fn internal_code(e: &StoreError) -> &'static str {
    match e {
        e if speaks_for_itself(e) => told(e).code(),
        StoreError::EngineStopped => "engine_stopped",
        // Failures with a cause of their own are named (the log has the
        // detail); the message stays the generic one.
        StoreError::PinHashFailed(_)
        | StoreError::ReportThreadFailed
        | StoreError::ReportFileFailed(_)
        | StoreError::PrintRenderFailed(_) => e.code(),
        _ => "internal",
    }
}

impl From<CoreError> for ApiError {
    fn from(e: CoreError) -> Self {
        Self::Store(StoreError::Core(e))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(error = %self, code = self.code(), "request failed on the server side");
        }
        let retry = match &self {
            Self::KioskTooFast { retry_after_ms } => Some(retry_secs(*retry_after_ms)),
            Self::TooManyPairingAttempts | Self::TooManyPinAttempts => Some(60),
            Self::PinBusy => Some(1),
            Self::Store(StoreError::StaffLocked { .. }) => Some(300),
            Self::Busy { retry_after_s, .. } => Some(*retry_after_s),
            _ => None,
        };
        let mut response = (status, Json(self.body())).into_response();
        if let Some(secs) = retry {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domain_codes_map_to_not_found_unprocessable_or_conflict() {
        let cases = [
            (CoreError::UnknownService("X".into()), 404),
            (CoreError::UnknownTicket("A001".into()), 404),
            (CoreError::InvalidRating("level 9".into()), 422),
            (CoreError::InvalidConfig { zh: "x".into(), en: "x".into() }, 422),
            (CoreError::QueueEmpty(1), 409),
            (CoreError::NoStaffAtCounter(1), 409),
            (CoreError::AlreadyRated("A001".into()), 409),
        ];
        for (e, status) in cases {
            let code = e.code();
            let api = ApiError::from(e);
            assert_eq!(api.status().as_u16(), status, "{code}");
            assert_eq!(api.code(), code, "the domain's code passes through");
        }
    }

    #[test]
    fn machine_failures_are_500_with_a_generic_message_and_no_detail() {
        let e = ApiError::from(StoreError::Corrupt("secret/path/hall.db page 7".into()));
        assert_eq!(e.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = e.body();
        assert_eq!(body.code, "internal");
        assert!(!body.message_en.contains("secret") && !body.message_zh.contains("secret"));
        assert_eq!(ApiError::from(StoreError::EngineStopped).status(), StatusCode::SERVICE_UNAVAILABLE);
    }

    #[test]
    fn failures_with_a_cause_of_their_own_have_their_own_code_and_no_detail() {
        let cases = [
            (StoreError::PinHashFailed("secret: out of memory".into()), "pin_hash_failed"),
            (StoreError::ReportThreadFailed, "report_thread_failed"),
            (StoreError::ReportFileFailed("xlsx: secret/tmp/x".into()), "report_file_failed"),
            (StoreError::PrintRenderFailed("job 7: secret".into()), "print_render_failed"),
        ];
        for (e, code) in cases {
            let body = ApiError::from(e).body();
            assert_eq!(body.code, code);
            assert!(!body.message_en.contains("secret") && !body.message_zh.contains("secret"), "{code}");
        }
    }

    #[test]
    fn a_full_disk_and_a_damaged_file_are_told_in_words() {
        let enospc = StoreError::Io(std::io::Error::from(std::io::ErrorKind::StorageFull));
        for e in [StoreError::DiskFull, enospc] {
            let api = ApiError::from(e);
            assert_eq!(api.status(), StatusCode::INSUFFICIENT_STORAGE);
            let b = api.body();
            assert_eq!(b.code, "disk_full");
            assert!(b.message_zh.contains("磁盘已满") && b.message_en.contains("disk is full"), "{b:?}");
        }
        let damage = hallq_store::Damage { db: "hall.db".into(), detail: "page 7".into(), backup: None };
        let api = ApiError::from(StoreError::Damaged(Box::new(damage)));
        assert_eq!((api.status(), api.code()), (StatusCode::SERVICE_UNAVAILABLE, "database_damaged"));
        assert!(api.body().message_en.contains("hallq restore --from"), "{:?}", api.body());
    }

    #[test]
    fn every_client_error_is_4xx_and_bilingual() {
        let all = [
            ApiError::Unauthorized,
            ApiError::TerminalRevoked,
            ApiError::SessionExpired,
            ApiError::Forbidden { role: "kiosk" },
            ApiError::NotYourCounter { own: 2 },
            ApiError::NoRoute,
            ApiError::MethodNotAllowed,
            ApiError::MalformedJson("x".into()),
            ApiError::InvalidBody("x".into()),
            ApiError::NotJson,
            ApiError::BodyTooLarge,
            ApiError::InvalidPath("x".into()),
            ApiError::InvalidQuery("x".into()),
            ApiError::BadIdempotencyKey,
            ApiError::NotWebSocket,
            ApiError::invalid("无效", "invalid"),
            ApiError::KioskTooFast { retry_after_ms: 1500 },
            ApiError::TooManyPairingAttempts,
            ApiError::TooManyPinAttempts,
            ApiError::PinBusy,
            ApiError::WrongPin { remaining: 3 },
            ApiError::from(StoreError::IdempotencyKeyReused),
            ApiError::NotSupervisor,
            ApiError::AlreadySetUp,
            ApiError::NoAdmin,
            ApiError::NothingToRate(1),
            ApiError::RatingTicketChanged,
            ApiError::PrinterTestOnKiosk,
            ApiError::ReprintNeedsKiosk,
            ApiError::KioskPrintsNothing,
            ApiError::NotYourPrintJob,
            ApiError::NotYourCase { staff: "1002".into() },
            ApiError::ServerPrintsJob,
            ApiError::from(StoreError::NotAKiosk("k".into())),
            ApiError::from(StoreError::UnknownPrintJob("j".into())),
            ApiError::from(StoreError::PrintJobClosed { job: "j".into(), state: "printed" }),
            ApiError::from(StoreError::InvalidPrinter { zh: "纸宽".into(), en: "paper".into() }),
            ApiError::from(StoreError::BadPairingCode),
            ApiError::from(StoreError::StaffLocked { staff: "1001".into(), until: 0 }),
        ];
        for e in all {
            assert!(e.status().is_client_error(), "{e:?}");
            let b = e.body();
            assert!(!b.message_zh.is_empty() && !b.message_en.is_empty() && b.message_zh != b.message_en, "{e:?}");
        }
    }

    #[test]
    fn a_kiosk_told_to_wait_gets_whole_seconds_in_retry_after() {
        let r = ApiError::KioskTooFast { retry_after_ms: 1200 }.into_response();
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(r.headers()[header::RETRY_AFTER], "2");
    }
}
