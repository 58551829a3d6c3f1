//! Power cuts, not just SIGKILLs: kiosks and counters work over HTTP while
//! the power of `hallq serve` is cut again and again, and every answered
//! command must still be on the disk the cut left.
//!
//! A SIGKILL alone proves little about the disk: the kernel keeps every
//! write of the killed process, so the crash test (`server_crash.rs`) would
//! pass with `synchronous=OFF`. Here the server runs over an LD_PRELOAD shim
//! (`power_cut.c`, compiled at run time) that journals, for the database
//! and its WAL, what every write overwrote, and marks each fsync; at the
//! cut the server is SIGKILLed and the test undoes every change no fsync
//! made durable — the disk as a power cut would leave it, at worst — and
//! deletes the `-shm` (memory, lost by a reboot) before the server starts
//! again on it. The load and the final check are the crash test's: every
//! command retried with its idempotency key until answered, and the log
//! must hold exactly the acknowledged commands.
//!
//! The same scenario with the shim's fsync made a no-op (what
//! `synchronous=OFF` amounts to on disk; a switch of the shim, not of
//! HallQ) must lose acknowledged tickets: the harness can see a loss.

use std::collections::{HashMap, HashSet};
use std::ffi::OsStr;
use std::fs::OpenOptions;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hallq_e2e::{Hall, Server};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::server_crash::{Ack, At, Work, check_the_database};
use crate::server_support::{LiveHall, open_db, read_log};

/// The shim's source; `cc` builds it into a temporary folder.
const SHIM_SOURCE: &str = include_str!("power_cut.c");
/// Power cuts under load, each followed by a restart on what the cut left.
const CUTS: usize = 5;
/// The load between a (re)start and the next cut, at least and at most.
const UP_MS: std::ops::RangeInclusive<u64> = 300..=1200;
/// Everything must be done by then.
const LIMIT: Duration = Duration::from_secs(60);
/// The rng seed of the cut moments; `HALLQ_POWER_SEED` replays another.
const SEED: u64 = 0x9e37_79b9;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn power_cut_over_and_over_the_server_keeps_every_answered_command() {
    let started = Instant::now();
    let run = power_cuts(CUTS, Fsync::Honoured).await;
    eprintln!(
        "power: {CUTS} cuts under load, {} commands acknowledged ({} tickets), {} requests unanswered; \
         undone at the cuts: {}; {} acknowledged lost; {:?}",
        run.acks.len(),
        run.acks.iter().filter(|a| a.kind == "ticket_issued").count(),
        run.unanswered,
        run.undone.iter().map(Undone::to_string).collect::<Vec<_>>().join(", "),
        lost(&run.hall, &run.acks).len(),
        started.elapsed(),
    );
    assert!(run.unexpected.is_empty(), "answers no retry should get:\n{}", run.unexpected.join("\n"));
    assert!(run.unanswered > 0, "the cuts cut off commands in flight");
    let under_load = &run.undone[..CUTS];
    assert!(under_load.iter().all(|u| u.journaled > 0), "the shim saw the server's writes: {under_load:?}");
    check_the_database(&run.hall, &run.acks, &run.current);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_fsync_a_power_cut_loses_answered_tickets() {
    let started = Instant::now();
    let run = power_cuts(1, Fsync::Ignored).await;
    let lost = lost(&run.hall, &run.acks);
    let tickets = |acks: &[Ack]| acks.iter().filter(|a| a.kind == "ticket_issued").count();
    eprintln!(
        "power without fsync: 1 cut, {} commands acknowledged ({} tickets), {} lost ({} tickets); \
         undone: {}; {:?}",
        run.acks.len(),
        tickets(&run.acks),
        lost.len(),
        tickets(&lost),
        run.undone.iter().map(Undone::to_string).collect::<Vec<_>>().join(", "),
        started.elapsed(),
    );
    assert!(tickets(&run.acks) > 0, "tickets were issued before the cut");
    assert!(tickets(&lost) > 0, "a power cut without fsync loses answered tickets, and this test sees it");
    let (store, _) = open_db(&run.hall);
    store.reader().expect("a reader").check_integrity().expect("the database is still sound");
}

/// Whether the shim lets fsync through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fsync {
    /// fsync and fdatasync reach the disk and are barriers.
    Honoured,
    /// They do nothing: `synchronous=OFF` as the disk sees it.
    Ignored,
}

/// What a run of power cuts left: the hall (the server is gone), what was
/// acknowledged, where each counter is, and what each cut undid.
struct Run {
    hall: Hall,
    acks: Vec<Ack>,
    unexpected: Vec<String>,
    unanswered: usize,
    current: HashMap<u32, At>,
    undone: Vec<Undone>,
}

/// Kiosks and clerks (the crash test's) work while the power is cut
/// `cuts` times and the server restarted on what each cut left; then the
/// load stops and a last cut leaves the database that is checked.
async fn power_cuts(cuts: usize, fsync: Fsync) -> Run {
    let seed = std::env::var("HALLQ_POWER_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(SEED);
    eprintln!("power: seed {seed} (set HALLQ_POWER_SEED to replay another)");
    let shim = Arc::new(Shim::build());
    let live = LiveHall::start_with(Hall::new(), |hall| shim.power_on(hall, 0, fsync)).await;
    let work = Work::start(&live, LIMIT).await;
    let load = work.load.clone();
    let LiveHall { hall, server, .. } = live;

    let hall = Arc::new(hall);
    let mut rng = StdRng::seed_from_u64(seed);
    let mut server = server;
    let mut undone = Vec::with_capacity(cuts + 1);
    for cut in 0..cuts {
        tokio::time::sleep(Duration::from_millis(rng.random_range(UP_MS))).await;
        let (h, s) = (hall.clone(), shim.clone());
        let (cut_off, restarted) = tokio::task::spawn_blocking(move || {
            let cut_off = s.cut(server, &h, cut);
            (cut_off, s.power_on(&h, cut + 1, fsync).unwrap_or_else(|e| panic!("after cut {cut}: {e}")))
        })
        .await
        .expect("the cut and restart");
        load.api.follow(restarted.base());
        undone.push(cut_off);
        server = restarted;
    }
    let current = work.stop().await;
    undone.push(shim.cut(server, &hall, cuts));
    Run {
        hall: Arc::into_inner(hall).expect("no restart is running"),
        acks: take(&load.acks),
        unexpected: take(&load.unexpected),
        unanswered: load.unanswered.load(Ordering::Relaxed),
        current,
        undone,
    }
}

fn take<T>(shared: &Mutex<Vec<T>>) -> Vec<T> {
    std::mem::take(&mut *shared.lock().unwrap_or_else(|p| p.into_inner()))
}

/// The acknowledged commands whose event is not in the log (at its seq,
/// of its kind, about its ticket).
fn lost(hall: &Hall, acks: &[Ack]) -> Vec<Ack> {
    let (store, hall_id) = open_db(hall);
    let reader = store.reader().expect("a reader");
    let logged: HashSet<(u64, &str, Option<uuid::Uuid>)> =
        read_log(&reader, hall_id).iter().map(|e| (e.seq, e.data.kind(), e.data.subject())).collect();
    acks.iter().filter(|a| !logged.contains(&(a.seq, a.kind, Some(a.ticket)))).cloned().collect()
}

// ---------------------------------------------------------------- the shim

/// The power-cut shim, built into a temporary folder that also holds the
/// journal of each run of the server.
struct Shim {
    dir: tempfile::TempDir,
    library: PathBuf,
}

impl Shim {
    /// Compiles `power_cut.c` with the system's C compiler.
    fn build() -> Self {
        let dir = tempfile::Builder::new().prefix("hallq-power-").tempdir().expect("a temporary folder for the shim");
        let source = dir.path().join("power_cut.c");
        std::fs::write(&source, SHIM_SOURCE).expect("write the shim's source");
        let library = dir.path().join("power_cut.so");
        let out = Command::new("cc")
            .args(["-shared", "-fPIC", "-O2", "-Wall", "-Werror", "-pthread", "-o"])
            .arg(&library)
            .arg(&source)
            .arg("-ldl")
            .output()
            .expect("run cc (the power-cut test needs a C compiler)");
        assert!(out.status.success(), "cc could not build the shim:\n{}", String::from_utf8_lossy(&out.stderr));
        Self { dir, library }
    }

    fn journal(&self, run: usize) -> PathBuf {
        self.dir.path().join(format!("journal-{run}"))
    }

    /// Starts `hallq serve` on the hall over the shim, journaling into a
    /// journal of its own.
    fn power_on(&self, hall: &Hall, run: usize, fsync: Fsync) -> Result<Server, String> {
        let journal = self.journal(run);
        let mut env: Vec<(&str, &OsStr)> = vec![
            ("LD_PRELOAD", self.library.as_os_str()),
            ("POWERCUT_PREFIX", hall.db().as_os_str()),
            ("POWERCUT_JOURNAL", journal.as_os_str()),
        ];
        if fsync == Fsync::Ignored {
            env.push(("POWERCUT_IGNORE_FSYNC", OsStr::new("1")));
        }
        hall.serve_with_env(0, 0, &[], &env)
    }

    /// The power cut: SIGKILL, then every change of run `run` that no fsync
    /// made durable is undone and the shared memory is gone.
    fn cut(&self, server: Server, hall: &Hall, run: usize) -> Undone {
        server.kill();
        let undone = undo_unsynced(&self.journal(run));
        let shm = PathBuf::from(format!("{}-shm", hall.db().display()));
        match std::fs::remove_file(&shm) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => panic!("cannot remove {}: {e}", shm.display()),
        }
        undone
    }
}

// ---------------------------------------------------------------- the journal

/// The record kinds of `power_cut.c`.
const MAGIC: u32 = 0x5043_5554;
const OLD_BYTES: u32 = 1;
const OLD_SIZE: u32 = 2;
const CREATED: u32 = 3;
const SYNCED: u32 = 4;
const DIR_SYNCED: u32 = 5;
const FORGET: u32 = 6;
const HEADER: usize = 32;

/// One change to undo.
enum Undo {
    /// The bytes at an offset before a write.
    Bytes(u64, Vec<u8>),
    /// The file's size before a write or truncation.
    Size(u64),
}

/// What a cut found in the journal and undid.
#[derive(Debug, Default)]
struct Undone {
    /// Changes journaled during the run.
    journaled: usize,
    /// Of those, undone because no fsync followed.
    changes: usize,
    /// Old bytes written back.
    bytes: u64,
    /// Files removed because their creation was never made durable.
    removed: usize,
}

impl std::fmt::Display for Undone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{} changes ({} B, {} files)", self.changes, self.journaled, self.bytes, self.removed)
    }
}

/// Undoes, newest first, every journaled change of a file after its last
/// sync, and removes the files created after the folder's last sync.
fn undo_unsynced(journal: &Path) -> Undone {
    let data = match std::fs::read(journal) {
        Ok(data) => data,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Undone::default(),
        Err(e) => panic!("cannot read the journal {}: {e}", journal.display()),
    };
    let mut pending: HashMap<PathBuf, Vec<Undo>> = HashMap::new();
    let mut created: HashSet<PathBuf> = HashSet::new();
    let mut undone = Undone::default();
    let mut at = 0;
    let u64_at = |i: usize| u64::from_le_bytes(data[i..i + 8].try_into().expect("8 bytes"));
    let u32_at = |i: usize| u32::from_le_bytes(data[i..i + 4].try_into().expect("4 bytes"));
    // A record cut short is the last one: the server died inside its write,
    // before the change it would undo.
    while at + HEADER <= data.len() {
        assert_eq!(u32_at(at), MAGIC, "a journal record starts at byte {at}");
        let (kind, path_len, offset, len) = (u32_at(at + 4), u64_at(at + 8), u64_at(at + 16), u64_at(at + 24));
        let path_at = at + HEADER;
        let data_at = path_at + usize::try_from(path_len).expect("a path length");
        let end = data_at + usize::try_from(len).expect("a record length");
        if end > data.len() {
            break;
        }
        let path = PathBuf::from(String::from_utf8(data[path_at..data_at].to_vec()).expect("a UTF-8 path"));
        match kind {
            OLD_BYTES => pending.entry(path).or_default().push(Undo::Bytes(offset, data[data_at..end].to_vec())),
            OLD_SIZE => pending.entry(path).or_default().push(Undo::Size(offset)),
            CREATED => {
                created.insert(path);
            }
            SYNCED => {
                pending.remove(&path);
            }
            DIR_SYNCED => created.clear(),
            FORGET => {
                pending.remove(&path);
                created.remove(&path);
            }
            other => panic!("unknown journal record {other} at byte {at}"),
        }
        if matches!(kind, OLD_BYTES | OLD_SIZE) {
            undone.journaled += 1;
        }
        at = end;
    }
    for (path, undos) in pending {
        let file = OpenOptions::new()
            .write(true)
            .open(&path)
            .unwrap_or_else(|e| panic!("cannot undo the unsynced writes of {}: {e}", path.display()));
        for undo in undos.iter().rev() {
            undone.changes += 1;
            match undo {
                Undo::Size(size) => file.set_len(*size).expect("restore a size"),
                Undo::Bytes(offset, old) => {
                    file.write_all_at(old, *offset).expect("restore old bytes");
                    undone.bytes += old.len() as u64;
                }
            }
        }
    }
    for path in created {
        match std::fs::remove_file(&path) {
            Ok(()) => undone.removed += 1,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => panic!("cannot remove {}: {e}", path.display()),
        }
    }
    undone
}
