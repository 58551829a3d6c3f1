//! The shared harness of the end-to-end tests: find the built `hallq` binary
//! and drive it on a throwaway hall database, as a user at a shell would.
//!
//! Tests go through [`Hall`] (or [`hallq`] for commands that need no
//! database) and never link the other crates: what is tested here is the
//! program users run, its flags, exit codes and output. The binary is built
//! beforehand by `cargo xtask test` (`cargo build --workspace --bins`); cargo
//! does not build another package's binaries for a test on its own.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

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
