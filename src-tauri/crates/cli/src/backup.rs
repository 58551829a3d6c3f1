//! `hallq backup --to FILE`: an online backup of the whole database (every
//! hall) while the hall keeps working, through SQLite's backup API.
//!
//! The copy is written beside the destination under a temporary name and
//! renamed into place only when complete, so a failed or interrupted backup
//! never leaves a half-written file that looks like a good one — and never
//! destroys the previous backup. An existing file is kept unless `--force`.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::error::CliError;
use crate::hall::open_existing;
use crate::output::outln;

/// `hallq backup` flags.
#[derive(Debug, clap::Args)]
pub struct BackupArgs {
    /// 备份文件 / the backup file to write
    #[arg(long, value_name = "FILE")]
    to: PathBuf,
    /// 覆盖已有文件 / replace an existing file
    #[arg(long)]
    force: bool,
}

/// Runs `hallq backup`.
pub fn run(db: &Path, a: &BackupArgs) -> Result<()> {
    let dest = &a.to;
    if dest.exists() && !a.force {
        return Err(CliError::input(
            format!("{} 已存在；如要覆盖请加 --force", dest.display()),
            format!("{} already exists; add --force to replace it", dest.display()),
        )
        .into());
    }
    let store = open_existing(db)?;
    if same_file(store.path(), dest) {
        return Err(CliError::input("备份文件不能是数据库本身", "the backup file cannot be the database itself").into());
    }
    let dir = match dest.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let cannot_write = || {
        CliError::failure(
            format!("无法在 {} 写入备份", dir.display()),
            format!("cannot write the backup in {}", dir.display()),
        )
    };
    let staging = tempfile::Builder::new().prefix(".hallq-backup-").tempdir_in(&dir).with_context(cannot_write)?;
    let partial = staging.path().join("backup.db");
    store.backup_to(&partial)?;
    std::fs::rename(&partial, dest).with_context(cannot_write)?;
    let size = std::fs::metadata(dest).map(|m| m.len()).unwrap_or(0);
    // The copy passed its check: it is the last good backup a damaged
    // database's message names.
    let record = hallq_store::BackupRecord {
        file: dest.canonicalize().unwrap_or_else(|_| dest.clone()),
        at: chrono::Utc::now().timestamp_millis(),
        bytes: size,
    };
    if let Err(e) = hallq_store::record_good_backup(store.path(), &record) {
        tracing::warn!(error = %e, "the backup was made but could not be recorded as the last good one");
    }
    outln!("已备份到 / backed up to: {} ({:.1} MB)", dest.display(), size as f64 / 1_000_000.0)?;
    Ok(())
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}
