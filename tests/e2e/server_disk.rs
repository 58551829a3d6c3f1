//! A full disk under the real server, on a real small file system: the
//! hall's folder (database, WAL, backups and the server's own log) is a
//! tmpfs of its own, filled up while kiosks issue tickets.
//!
//! Every kiosk must get an answer all along: a ticket (201) or, while the
//! disk is full, 507 `disk_full` in both languages, never a 500; `/health`
//! (which the board shows) says `disk_full` in words; no answered ticket is
//! lost and none refused is kept; and once the filler is deleted, tickets
//! are issued again without anyone touching the server.
//!
//! Starting on a full disk, or on a read-only mount (after a server was
//! killed there, its WAL left behind), says so in words: `hallq status`,
//! `hallq serve` and `hallq issue` each, never "damaged".

use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hallq_e2e::{Api, Hall};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::cli_support::{assert_bilingual, init};
use crate::server_support::{
    LiveHall, Mount, SERVICES, all_tickets, answered_ticket, assert_one_state_per_ticket, open_db, read_log,
};

/// The hall's file system: room for the database, its WAL and a backup.
const SIZE: &str = "16m";
const KIOSKS: usize = 3;
/// How long each phase may take to show what it waits for.
const PHASE_LIMIT: Duration = Duration::from_secs(20);
/// Refusals seen before the disk counts as full for the kiosks.
const REFUSALS: usize = 20;

/// What the kiosks were answered.
#[derive(Debug, Default)]
struct Tally {
    /// Tickets issued (201): id and number.
    issued: Vec<(Uuid, String)>,
    /// 507 answers' bodies.
    disk_full: Vec<Value>,
    /// Anything else.
    other: Vec<String>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_is_answered_507_in_words_and_issuing_resumes_by_itself_when_space_returns() {
    let started = Instant::now();
    let hall = Hall::new();
    let mount = Mount::tmpfs(hall.dir(), SIZE);
    let live = LiveHall::start_with(hall, |hall| hall.serve(0, 0)).await;
    let kiosks = live.pair_many("kiosk", KIOSKS).await;
    let tally = Arc::new(Mutex::new(Tally::default()));
    let stop = Arc::new(AtomicBool::new(false));
    let tasks: Vec<_> = kiosks
        .into_iter()
        .enumerate()
        .map(|(k, token)| tokio::spawn(kiosk(live.api.clone(), token, k, tally.clone(), stop.clone())))
        .collect();
    let count = |what: fn(&Tally) -> usize| what(&tally.lock().unwrap_or_else(|p| p.into_inner()));

    until("tickets are issued", || count(|t| t.issued.len()) >= 20).await;
    let filler = live.hall.dir().join("filler");
    let filled = fill(&filler);
    let issued_when_full = count(|t| t.issued.len());
    until("the kiosks are refused for the full disk", || count(|t| t.disk_full.len()) >= REFUSALS).await;
    let refused = tally.lock().unwrap_or_else(|p| p.into_inner()).disk_full[0].clone();
    assert_eq!(refused["code"], "disk_full", "{refused}");
    assert_disk_full_in_words(&refused);
    let health = live.api.send(reqwest::Method::GET, "/api/v1/health", None, None).await.expect(200);
    assert_eq!(health["status"], "disk_full", "{health}");
    assert_disk_full_in_words(&health["problem"]);
    let mut server = live.server;
    assert!(server.is_running(), "the server lives through a full disk (and a full disk under its log)");

    std::fs::remove_file(&filler).expect("delete the filler");
    let refusals = count(|t| t.disk_full.len());
    let issued_again = count(|t| t.issued.len());
    until("tickets are issued again", || count(|t| t.issued.len()) >= issued_again + 20).await;
    let health = live.api.send(reqwest::Method::GET, "/api/v1/health", None, None).await.expect(200);
    assert_eq!(health["status"], "ok", "space is back: {health}");
    stop.store(true, Ordering::SeqCst);
    for task in tasks {
        task.await.unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));
    }
    let tally = Arc::into_inner(tally).expect("the kiosks are done").into_inner().unwrap_or_else(|p| p.into_inner());
    assert!(tally.other.is_empty(), "answers other than 201 and 507 disk_full:\n{}", tally.other.join("\n"));
    eprintln!(
        "disk: {SIZE} tmpfs filled with {} KiB after {issued_when_full} tickets; {} tickets issued, {} refused 507 \
         ({refusals} before space came back); {:?}",
        filled / 1024,
        tally.issued.len(),
        tally.disk_full.len(),
        started.elapsed(),
    );

    server.kill();
    let (store, hall_id) = open_db(&live.hall);
    let reader = store.reader().expect("a reader");
    reader.check_integrity().expect("the database is sound after the full disk");
    let log = read_log(&reader, hall_id);
    let mut in_db: Vec<(Uuid, String)> =
        all_tickets(&reader, hall_id, &log).into_iter().map(|t| (t.id, t.number)).collect();
    let mut answered = tally.issued;
    in_db.sort();
    answered.sort();
    assert_eq!(in_db, answered, "the tickets kept are exactly the ones answered 201");
    assert_one_state_per_ticket(&reader, hall_id);
    drop((reader, store));
    drop(mount);
}

#[test]
fn starting_on_a_full_disk_or_a_read_only_mount_says_so_in_words() {
    let hall = Hall::new();
    let mount = Mount::tmpfs(hall.dir(), "4m");
    init(&hall);
    hall.ok(&["issue", "--service", "PAY"]);
    let filler = hall.dir().join("filler");
    fill(&filler);
    // Twice: the first try leaves an empty WAL and a stub `-shm` behind,
    // which the second must not take for damage.
    for _ in 0..2 {
        for args in [&["status"][..], &["serve", "--port", "0"], &["issue", "--service", "PAY"]] {
            let (_, stderr) = hall.fail(args);
            assert_bilingual(&stderr);
            assert!(stderr.contains("磁盘已满") && stderr.contains("disk is full"), "hallq {args:?}: {stderr}");
        }
    }
    std::fs::remove_file(&filler).expect("delete the filler");
    hall.ok(&["issue", "--service", "PAY"]);

    // A server killed on a disk that then turns read-only leaves its WAL.
    hall.serve(0, 0).unwrap_or_else(|e| panic!("{e}")).kill();
    mount.remount("ro");
    for args in [&["status"][..], &["serve", "--port", "0"], &["issue", "--service", "PAY"]] {
        let (_, stderr) = hall.fail(args);
        assert_bilingual(&stderr);
        assert!(stderr.contains("只读") && stderr.contains("read-only"), "hallq {args:?}: {stderr}");
    }
    mount.remount("rw");
    hall.ok(&["issue", "--service", "PAY"]);
}

/// A kiosk's customers, a ticket every few milliseconds until `stop`.
async fn kiosk(api: Api, token: String, index: usize, tally: Arc<Mutex<Tally>>, stop: Arc<AtomicBool>) {
    for i in 0.. {
        if stop.load(Ordering::SeqCst) {
            return;
        }
        let body = json!({"service": SERVICES[(index + i) % SERVICES.len()]});
        let answer = api.post(&token, "/api/v1/tickets", Some(body)).await;
        {
            let mut t = tally.lock().unwrap_or_else(|p| p.into_inner());
            match answer.status {
                201 => t.issued.push(answered_ticket(&answer.body)),
                507 => t.disk_full.push(answer.body),
                status => t.other.push(format!("{status} {}", answer.body)),
            }
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Writes `path` until the file system is full; the bytes written.
fn fill(path: &Path) -> u64 {
    let mut file = std::fs::File::create(path).expect("create the filler");
    let chunk = vec![0x5a_u8; 4096];
    let mut written = 0;
    loop {
        match file.write(&chunk) {
            Ok(0) => break,
            Ok(n) => written += n as u64,
            Err(e) if e.kind() == std::io::ErrorKind::StorageFull => break,
            Err(e) => panic!("filling the disk: {e}"),
        }
    }
    written
}

/// Waits (politely, the kiosks run meanwhile) until `done`.
async fn until(what: &str, done: impl Fn() -> bool) {
    let deadline = Instant::now() + PHASE_LIMIT;
    while !done() {
        assert!(Instant::now() < deadline, "{what}: not within {PHASE_LIMIT:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A full-disk error body in both languages, saying what to do.
fn assert_disk_full_in_words(body: &Value) {
    assert_eq!(body["code"], "disk_full", "{body}");
    let zh = body["message_zh"].as_str().unwrap_or_default();
    let en = body["message_en"].as_str().unwrap_or_default();
    assert!(zh.contains("磁盘已满") && zh.contains("自动恢复"), "{body}");
    assert!(en.contains("disk is full") && en.contains("resumes by itself"), "{body}");
}
