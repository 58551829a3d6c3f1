//! `cargo xtask bench [args]`: setup, then builds `hallq` in release and runs
//! `hallq bench [args]`, passing every argument through unchanged.
//! `cargo xtask bench desktop [--soak 8h]` instead measures the desktop app:
//! the release `hallq-desktop` under Xvfb (`tests/desktop/measure.mjs`: cold
//! start to the counter window ready, the display's smoothness, memory of
//! the app launched as installed after start and after 100, 200 and 300
//! customers — at a real day's pace with `--soak`).
//!
//! `hallq bench` is compared with the committed baseline ([`BASELINE`]):
//! every figure more than 20 % worse is printed in a clear line.
//!
//! Benchmarks are only meaningful on an optimised build, hence release; the
//! benchmark itself (what it loads, what it measures) belongs to `hallq bench`
//! and to measure.mjs.

use std::process::Command;

use crate::workspace::Workspace;
use crate::{run, setup, shell};

/// Runs setup, builds release `hallq` and runs `hallq bench` with `args`
/// (or the desktop measurement for `desktop`).
pub fn run(ws: &Workspace, args: &[String]) -> anyhow::Result<()> {
    setup::run(ws)?;
    let hallq = run::build_release_hallq(ws)?;
    if args.first().is_some_and(|a| a == "desktop") {
        let desktop = run::build_release_desktop(ws)?;
        let mut command = Command::new("xvfb-run");
        command
            .args(["-a", "-s", "-screen 0 1280x800x24", "node", "measure.mjs"])
            .args(&args[1..])
            .current_dir(ws.root.join("tests").join("desktop"))
            .env("HALLQ_DESKTOP_BIN", desktop)
            .env("HALLQ_BIN", hallq);
        if let Some(driver) = setup::tauri_driver_path() {
            command.env("TAURI_DRIVER", driver);
        }
        return shell::run(&mut command);
    }
    let mut command = Command::new(hallq);
    command.arg("bench").args(args);
    // The committed baseline guards the figures (a warning line for each
    // figure 20 % worse), unless the caller names a baseline itself.
    let baseline = ws.root.join(BASELINE);
    if !args.iter().any(|a| a.starts_with("--baseline") || a.starts_with("--save-baseline")) && baseline.is_file() {
        command.arg("--baseline").arg(baseline);
    }
    shell::run(&mut command)
}

/// The committed figures `hallq bench` is compared with (refresh with
/// `cargo xtask bench --save-baseline src-tauri/crates/cli/bench-baseline.json`
/// after a change that is meant to move them, and say so in the commit).
const BASELINE: &str = "src-tauri/crates/cli/bench-baseline.json";
