//! `hallq`: the command line of a hall database — set up a hall, take and
//! serve tickets from a shell, look at the queues, report the KPIs, fill a
//! hall with simulated traffic and back it up.
//!
//! This file only parses the command line, sets up logging, dispatches to
//! one module per concept and turns errors into a bilingual message and an
//! exit code. Every change to a hall goes through the store's hall engine
//! (or, for `demo`, its bulk writer): the CLI never writes SQL of its own.
//!
//! Read in this order: [`error`] (how failures reach the user), [`hall`]
//! (opening the database and running one command), then the subcommands:
//! [`init`], [`counter_cmd`], [`status`], [`report`], [`staffing`],
//! [`simulate`], [`demo`], [`backup`], [`restore`];
//! [`format`] holds the shared table and duration formatting, [`output`]
//! the writes to standard output (a closed pipe ends a command quietly),
//! [`data_dir`] where the database is when `--db` is not given.

mod backup;
mod bench;
mod central;
mod counter_cmd;
mod data_dir;
mod demo;
mod enrol;
mod error;
mod exchange;
mod format;
mod hall;
mod init;
mod output;
mod report;
mod restore;
mod serve;
mod simulate;
mod staffing;
mod status;
mod unlock;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::error::CliError;

/// HallQ 营业厅排队叫号 — queue management for electricity supply halls.
#[derive(Debug, Parser)]
#[command(name = "hallq", version, about, long_about = None)]
struct Cli {
    /// 数据库文件 / the hall database file
    /// [default: Windows %ProgramData%\HallQ\hall.db; elsewhere <user data dir>/hallq/hall.db]
    #[arg(long, global = true, env = "HALLQ_DB", value_name = "FILE")]
    db: Option<PathBuf>,

    /// 营业厅编码（多厅数据库时选择；report 可用 all 表示所有营业厅）/ which hall, in a database
    /// with several (`all` = every hall, for report)
    #[arg(long, global = true, value_name = "CODE")]
    hall: Option<String>,

    #[command(subcommand)]
    command: Cmd,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// 新建营业厅 / create the hall: services, counters, admin PIN
    Init(init::InitArgs),
    /// 取号 / take a ticket (kiosk)
    Issue(counter_cmd::IssueArgs),
    /// 员工登录窗口 / log a staff member in at a counter
    Login(counter_cmd::LoginArgs),
    /// 员工退出窗口 / log the staff member out (the counter closes)
    Logout(counter_cmd::CounterArgs),
    /// 开启窗口 / open a counter
    Open(counter_cmd::CounterArgs),
    /// 暂停窗口 / pause an open counter
    Pause(counter_cmd::PauseArgs),
    /// 恢复窗口 / resume a paused counter
    Resume(counter_cmd::CounterArgs),
    /// 关闭窗口 / close a counter
    Close(counter_cmd::CounterArgs),
    /// 叫号 / call the next ticket (or a given number) to a counter
    Call(counter_cmd::CallArgs),
    /// 重呼 / call the counter's current ticket again
    Recall(counter_cmd::CounterArgs),
    /// 过号 / the called customer did not come
    NoShow(counter_cmd::CounterArgs),
    /// 开始办理 / the customer is at the counter: service starts
    Start(counter_cmd::CounterArgs),
    /// 办结 / the transaction is done
    Finish(counter_cmd::FinishArgs),
    /// 转移 / send the current customer to another service or counter
    Transfer(counter_cmd::TransferArgs),
    /// 取消 / withdraw a waiting ticket
    Cancel(counter_cmd::CancelArgs),
    /// 评价 / the customer's 好差评 rating of a served ticket (1–5)
    Rate(counter_cmd::RateArgs),
    /// 实时状态 / queues and counters now
    Status(status::StatusArgs),
    /// 指标报表 / responsiveness KPIs per hall, service, counter, staff, team, hour, day
    Report(report::ReportArgs),
    /// 排队模拟 / what-if: simulate a staffing with the real queue logic
    Simulate(simulate::SimulateArgs),
    /// 窗口配置建议 / staffing advice per hour of the week (Erlang C)
    Staffing(staffing::StaffingArgs),
    /// 演示数据 / fill halls with simulated days of realistic traffic
    Demo(demo::DemoArgs),
    /// 在线备份 / online backup of the database
    Backup(backup::BackupArgs),
    /// 从备份恢复（原数据库改名保留）/ restore the database from a backup (the old one is kept aside)
    Restore(restore::RestoreArgs),
    /// 性能测试 / measure durable issues/s, latency and the million-ticket report
    Bench(bench::BenchArgs),
    /// 营业厅服务 / run the hall server (REST + WebSocket) on this database
    Serve(serve::ServeArgs),
    /// 导出营业厅数据（交换文件）/ write a hall's event log and settings to an exchange file
    Export(exchange::ExportArgs),
    /// 导入交换文件（如县公司库）/ merge an exchange file into this database (e.g. the bureau's)
    Import(exchange::ImportArgs),
    /// 向县公司中心注册（之后服务自动上传事件）/ enrol this hall at the bureau's centre (the server then forwards its events)
    Enrol(enrol::EnrolArgs),
    /// 解除工号锁定 / lift a staff number's PIN lock (on the hall PC)
    Unlock(unlock::UnlockArgs),
    /// 接口文档 / print the hall server's API document (OpenAPI 3.1, JSON)
    Openapi,
    /// 县公司中心（PostgreSQL）：服务、注册码、吊销、导入 / the bureau's centre on PostgreSQL:
    /// serve, enrolment codes, revoke, import
    Central(central::CentralArgs),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return error::clap_exit(&e),
    };
    init_logging();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        // `hallq report | head`: the reader has all it wanted.
        Err(e) if output::is_stdout_closed(&e) => ExitCode::SUCCESS,
        Err(e) => error::report(&e),
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let hall = cli.hall.as_deref();
    if let Cmd::Openapi = &cli.command {
        // No database: the document is the server's, not a hall's.
        let mut out = output::Stdout::lock();
        return Ok(std::io::Write::write_all(&mut out, hallq_server::openapi_text().as_bytes())?);
    }
    if let Cmd::Central(a) = &cli.command {
        // The centre's store is PostgreSQL, never a hall database.
        return central::run(a, hall);
    }
    if let Cmd::Simulate(a) = &cli.command {
        // Only a database that was named is read (its observed day).
        return simulate::run(cli.db.as_deref(), hall, a);
    }
    let db = match cli.db {
        Some(path) => path,
        None => default_db()?,
    };
    match cli.command {
        Cmd::Init(a) => init::run(&db, &a),
        Cmd::Issue(a) => counter_cmd::issue(&db, hall, &a),
        Cmd::Login(a) => counter_cmd::login(&db, hall, &a),
        Cmd::Logout(a) => counter_cmd::logout(&db, hall, &a),
        Cmd::Open(a) => counter_cmd::open(&db, hall, &a),
        Cmd::Pause(a) => counter_cmd::pause(&db, hall, &a),
        Cmd::Resume(a) => counter_cmd::resume(&db, hall, &a),
        Cmd::Close(a) => counter_cmd::close(&db, hall, &a),
        Cmd::Call(a) => counter_cmd::call(&db, hall, &a),
        Cmd::Recall(a) => counter_cmd::recall(&db, hall, &a),
        Cmd::NoShow(a) => counter_cmd::no_show(&db, hall, &a),
        Cmd::Start(a) => counter_cmd::start(&db, hall, &a),
        Cmd::Finish(a) => counter_cmd::finish(&db, hall, &a),
        Cmd::Transfer(a) => counter_cmd::transfer(&db, hall, &a),
        Cmd::Cancel(a) => counter_cmd::cancel(&db, hall, &a),
        Cmd::Rate(a) => counter_cmd::rate(&db, hall, &a),
        Cmd::Status(a) => status::run(&db, hall, &a),
        Cmd::Report(a) => report::run(&db, hall, &a),
        Cmd::Simulate(a) => simulate::run(Some(&db), hall, &a),
        Cmd::Staffing(a) => staffing::run(&db, hall, &a),
        Cmd::Demo(a) => demo::run(&db, hall, &a),
        Cmd::Backup(a) => backup::run(&db, &a),
        Cmd::Restore(a) => restore::run(&db, &a),
        Cmd::Bench(a) => bench::run(&a),
        Cmd::Serve(a) => serve::run(&db, hall, &a),
        Cmd::Export(a) => exchange::export(&db, hall, &a),
        Cmd::Import(a) => exchange::import(&db, &a),
        Cmd::Unlock(a) => unlock::run(&db, hall, &a),
        Cmd::Enrol(a) => enrol::run(&db, hall, &a),
        Cmd::Openapi => unreachable!("answered above, without a database"),
        Cmd::Central(_) => unreachable!("answered above, without a hall database"),
    }
}

/// The system's default hall database ([`data_dir`]).
fn default_db() -> anyhow::Result<PathBuf> {
    data_dir::default_db().ok_or_else(|| {
        CliError::input(
            "找不到本机的数据目录，请用 --db 指定数据库文件",
            "no data directory found on this machine; give the database with --db",
        )
        .into()
    })
}

/// Logs go to stderr so that stdout stays parseable (JSON, CSV); the filter
/// comes from `HALLQ_LOG` (e.g. `info`, `hallq_store=debug`), default `warn`.
///
/// A log line that cannot be written is dropped. By default the subscriber
/// reports such a failure with `eprintln!`, which panics when stderr fails
/// too: with the log on a full disk, the engine thread died on its "disk is
/// full" line and every later command went unanswered.
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("HALLQ_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).log_internal_errors(false).init();
}
