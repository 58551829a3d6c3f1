//! The bulk writer: the engine's exact write path on the caller's thread,
//! committing only when told. `hallq demo` and `hallq bench` use it to write
//! months of simulated traffic with one commit per simulated day instead of
//! one fsync per command.

use hallq_core::{Actor, Command, HallState, Millis};

use crate::clock::Reading;
use crate::error::Result;
use crate::writer::{Executed, Writer};

/// A hall's writer driven directly, for bulk loads. Do not run it while a
/// [`crate::HallEngine`] serves the same hall.
pub struct BulkWriter {
    writer: Writer,
    in_tx: bool,
}

impl BulkWriter {
    pub(crate) fn new(writer: Writer) -> Self {
        Self { writer, in_tx: false }
    }

    /// Executes a command at `now` (not durable until [`BulkWriter::commit`]).
    /// A rejected command changes nothing; a database failure rolls back
    /// everything since the last commit.
    pub fn execute(&mut self, actor: Actor, cmd: Command, now: Millis) -> Result<Executed> {
        self.ensure_tx()?;
        let r = self.writer.execute(actor, &cmd, Reading::steady(now));
        self.after(r)
    }

    /// Rolls the business day over if `now` is in a later one (closing
    /// counters and expiring open tickets), without a command.
    pub fn tick(&mut self, now: Millis) -> Result<usize> {
        self.ensure_tx()?;
        let r = self.writer.tick(Reading::steady(now)).map(|(_, events)| events.len());
        self.after(r)
    }

    /// Makes everything executed so far durable.
    pub fn commit(&mut self) -> Result<()> {
        if self.in_tx {
            self.writer.commit()?;
            self.in_tx = false;
        }
        Ok(())
    }

    /// The hall's live state.
    pub fn state(&self) -> &HallState {
        &self.writer.state
    }

    fn ensure_tx(&mut self) -> Result<()> {
        if !self.in_tx {
            self.writer.begin()?;
            self.in_tx = true;
        }
        Ok(())
    }

    fn after<T>(&mut self, r: Result<T>) -> Result<T> {
        if let Err(e) = &r
            && !e.is_rejection()
        {
            self.in_tx = false;
            self.writer.rollback()?;
        }
        r
    }
}

impl Drop for BulkWriter {
    fn drop(&mut self) {
        if self.in_tx {
            let _ = self.writer.conn.execute_batch("ROLLBACK");
        }
    }
}
