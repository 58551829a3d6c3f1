//! `hallq restore --from FILE`: put a backup back in the database's place.
//!
//! The backup is checked first (a HallQ database, not made by a newer
//! HallQ, sound by the full integrity check); the database it replaces is
//! kept aside, renamed with the time (`hall.db.before-restore-<time>`), never
//! deleted; and while a HallQ server (`hallq serve`, the desktop app) holds
//! the database, the restore is refused. The store does the work
//! (`Store::restore`).

use std::path::{Path, PathBuf};

use anyhow::Result;
use hallq_store::{Store, StoreError};

use crate::error::CliError;
use crate::output::outln;

/// `hallq restore` flags.
#[derive(Debug, clap::Args)]
pub struct RestoreArgs {
    /// 用来恢复的备份文件 / the backup file to restore from
    #[arg(long, value_name = "FILE")]
    from: PathBuf,
}

/// Runs `hallq restore`.
pub fn run(db: &Path, a: &RestoreArgs) -> Result<()> {
    let now = chrono::Utc::now().timestamp_millis();
    let aside = Store::restore(db, &a.from, now).map_err(|e| match e {
        // The user named the wrong file, or must stop the server first.
        StoreError::BadBackup { .. } | StoreError::InUse(_) => CliError::input(e.message_zh(), e.message_en()),
        other => CliError::from(other),
    })?;
    outln!("已从 {0} 恢复数据库 / the database was restored from {0}", a.from.display())?;
    if let Some(aside) = aside {
        outln!("原数据库已保存为 / the previous database was kept as: {}", aside.display())?;
    }
    Ok(())
}
