//! `hallq export` and `hallq import`: how a station with no network
//! reports to its bureau. `export` writes one hall's event log and settings
//! to a checksummed exchange file (to `--out`, or to standard output when it
//! is not a terminal); `import` merges such a file into a bureau database,
//! all or nothing and idempotently by event id. The format and the merge
//! live in the store (`hallq_store::ExchangeHeader` and friends).

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use hallq_store::{Since, Store, StoreError};

use crate::error::CliError;
use crate::format::parse_date;
use crate::hall::HallDb;
use crate::init::now_ms;
use crate::output::{Stdout, outln};

/// `hallq export` flags.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// 起点：事件序号，或营业日 YYYY-MM-DD（当天第一个事件起）/
    /// start at this event seq, or at the first event of this business day (YYYY-MM-DD)
    /// [default: the hall's first event]
    #[arg(long, value_name = "SEQ|DATE")]
    since: Option<String>,
    /// 输出文件 / the file to write [default: standard output, when it is not a terminal]
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// 覆盖已有的输出文件 / replace an existing --out file
    #[arg(long)]
    force: bool,
}

/// `hallq import` flags.
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// `hallq export` 写出的交换文件 / the exchange file written by `hallq export`
    #[arg(value_name = "FILE")]
    file: PathBuf,
}

fn parse_since(s: &str) -> Result<Since> {
    let s = s.trim();
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        return match s.parse::<u64>() {
            Ok(n) if n >= 1 => Ok(Since::Seq(n)),
            _ => Err(CliError::input(
                format!("--since 序号“{s}”无效，应为从 1 起的整数"),
                format!("invalid --since seq '{s}': expected a whole number from 1"),
            )
            .into()),
        };
    }
    Ok(Since::Day(parse_date(s).map_err(|_| {
        CliError::input(
            format!("--since “{s}”无效，应为事件序号或营业日 YYYY-MM-DD"),
            format!("invalid --since '{s}': expected an event seq or a business day YYYY-MM-DD"),
        )
    })?))
}

/// Runs `hallq export`.
pub fn export(db: &Path, hall: Option<&str>, a: &ExportArgs) -> Result<()> {
    let since = a.since.as_deref().map(parse_since).transpose()?.unwrap_or(Since::Beginning);
    if let Some(out) = &a.out
        && out.exists()
        && !a.force
    {
        return Err(CliError::input(
            format!("{} 已存在；如要覆盖请加 --force", out.display()),
            format!("{} already exists; add --force to replace it", out.display()),
        )
        .into());
    }
    if a.out.is_none() && std::io::stdout().is_terminal() {
        return Err(CliError::input(
            "交换文件是二进制数据，不能写到终端；请用 --out FILE 或重定向到文件",
            "an exchange file is binary and is not written to a terminal; use --out FILE or redirect to a file",
        )
        .into());
    }
    let h = HallDb::open(db, hall)?;
    let (summary, size) = match &a.out {
        Some(out) => {
            // Written beside the destination and renamed into place when
            // complete: a failed export never leaves a file that looks good.
            let dir = match out.parent() {
                Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
                _ => PathBuf::from("."),
            };
            let cannot_write =
                || CliError::failure(format!("无法写入 {}", out.display()), format!("cannot write {}", out.display()));
            let staging =
                tempfile::Builder::new().prefix(".hallq-export-").tempdir_in(&dir).with_context(cannot_write)?;
            let partial = staging.path().join("export.hqx");
            let file = std::fs::File::create(&partial).with_context(cannot_write)?;
            let summary = h.store.export_hall(h.hall.id, since, now_ms(), std::io::BufWriter::new(&file))?;
            file.sync_all().with_context(cannot_write)?;
            std::fs::rename(&partial, out).with_context(cannot_write)?;
            (summary, std::fs::metadata(out).map(|m| m.len()).unwrap_or(0))
        }
        None => {
            let mut counting = Counting { inner: std::io::BufWriter::new(Stdout::lock()), bytes: 0 };
            let summary = h.store.export_hall(h.hall.id, since, now_ms(), &mut counting)?;
            counting.flush()?;
            (summary, counting.bytes)
        }
    };
    let line = format!(
        "已导出 / exported {} {}：{} 条事件 / events，序号 / seq {}–{}，{}",
        summary.hall.code,
        summary.hall.name,
        summary.events,
        summary.first_seq,
        summary.last_seq,
        if size < 1_000_000 {
            format!("{:.1} KB", size as f64 / 1000.0)
        } else {
            format!("{:.1} MB", size as f64 / 1e6)
        }
    );
    // Standard output may be the file itself.
    if a.out.is_some() {
        outln!("{line}")?;
    } else {
        eprintln!("{line}");
    }
    Ok(())
}

/// Counts the bytes written through it.
struct Counting<W: Write> {
    inner: W,
    bytes: u64,
}

impl<W: Write> Write for Counting<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Runs `hallq import`.
pub fn import(db: &Path, a: &ImportArgs) -> Result<()> {
    if !a.file.is_file() {
        return Err(CliError::input(
            format!("交换文件不存在：{}", a.file.display()),
            format!("the exchange file does not exist: {}", a.file.display()),
        )
        .into());
    }
    let new_db = !db.exists();
    let store = Store::open(db)?;
    let result = store.import_exchange(&a.file);
    let s = match result {
        Ok(s) => s,
        Err(e) => {
            if new_db {
                // Nothing was imported: leave no empty database behind.
                drop(store);
                for suffix in ["", "-wal", "-shm"] {
                    let mut p = db.as_os_str().to_owned();
                    p.push(suffix);
                    let _ = std::fs::remove_file(PathBuf::from(p));
                }
            }
            return Err(match e {
                StoreError::Exchange { zh, en, .. } => CliError::input(zh, en).into(),
                other => other.into(),
            });
        }
    };
    outln!(
        "已导入 / imported {} {}{}：新事件 {} 条 / new events，已有 {} 条 / already present，序号 / seq {}–{}",
        s.hall.code,
        s.hall.name,
        if s.created { "（新营业厅 / new hall）" } else { "" },
        s.new_events,
        s.already_present,
        s.first_seq,
        s.last_seq
    )?;
    Ok(())
}
