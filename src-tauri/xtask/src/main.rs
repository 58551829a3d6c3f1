//! `cargo xtask`: the project's two front-door commands (`run`, `test`) and
//! their helpers (`setup`, `bench`, `bundle`).
//!
//! This file owns only argument parsing and dispatch; each subcommand lives in
//! its own module. Arguments are parsed by hand so that xtask builds in seconds
//! on a fresh machine, before anything else of the workspace is compiled.
//!
//! Read in this order: `workspace` (where things are), `shell` (how commands
//! are run), `setup`, then the subcommands `test`, `run`, `bundle`, `bench` and `openapi`;
//! `windows` is the Windows build (the target, its check, its zips).

mod bench;
mod bundle;
mod openapi;
mod purity;
mod run;
mod setup;
mod shell;
mod test;
mod windows;
mod workspace;

use std::process::ExitCode;

use workspace::Workspace;

/// Shown for `help`, and after every usage error.
const USAGE: &str = "\
用法 / usage: cargo xtask <command> [args]

  setup          安装缺少的系统包 (apt) 与 UI 依赖 (npm)
                 install missing system packages (apt) and UI dependencies (npm)
  test           setup, 构建, 运行全部测试与 clippy
                 setup, build, run every test and clippy
  run            setup, 构建 release 版桌面应用, 在演示营业厅上打开
                 setup, build the desktop app in release, open it on a demo hall
  bundle         setup, 构建桌面应用的 .deb 安装包
                 setup, build the desktop app's .deb
  bundle --windows
                 setup, 交叉编译 Windows 版 hallq.exe 与桌面应用, 各打包为 zip
                 setup, cross-build hallq.exe and the desktop app for Windows, zip each
  bench [args]   setup, 构建 release 版 hallq, 运行 `hallq bench [args]`
                 setup, build hallq in release, run `hallq bench [args]`
  bench desktop  测量 release 版桌面应用 (启动时间, 内存)
                 measure the release desktop app (start-up time, memory)
  openapi        把服务器的 API 文档写入 ui/src/api/openapi.json (界面类型由此生成)
                 write the server's API document to ui/src/api/openapi.json (the UI's types come from it)
  help           显示本说明 / show this help";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((command, rest)) = args.split_first() else {
        return usage_error("缺少子命令 / missing command");
    };
    let ws = Workspace::locate();
    let result = match command.as_str() {
        "setup" => no_extra_args(command, rest).and_then(|()| setup::run(&ws)),
        "test" => no_extra_args(command, rest).and_then(|()| test::run(&ws)),
        "run" => no_extra_args(command, rest).and_then(|()| run::run(&ws)),
        "bundle" => match rest {
            [flag] if flag == "--windows" => windows::bundle(&ws),
            _ => no_extra_args(command, rest).and_then(|()| bundle::run(&ws)),
        },
        "bench" => bench::run(&ws, rest),
        "openapi" => no_extra_args(command, rest).and_then(|()| openapi::run(&ws)),
        "help" | "-h" | "--help" => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        other => return usage_error(&format!("未知子命令 “{other}” / unknown command `{other}`")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) if error.is::<UsageError>() => usage_error(&error.to_string()),
        Err(error) => {
            eprintln!("xtask: 失败 / failed: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// A command line that xtask does not understand; reported with the usage text.
#[derive(Debug)]
struct UsageError(String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// Refuses arguments after a subcommand that takes none, rather than silently
/// ignoring what the user probably meant to pass somewhere.
fn no_extra_args(command: &str, rest: &[String]) -> anyhow::Result<()> {
    match rest.first() {
        None => Ok(()),
        Some(extra) => {
            Err(UsageError(format!("`{command}` 不接受参数 “{extra}” / `{command}` takes no argument `{extra}`"))
                .into())
        }
    }
}

/// Prints the error and the usage text; exit status 2, as for any bad command line.
fn usage_error(message: &str) -> ExitCode {
    eprintln!("xtask: 错误 / error: {message}\n\n{USAGE}");
    ExitCode::from(2)
}
