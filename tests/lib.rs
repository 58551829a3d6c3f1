//! The shared harness of the end-to-end tests: find the built `hallq` binary
//! and drive it on a throwaway hall database, as a user at a shell would; and
//! run it as the hall server (`hallq serve`), a real process on loopback that
//! a test can talk HTTP to, SIGKILL and start again on the same database.
//!
//! Tests go through [`Hall`] (or [`hallq`] for commands that need no
//! database), [`Server`] and [`Api`]: what is tested here is the program
//! users run — its flags, exit codes, output and wire API. The only other
//! crate linked is `hallq-store`, and only to inspect a database after its
//! server is gone (the log, the projections, a rebuild). The binary is built
//! beforehand by `cargo xtask test` (`cargo build --workspace --bins`); cargo
//! does not build another package's binaries for a test on its own.
//!
//! Every [`Server`] is SIGKILLed and reaped when dropped, so a test that
//! panics leaves no server behind.

use std::ffi::OsStr;
use std::fs::OpenOptions;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, RwLock, mpsc};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The `hallq` binary under test: `$HALLQ_BIN` if set, else the `hallq` next
/// to this test binary's profile directory (`target/<profile>/deps/e2e-…` →
/// `target/<profile>/hallq`), so it follows `CARGO_TARGET_DIR` and the profile.
///
/// # Panics
///
/// If the binary does not exist, with a message saying how to build it.
pub fn hallq_bin() -> PathBuf {
    let bin = match std::env::var_os("HALLQ_BIN") {
        Some(path) if !path.is_empty() => PathBuf::from(path),
        _ => {
            let exe = std::env::current_exe().expect("the test binary knows its own path");
            // <target>/<profile>/deps/e2e-<hash> → <target>/<profile>
            let profile_dir =
                exe.parent().and_then(Path::parent).expect("test binaries live in <target>/<profile>/deps");
            profile_dir.join(format!("hallq{}", std::env::consts::EXE_SUFFIX))
        }
    };
    assert!(
        bin.is_file(),
        "no hallq binary at {}: run `cargo xtask test`, or `cargo build -p hallq-cli` first \
         (or set HALLQ_BIN)",
        bin.display()
    );
    bin
}

/// Runs `hallq <args>` without a database (`--help`, `--version`, bad
/// subcommands), stdin closed, logging only warnings.
pub fn hallq(args: &[&str]) -> Output {
    let mut command = command();
    command.args(args);
    output(&mut command)
}

/// A hall database of its own in a fresh temporary directory, removed when
/// the `Hall` is dropped. Nothing is created until a command (usually `init`)
/// creates it, so tests can also check what happens without a database.
#[derive(Debug)]
pub struct Hall {
    dir: tempfile::TempDir,
    db: PathBuf,
}

impl Hall {
    /// A new temporary directory with the path `hall.db` inside it (not created).
    ///
    /// # Panics
    ///
    /// If the temporary directory cannot be created.
    pub fn new() -> Self {
        let dir =
            tempfile::Builder::new().prefix("hallq-e2e-").tempdir().expect("create a temporary directory for the hall");
        let db = dir.path().join("hall.db");
        Self { dir, db }
    }

    /// The hall database file, as passed to `--db`.
    pub fn db(&self) -> &Path {
        &self.db
    }

    /// The temporary directory holding the database, for files a test writes
    /// or expects (backups, exports).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Runs `hallq <args> --db <db>` and returns what happened, success or not.
    /// `--db` is appended, so `args` start with the subcommand.
    pub fn run(&self, args: &[&str]) -> Output {
        let mut command = command();
        command.args(args).arg("--db").arg(&self.db);
        output(&mut command)
    }

    /// Runs `hallq <args> --db <db>` with standard output into a pipe whose
    /// reader takes the first `keep` bytes (0: none) and then closes it, as
    /// `hallq … | head -c <keep>` does. Returns what happened (its stdout is
    /// empty) and the bytes read.
    ///
    /// # Panics
    ///
    /// If the pipe or the process cannot be set up.
    pub fn run_into_closed_pipe(&self, args: &[&str], keep: usize) -> (Output, Vec<u8>) {
        let (mut reader, writer) = std::io::pipe().expect("a pipe");
        let child = {
            let mut command = command();
            command.args(args).arg("--db").arg(&self.db).stdout(writer).stderr(Stdio::piped());
            // The command (and its copy of the pipe's writing end) is dropped
            // here: the reader below then sees the end when the child exits.
            command.spawn().unwrap_or_else(|error| panic!("could not start hallq {}: {error}", args.join(" ")))
        };
        let mut kept = vec![0; keep];
        let read = reader.read_exact(&mut kept);
        drop(reader);
        let output = child.wait_with_output().expect("wait for hallq");
        if let Err(error) = read {
            panic!(
                "`hallq {}` wrote fewer than {keep} bytes ({error}); {}\n--- stderr ---\n{}",
                args.join(" "),
                output.status,
                String::from_utf8_lossy(&output.stderr)
            );
        }
        (output, kept)
    }

    /// Runs `hallq <args> --db <db>`, asserts it succeeded and returns stdout.
    ///
    /// # Panics
    ///
    /// If the command fails, showing its exit status, stderr and stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "`hallq {}` failed ({})\n--- stderr ---\n{}\n--- stdout ---\n{}",
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stderr),
            String::from_utf8_lossy(&out.stdout),
        );
        String::from_utf8(out.stdout).expect("hallq prints UTF-8")
    }

    /// Runs `hallq <args> --db <db>`, asserts it failed with an exit code and
    /// returns that code and stderr (where the bilingual message is).
    ///
    /// # Panics
    ///
    /// If the command succeeds, or is killed by a signal (a crash is not a
    /// clean refusal).
    pub fn fail(&self, args: &[&str]) -> (i32, String) {
        let out = self.run(args);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(
            !out.status.success(),
            "`hallq {}` succeeded but should have failed\n--- stdout ---\n{}\n--- stderr ---\n{stderr}",
            args.join(" "),
            String::from_utf8_lossy(&out.stdout),
        );
        let code = out.status.code().unwrap_or_else(|| {
            panic!("`hallq {}` was killed ({})\n--- stderr ---\n{stderr}", args.join(" "), out.status)
        });
        (code, stderr)
    }

    /// Runs `hallq <args> --db <db>` (asserting success, as [`Hall::ok`]) and
    /// parses stdout as JSON. The caller asks for JSON output itself, e.g.
    /// `hall.json(&["status", "--format", "json"])`.
    ///
    /// # Panics
    ///
    /// If the command fails or stdout is not one JSON value.
    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let stdout = self.ok(args);
        serde_json::from_str(&stdout)
            .unwrap_or_else(|error| panic!("`hallq {}` printed no valid JSON ({error}):\n{stdout}", args.join(" ")))
    }

    /// Starts `hallq serve --db <db> --port <port> --kiosk-interval-ms <ms>`
    /// on 127.0.0.1 and waits until it prints its URL (it is serving from
    /// then on). `port` 0 takes any free port; the real one is in the URL.
    /// The server's log (`HALLQ_LOG=warn`) is appended to [`Hall::serve_log`].
    ///
    /// # Errors
    ///
    /// If the process cannot start, exits, or prints no URL within
    /// [`SERVE_START_LIMIT`] (it is killed then); the message holds its log.
    pub fn serve(&self, port: u16, kiosk_interval_ms: u64) -> Result<Server, String> {
        self.serve_with(port, kiosk_interval_ms, &[])
    }

    /// [`Hall::serve`] with more `hallq serve` flags (e.g. `--printer-poll-ms`).
    ///
    /// # Errors
    ///
    /// As [`Hall::serve`].
    pub fn serve_with(&self, port: u16, kiosk_interval_ms: u64, extra: &[&str]) -> Result<Server, String> {
        self.serve_with_env(port, kiosk_interval_ms, extra, &[])
    }

    /// [`Hall::serve_with`] with more environment variables for the server
    /// process (e.g. `LD_PRELOAD` of a shim under SQLite).
    ///
    /// # Errors
    ///
    /// As [`Hall::serve`].
    pub fn serve_with_env(
        &self,
        port: u16,
        kiosk_interval_ms: u64,
        extra: &[&str],
        env: &[(&str, &OsStr)],
    ) -> Result<Server, String> {
        let log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.serve_log())
            .map_err(|e| format!("cannot open the server log: {e}"))?;
        let mut command = command();
        command
            .args(["serve", "--port", &port.to_string(), "--kiosk-interval-ms", &kiosk_interval_ms.to_string()])
            .args(extra)
            .arg("--db")
            .arg(&self.db)
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(log);
        let started = Instant::now();
        let mut child = command.spawn().map_err(|e| format!("could not start hallq serve: {e}"))?;
        let stdout = child.stdout.take().ok_or("hallq serve has no stdout")?;
        let (tx, rx) = mpsc::channel();
        // Reads the URL line, then drains stdout until the process is gone,
        // so that the server never blocks on a full pipe.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(url) = line.split_whitespace().find(|w| w.starts_with("http://")) {
                    let _ = tx.send(url.trim_end_matches('/').to_string());
                }
            }
        });
        let url = rx.recv_timeout(SERVE_START_LIMIT);
        let started_in = started.elapsed();
        let mut server = Server { child, base: String::new(), port: 0, started_in };
        let url = match url {
            Ok(url) => url,
            Err(_) => {
                server.stop();
                let log = std::fs::read_to_string(self.serve_log()).unwrap_or_default();
                return Err(format!("hallq serve on port {port} printed no URL after {started_in:?}; log:\n{log}"));
            }
        };
        server.port = url
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .ok_or_else(|| format!("no port in the URL {url:?} that hallq serve printed"))?;
        server.base = url;
        Ok(server)
    }

    /// The log of every server started on this hall (stderr, appended).
    pub fn serve_log(&self) -> PathBuf {
        self.dir.path().join("serve.log")
    }
}

impl Default for Hall {
    fn default() -> Self {
        Self::new()
    }
}

/// `hallq` with the environment every e2e run shares: no stdin (a prompt
/// must not hang a test) and `HALLQ_LOG=warn` (no info chatter in stderr).
fn command() -> Command {
    let mut command = Command::new(hallq_bin());
    command.env("HALLQ_LOG", "warn").stdin(Stdio::null());
    command
}

fn output(command: &mut Command) -> Output {
    command.output().unwrap_or_else(|error| panic!("could not start {:?}: {error}", command.get_program()))
}

// ---------------------------------------------------------------- the hall server

/// How long `hallq serve` may take to open the hall and print its URL.
pub const SERVE_START_LIMIT: Duration = Duration::from_secs(20);

/// A running `hallq serve` process. Dropping it SIGKILLs and reaps the
/// process, so no server outlives its test, not even a test that panicked.
#[derive(Debug)]
pub struct Server {
    child: Child,
    base: String,
    port: u16,
    started_in: Duration,
}

impl Server {
    /// `http://127.0.0.1:PORT`, as the server printed it.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The WebSocket URL of a path, e.g. `ws://127.0.0.1:PORT/api/v1/stream`.
    pub fn ws_url(&self, path: &str) -> String {
        format!("{}{path}", self.base.replacen("http://", "ws://", 1))
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// From spawning the process to its URL line: how long the hall took
    /// to open (after a crash: to recover) and start serving.
    pub fn started_in(&self) -> Duration {
        self.started_in
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Sends SIGTERM, as a service manager stopping the hall does; the
    /// server is expected to shut down by itself ([`Server::wait_exit`]).
    ///
    /// # Panics
    ///
    /// If `kill` cannot be run or refuses.
    pub fn terminate(&self) {
        // `kill(1)` rather than a signal crate: the tests link no libc wrapper.
        let status =
            Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status().expect("run kill -TERM");
        assert!(status.success(), "kill -TERM {} failed: {status}", self.child.id());
    }

    /// Waits up to `limit` for the process to exit by itself; its status,
    /// or `None` if it is still running then (it is left running).
    pub fn wait_exit(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let started = Instant::now();
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            if started.elapsed() >= limit {
                return None;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// SIGKILLs the process (no chance to flush or shut down: a power cut
    /// as far as the database is concerned) and reaps it.
    pub fn kill(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        // `Child::kill` is SIGKILL on Unix; an already exited child is fine.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

/// An HTTP client of the hall's API, as terminals use it: bearer tokens,
/// JSON bodies, optional idempotency keys. Clones share the connection pool
/// and the base URL, which [`Api::follow`] changes when a server is
/// restarted on another port. Every request is bounded in time.
#[derive(Debug, Clone)]
pub struct Api {
    http: reqwest::Client,
    base: Arc<RwLock<String>>,
}

/// An answer: the status and the JSON body (`Null` when empty).
#[derive(Debug, Clone)]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// The body (a string value if it was not JSON).
    pub body: Value,
}

impl Answer {
    /// A 2xx answer.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The `code` of an error answer (`""` when there is none).
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or("")
    }

    /// Asserts the status and returns the body, showing the body if not.
    ///
    /// # Panics
    ///
    /// If the status differs.
    #[track_caller]
    pub fn expect(self, status: u16) -> Value {
        assert_eq!(self.status, status, "unexpected answer: {}", self.body);
        self.body
    }
}

/// How long one request may take before it counts as failed.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

impl Api {
    /// A client of the server at `base` (`http://127.0.0.1:PORT`).
    ///
    /// # Panics
    ///
    /// If the HTTP client cannot be built.
    pub fn new(base: &str) -> Self {
        let http = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .connect_timeout(Duration::from_secs(2))
            .build()
            .expect("an HTTP client");
        Self { http, base: Arc::new(RwLock::new(base.to_string())) }
    }

    /// The base URL requests go to now.
    pub fn base(&self) -> String {
        self.base.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Sends every request from now on to `base` (a restarted server), in
    /// every clone of this client.
    pub fn follow(&self, base: &str) {
        *self.base.write().unwrap_or_else(|p| p.into_inner()) = base.to_string();
    }

    /// Sends a request; `Err` when no answer came (refused, reset, timed
    /// out): the command may or may not have been executed.
    ///
    /// # Errors
    ///
    /// The transport error, when there is no HTTP answer.
    pub async fn try_send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
        idempotency_key: Option<&str>,
    ) -> Result<Answer, reqwest::Error> {
        let mut req = self.http.request(method, format!("{}{path}", self.base()));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        if let Some(k) = idempotency_key {
            req = req.header("Idempotency-Key", k);
        }
        let res = req.send().await?;
        let status = res.status().as_u16();
        let text = res.text().await?;
        let body =
            if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap_or(Value::String(text)) };
        Ok(Answer { status, body })
    }

    /// [`Api::try_send`] that expects an answer.
    ///
    /// # Panics
    ///
    /// If no answer came.
    pub async fn send(&self, method: reqwest::Method, path: &str, token: Option<&str>, body: Option<&Value>) -> Answer {
        self.try_send(method.clone(), path, token, body, None)
            .await
            .unwrap_or_else(|e| panic!("{method} {path}: no answer from the server: {e}"))
    }

    /// `GET path` with a token.
    pub async fn get(&self, token: &str, path: &str) -> Answer {
        self.send(reqwest::Method::GET, path, Some(token), None).await
    }

    /// `POST path` with a token and an optional JSON body.
    pub async fn post(&self, token: &str, path: &str, body: Option<Value>) -> Answer {
        self.send(reqwest::Method::POST, path, Some(token), body.as_ref()).await
    }

    /// `PUT path` with a token and a JSON body.
    pub async fn put(&self, token: &str, path: &str, body: Value) -> Answer {
        self.send(reqwest::Method::PUT, path, Some(token), Some(&body)).await
    }
}
