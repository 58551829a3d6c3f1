//! The kiosk and counter commands from a shell: issue, login/logout,
//! open/pause/resume/close, call, recall, no-show, start, finish, transfer,
//! cancel and rate. Each is one command through the hall engine and prints
//! one line saying what happened (Chinese / English), or with
//! `--format json` the ticket the command was about (for the counter-only
//! commands, which have no ticket, the events it logged).
//!
//! The domain decides everything: a command the hall refuses comes back as
//! its bilingual `CoreError`; nothing here second-guesses the rules.

use std::io::IsTerminal;
use std::path::Path;

use anyhow::{Context, Result};
use hallq_store::Executed;
use hallq_store::hallq_core::{
    Command, LowScoreReason, PriorityClass, PriorityReason, Rating, Resolution, Service, Ticket, TicketRef,
    TicketState, TransferTarget,
};

use crate::error::CliError;
use crate::format::{TextOrJson, estimate, local_time, minutes, print_json, wide};
use crate::hall::HallDb;
use crate::init::now_ms;
use crate::output::outln;

/// `--format` of the ticket and counter commands.
#[derive(Debug, clap::Args)]
pub struct OutArgs {
    /// 输出格式 / output format
    #[arg(long, value_enum, default_value_t = TextOrJson::Text)]
    format: TextOrJson,
}

/// `hallq issue` flags.
#[derive(Debug, clap::Args)]
pub struct IssueArgs {
    /// 业务代码或号码前缀（如 PAY 或 A）/ service code or ticket prefix (e.g. PAY or A)
    #[arg(long, value_name = "CODE")]
    service: String,
    /// 优先类别 / priority class [default: normal; priority with --reason,
    /// appointment with --appointment]
    #[arg(long, value_enum)]
    priority: Option<PriorityArg>,
    /// 优先原因 / why a priority ticket
    #[arg(long, value_enum)]
    reason: Option<ReasonArg>,
    /// 预约号 / appointment number
    #[arg(long, value_name = "NO")]
    appointment: Option<String>,
    #[command(flatten)]
    out: OutArgs,
}

/// Priority classes on the command line.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum PriorityArg {
    /// 普通 / normal
    Normal,
    /// 优先（老人、残疾人、孕妇）/ elderly, disabled, pregnant
    Priority,
    /// 预约 / appointment
    Appointment,
    /// 大客户 / key account
    Vip,
}

/// Priority reasons on the command line.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum ReasonArg {
    /// 老年人
    Elderly,
    /// 残疾人
    Disabled,
    /// 孕妇
    Pregnant,
}

/// Flags of the commands that only name a counter.
#[derive(Debug, clap::Args)]
pub struct CounterArgs {
    /// 窗口号 / counter number
    #[arg(long, value_name = "N")]
    counter: u32,
    #[command(flatten)]
    out: OutArgs,
}

/// `hallq login` flags.
#[derive(Debug, clap::Args)]
pub struct LoginArgs {
    /// 窗口号 / counter number
    #[arg(long, value_name = "N")]
    counter: u32,
    /// 工号 / staff number
    #[arg(long, value_name = "NO")]
    staff: String,
    /// PIN；省略则在终端输入 / PIN; omit it to type it at the terminal
    #[arg(long, value_name = "PIN")]
    pin: Option<String>,
    #[command(flatten)]
    out: OutArgs,
}

/// `hallq pause` flags.
#[derive(Debug, clap::Args)]
pub struct PauseArgs {
    /// 窗口号 / counter number
    #[arg(long, value_name = "N")]
    counter: u32,
    /// 暂停原因 / why (break, meeting, system down)
    #[arg(long, value_name = "TEXT")]
    reason: String,
    #[command(flatten)]
    out: OutArgs,
}

/// `hallq call` flags.
#[derive(Debug, clap::Args)]
pub struct CallArgs {
    /// 窗口号 / counter number
    #[arg(long, value_name = "N")]
    counter: u32,
    /// 叫指定号码（如 A012），省略则按规则叫下一位 / call this number
    /// (e.g. A012) instead of the next by the counter's routing
    #[arg(long, value_name = "NUMBER")]
    number: Option<String>,
    #[command(flatten)]
    out: OutArgs,
}

/// `hallq finish` flags.
#[derive(Debug, clap::Args)]
pub struct FinishArgs {
    /// 窗口号 / counter number
    #[arg(long, value_name = "N")]
    counter: u32,
    /// 办理结果 / outcome
    #[arg(long, value_enum, default_value_t = OutcomeArg::Completed)]
    outcome: OutcomeArg,
    #[command(flatten)]
    out: OutArgs,
}

/// Finish outcomes on the command line.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum OutcomeArg {
    /// 办结 / completed at the counter
    Completed,
    /// 受理（后台限时办理）/ a case opened for the back office
    Accepted,
    /// 资料不全 / missing documents
    MissingDocuments,
    /// 咨询已答复 / enquiry answered
    Answered,
    /// 未办理 / declined
    Declined,
}

/// `hallq transfer` flags.
#[derive(Debug, clap::Args)]
#[command(group = clap::ArgGroup::new("target").required(true).multiple(false))]
pub struct TransferArgs {
    /// 窗口号 / counter number
    #[arg(long, value_name = "N")]
    counter: u32,
    /// 转到业务（代码或前缀）/ into this service's queue (code or prefix)
    #[arg(long, value_name = "CODE", group = "target")]
    service: Option<String>,
    /// 转到指定窗口 / to this counter, keeping the service
    #[arg(long, value_name = "M", group = "target")]
    to_counter: Option<u32>,
    #[command(flatten)]
    out: OutArgs,
}

/// `hallq cancel` flags.
#[derive(Debug, clap::Args)]
pub struct CancelArgs {
    /// 号码（如 A012）/ ticket number (e.g. A012)
    #[arg(long, value_name = "NUMBER")]
    number: String,
    #[command(flatten)]
    out: OutArgs,
}

/// `hallq rate` flags.
#[derive(Debug, clap::Args)]
pub struct RateArgs {
    /// 号码（如 A012）/ ticket number (e.g. A012)
    #[arg(long, value_name = "NUMBER")]
    number: String,
    /// 5 非常满意 · 4 满意 · 3 基本满意 · 2 不满意 · 1 非常不满意
    #[arg(long, value_name = "1-5", value_parser = clap::value_parser!(u8).range(1..=5))]
    level: u8,
    /// 差评原因（仅 1、2 分）/ reason of a low score (levels 1-2 only)
    #[arg(long, value_enum)]
    reason: Option<LowReasonArg>,
    #[command(flatten)]
    out: OutArgs,
}

/// Low-score reasons on the command line.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum LowReasonArg {
    /// 效率 / efficiency
    Efficiency,
    /// 水平 / professional skill
    Skill,
    /// 态度 / attitude
    Attitude,
    /// 环境 / environment
    Environment,
    /// 流程 / procedure
    Procedure,
}

/// `hallq issue`.
pub fn issue(db: &Path, hall: Option<&str>, a: &IssueArgs) -> Result<()> {
    let h = HallDb::open(db, hall)?;
    let services = services(&h)?;
    let service = resolve_service(&services, &a.service);
    let priority = match (a.priority, a.reason, &a.appointment) {
        (Some(p), _, _) => p.class(),
        (None, Some(_), _) => PriorityClass::Priority,
        (None, None, Some(_)) => PriorityClass::Appointment,
        (None, None, None) => PriorityClass::Normal,
    };
    if a.reason.is_some() && priority != PriorityClass::Priority {
        return Err(CliError::input(
            "--reason 只用于优先号（--priority priority）",
            "--reason is only for --priority priority",
        )
        .into());
    }
    if a.appointment.is_some() && priority != PriorityClass::Appointment {
        return Err(CliError::input(
            "--appointment 只用于预约号（--priority appointment）",
            "--appointment is only for --priority appointment",
        )
        .into());
    }
    let ex = h.execute(Command::Issue {
        service,
        priority,
        priority_reason: a.reason.map(ReasonArg::reason),
        appointment: a.appointment.clone(),
    })?;
    let t = subject(&ex)?;
    if a.out.format == TextOrJson::Json {
        return print_json(t);
    }
    let number = wide(&t.number);
    let width = t.number.chars().count() * 2 + 8;
    outln!("╔{}╗", "═".repeat(width))?;
    outln!("║    {number}    ║")?;
    outln!("╚{}╝", "═".repeat(width))?;
    outln!("号码 / number: {}    {}", t.number, service_name(&services, &t.service))?;
    if t.priority != PriorityClass::Normal {
        outln!("{}", priority_text(t))?;
    }
    outln!("前面 {} 人 / {} ahead", t.people_ahead, t.people_ahead)?;
    outln!("预计等候 / estimated wait: {}", estimate(t.estimated_wait_ms))?;
    outln!("取号时间 / issued: {}", local_time(&h.hall, t.issued_at))?;
    Ok(())
}

/// `hallq login`: checks the PIN first, then logs the staff member in.
pub fn login(db: &Path, hall: Option<&str>, a: &LoginArgs) -> Result<()> {
    let h = HallDb::open(db, hall)?;
    let pin = match &a.pin {
        Some(p) => p.clone(),
        None => ask_pin()?,
    };
    if !h.store.verify_staff_pin(h.hall.id, &a.staff, &pin)? {
        return Err(CliError::input("工号或 PIN 不正确", "wrong staff number or PIN").into());
    }
    let ex = h.execute(Command::Login { counter: a.counter, staff: a.staff.clone() })?;
    say(&ex, a.out.format, || {
        let status = h.store.reader()?.status(h.hall.id, now_ms())?;
        let name = status
            .counters
            .iter()
            .find(|c| c.counter.number == a.counter)
            .and_then(|c| c.staff_name.clone())
            .map(|n| format!(" {n}"))
            .unwrap_or_default();
        Ok(format!(
            "工号 {}{name} 已登录 {} 号窗口 / staff {}{name} logged in at counter {}",
            a.staff, a.counter, a.staff, a.counter
        ))
    })
}

/// `hallq logout`.
pub fn logout(db: &Path, hall: Option<&str>, a: &CounterArgs) -> Result<()> {
    let c = a.counter;
    counter_only(db, hall, a, Command::Logout { counter: c }, || {
        format!("{c} 号窗口已退出登录并关闭 / staff logged out of counter {c}; counter closed")
    })
}

/// `hallq open`.
pub fn open(db: &Path, hall: Option<&str>, a: &CounterArgs) -> Result<()> {
    let c = a.counter;
    counter_only(db, hall, a, Command::OpenCounter { counter: c }, || format!("{c} 号窗口已开启 / counter {c} is open"))
}

/// `hallq pause`.
pub fn pause(db: &Path, hall: Option<&str>, a: &PauseArgs) -> Result<()> {
    let h = HallDb::open(db, hall)?;
    let c = a.counter;
    let ex = h.execute(Command::PauseCounter { counter: c, reason: a.reason.clone() })?;
    say(&ex, a.out.format, || Ok(format!("{c} 号窗口暂停服务（{}）/ counter {c} paused ({})", a.reason, a.reason)))
}

/// `hallq resume`.
pub fn resume(db: &Path, hall: Option<&str>, a: &CounterArgs) -> Result<()> {
    let c = a.counter;
    counter_only(db, hall, a, Command::ResumeCounter { counter: c }, || {
        format!("{c} 号窗口恢复服务 / counter {c} resumed")
    })
}

/// `hallq close`.
pub fn close(db: &Path, hall: Option<&str>, a: &CounterArgs) -> Result<()> {
    let c = a.counter;
    counter_only(db, hall, a, Command::CloseCounter { counter: c }, || {
        format!("{c} 号窗口已关闭 / counter {c} is closed")
    })
}

/// `hallq call`: the next ticket by the counter's routing, or `--number`.
pub fn call(db: &Path, hall: Option<&str>, a: &CallArgs) -> Result<()> {
    let h = HallDb::open(db, hall)?;
    let c = a.counter;
    let cmd = match &a.number {
        Some(n) => Command::CallNumber { counter: c, ticket: TicketRef::Number(n.trim().to_ascii_uppercase()) },
        None => Command::CallNext { counter: c },
    };
    let ex = h.execute(cmd)?;
    say(&ex, a.out.format, || {
        let t = subject(&ex)?;
        let svc = services(&h)?;
        Ok(format!(
            "请 {n} 号到 {c} 号窗口（{}，已等 {} 分钟）/ ticket {n}, please go to counter {c} ({}, waited {} min)",
            zh_name(&svc, &t.service),
            minutes(t.wait_ms()),
            en_name(&svc, &t.service),
            minutes(t.wait_ms()),
            n = t.number,
        ))
    })
}

/// `hallq recall`: after the hall's recall limit, one more marks a no-show.
pub fn recall(db: &Path, hall: Option<&str>, a: &CounterArgs) -> Result<()> {
    let h = HallDb::open(db, hall)?;
    let c = a.counter;
    let ex = h.execute(Command::Recall { counter: c })?;
    say(&ex, a.out.format, || {
        let t = subject(&ex)?;
        let n = &t.number;
        Ok(if t.state == TicketState::NoShow {
            format!(
                "{n} 号重呼 {r} 次仍未到，已记为过号 / ticket {n} did not come after {r} recalls: marked no-show",
                r = t.recalls
            )
        } else {
            format!(
                "再次请 {n} 号到 {c} 号窗口（第 {r} 次重呼）/ ticket {n} called again to counter {c} (recall {r})",
                r = t.recalls
            )
        })
    })
}

/// `hallq no-show`.
pub fn no_show(db: &Path, hall: Option<&str>, a: &CounterArgs) -> Result<()> {
    ticket_cmd(db, hall, &a.out, Command::NoShow { counter: a.counter }, |t| {
        format!("{n} 号已记为过号 / ticket {n} marked as a no-show", n = t.number)
    })
}

/// `hallq start`.
pub fn start(db: &Path, hall: Option<&str>, a: &CounterArgs) -> Result<()> {
    let c = a.counter;
    ticket_cmd(db, hall, &a.out, Command::Start { counter: c }, |t| {
        format!("{n} 号在 {c} 号窗口开始办理 / service of ticket {n} started at counter {c}", n = t.number)
    })
}

/// `hallq finish`.
pub fn finish(db: &Path, hall: Option<&str>, a: &FinishArgs) -> Result<()> {
    let c = a.counter;
    let resolution = a.outcome.resolution();
    ticket_cmd(db, hall, &a.out, Command::Finish { counter: c, resolution }, |t| {
        format!(
            "{n} 号办理完毕（{}），用时 {} 分钟 / ticket {n} finished ({}) after {} min; 请评价 / please rate",
            resolution_zh(resolution),
            minutes(t.handling_ms()),
            resolution.as_str(),
            minutes(t.handling_ms()),
            n = t.number
        )
    })
}

/// `hallq transfer`.
pub fn transfer(db: &Path, hall: Option<&str>, a: &TransferArgs) -> Result<()> {
    let h = HallDb::open(db, hall)?;
    let svc = services(&h)?;
    let to = match (&a.service, a.to_counter) {
        (Some(s), _) => TransferTarget::Service(resolve_service(&svc, s)),
        (None, Some(m)) => TransferTarget::Counter(m),
        (None, None) => {
            return Err(CliError::input(
                "请用 --service 或 --to-counter 指定转到哪里",
                "say where to: --service or --to-counter",
            )
            .into());
        }
    };
    let ex = h.execute(Command::Transfer { counter: a.counter, to })?;
    say(&ex, a.out.format, || {
        let t = subject(&ex)?;
        let n = &t.number;
        Ok(match t.target_counter {
            Some(m) => {
                format!("{n} 号已转到 {m} 号窗口，继续等候 / ticket {n} transferred to counter {m}; waiting again")
            }
            None => format!(
                "{n} 号已转到“{}”，继续等候 / ticket {n} transferred to {}; waiting again",
                zh_name(&svc, &t.service),
                en_name(&svc, &t.service)
            ),
        })
    })
}

/// `hallq cancel`.
pub fn cancel(db: &Path, hall: Option<&str>, a: &CancelArgs) -> Result<()> {
    let ticket = TicketRef::Number(a.number.trim().to_ascii_uppercase());
    ticket_cmd(db, hall, &a.out, Command::Cancel { ticket }, |t| {
        format!("{n} 号已取消 / ticket {n} cancelled", n = t.number)
    })
}

/// `hallq rate`.
pub fn rate(db: &Path, hall: Option<&str>, a: &RateArgs) -> Result<()> {
    let ticket = TicketRef::Number(a.number.trim().to_ascii_uppercase());
    let cmd = Command::Rate { ticket, level: a.level, reason: a.reason.map(LowReasonArg::reason) };
    ticket_cmd(db, hall, &a.out, cmd, |t| {
        let zh = t.rating.map_or("", Rating::name_zh);
        let (reason_zh, reason_en) = match t.rating_reason {
            Some(r) => (format!("，原因：{}", low_reason_zh(r)), format!(", reason: {}", r.as_str())),
            None => (String::new(), String::new()),
        };
        format!(
            "{n} 号评价：{zh}（{l} 分）{reason_zh} / ticket {n} rated {l} of 5{reason_en}",
            l = a.level,
            n = t.number
        )
    })
}

/// Runs a command about a ticket and prints `line(ticket)` or its JSON.
fn ticket_cmd(
    db: &Path,
    hall: Option<&str>,
    out: &OutArgs,
    cmd: Command,
    line: impl FnOnce(&Ticket) -> String,
) -> Result<()> {
    let h = HallDb::open(db, hall)?;
    let ex = h.execute(cmd)?;
    say(&ex, out.format, || Ok(line(subject(&ex)?)))
}

/// Runs a command about a counter only and prints `line()` or its events.
fn counter_only(
    db: &Path,
    hall: Option<&str>,
    a: &CounterArgs,
    cmd: Command,
    line: impl FnOnce() -> String,
) -> Result<()> {
    let h = HallDb::open(db, hall)?;
    let ex = h.execute(cmd)?;
    say(&ex, a.out.format, || Ok(line()))
}

/// Prints the outcome: the text line, or as JSON the ticket (or, for
/// commands without one, the events logged).
fn say(ex: &Executed, format: TextOrJson, line: impl FnOnce() -> Result<String>) -> Result<()> {
    match format {
        TextOrJson::Json => match &ex.ticket {
            Some(t) => print_json(t),
            None => print_json(&ex.events),
        },
        TextOrJson::Text => {
            outln!("{}", line()?)?;
            Ok(())
        }
    }
}

/// The ticket a ticket command was about; the engine always returns one.
fn subject(ex: &Executed) -> Result<&Ticket> {
    ex.ticket.as_ref().ok_or_else(|| {
        CliError::failure("营业厅没有返回号码信息", "the hall engine returned no ticket for a ticket command").into()
    })
}

/// The hall's services, for names and prefix look-ups.
fn services(h: &HallDb) -> Result<Vec<Service>> {
    let status = h.store.reader()?.status(h.hall.id, now_ms())?;
    Ok(status.services.into_iter().map(|s| s.service).collect())
}

/// A service code from what the user typed: a code in any case, or a
/// ticket prefix letter. Anything else goes through unchanged, so the hall
/// answers with its own "no such service" error.
fn resolve_service(services: &[Service], input: &str) -> String {
    let input = input.trim();
    if let Some(s) = services.iter().find(|s| s.code.eq_ignore_ascii_case(input)) {
        return s.code.clone();
    }
    let mut chars = input.chars();
    if let (Some(c), None) = (chars.next(), chars.next())
        && let Some(s) = services.iter().find(|s| s.prefix.eq_ignore_ascii_case(&c))
    {
        return s.code.clone();
    }
    input.to_string()
}

fn zh_name<'a>(services: &'a [Service], code: &'a str) -> &'a str {
    services.iter().find(|s| s.code == code).map_or(code, |s| s.name_zh.as_str())
}

fn en_name<'a>(services: &'a [Service], code: &'a str) -> &'a str {
    services.iter().find(|s| s.code == code).map_or(code, |s| s.name_en.as_str())
}

fn service_name(services: &[Service], code: &str) -> String {
    format!("{} {}", zh_name(services, code), en_name(services, code))
}

fn priority_text(t: &Ticket) -> String {
    let reason = match t.priority_reason {
        Some(PriorityReason::Elderly) => "（老年人 elderly）",
        Some(PriorityReason::Disabled) => "（残疾人 disabled）",
        Some(PriorityReason::Pregnant) => "（孕妇 pregnant）",
        None => "",
    };
    match t.priority {
        PriorityClass::Normal => String::new(),
        PriorityClass::Priority => format!("优先 / priority{reason}"),
        PriorityClass::Appointment => format!("预约 / appointment {}", t.appointment.as_deref().unwrap_or_default()),
        PriorityClass::Vip => "大客户 / key account".to_string(),
    }
}

fn low_reason_zh(r: LowScoreReason) -> &'static str {
    match r {
        LowScoreReason::Efficiency => "效率",
        LowScoreReason::Skill => "业务水平",
        LowScoreReason::Attitude => "服务态度",
        LowScoreReason::Environment => "环境",
        LowScoreReason::Procedure => "流程",
    }
}

fn resolution_zh(r: Resolution) -> &'static str {
    match r {
        Resolution::Completed => "办结",
        Resolution::Accepted => "已受理",
        Resolution::MissingDocuments => "资料不全",
        Resolution::Answered => "咨询已答复",
        Resolution::Declined => "未办理",
    }
}

/// Asks for a staff PIN on the terminal, without echo.
fn ask_pin() -> Result<String> {
    if !std::io::stdin().is_terminal() {
        return Err(CliError::input(
            "请用 --pin 给出 PIN（没有终端可输入）",
            "give the PIN with --pin (no terminal to type it at)",
        )
        .into());
    }
    let pin = rpassword::prompt_password("PIN: ")
        .with_context(|| CliError::failure("无法从终端读取 PIN", "cannot read the PIN from the terminal"))?;
    Ok(pin.trim().to_string())
}

impl PriorityArg {
    fn class(self) -> PriorityClass {
        match self {
            Self::Normal => PriorityClass::Normal,
            Self::Priority => PriorityClass::Priority,
            Self::Appointment => PriorityClass::Appointment,
            Self::Vip => PriorityClass::Vip,
        }
    }
}

impl ReasonArg {
    fn reason(self) -> PriorityReason {
        match self {
            Self::Elderly => PriorityReason::Elderly,
            Self::Disabled => PriorityReason::Disabled,
            Self::Pregnant => PriorityReason::Pregnant,
        }
    }
}

impl OutcomeArg {
    fn resolution(self) -> Resolution {
        match self {
            Self::Completed => Resolution::Completed,
            Self::Accepted => Resolution::Accepted,
            Self::MissingDocuments => Resolution::MissingDocuments,
            Self::Answered => Resolution::Answered,
            Self::Declined => Resolution::Declined,
        }
    }
}

impl LowReasonArg {
    fn reason(self) -> LowScoreReason {
        match self {
            Self::Efficiency => LowScoreReason::Efficiency,
            Self::Skill => LowScoreReason::Skill,
            Self::Attitude => LowScoreReason::Attitude,
            Self::Environment => LowScoreReason::Environment,
            Self::Procedure => LowScoreReason::Procedure,
        }
    }
}
