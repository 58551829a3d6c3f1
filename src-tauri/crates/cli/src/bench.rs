//! `hallq bench`: the figures the foundation and the server promise,
//! measured on temp file databases with `synchronous=FULL`: through the real
//! hall engine, durable ticket issues per second and latency with 1, 8 and
//! 32 concurrent submitters, the same for whole issue → call → start →
//! finish cycles, and Call next; over HTTP and WebSocket to the real hall
//! server on loopback ([`http`], unless `--skip-http`), issues with 1, 8 and
//! 32 kiosks, Call next, and the time from a call to its event at 50
//! displays; and the time of the full KPI report over a million tickets
//! (8 halls × 365 days of `demo` traffic, built once and kept) by hall,
//! service, staff and hour, the reports page's overview, and an XLSX of
//! every grouping. `--report-halls 80` measures the same over about ten
//! million (every 8 halls ≈ 1 M); beyond 8 halls each hall's event log is
//! deleted once the hall is generated, because reports read only the
//! projections and ten million tickets' log (~1.6 KB a ticket) would not fit
//! the disk. `--report-only` skips the engine and HTTP loads.
//!
//! It measures; it does not pass or fail. Timings depend on the disk (one
//! fsync per group commit) and on the two cores the submitters share with
//! the engine (and, over HTTP, with the server).

mod baseline;
mod http;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Args;
use hallq_core::counter::CounterConfig;
use hallq_core::{
    Actor, Command, HallConfig, PriorityClass, Resolution, RoutingOrder, RoutingPolicy, Service, Staff, StaffRole,
};
use hallq_store::{GroupBy, HallEngine, KpiQuery, ManualClock, OverviewQuery, Store};
use serde::Serialize;
use uuid::Uuid;

use crate::error::CliError;
use crate::output::outln;

/// Arguments of `hallq bench`.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// 每个客户端的命令数倍率（0.1–10）/ scale the number of commands per client (0.1-10)
    #[arg(long, default_value_t = 1.0)]
    scale: f64,
    /// 百万号报表所用数据库（不存在则生成，约数分钟）/ the million-ticket database for the report
    /// benchmark (generated if missing, a few minutes) [default: <temp dir>/hallq-bench-1m.db]
    #[arg(long, value_name = "FILE")]
    report_db: Option<PathBuf>,
    /// 报表数据的营业厅数（每 8 个约一百万号；超过 8 个时每厅生成后删除其事件日志以省磁盘）/ halls in
    /// the report database (about a million ticket legs per 8; beyond 8, each hall's event log is
    /// deleted once it is generated, to save disk) [default file: <temp dir>/hallq-bench-<N>-halls.db]
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=400))]
    report_halls: u16,
    /// 只测报表（跳过引擎与 HTTP 压测）/ only the report benchmark (skip the engine and HTTP loads)
    #[arg(long, conflicts_with = "skip_report")]
    report_only: bool,
    /// 跳过百万号报表 / skip the million-ticket report benchmark
    #[arg(long)]
    skip_report: bool,
    /// 跳过 HTTP/WebSocket 压测 / skip the HTTP and WebSocket load on the hall server
    #[arg(long)]
    skip_http: bool,
    /// 输出格式 / output format
    #[arg(long, default_value = "text", value_parser = ["text", "json"])]
    format: String,
    /// 与此基线比较，变差超过 20% 的数字逐条列出（不算失败）/ compare with this baseline file and
    /// list every figure more than 20 % worse (a warning, not a failure)
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// 把本次数字存为基线 / save this run's figures as the baseline file
    #[arg(long, value_name = "FILE")]
    save_baseline: Option<PathBuf>,
}

/// One measured load.
#[derive(Debug, Serialize)]
struct Load {
    what: &'static str,
    clients: usize,
    operations: usize,
    seconds: f64,
    per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
}

#[derive(Debug, Serialize)]
struct ReportBench {
    tickets: u64,
    halls: usize,
    days: i64,
    generated_seconds: Option<f64>,
    /// Whether the halls' event logs are in the file (not beyond 8 halls).
    event_log_kept: bool,
    /// The database file with its WAL.
    database_bytes: u64,
    by_hall_seconds: f64,
    by_service_seconds: f64,
    by_staff_seconds: f64,
    by_hour_seconds: f64,
    overview_seconds: f64,
    /// The overview as the first report of a freshly opened store: its
    /// report threads map the file anew (later reports reuse the maps).
    overview_first_seconds: f64,
    xlsx_all_groupings_seconds: f64,
    /// The same measures' CPU time (user + system, every thread), best of 3.
    cpu_seconds: std::collections::BTreeMap<&'static str, f64>,
}

/// Runs every benchmark and prints the figures.
pub fn run(args: &BenchArgs) -> anyhow::Result<()> {
    if !(0.1..=10.0).contains(&args.scale) {
        return Err(CliError::input("--scale 须在 0.1–10 之间", "--scale must be between 0.1 and 10").into());
    }
    let baseline = args.baseline.as_deref().map(|p| baseline::load(p).map(|b| (p, b))).transpose()?;
    if args.report_only {
        let report = report_bench(&report_path(args), usize::from(args.report_halls))?;
        print(args, &[], &[], Some(&report))?;
        return Ok(guard(args, baseline.as_ref(), &[], &[], Some(&report))?);
    }
    let dir = tempfile::tempdir().map_err(CliError::from)?;
    let store = Store::open(&dir.path().join("bench.db"))?;
    let start = chrono::Utc::now().timestamp_millis();
    let cfg = bench_hall();
    store.create_hall(&cfg, start)?;
    let clock = ManualClock::new(start);
    let engine = store.engine(cfg.hall.id, Arc::new(clock.clone()))?;
    let scaled = |n: usize| ((n as f64 * args.scale) as usize).max(1);

    let mut loads = Vec::new();
    for (clients, per_client) in [(1, scaled(3000)), (8, scaled(1500)), (32, scaled(600))] {
        new_day(&engine, &clock)?;
        loads.push(measure("issue", &engine, clients, per_client, |e, c, k| {
            e.execute(Actor::Cli, issue(c * 7 + k))?;
            Ok(())
        })?);
    }
    for (clients, per_client) in [(1, scaled(750)), (8, scaled(375)), (32, scaled(150))] {
        new_day(&engine, &clock)?;
        loads.push(measure("cycle", &engine, clients, per_client, |e, c, k| {
            let counter = c as u32 + 1;
            e.execute(Actor::Cli, issue(c * 7 + k))?;
            e.execute(Actor::Cli, Command::CallNext { counter })?;
            e.execute(Actor::Cli, Command::Start { counter })?;
            e.execute(Actor::Cli, Command::Finish { counter, resolution: Resolution::Completed })?;
            Ok(())
        })?);
    }
    new_day(&engine, &clock)?;
    let calls = scaled(750);
    for i in 0..calls {
        engine.execute(Actor::Cli, issue(i))?;
    }
    loads.push(measure("call_next", &engine, 1, calls, |e, _, _| {
        e.execute(Actor::Cli, Command::CallNext { counter: 1 })?;
        e.execute(Actor::Cli, Command::NoShow { counter: 1 })?;
        Ok(())
    })?);
    engine.shutdown();

    let http = if args.skip_http { Vec::new() } else { http::run(scaled)? };
    let report =
        if args.skip_report { None } else { Some(report_bench(&report_path(args), usize::from(args.report_halls))?) };
    print(args, &loads, &http, report.as_ref())?;
    Ok(guard(args, baseline.as_ref(), &loads, &http, report.as_ref())?)
}

/// Compares the run with `--baseline` and saves it as `--save-baseline`.
fn guard(
    args: &BenchArgs,
    against: Option<&(&std::path::Path, baseline::Baseline)>,
    loads: &[Load],
    http: &[Load],
    report: Option<&ReportBench>,
) -> Result<(), CliError> {
    let figures = baseline::figures(loads, http, report);
    if let Some((path, b)) = against {
        baseline::compare(path, b, &figures);
    }
    if let Some(path) = &args.save_baseline {
        baseline::save(path, &figures)?;
        eprintln!("基线已保存 / baseline saved: {}", path.display());
    }
    Ok(())
}

/// The report database: `--report-db`, or one per number of halls in the
/// temp dir (8 halls keep the historic name).
fn report_path(args: &BenchArgs) -> PathBuf {
    args.report_db.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(match args.report_halls {
            8 => "hallq-bench-1m.db".to_string(),
            n => format!("hallq-bench-{n}-halls.db"),
        })
    })
}

/// A hall sized for load: 26 services (so a day holds 25,974 numbers) and
/// 32 counters serving all of them, each with a clerk.
fn bench_hall() -> HallConfig {
    let mut cfg = HallConfig::default_supply_hall(Uuid::now_v7(), "BENCH", "压测营业厅");
    cfg.services = (0..26u8)
        .map(|i| {
            let prefix = char::from(b'A' + i);
            Service {
                code: format!("S{prefix}"),
                prefix,
                name_zh: format!("业务{prefix}"),
                name_en: format!("Service {prefix}"),
                target_wait_min: 15,
                target_handling_min: 5,
                enabled: true,
            }
        })
        .collect();
    let all: Vec<String> = cfg.services.iter().map(|s| s.code.clone()).collect();
    cfg.counters = (1..=32)
        .map(|n| {
            let c = CounterConfig {
                number: n,
                name: format!("{n}号窗口"),
                name_en: String::new(),
                services: all.clone(),
                policy: RoutingPolicy { order: RoutingOrder::Fifo, max_priority_in_row: Some(2) },
            };
            hallq_core::Counter::new(c.number, c.name, c.services, c.policy)
        })
        .collect();
    cfg.staff = (1..=32)
        .map(|n| Staff {
            number: format!("{:04}", 1000 + n),
            name: format!("员工{n}"),
            role: StaffRole::Agent,
            active: true,
            team: None,
        })
        .collect();
    cfg
}

fn issue(k: usize) -> Command {
    let prefix = char::from(b'A' + (k % 26) as u8);
    Command::Issue {
        service: format!("S{prefix}"),
        priority: PriorityClass::Normal,
        priority_reason: None,
        appointment: None,
    }
}

/// Moves the clock to the next business day (so numbers restart) and opens
/// every counter again; not timed.
fn new_day(engine: &HallEngine, clock: &ManualClock) -> Result<(), CliError> {
    clock.advance(24 * 3_600_000);
    for n in 1..=32u32 {
        engine.execute(Actor::Cli, Command::Login { counter: n, staff: format!("{:04}", 1000 + n) })?;
        engine.execute(Actor::Cli, Command::OpenCounter { counter: n })?;
    }
    Ok(())
}

type Op = fn(&HallEngine, usize, usize) -> Result<(), hallq_store::StoreError>;

/// Runs `op` `per_client` times on each of `clients` threads at once and
/// collects every latency.
fn measure(
    what: &'static str,
    engine: &HallEngine,
    clients: usize,
    per_client: usize,
    op: Op,
) -> Result<Load, CliError> {
    let started = Instant::now();
    let handles: Vec<_> = (0..clients)
        .map(|c| {
            let engine = engine.clone();
            std::thread::spawn(move || -> Result<Vec<Duration>, hallq_store::StoreError> {
                let mut lat = Vec::with_capacity(per_client);
                for k in 0..per_client {
                    let t = Instant::now();
                    op(&engine, c, k)?;
                    lat.push(t.elapsed());
                }
                Ok(lat)
            })
        })
        .collect();
    let mut all = Vec::with_capacity(clients);
    for h in handles {
        all.push(h.join().map_err(|_| CliError::failure("压测线程崩溃", "a benchmark thread panicked"))??);
    }
    Ok(summarize(what, clients, all, started.elapsed()))
}

/// A load's figures from every client's latencies and the wall time.
fn summarize(what: &'static str, clients: usize, latencies: Vec<Vec<Duration>>, took: Duration) -> Load {
    let mut all: Vec<Duration> = latencies.into_iter().flatten().collect();
    let seconds = took.as_secs_f64();
    all.sort_unstable();
    let pct = |p: f64| {
        let i = ((p * all.len() as f64).ceil() as usize).clamp(1, all.len().max(1)) - 1;
        all.get(i).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    Load {
        what,
        clients,
        operations: all.len(),
        seconds,
        per_second: all.len() as f64 / seconds,
        p50_ms: pct(0.5),
        p99_ms: pct(0.99),
    }
}

/// The full KPI report over a year of `halls` halls (8: about a million
/// ticket legs). Beyond 8 halls the database is generated one hall at a
/// time and each hall's event log is deleted once it is generated (reports
/// read only the projections: tickets, counter sessions, follow-ups), so
/// ten million tickets take about 2.5 GB instead of about 19 GB.
fn report_bench(path: &std::path::Path, halls: usize) -> Result<ReportBench, CliError> {
    const DAYS: i64 = 365;
    let keep_log = halls <= 8;
    let store = Store::open(path)?;
    let mut generated = None;
    if store.halls()?.len() < halls {
        drop(store);
        let _ = std::fs::remove_file(path);
        let _ = std::fs::remove_file(path.with_extension("db-wal"));
        let _ = std::fs::remove_file(path.with_extension("db-shm"));
        eprintln!(
            "生成报表数据（{halls} 个营业厅 × {DAYS} 天，约 {:.1} 百万号）… / generating report data ({halls} halls × {DAYS} \
             days, about {:.1} million ticket legs)…",
            halls as f64 / 8.0,
            halls as f64 / 8.0
        );
        if !keep_log {
            eprintln!(
                "  每个营业厅生成后即删除其事件日志（报表只读投影表）/ each hall's event log is deleted once the hall is \
                 generated (reports read only the projections); this file is for the report benchmark only"
            );
        }
        let t = Instant::now();
        crate::demo::build_year(path, halls, DAYS, keep_log, |k, c| {
            eprintln!(
                "  {}/{halls}: {} legs, {:.0} s, {:.2} GB",
                k + 1,
                c.tickets,
                t.elapsed().as_secs_f64(),
                file_bytes(path) as f64 / 1e9
            );
            Ok(())
        })?;
        generated = Some(t.elapsed().as_secs_f64());
    }
    let store = Store::open(path)?;
    let reader = store.reader()?;
    let halls = store.halls()?;
    let (from, to) = crate::demo::year_range(DAYS);
    let mut cpu = std::collections::BTreeMap::new();
    // The best of three (the first run also warms the page cache), wall
    // clock and the process's CPU time (all threads).
    let mut best_of_three = |what: &'static str, f: &dyn Fn() -> Result<(), CliError>| -> Result<f64, CliError> {
        let (mut best, mut best_cpu) = (f64::MAX, f64::MAX);
        for _ in 0..3 {
            let (t, c) = (Instant::now(), cpu_seconds());
            f()?;
            best = best.min(t.elapsed().as_secs_f64());
            best_cpu = best_cpu.min(cpu_seconds() - c);
        }
        cpu.insert(what, best_cpu);
        Ok(best)
    };
    let tickets = std::cell::Cell::new(0);
    let mut time = |what: &'static str, by: GroupBy| {
        best_of_three(what, &|| {
            tickets.set(reader.kpis(&KpiQuery { hall: None, from, to, by })?.total.legs);
            Ok(())
        })
    };
    let by_service = time("by_service", GroupBy::Service)?;
    let by_hall = time("by_hall", GroupBy::Hall)?;
    let by_staff = time("by_staff", GroupBy::Staff)?;
    let by_hour = time("by_hour", GroupBy::Hour)?;
    let now = chrono::Utc::now().timestamp_millis();
    let overview = best_of_three("overview", &|| {
        reader.overview(&OverviewQuery { hall: None, home: None, from, to, now })?;
        Ok(())
    })?;
    let overview_first = {
        let fresh = Store::open(path)?;
        let reader = fresh.reader()?;
        let t = Instant::now();
        reader.overview(&OverviewQuery { hall: None, home: None, from, to, now })?;
        t.elapsed().as_secs_f64()
    };
    let xlsx = best_of_three("xlsx", &|| {
        let bys = hallq_report::sheets(GroupBy::Hall, true);
        let reports = reader.kpis_many(None, from, to, &bys)?;
        let targets = hallq_core::Targets::default();
        let scope = hallq_report::Scope { halls: "bench", from, to, targets: &targets };
        hallq_report::xlsx(&scope, &reports)
            .map_err(|e| CliError::failure(format!("XLSX 失败：{e}"), format!("XLSX failed: {e}")))?;
        Ok(())
    })?;
    Ok(ReportBench {
        tickets: tickets.get(),
        halls: halls.len(),
        days: DAYS,
        generated_seconds: generated,
        event_log_kept: keep_log,
        database_bytes: file_bytes(path),
        by_hall_seconds: by_hall,
        by_service_seconds: by_service,
        by_staff_seconds: by_staff,
        by_hour_seconds: by_hour,
        overview_seconds: overview,
        overview_first_seconds: overview_first,
        xlsx_all_groupings_seconds: xlsx,
        cpu_seconds: cpu,
    })
}

/// CPU time (user + system) of this process so far, all threads, from
/// `/proc/self/stat` (0 where there is none).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command's closing parenthesis; utime and stime are
    // the 14th and 15th of the line, in clock ticks (100 a second).
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let ticks: u64 = rest.split_whitespace().skip(11).take(2).filter_map(|t| t.parse::<u64>().ok()).sum();
    ticks as f64 / 100.0
}

/// A database file's size with its WAL.
fn file_bytes(path: &std::path::Path) -> u64 {
    let size = |p: &std::path::Path| std::fs::metadata(p).map_or(0, |m| m.len());
    size(path) + size(&path.with_extension("db-wal"))
}

fn print(args: &BenchArgs, loads: &[Load], http: &[Load], report: Option<&ReportBench>) -> std::io::Result<()> {
    if args.format == "json" {
        let v = serde_json::json!({ "loads": loads, "http": http, "report": report });
        outln!("{}", serde_json::to_string_pretty(&v).unwrap_or_default())?;
        return Ok(());
    }
    if !loads.is_empty() {
        outln!(
            "HallQ bench — 持久化（synchronous=FULL，组提交）/ durable (synchronous=FULL, group commit), in-process \
             engine"
        )?;
        print_loads(loads)?;
        outln!("(cycle = issue → call next → start → finish, 4 durable commands; call_next = call next + no-show)")?;
    }
    if !http.is_empty() {
        outln!()?;
        outln!(
            "HTTP + WebSocket — 本机回环，进程内营业厅服务，系统时钟 / loopback, in-process hall server, system clock"
        )?;
        print_loads(http)?;
        outln!(
            "(http_call_next times the call only, a no-show follows each; call_to_event = from sending Call next \
             to its event at each of {} displays, ops = deliveries)",
            http.iter().find(|l| l.what == "call_to_event").map_or(0, |l| l.clients)
        )?;
    }
    if let Some(r) = report {
        outln!()?;
        outln!(
            "KPI report over {} ticket legs ({} halls × {} days){}; database {:.2} GB{}:",
            r.tickets,
            r.halls,
            r.days,
            r.generated_seconds.map(|s| format!(", generated in {s:.0} s")).unwrap_or_default(),
            r.database_bytes as f64 / 1e9,
            if r.event_log_kept {
                ""
            } else {
                " (event logs deleted after generation: projections only / 已删除事件日志，仅投影表)"
            }
        )?;
        outln!(
            "  by hall {:.3} s · by service {:.3} s · by staff {:.3} s · by hour {:.3} s · overview {:.3} s · \
             XLSX of every grouping {:.3} s (best of 3)",
            r.by_hall_seconds,
            r.by_service_seconds,
            r.by_staff_seconds,
            r.by_hour_seconds,
            r.overview_seconds,
            r.xlsx_all_groupings_seconds
        )?;
        outln!(
            "  overview as a freshly opened store's first report (the file mapped anew): {:.3} s",
            r.overview_first_seconds
        )?;
        let cpu: Vec<String> = r.cpu_seconds.iter().map(|(k, v)| format!("{} {v:.2} s", k.replace('_', " "))).collect();
        outln!("  CPU time, all threads: {}", cpu.join(" · "))?;
    }
    Ok(())
}

/// The table of loads, one row each.
fn print_loads(loads: &[Load]) -> std::io::Result<()> {
    outln!(
        "{:<14} {:>7} {:>8} {:>9} {:>11} {:>9} {:>9}",
        "what",
        "clients",
        "ops",
        "seconds",
        "ops/s",
        "p50 ms",
        "p99 ms"
    )?;
    for l in loads {
        outln!(
            "{:<14} {:>7} {:>8} {:>9.2} {:>11.0} {:>9.3} {:>9.3}",
            l.what,
            l.clients,
            l.operations,
            l.seconds,
            l.per_second,
            l.p50_ms,
            l.p99_ms
        )?;
    }
    Ok(())
}
