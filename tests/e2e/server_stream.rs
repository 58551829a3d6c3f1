//! The hall's WebSocket stream under load, from outside: fifty lobby
//! screens connected to `/api/v1/stream` while kiosks issue and counters
//! serve. Each must receive every event once, in order, gapless, exactly
//! the log the database holds afterwards; screens that drop mid-load and
//! reconnect with `since=<last seq>` miss nothing and see nothing twice.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use hallq_e2e::Api;
use serde_json::Value;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};
use uuid::Uuid;

use crate::server_support::{LiveHall, issue_tickets, open_db, read_log, serve_until_empty};

const CLIENTS: usize = 50;
/// Clients 0..DROPPERS drop mid-load (even ones with a close frame, odd
/// ones by just going away) and reconnect with `since`.
const DROPPERS: usize = 6;
const KIOSKS: usize = 2;
const TICKETS: usize = 200;
const COUNTERS: u32 = 4;
/// Everything, load and delivery, must be done by then.
const LIMIT: Duration = Duration::from_secs(60);

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// What one screen saw: the seq of its snapshot, then every event (seq, id).
#[derive(Debug)]
struct Seen {
    snapshot: u64,
    events: Vec<(u64, Uuid)>,
    reconnects: usize,
    /// Events committed while it was away (at least; more may follow before it is back).
    missed: u64,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_screens_receive_every_event_once_in_order_and_a_reconnect_with_since_misses_nothing() {
    let live = LiveHall::start().await;
    let counters = live.staffed_counters(COUNTERS).await;
    let kiosks = live.pair_many("kiosk", KIOSKS).await;
    let displays = live.pair_many("display", CLIENTS).await;
    let deadline = Instant::now() + LIMIT;

    // Every screen is connected and has its snapshot before the load starts.
    let final_seq = Arc::new(AtomicU64::new(0));
    let mut screens = Vec::with_capacity(CLIENTS);
    for (i, token) in displays.into_iter().enumerate() {
        let mut ws = connect(&live, &token, None).await;
        let snapshot = next_message(&mut ws, deadline).await;
        assert_eq!(snapshot["type"], "snapshot", "a stream without `since` starts with a snapshot");
        let seq = snapshot["seq"].as_u64().expect("a snapshot has its seq");
        let screen = Screen {
            index: i,
            url: live.server.ws_url("/api/v1/stream"),
            token,
            api: live.api.clone(),
            final_seq: final_seq.clone(),
            deadline,
        };
        screens.push(tokio::spawn(screen.watch(ws, seq)));
    }

    let issuing_done = Arc::new(AtomicBool::new(false));
    let kiosk_tasks: Vec<_> = kiosks
        .into_iter()
        .enumerate()
        .map(|(k, token)| tokio::spawn(issue_tickets(live.api.clone(), token, k, TICKETS / KIOSKS)))
        .collect();
    let counter_tasks: Vec<_> = counters
        .into_iter()
        .zip(1..)
        .map(|(token, c)| tokio::spawn(serve_until_empty(live.api.clone(), token, c, issuing_done.clone(), deadline)))
        .collect();
    let mut kiosk_failure = None;
    for task in kiosk_tasks {
        if let Err(e) = task.await {
            kiosk_failure = Some(e);
        }
    }
    issuing_done.store(true, Ordering::SeqCst);
    if let Some(e) = kiosk_failure {
        std::panic::resume_unwind(e.into_panic());
    }
    for task in counter_tasks {
        task.await.unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));
    }
    let last = live.last_seq().await;
    final_seq.store(last, Ordering::SeqCst);
    let mut seen = Vec::with_capacity(CLIENTS);
    for task in screens {
        seen.push(task.await.unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic())));
    }

    // The log the database holds is what every screen saw after its snapshot.
    let LiveHall { hall, server, .. } = live;
    server.kill();
    let (store, hall_id) = open_db(&hall);
    let log: Vec<(u64, Uuid)> =
        read_log(&store.reader().expect("a reader"), hall_id).into_iter().map(|e| (e.seq, e.id)).collect();
    assert!(log.iter().map(|e| e.0).eq(1..=last), "the log is gapless from 1 to the server's last seq {last}");
    for (i, s) in seen.iter().enumerate() {
        let expected: Vec<(u64, Uuid)> = log.iter().copied().filter(|e| e.0 > s.snapshot).collect();
        assert_eq!(
            expected.len(),
            4 * TICKETS,
            "screen {i}'s snapshot came before the load: issue, call, start, finish each"
        );
        if s.events != expected {
            let got: Vec<u64> = s.events.iter().map(|e| e.0).collect();
            panic!(
                "screen {i} (snapshot at {}, {} reconnects) saw {} events, the log holds {} after it; seqs seen: {got:?}",
                s.snapshot,
                s.reconnects,
                s.events.len(),
                expected.len()
            );
        }
        assert_eq!(s.reconnects, usize::from(i < DROPPERS), "screen {i} reconnected as planned");
        assert!(s.reconnects == 0 || s.missed > 0, "screen {i} was away while the hall moved on");
    }
}

async fn connect(live: &LiveHall, token: &str, since: Option<u64>) -> Ws {
    connect_url(&live.server.ws_url("/api/v1/stream"), token, since).await
}

async fn connect_url(url: &str, token: &str, since: Option<u64>) -> Ws {
    let mut url = format!("{url}?token={token}");
    if let Some(s) = since {
        url.push_str(&format!("&since={s}"));
    }
    let connecting = tokio::time::timeout(Duration::from_secs(10), connect_async(url)).await;
    connecting.expect("the stream accepts in time").expect("the stream accepts a paired display").0
}

/// The next JSON message (pings and pongs skipped).
async fn next_message(ws: &mut Ws, deadline: Instant) -> Value {
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let m = tokio::time::timeout(left, ws.next()).await.expect("a message before the deadline");
        match m.expect("the stream stays open").expect("no stream error") {
            Message::Text(t) => return serde_json::from_str(&t).expect("stream messages are JSON"),
            Message::Ping(_) | Message::Pong(_) => {}
            other => panic!("unexpected stream message {other:?}"),
        }
    }
}

/// One lobby screen on the stream.
struct Screen {
    index: usize,
    url: String,
    token: String,
    api: Api,
    /// The load's last seq once it is over; 0 before.
    final_seq: Arc<AtomicU64>,
    deadline: Instant,
}

impl Screen {
    /// Reads events after the snapshot until it has the load's last seq. A
    /// dropper goes away after a number of events (its own, so the drops
    /// are spread over the load), waits until the hall has moved on without
    /// it, and reconnects with `since` = the last seq it saw.
    async fn watch(self, mut ws: Ws, snapshot: u64) -> Seen {
        let index = self.index;
        let mut seen = Seen { snapshot, events: Vec::new(), reconnects: 0, missed: 0 };
        let mut drop_after = (index < DROPPERS).then_some(10 + 60 * index);
        loop {
            let last = seen.events.last().map_or(snapshot, |e| e.0);
            let target = self.final_seq.load(Ordering::SeqCst);
            if target != 0 && last >= target {
                break;
            }
            assert!(Instant::now() < self.deadline, "screen {index} stuck at seq {last} (target {target})");
            let m = match tokio::time::timeout(Duration::from_millis(100), ws.next()).await {
                Err(_) => continue,
                Ok(m) => m.unwrap_or_else(|| panic!("screen {index}'s stream closed")).expect("no stream error"),
            };
            let text = match m {
                Message::Text(t) => t,
                Message::Ping(_) | Message::Pong(_) => continue,
                other => panic!("screen {index}: unexpected {other:?}"),
            };
            let m: Value = serde_json::from_str(&text).expect("stream messages are JSON");
            assert_eq!(m["type"], "event", "screen {index}: after the snapshot only events come: {m}");
            let seq = m["seq"].as_u64().expect("an event has its seq");
            let id = m["id"].as_str().and_then(|s| s.parse().ok()).expect("an event has its id");
            seen.events.push((seq, id));
            if drop_after == Some(seen.events.len()) {
                drop_after = None;
                if index.is_multiple_of(2) {
                    ws.close(None).await.expect("a clean close");
                }
                drop(ws);
                seen.missed += self.wait_for_the_hall_to_move_on(seq + 20).await - seq;
                ws = connect_url(&self.url, &self.token, Some(seq)).await;
                seen.reconnects += 1;
            }
        }
        // Nothing more comes: no duplicate after the last event.
        if let Ok(Some(Ok(Message::Text(t)))) = tokio::time::timeout(Duration::from_millis(200), ws.next()).await {
            panic!("screen {index}: a message after the last event: {t}");
        }
        seen
    }

    /// Waits (bounded) until the hall's seq reached `seq` or the load is
    /// over, so that a dropped screen really has something to miss; returns
    /// the hall's seq then.
    async fn wait_for_the_hall_to_move_on(&self, seq: u64) -> u64 {
        loop {
            let now = self.api.get(&self.token, "/api/v1/hall").await.expect(200)["seq"].as_u64().expect("a seq");
            if now >= seq || self.final_seq.load(Ordering::SeqCst) != 0 || Instant::now() >= self.deadline {
                return now;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}
