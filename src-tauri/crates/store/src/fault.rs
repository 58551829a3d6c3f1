//! What is wrong with a hall's database right now, as its engine (and the
//! server's readers) found it: a full disk, or damage.
//!
//! Damage stays until the program is restarted on a restored file: from the
//! first SQLITE_CORRUPT or SQLITE_NOTADB on, the engine writes nothing more
//! (every command is answered `database_damaged`), so a damaged file is
//! never written over. A full disk clears by itself: at the next commit that
//! succeeds, or when a probe finds the space back.
//!
//! Also here: telling a full disk or a read-only mount apart from other I/O
//! failures when a database cannot be opened, so the user reads the reason
//! in words rather than "disk I/O error".

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::backup::Damage;
use crate::error::StoreError;

/// A standing fault of the database.
#[derive(Debug, Clone)]
pub enum Fault {
    /// The disk is full: writes fail until space is freed.
    DiskFull,
    /// The file is damaged: nothing is written to it any more.
    Damaged(Box<Damage>),
}

impl Fault {
    /// The error a request meets while this fault stands.
    pub fn error(&self) -> StoreError {
        match self {
            Self::DiskFull => StoreError::DiskFull,
            Self::Damaged(d) => StoreError::Damaged(d.clone()),
        }
    }
}

/// The standing fault of one database, shared by its engine and readers.
#[derive(Debug)]
pub struct Faults {
    db: PathBuf,
    now: Mutex<Option<Fault>>,
}

impl Faults {
    /// No fault yet, for the database at `db`.
    pub fn new(db: &Path) -> Self {
        Self { db: db.to_path_buf(), now: Mutex::new(None) }
    }

    /// The fault standing now, if any.
    pub fn current(&self) -> Option<Fault> {
        self.now.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The damage found, if the file is damaged.
    pub fn damage(&self) -> Option<Box<Damage>> {
        match self.current() {
            Some(Fault::Damaged(d)) => Some(d),
            _ => None,
        }
    }

    /// Notes a failure; returns the error to answer with (damage and a full
    /// disk get their own, others are returned as they are).
    pub fn note(&self, e: StoreError) -> StoreError {
        let mut now = self.now.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(Fault::Damaged(d)) = &*now {
            return StoreError::Damaged(d.clone());
        }
        if e.is_damage() {
            let damage = match e {
                StoreError::Damaged(d) => d,
                other => Box::new(Damage::of(&self.db, &other.to_string())),
            };
            tracing::error!(db = %self.db.display(), detail = %damage.detail, "the database is damaged: writing stopped");
            *now = Some(Fault::Damaged(damage.clone()));
            return StoreError::Damaged(damage);
        }
        if e.is_disk_full() {
            if now.is_none() {
                tracing::error!(db = %self.db.display(), "the disk is full");
            }
            *now = Some(Fault::DiskFull);
            return StoreError::DiskFull;
        }
        e
    }

    /// A write was committed: a full disk is over.
    pub fn wrote(&self) {
        let mut now = self.now.lock().unwrap_or_else(|p| p.into_inner());
        if matches!(*now, Some(Fault::DiskFull)) {
            tracing::info!(db = %self.db.display(), "disk space is back");
            *now = None;
        }
    }

    /// While the disk is full, checks whether there is room again (a small
    /// file written and synced beside the database) and clears the fault if
    /// so. Returns the fault standing after the check.
    pub fn recheck(&self) -> Option<Fault> {
        if matches!(self.current(), Some(Fault::DiskFull)) && probe_space(&folder_of(&self.db)).is_ok() {
            self.wrote();
        }
        self.current()
    }
}

fn folder_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Writes, syncs and removes a 64 KiB file in `dir`: `Err` with the OS's
/// reason (no space, read-only) when the folder cannot take a write.
pub(crate) fn probe_space(dir: &Path) -> std::io::Result<()> {
    let path = dir.join(".hallq-space-probe");
    let written = (|| {
        let mut f = std::fs::File::create(&path)?;
        f.write_all(&[0u8; 64 * 1024])?;
        f.sync_all()
    })();
    let _ = std::fs::remove_file(&path);
    written
}

/// Turns a failure to open or migrate the database at `db` into a full disk
/// or a read-only location when a probe of its folder says so; any other
/// failure is returned as it is.
pub(crate) fn explain_open_failure(db: &Path, e: StoreError) -> StoreError {
    if e.is_disk_full() {
        return StoreError::DiskFull;
    }
    let io_like = match &e {
        StoreError::Sqlite(s) => matches!(
            s.sqlite_error_code(),
            Some(
                rusqlite::ErrorCode::SystemIoFailure
                    | rusqlite::ErrorCode::ReadOnly
                    | rusqlite::ErrorCode::CannotOpen
                    | rusqlite::ErrorCode::PermissionDenied
            )
        ),
        StoreError::Io(_) => true,
        _ => false,
    };
    if !io_like {
        return e;
    }
    let dir = folder_of(db);
    match probe_space(&dir) {
        Err(p) if p.kind() == std::io::ErrorKind::StorageFull => StoreError::DiskFull,
        Err(p) if matches!(p.kind(), std::io::ErrorKind::ReadOnlyFilesystem | std::io::ErrorKind::PermissionDenied) => {
            StoreError::ReadOnly(dir)
        }
        _ => e,
    }
}
