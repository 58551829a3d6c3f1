//! `cargo xtask bundle`: builds the desktop app's Debian package with the
//! Tauri CLI from the UI's npm dependencies, never a `cargo install
//! tauri-cli` (a quarter of an hour): `tauri build --no-bundle`, then the
//! binary stripped (the release profile keeps line tables for benchmarks'
//! profiles: 166 MB against 23 MB), then `tauri bundle --bundles deb`.
//!
//! The .deb depends on what Tauri declares itself (WebKitGTK 4.1, GTK 3, the
//! tray's appindicator) plus espeak-ng (the display's voice) and
//! fonts-noto-cjk (Chinese on every screen). The Windows (NSIS, MSI with
//! WebView2) and macOS bundles are configured in `src-tauri/tauri.conf.json`
//! but can only be built on those systems.

use std::process::Command;

use anyhow::Context;

use crate::workspace::Workspace;
use crate::{run, setup, shell};

/// Runs setup, then builds, strips and bundles; prints where the .deb is.
pub fn run(ws: &Workspace) -> anyhow::Result<()> {
    setup::run(ws)?;
    let binary = run::build_release_desktop(ws)?;
    shell::run(Command::new("strip").arg(&binary))?;
    let cli = ws.root.join("ui").join("node_modules").join(".bin").join("tauri");
    shell::run(
        Command::new(&cli)
            .args(["bundle", "--bundles", "deb"])
            .current_dir(ws.root.join("src-tauri"))
            .env("CARGO_TARGET_DIR", &ws.target),
    )?;
    let dir = ws.target.join("release").join("bundle").join("deb");
    let debs: Vec<_> = std::fs::read_dir(&dir)
        .with_context(|| format!("找不到 / not found: {}", dir.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "deb"))
        .collect();
    for deb in debs {
        let size = deb.metadata().map(|m| m.len()).unwrap_or(0);
        println!("xtask bundle: {} ({:.1} MiB)", deb.display(), size as f64 / 1_048_576.0);
    }
    Ok(())
}
