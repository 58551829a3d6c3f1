//! Backups and recovery: the daily online copy into a backup folder (a USB
//! stick at a rural station, or `backups/` beside the database), verified
//! and rotated; the record of the last good backup, which a damaged
//! database's message names; restoring from a backup; and the lock by which
//! a running server keeps a restore away from its database.
//!
//! A backup is written under a temporary name, checked with the full
//! `integrity_check` and only then renamed into place, so a file named like
//! a backup is a good one. The last good backup is recorded beside the
//! database (`<db>.last-backup.json`), not inside it: it must still be
//! readable when the database is damaged.
//!
//! Rotation keeps the newest backup of each of the last 7 days that have
//! one and the newest of each of the last 4 ISO weeks that have one (the
//! sets overlap); it only ever deletes files named by this module, and
//! counts days that have backups rather than calendar days, so a station
//! that was off for a month keeps its last backups.

use std::collections::BTreeSet;
use std::fs::File;
use std::path::{Path, PathBuf};

use chrono::{Datelike, Local, NaiveDateTime, TimeZone};
use rusqlite::Connection;
use serde::{Deserialize, Serialize};

use crate::db;
use crate::error::{Result, StoreError};
use crate::store::Store;
use hallq_core::Millis;

/// Daily backups kept.
pub const KEEP_DAILY: usize = 7;
/// Weekly backups kept.
pub const KEEP_WEEKLY: usize = 4;

const PREFIX: &str = "hallq-";
const SUFFIX: &str = ".db";
const STAMP: &str = "%Y%m%d-%H%M%S-%3f";

/// A backup that was made and verified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupRecord {
    /// The backup file.
    pub file: PathBuf,
    /// When it was made, UTC ms.
    pub at: Millis,
    /// Its size in bytes.
    pub bytes: u64,
}

/// What is known about a damaged database: what the check found and the
/// last good backup to restore from.
#[derive(Debug, Clone)]
pub struct Damage {
    /// The damaged database file.
    pub db: PathBuf,
    /// What SQLite reported (the first problems found).
    pub detail: String,
    /// The last good backup on record, if any.
    pub backup: Option<BackupRecord>,
}

impl Damage {
    /// The damage of `db`, with its last good backup looked up.
    pub fn of(db: &Path, detail: &str) -> Self {
        // One line: SQLite's report has a line per problem and a heading.
        let lines: Vec<&str> = detail
            .lines()
            .flat_map(|l| l.split("; "))
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with("***"))
            .collect();
        let mut detail: String = lines.join("; ").chars().take(300).collect();
        if detail.is_empty() {
            detail = "integrity_check".into();
        }
        Self { db: db.to_path_buf(), detail, backup: last_good_backup(db) }
    }

    /// The message in Chinese: what happened, the last good backup, how to restore.
    pub fn message_zh(&self) -> String {
        let head = format!("数据库文件 {} 已损坏，已停止使用，文件未做改动（{}）", self.db.display(), self.detail);
        match &self.backup {
            Some(b) => format!(
                "{head}。最近一次完好的备份：{}（{}）。恢复方法：停止 HallQ 后运行 hallq restore --from \"{}\"",
                b.file.display(),
                local_time(b.at),
                b.file.display()
            ),
            None => format!("{head}。没有完好备份的记录；请找到最近的备份文件后运行 hallq restore --from 备份文件"),
        }
    }

    /// The message in English.
    pub fn message_en(&self) -> String {
        let head = format!(
            "the database file {} is damaged; it is no longer used and was left untouched ({})",
            self.db.display(),
            self.detail
        );
        match &self.backup {
            Some(b) => format!(
                "{head}. The last good backup: {} ({}). To restore: stop HallQ, then run hallq restore --from \"{}\"",
                b.file.display(),
                local_time(b.at),
                b.file.display()
            ),
            None => format!(
                "{head}. No good backup is on record; find the latest backup file and run hallq restore --from FILE"
            ),
        }
    }
}

/// A time as this PC shows it, to the minute.
fn local_time(at: Millis) -> String {
    match Local.timestamp_millis_opt(at) {
        chrono::LocalResult::Single(t) => t.format("%Y-%m-%d %H:%M").to_string(),
        _ => at.to_string(),
    }
}

/// The default backup folder: `backups/` beside the database.
pub fn default_backup_dir(db: &Path) -> PathBuf {
    folder_of(db).join("backups")
}

fn folder_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// Where the last good backup of `db` is recorded.
fn record_path(db: &Path) -> PathBuf {
    with_suffix(db, ".last-backup.json")
}

/// The last good backup of `db` on record (made by the server's daily
/// backup or `hallq backup`), if any.
pub fn last_good_backup(db: &Path) -> Option<BackupRecord> {
    let text = std::fs::read(record_path(db)).ok()?;
    serde_json::from_slice(&text).ok()
}

/// Records `record` as the last good backup of `db` (written aside and
/// renamed, so a reader never sees half a record).
pub fn record_good_backup(db: &Path, record: &BackupRecord) -> Result<()> {
    let path = record_path(db);
    let tmp = with_suffix(&path, ".tmp");
    std::fs::write(&tmp, serde_json::to_vec_pretty(record)?)?;
    std::fs::rename(&tmp, &path)?;
    Ok(())
}

/// Which backups rotation keeps, given each one's local time: the newest of
/// each of the last `daily` days that have backups and the newest of each of
/// the last `weekly` ISO weeks that have backups. Returns the indexes kept.
pub fn rotation_keeps(stamps: &[NaiveDateTime], daily: usize, weekly: usize) -> BTreeSet<usize> {
    let mut order: Vec<usize> = (0..stamps.len()).collect();
    order.sort_by(|&a, &b| stamps[b].cmp(&stamps[a]));
    let mut keep = BTreeSet::new();
    let mut days = BTreeSet::new();
    let mut weeks = BTreeSet::new();
    for i in order {
        let day = stamps[i].date();
        if days.len() < daily && days.insert(day) {
            keep.insert(i);
        }
        let week = (day.iso_week().year(), day.iso_week().week());
        if weeks.len() < weekly && weeks.insert(week) {
            keep.insert(i);
        }
    }
    keep
}

/// The backups in `dir` (files this module named), with their times.
fn backups_in(dir: &Path) -> Result<Vec<(PathBuf, NaiveDateTime)>> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let Some(stamp) = name.strip_prefix(PREFIX).and_then(|n| n.strip_suffix(SUFFIX)) else { continue };
        if let Ok(t) = NaiveDateTime::parse_from_str(stamp, STAMP) {
            found.push((entry.path(), t));
        }
    }
    Ok(found)
}

/// Deletes the backups in `dir` that rotation does not keep; returns them.
pub fn rotate(dir: &Path) -> Result<Vec<PathBuf>> {
    let found = backups_in(dir)?;
    let stamps: Vec<NaiveDateTime> = found.iter().map(|(_, t)| *t).collect();
    let keep = rotation_keeps(&stamps, KEEP_DAILY, KEEP_WEEKLY);
    let mut deleted = Vec::new();
    for (i, (path, _)) in found.into_iter().enumerate() {
        if !keep.contains(&i) {
            std::fs::remove_file(&path)?;
            deleted.push(path);
        }
    }
    Ok(deleted)
}

/// Copies the database at `src` to the new file `dest` in one read
/// transaction (consistent, and in WAL mode it never blocks the writer), then
/// runs the full integrity check on the copy.
pub(crate) fn copy_verified(src: &Path, dest: &Path) -> Result<()> {
    let from = db::open_look(src)?;
    let mut to = Connection::open(dest)?;
    {
        let backup = rusqlite::backup::Backup::new(&from, &mut to)?;
        // -1: every page in one step, so the copy is one snapshot.
        backup.step(-1)?;
    }
    db::check(&to, true).map_err(|detail| {
        StoreError::Damaged(Box::new(Damage { db: src.to_path_buf(), detail, backup: last_good_backup(src) }))
    })?;
    drop(to);
    File::open(dest)?.sync_all()?;
    Ok(())
}

impl Store {
    /// Makes a verified backup into `dir` (which must exist), named by the
    /// local time of `now`, records it as the last good backup and rotates
    /// the folder. A copy that fails its check is deleted and never
    /// recorded.
    pub fn backup_into(&self, dir: &Path, now: Millis) -> Result<BackupRecord> {
        if !dir.is_dir() {
            return Err(StoreError::Io(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("{} 不存在 / does not exist", dir.display()),
            )));
        }
        let stamp = match Local.timestamp_millis_opt(now) {
            chrono::LocalResult::Single(t) => t.naive_local(),
            _ => chrono::DateTime::from_timestamp_millis(now).unwrap_or_default().naive_utc(),
        };
        let name = format!("{PREFIX}{}{SUFFIX}", stamp.format(STAMP));
        let file = dir.join(&name);
        let partial = dir.join(format!(".{name}.partial"));
        let _ = std::fs::remove_file(&partial);
        let made = copy_verified(self.path(), &partial).and_then(|()| Ok(std::fs::rename(&partial, &file)?));
        if let Err(e) = made {
            let _ = std::fs::remove_file(&partial);
            return Err(e);
        }
        let record = BackupRecord { bytes: std::fs::metadata(&file)?.len(), file, at: now };
        record_good_backup(self.path(), &record)?;
        for gone in rotate(dir)? {
            tracing::info!(file = %gone.display(), "old backup rotated out");
        }
        Ok(record)
    }

    /// Replaces the database at `db` with the backup `from`, after checking
    /// it (a sound HallQ database, not newer than this program). The old
    /// database (with its WAL) is kept aside as
    /// `<db>.before-restore-<time>`; returns that name, or `None` when there
    /// was no database. Refused while a HallQ server holds `db` (see
    /// [`ServerLock`]); a refused restore changes nothing.
    pub fn restore(db: &Path, from: &Path, now: Millis) -> Result<Option<PathBuf>> {
        let bad = |zh: &str, en: &str| StoreError::BadBackup { file: from.to_path_buf(), zh: zh.into(), en: en.into() };
        if same_file(db, from) {
            return Err(bad("备份文件就是数据库本身", "the backup file is the database itself"));
        }
        match db::inspect_backup(from) {
            Ok(()) => {}
            Err(StoreError::NoDatabase(_)) => return Err(bad("文件不存在", "the file does not exist")),
            Err(StoreError::Corrupt(_)) => return Err(bad("不是 HallQ 数据库", "it is not a HallQ database")),
            Err(StoreError::TooNew { found, known }) => {
                return Err(bad(
                    &format!("由更新版本的 HallQ 创建（架构 {found} > {known}）"),
                    &format!("made by a newer HallQ (schema {found} > {known})"),
                ));
            }
            Err(StoreError::Damaged(d)) => {
                return Err(bad(
                    &format!("文件已损坏（{}）", d.detail),
                    &format!("the file is damaged ({})", d.detail),
                ));
            }
            Err(e) => return Err(bad(&e.message_zh(), &e.message_en())),
        }
        let dir = folder_of(db);
        std::fs::create_dir_all(&dir)?;
        let _lock = ServerLock::exclusive(db)?;
        let stamp = match Local.timestamp_millis_opt(now) {
            chrono::LocalResult::Single(t) => t.format("%Y%m%d-%H%M%S").to_string(),
            _ => now.to_string(),
        };
        let staging = dir.join(format!(".hallq-restore-{stamp}.db"));
        let _ = std::fs::remove_file(&staging);
        if let Err(e) = copy_verified(from, &staging) {
            let _ = std::fs::remove_file(&staging);
            return Err(e);
        }
        let aside = if db.exists() {
            let aside = with_suffix(db, &format!(".before-restore-{stamp}"));
            std::fs::rename(db, &aside)?;
            for part in ["-wal", "-shm"] {
                let side = with_suffix(db, part);
                if side.exists() {
                    std::fs::rename(&side, with_suffix(&aside, part))?;
                }
            }
            Some(aside)
        } else {
            None
        };
        std::fs::rename(&staging, db)?;
        if let Ok(d) = File::open(&dir) {
            let _ = d.sync_all();
        }
        Ok(aside)
    }
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// A running server's claim on its database: a shared advisory lock on
/// `<db>.lock`, held while it serves. A restore takes the lock exclusively
/// and is refused while any server holds it. (Not the database file itself:
/// closing another descriptor of that file would drop SQLite's own locks.)
#[derive(Debug)]
pub struct ServerLock {
    _file: File,
}

impl ServerLock {
    /// Claims `db` for a server. Several servers may hold it (a second one
    /// on another hall of the same file).
    pub fn shared(db: &Path) -> Result<Self> {
        let file = Self::open(db)?;
        file.lock_shared()?;
        Ok(Self { _file: file })
    }

    /// Claims `db` for a restore, refused at once with
    /// [`StoreError::InUse`] while a server holds it.
    fn exclusive(db: &Path) -> Result<Self> {
        let file = Self::open(db)?;
        match file.try_lock() {
            Ok(()) => Ok(Self { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => Err(StoreError::InUse(db.to_path_buf())),
            Err(std::fs::TryLockError::Error(e)) => Err(e.into()),
        }
    }

    fn open(db: &Path) -> Result<File> {
        Ok(std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(with_suffix(db, ".lock"))?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    fn kept(stamps: &[&str]) -> Vec<String> {
        let times: Vec<NaiveDateTime> = stamps.iter().map(|s| at(s)).collect();
        rotation_keeps(&times, KEEP_DAILY, KEEP_WEEKLY).into_iter().map(|i| stamps[i].to_string()).collect()
    }

    #[test]
    fn rotation_keeps_seven_days_and_four_weeks() {
        // One backup a day at 03:00 for 60 days (2026-10-01 .. 2026-11-29),
        // and a second one on the last day.
        let start = at("2026-10-01 03:00");
        let mut stamps: Vec<String> =
            (0..60).map(|d| (start + chrono::Duration::days(d)).format("%Y-%m-%d %H:%M").to_string()).collect();
        stamps.push("2026-11-29 15:00".into());
        let refs: Vec<&str> = stamps.iter().map(String::as_str).collect();
        let mut k = kept(&refs);
        k.sort();
        // 2026-11-29 is a Sunday: the last seven days are 11-23 (Mon) .. 11-29,
        // the newest of that day the 15:00 one; the weeks before end on
        // Sundays 11-22, 11-15 and 11-08.
        assert_eq!(
            k,
            [
                "2026-11-08 03:00",
                "2026-11-15 03:00",
                "2026-11-22 03:00",
                "2026-11-23 03:00",
                "2026-11-24 03:00",
                "2026-11-25 03:00",
                "2026-11-26 03:00",
                "2026-11-27 03:00",
                "2026-11-28 03:00",
                "2026-11-29 15:00",
            ]
        );
    }

    #[test]
    fn rotation_counts_days_with_backups_not_calendar_days() {
        // A station off for two months keeps its last backups.
        let k = kept(&["2026-08-01 03:00", "2026-08-02 03:00", "2026-10-05 09:00"]);
        assert_eq!(k.len(), 3);
        // Several the same day: only the newest of the day stays.
        let k = kept(&["2026-10-05 09:00", "2026-10-05 10:00", "2026-10-05 11:00"]);
        assert_eq!(k, ["2026-10-05 11:00"]);
        assert!(kept(&[]).is_empty());
    }

    #[test]
    fn rotate_deletes_only_its_own_files() {
        let dir = tempfile::tempdir().unwrap();
        let start = at("2026-10-01 03:00");
        for d in 0..20 {
            let name = format!("{PREFIX}{}{SUFFIX}", (start + chrono::Duration::days(d)).format(STAMP));
            std::fs::write(dir.path().join(name), b"x").unwrap();
        }
        std::fs::write(dir.path().join("notes.db"), b"mine").unwrap();
        std::fs::write(dir.path().join("hallq-not-a-date.db"), b"mine").unwrap();
        let deleted = rotate(dir.path()).unwrap();
        // 20 days from Thu 10-01 to Tue 10-20: 7 days (10-14..10-20; the
        // week of 10-12 ends on 10-18, one of them) and the Sundays 10-11
        // and 10-04.
        assert_eq!(deleted.len(), 20 - 9, "{deleted:?}");
        assert!(dir.path().join("notes.db").exists() && dir.path().join("hallq-not-a-date.db").exists());
        assert_eq!(backups_in(dir.path()).unwrap().len(), 9);
    }
}
