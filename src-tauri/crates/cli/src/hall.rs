//! One hall of an existing database, as the subcommands use it: open the
//! database (never creating it), pick the hall (`--hall` or the only one),
//! and run one command through the store's hall engine.
//!
//! Every change goes through [`HallDb::execute`], so the CLI is decided by
//! the same engine and logged in the same event log as the hall server.

use std::path::Path;
use std::sync::Arc;

use anyhow::Result;
use chrono::NaiveDate;
use hallq_store::hallq_core::{Actor, Command, Hall};
use hallq_store::{Executed, Store, SystemClock};
use uuid::Uuid;

use crate::error::CliError;
use crate::init::now_ms;

/// An open database and the hall the command is about.
pub struct HallDb {
    /// The database.
    pub store: Store,
    /// The hall.
    pub hall: Hall,
}

/// Opens a database that must already exist (`hallq init` creates it), so a
/// mistyped `--db` is an error rather than a new empty file.
pub fn open_existing(db: &Path) -> Result<Store> {
    Ok(Store::open_existing(db)?)
}

/// What a report reads: the database, the hall whose calendar its dates
/// follow, and that hall's id — or `None` for every hall of the database
/// (a bureau's), when `every` is asked.
pub struct ReportScope {
    /// The database.
    pub store: Store,
    /// The hall whose business day the default dates follow.
    pub reference: Hall,
    /// The one hall reported, or `None` for every hall.
    pub hall: Option<Uuid>,
}

impl ReportScope {
    /// Opens `db` for one hall (`code`, or the only one) or, with `every`,
    /// for all of them.
    pub fn open(db: &Path, code: Option<&str>, every: bool) -> Result<Self> {
        if every {
            let store = open_existing(db)?;
            let reference = store.halls()?.into_iter().next().ok_or_else(|| {
                CliError::input(
                    "数据库中还没有营业厅，请先运行 hallq init",
                    "the database has no hall yet; run `hallq init` first",
                )
            })?;
            return Ok(Self { store, reference, hall: None });
        }
        let h = HallDb::open(db, code)?;
        let hall = Some(h.hall.id);
        Ok(Self { store: h.store, reference: h.hall, hall })
    }

    /// The report's days: `to` defaults to today's business day, `from` to
    /// `days` days before it (inclusive); `from` after `to` is refused.
    pub fn range(&self, from: Option<NaiveDate>, to: Option<NaiveDate>, days: i64) -> Result<(NaiveDate, NaiveDate)> {
        let to = to.unwrap_or_else(|| self.reference.business_day(now_ms()));
        let from = from.unwrap_or_else(|| to - chrono::Duration::days(days - 1));
        if from > to {
            return Err(CliError::input(
                format!("起始日期 {from} 晚于截止日期 {to}"),
                format!("--from {from} is after --to {to}"),
            )
            .into());
        }
        Ok((from, to))
    }
}

impl HallDb {
    /// Opens `db` and resolves `code` (or the database's only hall).
    pub fn open(db: &Path, code: Option<&str>) -> Result<Self> {
        let store = open_existing(db)?;
        let hall = store.resolve_hall(code)?;
        Ok(Self { store, hall })
    }

    /// Runs one command through the hall's engine, as the command line
    /// (`Actor::Cli`), on the system clock. It is on disk when this returns Ok.
    pub fn execute(&self, cmd: Command) -> Result<Executed> {
        tracing::info!(hall = %self.hall.code, command = cmd.name(), "execute");
        let engine = self.store.engine(self.hall.id, Arc::new(SystemClock))?;
        let result = engine.execute(Actor::Cli, cmd);
        engine.shutdown();
        Ok(result?)
    }
}
