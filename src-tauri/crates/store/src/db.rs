//! Opening connections: pragmas on every connection, migrations once.
//!
//! Durability rules live here: WAL with `synchronous=FULL`, so a command that
//! was answered survives a power cut; foreign keys on; a busy timeout so
//! readers and the one writer never fail on a momentary lock.

use std::path::Path;
use std::sync::LazyLock;

use rusqlite::{Connection, OpenFlags};
use rusqlite_migration::{M, Migrations};

use crate::error::{Result, StoreError};

/// The schema's migrations, in order. Never edit a shipped one.
static MIGRATIONS: LazyLock<Migrations<'static>> = LazyLock::new(|| {
    Migrations::new(vec![
        M::up(include_str!("migrations/0001_init.sql")),
        M::up(include_str!("migrations/0002_terminals_idempotency.sql")),
        M::up(include_str!("migrations/0003_follow_ups.sql")),
        M::up(include_str!("migrations/0004_printing.sql")),
        M::up(include_str!("migrations/0005_auth_hardening.sql")),
    ])
});

/// Opens a read-write connection with HallQ's pragmas.
pub(crate) fn open_rw(path: &Path) -> Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    set_pragmas(&conn)?;
    Ok(conn)
}

/// Opens a connection that will only read.
pub(crate) fn open_ro(path: &Path) -> Result<Connection> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    set_pragmas(&conn)?;
    conn.pragma_update(None, "query_only", true)?;
    Ok(conn)
}

/// Runs `work` in one `BEGIN IMMEDIATE` transaction (the write lock taken at
/// once): committed when it returns `Ok`, rolled back when it fails.
pub(crate) fn immediate<T>(conn: &Connection, work: impl FnOnce() -> Result<T>) -> Result<T> {
    conn.execute_batch("BEGIN IMMEDIATE")?;
    match work() {
        Ok(value) => {
            conn.execute_batch("COMMIT")?;
            Ok(value)
        }
        Err(e) => {
            conn.execute_batch("ROLLBACK")?;
            Err(e)
        }
    }
}

fn set_pragmas(conn: &Connection) -> Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    let mode: String = conn.pragma_update_and_check(None, "journal_mode", "wal", |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Corrupt(format!("journal_mode={mode}")));
    }
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", true)?;
    Ok(())
}

/// Brings the schema up to date. A file that is not SQLite, or a newer
/// schema than this program knows, is refused rather than touched.
pub(crate) fn migrate(conn: &mut Connection) -> Result<()> {
    let app_id: i64 = conn.pragma_query_value(None, "application_id", |r| r.get(0)).map_err(not_a_db)?;
    let tables: i64 = conn
        .query_row("SELECT count(*) FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%'", [], |r| r.get(0))
        .map_err(not_a_db)?;
    if tables > 0 && app_id != APPLICATION_ID {
        return Err(StoreError::Corrupt("application_id".into()));
    }
    MIGRATIONS.to_latest(conn).map_err(|e| StoreError::Migration(e.to_string()))?;
    conn.pragma_update(None, "application_id", APPLICATION_ID)?;
    Ok(())
}

/// Marks the file as a HallQ database (`PRAGMA application_id`, "HalQ").
const APPLICATION_ID: i64 = 0x4861_6C51;

fn not_a_db(e: rusqlite::Error) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_valid() {
        MIGRATIONS.validate().unwrap();
    }

    #[test]
    fn every_connection_gets_wal_full_sync_and_foreign_keys() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.db");
        let mut conn = open_rw(&path).unwrap();
        migrate(&mut conn).unwrap();
        let ro = open_ro(&path).unwrap();
        for c in [&conn, &ro] {
            let mode: String = c.pragma_query_value(None, "journal_mode", |r| r.get(0)).unwrap();
            let sync: i64 = c.pragma_query_value(None, "synchronous", |r| r.get(0)).unwrap();
            let fk: i64 = c.pragma_query_value(None, "foreign_keys", |r| r.get(0)).unwrap();
            assert_eq!((mode.as_str(), sync, fk), ("wal", 2, 1));
        }
    }

    #[test]
    fn a_file_that_is_not_hallq_is_refused_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("other.db");
        let other = Connection::open(&path).unwrap();
        other.execute_batch("CREATE TABLE x (y)").unwrap();
        drop(other);
        let mut conn = open_rw(&path).unwrap();
        assert_eq!(migrate(&mut conn).unwrap_err().code(), "database_corrupt");
        let tables: i64 = conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0)).unwrap();
        assert_eq!(tables, 1);
    }
}
