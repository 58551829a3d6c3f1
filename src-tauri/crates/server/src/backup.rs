//! The hall server's daily backup: a tokio task started by `Server::run`
//! (so `hallq serve` and the desktop app's embedded server both have it)
//! that makes a verified online copy of the database into the backup folder
//! when the last good one is older than `Config::backup_interval` (a day),
//! keeps the rotation (7 daily, 4 weekly: `hallq_store::backup`), and holds
//! the database's [`ServerLock`] while the server runs, so `hallq restore`
//! refuses to pull the file from under it.
//!
//! The default folder (`backups/` beside the database) is created; a folder
//! that was chosen (`hallq serve --backup-dir`, e.g. a USB stick) is never
//! created, so a stick that is not plugged in is reported as missing rather
//! than silently replaced by a folder on the PC's own disk.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use hallq_store::{BackupRecord, Millis, ServerLock, StoreError, last_good_backup};
use tokio::task::JoinHandle;

use crate::state::AppState;

/// A backup older than this is a warning on the board.
pub const STALE_MS: Millis = 2 * 24 * 3600 * 1000;

/// The backup folder of a served database and how its last attempt went.
#[derive(Debug)]
pub struct Backups {
    dir: PathBuf,
    chosen: bool,
    last_error: Mutex<Option<(Millis, StoreError)>>,
}

/// What the board shows about backups.
#[derive(Debug, Clone)]
pub struct BackupStatus {
    /// The backup folder.
    pub dir: PathBuf,
    /// Whether the folder exists.
    pub dir_exists: bool,
    /// The last good backup on record.
    pub last_good: Option<BackupRecord>,
    /// The last attempt's failure, if it failed: when and why.
    pub last_error: Option<(Millis, String, String)>,
    /// Whether the board warns: the folder is missing, the last failed, or
    /// the last good backup is missing or older than two days.
    pub warning: bool,
}

impl Backups {
    /// The backups of the database at `db` into `dir` (`None`: the default
    /// folder beside the database).
    pub fn new(db: &std::path::Path, dir: Option<PathBuf>) -> Self {
        let chosen = dir.is_some();
        let dir = dir.unwrap_or_else(|| hallq_store::default_backup_dir(db));
        Self { dir, chosen, last_error: Mutex::new(None) }
    }

    /// The status at `now`.
    pub fn status(&self, db: &std::path::Path, now: Millis) -> BackupStatus {
        let last_good = last_good_backup(db);
        let last_error = self
            .last_error
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .map(|(at, e)| (*at, e.message_zh(), e.message_en()));
        let dir_exists = self.dir.is_dir();
        let stale = last_good.as_ref().is_none_or(|b| now - b.at > STALE_MS);
        BackupStatus {
            dir: self.dir.clone(),
            dir_exists,
            warning: !dir_exists || stale || last_error.is_some(),
            last_good,
            last_error,
        }
    }

    /// Makes a backup now if the last good one is `interval` old (or there is
    /// none). Blocking: run it off the executor.
    fn run_if_due(&self, state: &AppState, interval: Duration) {
        let store = state.store();
        let now = state.now();
        let interval_ms = Millis::try_from(interval.as_millis()).unwrap_or(Millis::MAX);
        if let Some(last) = last_good_backup(store.path())
            && now >= last.at
            && now - last.at < interval_ms
        {
            return;
        }
        if !self.chosen
            && let Err(e) = std::fs::create_dir_all(&self.dir)
        {
            self.failed(now, e.into());
            return;
        }
        match store.backup_into(&self.dir, now) {
            Ok(b) => {
                tracing::info!(file = %b.file.display(), bytes = b.bytes, "daily backup made and verified");
                *self.last_error.lock().unwrap_or_else(|p| p.into_inner()) = None;
            }
            Err(e) => self.failed(now, e),
        }
    }

    fn failed(&self, now: Millis, e: StoreError) {
        tracing::error!(dir = %self.dir.display(), error = %e, "backup failed");
        *self.last_error.lock().unwrap_or_else(|p| p.into_inner()) = Some((now, e));
    }
}

/// Starts the backup task; it ends when the server shuts down.
pub(crate) fn spawn(state: AppState) -> JoinHandle<()> {
    tokio::spawn(async move {
        let db = state.store().path().to_path_buf();
        let lock = tokio::task::spawn_blocking(move || ServerLock::shared(&db)).await;
        let _lock = match lock {
            Ok(Ok(lock)) => Some(lock),
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "cannot lock the database against a restore");
                None
            }
            Err(_) => None,
        };
        let interval = state.config().backup_interval;
        let check = interval.min(Duration::from_secs(60));
        let mut shutdown = state.shutdown_signal();
        loop {
            if *shutdown.borrow() {
                break;
            }
            let s = state.clone();
            let _ = tokio::task::spawn_blocking(move || s.backups().run_if_due(&s, interval)).await;
            tokio::select! {
                () = tokio::time::sleep(check) => {}
                _ = shutdown.changed() => break,
            }
        }
    })
}
