//! `cargo xtask run`: builds `hallq` in release and shows it working on a
//! freshly generated demo hall — a week of simulated traffic (`hallq demo`
//! creates the hall and prints its admin PIN), the live status and three
//! reports.
//!
//! This is the stand-in for the desktop app: once `hallq-desktop` exists,
//! `run` builds and starts the app instead, and this walk through the CLI
//! goes.

use std::path::PathBuf;
use std::process::Command;

use anyhow::Context;

use crate::workspace::Workspace;
use crate::{setup, shell};

/// Runs setup, builds release `hallq`, and runs it on `<target>/demo/hall.db`.
pub fn run(ws: &Workspace) -> anyhow::Result<()> {
    setup::run(ws)?;
    let hallq = build_release_hallq(ws)?;

    // A fresh hall every time: remove the old database and its WAL files.
    let demo = ws.target.join("demo");
    if demo.exists() {
        std::fs::remove_dir_all(&demo).with_context(|| format!("无法删除 / could not remove {}", demo.display()))?;
    }
    std::fs::create_dir_all(&demo).with_context(|| format!("无法创建 / could not create {}", demo.display()))?;
    let db = demo.join("hall.db");
    let db = db.to_str().context("目标目录路径不是 UTF-8 / target dir path is not UTF-8")?;

    let steps: [&[&str]; 5] = [
        &["demo", "--db", db, "--days", "7", "--seed", "1"],
        &["status", "--db", db],
        &["report", "--db", db, "--by", "service"],
        &["report", "--db", db, "--by", "hour"],
        &["report", "--db", db, "--by", "staff"],
    ];
    for args in steps {
        shell::run(Command::new(&hallq).args(args))?;
    }
    println!("xtask run: 演示营业厅 / demo hall: {db}");
    Ok(())
}

/// `cargo build --release -p hallq-cli`; returns the path of the built `hallq`.
pub fn build_release_hallq(ws: &Workspace) -> anyhow::Result<PathBuf> {
    shell::run(&mut ws.cargo(&["build", "--release", "-p", "hallq-cli"]))?;
    let hallq = ws.binary("release", "hallq");
    anyhow::ensure!(hallq.is_file(), "构建成功但找不到 / built, but not found: {}", hallq.display());
    Ok(hallq)
}
