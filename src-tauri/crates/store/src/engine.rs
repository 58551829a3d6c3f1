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
use crate::idempotency::IdempotencyKey;
use crate::log::StoredEvent;
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
    events: broadcast::Sender<StoredEvent>,
    tx: Mutex<Option<mpsc::Sender<Job>>>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl HallEngine {
    pub(crate) fn start(writer: Writer, clock: Arc<dyn Clock>) -> Result<Self> {
        let hall_id = writer.state.hall().id;
        let (tx, rx) = mpsc::channel::<Job>();
        let (events, _) = broadcast::channel(EVENT_BUFFER);
        let fanout = events.clone();
        let thread = std::thread::Builder::new()
            .name(format!("hall-engine-{}", writer.state.hall().code))
            .spawn(move || run(writer, clock, rx, fanout))?;
        Ok(Self {
            inner: Arc::new(Inner { hall_id, events, tx: Mutex::new(Some(tx)), thread: Mutex::new(Some(thread)) }),
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
        let rx = self.submit(actor, cmd, key)?;
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
        let rx = self.submit(actor, cmd, key)?;
        rx.await.map_err(|_| StoreError::EngineStopped)?
    }

    /// Every event committed from now on, in seq order, once each. A
    /// subscriber that falls more than 8,192 events behind receives `Lagged`
    /// and should read the gap from the log ([`crate::Reader::events_since`]).
    pub fn subscribe(&self) -> broadcast::Receiver<StoredEvent> {
        self.inner.events.subscribe()
    }

    fn submit(
        &self,
        actor: Actor,
        cmd: Command,
        key: Option<IdempotencyKey>,
    ) -> Result<oneshot::Receiver<Result<Executed>>> {
        if key.as_ref().is_some_and(|k| k.key.is_empty() || k.key.len() > 128) {
            return Err(StoreError::BadIdempotencyKey);
        }
        let (reply, rx) = oneshot::channel();
        let guard = self.inner.tx.lock().unwrap_or_else(|p| p.into_inner());
        let tx = guard.as_ref().ok_or(StoreError::EngineStopped)?;
        tx.send(Job { actor, cmd, key, reply }).map_err(|_| StoreError::EngineStopped)?;
        Ok(rx)
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

fn run(mut writer: Writer, clock: Arc<dyn Clock>, rx: mpsc::Receiver<Job>, fanout: broadcast::Sender<StoredEvent>) {
    loop {
        let first = match rx.recv_timeout(TICK) {
            Ok(job) => job,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                for e in tick(&mut writer, clock.as_ref()) {
                    let _ = fanout.send(e);
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
        let results = execute_batch(&mut writer, clock.as_ref(), &batch);
        for (job, (result, replayed)) in batch.into_iter().zip(results) {
            if let (Ok(executed), false, true) = (&result, replayed, fanout.receiver_count() > 0) {
                for e in &executed.events {
                    let _ = fanout.send(e.clone());
                }
            }
            let _ = job.reply.send(result);
        }
    }
}

/// Rolls the day over when the hall is idle at the rollover hour, so the
/// screens show a fresh day even before the first ticket.
fn tick(writer: &mut Writer, clock: &dyn Clock) -> Vec<StoredEvent> {
    let now = clock.now_ms();
    if writer.state.rollover(now.max(writer.state.last_at())).is_empty() {
        return Vec::new();
    }
    let r = writer.begin().and_then(|()| writer.tick(now)).and_then(|events| writer.commit().map(|()| events));
    match r {
        Ok(events) => events,
        Err(e) => {
            tracing::error!(error = %e, "day rollover failed; rolled back");
            let _ = writer.rollback();
            Vec::new()
        }
    }
}

/// Executes a batch in one transaction. Rejections are per command; a
/// database failure fails the whole batch, and nothing of it is kept. Each
/// result says whether it was a replayed idempotent answer.
fn execute_batch(writer: &mut Writer, clock: &dyn Clock, batch: &[Job]) -> Vec<(Result<Executed>, bool)> {
    let mut results = Vec::with_capacity(batch.len());
    let outcome = (|| -> Result<()> {
        writer.begin()?;
        for job in batch {
            match writer.execute_keyed(job.actor.clone(), &job.cmd, clock.now_ms(), job.key.as_ref()) {
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
        let why = e.to_string();
        return batch.iter().map(|_| (Err(StoreError::Aborted(why.clone())), false)).collect();
    }
    results
}
