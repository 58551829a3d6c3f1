//! `cargo xtask run`: builds the desktop app (and `hallq`) in release and
//! opens it on a freshly generated demo hall: `hallq demo` simulates a week
//! of traffic and prints the admin PIN, then `hallq-desktop` starts in
//! one-PC mode on that database with a temp config, its screens unlocked
//! (a developer's PC, not a lobby).

use std::path::PathBuf;
use std::process::Command;

use anyhow::Context;

use crate::workspace::Workspace;
use crate::{setup, shell};

/// Runs setup, builds, makes `<target>/demo/hall.db` and opens the app on it.
pub fn run(ws: &Workspace) -> anyhow::Result<()> {
    setup::run(ws)?;
    let hallq = build_release_hallq(ws)?;
    let desktop = build_release_desktop(ws)?;

    // A fresh hall every time: remove the old database and its WAL files.
    let demo = ws.target.join("demo");
    if demo.exists() {
        std::fs::remove_dir_all(&demo).with_context(|| format!("无法删除 / could not remove {}", demo.display()))?;
    }
    std::fs::create_dir_all(&demo).with_context(|| format!("无法创建 / could not create {}", demo.display()))?;
    let db = demo.join("hall.db");
    let db_text = db.to_str().context("目标目录路径不是 UTF-8 / target dir path is not UTF-8")?;
    shell::run(Command::new(&hallq).args(["demo", "--db", db_text, "--days", "7", "--seed", "1"]))?;

    let config = demo.join("desktop.json");
    let text = serde_json_config(&db);
    std::fs::write(&config, text).with_context(|| format!("无法写入 / could not write {}", config.display()))?;
    println!("xtask run: 演示营业厅 / demo hall: {db_text}; 配置 / config: {}", config.display());
    shell::run(Command::new(&desktop).env("HALLQ_DESKTOP_CONFIG", &config).env("HALLQ_DESKTOP_UNLOCKED", "1"))
}

/// The demo's one-PC config: counter 1, kiosk, display and counter 1's
/// rating pad, any free port.
fn serde_json_config(db: &std::path::Path) -> String {
    let db = db.display().to_string().replace('\\', "\\\\").replace('"', "\\\"");
    format!(
        r#"{{"mode":"one_pc","hall_name":"演示供电营业厅","db":"{db}","port":0,"screens":[
{{"role":"counter","counter":1}},{{"role":"kiosk"}},{{"role":"display"}},{{"role":"rate","counter":1}}]}}"#
    )
}

/// `cargo build --release -p hallq-cli`; returns the path of the built `hallq`.
pub fn build_release_hallq(ws: &Workspace) -> anyhow::Result<PathBuf> {
    shell::run(&mut ws.cargo(&["build", "--release", "-p", "hallq-cli"]))?;
    let hallq = ws.binary("release", "hallq");
    anyhow::ensure!(hallq.is_file(), "构建成功但找不到 / built, but not found: {}", hallq.display());
    Ok(hallq)
}

/// Builds the release desktop app the way `tauri build` does (it sets the
/// environment the Tauri crates' build scripts read, so a plain `cargo
/// build` and `tauri build` would each rebuild what the other built): `run`,
/// `bundle` and `bench desktop` share one cache. Returns the binary's path.
pub fn build_release_desktop(ws: &Workspace) -> anyhow::Result<PathBuf> {
    build_release_desktop_for(ws, None)
}

/// How the desktop app is optimised, unlike `hallq`: for size (`s`), with
/// the whole program linked and optimised at once. The app's own code is
/// mapped into a hall PC's memory as it runs (its pages count in the
/// station's PSS, issue 13): the `.text` it maps went from 20.8 MB to
/// 12.4 MB (opt-level 3 with the same linking: 18.6 MB), about 7 MB less
/// of the one-PC station's memory after start, measured; its embedded
/// server serves one hall's few requests a second. `hallq` (a hall server's
/// throughput, the reports) keeps the release profile's speed.
const DESKTOP_PROFILE: [(&str, &str); 3] = [
    ("CARGO_PROFILE_RELEASE_OPT_LEVEL", "s"),
    ("CARGO_PROFILE_RELEASE_LTO", "fat"),
    ("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "1"),
];

/// [`build_release_desktop`] for `target` (`None`: this machine's), into
/// `<target dir>/<target>/release/`, optimised as [`DESKTOP_PROFILE`] says.
pub fn build_release_desktop_for(ws: &Workspace, target: Option<&str>) -> anyhow::Result<PathBuf> {
    let cli = ws.root.join("ui").join("node_modules").join(".bin").join("tauri");
    anyhow::ensure!(cli.is_file(), "找不到 Tauri CLI / the Tauri CLI is missing: {}", cli.display());
    let mut build = Command::new(&cli);
    build
        .args(["build", "--no-bundle"])
        .current_dir(ws.root.join("src-tauri"))
        .env("CARGO_TARGET_DIR", &ws.target)
        .envs(DESKTOP_PROFILE);
    let desktop = match target {
        None => ws.binary("release", "hallq-desktop"),
        Some(target) => {
            build.args(["--target", target]);
            let exe = if target.contains("windows") { "hallq-desktop.exe" } else { "hallq-desktop" };
            ws.target.join(target).join("release").join(exe)
        }
    };
    shell::run(&mut build)?;
    anyhow::ensure!(desktop.is_file(), "构建成功但找不到 / built, but not found: {}", desktop.display());
    Ok(desktop)
}
