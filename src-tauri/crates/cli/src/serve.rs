//! `hallq serve`: run the hall server on a hall database until it is asked
//! to stop (Ctrl-C, SIGTERM; on Windows also Ctrl-Break or the console
//! closing: `hallq_server::platform`).
//!
//! It binds 127.0.0.1 unless told otherwise: serving the hall's LAN is the
//! explicit `--lan` (all interfaces) or `--bind ADDR`. Once listening it
//! prints one line with the URL on stdout (with the real port, so `--port 0`
//! works for tests) and flushes it; everything else goes to the log on
//! stderr. Nothing here needs care for a SIGKILL (or a Windows task's
//! end): every answered command is already on disk.

use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result};
use hallq_server::{Config, ServeConfig, Server, ServerError};

use crate::error::CliError;
use crate::output::outln;

/// `hallq serve` flags.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// 监听地址 / address to listen on [default: 127.0.0.1]
    #[arg(long, value_name = "ADDR", conflicts_with = "lan")]
    bind: Option<IpAddr>,
    /// 端口（0 = 任选）/ port (0 = any free port)
    #[arg(long, default_value_t = 7070, value_name = "N")]
    port: u16,
    /// 对局域网开放（监听 0.0.0.0）/ serve the hall's LAN (listen on 0.0.0.0)
    #[arg(long)]
    lan: bool,
    /// 同一取号机两次取号的最短间隔，毫秒 / least time between two tickets from one kiosk, ms
    #[arg(long, default_value_t = 2000, value_name = "MS")]
    kiosk_interval_ms: u64,
    /// 取号单二维码使用的本服务器地址，如 http://192.168.1.10:7070（默认取营业厅设置）/ the server's address printed in the ticket's QR code, e.g. http://192.168.1.10:7070 [default: the hall's setting]
    #[arg(long, value_name = "URL")]
    public_url: Option<String>,
    /// 检查打印机并补打未打出的取号单的间隔，毫秒 / how often printers are checked and unprinted tickets retried, ms
    #[arg(long, default_value_t = 5000, value_name = "MS")]
    printer_poll_ms: u64,
    /// 每日自动备份的文件夹，如 U 盘（须已存在；默认为数据库旁的 backups 文件夹）/ the folder of the daily backups, e.g. a USB stick (must exist) [default: backups/ beside the database]
    #[arg(long, value_name = "DIR")]
    backup_dir: Option<std::path::PathBuf>,
    /// 两次自动备份的间隔，秒 / how often the automatic backup is made, seconds
    #[arg(long, default_value_t = 86_400, value_name = "S")]
    backup_interval_s: u64,
    /// 连接县公司中心失败后最长的重试间隔，秒（从 1 秒起逐次加倍）/ the longest wait between attempts to reach the bureau's centre, seconds (from 1 s, doubling)
    #[arg(long, default_value_t = 20, value_name = "S", value_parser = clap::value_parser!(u64).range(1..=3600))]
    central_retry_max_s: u64,
}

/// Runs `hallq serve` on its own tokio runtime.
pub fn run(db: &Path, hall: Option<&str>, args: &ServeArgs) -> Result<()> {
    let ip = match (args.bind, args.lan) {
        (Some(ip), _) => ip,
        (None, true) => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        (None, false) => IpAddr::V4(Ipv4Addr::LOCALHOST),
    };
    let public_url = args.public_url.as_deref().map(|u| u.trim().trim_end_matches('/').to_string());
    if let Some(u) = &public_url
        && !hallq_core::hall::valid_public_url(u)
    {
        return Err(CliError::input(
            format!("--public-url “{u}”无效，须为 http(s)://主机[:端口]，不含路径（如 http://192.168.1.10:7070）"),
            format!("--public-url '{u}' must be http(s)://host[:port] without a path (e.g. http://192.168.1.10:7070)"),
        )
        .into());
    }
    if !(50..=600_000).contains(&args.printer_poll_ms) {
        return Err(CliError::input(
            "--printer-poll-ms 须在 50–600000 之间",
            "--printer-poll-ms must be between 50 and 600000",
        )
        .into());
    }
    if args.backup_interval_s == 0 {
        return Err(CliError::input("--backup-interval-s 须大于 0", "--backup-interval-s must be above 0").into());
    }
    if let Some(dir) = &args.backup_dir
        && !dir.is_dir()
    {
        eprintln!(
            "警告：备份文件夹 {0} 不存在，插入 U 盘或创建该文件夹后才会备份 / warning: the backup folder {0} does not \
             exist; backups start once the USB stick is plugged in or the folder is created",
            dir.display()
        );
    }
    let config = ServeConfig {
        db: db.to_path_buf(),
        hall: hall.map(str::to_string),
        addr: SocketAddr::new(ip, args.port),
        config: Config {
            kiosk_interval: Duration::from_millis(args.kiosk_interval_ms),
            printer_poll: Duration::from_millis(args.printer_poll_ms),
            public_url,
            backup_dir: args.backup_dir.clone(),
            backup_interval: Duration::from_secs(args.backup_interval_s),
            central_retry_max: Duration::from_secs(args.central_retry_max_s),
            ..Config::default()
        },
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .with_context(|| CliError::failure("无法启动异步运行时", "cannot start the async runtime"))?;
    let served = runtime.block_on(async {
        let server = Server::bind(config).await.map_err(plain)?;
        let addr = server.local_addr();
        let url_ip = if addr.ip().is_unspecified() { IpAddr::V4(Ipv4Addr::LOCALHOST) } else { addr.ip() };
        // The line is how scripts and tests learn the port; it is flushed
        // at once. A reader that has gone away does not stop the hall's
        // server: the lines are for whoever is there.
        let _ =
            outln!("HallQ 营业厅服务已启动 / hall server listening on http://{}", SocketAddr::new(url_ip, addr.port()));
        if addr.ip().is_unspecified() {
            let _ = outln!(
                "局域网内请用本机 IP 访问，端口 {0} / on the LAN, use this PC's IP address, port {0}",
                addr.port()
            );
        }
        server.run(hallq_server::platform::shutdown_signal()).await.map_err(plain)?;
        // Not `eprintln!`: it panics when stderr is a file on a full disk.
        let _ = writeln!(std::io::stderr(), "HallQ 营业厅服务已停止 / hall server stopped");
        Ok(())
    });
    // The server has stopped and closed the hall: blocking work still
    // running (a long report whose client left) must not hold up the exit.
    runtime.shutdown_timeout(Duration::from_secs(1));
    served
}

/// A store error is reported as itself, so the CLI classifies it (a missing
/// database is bad input, exit 2) like in every other subcommand.
fn plain(e: ServerError) -> anyhow::Error {
    match e {
        ServerError::Store(s) => s.into(),
        other => other.into(),
    }
}
