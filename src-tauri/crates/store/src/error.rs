//! `StoreError`: what can go wrong below the domain — the database, the
//! files, the engine thread — plus the domain's own [`CoreError`].
//!
//! Like `CoreError`, every variant has a stable code and a message in
//! Chinese and English; the server maps them to HTTP statuses once.

use std::path::PathBuf;

use hallq_core::CoreError;

/// A store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The domain rejected the command; nothing changed.
    #[error("{0}")]
    Core(#[from] CoreError),
    /// SQLite failed (disk full, I/O error, a locked file ...).
    #[error("数据库错误 / database error: {0}")]
    Sqlite(rusqlite::Error),
    /// The schema could not be brought up to date.
    #[error("数据库升级失败 / database migration failed: {0}")]
    Migration(String),
    /// A stored JSON value did not parse: the file was changed by hand or is damaged.
    #[error("数据库内容损坏 / stored data is damaged: {0}")]
    Json(#[from] serde_json::Error),
    /// A file operation failed.
    #[error("文件操作失败 / file operation failed: {0}")]
    Io(#[from] std::io::Error),
    /// The database file does not exist.
    #[error("数据库文件不存在：{0} / database file does not exist: {0}")]
    NoDatabase(PathBuf),
    /// The file is not a HallQ database or is damaged.
    #[error("数据库文件损坏或不是 HallQ 数据库：{0} / the database file is damaged or not a HallQ database: {0}")]
    Corrupt(String),
    /// The database has no hall yet.
    #[error("数据库中还没有营业厅，请先运行 hallq init / the database has no hall yet; run `hallq init` first")]
    NoHall,
    /// No hall has this code or id.
    #[error("没有营业厅“{0}” / no hall '{0}'")]
    UnknownHall(String),
    /// The database has several halls and none was chosen.
    #[error(
        "数据库中有多个营业厅（{0}），请用 --hall 指定 / the database has several halls ({0}); choose one with --hall"
    )]
    SeveralHalls(String),
    /// A hall with this code already exists.
    #[error("营业厅“{0}”已存在 / hall '{0}' already exists")]
    HallExists(String),
    /// A PIN that is not 4–12 digits.
    #[error("PIN 须为 4–12 位数字 / a PIN must be 4-12 digits")]
    BadPin,
    /// Too many wrong PINs: the staff number is locked for a while.
    #[error(
        "工号 {staff} 连续输错 PIN，已锁定 5 分钟 / staff {staff} entered too many wrong PINs and is locked for 5 minutes"
    )]
    StaffLocked {
        /// The staff number.
        staff: String,
        /// Locked until, UTC ms.
        until: i64,
    },
    /// The command was not executed because its batch failed to write.
    #[error("命令未执行：写入数据库失败（{0}） / not executed: writing to the database failed ({0})")]
    Aborted(String),
    /// An idempotency key that is empty or longer than 128 characters.
    #[error("幂等键须为 1–128 个字符 / an idempotency key must be 1-128 characters")]
    BadIdempotencyKey,
    /// An idempotency key already used for another request; nothing was done.
    #[error(
        "该幂等键已用于另一个请求，请为新操作使用新的键 / this idempotency key was already used for another request; use a new key for a new action"
    )]
    IdempotencyKeyReused,
    /// A pairing code that is unknown, already used or expired.
    #[error("配对码无效、已使用或已过期 / the pairing code is unknown, already used or expired")]
    BadPairingCode,
    /// No terminal has this id.
    #[error("没有终端 {0} / no terminal {0}")]
    UnknownTerminal(String),
    /// A kiosk printer setting that is not valid; nothing changed.
    #[error("{zh} / {en}")]
    InvalidPrinter {
        /// What is wrong, in Chinese.
        zh: String,
        /// What is wrong, in English.
        en: String,
    },
    /// The terminal named is not a live kiosk of the hall.
    #[error("没有取号机 {0} / no kiosk {0}")]
    NotAKiosk(String),
    /// No print job has this id.
    #[error("没有打印任务 {0} / no print job {0}")]
    UnknownPrintJob(String),
    /// The print job is no longer pending (printed, skipped or cancelled).
    #[error("打印任务 {job} 已结束（{state}），不能再更改 / print job {job} is already {state} and cannot change")]
    PrintJobClosed {
        /// The job's id.
        job: String,
        /// Its state.
        state: &'static str,
    },
    /// Hashing a new PIN failed (argon2 could not get its memory); the PIN
    /// did not change.
    #[error("PIN 加密失败，PIN 未更改（{0}） / hashing the PIN failed; the PIN did not change ({0})")]
    PinHashFailed(String),
    /// A report's worker thread failed (a bug, or out of memory); nothing was written.
    #[error("报表计算线程失败，请重试 / the report's worker thread failed; please try again")]
    ReportThreadFailed,
    /// A report file (CSV, XLSX) could not be written.
    #[error("报表文件生成失败（{0}） / the report file could not be written ({0})")]
    ReportFileFailed(String),
    /// A ticket's print could not be rendered for the printer.
    #[error("小票排版失败（{0}） / the ticket could not be laid out for printing ({0})")]
    PrintRenderFailed(String),
    /// The hall engine has stopped; the command was not executed.
    #[error("营业厅引擎已停止，命令未执行 / the hall engine has stopped; the command was not executed")]
    EngineStopped,
    /// An exchange file (`hallq export` / `hallq import`) was refused; nothing changed.
    #[error("{zh} / {en}")]
    Exchange {
        /// A stable code, `exchange_*`.
        code: &'static str,
        /// What went wrong, in Chinese.
        zh: String,
        /// What went wrong, in English.
        en: String,
    },
    /// The database was made by a newer HallQ; it was left untouched.
    #[error(
        "数据库由更新版本的 HallQ 创建（架构 {found} > {known}），请升级 HallQ；文件未做改动 / made by a newer HallQ \
         (schema {found} > {known}); upgrade HallQ to open it. The file was not changed"
    )]
    TooNew {
        /// The file's schema version.
        found: i64,
        /// The newest schema this program knows.
        known: i64,
    },
    /// The database file is damaged (an integrity check failed, or SQLite
    /// reported corruption); it is not written to any more.
    #[error("{} / {}", .0.message_zh(), .0.message_en())]
    Damaged(Box<crate::backup::Damage>),
    /// The disk holding the database is full (SQLITE_FULL, ENOSPC).
    #[error(
        "磁盘已满，数据库无法写入；请腾出磁盘空间，腾出后自动恢复 / the disk is full and the database cannot be \
         written; free some disk space and work resumes by itself"
    )]
    DiskFull,
    /// The database's folder is on a read-only file system or not writable.
    #[error(
        "数据库所在位置只读，无法写入：{0}；请检查磁盘或权限 / the database's location is read-only and cannot be \
         written: {0}; check the disk or the permissions"
    )]
    ReadOnly(PathBuf),
    /// A HallQ server is using the database (restore refused).
    #[error(
        "HallQ 服务正在使用数据库 {0}，请先停止服务（或关闭桌面程序）再恢复 / a HallQ server is using the database \
         {0}; stop it (or close the desktop app) before restoring"
    )]
    InUse(PathBuf),
    /// A file offered to restore from is not a sound HallQ database this
    /// program can open; nothing changed.
    #[error("不能从 {file} 恢复：{zh} / cannot restore from {file}: {en}")]
    BadBackup {
        /// The file.
        file: PathBuf,
        /// Why, in Chinese.
        zh: String,
        /// Why, in English.
        en: String,
    },
}

impl From<rusqlite::Error> for StoreError {
    /// A value that does not read back as its type is a damaged row
    /// (`database_corrupt`); everything else is SQLite's own failure.
    fn from(e: rusqlite::Error) -> Self {
        match e {
            rusqlite::Error::FromSqlConversionFailure(..) | rusqlite::Error::InvalidColumnType(..) => {
                Self::Corrupt(e.to_string())
            }
            e => Self::Sqlite(e),
        }
    }
}

impl From<rusqlite::types::FromSqlError> for StoreError {
    fn from(e: rusqlite::types::FromSqlError) -> Self {
        Self::Corrupt(e.to_string())
    }
}

impl StoreError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Core(e) => e.code(),
            Self::Sqlite(_) => "database_error",
            Self::Migration(_) => "migration_failed",
            Self::Json(_) => "stored_data_damaged",
            Self::Io(_) => "io_error",
            Self::NoDatabase(_) => "no_database",
            Self::Corrupt(_) => "database_corrupt",
            Self::NoHall => "no_hall",
            Self::UnknownHall(_) => "unknown_hall",
            Self::SeveralHalls(_) => "several_halls",
            Self::HallExists(_) => "hall_exists",
            Self::BadPin => "bad_pin",
            Self::EngineStopped => "engine_stopped",
            Self::PinHashFailed(_) => "pin_hash_failed",
            Self::ReportThreadFailed => "report_thread_failed",
            Self::ReportFileFailed(_) => "report_file_failed",
            Self::PrintRenderFailed(_) => "print_render_failed",
            Self::Aborted(_) => "aborted",
            Self::BadPairingCode => "bad_pairing_code",
            Self::UnknownTerminal(_) => "unknown_terminal",
            Self::BadIdempotencyKey => "bad_idempotency_key",
            Self::IdempotencyKeyReused => "idempotency_key_reused",
            Self::StaffLocked { .. } => "staff_locked",
            Self::Exchange { code, .. } => code,
            Self::InvalidPrinter { .. } => "invalid_printer_config",
            Self::NotAKiosk(_) => "not_a_kiosk",
            Self::UnknownPrintJob(_) => "unknown_print_job",
            Self::PrintJobClosed { .. } => "print_job_closed",
            Self::TooNew { .. } => "database_too_new",
            Self::Damaged(_) => "database_damaged",
            Self::DiskFull => "disk_full",
            Self::ReadOnly(_) => "read_only",
            Self::InUse(_) => "database_in_use",
            Self::BadBackup { .. } => "bad_backup",
        }
    }

    /// The Chinese half of the message.
    pub fn message_zh(&self) -> String {
        match self {
            Self::Core(e) => e.message_zh(),
            Self::Exchange { zh, .. } | Self::InvalidPrinter { zh, .. } => zh.clone(),
            Self::Damaged(d) => d.message_zh(),
            Self::BadBackup { file, zh, .. } => format!("不能从 {} 恢复：{zh}", file.display()),
            other => other.to_string().split(" / ").next().unwrap_or_default().to_string(),
        }
    }

    /// The English half of the message.
    pub fn message_en(&self) -> String {
        match self {
            Self::Core(e) => e.message_en(),
            Self::Exchange { en, .. } | Self::InvalidPrinter { en, .. } => en.clone(),
            Self::Damaged(d) => d.message_en(),
            Self::BadBackup { file, en, .. } => format!("cannot restore from {}: {en}", file.display()),
            other => {
                let s = other.to_string();
                match s.split_once(" / ") {
                    Some((_, en)) => en.to_string(),
                    None => s,
                }
            }
        }
    }

    /// True when the command was refused (by the domain, or for reusing an
    /// idempotency key): a 4xx, not a fault.
    pub fn is_rejection(&self) -> bool {
        matches!(self, Self::Core(_) | Self::IdempotencyKeyReused)
    }

    /// True when the disk is full: SQLite's SQLITE_FULL or an ENOSPC.
    pub fn is_disk_full(&self) -> bool {
        match self {
            Self::DiskFull => true,
            Self::Sqlite(e) => e.sqlite_error_code() == Some(rusqlite::ErrorCode::DiskFull),
            Self::Io(e) => e.kind() == std::io::ErrorKind::StorageFull,
            _ => false,
        }
    }

    /// True when SQLite found the file damaged (SQLITE_CORRUPT,
    /// SQLITE_NOTADB) or an integrity check failed.
    pub fn is_damage(&self) -> bool {
        match self {
            Self::Damaged(_) => true,
            Self::Sqlite(e) => matches!(
                e.sqlite_error_code(),
                Some(rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase)
            ),
            _ => false,
        }
    }
}

/// The store's result type.
pub type Result<T> = std::result::Result<T, StoreError>;
