//! `hallq central`: the bureau's centre on PostgreSQL (`hallq_central`).
//! Without a subcommand it serves the centre's API; `code` makes a hall's
//! one-time enrolment code, `revoke` ends a hall's key, `import` stores an
//! exchange file, `report` reports across halls (`--cases`: the
//! commitments), `user add` adds a county
//! or province manager. Every form migrates the schema first.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use hallq_central::CentralError;

use crate::error::CliError;
use crate::format::{parse_date, print_json};
use crate::init::now_ms;
use crate::output::outln;
use crate::report::{render_table, targets_line, write_out};

/// `hallq central` flags.
#[derive(Debug, clap::Args)]
pub struct CentralArgs {
    /// PostgreSQL 连接地址 / the PostgreSQL URL, e.g. postgres://hallq@127.0.0.1/hallq
    #[arg(long, global = true, env = "HALLQ_POSTGRES", value_name = "URL")]
    postgres: Option<String>,
    /// 监听地址（明文 HTTP 只允许本机回环地址）/ where to listen (plain HTTP only on loopback)
    #[arg(long, default_value = "127.0.0.1:8791", value_name = "ADDR")]
    listen: SocketAddr,
    /// TLS 证书链（PEM）；有证书时提供 HTTPS / the TLS certificate chain (PEM): serve HTTPS
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// TLS 私钥（PEM）/ the TLS certificate's private key (PEM)
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<CentralCmd>,
}

#[derive(Debug, clap::Subcommand)]
enum CentralCmd {
    /// 生成营业厅的一次性注册码（7 天有效）/ make a hall's one-time enrolment code (valid 7 days)
    Code(CodeArgs),
    /// 吊销营业厅的密钥 / revoke a hall's key
    Revoke(RevokeArgs),
    /// 导入交换文件（hallq export 写出）/ store an exchange file written by `hallq export`
    Import(ImportArgs),
    /// 跨营业厅指标报表（与 hallq report 同一口径）/ the KPIs across halls (the same definitions as `hallq report`)
    Report(CentralReportArgs),
    /// 中心用户（县、省级管理人员）/ central users (county and province managers)
    #[command(subcommand)]
    User(UserCmd),
}

#[derive(Debug, clap::Subcommand)]
enum UserCmd {
    /// 新增用户；密码取自环境变量 HALLQ_CENTRAL_PASSWORD，否则在终端输入 /
    /// add a user; the password comes from HALLQ_CENTRAL_PASSWORD, else is typed at the terminal
    Add(UserAddArgs),
}

/// `hallq central user add` flags.
#[derive(Debug, clap::Args)]
struct UserAddArgs {
    /// 用户名 / the user's name
    #[arg(long, value_name = "NAME")]
    name: String,
    /// 角色：county（本县营业厅）或 province（所有营业厅）/ role: county (their county's halls) or province (every hall)
    #[arg(long, value_parser = ["county", "province"], value_name = "ROLE")]
    role: String,
    /// 所属县（county 角色必填）/ the county (required for the county role)
    #[arg(long, value_name = "NAME")]
    county: Option<String>,
}

/// `hallq central report` flags (`--hall CODE` is the global flag: one hall).
#[derive(Debug, clap::Args)]
struct CentralReportArgs {
    /// 起始营业日（含）/ first business day, YYYY-MM-DD
    #[arg(long, value_name = "DATE")]
    from: Option<String>,
    /// 截止营业日（含）/ last business day, YYYY-MM-DD
    #[arg(long, value_name = "DATE")]
    to: Option<String>,
    /// 分组：total/hall/county/service/counter/staff/team/hour/day/weekday / grouping
    #[arg(long, default_value = "hall", value_name = "BY")]
    by: String,
    /// 只统计该县（区）的营业厅 / only the halls of this county
    #[arg(long, value_name = "NAME")]
    county: Option<String>,
    /// 输出格式 / output format
    #[arg(long, value_enum, default_value_t = CentralFormat::Text)]
    format: CentralFormat,
    /// 工单时限报表（与 hallq report --cases 同一口径）：本期开出的工单按营业厅、类型、员工、班组统计 /
    /// the commitments report instead (as `hallq report --cases`): the cases opened in the range, by hall,
    /// type, staff and team (--by does not apply)
    #[arg(long)]
    cases: bool,
}

/// `hallq central report` output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum CentralFormat {
    /// 表格 / a table
    Text,
    /// JSON（与 hallq report 相同）/ JSON (the same as `hallq report`'s)
    Json,
    /// CSV（UTF-8 带 BOM）/ CSV (UTF-8 with BOM)
    Csv,
}

/// `hallq central code` flags.
#[derive(Debug, clap::Args)]
struct CodeArgs {
    /// 营业厅编码 / the hall's code
    #[arg(long, value_name = "CODE")]
    hall_code: String,
    /// 所属县（区）/ the hall's county
    #[arg(long, value_name = "NAME")]
    county: Option<String>,
}

/// `hallq central revoke` flags.
#[derive(Debug, clap::Args)]
struct RevokeArgs {
    /// 营业厅编码 / the hall's code
    #[arg(long, value_name = "CODE")]
    hall_code: String,
}

/// `hallq central import` flags.
#[derive(Debug, clap::Args)]
struct ImportArgs {
    /// 交换文件 / the exchange file
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// 营业厅所属县（区），营业厅尚无所属县时记录 / the hall's county, recorded if it has none yet
    #[arg(long, value_name = "NAME")]
    county: Option<String>,
}

/// The centre's error as the CLI reports it: a refusal is bad input (exit
/// 2), a database or machine failure is not (exit 1) and keeps its detail,
/// which is for the operator who runs the command.
fn cli_error(e: CentralError) -> anyhow::Error {
    if let CentralError::Exchange(store) = e {
        return CliError::from(store).into();
    }
    if e.status().is_server_error() {
        let mut detail = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(cause) = source {
            detail.push_str(&format!(": {cause}"));
            source = cause.source();
        }
        return CliError::failure(
            format!("中心数据库出错：{detail}"),
            format!("the centre's database failed: {detail}"),
        )
        .into();
    }
    let (zh, en) = e.messages();
    CliError::input(zh, en).into()
}

/// Runs `hallq central` (`hall`: the global `--hall`, for `report`).
pub fn run(a: &CentralArgs, hall: Option<&str>) -> Result<()> {
    let url = a.postgres.clone().ok_or_else(|| {
        CliError::input(
            "请用 --postgres URL（或环境变量 HALLQ_POSTGRES）指定中心的 PostgreSQL",
            "name the centre's PostgreSQL with --postgres URL (or HALLQ_POSTGRES)",
        )
    })?;
    let tls = match (&a.tls_cert, &a.tls_key) {
        (Some(cert), Some(key)) => Some(hallq_central::tls_config(cert, key).map_err(cli_error)?),
        _ => None,
    };
    if a.command.is_none() {
        hallq_central::check_listen(a.listen, tls.is_some()).map_err(cli_error)?;
    }
    // A report's flags are checked before the database is touched.
    let query = match &a.command {
        Some(CentralCmd::Report(r)) => Some(report_query(r, hall)?),
        _ => None,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .with_context(|| CliError::failure("无法启动异步运行时", "cannot start the async runtime"))?;
    runtime.block_on(async {
        let pool = hallq_central::db::connect(&url).await.map_err(cli_error)?;
        match &a.command {
            None => serve(pool, a.listen, tls).await,
            Some(CentralCmd::Code(c)) => {
                let code = hallq_central::enrol::create_code(&pool, &c.hall_code, c.county.as_deref(), now_ms())
                    .await
                    .map_err(cli_error)?;
                let until = DateTime::<Utc>::from_timestamp_millis(code.expires_at).unwrap_or_default();
                outln!(
                    "营业厅 {} 的注册码（只显示这一次，{} UTC 前有效，只能用一次）/ hall {}'s enrolment code \
                     (shown only this once, valid once until {} UTC):\n    {}",
                    code.hall_code,
                    until.format("%Y-%m-%d %H:%M"),
                    code.hall_code,
                    until.format("%Y-%m-%d %H:%M"),
                    code.code
                )?;
                Ok(())
            }
            Some(CentralCmd::Revoke(r)) => {
                let hall = hallq_central::enrol::revoke(&pool, &r.hall_code, now_ms()).await.map_err(cli_error)?;
                outln!("已吊销营业厅 {} 的密钥 / revoked the key of hall {} ({hall})", r.hall_code, r.hall_code)?;
                Ok(())
            }
            Some(CentralCmd::User(UserCmd::Add(u))) => {
                let role = match (u.role.as_str(), &u.county) {
                    ("county", Some(c)) => hallq_central::users::Role::County(c.clone()),
                    ("county", None) => {
                        return Err(CliError::input(
                            "县级用户须用 --county 指定所属县",
                            "a county user needs --county",
                        )
                        .into());
                    }
                    _ => hallq_central::users::Role::Province,
                };
                let password = password()?;
                hallq_central::users::add(&pool, &u.name, &role, &password, now_ms()).await.map_err(cli_error)?;
                outln!("已添加用户 / added user {}（{}）", u.name.trim(), u.role)?;
                Ok(())
            }
            Some(CentralCmd::Report(r)) => {
                let Some(q) = &query else { return Ok(()) };
                if r.cases {
                    let report = hallq_central::report::cases(&pool, q, now_ms()).await.map_err(cli_error)?;
                    return print_cases(&report, q, r.format);
                }
                let report = hallq_central::report::kpis(&pool, q).await.map_err(cli_error)?;
                print_report(&report, q, r.format)
            }
            Some(CentralCmd::Import(i)) => {
                let done = hallq_central::import::import_file(&pool, &i.file, i.county.as_deref(), now_ms())
                    .await
                    .map_err(cli_error)?;
                outln!(
                    "已导入 / imported {}{}：新事件 {} 条 / new events, 已有 {} 条 / already present, \
                     中心已到序号 / the centre holds up to seq {}",
                    done.hall_code,
                    if done.registered { "（新登记 / newly registered）" } else { "" },
                    done.new_events,
                    done.already_present,
                    done.acknowledged_seq
                )?;
                Ok(())
            }
        }
    })
}

/// Serves until Ctrl-C; prints the address once it is listening.
async fn serve(
    pool: deadpool_postgres::Pool,
    listen: SocketAddr,
    tls: Option<axum_server::tls_rustls::RustlsConfig>,
) -> Result<()> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| CliError::failure(format!("无法监听 {listen}"), format!("cannot listen on {listen}")))?;
    let local = listener.local_addr()?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    outln!("中心已启动 / the centre is listening on {scheme}://{local}")?;
    let shutdown = async {
        // Without a signal handler the process just runs until killed.
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    hallq_central::serve(pool, listener, tls, shutdown).await.context("serving the centre")?;
    Ok(())
}

/// The query of `hallq central report`, or a bilingual refusal.
fn report_query(r: &CentralReportArgs, hall: Option<&str>) -> Result<hallq_central::report::CentralQuery> {
    let (Some(from), Some(to)) = (r.from.as_deref(), r.to.as_deref()) else {
        return Err(CliError::input(
            "请用 --from 与 --to（YYYY-MM-DD）指定营业日范围",
            "give the range of business days with --from and --to (YYYY-MM-DD)",
        )
        .into());
    };
    let by = r.by.parse().map_err(cli_error)?;
    Ok(hallq_central::report::CentralQuery {
        from: parse_date(from)?,
        to: parse_date(to)?,
        by,
        county: r.county.clone(),
        hall: hall.map(str::to_string),
    })
}

/// Writes a report across halls as a table, JSON or CSV to stdout.
fn print_report(
    report: &hallq_store::KpiReport,
    q: &hallq_central::report::CentralQuery,
    format: CentralFormat,
) -> Result<()> {
    // The bureau's own targets are not configured at the centre yet: the
    // hall's defaults mark the figures below target.
    let targets = hallq_store::hallq_core::Targets::default();
    match format {
        CentralFormat::Json => print_json(&hallq_central::report::to_json(report, q.by)),
        CentralFormat::Csv => write_out(None, &hallq_report::csv(report, &targets)?),
        CentralFormat::Text => {
            let scope = scope_of(q);
            outln!(
                "{scope} · {} – {} · by {}\n{}\n{}",
                q.from,
                q.to,
                q.by.as_str(),
                render_table(report, &targets),
                targets_line(&targets)
            )?;
            Ok(())
        }
    }
}

/// Writes the commitments report across halls as a table, JSON or CSV
/// (the hall's `hallq report --cases` outputs) to stdout.
fn print_cases(
    report: &hallq_store::CaseReport,
    q: &hallq_central::report::CentralQuery,
    format: CentralFormat,
) -> Result<()> {
    match format {
        CentralFormat::Json => print_json(report),
        CentralFormat::Csv => write_out(None, &hallq_report::cases_csv(report)?),
        CentralFormat::Text => {
            outln!(
                "{} · 工单时限 / commitments · {} – {}\n{}",
                scope_of(q),
                q.from,
                q.to,
                crate::report::cases_table(report, true)
            )?;
            Ok(())
        }
    }
}

/// What a report across halls covers, as its title says it.
fn scope_of(q: &hallq_central::report::CentralQuery) -> String {
    match (&q.hall, &q.county) {
        (Some(h), _) => h.clone(),
        (None, Some(c)) => c.clone(),
        (None, None) => "所有营业厅 / all halls".to_string(),
    }
}

/// A new user's password: `HALLQ_CENTRAL_PASSWORD`, or typed twice at the
/// terminal without echo.
fn password() -> Result<String> {
    if let Ok(p) = std::env::var("HALLQ_CENTRAL_PASSWORD") {
        return Ok(p);
    }
    if !std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        return Err(CliError::input(
            "没有终端可输入密码：请用环境变量 HALLQ_CENTRAL_PASSWORD 提供",
            "no terminal to type the password at: give it in HALLQ_CENTRAL_PASSWORD",
        )
        .into());
    }
    let read = |prompt: &str| {
        rpassword::prompt_password(prompt)
            .with_context(|| CliError::failure("无法从终端读取密码", "cannot read the password from the terminal"))
    };
    let first = read("密码 / password: ")?;
    if read("再输入一次 / once more: ")? != first {
        return Err(CliError::input("两次输入的密码不一致", "the two passwords do not match").into());
    }
    Ok(first)
}
