//! A hall pushing its log to the bureau's centre, with real processes: the
//! hall enrolled by `hallq enrol`, served by `hallq serve` (whose forwarder
//! pushes), the centre a real `hallq central` on a real PostgreSQL 15 (the
//! centre's own test fixture, [`crate::postgres`]). Between them a TCP proxy
//! in this test ([`Proxy`]) that can stand for a centre that is down or a
//! network that cuts connections mid-batch. Every test ends by comparing
//! the centre's log with the hall's: seqs 1..n, exactly once, as the hall
//! wrote them.

use std::net::SocketAddr;
use std::process::Child;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use deadpool_postgres::Pool;
use hallq_e2e::{Hall, Server};
use hallq_store::{Store, StoredEvent};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use uuid::Uuid;

use crate::central_support::{assert_log, now, start_centre, stored};
use crate::postgres::cluster;
use crate::server_support::{LiveHall, issue_tickets, serve_until_empty};

/// How long a test waits for the centre to hold what the hall wrote.
const SYNC_LIMIT: Duration = Duration::from_secs(150);

/// What the proxy does with a connection.
#[derive(Debug, Clone, Copy, Default)]
struct Route {
    /// The centre's address; `None`: the centre is down (connections closed at once).
    upstream: Option<SocketAddr>,
    /// Cut the connection once this many bytes went from the hall to the centre.
    cut_up: Option<usize>,
    /// Cut the connection instead of answering once the hall sent this
    /// many bytes on it (a push's answer is lost, the cursor's is not).
    lose_answers_after: Option<usize>,
}

/// A TCP proxy between the hall and the centre, on a fixed loopback port:
/// the hall's link points at it, so the centre can die and come back on
/// another port, and the network can cut connections mid-request.
struct Proxy {
    addr: SocketAddr,
    route: Arc<Mutex<Route>>,
    /// Bumped when the route changes: open connections close (a client's
    /// kept-alive connection would otherwise go on by the old route).
    changed: tokio::sync::watch::Sender<u64>,
    /// Connections cut so far.
    cuts: Arc<AtomicUsize>,
}

impl Proxy {
    async fn start(upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the proxy");
        let addr = listener.local_addr().expect("its address");
        let route = Arc::new(Mutex::new(Route { upstream: Some(upstream), ..Route::default() }));
        let cuts = Arc::new(AtomicUsize::new(0));
        let (changed, _) = tokio::sync::watch::channel(0);
        let (r, c, ch) = (route.clone(), cuts.clone(), changed.clone());
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let route = *r.lock().unwrap();
                let mut changed = ch.subscribe();
                let cuts = c.clone();
                tokio::spawn(async move {
                    tokio::select! {
                        () = relay(client, route, cuts) => {}
                        _ = changed.changed() => {}
                    }
                });
            }
        });
        Proxy { addr, route, changed, cuts }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn set(&self, route: Route) {
        *self.route.lock().unwrap() = route;
        self.changed.send_modify(|n| *n += 1);
    }

    fn upstream(&self) -> Option<SocketAddr> {
        self.route.lock().unwrap().upstream
    }

    /// Waits until `n` more connections were cut.
    async fn wait_for_cuts(&self, n: usize) {
        let (before, started) = (self.cuts.load(Ordering::SeqCst), Instant::now());
        while self.cuts.load(Ordering::SeqCst) < before + n {
            assert!(started.elapsed() < SYNC_LIMIT, "the forwarder never tried through the cutting network");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// Relays one connection by `route`.
async fn relay(mut client: TcpStream, route: Route, cuts: Arc<AtomicUsize>) {
    let Some(upstream) = route.upstream else { return };
    let Ok(mut server) = TcpStream::connect(upstream).await else { return };
    let (mut client_read, mut client_write) = client.split();
    let (mut server_read, mut server_write) = server.split();
    let sent_up = AtomicUsize::new(0);
    let cut = || {
        cuts.fetch_add(1, Ordering::SeqCst);
    };
    let up = async {
        let mut buf = vec![0u8; 8192];
        loop {
            let n = client_read.read(&mut buf).await.unwrap_or(0);
            let sent = sent_up.load(Ordering::SeqCst);
            let n = route.cut_up.map_or(n, |limit| n.min(limit - sent));
            if n == 0 || server_write.write_all(&buf[..n]).await.is_err() {
                return;
            }
            sent_up.fetch_add(n, Ordering::SeqCst);
            if route.cut_up.is_some_and(|limit| sent + n >= limit) {
                return cut();
            }
        }
    };
    let down = async {
        let mut buf = vec![0u8; 8192];
        loop {
            let n = server_read.read(&mut buf).await.unwrap_or(0);
            if n == 0 {
                return;
            }
            if route.lose_answers_after.is_some_and(|limit| sent_up.load(Ordering::SeqCst) >= limit) {
                return cut();
            }
            if client_write.write_all(&buf[..n]).await.is_err() {
                return;
            }
        }
    };
    // Whichever way ends first ends the connection: a cut drops both.
    tokio::select! {
        () = up => {}
        () = down => {}
    }
}

/// A centre: its database, the real `hallq central` serving it, and the
/// proxy the halls talk to.
struct Bureau {
    url: String,
    pool: Pool,
    centre: Option<Child>,
    proxy: Proxy,
}

impl Bureau {
    async fn start() -> Bureau {
        let url = cluster().database().await;
        let pool = hallq_central::db::connect(&url).await.expect("connect and migrate");
        let (child, base) = start_centre(&url, &[]);
        let proxy = Proxy::start(address(&base)).await;
        Bureau { url, pool, centre: Some(child), proxy }
    }

    /// SIGKILLs the centre; the proxy then closes every connection at once.
    fn kill(&mut self) {
        if let Some(mut child) = self.centre.take() {
            child.kill().expect("SIGKILL the centre");
            child.wait().expect("reap it");
        }
        self.proxy.set(Route { upstream: None, ..Route::default() });
    }

    /// Starts the centre again on the same database (another port).
    fn restart(&mut self) {
        let (child, base) = start_centre(&self.url, &[]);
        self.centre = Some(child);
        self.proxy.set(Route { upstream: Some(address(&base)), ..Route::default() });
    }

    async fn code(&self, hall_code: &str) -> String {
        hallq_central::enrol::create_code(&self.pool, hall_code, None, now()).await.expect("a code").code
    }

    /// `hallq enrol` of `hall`'s only hall at this centre.
    async fn enrol(&self, hall: &Hall) {
        let code = self.code(&hall_code(hall)).await;
        let out = hall.ok(&["enrol", "--central", &self.proxy.url(), "--code", &code]);
        assert!(out.contains("已在中心") && out.contains("enrolled at"), "{out}");
    }

    fn revoke(&self, hall_code: &str) {
        let out = hallq_e2e::hallq(&["central", "--postgres", &self.url, "revoke", "--hall-code", hall_code]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }

    /// Waits until the centre holds `n` events of `hall`.
    async fn wait_for(&self, hall: Uuid, n: usize) {
        let started = Instant::now();
        loop {
            let held = self.held(hall).await;
            if held == n {
                return;
            }
            assert!(started.elapsed() < SYNC_LIMIT, "the centre holds {held} of {n} events after {SYNC_LIMIT:?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn held(&self, hall: Uuid) -> usize {
        let client = self.pool.get().await.expect("a connection");
        let row = client.query_one("SELECT count(*) FROM events WHERE hall_id = $1", &[&hall]).await.expect("count");
        row.get::<_, i64>(0) as usize
    }
}

impl Drop for Bureau {
    fn drop(&mut self) {
        self.kill();
    }
}

fn address(base: &str) -> SocketAddr {
    base.trim_start_matches("http://").parse().expect("a socket address")
}

fn hall_code(hall: &Hall) -> String {
    Store::open_existing(hall.db()).expect("open the hall").halls().expect("its halls")[0].code.clone()
}

/// The hall's whole log, read from its database (the server may run).
fn hall_log(hall: &Hall) -> (Uuid, Vec<StoredEvent>) {
    let store = Store::open_existing(hall.db()).expect("open the hall");
    let id = store.halls().expect("its halls")[0].id;
    (id, store.reader().expect("a reader").events_since(id, 0, usize::MAX).expect("its log"))
}

/// The centre holds exactly the hall's log.
async fn assert_synced(bureau: &Bureau, hall: &Hall) {
    let (id, log) = hall_log(hall);
    bureau.wait_for(id, log.len()).await;
    assert_log(&bureau.pool, id, &log).await;
}

/// `GET /api/v1/central` as the supervisor.
async fn sync_state(live: &LiveHall) -> Value {
    live.api.get(&live.sup, "/api/v1/central").await.expect(200)
}

/// Waits until the hall's sync state satisfies `done`.
async fn wait_state(live: &LiveHall, done: impl Fn(&Value) -> bool) -> Value {
    let started = Instant::now();
    loop {
        let state = sync_state(live).await;
        if done(&state) {
            return state;
        }
        assert!(started.elapsed() < SYNC_LIMIT, "the sync state never got there: {state}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A paired kiosk and counter 1, staffed and open: the hall's terminals.
struct Desk {
    kiosk: String,
    counter: String,
}

async fn desk(live: &LiveHall) -> Desk {
    Desk { kiosk: live.pair("kiosk", None).await, counter: live.staffed_counters(1).await.remove(0) }
}

/// `tickets` customers through the kiosk, served at the counter: four
/// commands each (issue, call, start, finish), every answer a success.
async fn traffic(live: &LiveHall, desk: &Desk, tickets: usize) {
    let done = Arc::new(AtomicBool::new(false));
    let deadline = Instant::now() + Duration::from_secs(300);
    let serving = tokio::spawn(serve_until_empty(live.api.clone(), desk.counter.clone(), 1, done.clone(), deadline));
    let issued = issue_tickets(live.api.clone(), desk.kiosk.clone(), 0, tickets).await;
    done.store(true, Ordering::SeqCst);
    let served = serving.await.expect("the counter");
    assert_eq!(served.len(), issued.len(), "every ticket issued was served");
}

/// `hallq serve` retrying the centre at least every 2 s (not 60: the
/// tests would wait minutes for the backoff).
fn serve(hall: &Hall) -> Result<Server, String> {
    hall.serve_with(0, 0, &["--central-retry-max-s", "2"])
}

/// An initialised hall enrolled at `bureau` and served.
async fn enrolled_hall(bureau: &Bureau) -> LiveHall {
    let hall = Hall::new();
    // Enrolled between `hallq init` and `hallq serve`.
    LiveHall::start_with(hall, |hall| {
        let code =
            tokio::task::block_in_place(|| tokio::runtime::Handle::current().block_on(bureau.code(&hall_code(hall))));
        hall.ok(&["enrol", "--central", &bureau.proxy.url(), "--code", &code]);
        serve(hall)
    })
    .await
}

/// Stops the hall's server (SIGTERM, as a service manager does), runs
/// `meanwhile` on its database, and serves it again (another port).
fn restart_server(live: &mut LiveHall, meanwhile: impl FnOnce(&Hall)) {
    live.server.terminate();
    assert!(live.server.wait_exit(Duration::from_secs(30)).is_some(), "the server stops");
    meanwhile(&live.hall);
    live.server = serve(&live.hall).expect("serve again");
    live.api.follow(live.server.base());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ticket_served_reaches_the_centre_within_seconds() {
    let bureau = Bureau::start().await;
    let live = enrolled_hall(&bureau).await;
    let desk = desk(&live).await;
    let state = sync_state(&live).await;
    assert_eq!((state["linked"].as_bool(), state["url"].as_str()), (Some(true), Some(bureau.proxy.url().as_str())));
    traffic(&live, &desk, 1).await;
    assert_synced(&bureau, &live.hall).await;
    let last = live.last_seq().await;
    let state = wait_state(&live, |s| s["acknowledged_seq"] == last).await;
    assert_eq!(state["backlog"], 0, "{state}");
    assert!(state["last_error"].is_null() && state["last_success_at"].is_i64(), "{state}");
    assert_eq!((state["stopped"].as_bool(), state["warning"].as_bool()), (Some(false), Some(false)), "{state}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enrolment_refuses_bad_input_and_records_nothing() {
    let bureau = Bureau::start().await;
    let hall = Hall::new();
    hall.ok(&["init", "--non-interactive", "--pin", crate::server_support::ADMIN_PIN]);
    let code = bureau.code(&hall_code(&hall)).await;
    let linked = || {
        let store = Store::open_existing(hall.db()).expect("open the hall");
        store.central_link(store.halls().expect("its halls")[0].id).expect("read the link")
    };
    // Not http(s); no centre answering (a port nobody listens on).
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    for (url, code_expected, zh, en) in [
        ("ftp://127.0.0.1:1", 2, "中心地址应为", "must be an http:// or https:// URL"),
        (&format!("http://{closed}"), 1, "无法连接中心", "cannot reach the centre"),
    ] {
        let (exit, stderr) = hall.fail(&["enrol", "--central", url, "--code", &code]);
        assert_eq!(exit, code_expected, "{stderr}");
        assert!(stderr.contains(zh) && stderr.contains(en), "{stderr}");
        assert_eq!(linked(), None, "nothing recorded after {url}");
    }
    // A wrong code, then the right one, then the same one again.
    let (exit, stderr) = hall.fail(&["enrol", "--central", &bureau.proxy.url(), "--code", "AAAA-BBBB-CCCC"]);
    assert_eq!(exit, 2, "{stderr}");
    assert!(stderr.contains("中心拒绝注册") && stderr.contains("the centre refused the enrolment"), "{stderr}");
    assert_eq!(linked(), None);
    hall.ok(&["enrol", "--central", &bureau.proxy.url(), "--code", &code]);
    let link = linked().expect("linked");
    assert_eq!((link.url.as_str(), link.acknowledged_seq), (bureau.proxy.url().as_str(), 0));
    let (exit, stderr) = hall.fail(&["enrol", "--central", &bureau.proxy.url(), "--code", &code]);
    assert_eq!(exit, 2, "{stderr}");
    assert_eq!(linked(), Some(link), "a refused enrolment leaves the link as it was");
    let out = hall.ok(&["enrol", "--forget"]);
    assert!(out.contains("已解除") && out.contains("no longer linked"), "{out}");
    assert_eq!(linked(), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_day_with_the_centre_down_then_the_hall_catches_up_by_itself() {
    let mut bureau = Bureau::start().await;
    let live = enrolled_hall(&bureau).await;
    let desk = desk(&live).await;
    bureau.kill();
    // A day's traffic (four hundred commands): the hall works as ever.
    traffic(&live, &desk, 100).await;
    let last = live.last_seq().await;
    let state = wait_state(&live, |s| s["last_error"]["code"] == "central_unreachable").await;
    assert!(state["backlog"].as_u64().unwrap() > 0 && state["acknowledged_seq"].as_u64().unwrap() < last, "{state}");
    assert_eq!(state["stopped"], false, "an outage is retried, not a stop: {state}");
    let zh = state["last_error"]["message_zh"].as_str().unwrap();
    assert!(zh.contains("无法连接中心") && state["last_error"]["message_en"].as_str().unwrap().contains("retrying"));

    bureau.restart();
    assert_synced(&bureau, &live.hall).await;
    let state = wait_state(&live, |s| s["backlog"] == 0).await;
    assert!(state["last_error"].is_null(), "{state}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_network_that_cuts_connections_mid_batch_loses_and_duplicates_nothing() {
    let mut bureau = Bureau::start().await;
    let live = enrolled_hall(&bureau).await;
    let desk = desk(&live).await;
    let upstream = bureau.proxy.upstream();
    bureau.proxy.set(Route { upstream: None, ..Route::default() });
    traffic(&live, &desk, 60).await;
    let (id, _) = hall_log(&live.hall);
    let held = bureau.held(id).await;
    // Every connection dies after 3 KB towards the centre: mid-batch (the
    // backlog's batch is several times larger). Nothing of it is stored.
    bureau.proxy.set(Route { upstream, cut_up: Some(3_000), ..Route::default() });
    bureau.proxy.wait_for_cuts(2).await;
    assert_eq!(bureau.held(id).await, held, "no cut batch was stored");
    // Then every answer is lost: the centre stores a batch the hall never
    // hears of, and the hall sends it again once the network heals.
    bureau.proxy.set(Route { upstream, lose_answers_after: Some(3_000), ..Route::default() });
    let started = Instant::now();
    while bureau.held(id).await == held {
        assert!(started.elapsed() < SYNC_LIMIT, "no batch got through with its answer lost");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    bureau.proxy.set(Route { upstream, ..Route::default() });
    assert_synced(&bureau, &live.hall).await;
    bureau.kill();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_centre_killed_mid_ingest_then_the_hall_resumes() {
    let mut bureau = Bureau::start().await;
    // A hall with weeks of log (several batches of 5,000), enrolled.
    let hall = Hall::new();
    hall.ok(&["demo", "--days", "24", "--seed", "7", "--hall", "KL01"]);
    bureau.enrol(&hall).await;
    let (id, log) = hall_log(&hall);
    assert!(log.len() > 10_000, "{} events", log.len());
    let _server = serve(&hall).expect("serve");
    let started = Instant::now();
    let held = loop {
        let held = bureau.held(id).await;
        if held > 0 {
            break held;
        }
        assert!(started.elapsed() < SYNC_LIMIT, "nothing reached the centre");
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    bureau.kill();
    assert!(held < log.len(), "killed mid-ingest: {held} of {}", log.len());
    assert_log(&bureau.pool, id, &log[..bureau.held(id).await]).await;
    bureau.restart();
    assert_synced(&bureau, &hall).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hall_restored_from_an_older_backup_is_refused_and_stops() {
    let bureau = Bureau::start().await;
    let mut live = enrolled_hall(&bureau).await;
    let desk = desk(&live).await;
    traffic(&live, &desk, 5).await;
    assert_synced(&bureau, &live.hall).await;
    let backup = live.hall.dir().join("older.db");
    live.hall.ok(&["backup", "--to", backup.to_str().unwrap()]);
    traffic(&live, &desk, 5).await;
    assert_synced(&bureau, &live.hall).await;
    let (id, before) = hall_log(&live.hall);

    restart_server(&mut live, |hall| {
        hall.ok(&["restore", "--from", backup.to_str().unwrap()]);
    });
    assert!(hall_log(&live.hall).1.len() < before.len(), "the restored log is shorter");
    // New traffic takes seqs the centre holds with other events.
    traffic(&live, &desk, 2).await;
    let state = wait_state(&live, |s| s["stopped"] == true).await;
    assert_eq!(state["last_error"]["code"], "divergent_log", "{state}");
    assert_eq!(state["warning"], true, "{state}");
    let (zh, en) =
        (state["last_error"]["message_zh"].as_str().unwrap(), state["last_error"]["message_en"].as_str().unwrap());
    assert!(zh.contains("已停止转发") && en.contains("forwarding stopped"), "{state}");
    // The centre kept what it had, exactly.
    assert_log(&bureau.pool, id, &before).await;
    assert_eq!(stored(&bureau.pool, id).await.len(), before.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_key_stops_forwarding() {
    let bureau = Bureau::start().await;
    let live = enrolled_hall(&bureau).await;
    let desk = desk(&live).await;
    traffic(&live, &desk, 2).await;
    assert_synced(&bureau, &live.hall).await;
    let (id, before) = hall_log(&live.hall);
    bureau.revoke(&hall_code(&live.hall));
    traffic(&live, &desk, 2).await;
    let state = wait_state(&live, |s| s["stopped"] == true).await;
    assert_eq!(state["last_error"]["code"], "key_revoked", "{state}");
    assert!(state["backlog"].as_u64().unwrap() > 0, "{state}");
    assert_log(&bureau.pool, id, &before).await;
}

/// The catch-up figure (ignored: run in release, `cargo build --release -p
/// hallq-cli && cargo test --release -p hallq-e2e --test e2e
/// central_forward::bench -- --ignored --nocapture`): a hall 30 days
/// offline (`hallq demo --days 30`) syncing its whole log, timed from the
/// moment the centre is reachable to the last acknowledgement — once when
/// the server starts with the centre up, once when the centre comes back
/// under a running server (whose backoff is capped at 1 s here: with the
/// default minute, add up to 75 s of waiting before the first attempt).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a benchmark: see the doc comment"]
async fn bench_catch_up_of_a_hall_30_days_offline() {
    for server_first in [false, true] {
        let mut bureau = Bureau::start().await;
        let hall = Hall::new();
        hall.ok(&["demo", "--days", "30", "--seed", "3", "--hall", "KL30"]);
        bureau.enrol(&hall).await;
        let (id, log) = hall_log(&hall);
        let server;
        let started;
        if server_first {
            let upstream = bureau.proxy.upstream();
            bureau.proxy.set(Route::default());
            server = hall.serve_with(0, 0, &["--central-retry-max-s", "1"]).expect("serve");
            tokio::time::sleep(Duration::from_secs(3)).await;
            started = Instant::now();
            bureau.proxy.set(Route { upstream, ..Route::default() });
        } else {
            started = Instant::now();
            server = hall.serve(0, 0).expect("serve");
        }
        bureau.wait_for(id, log.len()).await;
        let took = started.elapsed();
        println!(
            "30 days offline, {} events, {}: last acknowledgement after {:.2} s ({:.0} events/s)",
            log.len(),
            if server_first {
                "the centre back under a running server"
            } else {
                "the server started with the centre up"
            },
            took.as_secs_f64(),
            log.len() as f64 / took.as_secs_f64()
        );
        assert_log(&bureau.pool, id, &log).await;
        drop(server);
        bureau.kill();
    }
}
