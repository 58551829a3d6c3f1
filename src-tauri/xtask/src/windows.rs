//! The Windows build, cross-compiled on Debian: the target and its
//! toolchain ([`ensure_target`]: rustup's `x86_64-pc-windows-gnu`, Debian's
//! mingw-w64 from [`crate::setup`]), the check `cargo xtask test` runs
//! ([`CHECK`]), and `cargo xtask bundle --windows` ([`bundle`]): two zips
//! in `<target dir>/bundle-windows/`.
//!
//! The hall server's zip ([`SERVER`]) holds `hallq.exe` (release,
//! stripped), the scripts that register `hallq serve --lan` as a scheduled
//! task at start-up (`src-tauri/packaging/windows`) and the README, whose
//! Windows section says how to install it. The desktop app's zip
//! ([`DESKTOP`]) holds `hallq-desktop.exe` (built by `tauri build
//! --no-bundle`, stripped) and the `WebView2Loader.dll` it loads. Each is
//! checked once made: its file list, and that no exe imports a MinGW
//! runtime DLL a Windows PC lacks.
//!
//! The desktop's NSIS and MSI installers are not built: see
//! [`INSTALLERS_NOT_BUILT`]. Nothing is run on Windows (Debian's Wine 8
//! cannot load binaries of current Rust: they import
//! `bcryptprimitives.dll`'s `ProcessPrng`); what that leaves untested is
//! listed in the README's Windows section.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, bail};

use crate::workspace::Workspace;
use crate::{run, setup, shell};

/// The Rust target of a Windows hall PC (64-bit Windows 10 and later),
/// linked with Debian's mingw-w64.
pub const TARGET: &str = "x86_64-pc-windows-gnu";

/// What `cargo xtask test` runs for Windows: clippy over the workspace's
/// libraries and binaries (the desktop shell's too) for [`TARGET`], so
/// Unix-only code (signals, `/dev/usb/lp*`, file modes, `tcdrain`) fails
/// CI, not a hall. Tests are left out: they run on Linux only.
pub const CHECK: &[&str] = &["clippy", "--workspace", "--target", TARGET, "--", "-D", "warnings"];

/// Why `bundle --windows` makes zips and no installer (tauri-cli 2.12.5).
pub const INSTALLERS_NOT_BUILT: &str = "\
未构建 NSIS/MSI 安装包: Tauri 的 NSIS 打包要从 github.com 下载 nsis_tauri_utils.dll v0.5.3 \
(及 webviewInstallMode offlineInstaller 所需的 WebView2 离线安装包, 来自 Microsoft), 本机无法访问; \
MSI 需要 WiX, Tauri 只在 Windows 上运行它 / no NSIS or MSI installer: Tauri's NSIS bundling \
downloads nsis_tauri_utils.dll v0.5.3 from github.com (and, for webviewInstallMode \
offlineInstaller, WebView2's offline installer from Microsoft), which this machine cannot \
reach; the MSI needs WiX, which Tauri runs only on Windows";

/// One zip of the bundle: its name's stem, the folder everything is in
/// (unpacking makes that one folder) and the files that folder must hold.
#[derive(Debug)]
pub struct Zip {
    /// `HallQ` in `HallQ-0.1.0-windows-x64.zip`.
    pub stem: &'static str,
    /// The one folder inside.
    pub dir: &'static str,
    /// Its files.
    pub files: &'static [&'static str],
}

/// The hall server's zip: the command, the task's scripts, the README (its
/// Windows section is the install guide).
pub const SERVER: Zip =
    Zip { stem: "HallQ", dir: "HallQ", files: &["hallq.exe", "install-task.ps1", "remove-task.ps1", "README.md"] };

/// The desktop app's zip: the app and the WebView2 loader it imports.
pub const DESKTOP: Zip = Zip {
    stem: "HallQ-desktop",
    dir: "HallQ-desktop",
    files: &["hallq-desktop.exe", "WebView2Loader.dll", "README.md"],
};

/// Where the scheduled task's scripts are, relative to the workspace root.
const SCRIPTS: &str = "src-tauri/packaging/windows";

/// MinGW's runtime DLLs: present on the build machine, absent on a hall PC.
/// Our exes must link them statically, or not need them.
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

/// `cargo xtask bundle --windows`: builds `hallq.exe` and the desktop app
/// in release for [`TARGET`], strips them, zips [`SERVER`] and [`DESKTOP`]
/// into `<target dir>/bundle-windows/`, checks the zips and prints the sizes.
pub fn bundle(ws: &Workspace) -> anyhow::Result<()> {
    setup::run(ws)?;
    let out = ws.target.join("bundle-windows");
    let readme = ws.root.join("README.md");

    let started = Instant::now();
    shell::run(&mut ws.cargo(&["build", "--release", "-p", "hallq-cli", "--target", TARGET]))?;
    let hallq = ws.target.join(TARGET).join("release").join("hallq.exe");
    anyhow::ensure!(hallq.is_file(), "构建成功但找不到 / built, but not found: {}", hallq.display());
    println!("xtask bundle: hallq.exe 构建用时 / built in {:.0}s", started.elapsed().as_secs_f64());
    let folder = fresh_folder(&out.join(SERVER.dir))?;
    strip(&hallq, &folder.join("hallq.exe"))?;
    for script in ["install-task.ps1", "remove-task.ps1"] {
        copy(&ws.root.join(SCRIPTS).join(script), &folder.join(script))?;
    }
    copy(&readme, &folder.join("README.md"))?;
    let server = zip(&out, &SERVER)?;

    let started = Instant::now();
    let desktop = run::build_release_desktop_for(ws, Some(TARGET))?;
    println!("xtask bundle: hallq-desktop.exe 构建用时 / built in {:.0}s", started.elapsed().as_secs_f64());
    let folder = fresh_folder(&out.join(DESKTOP.dir))?;
    strip(&desktop, &folder.join("hallq-desktop.exe"))?;
    copy(&desktop.with_file_name("WebView2Loader.dll"), &folder.join("WebView2Loader.dll"))?;
    copy(&readme, &folder.join("README.md"))?;
    let desktop_zip = zip(&out, &DESKTOP)?;

    for built in [&hallq, &desktop] {
        println!("xtask bundle: {} ({}, not stripped)", built.display(), size(built));
    }
    for exe in [out.join(SERVER.dir).join("hallq.exe"), out.join(DESKTOP.dir).join("hallq-desktop.exe")] {
        println!("xtask bundle: {} ({}, stripped)", exe.display(), size(&exe));
    }
    for (zip, spec) in [(&server, &SERVER), (&desktop_zip, &DESKTOP)] {
        println!("xtask bundle: {} ({}) 含 / holds {}", zip.display(), size(zip), spec.files.join(" "));
    }
    println!("xtask bundle: {INSTALLERS_NOT_BUILT}");
    Ok(())
}

/// `dir`, emptied (made if missing).
fn fresh_folder(dir: &Path) -> anyhow::Result<PathBuf> {
    if dir.exists() {
        std::fs::remove_dir_all(dir).with_context(|| format!("无法删除 / could not remove {}", dir.display()))?;
    }
    std::fs::create_dir_all(dir).with_context(|| format!("无法创建 / could not create {}", dir.display()))?;
    Ok(dir.to_path_buf())
}

/// Copies `exe` to `to` without its symbols and line tables.
fn strip(exe: &Path, to: &Path) -> anyhow::Result<()> {
    shell::run(Command::new("x86_64-w64-mingw32-strip").arg("-o").arg(to).arg(exe))
}

/// Zips `spec`'s folder of `out` into `out/<stem>-<version>-windows-x64.zip`
/// and checks it: the exes' imports, the zip's file list.
fn zip(out: &Path, spec: &Zip) -> anyhow::Result<PathBuf> {
    for exe in spec.files.iter().filter(|f| f.ends_with(".exe")) {
        check_imports(&out.join(spec.dir).join(exe))?;
    }
    let zip = out.join(zip_name(spec.stem));
    if zip.exists() {
        std::fs::remove_file(&zip).with_context(|| format!("无法删除 / could not remove {}", zip.display()))?;
    }
    // -X: no Unix owners and modes in the archive; Windows has no use for them.
    shell::run(Command::new("zip").args(["-q", "-r", "-X"]).arg(&zip).arg(spec.dir).current_dir(out))?;
    let (ok, list) = shell::capture(Command::new("zip").arg("-sf").arg(&zip))?;
    anyhow::ensure!(ok, "zip -sf {} 失败 / failed", zip.display());
    let problems = zip_problems(&list, spec);
    if !problems.is_empty() {
        bail!("{} 有误 / is wrong:\n  {}\n{list}", zip.display(), problems.join("\n  "));
    }
    Ok(zip)
}

/// `HallQ-0.1.0-windows-x64.zip`: the stem and the workspace's version.
pub fn zip_name(stem: &str) -> String {
    format!("{stem}-{}-windows-x64.zip", env!("CARGO_PKG_VERSION"))
}

/// What is wrong with a zip's file list (`zip -sf` output: one entry a
/// line, indented, between a header and a total): a missing file of
/// `spec`, or a file outside its folder.
fn zip_problems(list: &str, spec: &Zip) -> Vec<String> {
    let entries: Vec<&str> = list
        .lines()
        .skip_while(|line| !line.starts_with("Archive contains:"))
        .skip(1)
        .take_while(|line| line.starts_with(' '))
        .map(str::trim)
        .collect();
    let dir = spec.dir;
    let mut problems: Vec<String> = spec
        .files
        .iter()
        .map(|file| format!("{dir}/{file}"))
        .filter(|wanted| !entries.contains(&wanted.as_str()))
        .map(|wanted| format!("缺少 / missing {wanted}"))
        .collect();
    for entry in entries.iter().filter(|e| !e.starts_with(&format!("{dir}/"))) {
        problems.push(format!("不在 {dir}/ 中 / outside {dir}/: {entry}"));
    }
    problems
}

/// Refuses an exe that imports a MinGW runtime DLL ([`MINGW_DLLS`]).
fn check_imports(exe: &Path) -> anyhow::Result<()> {
    let (ok, dump) = shell::capture(Command::new("x86_64-w64-mingw32-objdump").arg("-p").arg(exe))?;
    anyhow::ensure!(ok, "x86_64-w64-mingw32-objdump -p {} 失败 / failed", exe.display());
    let dlls = imported_dlls(&dump);
    let missing: Vec<&str> =
        dlls.iter().map(String::as_str).filter(|dll| MINGW_DLLS.iter().any(|m| m.eq_ignore_ascii_case(dll))).collect();
    if !missing.is_empty() {
        bail!("{} 依赖 Windows 没有的 DLL / needs DLLs Windows lacks: {}", exe.display(), missing.join(" "));
    }
    println!("xtask bundle: {} 导入 / imports {}", exe.display(), dlls.join(" "));
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
        assert!(zip_problems(&list(&good), &SERVER).is_empty(), "{:?}", zip_problems(&list(&good), &SERVER));
        assert_eq!(zip_problems(&list(&good[2..]), &SERVER), ["缺少 / missing HallQ/hallq.exe"]);
        let stray = [&good[..], &["hallq.exe"]].concat();
        assert_eq!(zip_problems(&list(&stray), &SERVER), ["不在 HallQ/ 中 / outside HallQ/: hallq.exe"]);
        assert_eq!(zip_problems("zip error: Nothing to do!", &SERVER).len(), SERVER.files.len());
        // The server's folder is not the desktop's.
        assert_eq!(zip_problems(&list(&good), &DESKTOP).len(), DESKTOP.files.len() + good.len());
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
