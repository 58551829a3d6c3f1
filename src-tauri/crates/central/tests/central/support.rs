//! What the centre's tests share: real halls' events (made by the real
//! `hallq demo` and read back from the real `hallq export`, so the centre
//! ingests what halls write), a centre on a fresh database, and the checks
//! of the log it stored.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use deadpool_postgres::Pool;
use hallq_central::enrol::{self, EnrolRequest};
use hallq_central::{Acknowledged, db};
use hallq_store::{ExchangeHeader, ExchangeReader, StoredEvent};
use reqwest::StatusCode;
use serde_json::Value;
use tempfile::TempDir;
use uuid::Uuid;

use crate::postgres::cluster;

/// The `hallq` binary beside this test binary (`cargo build -p hallq-cli`,
/// which `cargo xtask test` does first), or `HALLQ_BIN`.
pub fn hallq_bin() -> PathBuf {
    let bin = match std::env::var_os("HALLQ_BIN") {
        Some(path) if !path.is_empty() => PathBuf::from(path),
        _ => {
            let exe = std::env::current_exe().expect("the test binary knows its own path");
            // <target>/<profile>/deps/central-<hash> → <target>/<profile>
            let profile = exe.parent().and_then(Path::parent).expect("test binaries live in <target>/<profile>/deps");
            profile.join(format!("hallq{}", std::env::consts::EXE_SUFFIX))
        }
    };
    assert!(
        bin.is_file(),
        "no hallq binary at {}: run `cargo build -p hallq-cli` first (or set HALLQ_BIN)",
        bin.display()
    );
    bin
}

/// `hallq <args>` with `env`; its standard output, the command having
/// succeeded.
pub fn hallq_with(env: &[(&str, &str)], args: &[&str]) -> String {
    let out = Command::new(hallq_bin()).envs(env.iter().copied()).args(args).output().expect("run hallq");
    assert!(out.status.success(), "hallq {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

/// `hallq <args>`; its standard output, the command having succeeded.
pub fn hallq(args: &[&str]) -> String {
    hallq_with(&[], args)
}

/// `hallq <args>` with `env`, which must fail: its exit code and standard error.
pub fn hallq_fails_with(env: &[(&str, &str)], args: &[&str]) -> (i32, String) {
    let out = Command::new(hallq_bin()).envs(env.iter().copied()).args(args).output().expect("run hallq");
    assert!(!out.status.success(), "hallq {args:?} should fail");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// `hallq <args>` that must fail: its exit code and standard error.
pub fn hallq_fails(args: &[&str]) -> (i32, String) {
    hallq_fails_with(&[], args)
}

/// The real `hallq central` on `url`, on a free loopback port, with
/// `extra` flags; returns the child and its base URL once it listens.
pub fn start_centre(url: &str, extra: &[&str]) -> (Child, String) {
    let mut child = Command::new(hallq_bin())
        .args(["central", "--postgres", url, "--listen", "127.0.0.1:0"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start hallq central");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("its stdout")).read_line(&mut line).expect("its first line");
    let base = line.trim().rsplit(' ').next().expect("the address").to_string();
    assert!(base.contains("://127.0.0.1:"), "{line}");
    (child, base)
}

/// A hall database made by `hallq demo`, and its exports.
pub struct DemoHall {
    dir: TempDir,
    code: String,
}

impl DemoHall {
    /// A hall `code` with `days` days of demo traffic from 2026-03-02.
    pub fn new(code: &str, days: u32, seed: u64) -> DemoHall {
        let hall = DemoHall { dir: tempfile::tempdir().expect("a temp directory"), code: code.to_string() };
        hall.demo(days, seed, "2026-03-02");
        hall
    }

    /// An empty hall directory (its database made by the caller at [`DemoHall::db`]).
    pub fn empty(code: &str) -> DemoHall {
        DemoHall { dir: tempfile::tempdir().expect("a temp directory"), code: code.to_string() }
    }

    /// The hall's code.
    pub fn code(&self) -> &str {
        &self.code
    }

    /// The hall's database file.
    pub fn db(&self) -> PathBuf {
        self.dir.path().join("hall.db")
    }

    /// Runs `hallq <args>` on this hall's database.
    pub fn run(&self, args: &[&str]) -> String {
        let out = Command::new(hallq_bin())
            .arg("--db")
            .arg(self.dir.path().join("hall.db"))
            .args(args)
            .output()
            .expect("run hallq");
        assert!(out.status.success(), "hallq {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// More demo days, continuing the hall's log.
    pub fn demo(&self, days: u32, seed: u64, start: &str) {
        self.run(&[
            "demo",
            "--days",
            &days.to_string(),
            "--seed",
            &seed.to_string(),
            "--start",
            start,
            "--hall",
            &self.code,
        ]);
    }

    /// A hall backed up after its first day, which then works a second
    /// day; and its backup restored, which works another second day: two
    /// logs of one hall that share their first day and differ after it.
    pub fn diverged(code: &str) -> (DemoHall, DemoHall) {
        let hall = DemoHall::new(code, 1, 4);
        let restored = hall.backup();
        hall.demo(1, 5, "2026-03-03");
        restored.demo(1, 6, "2026-03-03");
        (hall, restored)
    }

    /// A copy of this hall's database as another hall directory (a backup).
    pub fn backup(&self) -> DemoHall {
        let copy = DemoHall { dir: tempfile::tempdir().expect("a temp directory"), code: self.code.clone() };
        self.run(&["backup", "--to", copy.dir.path().join("hall.db").to_str().expect("a UTF-8 path")]);
        copy
    }

    /// `hallq export` of the whole log to a file.
    pub fn export(&self, name: &str) -> PathBuf {
        let file = self.dir.path().join(name);
        self.run(&["export", "--force", "--out", file.to_str().expect("a UTF-8 path")]);
        file
    }

    /// The hall's whole log and header, as its export holds them.
    pub fn log(&self) -> (ExchangeHeader, Vec<StoredEvent>) {
        read_export(&self.export("log.hqx"))
    }
}

/// Every event of an exchange file.
pub fn read_export(file: &Path) -> (ExchangeHeader, Vec<StoredEvent>) {
    let mut reader = ExchangeReader::open(file).expect("open the export");
    let mut events = Vec::new();
    while let Some(e) = reader.next_event().expect("read an event") {
        events.push(e);
    }
    (reader.header().clone(), events)
}

/// A centre on its own fresh database, served in this process.
pub struct Centre {
    pub url: String,
    pub pool: Pool,
    pub base: String,
    pub http: reqwest::Client,
}

impl Centre {
    /// Migrates a new database and serves the centre on a free port.
    pub async fn start() -> Centre {
        let url = cluster().database().await;
        let pool = db::connect(&url).await.expect("connect and migrate");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        tokio::spawn(hallq_central::serve(pool.clone(), listener, None, std::future::pending()));
        Centre { url, pool, base, http: reqwest::Client::new() }
    }

    /// A new enrolment code for `hall_code`, made `now`.
    pub async fn code(&self, hall_code: &str, now: i64) -> String {
        enrol::create_code(&self.pool, hall_code, Some("罗阳县"), now).await.expect("make a code").code
    }

    /// `POST /central/v1/enrol`: status and JSON body.
    pub async fn enrol_raw(&self, code: &str, header: &ExchangeHeader) -> (StatusCode, Value) {
        let request = EnrolRequest::of(code, &header.settings);
        let response =
            self.http.post(format!("{}/central/v1/enrol", self.base)).json(&request).send().await.expect("enrol");
        (response.status(), response.json().await.expect("a JSON answer"))
    }

    /// Enrols the hall with a fresh code; returns its key.
    pub async fn enrol(&self, header: &ExchangeHeader) -> String {
        let code = self.code(&header.settings.hall.code, now()).await;
        let (status, body) = self.enrol_raw(&code, header).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let enrolled: enrol::Enrolled = serde_json::from_value(body).expect("an enrolment");
        assert_eq!(enrolled.hall_id, header.settings.hall.id);
        enrolled.key
    }

    /// `POST /central/v1/events` with a raw body.
    pub async fn push_raw(&self, key: &str, body: Vec<u8>) -> (StatusCode, Value) {
        push_to(&self.http, &self.base, key, body).await
    }

    /// Pushes `events` as one batch.
    pub async fn push(&self, key: &str, events: &[StoredEvent]) -> (StatusCode, Value) {
        self.push_raw(key, hallq_central::ingest::encode_batch(events)).await
    }

    /// Pushes `events` in batches of `size`, each acknowledged (up to its
    /// last seq, or further when the centre held more).
    pub async fn push_all(&self, key: &str, events: &[StoredEvent], size: usize) {
        for batch in events.chunks(size) {
            let (status, body) = self.push(key, batch).await;
            assert_eq!(status, StatusCode::OK, "{body}");
            assert!(acknowledged(&body) >= batch[batch.len() - 1].seq, "{body}");
        }
    }

    /// `GET /central/v1/cursor`.
    pub async fn cursor(&self, key: &str) -> (StatusCode, Value) {
        let response =
            self.http.get(format!("{}/central/v1/cursor", self.base)).bearer_auth(key).send().await.expect("cursor");
        (response.status(), response.json().await.expect("a JSON answer"))
    }
}

/// A centre with one demo hall enrolled.
pub struct Enrolled {
    /// The centre.
    pub centre: Centre,
    /// The hall's header (its settings) and its whole log.
    pub header: ExchangeHeader,
    /// The hall's log.
    pub events: Vec<StoredEvent>,
    /// The hall's key.
    pub key: String,
}

/// A demo hall `code` of `days` days, enrolled at a new centre.
pub async fn enrolled(code: &str, days: u32, seed: u64) -> Enrolled {
    let (header, events) = DemoHall::new(code, days, seed).log();
    let centre = Centre::start().await;
    let key = centre.enrol(&header).await;
    Enrolled { centre, header, events, key }
}

/// `POST {base}/central/v1/events` with `key` and a raw body.
pub async fn push_to(http: &reqwest::Client, base: &str, key: &str, body: Vec<u8>) -> (StatusCode, Value) {
    let response =
        http.post(format!("{base}/central/v1/events")).bearer_auth(key).body(body).send().await.expect("push");
    (response.status(), response.json().await.expect("a JSON answer"))
}

/// Now, UTC ms.
pub fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("after 1970").as_millis() as i64
}

/// The acknowledged seq of an OK answer.
pub fn acknowledged(body: &Value) -> u64 {
    serde_json::from_value::<Acknowledged>(body.clone()).expect("an acknowledgement").acknowledged_seq
}

/// Asserts an error answer: status, code, and both languages.
pub fn assert_refused(answer: &(StatusCode, Value), status: StatusCode, code: &str) {
    let (got, body) = answer;
    assert_eq!(*got, status, "{body}");
    assert_eq!(body["code"], code, "{body}");
    let zh = body["message_zh"].as_str().expect("message_zh");
    let en = body["message_en"].as_str().expect("message_en");
    assert!(zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "Chinese message: {zh}");
    assert!(!en.is_empty() && !en.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "English message: {en}");
}

/// The hall's log at the centre, in seq order.
pub async fn stored(pool: &Pool, hall: Uuid) -> Vec<StoredEvent> {
    let client = pool.get().await.expect("a connection");
    let rows = client
        .query("SELECT seq, id, at, actor, data FROM events WHERE hall_id = $1 ORDER BY seq", &[&hall])
        .await
        .expect("read the log");
    rows.iter()
        .map(|r| StoredEvent {
            id: r.get(1),
            hall_id: hall,
            seq: r.get::<_, i64>(0) as u64,
            at: r.get(2),
            actor: serde_json::from_value(r.get::<_, Value>(3)).expect("an actor"),
            data: serde_json::from_value(r.get::<_, Value>(4)).expect("event data"),
        })
        .collect()
}

/// The centre holds exactly `expected` for the hall: the same count, seqs
/// 1..n, the same ids and contents, nothing duplicated or lost.
pub async fn assert_log(pool: &Pool, hall: Uuid, expected: &[StoredEvent]) {
    let log = stored(pool, hall).await;
    assert_eq!(log.len(), expected.len(), "events stored");
    for (i, (mine, theirs)) in log.iter().zip(expected).enumerate() {
        assert_eq!(mine.seq, i as u64 + 1, "seqs are 1..n");
        assert_eq!(mine, theirs, "event {} as the hall wrote it", i + 1);
    }
    let client = pool.get().await.expect("a connection");
    let row = client
        .query_one("SELECT count(*), count(DISTINCT id) FROM events WHERE hall_id = $1", &[&hall])
        .await
        .expect("count");
    assert_eq!((row.get::<_, i64>(0), row.get::<_, i64>(1)), (expected.len() as i64, expected.len() as i64));
}
