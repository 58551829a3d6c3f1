//! `cargo xtask test`: setup, then every test of the workspace and clippy, in
//! the order that makes each step meaningful.
//!
//! The binaries are built first because the end-to-end tests run the real
//! `hallq` from the target directory. Cargo's output streams through, so its
//! `test result:` lines appear in the log; the exit status is non-zero if any
//! step failed. Before the tests, the core's dependency tree is checked for
//! purity ([`crate::purity`]); after clippy, clippy again for Windows
//! ([`crate::windows::CHECK`]). After the cargo steps come the UI's vitest tests, the
//! browser suite (`tests/browser`, against the `hallq` just built), the
//! schema suite (`tests/schema`, schemathesis against that `hallq serve`)
//! and the desktop suite (`tests/desktop`, the real app window under Xvfb).
//!
//! The centre's tests (`src-tauri/crates/central/tests`) are part of the
//! cargo test step: each test binary starts its own PostgreSQL 15 from the
//! `postgresql-15` package setup installs, and fails (never skips) without it.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::bail;

use crate::workspace::Workspace;
use crate::{setup, shell};

/// Runs setup, build, tests and clippy; reports what failed and how long it took.
pub fn run(ws: &Workspace) -> anyhow::Result<()> {
    let started = Instant::now();
    setup::run(ws)?;

    // Without binaries the end-to-end tests cannot run: stop here. Built
    // with `--all-targets`, so with the dev-dependencies' features, exactly
    // as `cargo test` resolves them: `--bins` alone resolved other features
    // and `cargo test` then compiled tauri and half the tree a second time.
    if let Err(error) = shell::run(&mut ws.cargo(&["build", "--workspace", "--all-targets"])) {
        bail!("{error:#} (用时 / after {})", elapsed(started.elapsed()));
    }

    // The remaining steps are independent: run them all, so one push to CI
    // shows every failing test and every lint at once (`--no-fail-fast`: a
    // failing test binary does not stop the ones after it).
    let steps: [(&str, &[&str]); 4] = [
        ("tests", &["test", "--workspace", "--all-targets", "--no-fail-fast"]),
        // `--all-targets` leaves out doc tests; they are examples that must compile and pass.
        ("doc tests", &["test", "--workspace", "--doc"]),
        ("clippy", &["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"]),
        // Unix-only code fails here, not in a Windows hall (its own target dir
        // under the same CARGO_TARGET_DIR: nothing of the host build is redone).
        ("windows", crate::windows::CHECK),
    ];
    let mut failed = Vec::new();
    // The core's purity is a fact of its dependency tree: checked first, in a second.
    if let Err(error) = crate::purity::check(ws) {
        eprintln!("xtask test: {error:#}");
        failed.push("core purity");
    }
    for (name, args) in steps {
        if let Err(error) = shell::run(&mut ws.cargo(args)) {
            eprintln!("xtask test: {error:#}");
            failed.push(name);
        }
    }

    // The UI's unit tests (vitest), then the browser suite against the real
    // server (tests/browser, node's test runner driving Debian's Chromium),
    // the schema suite against it (tests/schema) and the desktop window.
    let ui = ws.root.join("ui");
    if ui.join("package.json").is_file() {
        let browser = ws.root.join("tests").join("browser");
        let suites: [(&str, Command); 4] = [
            ("vitest", npm_in(&ui, &["run", "test", "--silent"])),
            ("browser", node_tests(&browser, &ws.target.join("debug").join("hallq"))),
            ("schema", schema_tests(ws)),
            ("desktop", desktop_tests(ws)),
        ];
        for (name, mut command) in suites {
            if let Err(error) = shell::run(&mut command) {
                eprintln!("xtask test: {error:#}");
                failed.push(name);
            }
        }
    }

    let took = elapsed(started.elapsed());
    if !failed.is_empty() {
        bail!("失败 / failed: {} (用时 / after {took})", failed.join(", "));
    }
    println!("xtask test: 全部通过 / all passed in {took}");
    Ok(())
}

/// `npm <args>` in `dir`.
fn npm_in(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new("npm");
    command.args(args).current_dir(dir);
    command
}

/// `node --test` over the browser suite, with the `hallq` binary to serve
/// (unless `HALLQ_BIN` already names one).
fn node_tests(dir: &Path, hallq: &Path) -> Command {
    let mut command = Command::new("node");
    command.args(["--test", "--test-concurrency=1"]).current_dir(dir);
    if std::env::var_os("HALLQ_BIN").is_none() {
        command.env("HALLQ_BIN", hallq);
    }
    command
}

/// The schema suite (tests/schema): schemathesis, from the venv setup
/// made, against the debug `hallq serve` (a bounded, seeded run: about a
/// minute).
fn schema_tests(ws: &Workspace) -> Command {
    let mut command = Command::new(setup::schema_python());
    command
        .arg(ws.root.join("tests").join("schema").join("run.py"))
        .arg("--hallq")
        .arg(ws.binary("debug", "hallq"))
        .current_dir(&ws.root);
    command
}

/// The desktop suite (tests/desktop): the real app window under Xvfb,
/// driven by tauri-driver, with the debug `hallq-desktop` and `hallq`.
fn desktop_tests(ws: &Workspace) -> Command {
    let mut command = Command::new("xvfb-run");
    command
        .args(["-a", "-s", "-screen 0 1280x800x24", "node", "--test", "--test-concurrency=1", "desktop.test.mjs"])
        .current_dir(ws.root.join("tests").join("desktop"))
        .env("HALLQ_DESKTOP_BIN", ws.binary("debug", "hallq-desktop"))
        .env("HALLQ_BIN", ws.binary("debug", "hallq"));
    if let Some(driver) = setup::tauri_driver_path() {
        command.env("TAURI_DRIVER", driver);
    }
    command
}

/// `1m07s`, or `42.3s` under a minute.
fn elapsed(duration: Duration) -> String {
    let seconds = duration.as_secs();
    if seconds < 60 {
        format!("{:.1}s", duration.as_secs_f64())
    } else {
        format!("{}m{:02}s", seconds / 60, seconds % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elapsed_shows_minutes_only_past_one_minute() {
        assert_eq!(elapsed(Duration::from_millis(42_300)), "42.3s");
        assert_eq!(elapsed(Duration::from_secs(67)), "1m07s");
    }
}
