//! The write path of one hall: place the clock reading on the hall's time
//! line (logging a clock step), roll the day over, let the domain decide,
//! append the events, update the projections.
//!
//! A [`Writer`] owns the hall's only write connection and its live
//! [`HallState`]. It never commits by itself: the engine thread commits a
//! whole batch of commands at once (group commit) and the bulk writer commits
//! when its caller says. If SQLite fails mid-batch, the batch is rolled back
//! and the live state is restored from the projections, so memory never
//! holds what the disk does not.

use hallq_core::{Actor, Command, EventData, HallState, Millis, Ticket};
use rusqlite::{Connection, params};
use uuid::Uuid;

use crate::clock::{HallTime, Placed, Reading};
use crate::error::Result;
use crate::halls;
use crate::idempotency::{self, IdempotencyKey};
use crate::log::{self, StoredEvent};
use crate::printing::{self, PrintJob, PrintOrder};
use crate::projection::{mark_position, project};

/// How long idempotency keys are kept: long enough for any retry.
const KEY_LIFETIME_MS: Millis = 2 * 24 * 3_600_000;

/// What an executed command produced.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Executed {
    /// The seq of the last event it appended.
    pub seq: u64,
    /// The time the hall used for it (its monotonic time line).
    pub at: Millis,
    /// Its events, including a rollover or clock event that came first.
    pub events: Vec<StoredEvent>,
    /// The ticket it was about, as it is now.
    pub ticket: Option<Ticket>,
    /// The print job of a kiosk's ticket, recorded in the same transaction
    /// when the command came with a [`PrintOrder`] (not kept with an
    /// idempotent answer: a replay reads the job as it is now).
    #[serde(skip)]
    pub print: Option<PrintJob>,
}

pub(crate) struct Writer {
    pub(crate) conn: Connection,
    hall_key: i64,
    hall_id: Uuid,
    pub(crate) state: HallState,
    next_seq: u64,
    time: HallTime,
    /// The time line as the open transaction began, restored on rollback
    /// (a clock step rolled back must be seen again).
    time_at_begin: HallTime,
}

impl Writer {
    /// Opens the hall's writer on a read-write connection.
    pub(crate) fn open(conn: Connection, hall_id: Uuid) -> Result<Self> {
        let row = halls::by_id(&conn, hall_id)?;
        let state = halls::restore(&conn, &row)?;
        let time = HallTime::default();
        Ok(Self { conn, hall_key: row.key, hall_id, state, next_seq: row.last_seq + 1, time, time_at_begin: time })
    }

    /// A writer for a hall whose row was just inserted, starting from `state`.
    pub(crate) fn fresh(conn: Connection, hall_key: i64, state: HallState) -> Self {
        let hall_id = state.hall().id;
        let time = HallTime::default();
        Self { conn, hall_key, hall_id, state, next_seq: 1, time, time_at_begin: time }
    }

    pub(crate) fn begin(&mut self) -> Result<()> {
        self.conn.execute_batch("BEGIN IMMEDIATE")?;
        self.time_at_begin = self.time;
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
        self.time = self.time_at_begin;
        Ok(())
    }

    /// Executes one command inside the open transaction. A rejection
    /// (`StoreError::Core`) leaves the state as it was, apart from a rollover
    /// or clock event that was due anyway; any other error means the caller
    /// must [`Writer::rollback`].
    pub(crate) fn execute(&mut self, actor: Actor, cmd: &Command, now: Reading) -> Result<Executed> {
        self.execute_keyed(actor, cmd, now, None).map(|(e, _)| e)
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
        now: Reading,
        key: Option<&IdempotencyKey>,
    ) -> Result<(Executed, bool)> {
        self.execute_printed(actor, cmd, now, key, None)
    }

    /// [`Writer::execute_keyed`] that also records the print job of the
    /// ticket the command issued, in the same transaction, when `print`
    /// says which kiosk it is for.
    pub(crate) fn execute_printed(
        &mut self,
        actor: Actor,
        cmd: &Command,
        now: Reading,
        key: Option<&IdempotencyKey>,
        print: Option<&PrintOrder>,
    ) -> Result<(Executed, bool)> {
        if let Some(key) = key
            && let Some(mut first) = idempotency::replay(&self.conn, self.hall_key, key)?
        {
            if let (Some(_), Some(t)) = (print, &first.ticket) {
                first.print = printing::issue_job_of(&self.conn, self.hall_key, t.id)?;
            }
            return Ok((first, true));
        }
        let mut executed = self.run(actor, cmd, now)?;
        if let (Some(order), Some(t)) = (print, &executed.ticket) {
            let service = self.state.service(&t.service).map_or(t.service.as_str(), |s| s.name_zh.as_str());
            executed.print =
                printing::record_issue(&self.conn, self.hall_key, order, self.state.hall(), service, t, executed.at)?;
        }
        if let Some(key) = key {
            idempotency::keep(&self.conn, self.hall_key, key, &executed)?;
        }
        Ok((executed, false))
    }

    fn run(&mut self, actor: Actor, cmd: &Command, now: Reading) -> Result<Executed> {
        let (now, mut events) = self.tick(now)?;
        // On a rejection the clock/rollover events above still stand: they
        // were due whatever the command was.
        let decided = self.state.decide(cmd, now, &mut Uuid::now_v7)?;
        for e in decided {
            events.push(self.record(actor.clone(), now, e)?);
        }
        let ticket = events.iter().rev().find_map(|e| e.data.subject()).and_then(|id| self.state.ticket(id).cloned());
        Ok(Executed { seq: self.next_seq - 1, at: now, events, ticket, print: None })
    }

    /// Whether a reading would log a clock step or roll the day over: the
    /// idle engine's check before it opens a transaction for [`Writer::tick`].
    pub(crate) fn due(&self, now: Reading) -> bool {
        match self.time.place(now, self.state.last_at()) {
            Placed::Steady(now) => !self.state.rollover(now).is_empty(),
            Placed::Stepped { .. } => true,
        }
    }

    /// Places a reading on the hall's time line — logging a wall-clock step
    /// (the day's tickets move with it, so durations stay true) and
    /// re-anchoring — then rolls the business day over if the hall's time is
    /// in a later one. Returns the hall's time and the events that took.
    pub(crate) fn tick(&mut self, now: Reading) -> Result<(Millis, Vec<StoredEvent>)> {
        let placed = self.time.place(now, self.state.last_at());
        let at = placed.now();
        self.time.anchor(at, now);
        let mut out = Vec::new();
        match placed {
            Placed::Steady(_) => {}
            Placed::Stepped { from, to } => {
                tracing::warn!(from, to, by = to - from, "the wall clock stepped; the hall's time follows it");
                let e = self.state.clock_stepped(from, to);
                out.push(self.record(Actor::System, at, e)?);
            }
        }
        let rolled = self.state.rollover(at);
        if rolled.is_empty() {
            return Ok((at, out));
        }
        self.conn
            .prepare_cached("DELETE FROM idempotency WHERE hall = ?1 AND at < ?2")?
            .execute(params![self.hall_key, at - KEY_LIFETIME_MS])?;
        for e in rolled {
            out.push(self.record(Actor::System, at, e)?);
        }
        Ok((at, out))
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
