//! The hall engine: one thread per hall that owns the hall's write connection
//! and executes every command in arrival order.
//!
//! Serialising commands is what makes "two counters press Call at the same
//! instant" safe. Commands that arrive while a commit is in flight are
//! executed together and committed in one transaction (group commit), and
//! each is answered only after that commit returned: an answered command is
//! on disk (`synchronous=FULL`), and one fsync is shared by the whole batch.
//! After the commit, its events fan out to subscribers (the WebSocket
//! stream, the desktop windows) in seq order.

use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use hallq_core::{Actor, Command};
use tokio::sync::{broadcast, oneshot};
use uuid::Uuid;

use crate::clock::Clock;
use crate::error::{Result, StoreError};
use crate::fault::{Fault, Faults};
use crate::idempotency::IdempotencyKey;
use crate::log::StoredEvent;
use crate::printing::PrintOrder;
use crate::writer::{Executed, Writer};

/// The most commands committed in one transaction.
const MAX_BATCH: usize = 512;

/// How often an idle engine checks for the day rollover.
const TICK: Duration = Duration::from_secs(20);

/// How many committed events a slow subscriber may fall behind before it is
/// told it lagged (it then reads the gap from the log).
const EVENT_BUFFER: usize = 8192;

struct Job {
    actor: Actor,
    cmd: Command,
    key: Option<IdempotencyKey>,
    print: Option<PrintOrder>,
    reply: oneshot::Sender<Result<Executed>>,
}

/// A handle to a running hall engine. Clones share the engine; it stops when
/// [`HallEngine::shutdown`] is called or the last handle is dropped.
#[derive(Clone)]
pub struct HallEngine {
    inner: Arc<Inner>,
}

struct Inner {
    hall_id: Uuid,
    events: broadcast::Sender<Arc<StoredEvent>>,
    tx: Mutex<Option<mpsc::Sender<Job>>>,
    thread: Mutex<Option<JoinHandle<()>>>,
    faults: Arc<Faults>,
}

impl HallEngine {
    pub(crate) fn start(writer: Writer, clock: Arc<dyn Clock>) -> Result<Self> {
        let hall_id = writer.state.hall().id;
        let (tx, rx) = mpsc::channel::<Job>();
        let (events, _) = broadcast::channel(EVENT_BUFFER);
        let fanout = events.clone();
        let faults = Arc::new(Faults::new(std::path::Path::new(writer.conn.path().unwrap_or_default())));
        let seen = faults.clone();
        let thread = std::thread::Builder::new()
            .name(format!("hall-engine-{}", writer.state.hall().code))
            .spawn(move || run(writer, clock, rx, fanout, &seen))?;
        Ok(Self {
            inner: Arc::new(Inner {
                hall_id,
                events,
                tx: Mutex::new(Some(tx)),
                thread: Mutex::new(Some(thread)),
                faults,
            }),
        })
    }

    /// The hall this engine serves.
    pub fn hall_id(&self) -> Uuid {
        self.inner.hall_id
    }

    /// Executes a command and waits until it is durable. Must not be called
    /// from inside an async runtime; use [`HallEngine::execute_async`] there.
    pub fn execute(&self, actor: Actor, cmd: Command) -> Result<Executed> {
        self.execute_keyed(actor, cmd, None)
    }

    /// [`HallEngine::execute`] with an idempotency key: the same key sent
    /// again (a double click, a retry after a timeout) does not act again but
    /// returns the first successful answer.
    pub fn execute_keyed(&self, actor: Actor, cmd: Command, key: Option<IdempotencyKey>) -> Result<Executed> {
        self.execute_printed(actor, cmd, key, None)
    }

    /// [`HallEngine::execute_keyed`] for a kiosk's issue: the ticket's print
    /// job is recorded in the same commit ([`Executed::print`]).
    pub fn execute_printed(
        &self,
        actor: Actor,
        cmd: Command,
        key: Option<IdempotencyKey>,
        print: Option<PrintOrder>,
    ) -> Result<Executed> {
        let rx = self.submit(actor, cmd, key, print)?;
        rx.blocking_recv().map_err(|_| StoreError::EngineStopped)?
    }

    /// Executes a command and waits, without blocking the executor, until it
    /// is durable.
    pub async fn execute_async(&self, actor: Actor, cmd: Command) -> Result<Executed> {
        self.execute_keyed_async(actor, cmd, None).await
    }

    /// [`HallEngine::execute_keyed`] for async callers.
    pub async fn execute_keyed_async(
        &self,
        actor: Actor,
        cmd: Command,
        key: Option<IdempotencyKey>,
    ) -> Result<Executed> {
        self.execute_printed_async(actor, cmd, key, None).await
    }

    /// [`HallEngine::execute_keyed_async`] for a kiosk's issue: the ticket's
    /// print job is recorded in the same commit ([`Executed::print`]).
    pub async fn execute_printed_async(
        &self,
        actor: Actor,
        cmd: Command,
        key: Option<IdempotencyKey>,
        print: Option<PrintOrder>,
    ) -> Result<Executed> {
        let rx = self.submit(actor, cmd, key, print)?;
        rx.await.map_err(|_| StoreError::EngineStopped)?
    }

    /// Every event committed from now on, in seq order, once each. A
    /// subscriber that falls more than 8,192 events behind receives `Lagged`
    /// and should read the gap from the log ([`crate::Reader::events_since`]).
    /// Each event is shared, not copied, among the subscribers (and a slot
    /// of the buffer is a pointer: the 8,192 slots of whole events were
    /// 3.5 MB of every hall server's memory).
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<StoredEvent>> {
        self.inner.events.subscribe()
    }

    fn submit(
        &self,
        actor: Actor,
        cmd: Command,
        key: Option<IdempotencyKey>,
        print: Option<PrintOrder>,
    ) -> Result<oneshot::Receiver<Result<Executed>>> {
        if key.as_ref().is_some_and(|k| k.key.is_empty() || k.key.len() > 128) {
            return Err(StoreError::BadIdempotencyKey);
        }
        let (reply, rx) = oneshot::channel();
        let guard = self.inner.tx.lock().unwrap_or_else(|p| p.into_inner());
        let tx = guard.as_ref().ok_or(StoreError::EngineStopped)?;
        tx.send(Job { actor, cmd, key, print, reply }).map_err(|_| StoreError::EngineStopped)?;
        Ok(rx)
    }

    /// The database's standing fault (a full disk, damage), if any; a full
    /// disk is rechecked, so the answer clears as soon as space is back.
    pub fn fault(&self) -> Option<Fault> {
        self.inner.faults.recheck()
    }

    /// Notes a failure met outside the engine (a reader's): damage stops
    /// the engine writing. Returns the error to answer with.
    pub fn note_failure(&self, e: StoreError) -> StoreError {
        self.inner.faults.note(e)
    }

    /// Executes what is already queued, then stops the engine thread.
    pub fn shutdown(&self) {
        self.inner.shutdown();
    }
}

impl Inner {
    fn shutdown(&self) {
        drop(self.tx.lock().unwrap_or_else(|p| p.into_inner()).take());
        if let Some(t) = self.thread.lock().unwrap_or_else(|p| p.into_inner()).take() {
            let _ = t.join();
        }
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn run(
    mut writer: Writer,
    clock: Arc<dyn Clock>,
    rx: mpsc::Receiver<Job>,
    fanout: broadcast::Sender<Arc<StoredEvent>>,
    faults: &Faults,
) {
    loop {
        let first = match rx.recv_timeout(TICK) {
            Ok(job) => job,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                for e in tick(&mut writer, clock.as_ref(), faults) {
                    let _ = fanout.send(Arc::new(e));
                }
                continue;
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        };
        let mut batch = vec![first];
        // Let the submitters that were just answered run and resubmit, so
        // their commands share this commit instead of each paying a sync.
        std::thread::yield_now();
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        // A damaged file is never written again.
        if let Some(damage) = faults.damage() {
            for job in batch {
                let _ = job.reply.send(Err(StoreError::Damaged(damage.clone())));
            }
            continue;
        }
        let results = execute_batch(&mut writer, clock.as_ref(), &batch, faults);
        for (job, (result, replayed)) in batch.into_iter().zip(results) {
            if let (Ok(executed), false, true) = (&result, replayed, fanout.receiver_count() > 0) {
                for e in &executed.events {
                    let _ = fanout.send(Arc::new(e.clone()));
                }
            }
            let _ = job.reply.send(result);
        }
    }
}

/// Rolls the day over when the hall is idle at the rollover hour, so the
/// screens show a fresh day even before the first ticket, and logs a clock
/// step as soon as it is seen, so the day follows a corrected clock.
fn tick(writer: &mut Writer, clock: &dyn Clock, faults: &Faults) -> Vec<StoredEvent> {
    let now = clock.read();
    if faults.damage().is_some() || !writer.due(now) {
        return Vec::new();
    }
    let r = writer.begin().and_then(|()| writer.tick(now)).and_then(|(_, events)| writer.commit().map(|()| events));
    match r {
        Ok(events) => {
            faults.wrote();
            events
        }
        Err(e) => {
            let e = faults.note(e);
            tracing::error!(error = %e, "day rollover failed; rolled back");
            let _ = writer.rollback();
            Vec::new()
        }
    }
}

/// Executes a batch in one transaction. Rejections are per command; a
/// database failure fails the whole batch, and nothing of it is kept. Each
/// result says whether it was a replayed idempotent answer.
fn execute_batch(
    writer: &mut Writer,
    clock: &dyn Clock,
    batch: &[Job],
    faults: &Faults,
) -> Vec<(Result<Executed>, bool)> {
    let mut results = Vec::with_capacity(batch.len());
    let outcome = (|| -> Result<()> {
        writer.begin()?;
        for job in batch {
            match writer.execute_printed(
                job.actor.clone(),
                &job.cmd,
                clock.read(),
                job.key.as_ref(),
                job.print.as_ref(),
            ) {
                Err(e) if !e.is_rejection() => return Err(e),
                Err(e) => results.push((Err(e), false)),
                Ok((executed, replayed)) => results.push((Ok(executed), replayed)),
            }
        }
        writer.commit()
    })();
    if let Err(e) = outcome {
        tracing::error!(error = %e, commands = batch.len(), "batch failed; rolled back");
        if let Err(e2) = writer.rollback() {
            tracing::error!(error = %e2, "rollback failed");
        }
        // A full disk and damage are answered as such (507, 503), others as aborted.
        let answer = match faults.note(e) {
            e @ (StoreError::DiskFull | StoreError::Damaged(_)) => e,
            other => StoreError::Aborted(other.to_string()),
        };
        return batch.iter().map(|_| (Err(clone_fault(&answer)), false)).collect();
    }
    faults.wrote();
    results
}

fn clone_fault(e: &StoreError) -> StoreError {
    match e {
        StoreError::DiskFull => StoreError::DiskFull,
        StoreError::Damaged(d) => StoreError::Damaged(d.clone()),
        StoreError::Aborted(why) => StoreError::Aborted(why.clone()),
        other => StoreError::Aborted(other.to_string()),
    }
}
