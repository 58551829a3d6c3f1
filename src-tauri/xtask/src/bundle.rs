//! `cargo xtask bundle`: builds the desktop app's Debian package with the
//! Tauri CLI from the UI's npm dependencies, never a `cargo install
//! tauri-cli` (a quarter of an hour): `tauri build --no-bundle` and the
//! release `hallq`, both stripped (the release profile keeps line tables for
//! benchmarks' profiles: 166 MB against 23 MB), `hallq` staged where
//! `tauri.conf.json` maps it to `/usr/bin/hallq`, then `tauri bundle
//! --bundles deb` — and the package's file list checked ([`check_deb`]).
//!
//! The .deb holds `hallq-desktop` (the menu's app), `hallq` (the CLI:
//! backup, report, export, serve …) and `hallq.service`, the hall server
//! for a Linux hall server PC (`hallq serve --lan`, its database in
//! /var/lib/hallq, run as the `hallq` system user its postinst creates),
//! installed disabled. It depends on what Tauri declares itself (WebKitGTK
//! 4.1, GTK 3, the tray's appindicator) plus espeak-ng (the display's
//! voice), fonts-noto-cjk (Chinese on every screen) and passwd (useradd).
//! The Windows (NSIS, MSI with WebView2) and macOS bundles are configured in
//! `src-tauri/tauri.conf.json` but not built here; `bundle --windows`
//! ([`crate::windows`]) builds zips of `hallq.exe` and the desktop app.
//!
//! Why the package is checked here and not in `cargo xtask test`: a .deb
//! needs both release builds (8+ minutes on the 2-core CI machine) and would
//! make every test run pay for them. The test suite checks the bundle's
//! configuration instead, in seconds ([`tests`] below: every file the
//! package maps exists and the staging path agrees with `tauri.conf.json`).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

use crate::workspace::Workspace;
use crate::{run, setup, shell};

/// Where `hallq` is staged for the package, relative to `src-tauri/`
/// (`tauri.conf.json` → `bundle.linux.deb.files["/usr/bin/hallq"]`).
pub const STAGED_CLI: &str = "packaging/bin/hallq";

/// What the installed package must hold (paths as `dpkg-deb -c` lists them).
pub const PACKAGE_FILES: [&str; 3] =
    ["./usr/bin/hallq-desktop", "./usr/bin/hallq", "./usr/lib/systemd/system/hallq.service"];

/// Runs setup, then builds, strips, stages, bundles and checks; prints
/// where the .deb is and its size.
pub fn run(ws: &Workspace) -> anyhow::Result<()> {
    setup::run(ws)?;
    let desktop = run::build_release_desktop(ws)?;
    let hallq = run::build_release_hallq(ws)?;
    let src_tauri = ws.root.join("src-tauri");
    let staged = src_tauri.join(STAGED_CLI);
    std::fs::create_dir_all(staged.parent().expect("a folder"))?;
    std::fs::copy(&hallq, &staged).with_context(|| format!("无法复制 / could not copy to {}", staged.display()))?;
    shell::run(Command::new("strip").arg(&desktop).arg(&staged))?;
    let cli = ws.root.join("ui").join("node_modules").join(".bin").join("tauri");
    shell::run(
        Command::new(&cli)
            .args(["bundle", "--bundles", "deb"])
            .current_dir(&src_tauri)
            .env("CARGO_TARGET_DIR", &ws.target),
    )?;
    let dir = ws.target.join("release").join("bundle").join("deb");
    let debs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .with_context(|| format!("找不到 / not found: {}", dir.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "deb"))
        .collect();
    for deb in debs {
        check_deb(&deb)?;
        let size = deb.metadata().map(|m| m.len()).unwrap_or(0);
        println!("xtask bundle: {} ({:.1} MiB)", deb.display(), size as f64 / 1_048_576.0);
    }
    Ok(())
}

/// The package's own test: its file list (`dpkg-deb -c`) holds both
/// commands and the unit, the unit is not enabled (no `.wants` link), and
/// its control area has the postinst that creates the `hallq` user.
fn check_deb(deb: &Path) -> anyhow::Result<()> {
    let (ok, list) = shell::capture(Command::new("dpkg-deb").arg("-c").arg(deb))?;
    anyhow::ensure!(ok, "dpkg-deb -c {} 失败 / failed", deb.display());
    let problems = package_problems(&list);
    let (ok, postinst) = shell::capture(Command::new("dpkg-deb").arg("-I").arg(deb).arg("postinst"))?;
    let mut problems = problems;
    if !ok || !postinst.contains("useradd --system") {
        problems.push("postinst 未创建 hallq 用户 / the postinst does not create the hallq user".into());
    }
    if !problems.is_empty() {
        bail!("{} 有误 / is wrong:\n  {}\n{list}", deb.display(), problems.join("\n  "));
    }
    println!("xtask bundle: {} 含 / holds {}", deb.display(), PACKAGE_FILES.join(" "));
    Ok(())
}

/// What is wrong with a package's file list (`dpkg-deb -c` output): a
/// missing file of [`PACKAGE_FILES`], an empty binary, an enabled unit.
fn package_problems(list: &str) -> Vec<String> {
    let mut problems = Vec::new();
    for wanted in PACKAGE_FILES {
        // dpkg-deb lists `./usr/...` or `usr/...` depending on how the
        // archive was made (Tauri's bundler writes the latter).
        let bare = wanted.trim_start_matches("./");
        match list.lines().find(|line| line.ends_with(&format!(" ./{bare}")) || line.ends_with(&format!(" {bare}"))) {
            None => problems.push(format!("缺少 / missing {wanted}")),
            // perms, owner, size, date, time, path
            Some(line) if line.split_whitespace().nth(2).is_some_and(|size| size == "0") => {
                problems.push(format!("空文件 / empty file {wanted}"))
            }
            Some(_) => {}
        }
    }
    if list.contains(".wants/hallq.service") {
        problems.push("hallq.service 不应默认启用 / hallq.service must be installed disabled".into());
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn src_tauri() -> PathBuf {
        // At run time: a test binary reused from another clone's build (a
        // shared target dir) must still read this clone's files.
        let dir = std::env::var_os("CARGO_MANIFEST_DIR")
            .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
        dir.parent().expect("src-tauri").to_path_buf()
    }

    /// The bundle's configuration, checked without building it: the CLI is
    /// mapped from where `run` stages it, every other mapped file and the
    /// maintainer scripts exist, and the unit runs the installed `hallq`
    /// as the user the postinst creates, on the database in /var/lib/hallq.
    #[test]
    fn the_deb_maps_the_cli_the_unit_and_the_scripts_that_exist() {
        let conf = std::fs::read_to_string(src_tauri().join("tauri.conf.json")).unwrap();
        assert!(conf.contains(&format!(r#""/usr/bin/hallq": "{STAGED_CLI}""#)), "tauri.conf.json maps the CLI");
        for file in ["packaging/hallq.service", "packaging/postinst", "packaging/postrm"] {
            assert!(conf.contains(&format!(r#""{file}""#)), "tauri.conf.json names {file}");
            assert!(src_tauri().join(file).is_file(), "{file} exists");
        }
        assert!(conf.contains(r#""/usr/lib/systemd/system/hallq.service": "packaging/hallq.service""#));
        let unit = std::fs::read_to_string(src_tauri().join("packaging/hallq.service")).unwrap();
        assert!(unit.contains("\nExecStart=/usr/bin/hallq serve "), "{unit}");
        assert!(unit.contains("\nUser=hallq\n") && unit.contains("\nStateDirectory=hallq\n"), "{unit}");
        assert!(unit.contains("HALLQ_DB=/var/lib/hallq/hall.db"), "{unit}");
        let postinst = std::fs::read_to_string(src_tauri().join("packaging/postinst")).unwrap();
        assert!(postinst.contains("useradd --system") && postinst.contains(" hallq\n"), "{postinst}");
        assert!(!postinst.contains("systemctl enable"), "installed disabled");
    }

    #[test]
    fn a_package_list_missing_the_cli_or_enabling_the_unit_is_refused() {
        let line = |size: u32, path: &str| format!("-rwxr-xr-x root/root {size} 2026-12-05 09:00 {path}\n");
        let good = line(9_000_000, "./usr/bin/hallq-desktop")
            + &line(7_000_000, "./usr/bin/hallq")
            + &line(900, "./usr/lib/systemd/system/hallq.service");
        assert!(package_problems(&good).is_empty(), "{:?}", package_problems(&good));
        let as_tauri_writes_it = good.replace(" ./", " ");
        assert!(package_problems(&as_tauri_writes_it).is_empty(), "{:?}", package_problems(&as_tauri_writes_it));
        let without_cli = good.replace(" ./usr/bin/hallq\n", " ./usr/share/hallq\n");
        assert_eq!(package_problems(&without_cli), ["缺少 / missing ./usr/bin/hallq"]);
        let empty = good.replace(" 7000000 ", " 0 ");
        assert_eq!(package_problems(&empty), ["空文件 / empty file ./usr/bin/hallq"]);
        let enabled = good + &line(0, "./etc/systemd/system/multi-user.target.wants/hallq.service");
        assert_eq!(package_problems(&enabled).len(), 1);
    }
}
