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

/// The schema's migrations, in order. Never edit a shipped one; a new one
/// is appended here (its number is its place in this list).
const MIGRATION_FILES: &[&str] = &[
    include_str!("migrations/0001_init.sql"),
    include_str!("migrations/0002_terminals_idempotency.sql"),
    include_str!("migrations/0003_follow_ups.sql"),
    include_str!("migrations/0004_printing.sql"),
    include_str!("migrations/0005_auth_hardening.sql"),
    include_str!("migrations/0006_english_names.sql"),
    include_str!("migrations/0007_ticket_targets.sql"),
    include_str!("migrations/0008_teams.sql"),
    include_str!("migrations/0009_cases.sql"),
    include_str!("migrations/0010_central.sql"),
];

static MIGRATIONS: LazyLock<Migrations<'static>> =
    LazyLock::new(|| Migrations::new(MIGRATION_FILES.iter().map(|sql| M::up(sql)).collect()));

const MIGRATION_COUNT: i64 = MIGRATION_FILES.len() as i64;

/// A full `integrity_check` is run at open up to this size; above it, only
/// `quick_check` (which skips the index-content cross-checks and is several
/// times faster). Measured on this class of PC: a 64 MiB hall database takes
/// about 0.3 s for the full check.
const FULL_CHECK_MAX_BYTES: u64 = 64 * 1024 * 1024;

/// Looks at an existing file before anything writes to it: a SQLite file
/// (header), a HallQ database (`application_id`), a schema this program knows
/// (`user_version`), and sound (`quick_check`, the full `integrity_check`
/// when the file is small). Only a read-only connection is opened, so a
/// refused file is left byte for byte as it was. A missing or empty file is
/// a new database and passes.
pub(crate) fn inspect(path: &Path) -> Result<()> {
    let len = match std::fs::metadata(path) {
        Ok(m) => m.len(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    if len == 0 {
        return Ok(());
    }
    if !has_sqlite_header(path)? {
        return Err(StoreError::Corrupt(path.display().to_string()));
    }
    let look = || -> Result<()> {
        let conn = open_look(path).map_err(|e| unreadable(path, e))?;
        let (app_id, version, tables) = identity(&conn).map_err(|e| unreadable(path, e))?;
        if tables > 0 && app_id != APPLICATION_ID {
            return Err(StoreError::Corrupt(path.display().to_string()));
        }
        if version > MIGRATION_COUNT {
            return Err(StoreError::TooNew { found: version, known: MIGRATION_COUNT });
        }
        check(&conn, len <= FULL_CHECK_MAX_BYTES).map_err(|detail| damaged(path, &detail))
    };
    let had_wal = wal_of(path).exists();
    match look() {
        // Someone opened the file while it was read as immutable: look again
        // through the WAL before calling it damaged.
        Err(StoreError::Damaged(_)) if !had_wal && wal_of(path).exists() => look(),
        other => other,
    }
}

fn wal_of(path: &Path) -> std::path::PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push("-wal");
    s.into()
}

/// A read-only connection that creates nothing: with no WAL file beside the
/// database (no connection has it open) the file is read as immutable, so
/// no `-wal` or `-shm` file appears beside a file that is then refused;
/// otherwise an ordinary read-only connection, reading through the WAL.
pub(crate) fn open_look(path: &Path) -> rusqlite::Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = if wal_of(path).exists() {
        Connection::open_with_flags(path, flags)?
    } else {
        let escaped: String = path
            .to_string_lossy()
            .chars()
            .map(|c| match c {
                '%' => "%25".to_string(),
                '?' => "%3f".to_string(),
                '#' => "%23".to_string(),
                c => c.to_string(),
            })
            .collect();
        Connection::open_with_flags(format!("file:{escaped}?immutable=1"), flags | OpenFlags::SQLITE_OPEN_URI)?
    };
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    Ok(conn)
}

/// Checks a file offered as a HallQ database to restore from: SQLite, a
/// HallQ database with at least its schema, not newer than this program,
/// and sound by the full `integrity_check`. Opened read-only.
pub(crate) fn inspect_backup(path: &Path) -> Result<()> {
    if !path.is_file() {
        return Err(StoreError::NoDatabase(path.to_path_buf()));
    }
    if !has_sqlite_header(path)? {
        return Err(StoreError::Corrupt(path.display().to_string()));
    }
    let conn = open_look(path)?;
    let (app_id, version, _) = identity(&conn).map_err(|e| damaged(path, &e.to_string()))?;
    if app_id != APPLICATION_ID {
        return Err(StoreError::Corrupt(path.display().to_string()));
    }
    if version > MIGRATION_COUNT {
        return Err(StoreError::TooNew { found: version, known: MIGRATION_COUNT });
    }
    check(&conn, true).map_err(|detail| damaged(path, &detail))
}

/// SQLite's integrity check on an open connection: `Err` with the first
/// problems found (at most five) when the file is not sound.
pub(crate) fn check(conn: &Connection, full: bool) -> std::result::Result<(), String> {
    let sql = if full { "PRAGMA integrity_check(5)" } else { "PRAGMA quick_check(5)" };
    let run = || -> rusqlite::Result<Vec<String>> {
        let mut stmt = conn.prepare(sql)?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        rows.collect()
    };
    match run() {
        Ok(lines) if lines.len() == 1 && lines[0] == "ok" => Ok(()),
        Ok(lines) => Err(lines.join("; ")),
        Err(e) => Err(e.to_string()),
    }
}

fn has_sqlite_header(path: &Path) -> Result<bool> {
    use std::io::Read;
    let mut head = [0u8; 16];
    let mut file = std::fs::File::open(path)?;
    Ok(file.read_exact(&mut head).is_ok() && &head == b"SQLite format 3\0")
}

/// `application_id`, `user_version` and the number of tables, read without
/// writing anything.
fn identity(conn: &Connection) -> rusqlite::Result<(i64, i64, i64)> {
    let app_id: i64 = conn.pragma_query_value(None, "application_id", |r| r.get(0))?;
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let tables: i64 =
        conn.query_row("SELECT count(*) FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%'", [], |r| r.get(0))?;
    Ok((app_id, version, tables))
}

/// A file that could not be read while looking at it. Reading through a WAL
/// needs its `-shm` created or grown: on a full disk or a read-only mount
/// that fails as "disk I/O error", which is said as what it is (a probe of
/// the folder tells); anything else is damage.
fn unreadable(path: &Path, e: rusqlite::Error) -> StoreError {
    let detail = e.to_string();
    match crate::fault::explain_open_failure(path, StoreError::Sqlite(e)) {
        explained @ (StoreError::DiskFull | StoreError::ReadOnly(_)) => explained,
        _ => damaged(path, &detail),
    }
}

fn damaged(path: &Path, detail: &str) -> StoreError {
    StoreError::Damaged(Box::new(crate::backup::Damage::of(path, detail)))
}

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

/// Opens a read-only connection for a report's long scan: the file is
/// memory-mapped (up to 2 GiB), so pages are read in place rather than
/// copied through `read` calls (a tenth of a report's time). Only report
/// threads use it, for the length of one report.
pub(crate) fn open_report(path: &Path) -> Result<Connection> {
    let conn = open_ro(path)?;
    conn.pragma_update(None, "mmap_size", 2_i64 << 30)?;
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
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0)).map_err(not_a_db)?;
    if version > MIGRATION_COUNT {
        return Err(StoreError::TooNew { found: version, known: MIGRATION_COUNT });
    }
    MIGRATIONS.to_latest(conn).map_err(|e| StoreError::Migration(e.to_string()))?;
    // Only written when it differs: a write on every open would fail on a
    // full disk or a read-only mount even when nothing needs to change.
    if app_id != APPLICATION_ID {
        conn.pragma_update(None, "application_id", APPLICATION_ID)?;
    }
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
    fn the_schema_version_counts_every_migration() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = open_rw(&dir.path().join("h.db")).unwrap();
        migrate(&mut conn).unwrap();
        let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
        assert_eq!(version, MIGRATION_COUNT);
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
