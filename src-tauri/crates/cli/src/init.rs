//! `hallq init`: create a hall with the default supply-hall configuration
//! (eight services, four counters, the admin `0001`) and the admin's PIN.
//!
//! The PIN comes from `--pin`, else is asked twice on the terminal without
//! echo, else (with `--non-interactive`) is a random 6-digit PIN printed
//! once. There is never a default PIN: a hall with a known PIN is an open
//! door in a public lobby.

use std::io::IsTerminal;
use std::path::Path;

use anyhow::{Context, Result};
use hallq_store::hallq_core::{HallConfig, RoutingOrder};
use hallq_store::{Millis, Store};
use rand::Rng;
use uuid::Uuid;

use crate::error::CliError;
use crate::format::{align_right, table};
use crate::output::outln;

/// The admin every new hall has (from `HallConfig::default_supply_hall`).
pub const ADMIN: &str = "0001";

/// `hallq init` flags.
#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// 营业厅编码（字母、数字）/ hall code (letters, digits, - or _)
    #[arg(long, default_value = "DEMO", value_name = "CODE")]
    code: String,
    /// 营业厅名称 / hall name
    #[arg(long, default_value = "演示供电营业厅", value_name = "NAME")]
    name: String,
    /// 值班长（工号 0001）的 PIN，4–12 位数字；省略则在终端输入 /
    /// the admin's (staff 0001) PIN, 4-12 digits; omit it to type it at the
    /// terminal (a PIN on the command line stays in the shell history)
    #[arg(long, value_name = "PIN")]
    pin: Option<String>,
    /// 不询问：未给 --pin 时生成随机 PIN 并只显示一次 /
    /// never prompt: without --pin, make a random PIN and show it once
    #[arg(long)]
    non_interactive: bool,
}

/// Where the admin PIN came from, which decides whether to show it.
enum Pin {
    Given(String),
    Generated(String),
}

/// Runs `hallq init`.
pub fn run(db: &Path, args: &InitArgs) -> Result<()> {
    let cfg = HallConfig::default_supply_hall(Uuid::now_v7(), &args.code, &args.name);
    cfg.hall.validate()?;
    let pin = match (&args.pin, args.non_interactive) {
        (Some(pin), _) => Pin::Given(pin.clone()),
        (None, true) => Pin::Generated(random_pin()),
        (None, false) => Pin::Given(ask_pin()?),
    };
    let pin_text = match &pin {
        Pin::Given(p) | Pin::Generated(p) => p.as_str(),
    };
    check_pin(pin_text)?;
    let store = open_or_create(db)?;
    create(&store, &cfg, now_ms(), pin_text)?;

    print_created(&store, &cfg)?;
    if let Pin::Generated(p) = &pin {
        outln!()?;
        outln!("值班长 PIN（只显示这一次，请记下并妥善保管）/ admin PIN (shown only this once; write it down):")?;
        outln!("    {p}")?;
    }
    Ok(())
}

/// Opens the database, creating the file and its folder if missing.
pub fn open_or_create(db: &Path) -> Result<Store> {
    if let Some(dir) = db.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| {
            CliError::failure(
                format!("无法创建数据库目录 {}", dir.display()),
                format!("cannot create the database folder {}", dir.display()),
            )
        })?;
    }
    Ok(Store::open(db)?)
}

/// Creates a hall and sets its admin PIN; refuses a code already in the
/// database.
pub fn create(store: &Store, cfg: &HallConfig, now: Millis, pin: &str) -> Result<()> {
    let code = &cfg.hall.code;
    if store.halls()?.iter().any(|h| &h.code == code) {
        return Err(CliError::input(
            format!("数据库 {} 中已有编码为 {code} 的营业厅", store.path().display()),
            format!("the database {} already has a hall with code {code}", store.path().display()),
        )
        .into());
    }
    store.create_hall(cfg, now)?;
    store.set_staff_pin(cfg.hall.id, ADMIN, pin)?;
    Ok(())
}

/// A random 6-digit PIN from the operating system's randomness.
pub fn random_pin() -> String {
    format!("{:06}", rand::rng().random_range(0..1_000_000u32))
}

/// The current time, read here because the domain never reads a clock.
pub fn now_ms() -> Millis {
    chrono::Utc::now().timestamp_millis()
}

fn check_pin(pin: &str) -> Result<()> {
    if (4..=12).contains(&pin.len()) && pin.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(CliError::input("PIN 须为 4–12 位数字", "the PIN must be 4-12 digits").into())
    }
}

/// Asks for the PIN twice on the terminal, without echo.
fn ask_pin() -> Result<String> {
    if !std::io::stdin().is_terminal() {
        return Err(CliError::input(
            "没有终端可输入 PIN：请用 --pin 指定，或用 --non-interactive 生成随机 PIN",
            "no terminal to type the PIN at: give --pin, or --non-interactive for a random PIN",
        )
        .into());
    }
    let read = |prompt: &str| {
        rpassword::prompt_password(prompt)
            .with_context(|| CliError::failure("无法从终端读取 PIN", "cannot read the PIN from the terminal"))
    };
    let first = read("值班长 PIN（4–12 位数字）/ admin PIN (4-12 digits): ")?;
    check_pin(first.trim())?;
    let second = read("再输入一次 / once more: ")?;
    if first.trim() != second.trim() {
        return Err(CliError::input("两次输入的 PIN 不一致", "the two PINs do not match").into());
    }
    Ok(first.trim().to_string())
}

fn print_created(store: &Store, cfg: &HallConfig) -> std::io::Result<()> {
    let hall = &cfg.hall;
    outln!("已创建营业厅 / hall created: {} {}", hall.code, hall.name)?;
    outln!("  数据库 / database: {}", store.path().display())?;
    outln!("  编号 / id: {}", hall.id)?;
    outln!("  时区 / time zone: {}", hall.time_zone)?;
    outln!()?;
    outln!("业务 / services:")?;
    let mut t = table(&[
        "代码\nCode",
        "前缀\nPrefix",
        "名称\nName",
        "目标等候(分)\nTarget wait (min)",
        "目标办理(分)\nTarget handling (min)",
    ]);
    for s in &cfg.services {
        t.add_row(vec![
            s.code.clone(),
            s.prefix.to_string(),
            format!("{} {}", s.name_zh, s.name_en),
            s.target_wait_min.to_string(),
            s.target_handling_min.to_string(),
        ]);
    }
    align_right(&mut t, [3, 4]);
    outln!("{t}")?;
    outln!()?;
    outln!("窗口 / counters:")?;
    let mut t = table(&["窗口\nNo.", "名称\nName", "业务（先后）\nServices (in order)", "叫号规则\nRouting"]);
    for c in &cfg.counters {
        let order = match c.policy.order {
            RoutingOrder::Fifo => "先到先叫 fifo",
            RoutingOrder::Ordered => "按业务顺序 ordered",
        };
        t.add_row(vec![c.number.to_string(), c.name.clone(), c.services.join(" "), order.to_string()]);
    }
    outln!("{t}")?;
    outln!()?;
    for s in &cfg.staff {
        outln!(
            "管理员 / admin: 工号 {} {}（可登录窗口，PIN 已设置 / can log in at a counter; PIN set）",
            s.number,
            s.name
        )?;
    }
    Ok(())
}
