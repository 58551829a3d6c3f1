//! `CentralError`: every way a request to the centre (or a `hallq central`
//! command) can fail, mapped once to an HTTP status, a stable code and a
//! message in Chinese and English.
//!
//! The body is the hall server's [`ErrorBody`] `{code, message_zh,
//! message_en}`, so a hall classifies the centre's refusals exactly as it
//! classifies its own. Database and I/O failures answer 500 with a generic
//! message; their detail goes to the log only.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use hallq_server::error::ErrorBody;
use hallq_store::StoreError;

/// A request to the centre failed.
#[derive(Debug, thiserror::Error)]
pub enum CentralError {
    /// 401 `unauthorized`: no key, or a key the centre does not know.
    #[error("unauthorized")]
    Unauthorized,
    /// 401 `key_revoked`: the hall's key was revoked (`hallq central revoke`).
    #[error("key revoked")]
    KeyRevoked,
    /// 403 `enrol_code_unknown` / `enrol_code_used` / `enrol_code_expired`:
    /// the one-time code cannot enrol a hall.
    #[error("enrol code {0}")]
    EnrolCode(CodeRefusal),
    /// 403 `enrol_code_other_hall`: the code was made for another hall code.
    #[error("enrol code for {expected}, hall is {found}")]
    EnrolCodeOtherHall {
        /// The hall code the code was made for.
        expected: String,
        /// The hall code the hall gave.
        found: String,
    },
    /// 409 `hall_code_taken`: another hall (another id) already has this code.
    #[error("hall code {0} taken")]
    HallCodeTaken(String),
    /// 403 `foreign_hall`: the batch holds an event of another hall than the key's.
    #[error("event seq {seq} is of another hall")]
    ForeignHall {
        /// The first such event's seq.
        seq: u64,
    },
    /// 413 `batch_too_large`: more events or bytes than one batch may hold.
    #[error("batch too large")]
    BatchTooLarge,
    /// 413 `file_too_large`: an uploaded exchange file over
    /// [`crate::http::MAX_IMPORT_BYTES`].
    #[error("file too large")]
    FileTooLarge,
    /// 400 `bad_batch`: not gzip, not JSON lines, an unknown event kind,
    /// events out of order.
    #[error("bad batch: {en}")]
    BadBatch {
        /// Chinese explanation.
        zh: String,
        /// English explanation.
        en: String,
    },
    /// 400 `bad_request`: a body that is not the JSON asked for.
    #[error("bad request: {en}")]
    BadRequest {
        /// Chinese explanation.
        zh: String,
        /// English explanation.
        en: String,
    },
    /// 422 `invalid_request`: a report's range the hall would refuse too
    /// (from after to, outside 2000–2199, too long), with the hall's code.
    #[error("bad range: {en}")]
    BadRange {
        /// Chinese explanation.
        zh: String,
        /// English explanation.
        en: String,
    },
    /// 409 `sequence_gap`: the batch starts after the seq the centre expects.
    #[error("sequence gap: expected {expected}, found {found}")]
    SequenceGap {
        /// The seq the centre needs next.
        expected: u64,
        /// The batch's first seq.
        found: u64,
    },
    /// 409 `divergent_log`: a seq the centre holds arrives with another event
    /// (a hall restored from an older backup); the centre keeps its own.
    #[error("divergent log at seq {seq}")]
    DivergentLog {
        /// The first seq where the logs differ.
        seq: u64,
        /// The centre's last seq for the hall.
        held: u64,
    },
    /// 409 `duplicate_event_id`: a new event reuses an id the hall's log
    /// already holds at another seq.
    #[error("duplicate event id at seq {seq}")]
    DuplicateEventId {
        /// The new event's seq.
        seq: u64,
    },
    /// 403 `loopback_only`: a report asked without a user's login on a
    /// listener that is not loopback.
    #[error("reports only on loopback")]
    LoopbackOnly,
    /// 401 `bad_login`: no such user, or a wrong password (not told apart).
    #[error("bad login")]
    BadLogin,
    /// 401 `session_unknown`: a user's token that is unknown or expired.
    #[error("session unknown")]
    SessionUnknown,
    /// 403 `other_county`: a county manager asked for another county's halls.
    #[error("other county {0}")]
    OtherCounty(String),
    /// 403 `other_county`: a county manager uploaded the file of a hall the
    /// centre holds outside their county.
    #[error("hall {hall} is not of the uploader's county")]
    ImportOtherCounty {
        /// The hall's code.
        hall: String,
        /// Its county at the centre (none: not filled in).
        county: Option<String>,
    },
    /// 409 `user_exists`: a central user with this name exists.
    #[error("user {0} exists")]
    UserExists(String),
    /// 404 `unknown_hall`: no hall with this code at the centre.
    #[error("unknown hall {0}")]
    UnknownHall(String),
    /// 404 `no_route`.
    #[error("no route")]
    NoRoute,
    /// The exchange file was refused or could not be read (its own code).
    #[error("{0}")]
    Exchange(#[from] StoreError),
    /// 500: PostgreSQL failed.
    #[error("database: {0}")]
    Database(#[from] tokio_postgres::Error),
    /// 500: no connection from the pool.
    #[error("database pool: {0}")]
    Pool(#[from] deadpool_postgres::PoolError),
    /// 500: the schema could not be migrated.
    #[error("migration: {0}")]
    Migration(#[from] refinery::Error),
    /// 500: anything else internal (serialising, a task that panicked).
    #[error("internal: {0}")]
    Internal(String),
}

/// Why a one-time enrolment code was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeRefusal {
    /// No such code.
    Unknown,
    /// The code enrolled a hall already.
    Used,
    /// The code is past its seven days.
    Expired,
}

impl std::fmt::Display for CodeRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Unknown => "unknown",
            Self::Used => "used",
            Self::Expired => "expired",
        })
    }
}

/// The centre's result type.
pub type Result<T, E = CentralError> = std::result::Result<T, E>;

impl CentralError {
    /// A refused batch, in both languages.
    pub fn bad_batch(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self::BadBatch { zh: zh.into(), en: en.into() }
    }

    /// The stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unauthorized => "unauthorized",
            Self::KeyRevoked => "key_revoked",
            Self::EnrolCode(CodeRefusal::Unknown) => "enrol_code_unknown",
            Self::EnrolCode(CodeRefusal::Used) => "enrol_code_used",
            Self::EnrolCode(CodeRefusal::Expired) => "enrol_code_expired",
            Self::EnrolCodeOtherHall { .. } => "enrol_code_other_hall",
            Self::HallCodeTaken(_) => "hall_code_taken",
            Self::ForeignHall { .. } => "foreign_hall",
            Self::BatchTooLarge => "batch_too_large",
            Self::FileTooLarge => "file_too_large",
            Self::BadBatch { .. } => "bad_batch",
            Self::BadRequest { .. } => "bad_request",
            Self::BadRange { .. } => "invalid_request",
            Self::SequenceGap { .. } => "sequence_gap",
            Self::DivergentLog { .. } => "divergent_log",
            Self::DuplicateEventId { .. } => "duplicate_event_id",
            Self::LoopbackOnly => "loopback_only",
            Self::BadLogin => "bad_login",
            Self::SessionUnknown => "session_unknown",
            Self::OtherCounty(_) | Self::ImportOtherCounty { .. } => "other_county",
            Self::UserExists(_) => "user_exists",
            Self::UnknownHall(_) => "unknown_hall",
            Self::NoRoute => "no_route",
            Self::Exchange(e) => e.code(),
            Self::Database(_) | Self::Pool(_) | Self::Migration(_) | Self::Internal(_) => "internal",
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Unauthorized | Self::KeyRevoked | Self::BadLogin | Self::SessionUnknown => StatusCode::UNAUTHORIZED,
            Self::EnrolCode(_)
            | Self::EnrolCodeOtherHall { .. }
            | Self::ForeignHall { .. }
            | Self::LoopbackOnly
            | Self::OtherCounty(_)
            | Self::ImportOtherCounty { .. } => StatusCode::FORBIDDEN,
            Self::HallCodeTaken(_)
            | Self::UserExists(_)
            | Self::SequenceGap { .. }
            | Self::DivergentLog { .. }
            | Self::DuplicateEventId { .. } => StatusCode::CONFLICT,
            Self::BatchTooLarge | Self::FileTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::BadBatch { .. } | Self::BadRequest { .. } => StatusCode::BAD_REQUEST,
            Self::BadRange { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::UnknownHall(_) | Self::NoRoute => StatusCode::NOT_FOUND,
            // A file that is not an intact exchange file is a bad request;
            // one that does not fit the centre's log, a conflict.
            Self::Exchange(e)
                if matches!(e.code(), "exchange_foreign_format" | "exchange_damaged" | "exchange_newer_version") =>
            {
                StatusCode::BAD_REQUEST
            }
            Self::Exchange(e) if e.code().starts_with("exchange_") => StatusCode::CONFLICT,
            Self::Exchange(_) | Self::Database(_) | Self::Pool(_) | Self::Migration(_) | Self::Internal(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }

    /// The message, Chinese then English.
    pub fn messages(&self) -> (String, String) {
        match self {
            Self::Unauthorized => {
                ("缺少营业厅密钥，或中心不认识该密钥".into(), "no hall key, or a key this centre does not know".into())
            }
            Self::KeyRevoked => (
                "该营业厅的密钥已被中心吊销；请向县公司申请新的注册码重新注册".into(),
                "this hall's key was revoked by the centre; ask the bureau for a new enrolment code and enrol again"
                    .into(),
            ),
            Self::EnrolCode(CodeRefusal::Unknown) => ("注册码无效".into(), "unknown enrolment code".into()),
            Self::EnrolCode(CodeRefusal::Used) => (
                "注册码已被使用（每个注册码只能用一次）".into(),
                "the enrolment code was used already (each code works once)".into(),
            ),
            Self::EnrolCode(CodeRefusal::Expired) => {
                ("注册码已过期（7 天有效）".into(), "the enrolment code has expired (codes last 7 days)".into())
            }
            Self::EnrolCodeOtherHall { expected, found } => (
                format!("该注册码是为营业厅 {expected} 生成的，不能注册营业厅 {found}"),
                format!("this enrolment code was made for hall {expected}, not for hall {found}"),
            ),
            Self::HallCodeTaken(code) => (
                format!("中心已有另一个编码为“{code}”的营业厅"),
                format!("the centre already holds another hall with code '{code}'"),
            ),
            Self::ForeignHall { seq } => (
                format!("批次中序号 {seq} 的事件属于另一个营业厅；密钥只能上传本厅的事件"),
                format!("the batch's event seq {seq} is another hall's; a key pushes only its own hall's events"),
            ),
            Self::BatchTooLarge => (
                "批次过大：每批最多 5000 条事件、解压后 8 MiB".into(),
                "the batch is too large: at most 5,000 events and 8 MiB uncompressed per batch".into(),
            ),
            Self::FileTooLarge => (
                "文件过大：上传的交换文件最多 160 MiB".into(),
                "the file is too large: an uploaded exchange file has at most 160 MiB".into(),
            ),
            Self::BadBatch { zh, en } => {
                (format!("批次无效，未保存任何事件：{zh}"), format!("invalid batch, nothing stored: {en}"))
            }
            Self::BadRequest { zh, en } => (format!("请求无效：{zh}"), format!("invalid request: {en}")),
            Self::BadRange { zh, en } => (format!("报表时段无效：{zh}"), format!("invalid report range: {en}")),
            Self::SequenceGap { expected, found } => (
                format!("事件不连续：中心需要序号 {expected}，批次从 {found} 开始"),
                format!("a gap in the log: the centre expects seq {expected} and the batch starts at {found}"),
            ),
            Self::DivergentLog { seq, held } => (
                format!(
                    "营业厅的事件日志与中心不一致（从序号 {seq} 起）：营业厅可能从旧备份恢复过；中心保留已有的 1–{held} 号事件，本批未保存"
                ),
                format!(
                    "the hall's log diverges from the centre's at seq {seq}: the hall may have been restored from an older backup; the centre keeps the events 1–{held} it holds and stored nothing of this batch"
                ),
            ),
            Self::DuplicateEventId { seq } => (
                format!("序号 {seq} 的事件编号已在中心该营业厅的日志中"),
                format!("the event at seq {seq} reuses an id already in the hall's log at the centre"),
            ),
            Self::UnknownHall(code) => {
                (format!("中心没有编码为“{code}”的营业厅"), format!("the centre has no hall with code '{code}'"))
            }
            Self::LoopbackOnly => (
                "请先登录（POST /central/v1/login）；未登录时报表只在本机回环地址上提供".into(),
                "log in first (POST /central/v1/login): without a login, reports are served only on a loopback listener"
                    .into(),
            ),
            Self::BadLogin => ("用户名或密码错误".into(), "wrong user name or password".into()),
            Self::SessionUnknown => {
                ("登录无效或已过期，请重新登录".into(), "the login is unknown or has expired; log in again".into())
            }
            Self::OtherCounty(county) => (
                format!("县级用户只能查看本县的营业厅，不能查看“{county}”"),
                format!("a county manager sees only their own county's halls, not '{county}'"),
            ),
            Self::ImportOtherCounty { hall, county } => {
                let (zh, en) = match county {
                    Some(c) => (format!("属于“{c}”"), format!("is in county '{c}'")),
                    None => ("已登记但未填县".to_string(), "is registered without a county".to_string()),
                };
                (
                    format!("县级用户只能导入本县或中心尚未登记的营业厅的文件：营业厅 {hall} {zh}，未导入任何事件"),
                    format!(
                        "a county manager imports only files of their county's halls or of halls the centre does not know: hall {hall} {en}; nothing was imported"
                    ),
                )
            }
            Self::UserExists(name) => {
                (format!("中心已有名为“{name}”的用户"), format!("the centre already has a user named '{name}'"))
            }
            Self::NoRoute => ("没有这个地址".into(), "no such route".into()),
            Self::Exchange(e) => match e {
                StoreError::Exchange { zh, en, .. } => (zh.clone(), en.clone()),
                other => (format!("读取交换文件失败：{other}"), format!("reading the exchange file failed: {other}")),
            },
            Self::Database(_) | Self::Pool(_) | Self::Migration(_) | Self::Internal(_) => {
                ("中心内部错误，请稍后重试".into(), "an internal error at the centre; try again later".into())
            }
        }
    }

    /// The wire body.
    pub fn body(&self) -> ErrorBody {
        let (message_zh, message_en) = self.messages();
        ErrorBody { code: self.code().to_string(), message_zh, message_en }
    }
}

impl IntoResponse for CentralError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(error = %self, code = self.code(), "central request failed on the server side");
        }
        (status, Json(self.body())).into_response()
    }
}
