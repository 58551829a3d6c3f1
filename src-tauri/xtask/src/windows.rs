//! The Windows build, cross-compiled on Debian: the target and its
//! toolchain ([`ensure_target`]: rustup's `x86_64-pc-windows-gnu`, Debian's
//! mingw-w64 from [`crate::setup`]), the check `cargo xtask test` runs
//! ([`CHECK`]), and `cargo xtask bundle --windows` ([`bundle`]): the hall
//! server's zip for a Windows hall PC.
//!
//! The zip ([`ZIP_FILES`]) holds `hallq.exe` (release, stripped), the
//! scripts that register `hallq serve --lan` as a scheduled task at start-up
//! (`src-tauri/packaging/windows`) and the README, whose Windows section says
//! how to install it. It is checked after it is made: its file list, and
//! that `hallq.exe` imports no MinGW runtime DLL a Windows PC lacks.
//!
//! The desktop app (`hallq-desktop`) and its NSIS installer are not built
//! here: see [`DESKTOP_NOT_BUILT`]. Nothing is run on Windows (Debian's
//! Wine 8 cannot load binaries of current Rust: they import
//! `bcryptprimitives.dll`'s `ProcessPrng`); what that leaves untested is
//! listed in the README's Windows section.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, bail};

use crate::workspace::Workspace;
use crate::{setup, shell};

/// The Rust target of a Windows hall PC (64-bit Windows 10 and later),
/// linked with Debian's mingw-w64.
pub const TARGET: &str = "x86_64-pc-windows-gnu";

/// What `cargo xtask test` runs for Windows: clippy over the workspace's
/// libraries and binaries (the desktop shell's too) for [`TARGET`], so
/// Unix-only code (signals, `/dev/usb/lp*`, file modes, `tcdrain`) fails
/// CI, not a hall. Tests are left out: they run on Linux only.
pub const CHECK: &[&str] = &["clippy", "--workspace", "--target", TARGET, "--", "-D", "warnings"];

/// Why `bundle --windows` ships the hall server's zip and no desktop app.
pub const DESKTOP_NOT_BUILT: &str = "\
桌面应用与其 NSIS 安装包不在此构建: Tauri 的打包器在构建安装包时从 GitHub 下载 NSIS 插件 \
(nsis_tauri_utils.dll) 与 WebView2 引导程序, 本机无法访问 / the desktop app and its NSIS installer \
are not built here: Tauri's bundler downloads its NSIS plugin (nsis_tauri_utils.dll) and the \
WebView2 bootstrapper from GitHub and Microsoft while it makes the installer, which this machine \
cannot reach";

/// The zip's folder: everything is inside it, so unpacking makes one folder.
pub const ZIP_DIR: &str = "HallQ";

/// What the zip must hold, under [`ZIP_DIR`]: the command, the task's
/// scripts, the README (its Windows section is the install guide).
pub const ZIP_FILES: [&str; 4] = ["hallq.exe", "install-task.ps1", "remove-task.ps1", "README.md"];

/// Where the scheduled task's scripts are, relative to the workspace root.
const SCRIPTS: &str = "src-tauri/packaging/windows";

/// MinGW's runtime DLLs: present on the build machine, absent on a hall PC.
/// `hallq.exe` must link them statically, or not need them.
const MINGW_DLLS: [&str; 3] = ["libwinpthread-1.dll", "libgcc_s_seh-1.dll", "libstdc++-6.dll"];

/// Adds the Rust standard library for [`TARGET`] with rustup, unless it is
/// there. Without rustup (a distribution's Rust) it says what is missing.
pub fn ensure_target() -> anyhow::Result<()> {
    let installed = shell::capture(Command::new("rustup").args(["target", "list", "--installed"]));
    match installed {
        Ok((true, list)) if list.lines().any(|line| line.trim() == TARGET) => {
            println!("setup: Rust 目标已安装 / Rust target present: {TARGET}");
            Ok(())
        }
        Ok(_) => {
            println!("setup: 安装 Rust 目标 / adding the Rust target {TARGET}");
            shell::run(Command::new("rustup").args(["target", "add", TARGET]))
        }
        Err(_) => {
            println!(
                "setup: 未找到 rustup, 请自行安装 {TARGET} 的标准库 / no rustup: install the standard \
                 library for {TARGET} yourself"
            );
            Ok(())
        }
    }
}

/// `cargo xtask bundle --windows`: builds `hallq.exe` in release for
/// [`TARGET`], strips it, zips it with the scripts and the README into
/// `<target>/bundle-windows/`, checks the zip and prints the sizes.
pub fn bundle(ws: &Workspace) -> anyhow::Result<()> {
    setup::run(ws)?;
    let started = Instant::now();
    shell::run(&mut ws.cargo(&["build", "--release", "-p", "hallq-cli", "--target", TARGET]))?;
    let built = ws.target.join(TARGET).join("release").join("hallq.exe");
    anyhow::ensure!(built.is_file(), "构建成功但找不到 / built, but not found: {}", built.display());
    println!("xtask bundle: hallq.exe 构建用时 / built in {:.0}s", started.elapsed().as_secs_f64());

    let out = ws.target.join("bundle-windows");
    let folder = out.join(ZIP_DIR);
    if folder.exists() {
        std::fs::remove_dir_all(&folder)
            .with_context(|| format!("无法删除 / could not remove {}", folder.display()))?;
    }
    std::fs::create_dir_all(&folder).with_context(|| format!("无法创建 / could not create {}", folder.display()))?;
    let exe = folder.join("hallq.exe");
    shell::run(Command::new("x86_64-w64-mingw32-strip").arg("-o").arg(&exe).arg(&built))?;
    for script in ["install-task.ps1", "remove-task.ps1"] {
        copy(&ws.root.join(SCRIPTS).join(script), &folder.join(script))?;
    }
    copy(&ws.root.join("README.md"), &folder.join("README.md"))?;
    check_imports(&exe)?;

    let zip = out.join(zip_name());
    if zip.exists() {
        std::fs::remove_file(&zip).with_context(|| format!("无法删除 / could not remove {}", zip.display()))?;
    }
    // -X: no Unix owners and modes in the archive; Windows has no use for them.
    shell::run(Command::new("zip").args(["-q", "-r", "-X"]).arg(&zip).arg(ZIP_DIR).current_dir(&out))?;
    let (ok, list) = shell::capture(Command::new("zip").arg("-sf").arg(&zip))?;
    anyhow::ensure!(ok, "zip -sf {} 失败 / failed", zip.display());
    let problems = zip_problems(&list);
    if !problems.is_empty() {
        bail!("{} 有误 / is wrong:\n  {}\n{list}", zip.display(), problems.join("\n  "));
    }
    println!("xtask bundle: {} ({})", built.display(), size(&built));
    println!("xtask bundle: {} ({}, stripped)", exe.display(), size(&exe));
    println!("xtask bundle: {} ({}) 含 / holds {}", zip.display(), size(&zip), ZIP_FILES.join(" "));
    println!("xtask bundle: {DESKTOP_NOT_BUILT}");
    Ok(())
}

/// `HallQ-0.1.0-windows-x64.zip`: the workspace's version.
pub fn zip_name() -> String {
    format!("HallQ-{}-windows-x64.zip", env!("CARGO_PKG_VERSION"))
}

/// What is wrong with the zip's file list (`zip -sf` output: one entry a
/// line, indented, between a header and a total): a missing file of
/// [`ZIP_FILES`], or a file outside [`ZIP_DIR`].
fn zip_problems(list: &str) -> Vec<String> {
    let entries: Vec<&str> = list
        .lines()
        .skip_while(|line| !line.starts_with("Archive contains:"))
        .skip(1)
        .take_while(|line| line.starts_with(' '))
        .map(str::trim)
        .collect();
    let mut problems: Vec<String> = ZIP_FILES
        .iter()
        .map(|file| format!("{ZIP_DIR}/{file}"))
        .filter(|wanted| !entries.contains(&wanted.as_str()))
        .map(|wanted| format!("缺少 / missing {wanted}"))
        .collect();
    for entry in entries.iter().filter(|e| !e.starts_with(&format!("{ZIP_DIR}/"))) {
        problems.push(format!("不在 {ZIP_DIR}/ 中 / outside {ZIP_DIR}/: {entry}"));
    }
    problems
}

/// Refuses an `hallq.exe` that imports a MinGW runtime DLL ([`MINGW_DLLS`]).
fn check_imports(exe: &Path) -> anyhow::Result<()> {
    let (ok, dump) = shell::capture(Command::new("x86_64-w64-mingw32-objdump").arg("-p").arg(exe))?;
    anyhow::ensure!(ok, "x86_64-w64-mingw32-objdump -p {} 失败 / failed", exe.display());
    let dlls = imported_dlls(&dump);
    let missing: Vec<&str> =
        dlls.iter().map(String::as_str).filter(|dll| MINGW_DLLS.iter().any(|m| m.eq_ignore_ascii_case(dll))).collect();
    if !missing.is_empty() {
        bail!("{} 依赖 Windows 没有的 DLL / needs DLLs Windows lacks: {}", exe.display(), missing.join(" "));
    }
    println!("xtask bundle: hallq.exe 导入 / imports {}", dlls.join(" "));
    Ok(())
}

/// The DLLs a PE file imports, from `objdump -p`'s `DLL Name:` lines, each
/// once (lower case, sorted).
fn imported_dlls(dump: &str) -> Vec<String> {
    let mut dlls: Vec<String> = dump
        .lines()
        .filter_map(|line| line.trim().strip_prefix("DLL Name:"))
        .map(|dll| dll.trim().to_ascii_lowercase())
        .collect();
    dlls.sort();
    dlls.dedup();
    dlls
}

fn copy(from: &Path, to: &PathBuf) -> anyhow::Result<()> {
    std::fs::copy(from, to)
        .with_context(|| format!("无法复制 / could not copy {} to {}", from.display(), to.display()))?;
    Ok(())
}

/// A file's size in MiB, as the bundle prints it.
fn size(path: &Path) -> String {
    let bytes = path.metadata().map(|m| m.len()).unwrap_or(0);
    format!("{:.1} MiB", bytes as f64 / 1_048_576.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root() -> PathBuf {
        let dir = std::env::var_os("CARGO_MANIFEST_DIR")
            .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
        dir.ancestors().nth(2).expect("the workspace root").to_path_buf()
    }

    #[test]
    fn a_zip_missing_the_command_or_spilling_outside_its_folder_is_refused() {
        let list = |entries: &[&str]| {
            let lines: String = entries.iter().map(|e| format!("  {e}\n")).collect();
            format!("Archive contains:\n{lines}Total {} entries (123 bytes)\n", entries.len())
        };
        let good = ["HallQ/", "HallQ/hallq.exe", "HallQ/install-task.ps1", "HallQ/remove-task.ps1", "HallQ/README.md"];
        assert!(zip_problems(&list(&good)).is_empty(), "{:?}", zip_problems(&list(&good)));
        assert_eq!(zip_problems(&list(&good[2..])), ["缺少 / missing HallQ/hallq.exe"]);
        let stray = [&good[..], &["hallq.exe"]].concat();
        assert_eq!(zip_problems(&list(&stray)), ["不在 HallQ/ 中 / outside HallQ/: hallq.exe"]);
        assert_eq!(zip_problems("zip error: Nothing to do!").len(), ZIP_FILES.len());
    }

    /// Architecture Invariant (ARCHITECTURE.md): what differs by system
    /// sits in one module per concern, not in `cfg`s scattered through
    /// the code.
    #[test]
    fn only_the_platform_modules_ask_which_system_they_run_on() {
        const PLATFORM_FILES: [&str; 8] = [
            "crates/cli/src/data_dir.rs",
            "crates/printer/src/device.rs",
            "crates/server/src/platform.rs",
            "crates/store/src/clock.rs",
            "crates/printer/tests/fake_printer.rs",
            "src/html_print.rs",
            "src/lib.rs",
            "src/windows.rs",
        ];
        let asks = |line: &str| {
            let line = line.replace(' ', "");
            ["cfg(unix", "cfg(windows", "cfg(not(unix", "cfg(not(windows", "cfg!(unix", "cfg!(windows", "target_os"]
                .iter()
                .any(|p| line.contains(p))
        };
        let src_tauri = root().join("src-tauri");
        let mut stack = vec![src_tauri.join("src"), src_tauri.join("crates")];
        let mut found = Vec::new();
        while let Some(path) = stack.pop() {
            if path.is_dir() {
                stack.extend(std::fs::read_dir(&path).unwrap().flatten().map(|e| e.path()));
            } else if path.extension().is_some_and(|e| e == "rs")
                && std::fs::read_to_string(&path).unwrap().lines().any(asks)
            {
                found.push(path.strip_prefix(&src_tauri).unwrap().to_string_lossy().into_owned());
            }
        }
        let stray: Vec<&String> = found.iter().filter(|f| !PLATFORM_FILES.contains(&f.as_str())).collect();
        assert!(stray.is_empty(), "system-specific code outside the platform modules: {stray:?}");
        assert!(found.len() >= 5, "the search found the platform modules: {found:?}");
    }

    #[test]
    fn the_imports_are_read_from_objdump() {
        let dump = "\tDLL Name: KERNEL32.dll\n\tvma:  Hint/Ord Member-Name\n\tDLL Name: bcryptprimitives.dll\n\
                    There is an import table\n\tDLL Name: libwinpthread-1.dll\n\tDLL Name: kernel32.dll\n";
        assert_eq!(imported_dlls(dump), ["bcryptprimitives.dll", "kernel32.dll", "libwinpthread-1.dll"]);
    }

    /// The zip's scripts exist, register the command the README documents
    /// (`serve --lan` on the database under `%ProgramData%\HallQ`, at
    /// start-up, as SYSTEM, never stopped for running long), start with a
    /// BOM (Windows PowerShell 5.1 reads UTF-8 without one as the system's
    /// code page: GBK on a Chinese PC), and the README has the Windows
    /// section that names the zip.
    #[test]
    fn the_windows_scripts_and_readme_agree() {
        for script in ["install-task.ps1", "remove-task.ps1"] {
            let bytes = std::fs::read(root().join(SCRIPTS).join(script)).unwrap();
            assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "{script} starts with a UTF-8 BOM");
        }
        let install = std::fs::read_to_string(root().join(SCRIPTS).join("install-task.ps1")).unwrap();
        for wanted in
            ["serve --lan", r"HallQ\hall.db", "-AtStartup", "SYSTEM", "-ExecutionTimeLimit ([TimeSpan]::Zero)"]
        {
            assert!(install.contains(wanted), "install-task.ps1 has {wanted}");
        }
        let remove = std::fs::read_to_string(root().join(SCRIPTS).join("remove-task.ps1")).unwrap();
        assert!(remove.contains("Unregister-ScheduledTask"), "{remove}");
        let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
        assert!(readme.contains("\n## Windows\n"), "the README has a Windows section");
        assert!(readme.contains("cargo xtask bundle --windows") && readme.contains("-windows-x64.zip"));
        assert!(readme.contains(r"%ProgramData%\HallQ"));
    }
}
