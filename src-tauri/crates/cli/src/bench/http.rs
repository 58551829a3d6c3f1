//! `hallq bench`'s HTTP section: the real hall server (`hallq_server`)
//! started in this process on 127.0.0.1:0 over a temporary database and the
//! system clock, with a load generator on the same cores talking HTTP and
//! WebSocket to it over loopback, as terminals would.
//!
//! Each measurement gets a fresh hall, so one does not queue behind the
//! tickets of another: ticket issues with 1, 8 and 32 kiosks (each its own
//! token, no flood guard); Call next at 1 and 32 counters (each its own
//! token, a no-show after each call to free the counter, not timed); and
//! the time from sending a Call next to its `ticket_called` event arriving
//! at each of 50 connected displays. Terminals, staff log-ins and waiting
//! tickets are set up directly in the store beforehand (one bulk commit);
//! nothing of that is timed. It measures; it does not pass or fail.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use futures_util::StreamExt;
use hallq_core::{Actor, Command};
use hallq_server::{Config, ServeConfig, Server};
use hallq_store::Store;
use serde::Deserialize;
use tokio::sync::oneshot;
use tokio_tungstenite::tungstenite::Message;

use super::{Load, issue, summarize};
use crate::error::CliError;

/// Counters open while kiosks issue, as in a busy hall (each new ticket's
/// estimated wait depends on them).
const OPEN_COUNTERS: u32 = 32;
/// Displays connected for the call → event measurement.
const DISPLAYS: usize = 50;
/// Untimed requests each client sends first (connections, caches).
const WARM_UP: usize = 5;
/// Tickets one hall may issue in a day: 26 services × 999 numbers, with a
/// margin for an uneven spread. Larger `--scale`s are capped at it.
const MAX_TICKETS: usize = 23_000;
/// How long displays may take to receive the last event.
const DELIVERY_LIMIT: Duration = Duration::from_secs(60);

/// Runs every HTTP measurement; `scaled` sizes a count by `--scale`.
pub(super) fn run(scaled: impl Fn(usize) -> usize) -> Result<Vec<Load>, CliError> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| {
        CliError::failure(format!("无法启动异步运行时：{e}"), format!("cannot start the async runtime: {e}"))
    })?;
    let loads = runtime.block_on(async {
        let mut loads = Vec::new();
        let fit = |clients: usize, n: usize| n.min(MAX_TICKETS / clients - WARM_UP);
        for (clients, per_client) in [(1, scaled(2000)), (8, scaled(500)), (32, scaled(250))] {
            loads.push(issues(clients, fit(clients, per_client)).await?);
        }
        for (clients, per_client) in [(1, scaled(1000)), (32, scaled(60))] {
            loads.push(calls(clients, fit(clients, per_client)).await?);
        }
        loads.push(call_to_event(fit(1, scaled(300))).await?);
        anyhow::Ok(loads)
    })?;
    Ok(loads)
}

/// A hall server on a fresh temporary database, and its terminals' tokens.
struct Hall {
    base: String,
    kiosks: Vec<String>,
    counters: Vec<String>,
    displays: Vec<String>,
    stop: Option<oneshot::Sender<()>>,
    serving: tokio::task::JoinHandle<Result<(), hallq_server::ServerError>>,
    _dir: tempfile::TempDir,
}

/// What a hall is set up with before its server starts.
struct Setup {
    kiosks: usize,
    counters: u32,
    displays: usize,
    waiting: usize,
}

impl Hall {
    /// Creates the bench hall, pairs terminals, logs a clerk in at and opens
    /// each counter, issues the waiting tickets; then starts the server.
    async fn start(setup: Setup) -> anyhow::Result<Self> {
        let dir = tempfile::tempdir()?;
        let db = dir.path().join("bench-http.db");
        let prepared = db.clone();
        let tokens = tokio::task::spawn_blocking(move || prepare(&prepared, &setup)).await??;
        let config = ServeConfig {
            db,
            hall: None,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            config: Config { kiosk_interval: Duration::ZERO, ..Config::default() },
        };
        let server = Server::bind(config).await?;
        let base = format!("http://{}", server.local_addr());
        let (stop, stopped) = oneshot::channel::<()>();
        let serving = tokio::spawn(server.run(async {
            let _ = stopped.await;
        }));
        let (kiosks, counters, displays) = tokens;
        Ok(Self { base, kiosks, counters, displays, stop: Some(stop), serving, _dir: dir })
    }

    /// Stops the server (streams closed, engine drained).
    async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        (&mut self.serving).await??;
        Ok(())
    }
}

type Tokens = (Vec<String>, Vec<String>, Vec<String>);

/// The store-side setup of [`Hall::start`], on a blocking thread.
fn prepare(db: &Path, setup: &Setup) -> anyhow::Result<Tokens> {
    let store = Store::open(db)?;
    let cfg = super::bench_hall();
    let hall = cfg.hall.id;
    let now = chrono::Utc::now().timestamp_millis();
    store.create_hall(&cfg, now)?;
    let pair = |role: &str, counter: Option<u32>, i: usize| {
        store.create_terminal(hall, role, counter, &format!("{role} {i}"), now, None).map(|(_, token)| token)
    };
    let kiosks = (0..setup.kiosks).map(|i| pair("kiosk", None, i)).collect::<Result<_, _>>()?;
    let counters = (1..=setup.counters).map(|n| pair("counter", Some(n), n as usize)).collect::<Result<_, _>>()?;
    let displays = (0..setup.displays).map(|i| pair("display", None, i)).collect::<Result<_, _>>()?;
    // One commit for the whole setup: the server's engine takes over from it.
    let mut bulk = store.bulk(hall)?;
    let now = chrono::Utc::now().timestamp_millis();
    for n in 1..=setup.counters {
        bulk.execute(Actor::Cli, Command::Login { counter: n, staff: format!("{:04}", 1000 + n) }, now)?;
        bulk.execute(Actor::Cli, Command::OpenCounter { counter: n }, now)?;
    }
    for k in 0..setup.waiting {
        bulk.execute(Actor::Cli, issue(k), now)?;
    }
    bulk.commit()?;
    Ok((kiosks, counters, displays))
}

fn client() -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder().timeout(Duration::from_secs(30)).build()?)
}

/// One POST with a bearer token and an optional JSON body; fails unless
/// the status is `expect`. Returns the body.
async fn post(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    body: Option<&str>,
    expect: u16,
) -> anyhow::Result<String> {
    let mut req = http.post(url).bearer_auth(token);
    if let Some(b) = body {
        req = req.header(reqwest::header::CONTENT_TYPE, "application/json").body(b.to_owned());
    }
    let res = req.send().await?;
    let status = res.status().as_u16();
    let text = res.text().await?;
    if status != expect {
        bail!("POST {url}: {status} {text}");
    }
    Ok(text)
}

/// The JSON bodies of ticket issues, one per service, made once.
fn issue_bodies() -> Vec<String> {
    (0..26u8).map(|i| format!(r#"{{"service":"S{}"}}"#, char::from(b'A' + i))).collect()
}

/// Ticket issues: `clients` kiosks at once, `per_client` each.
async fn issues(clients: usize, per_client: usize) -> anyhow::Result<Load> {
    let hall = Hall::start(Setup { kiosks: clients, counters: OPEN_COUNTERS, displays: 0, waiting: 0 }).await?;
    let http = client()?;
    let bodies = Arc::new(issue_bodies());
    let url = format!("{}/api/v1/tickets", hall.base);
    let started = Arc::new(tokio::sync::Barrier::new(clients + 1));
    let tasks: Vec<_> = hall
        .kiosks
        .iter()
        .cloned()
        .enumerate()
        .map(|(c, token)| {
            let (http, url, bodies, started) = (http.clone(), url.clone(), bodies.clone(), started.clone());
            tokio::spawn(async move {
                for k in 0..WARM_UP {
                    post(&http, &url, &token, Some(&bodies[(c + k) % bodies.len()]), 201).await?;
                }
                started.wait().await;
                let mut latencies = Vec::with_capacity(per_client);
                for k in 0..per_client {
                    let t = Instant::now();
                    post(&http, &url, &token, Some(&bodies[(c * 7 + k) % bodies.len()]), 201).await?;
                    latencies.push(t.elapsed());
                }
                anyhow::Ok(latencies)
            })
        })
        .collect();
    started.wait().await;
    let t = Instant::now();
    let latencies = join_all(tasks).await?;
    let load = summarize("http_issue", clients, latencies, t.elapsed());
    hall.stop().await?;
    Ok(load)
}

/// Call next at `clients` counters at once, `per_client` calls each, each
/// followed (untimed) by a no-show that frees the counter.
async fn calls(clients: usize, per_client: usize) -> anyhow::Result<Load> {
    let counters = u32::try_from(clients).context("counters")?;
    let waiting = clients * (per_client + WARM_UP);
    let hall = Hall::start(Setup { kiosks: 0, counters, displays: 0, waiting }).await?;
    let http = client()?;
    let started = Arc::new(tokio::sync::Barrier::new(clients + 1));
    let tasks: Vec<_> = hall
        .counters
        .iter()
        .cloned()
        .zip(1u32..)
        .map(|(token, counter)| {
            let (http, base, started) = (http.clone(), hall.base.clone(), started.clone());
            tokio::spawn(async move {
                let call = format!("{base}/api/v1/counters/{counter}/call-next");
                let no_show = format!("{base}/api/v1/counters/{counter}/no-show");
                for _ in 0..WARM_UP {
                    post(&http, &call, &token, None, 200).await?;
                    post(&http, &no_show, &token, None, 200).await?;
                }
                started.wait().await;
                let mut latencies = Vec::with_capacity(per_client);
                for _ in 0..per_client {
                    let t = Instant::now();
                    post(&http, &call, &token, None, 200).await?;
                    latencies.push(t.elapsed());
                    post(&http, &no_show, &token, None, 200).await?;
                }
                anyhow::Ok(latencies)
            })
        })
        .collect();
    started.wait().await;
    let t = Instant::now();
    let latencies = join_all(tasks).await?;
    let load = summarize("http_call_next", clients, latencies, t.elapsed());
    hall.stop().await?;
    Ok(load)
}

/// An event as the displays read it: only what the figure needs.
#[derive(Deserialize)]
struct StreamEvent {
    #[serde(rename = "type")]
    kind_of_message: String,
    #[serde(default)]
    seq: u64,
    #[serde(default)]
    kind: String,
}

#[derive(Deserialize)]
struct Answer {
    seq: u64,
}

/// From sending Call next to its `ticket_called` event at each of
/// [`DISPLAYS`] connected displays: `calls` calls at one counter, one after
/// the other (each followed by a no-show), every display a sample of each.
async fn call_to_event(calls: usize) -> anyhow::Result<Load> {
    let hall = Hall::start(Setup { kiosks: 0, counters: 1, displays: DISPLAYS, waiting: calls + WARM_UP }).await?;
    let http = client()?;
    let last_seq = Arc::new(AtomicU64::new(u64::MAX));
    let ws_base = hall.base.replacen("http://", "ws://", 1);
    let mut readers = Vec::with_capacity(DISPLAYS);
    for token in &hall.displays {
        let url = format!("{ws_base}/api/v1/stream?token={token}");
        let (mut ws, _) = tokio_tungstenite::connect_async(url).await.context("a display connects")?;
        // The snapshot comes first; wait for it so every display is live before the first call.
        match ws.next().await {
            Some(Ok(Message::Text(_))) => {}
            other => bail!("a display got no snapshot: {other:?}"),
        }
        let last_seq = last_seq.clone();
        readers.push(tokio::spawn(async move {
            let mut arrivals: Vec<(u64, Instant)> = Vec::new();
            let mut seen = 0;
            let deadline = Instant::now() + DELIVERY_LIMIT;
            loop {
                if seen >= last_seq.load(Ordering::SeqCst) {
                    return anyhow::Ok(arrivals);
                }
                let left = deadline.saturating_duration_since(Instant::now());
                let m = match tokio::time::timeout(left.min(Duration::from_millis(200)), ws.next()).await {
                    Err(_) if Instant::now() < deadline => continue,
                    Err(_) => bail!("a display did not receive every event in {DELIVERY_LIMIT:?}"),
                    Ok(None) => bail!("a display's stream closed"),
                    Ok(Some(m)) => m?,
                };
                let at = Instant::now();
                let Message::Text(text) = m else { continue };
                let e: StreamEvent = serde_json::from_str(&text)?;
                if e.kind_of_message == "event" && e.kind == "ticket_called" {
                    arrivals.push((e.seq, at));
                }
                seen = seen.max(e.seq);
            }
        }));
    }

    let call = format!("{}/api/v1/counters/1/call-next", hall.base);
    let no_show = format!("{}/api/v1/counters/1/no-show", hall.base);
    let token = &hall.counters[0];
    let mut sent: HashMap<u64, Instant> = HashMap::with_capacity(calls);
    let t = Instant::now();
    let mut last = 0;
    for i in 0..calls + WARM_UP {
        let t0 = Instant::now();
        let body = post(&http, &call, token, None, 200).await?;
        let answer: Answer = serde_json::from_str(&body)?;
        if i >= WARM_UP {
            sent.insert(answer.seq, t0);
        }
        let body = post(&http, &no_show, token, None, 200).await?;
        last = serde_json::from_str::<Answer>(&body)?.seq;
    }
    last_seq.store(last, Ordering::SeqCst);
    let mut latencies = Vec::with_capacity(calls * DISPLAYS);
    for arrivals in join_all(readers).await? {
        let mine: Vec<Duration> =
            arrivals.into_iter().filter_map(|(seq, at)| sent.get(&seq).map(|t0| at.duration_since(*t0))).collect();
        if mine.len() != calls {
            bail!("a display received {} of {calls} calls", mine.len());
        }
        latencies.push(mine);
    }
    let load = summarize("call_to_event", DISPLAYS, latencies, t.elapsed());
    hall.stop().await?;
    Ok(load)
}

/// Awaits every task; the first failure wins.
async fn join_all<T>(tasks: Vec<tokio::task::JoinHandle<anyhow::Result<T>>>) -> anyhow::Result<Vec<T>> {
    let mut out = Vec::with_capacity(tasks.len());
    for task in tasks {
        out.push(task.await??);
    }
    Ok(out)
}
