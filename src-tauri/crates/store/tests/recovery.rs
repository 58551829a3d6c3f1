//! Damaged, foreign and newer files, backups and restore, against real
//! database files in a temp folder: a file that is refused is left byte for
//! byte as it was; damage names the last good backup; a backup is verified,
//! recorded and rotated; a restore checks its file first, keeps the old
//! database aside and is refused while a server holds the database.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use hallq_core::{Actor, Command, HallConfig};
use hallq_store::{ManualClock, ServerLock, Store, StoreError, last_good_backup};
use rusqlite::Connection;
use uuid::Uuid;

mod common;
use common::{Lcg, MIN, morning, traffic};

const HALL: Uuid = Uuid::from_u128(0x1234);

fn new_hall(dir: &Path) -> (Store, PathBuf) {
    let path = dir.join("hall.db");
    let store = Store::open(&path).unwrap();
    store.create_hall(&HallConfig::default_supply_hall(HALL, "T1", "测试营业厅"), morning(0) - 60 * MIN).unwrap();
    // A day of varied traffic: enough pages for damage to hit real data.
    let mut w = store.bulk(HALL).unwrap();
    assert!(traffic(&mut w, 0, &mut Lcg(7)) > 100);
    w.commit().unwrap();
    (store, path)
}

fn issue() -> Command {
    Command::Issue {
        service: "PAY".into(),
        priority: hallq_core::PriorityClass::Normal,
        priority_reason: None,
        appointment: None,
    }
}

/// Writes garbage over `pages` pages of the file, from page 3 on, after
/// checkpointing the WAL into it (so the damage is what SQLite reads).
fn damage(path: &Path, pages: u64) {
    let conn = Connection::open(path).unwrap();
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)").unwrap();
    let page_size: u64 = conn.pragma_query_value(None, "page_size", |r| r.get(0)).unwrap();
    drop(conn);
    let mut bytes = std::fs::read(path).unwrap();
    let total = bytes.len() as u64 / page_size;
    assert!(total > pages + 3, "the test hall has {total} pages");
    for p in 0..pages {
        let at = ((2 + p * (total - 3) / pages) * page_size) as usize;
        for (i, b) in bytes[at..at + page_size as usize].iter_mut().enumerate() {
            *b = (i as u8).wrapping_mul(37).wrapping_add(11);
        }
    }
    std::fs::write(path, bytes).unwrap();
}

/// Every file of the folder with its size and SHA-256 (the database, its
/// WAL, anything a refusal might have left behind).
fn snapshot(dir: &Path) -> Vec<(String, usize, String)> {
    use sha2::Digest;
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.path().is_file())
        .map(|e| {
            let bytes = std::fs::read(e.path()).unwrap();
            let digest = sha2::Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
            (e.file_name().to_string_lossy().into_owned(), bytes.len(), digest)
        })
        .collect();
    files.sort();
    files
}

fn assert_bilingual(e: &StoreError) {
    let (zh, en) = (e.message_zh(), e.message_en());
    assert!(zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{zh}");
    assert!(en.is_ascii() || !en.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{en}");
    assert_ne!(zh, en);
}

#[test]
fn a_foreign_sqlite_file_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("other.db");
    let other = Connection::open(&path).unwrap();
    other.execute_batch("CREATE TABLE notes (x); INSERT INTO notes VALUES ('mine')").unwrap();
    drop(other);
    let before = snapshot(dir.path());
    assert_eq!(&std::fs::read(&path).unwrap()[18..20], &[1, 1], "a rollback-journal file");
    let e = Store::open(&path).unwrap_err();
    assert_eq!(e.code(), "database_corrupt");
    assert_bilingual(&e);
    assert_eq!(snapshot(dir.path()), before, "the foreign file was changed (WAL switch, journal, header)");
}

#[test]
fn a_damaged_database_is_refused_untouched_and_names_its_last_good_backup() {
    let dir = tempfile::tempdir().unwrap();
    let (store, path) = new_hall(dir.path());
    let backups = dir.path().join("backups");
    std::fs::create_dir(&backups).unwrap();
    let good = store.backup_into(&backups, morning(0)).unwrap();
    drop(store);
    damage(&path, 20);
    let before = snapshot(dir.path());
    let e = Store::open(&path).unwrap_err();
    assert_eq!(e.code(), "database_damaged", "{e}");
    assert_bilingual(&e);
    let file = good.file.display().to_string();
    for m in [e.message_zh(), e.message_en()] {
        assert!(m.contains(&file) && m.contains("hallq restore --from"), "{m}");
    }
    assert!(e.message_en().contains("damaged"), "{}", e.message_en());
    assert_eq!(snapshot(dir.path()), before, "a damaged file was written to");

    // Without a backup on record the message says how to go on anyway.
    std::fs::remove_file(dir.path().join("hall.db.last-backup.json")).unwrap();
    let e = Store::open(&path).unwrap_err();
    assert!(e.message_en().contains("No good backup is on record"), "{}", e.message_en());
}

#[test]
fn a_newer_database_is_refused_in_words_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let (store, path) = new_hall(dir.path());
    drop(store);
    let conn = Connection::open(&path).unwrap();
    conn.execute_batch("PRAGMA user_version = 99; PRAGMA wal_checkpoint(TRUNCATE)").unwrap();
    drop(conn);
    let before = snapshot(dir.path());
    let e = Store::open(&path).unwrap_err();
    assert_eq!(e.code(), "database_too_new");
    assert!(e.message_en().contains("made by a newer HallQ (schema 99 > "), "{}", e.message_en());
    assert!(e.message_zh().contains("更新版本的 HallQ") && e.message_zh().contains("架构 99 > "), "{}", e.message_zh());
    assert!(!e.to_string().contains("DatabaseTooFarAhead"));
    assert_eq!(snapshot(dir.path()), before);
}

#[test]
fn damage_found_while_running_stops_the_engine_writing() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _path) = new_hall(dir.path());
    let engine = store.engine(HALL, Arc::new(ManualClock::new(morning(0) + MIN))).unwrap();
    let seq = store.reader().unwrap().last_seq(HALL).unwrap();
    // What a reader's query gets from a damaged page.
    let corrupt = rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CORRUPT), None);
    let e = engine.note_failure(StoreError::Sqlite(corrupt));
    assert_eq!(e.code(), "database_damaged");
    assert!(matches!(engine.fault(), Some(hallq_store::Fault::Damaged(_))));
    let refused = engine.execute(Actor::Cli, issue()).unwrap_err();
    assert_eq!(refused.code(), "database_damaged");
    assert_eq!(store.reader().unwrap().last_seq(HALL).unwrap(), seq, "written after the damage was found");
    engine.shutdown();
}

#[test]
fn a_backup_is_a_verified_working_copy_and_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let (store, path) = new_hall(dir.path());
    let backups = dir.path().join("backups");
    std::fs::create_dir(&backups).unwrap();
    let b = store.backup_into(&backups, morning(0)).unwrap();
    assert!(b.file.starts_with(&backups) && b.bytes > 0);
    assert_eq!(last_good_backup(&path), Some(b.clone()));
    let copy = Store::open_existing(&b.file).unwrap();
    assert_eq!(
        copy.reader().unwrap().projection_dump(HALL).unwrap(),
        store.reader().unwrap().projection_dump(HALL).unwrap()
    );
    // Closing the copy's (pooled) connections removes its WAL files.
    drop(copy);
    // No staging file is left behind, and a missing folder is an error.
    assert_eq!(std::fs::read_dir(&backups).unwrap().count(), 1);
    assert!(store.backup_into(&dir.path().join("usb-stick-not-plugged"), morning(0)).is_err());
    assert!(!dir.path().join("usb-stick-not-plugged").exists(), "a chosen folder is never created");
    // Ten days of daily backups: rotation keeps at most 7 days (and the
    // weeks of which they are the newest).
    for d in 1..10 {
        store.backup_into(&backups, morning(d)).unwrap();
    }
    let left = std::fs::read_dir(&backups).unwrap().count();
    assert!((7..=9).contains(&left), "{left} backups left");
    assert_eq!(last_good_backup(&path).unwrap().at, morning(9));
}

#[test]
fn restore_from_a_good_backup_keeps_the_old_database_aside() {
    let dir = tempfile::tempdir().unwrap();
    let (store, path) = new_hall(dir.path());
    let backup = dir.path().join("copy.db");
    store.backup_to(&backup).unwrap();
    let at_backup = store.reader().unwrap().last_seq(HALL).unwrap();
    let engine = store.engine(HALL, Arc::new(ManualClock::new(morning(0) + MIN))).unwrap();
    engine.execute(Actor::Cli, issue()).unwrap();
    engine.shutdown();
    let old = std::fs::read(&path).unwrap();
    let aside = Store::restore(&path, &backup, morning(0) + 2 * MIN).unwrap().expect("the old database kept aside");
    assert!(aside.file_name().unwrap().to_string_lossy().starts_with("hall.db.before-restore-"), "{aside:?}");
    assert_eq!(std::fs::read(&aside).unwrap(), old, "the old database was changed");
    let restored = Store::open_existing(&path).unwrap();
    assert_eq!(restored.reader().unwrap().last_seq(HALL).unwrap(), at_backup);
    // A damaged database can be restored over, too.
    drop(restored);
    damage(&path, 20);
    Store::restore(&path, &backup, morning(0) + 3 * MIN).unwrap();
    Store::open_existing(&path).unwrap();
}

#[test]
fn restore_refuses_a_bad_file_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (store, path) = new_hall(dir.path());
    drop(store);
    let files = tempfile::tempdir().unwrap();
    let text = files.path().join("notes.txt");
    std::fs::write(&text, "这不是数据库 / not a database, just text long enough for a header").unwrap();
    let foreign = files.path().join("other.db");
    Connection::open(&foreign).unwrap().execute_batch("CREATE TABLE x (y)").unwrap();
    let newer = files.path().join("newer.db");
    let damaged = files.path().join("damaged.db");
    for f in [&newer, &damaged] {
        Store::open(&path).unwrap().backup_to(f).unwrap();
    }
    Connection::open(&newer).unwrap().execute_batch("PRAGMA user_version = 42").unwrap();
    damage(&damaged, 20);
    let before = snapshot(dir.path());
    let cases = [
        (files.path().join("missing.db"), "does not exist"),
        (text, "not a HallQ database"),
        (foreign, "not a HallQ database"),
        (newer, "made by a newer HallQ (schema 42 > "),
        (damaged, "is damaged"),
        (path.clone(), "is the database itself"),
    ];
    for (from, why) in cases {
        let e = Store::restore(&path, &from, morning(1)).unwrap_err();
        assert_eq!(e.code(), "bad_backup", "{from:?}: {e}");
        assert!(e.message_en().contains(why), "{from:?}: {}", e.message_en());
        assert_bilingual(&e);
        assert_eq!(snapshot(dir.path()), before, "{from:?}: a refused restore changed the folder");
    }
}

#[test]
fn restore_is_refused_while_a_server_holds_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let (store, path) = new_hall(dir.path());
    let backup = dir.path().join("copy.db");
    store.backup_to(&backup).unwrap();
    let lock = ServerLock::shared(&path).unwrap();
    let before = std::fs::read(&path).unwrap();
    let e = Store::restore(&path, &backup, morning(1)).unwrap_err();
    assert_eq!(e.code(), "database_in_use");
    assert_bilingual(&e);
    assert_eq!(std::fs::read(&path).unwrap(), before);
    drop(lock);
    Store::restore(&path, &backup, morning(1)).unwrap();
}
