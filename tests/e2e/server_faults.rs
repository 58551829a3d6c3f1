//! A bad day for the hall PC's disk, with the real `hallq`: a damaged
//! database is refused by `hallq status` and `hallq serve` with a message
//! that names the last good backup (and the file is left byte for byte as
//! it was); a read-only mount is said in words.
//!
//! The read-only mount is real: the hall's folder is a small tmpfs mounted
//! for the test (the tests run as root).

use std::path::Path;

use hallq_e2e::Hall;

use crate::cli_support::{assert_bilingual, init};
use crate::server_support::Mount;

/// Writes garbage over `pages` pages spread over the file (never page 1,
/// the header), the way a failing disk or a stray write damages it.
fn damage_pages(db: &Path, pages: usize) {
    let mut bytes = std::fs::read(db).expect("read the database");
    let page = match u16::from_be_bytes([bytes[16], bytes[17]]) {
        1 => 65_536,
        n => usize::from(n),
    };
    let total = bytes.len() / page;
    assert!(total > pages + 3, "the hall has only {total} pages");
    for p in 0..pages {
        let at = (2 + p * (total - 3) / pages) * page;
        for (i, b) in bytes[at..at + page].iter_mut().enumerate() {
            *b = (i as u8).wrapping_mul(31).wrapping_add(7);
        }
    }
    std::fs::write(db, bytes).expect("write the damage");
}

/// Every file of the hall's folder with its bytes.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut all: Vec<_> = std::fs::read_dir(dir)
        .expect("list the folder")
        .filter_map(Result::ok)
        .filter(|e| e.path().is_file() && !e.file_name().to_string_lossy().ends_with(".log"))
        .map(|e| (e.file_name().to_string_lossy().into_owned(), std::fs::read(e.path()).expect("read")))
        .collect();
    all.sort();
    all
}

#[test]
fn a_damaged_database_is_refused_untouched_with_the_backup_to_restore() {
    let hall = Hall::new();
    init(&hall);
    for _ in 0..200 {
        hall.ok(&["issue", "--service", "PAY"]);
    }
    let backup = hall.dir().join("good.db");
    hall.ok(&["backup", "--to", backup.to_str().expect("UTF-8 path")]);
    damage_pages(hall.db(), 20);
    let before = files(hall.dir());

    let (code, stderr) = hall.fail(&["status"]);
    assert_eq!(code, 1, "{stderr}");
    assert_bilingual(&stderr);
    assert!(stderr.contains("已损坏") && stderr.contains("is damaged"), "{stderr}");
    assert!(stderr.contains("good.db") && stderr.contains("hallq restore --from"), "{stderr}");

    let (_, refused) = hall.fail(&["serve", "--port", "0"]);
    assert_bilingual(&refused);
    assert!(refused.contains("is damaged") && refused.contains("hallq restore --from"), "{refused}");
    hall.fail(&["issue", "--service", "PAY"]);
    assert_eq!(files(hall.dir()), before, "a refused, damaged database was written to");

    // The way out the message names.
    let out = hall.ok(&["restore", "--from", backup.to_str().expect("UTF-8 path")]);
    assert!(out.contains("before-restore"), "{out}");
    let status = hall.json(&["status", "--format", "json"]);
    let waiting: u64 =
        status["services"].as_array().expect("services").iter().filter_map(|s| s["waiting"].as_u64()).sum();
    assert_eq!(waiting, 200, "the backup's tickets are back");
}

#[test]
fn a_read_only_mount_is_said_in_words() {
    let hall = Hall::new();
    let mount = Mount::tmpfs(hall.dir(), "6m");
    init(&hall);
    hall.ok(&["issue", "--service", "PAY"]);
    mount.remount("ro");
    let (_, stderr) = hall.fail(&["issue", "--service", "PAY"]);
    assert_bilingual(&stderr);
    assert!(stderr.contains("只读") && stderr.contains("read-only"), "{stderr}");
    assert!(!stderr.contains("disk I/O error"), "{stderr}");
    let (_, refused) = hall.fail(&["serve", "--port", "0"]);
    assert_bilingual(&refused);
    assert!(refused.contains("read-only"), "{refused}");
    mount.remount("rw");
    hall.ok(&["issue", "--service", "PAY"]);
}
