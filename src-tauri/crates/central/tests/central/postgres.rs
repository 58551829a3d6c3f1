//! A real PostgreSQL 15 for the tests: one cluster per test binary,
//! `initdb` into a temp directory and `postgres` on a free loopback port
//! with its unix socket in that directory; each test gets its own database
//! (`CREATE DATABASE t_<n>`).
//!
//! PostgreSQL refuses to run as root, and CI runs as root: then `initdb`
//! and `pg_ctl` run as the `postgres` user (the Debian package creates it)
//! through `runuser`, on a directory chowned to it. The cluster is stopped
//! (`pg_ctl stop -m immediate`) and its directory removed by a guardian
//! process that waits for the end of this process's pipe to it: so also
//! when a test panics, the binary is killed, or the cluster lives in a
//! static whose destructor never runs.

use std::io::Write;
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

/// Where Debian's PostgreSQL 15 puts its programs.
const PG_BIN: &str = "/usr/lib/postgresql/15/bin";

/// A running cluster.
pub struct Cluster {
    port: u16,
    databases: AtomicU32,
    guardian: Child,
}

/// The binary's one cluster, started on first use.
pub fn cluster() -> &'static Cluster {
    static CLUSTER: OnceLock<Cluster> = OnceLock::new();
    CLUSTER.get_or_init(Cluster::start)
}

fn is_root() -> bool {
    let out = Command::new("id").arg("-u").output().expect("run id -u");
    String::from_utf8_lossy(&out.stdout).trim() == "0"
}

/// A PostgreSQL program, run as the `postgres` user when this is root.
fn pg_command(program: &str, as_postgres: bool) -> Command {
    let path = Path::new(PG_BIN).join(program);
    assert!(
        path.is_file(),
        "PostgreSQL 15 is not installed ({} is missing): run `cargo xtask setup` (it installs Debian's \
         postgresql-15), then run the tests again",
        path.display()
    );
    if as_postgres {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(path);
        command
    } else {
        Command::new(path)
    }
}

fn run(mut command: Command, what: &str) {
    let out = command.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").expect("bind a free port").local_addr().expect("its address").port()
}

impl Cluster {
    fn start() -> Cluster {
        let root = is_root();
        let dir: PathBuf = tempfile::Builder::new().prefix("hallq-pg-").tempdir().expect("a temp directory").keep();
        let data = dir.join("data");
        if root {
            run(
                {
                    let mut c = Command::new("chown");
                    c.arg("postgres:postgres").arg(&dir);
                    c
                },
                "chown the cluster's directory to postgres",
            );
        }
        // The guardian first, so the directory goes even if start-up fails.
        let pg_ctl = Path::new(PG_BIN).join("pg_ctl");
        let stop = if root {
            format!("runuser -u postgres -- {} -D \"$1\" stop -m immediate", pg_ctl.display())
        } else {
            format!("{} -D \"$1\" stop -m immediate", pg_ctl.display())
        };
        let guardian = Command::new("sh")
            .arg("-c")
            .arg(format!("cat >/dev/null; {stop} >/dev/null 2>&1; rm -rf \"$2\""))
            .arg("sh")
            .arg(&data)
            .arg(&dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            // Its own process group: a Ctrl-C to the tests does not end it
            // before it has cleaned up.
            .process_group(0)
            .spawn()
            .expect("start the cluster's guardian");
        let mut initdb = pg_command("initdb", root);
        initdb.arg("-D").arg(&data).args(["-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"]);
        run(initdb, "initdb");
        let mut port = 0;
        for attempt in 0..3 {
            port = free_port();
            let mut start = pg_command("pg_ctl", root);
            start
                .arg("-D")
                .arg(&data)
                .arg("-l")
                .arg(dir.join("postgres.log"))
                .args(["-w", "-t", "60", "-o"])
                .arg(format!("-p {port} -c listen_addresses=127.0.0.1 -k {}", dir.display()))
                .arg("start")
                .process_group(0);
            let out = start.output().expect("run pg_ctl start");
            if out.status.success() {
                break;
            }
            let log = std::fs::read_to_string(dir.join("postgres.log")).unwrap_or_default();
            assert!(attempt < 2, "pg_ctl start failed three times:\n{log}");
        }
        Cluster { port, databases: AtomicU32::new(0), guardian }
    }

    /// The URL of a new, empty database for one test.
    pub async fn database(&self) -> String {
        let n = self.databases.fetch_add(1, Ordering::SeqCst);
        let (client, connection) = tokio_postgres::connect(&self.url("postgres"), tokio_postgres::NoTls)
            .await
            .expect("connect to the test cluster");
        let connection = tokio::spawn(connection);
        client.batch_execute(&format!("CREATE DATABASE t_{n}")).await.expect("create a test database");
        drop(client);
        let _ = connection.await;
        self.url(&format!("t_{n}"))
    }

    /// The URL of database `name`.
    pub fn url(&self, name: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        // Closing the guardian's stdin stops the cluster and removes it.
        if let Some(mut stdin) = self.guardian.stdin.take() {
            let _ = stdin.flush();
        }
        let _ = self.guardian.wait();
    }
}
