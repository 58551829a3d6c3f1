//! Connections kept open for reuse: opening a SQLite connection (file open,
//! WAL index, pragmas, schema parse on first use) costs far more than the
//! short reads and side writes the store makes on the hall's hot paths
//! (a ticket's print job, a terminal's token, a kiosk's printer).
//!
//! A [`Pooled`] connection goes back to its pool when dropped, unless it is
//! inside a transaction that will not roll back (then it is closed). The
//! pool keeps at most a few idle connections of each kind; under a burst
//! more are opened and the extra ones closed afterwards, so the pool never
//! limits concurrency, only the cost of opening.

use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use rusqlite::Connection;

use crate::db;
use crate::error::Result;

/// Idle read-write connections kept (side writes are short and rare).
const IDLE_WRITERS: usize = 2;

/// Idle read-only connections kept unless told otherwise
/// ([`Pool::keep_readers`]).
const IDLE_READERS: usize = 8;

/// How long an idle report connection is kept. Its memory map of the file
/// stays in place meanwhile, so the next report (a supervisor clicking
/// through the groupings) neither faults the pages in again nor waits for
/// the map to be torn down; the pages are the file's, shared and
/// reclaimable, but they count in the process's RSS, so not for long.
const IDLE_REPORT_SECS: u64 = 120;

/// The connections of one database file.
pub(crate) struct Pool {
    path: PathBuf,
    readers: Mutex<Vec<Connection>>,
    writers: Mutex<Vec<Connection>>,
    /// Report connections ([`db::open_report`]) and when each was given back.
    reports: Mutex<Vec<(Connection, std::time::Instant)>>,
    /// Whether a thread is closing report connections left idle.
    reaping: std::sync::atomic::AtomicBool,
    keep_readers: AtomicUsize,
}

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pool").field("path", &self.path).finish_non_exhaustive()
    }
}

#[derive(Clone, Copy)]
enum Kind {
    Read,
    Write,
    Report,
}

impl Pool {
    pub(crate) fn new(path: &Path) -> Self {
        Self {
            path: path.to_path_buf(),
            readers: Mutex::new(Vec::new()),
            writers: Mutex::new(Vec::new()),
            reports: Mutex::new(Vec::new()),
            reaping: std::sync::atomic::AtomicBool::new(false),
            keep_readers: AtomicUsize::new(IDLE_READERS),
        }
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// How many idle read-only connections to keep (a hall server with a
    /// LAN of screens keeps more than a one-PC station).
    pub(crate) fn keep_readers(&self, n: usize) {
        self.keep_readers.store(n, Ordering::Relaxed);
        let mut idle = self.readers.lock().unwrap_or_else(|p| p.into_inner());
        idle.truncate(n);
    }

    /// A read-only connection (`query_only`).
    pub(crate) fn read(self: &Arc<Self>) -> Result<Pooled> {
        self.take(Kind::Read)
    }

    /// A read-write connection, for the store's side writes (never the
    /// hall engine's: it owns its own).
    pub(crate) fn write(self: &Arc<Self>) -> Result<Pooled> {
        self.take(Kind::Write)
    }

    /// A read-only connection for one thread of a report's scan
    /// ([`db::open_report`]: the file memory-mapped), kept for the next
    /// report a little while ([`IDLE_REPORT_SECS`]).
    pub(crate) fn report(self: &Arc<Self>) -> Result<Pooled> {
        let reused = self.reports.lock().unwrap_or_else(|p| p.into_inner()).pop().map(|(c, _)| c);
        let conn = match reused {
            Some(c) => c,
            None => db::open_report(&self.path)?,
        };
        Ok(Pooled { conn: Some(conn), home: Some((self.clone(), Kind::Report)) })
    }

    fn idle(&self, kind: Kind) -> &Mutex<Vec<Connection>> {
        match kind {
            Kind::Read | Kind::Report => &self.readers,
            Kind::Write => &self.writers,
        }
    }

    fn take(self: &Arc<Self>, kind: Kind) -> Result<Pooled> {
        let reused = self.idle(kind).lock().unwrap_or_else(|p| p.into_inner()).pop();
        let conn = match (reused, kind) {
            (Some(c), _) => c,
            (None, Kind::Read | Kind::Report) => db::open_ro(&self.path)?,
            (None, Kind::Write) => db::open_rw(&self.path)?,
        };
        Ok(Pooled { conn: Some(conn), home: Some((self.clone(), kind)) })
    }

    /// Keeps a report connection (at most one per core) and makes sure a
    /// thread closes it once it has been idle [`IDLE_REPORT_SECS`]: the
    /// thread holds the pool weakly and ends with it, or when none is left.
    fn keep_report(self: &Arc<Self>, conn: Connection) {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        {
            let mut idle = self.reports.lock().unwrap_or_else(|p| p.into_inner());
            if idle.len() >= cores {
                return;
            }
            idle.push((conn, std::time::Instant::now()));
        }
        if self.reaping.swap(true, Ordering::AcqRel) {
            return;
        }
        let pool = Arc::downgrade(self);
        let reaper = std::thread::Builder::new().name("hallq-report-reaper".into()).spawn(move || {
            let keep = std::time::Duration::from_secs(IDLE_REPORT_SECS);
            loop {
                std::thread::sleep(keep / 4);
                let Some(pool) = pool.upgrade() else { return };
                let mut idle = pool.reports.lock().unwrap_or_else(|p| p.into_inner());
                idle.retain(|(_, since)| since.elapsed() < keep);
                if idle.is_empty() {
                    pool.reaping.store(false, Ordering::Release);
                    return;
                }
            }
        });
        if reaper.is_err() {
            // No thread: keep nothing rather than keep it for ever.
            self.reports.lock().unwrap_or_else(|p| p.into_inner()).clear();
            self.reaping.store(false, Ordering::Release);
        }
    }

    fn give_back(self: &Arc<Self>, kind: Kind, conn: Connection) {
        // A connection left inside a transaction (a panic, an early return)
        // is rolled back before reuse; one that cannot be is closed.
        if !conn.is_autocommit() && conn.execute_batch("ROLLBACK").is_err() {
            return;
        }
        let keep = match kind {
            Kind::Read => self.keep_readers.load(Ordering::Relaxed),
            Kind::Write => IDLE_WRITERS,
            Kind::Report => return self.keep_report(conn),
        };
        let mut idle = self.idle(kind).lock().unwrap_or_else(|p| p.into_inner());
        if idle.len() < keep {
            idle.push(conn);
        }
    }
}

/// A connection from a [`Pool`] (back to it when dropped), or one of its
/// own ([`Pooled::own`]).
pub struct Pooled {
    conn: Option<Connection>,
    home: Option<(Arc<Pool>, Kind)>,
}

impl Pooled {
    /// A connection that belongs to no pool: closed when dropped.
    pub(crate) fn own(conn: Connection) -> Self {
        Self { conn: Some(conn), home: None }
    }

    /// A report connection ([`Pool::report`]) of this connection's pool, or
    /// one of its own for a connection of no pool (an in-memory database:
    /// `None`).
    pub(crate) fn report_sibling(&self) -> Result<Option<Pooled>> {
        match &self.home {
            Some((pool, _)) => pool.report().map(Some),
            None => match self.path().filter(|p| !p.is_empty()) {
                Some(path) => Ok(Some(Pooled::own(db::open_report(Path::new(path))?))),
                None => Ok(None),
            },
        }
    }
}

impl Deref for Pooled {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        self.conn.as_ref().expect("a pooled connection is present until dropped")
    }
}

impl DerefMut for Pooled {
    fn deref_mut(&mut self) -> &mut Connection {
        self.conn.as_mut().expect("a pooled connection is present until dropped")
    }
}

impl Drop for Pooled {
    fn drop(&mut self) {
        if let (Some(conn), Some((pool, kind))) = (self.conn.take(), self.home.take()) {
            pool.give_back(kind, conn);
        }
    }
}

impl std::fmt::Debug for Pooled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pooled").field("pooled", &self.home.is_some()).finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool() -> (tempfile::TempDir, Arc<Pool>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.db");
        let mut conn = db::open_rw(&path).unwrap();
        db::migrate(&mut conn).unwrap();
        (dir, Arc::new(Pool::new(&path)))
    }

    fn idle(pool: &Pool) -> (usize, usize) {
        (pool.readers.lock().unwrap().len(), pool.writers.lock().unwrap().len())
    }

    #[test]
    fn a_connection_is_reused_and_the_idle_ones_are_bounded() {
        let (_dir, pool) = pool();
        let many: Vec<_> = (0..IDLE_READERS + 5).map(|_| pool.read().unwrap()).collect();
        drop(many);
        assert_eq!(idle(&pool), (IDLE_READERS, 0), "a burst leaves at most the kept number idle");
        pool.keep_readers(1);
        let first = pool.read().unwrap();
        // A per-connection setting tells the connection apart.
        first.pragma_update(None, "cache_size", 1234).unwrap();
        drop(first);
        let again = pool.read().unwrap();
        let size: i64 = again.pragma_query_value(None, "cache_size", |r| r.get(0)).unwrap();
        assert_eq!(size, 1234, "the connection given back is reused");
        drop(again);
        assert_eq!(idle(&pool), (1, 0));
    }

    #[test]
    fn report_connections_map_the_file_are_reused_and_bounded_by_the_cores() {
        let (_dir, pool) = pool();
        let first = pool.report().unwrap();
        let mapped: i64 = first.pragma_query_value(None, "mmap_size", |r| r.get(0)).unwrap();
        assert!(mapped > 1 << 30, "{mapped}");
        first.pragma_update(None, "cache_size", 4321).unwrap();
        drop(first);
        let again = pool.report().unwrap();
        let size: i64 = again.pragma_query_value(None, "cache_size", |r| r.get(0)).unwrap();
        assert_eq!(size, 4321, "the report connection given back is reused");
        assert!(again.execute_batch("CREATE TABLE x (y)").is_err(), "query_only");
        drop(again);
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let many: Vec<_> = (0..cores + 3).map(|_| pool.report().unwrap()).collect();
        drop(many);
        assert_eq!(pool.reports.lock().unwrap().len(), cores);
        assert_eq!(idle(&pool), (0, 0), "report connections are kept apart");
    }

    #[test]
    fn readers_only_read() {
        let (_dir, pool) = pool();
        let r = pool.read().unwrap();
        assert!(r.execute_batch("CREATE TABLE x (y)").is_err(), "query_only");
        let w = pool.write().unwrap();
        w.execute_batch("CREATE TEMP TABLE x (y)").unwrap();
    }

    #[test]
    fn a_connection_given_back_inside_a_transaction_is_rolled_back() {
        let (_dir, pool) = pool();
        {
            let w = pool.write().unwrap();
            w.execute_batch("BEGIN IMMEDIATE; UPDATE halls SET last_seq = 7").unwrap();
        }
        let w = pool.write().unwrap();
        assert!(w.is_autocommit(), "rolled back when given back");
        // The write lock was released: another connection can write.
        let other = db::open_rw(pool.path()).unwrap();
        other.execute_batch("BEGIN IMMEDIATE; ROLLBACK").unwrap();
    }
}
