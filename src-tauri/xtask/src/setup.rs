//! `cargo xtask setup`: installs what a fresh Debian 12 machine with only the
//! Rust toolchain, Node.js 20 and apt is missing, and nothing it already has:
//! apt packages, the Rust target for Windows, tauri-driver, the UI's npm
//! packages and the schema suite's Python packages (a venv of its own).
//!
//! The apt package list is [`APT_PACKAGES`], the one place to add a system
//! dependency. Setup must stay idempotent and quiet when nothing is missing:
//! `test` and `run` call it every time.

use std::io::IsTerminal;
use std::path::Path;
use std::process::Command;

use anyhow::{Context, bail};

use crate::shell;
use crate::workspace::Workspace;

/// Debian packages the build and the tests need, with why. To add a system
/// dependency, add a line here; nothing else changes.
const APT_PACKAGES: &[&str] = &[
    "build-essential", // cc and make: rusqlite builds its bundled SQLite from C
    "pkg-config",      // how build scripts find system libraries (WebKitGTK)
    "sqlite3",         // the sqlite3 shell, to inspect a hall database by hand
    "chromium",        // the browser suite (tests/browser) drives Debian's Chromium, never a downloaded one
    "espeak-ng",       // the display's offline voice (/api/v1/voice), voice cmn-latn-pinyin
    "sox",             // the browser suite checks the voice WAV's length with soxi
    "fonts-noto-cjk",  // Chinese glyphs in the browser (screenshots, a kiosk PC without fonts)
    // The desktop shell (hallq-desktop, Tauri 2) and its window tests.
    "libwebkit2gtk-4.1-dev",        // the webview
    "libxdo-dev",                   // Tauri's menus (keyboard accelerators)
    "libssl-dev",                   // openssl-sys, pulled in by Tauri's dependencies
    "libayatana-appindicator3-dev", // the tray icon
    "librsvg2-dev",                 // SVG icons in menus
    "xvfb",                         // a headless X server for the window tests
    "xauth",                        // xvfb-run needs it
    "webkit2gtk-driver",            // WebKitWebDriver, driven by tauri-driver
    "x11-utils",                    // xwininfo/xdpyinfo: the window tests wait for the X server
    "imagemagick",                  // icons/: SVG to every PNG/ICO size (with librsvg2-bin)
    "librsvg2-bin",                 // ImageMagick's SVG reader
    "cups",                         // the desktop suite's stand-in system printer: its own cupsd, a file queue
    "printer-driver-cups-pdf",      // that queue's PPD (PostScript out, through cups-filters)
    "python3-venv",                 // the schema suite's venv (tests/schema: schemathesis from PyPI)
    "postgresql-15", // the bureau's centre (hallq central); its tests initdb a cluster from /usr/lib/postgresql/15/bin
    // The Windows build (crate::windows): SQLite's C and the link of hallq.exe
    // for x86_64-pc-windows-gnu, checked by `test`; `bundle --windows` zips it.
    "gcc-mingw-w64-x86-64",
    "zip",
];

/// The WebDriver bridge for the desktop window tests, from crates.io.
const TAURI_DRIVER: &[&str] = &["install", "tauri-driver", "--version", "^2", "--locked"];

/// Installs the missing apt packages and the Rust target for Windows, then
/// the UI's npm dependencies and the schema suite's Python ones.
pub fn run(ws: &Workspace) -> anyhow::Result<()> {
    apt()?;
    crate::windows::ensure_target()?;
    tauri_driver(ws)?;
    npm(ws)?;
    schema_venv(ws)?;
    Ok(())
}

/// The schema suite's virtual environment: `$XDG_CACHE_HOME/hallq/schema-venv`
/// (`~/.cache/hallq/schema-venv`), outside the clone and outside the target
/// dir (a venv's scripts name its absolute path, so it cannot be copied
/// with a warm target dir).
pub fn schema_venv_dir() -> std::path::PathBuf {
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .filter(|d| !d.is_empty())
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    cache.join("hallq").join("schema-venv")
}

/// The Python of [`schema_venv_dir`], which runs `tests/schema/run.py`.
pub fn schema_python() -> std::path::PathBuf {
    schema_venv_dir().join("bin").join("python")
}

/// Creates the schema suite's venv and installs `tests/schema/requirements.txt`
/// (pinned versions) into it, unless that exact file is already installed
/// there: a copy is kept in the venv after a successful install.
fn schema_venv(ws: &Workspace) -> anyhow::Result<()> {
    let requirements = ws.root.join("tests").join("schema").join("requirements.txt");
    let wanted =
        std::fs::read(&requirements).with_context(|| format!("无法读取 / cannot read {}", requirements.display()))?;
    let venv = schema_venv_dir();
    let installed = venv.join("hallq-requirements.txt");
    if schema_python().is_file() && std::fs::read(&installed).is_ok_and(|have| have == wanted) {
        println!("setup: schemathesis 已安装 / schemathesis present ({})", venv.display());
        return Ok(());
    }
    println!("setup: 安装 schemathesis / installing schemathesis into {}", venv.display());
    if !schema_python().is_file() {
        shell::run(Command::new("python3").arg("-m").arg("venv").arg(&venv))
            .context("python3 -m venv 失败 / failed (apt: python3-venv)")?;
    }
    shell::run(
        Command::new(schema_python())
            .args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r"])
            .arg(&requirements),
    )
    .context("pip install 失败 / failed")?;
    std::fs::write(&installed, &wanted).with_context(|| format!("无法写入 / cannot write {}", installed.display()))
}

/// Where `tauri-driver` is: on PATH, else in cargo's bin folder.
pub fn tauri_driver_path() -> Option<std::path::PathBuf> {
    let on_path = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).map(|d| d.join("tauri-driver")).collect::<Vec<_>>())
        .unwrap_or_default();
    let home = std::env::var_os("CARGO_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".cargo")));
    on_path.into_iter().chain(home.map(|h| h.join("bin").join("tauri-driver"))).find(|p| p.is_file())
}

/// `cargo install tauri-driver` (about a minute) unless it is there.
fn tauri_driver(ws: &Workspace) -> anyhow::Result<()> {
    if tauri_driver_path().is_some() {
        println!("setup: tauri-driver 已安装 / tauri-driver present");
        return Ok(());
    }
    println!("setup: 安装 tauri-driver / installing tauri-driver");
    let mut install = ws.cargo(TAURI_DRIVER);
    // Its own target dir: installing must not touch the workspace's build.
    install.env_remove("CARGO_TARGET_DIR");
    shell::run(&mut install).context("cargo install tauri-driver 失败 / failed")
}

/// Checks every package with `dpkg-query` and, only if some are missing, runs
/// `apt-get update` once and installs just those.
fn apt() -> anyhow::Result<()> {
    let mut missing = Vec::new();
    for &package in APT_PACKAGES {
        match is_installed(package) {
            Ok(true) => {}
            Ok(false) => missing.push(package),
            Err(_) => {
                // Not Debian: xtask cannot install anything, but the build may
                // still work if the user installed the equivalents.
                println!(
                    "setup: 未找到 dpkg-query, 跳过 apt; 请自行安装 / no dpkg-query, skipping apt; \
                     make sure these are installed: {}",
                    APT_PACKAGES.join(" ")
                );
                return Ok(());
            }
        }
    }
    if missing.is_empty() {
        println!("setup: apt 包已齐全 / apt packages present: {}", APT_PACKAGES.join(" "));
        return Ok(());
    }
    println!("setup: 安装缺少的 apt 包 / installing missing apt packages: {}", missing.join(" "));
    let sudo = needs_sudo(&missing)?;
    shell::run(&mut apt_get(sudo, &["update"]))?;
    let mut install = vec!["install", "-y", "--no-install-recommends"];
    install.extend(&missing);
    shell::run(&mut apt_get(sudo, &install))?;
    Ok(())
}

/// Whether dpkg reports `package` as fully installed (`install ok installed`,
/// or `hold ok installed`). An unknown package (dpkg-query exits non-zero)
/// counts as not installed; `Err` means dpkg-query itself could not be run.
fn is_installed(package: &str) -> std::io::Result<bool> {
    let (ok, status) = shell::capture(Command::new("dpkg-query").args(["-W", "-f=${Status}", package]))?;
    Ok(ok && status.trim_end().ends_with(" ok installed"))
}

/// Whether apt-get must go through `sudo`: not if we are root; an error if
/// we are not and there is no sudo, saying what to install by hand.
fn needs_sudo(missing: &[&str]) -> anyhow::Result<bool> {
    if is_root() {
        return Ok(false);
    }
    if shell::capture(Command::new("sudo").arg("--version")).is_err() {
        bail!(
            "需要 root 权限或 sudo 来安装系统包 / root or sudo is needed to install packages; \
             as root run: apt-get install -y --no-install-recommends {}",
            missing.join(" ")
        );
    }
    Ok(true)
}

/// `apt-get <args>`, non-interactive, through `sudo` if asked.
fn apt_get(sudo: bool, args: &[&str]) -> Command {
    if !sudo {
        let mut command = Command::new("apt-get");
        command.env("DEBIAN_FRONTEND", "noninteractive").args(args);
        return command;
    }
    let mut command = Command::new("sudo");
    // Without a terminal (CI) sudo must not wait for a password nobody can type.
    if !std::io::stdin().is_terminal() {
        command.arg("-n");
    }
    // `sudo env VAR=...` rather than `.env()`: sudo's env_reset would drop it.
    command.args(["env", "DEBIAN_FRONTEND=noninteractive", "apt-get"]).args(args);
    command
}

fn is_root() -> bool {
    shell::capture(Command::new("id").arg("-u")).map(|(ok, uid)| ok && uid.trim() == "0").unwrap_or(false)
}

/// Installs the UI's npm dependencies, then builds the UI (`npm run build`
/// into `ui/dist`), so that `cargo build` embeds a real build.
///
/// Runs `npm ci` in `ui/` when `ui/package.json` exists and `ui/node_modules`
/// is missing or older than `ui/package-lock.json` (someone changed the
/// dependencies). `npm ci` installs exactly the lock file, so every machine
/// and CI test the same dependency tree; a missing lock file is an error.
fn npm(ws: &Workspace) -> anyhow::Result<()> {
    let ui = ws.root.join("ui");
    if !ui.join("package.json").is_file() {
        return Ok(());
    }
    let lock = ui.join("package-lock.json");
    if !lock.is_file() {
        bail!(
            "ui/package-lock.json 缺失: 运行 `npm install` 并提交它 / ui/package-lock.json is \
             missing: run `npm install` in ui/ and commit it"
        );
    }
    let node_modules = ui.join("node_modules");
    let stale = match (modified(&node_modules), modified(&lock)) {
        (Some(installed), Some(locked)) => installed < locked,
        _ => true,
    };
    if stale {
        println!("setup: 安装 UI 依赖 / installing UI dependencies (npm ci)");
        shell::run(Command::new("npm").args(["ci", "--no-audit", "--no-fund"]).current_dir(&ui))
            .context("npm ci 失败 / npm ci failed")?;
    } else {
        println!("setup: ui/node_modules 已是最新 / ui/node_modules up to date");
    }
    // Rebuild only when a source is newer than the build: a rebuild rewrites
    // ui/dist, and that recompiles hallq-server, which embeds it.
    let built = modified(&ui.join("dist").join("kiosk").join("index.html"));
    // Every page's folder, the sources, the API types' generator and the build's configuration.
    let sources = newest(
        &ui,
        &["src", "scripts", "kiosk", "counter", "display", "rate", "board", "settings", "reports", "ticket"],
    )
    .max(modified(&lock))
    .max(modified(&ui.join("package.json")))
    .max(modified(&ui.join("tsconfig.json")))
    .max(modified(&ui.join("vite.config.ts")));
    if built.is_some() && built >= sources {
        println!("setup: 界面已是最新 / the UI build is up to date");
        return Ok(());
    }
    println!("setup: 构建界面 / building the UI (npm run build)");
    shell::run(Command::new("npm").args(["run", "build", "--silent"]).current_dir(&ui))
        .context("界面构建失败 / the UI build failed")
}

/// The newest modification time of the files under `dirs` of `ui`.
fn newest(ui: &Path, dirs: &[&str]) -> Option<std::time::SystemTime> {
    let mut stack: Vec<_> = dirs.iter().map(|d| ui.join(d)).collect();
    let mut newest = None;
    while let Some(path) = stack.pop() {
        if path.is_dir() {
            stack.extend(std::fs::read_dir(&path).into_iter().flatten().flatten().map(|e| e.path()));
        } else {
            newest = newest.max(modified(&path));
        }
    }
    newest
}

fn modified(path: &Path) -> Option<std::time::SystemTime> {
    path.metadata().and_then(|meta| meta.modified()).ok()
}
