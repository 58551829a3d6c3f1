//! The write path of one hall: clamp the clock, roll the day over, let the
//! domain decide, append the events, update the projections.
//!
//! A [`Writer`] owns the hall's only write connection and its live
//! [`HallState`]. It never commits by itself: the engine thread commits a
//! whole batch of commands at once (group commit) and the bulk writer commits
//! when its caller says. If SQLite fails mid-batch, the batch is rolled back
//! and the live state is restored from the projections, so memory never
//! holds what the disk does not.

use hallq_core::timing::clamp_clock;
use hallq_core::{Actor, Command, EventData, HallState, Millis, Ticket};
use rusqlite::{Connection, params};
use uuid::Uuid;

use crate::error::Result;
use crate::halls;
use crate::idempotency::{self, IdempotencyKey};
use crate::log::{self, StoredEvent};
use crate::projection::{mark_position, project};

/// How long idempotency keys are kept: long enough for any retry.
const KEY_LIFETIME_MS: Millis = 2 * 24 * 3_600_000;

/// What an executed command produced.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Executed {
    /// The seq of the last event it appended.
    pub seq: u64,
    /// The time the hall used for it (the clamped clock).
    pub at: Millis,
    /// Its events, including a rollover or clock event that came first.
    pub events: Vec<StoredEvent>,
    /// The ticket it was about, as it is now.
    pub ticket: Option<Ticket>,
}

pub(crate) struct Writer {
    pub(crate) conn: Connection,
    hall_key: i64,
    hall_id: Uuid,
    pub(crate) state: HallState,
    next_seq: u64,
    clock_behind: bool,
}

impl Writer {
    /// Opens the hall's writer on a read-write connection.
    pub(crate) fn open(conn: Connection, hall_id: Uuid) -> Result<Self> {
        let row = halls::by_id(&conn, hall_id)?;
        let state = halls::restore(&conn, &row)?;
        Ok(Self { conn, hall_key: row.key, hall_id, state, next_seq: row.last_seq + 1, clock_behind: false })
    }

    /// A writer for a hall whose row was just inserted, starting from `state`.
    pub(crate) fn fresh(conn: Connection, hall_key: i64, state: HallState) -> Self {
        let hall_id = state.hall().id;
        Self { conn, hall_key, hall_id, state, next_seq: 1, clock_behind: false }
    }

    pub(crate) fn begin(&self) -> Result<()> {
        self.conn.execute_batch("BEGIN IMMEDIATE")?;
        Ok(())
    }

    pub(crate) fn commit(&self) -> Result<()> {
        mark_position(&self.conn, self.hall_key, &self.state, self.next_seq - 1)?;
        self.conn.execute_batch("COMMIT")?;
        Ok(())
    }

    /// Rolls back the open transaction and reloads the live state from disk.
    pub(crate) fn rollback(&mut self) -> Result<()> {
        if !self.conn.is_autocommit() {
            self.conn.execute_batch("ROLLBACK")?;
        }
        let row = halls::by_id(&self.conn, self.hall_id)?;
        self.state = halls::restore(&self.conn, &row)?;
        self.next_seq = row.last_seq + 1;
        Ok(())
    }

    /// Executes one command inside the open transaction. A rejection
    /// (`StoreError::Core`) leaves the state as it was, apart from a rollover
    /// or clock event that was due anyway; any other error means the caller
    /// must [`Writer::rollback`].
    pub(crate) fn execute(&mut self, actor: Actor, cmd: &Command, wall: Millis) -> Result<Executed> {
        self.execute_keyed(actor, cmd, wall, None).map(|(e, _)| e)
    }

    /// [`Writer::execute`] with an idempotency key: if a command with this key
    /// already succeeded, its first answer is returned with `true` (nothing
    /// new happened); otherwise the command runs and a success is kept under
    /// the key in the same transaction. Rejections are not kept: they changed
    /// nothing, so a retry may rightly succeed.
    pub(crate) fn execute_keyed(
        &mut self,
        actor: Actor,
        cmd: &Command,
        wall: Millis,
        key: Option<&IdempotencyKey>,
    ) -> Result<(Executed, bool)> {
        if let Some(key) = key
            && let Some(first) = idempotency::replay(&self.conn, self.hall_key, key)?
        {
            return Ok((first, true));
        }
        let executed = self.run(actor, cmd, wall)?;
        if let Some(key) = key {
            idempotency::keep(&self.conn, self.hall_key, key, &executed)?;
        }
        Ok((executed, false))
    }

    fn run(&mut self, actor: Actor, cmd: &Command, wall: Millis) -> Result<Executed> {
        let now = clamp_clock(self.state.last_at(), wall);
        let mut events = Vec::new();
        if wall < self.state.last_at() {
            if !self.clock_behind {
                self.clock_behind = true;
                tracing::warn!(wall, kept = now, "the wall clock went backwards; keeping the hall's last time");
                events.push(self.record(Actor::System, now, EventData::ClockSetBack { wall, kept: now })?);
            }
        } else {
            self.clock_behind = false;
        }
        events.extend(self.tick(now)?);
        // On a rejection the rollover/clock events above still stand: they
        // were due whatever the command was.
        let decided = self.state.decide(cmd, now, &mut Uuid::now_v7)?;
        for e in decided {
            events.push(self.record(actor.clone(), now, e)?);
        }
        let ticket = events.iter().rev().find_map(|e| e.data.subject()).and_then(|id| self.state.ticket(id).cloned());
        Ok(Executed { seq: self.next_seq - 1, at: now, events, ticket })
    }

    /// Rolls the business day over if `wall` is in a later one; returns the
    /// events that took (none when the day has not changed).
    pub(crate) fn tick(&mut self, wall: Millis) -> Result<Vec<StoredEvent>> {
        let now = clamp_clock(self.state.last_at(), wall);
        let events = self.state.rollover(now);
        if events.is_empty() {
            return Ok(Vec::new());
        }
        self.conn
            .prepare_cached("DELETE FROM idempotency WHERE hall = ?1 AND at < ?2")?
            .execute(params![self.hall_key, now - KEY_LIFETIME_MS])?;
        let mut out = Vec::with_capacity(events.len());
        for e in events {
            out.push(self.record(Actor::System, now, e)?);
        }
        Ok(out)
    }

    /// Applies one decided event, appends it to the log and projects it.
    fn record(&mut self, actor: Actor, at: Millis, data: EventData) -> Result<StoredEvent> {
        let changes = self.state.apply(at, &data);
        let e = StoredEvent { id: Uuid::now_v7(), hall_id: self.hall_id, seq: self.next_seq, at, actor, data };
        log::append(&self.conn, self.hall_key, &e)?;
        project(&self.conn, self.hall_key, &self.state, &e, &changes)?;
        self.next_seq += 1;
        Ok(e)
    }
}
