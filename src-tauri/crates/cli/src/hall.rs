//! One hall of an existing database, as the subcommands use it: open the
//! database (never creating it), pick the hall (`--hall` or the only one),
//! and run one command through the store's hall engine.
//!
//! Every change goes through [`HallDb::execute`], so the CLI is decided by
//! the same engine and logged in the same event log as the hall server.

use std::path::Path;
use std::sync::Arc;

use anyhow::Result;
use hallq_store::hallq_core::{Actor, Command, Hall};
use hallq_store::{Executed, Store, SystemClock};

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
